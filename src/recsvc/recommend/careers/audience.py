"""Audiences: the employees who most need a content item or a skill, by learning value.

Every employee's need is read column-wise from the bundle, as
:func:`~recsvc.recommend.skill_state.resolve_skill_state` and
:func:`~recsvc.recommend.candidates.build_signals` resolve one person's (bundle evidence,
the role prior where there is none, the role's and target role's requirements; someone
without a target role grows toward the role's most likely next role at half weight), so an
employee's learning value here equals what ``/recommend`` computes for them without
request facts:

- for an **item**: its learning value (need weight x expected gap closed by its expected
  gain, times the chance to finish it); people who completed it, are enrolled, or have
  proven every skill it teaches at or above its level (a recent test) are left out;
- for a **skill**: need weight x the expected gap on it; people who proved the level
  required of them are left out.

People without learning value (nothing to gain) are not in the audience. Filters (department,
role, location, manager) narrow it first; counts by department, role and location are
published as the peer floor allows (:mod:`~recsvc.recommend.careers.groups`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc.errors import UnknownContentError, UnknownSkillError
from recsvc.models.base import FloatArray
from recsvc.models.skill_gap import LEVELS, need_weights
from recsvc.recommend.candidates import DEFAULT_TARGET_WEIGHT
from recsvc.recommend.careers.groups import GroupCount, group_counts
from recsvc.recommend.finish import N_BINS, main_skill, step_bins
from recsvc.recommend.gain_curve import expected_gain
from recsvc.recommend.skill_state import MAX_LEVEL_SD
from recsvc.recommend.state import ModelState
from recsvc.recommend.value import MIN_VALUE, SkillNeed, effect_prior, expected_closed

__all__ = ["AudienceFilters", "AudienceMember", "AudiencePage", "Audiences"]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class AudienceFilters:
    department: str | None = None
    role_id: str | None = None
    location: str | None = None
    manager_id: str | None = None
    indirect_reports: bool = False  # with manager_id: everyone under them, not only direct


@dataclass(frozen=True)
class AudienceMember:
    employee_id: str
    role_id: str | None
    department: str | None
    location: str | None
    learning_value: float
    gap: float  # need-weighted gap on the skill(s) in question


@dataclass(frozen=True)
class AudiencePage:
    total: int
    offset: int
    members: tuple[AudienceMember, ...]
    counts: dict[str, list[GroupCount]]  # by department, role, location
    not_shown: dict[str, int]  # people in groups too small to show, per grouping
    warnings: tuple[str, ...]


def _column(m: sp.csc_matrix, s: int, n: int) -> npt.NDArray[np.float64]:
    out = np.zeros(n, dtype=np.float64)
    lo, hi = m.indptr[s], m.indptr[s + 1]
    out[m.indices[lo:hi]] = m.data[lo:hi]
    return out


class Audiences:
    """Audiences over one bundle; read-only after ``__init__`` (built once per bundle)."""

    def __init__(self, state: ModelState, manager: npt.NDArray[np.integer]) -> None:
        self.state = state
        n_u = len(state.employees)
        self.n = n_u
        self.cols = {
            name: sp.csc_matrix(getattr(state, name))
            for name in ("skill_wsum", "skill_wlevel", "skill_proven")
        }
        learned = np.diff(sp.csr_matrix(state.skill_wlearned).indptr) > 0
        assessed = np.diff(sp.csr_matrix(state.skill_wassessed).indptr) > 0
        self.newcomer = ~(learned | assessed)
        self.role = np.asarray(state.employee_role, np.int64)
        target = np.asarray(state.employee_target_role, np.int64)
        has_role = self.role >= 0
        default = np.full(n_u, -1, np.int64)
        default[has_role] = np.asarray(state.role_next, np.int64)[self.role[has_role]]
        self.is_default = (target < 0) & (default >= 0)
        self.target = np.where(self.is_default, default, target)
        self.taken = sp.csc_matrix(state.completed + state.enrolled)
        self.manager = np.asarray(manager, np.int64)
        self.main_skill, self.main_level = main_skill(
            state.content_skill_weight, state.content_skill_level
        )
        self.items = sp.csr_matrix(state.content_skill_weight)
        self.levels = sp.csr_matrix(state.content_skill_level)
        self.effects = sp.csr_matrix(state.content_effect)
        self.effect_prior = effect_prior(self.effects.data[self.effects.data > 0])

    def _need(self, s: int) -> tuple[SkillNeed, FloatArray]:
        """Everyone's need on skill ``s`` (rows: employees) and the weights' importance."""
        st, n = self.state, self.n
        p = st.params
        zero = np.zeros(n, dtype=np.float32)
        role_req = np.append(np.asarray(st.role_required[:, s], np.float32), 0.0)
        role_imp = np.append(np.asarray(st.role_importance[:, s], np.float32), 0.0)
        req = np.maximum(role_req[self.role], role_req[self.target])
        share = np.where(self.is_default, np.float32(DEFAULT_TARGET_WEIGHT), np.float32(1.0))
        imp = np.maximum(role_imp[self.role], share * role_imp[self.target])
        weight = need_weights(req, imp, np.full(n, st.skill_strategic[s], np.float32))
        wsum = _column(self.cols["skill_wsum"], s, n)
        wlevel = _column(self.cols["skill_wlevel"], s, n)
        proven = _column(self.cols["skill_proven"], s, n).astype(np.float32)
        if p.prior_weight > 0:
            prior = np.full(n, float(st.skill_prior_mean[s]))
            entry = np.append(np.asarray(st.skill_prior_entry[:, s], np.float64), 0.0)
            typical = np.append(np.asarray(st.skill_prior[:, s], np.float64), 0.0)
            t_asks = role_req[self.target] > 0
            prior[t_asks] = entry[self.target][t_asks]
            r_asks = role_req[self.role] > 0
            own = np.where(self.newcomer, entry[self.role], typical[self.role])
            prior[r_asks] = own[r_asks]
            add = (req > 0) & (wsum == 0)
            wsum[add] += p.prior_weight
            wlevel[add] += p.prior_weight * prior[add]
        level = np.divide(wlevel, wsum, out=np.zeros(n), where=wsum > 0)
        sd = np.full(n, MAX_LEVEL_SD)
        np.divide(p.level_sd_unit, np.sqrt(wsum), out=sd, where=wsum > 0)
        need = SkillNeed(
            current=level.astype(np.float32),
            sd=np.minimum(sd, MAX_LEVEL_SD).astype(np.float32),
            required=req.astype(np.float32),
            weight=weight,
            proven=proven if proven.any() else zero,
        )
        return need, weight

    def _item_values(self, item: int) -> tuple[FloatArray, FloatArray, BoolArray]:
        """(learning value, need-weighted gap, left out) of ``item`` for everyone."""
        st, n = self.state, self.n
        lo, hi = self.items.indptr[item], self.items.indptr[item + 1]
        skills = self.items.indices[lo:hi]
        weights = self.items.data[lo:hi]
        value = np.zeros(n, np.float32)
        gap = np.zeros(n, np.float32)
        proved_all = np.ones(n, dtype=bool) if hi > lo else np.zeros(n, dtype=bool)
        finish = np.full(n, float(st.finish_by_step[N_BINS - 1]), np.float32)
        for s, w in zip(skills.tolist(), weights.tolist(), strict=True):
            need, weight = self._need(s)
            taught = float(np.clip(np.rint(self.levels[item, s]), LEVELS[0], LEVELS[-1]))
            measured = float(self.effects[item, s])
            effects = [measured] if measured > 0 else self.effect_prior.tolist()
            curve = expected_gain(st.gain_curve, np.float32(taught) - need.current)
            closed = sum(expected_closed(need.gap_at_nodes, e * curve) for e in effects)
            value += np.float32(w / len(effects)) * need.skill_factor() * closed
            gap += weight * need.gap
            proved_all &= need.proven >= taught
            if s == self.main_skill[item]:
                finish = st.finish_by_step[step_bins(np.float32(taught) - need.current)]
        taken = np.zeros(n, dtype=bool)
        lo, hi = self.taken.indptr[item], self.taken.indptr[item + 1]
        taken[self.taken.indices[lo:hi]] = True
        return value * finish, gap, taken | proved_all

    def _filter(self, f: AudienceFilters) -> tuple[BoolArray, list[str]]:
        st = self.state
        ok = np.ones(self.n, dtype=bool)
        warnings: list[str] = []
        pairs = (
            ("department", f.department, st.departments, np.asarray(st.employee_department)),
            ("location", f.location, st.locations, np.asarray(st.employee_location)),
        )
        for field, value, names, codes in pairs:
            if value is not None:
                code = names.index(value) if value in names else -2
                if code < 0:
                    warnings.append(f"{field} {value!r} matches nobody in the model")
                ok &= codes == code
        if f.role_id is not None:
            r = st.roles.get(f.role_id)
            if r < 0:
                warnings.append(f"role_id {f.role_id!r} is not a role this model knows")
                ok[:] = False
            else:
                ok &= self.role == r
        if f.manager_id is not None:
            m = st.employees.get(f.manager_id)
            if m < 0:
                warnings.append(f"manager_id {f.manager_id!r} is not an employee this model knows")
                ok[:] = False
            else:
                ok &= self._reports(m, f.indirect_reports)
        return ok, warnings

    def _reports(self, m: int, indirect: bool) -> BoolArray:
        under = np.zeros(self.n, dtype=bool)
        frontier = np.flatnonzero(self.manager == m)
        while len(frontier):
            frontier = frontier[~under[frontier]]
            under[frontier] = True
            if not indirect:
                break
            frontier = np.flatnonzero(np.isin(self.manager, frontier))
        return under

    def audience(
        self,
        *,
        content_id: str | None = None,
        skill_id: str | None = None,
        filters: AudienceFilters | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> AudiencePage:
        """Who most needs ``content_id`` or ``skill_id`` (exactly one), largest value first.

        UnknownContentError / UnknownSkillError for ids the model does not know; unknown
        filter values match nobody and are named in ``warnings``.
        """
        st = self.state
        if content_id is not None:
            item = st.content.get(content_id)
            if item < 0:
                raise UnknownContentError(
                    f"content {content_id!r} is not in the model; it may be newer than the bundle"
                )
            value, gap, out = self._item_values(item)
        else:
            s = st.skills.get(skill_id or "")
            if s < 0:
                raise UnknownSkillError(
                    f"skill {skill_id!r} is not a skill this model knows; send a skill id "
                    "from the skills table"
                )
            need, weight = self._need(s)
            gap = (weight * need.gap).astype(np.float32)
            value = need.skill_factor() * expected_closed(need.gap_at_nodes, need.required)
            out = np.zeros(self.n, dtype=bool)
        ok, warnings = self._filter(filters or AudienceFilters())
        members = np.flatnonzero(ok & ~out & (value >= MIN_VALUE))
        members = members[np.lexsort((members, -value[members]))]
        page = members[offset : offset + limit]
        role_ids, depts, locs = st.roles.ids, st.departments, st.locations
        role = self.role[page].tolist()
        dept = np.asarray(st.employee_department)[page].tolist()
        loc = np.asarray(st.employee_location)[page].tolist()
        shown = tuple(
            AudienceMember(
                employee_id=st.employees.id_of(int(e)),
                role_id=role_ids[r] if r >= 0 else None,
                department=depts[d] if d >= 0 else None,
                location=locs[lc] if lc >= 0 else None,
                learning_value=round(float(value[e]), 4),
                gap=round(float(gap[e]), 4),
            )
            for e, r, d, lc in zip(page.tolist(), role, dept, loc, strict=True)
        )
        counts: dict[str, list[GroupCount]] = {}
        not_shown: dict[str, int] = {}
        for name, codes, labels in (
            ("department", np.asarray(st.employee_department), depts),
            ("role", self.role, role_ids),
            ("location", np.asarray(st.employee_location), locs),
        ):
            counts[name], not_shown[name] = group_counts(codes[members], labels)
        return AudiencePage(len(members), offset, shown, counts, not_shown, tuple(warnings))
