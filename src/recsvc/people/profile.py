"""One employee as an L&D lead sees them: role, manager, and the skill state behind the lists.

The skill rows are the same state the recommendations use (level, its uncertainty and
what it rests on, the requirement of the role and target role, the gap), for every skill
that is required of the person or that something is known about.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from recsvc.errors import UnknownEmployeeError
from recsvc.recommend.candidates import build_signals
from recsvc.recommend.engine import Recommender
from recsvc.recommend.query import Context
from recsvc.recommend.skill_state import EVIDENCE_NAMES, NO_EVIDENCE, ROLE_PRIOR

__all__ = ["EmployeeProfile", "SkillRow", "employee_profile"]


@dataclass(frozen=True)
class SkillRow:
    skill_id: str
    skill_name: str
    level: float
    level_sd: float
    evidence: str
    required: float  # max of role and target role (0: not required)
    gap: float


@dataclass(frozen=True)
class EmployeeProfile:
    employee_id: str
    role: str | None  # "title (id)"
    target_role: str | None
    department: str | None
    manager_id: str | None
    team_size: int  # people reporting to this employee
    skills: tuple[SkillRow, ...]  # largest gap first, then the rest by level


def _role(rec: Recommender, idx: int) -> str | None:
    if idx < 0:
        return None
    return f"{rec.state.role_titles[idx]} ({rec.state.roles.id_of(idx)})"


def employee_profile(
    rec: Recommender, employee_id: str, context: Context | None = None
) -> EmployeeProfile:
    """The profile of a known employee (UnknownEmployeeError otherwise); ``context`` may
    carry facts newer than the bundle (stored events), as for a recommendation."""
    st = rec.state
    e = st.employees.get(employee_id)
    if e < 0:
        raise UnknownEmployeeError(f"employee {employee_id!r} is not in the model")
    s = build_signals(st, employee_id, context or Context())
    required = np.maximum(s.required_role, s.required_target)
    shown = (required > 0) | (s.evidence > ROLE_PRIOR)
    order = np.flatnonzero(shown)
    order = order[np.lexsort((order, -s.current[order], -(s.gap[order] * s.need.weight[order])))]
    rows = tuple(
        SkillRow(
            skill_id=st.skills.id_of(int(sk)),
            skill_name=st.skill_names[int(sk)],
            level=round(float(s.current[sk]), 2),
            level_sd=round(float(s.level_sd[sk]), 2),
            evidence=EVIDENCE_NAMES[int(s.evidence[sk])]
            if s.evidence[sk] > NO_EVIDENCE
            else "none",
            required=round(float(required[sk]), 2),
            gap=round(float(s.gap[sk]), 2),
        )
        for sk in order.tolist()
    )
    boss = int(rec.directory.manager[e])
    dept = int(st.employee_department[e])
    return EmployeeProfile(
        employee_id=employee_id,
        role=_role(rec, s.role_idx),
        target_role=_role(rec, s.target_role_idx),
        department=st.departments[dept] if dept >= 0 else None,
        manager_id=st.employees.id_of(boss) if boss >= 0 else None,
        team_size=len(rec.directory.reports_of(e)),
        skills=rows,
    )
