"""Likely next roles of one person, with how ready they are and what stands in the way.

Candidates and their order come from :mod:`~recsvc.recommend.careers.likelihood` (declared paths and
observed moves from the person's current role). For each candidate role:

- ``readiness`` is the share of the role's weighted requirement already met,
  ``sum_s w_s min(level_s, required_s) / sum_s w_s required_s`` with ``w_s`` the need weight
  (importance x (1 + strategic weight)) and ``level_s`` the person's estimated level (a
  recent test's level where higher), resolved as for recommendations toward that role;
- ``gaps`` are the skills below the requirement, largest weighted gap first;
- ``people_moved`` and ``typical_months`` come from ``role_history`` and are known only for
  moves made by five or more people (the bundle stores nothing smaller).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from recsvc.errors import UnknownEmployeeError
from recsvc.models.base import FloatArray
from recsvc.models.skill_gap import need_weights
from recsvc.recommend.candidates import role_index
from recsvc.recommend.careers.likelihood import next_role_likelihood
from recsvc.recommend.skill_state import resolve_skill_state
from recsvc.recommend.state import ModelState

__all__ = ["DAYS_PER_MONTH", "CareerPaths", "NextRole", "NextRoles", "RoleGap", "readiness"]

DAYS_PER_MONTH = 365.25 / 12
_NONE = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class RoleGap:
    skill_id: str
    skill_name: str
    current_level: float
    required_level: float
    gap: float
    weight: float


@dataclass(frozen=True)
class NextRole:
    role_id: str
    title: str
    likelihood: float
    sources: tuple[str, ...]  # "career_path" and/or "observed_moves"
    readiness: float
    gaps: tuple[RoleGap, ...]
    people_moved: int | None
    typical_months: float | None


@dataclass(frozen=True)
class NextRoles:
    employee_id: str
    role_id: str | None
    role_title: str | None
    months_in_role: float | None
    roles: tuple[NextRole, ...]


def readiness(level: FloatArray, required: FloatArray, weight: FloatArray) -> float:
    """Share of the weighted requirement met (1.0 for a role that requires nothing)."""
    total = float(np.sum(weight * required))
    if total <= 0:
        return 1.0
    return float(np.sum(weight * np.minimum(level, required)) / total)


class CareerPaths:
    """Next roles over one bundle; read-only after ``__init__`` (built once per bundle)."""

    def __init__(self, state: ModelState) -> None:
        self.state = state
        self.likelihood = next_role_likelihood(state.career_paths, state.role_moves)
        self._paths = state.career_paths.tocsr()
        self._moves = state.role_moves.tocsr()
        self._days = state.role_move_days.tocsr()

    def levels(self, employee_idx: int, role: int, target: int) -> FloatArray:
        """Estimated levels toward ``target`` (a recent test's level where higher)."""
        s = resolve_skill_state(
            self.state,
            employee_idx,
            roles=(role, target),
            project_skills=_NONE,
            recent_items=_NONE,
            recent_assessments=(),
        )
        return np.asarray(np.maximum(s.level, s.proven), dtype=np.float32)

    def _gaps(self, level: FloatArray, required: FloatArray, weight: FloatArray) -> list[RoleGap]:
        st = self.state
        gap = np.clip(required - level, 0.0, None)
        open_ = np.flatnonzero((gap > 1e-6) & (required > 0))
        order = open_[np.lexsort((open_, -(gap * weight)[open_]))]
        return [
            RoleGap(
                skill_id=st.skills.id_of(int(s)),
                skill_name=st.skill_names[int(s)],
                current_level=round(float(level[s]), 3),
                required_level=round(float(required[s]), 3),
                gap=round(float(gap[s]), 3),
                weight=round(float(weight[s]), 4),
            )
            for s in order
        ]

    def role_readiness(self, employee_idx: int, role: int, target: int) -> tuple[float, FloatArray]:
        """(readiness for ``target``, the levels it was measured with)."""
        st = self.state
        level = self.levels(employee_idx, role, target)
        required = np.asarray(st.role_required[target], np.float32)
        weight = need_weights(required, st.role_importance[target], st.skill_strategic)
        return readiness(level, required, weight), level

    @staticmethod
    def _at(m: sp.csr_matrix, r: int, t: int) -> float:
        lo, hi = m.indptr[r], m.indptr[r + 1]
        hit = np.flatnonzero(m.indices[lo:hi] == t)
        return float(m.data[lo + hit[0]]) if len(hit) else 0.0

    def next_roles(self, employee_id: str, k: int = 3, *, role_id: str | None = None) -> NextRoles:
        """Up to ``k`` likely next roles, most likely first.

        ``role_id`` overrides the bundle's current role (and is needed for someone the
        bundle does not know: UnknownEmployeeError otherwise; UnknownRoleError for a role
        it does not know). Without a role, or from a role nothing leads away from, the
        list is empty.
        """
        st = self.state
        e = st.employees.get(employee_id)
        if e < 0 and role_id is None:
            raise UnknownEmployeeError(
                f"employee {employee_id!r} is not in the model; pass role_id to see the next "
                "roles from that role"
            )
        role = role_index(st, role_id, "role_id")
        if role < 0 and e >= 0:
            role = int(st.employee_role[e])
        if role < 0:
            return NextRoles(employee_id, None, None, None, ())
        months = None
        if e >= 0 and role_id is None and np.isfinite(st.employee_role_start[e]):
            months = round(
                max(st.params.as_of - float(st.employee_role_start[e]), 0.0) / DAYS_PER_MONTH, 1
            )
        lo, hi = self.likelihood.indptr[role], self.likelihood.indptr[role + 1]
        cand = np.asarray(self.likelihood.indices[lo:hi], np.int64)
        chance = np.asarray(self.likelihood.data[lo:hi], np.float64)
        order = np.lexsort((cand, -chance))[: max(int(k), 0)]
        out = []
        for j in order.tolist():
            t = int(cand[j])
            ready, level = self.role_readiness(e, role, t)
            required = np.asarray(st.role_required[t], np.float32)
            weight = need_weights(required, st.role_importance[t], st.skill_strategic)
            moved = self._at(self._moves, role, t)
            days = self._at(self._days, role, t)
            sources = tuple(
                name
                for name, m in (("career_path", self._paths), ("observed_moves", self._moves))
                if self._at(m, role, t) > 0
            )
            out.append(
                NextRole(
                    role_id=st.roles.id_of(t),
                    title=st.role_titles[t],
                    likelihood=round(float(chance[j]), 4),
                    sources=sources,
                    readiness=round(ready, 4),
                    gaps=tuple(self._gaps(level, required, weight)),
                    people_moved=int(moved) if moved > 0 else None,
                    typical_months=round(days / DAYS_PER_MONTH, 1) if moved > 0 else None,
                )
            )
        return NextRoles(
            employee_id, st.roles.id_of(role), st.role_titles[role], months, tuple(out)
        )
