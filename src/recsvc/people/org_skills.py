"""The organisation's skill needs: gaps by department and by role, and catalogue gaps.

A **catalogue gap** is a skill people need that the active catalogue cannot close: either
no active item teaches it (``no_content``; retired items that did are counted), or the
active items stop more than :data:`~recsvc.people.needs.GAP_THRESHOLD` below the median
level the people with a gap need (``below_level``). These tell L&D what to buy or build.
Every group figure rests on at least ``min_group_size`` people (:mod:`recsvc.people.needs`),
and departments and roles are published only when the people left outside the published
ones are none or at least as many (:func:`recsvc.privacy.publishable_groups`), so the
organisation's figures minus theirs single no one out. Per skill, a group's figure is also
withheld when it nests with the other grouping's or the team views' so that differencing
leaves 1 to ``min_group_size - 1`` people (:func:`recsvc.people.needs.shown_on_skill`):
teams take precedence, the report gives way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from recsvc.people.needs import (
    GAP_THRESHOLD,
    GroupNeeds,
    SkillAggregate,
    aggregate_needs,
    group_needs,
    shown_on_skill,
)
from recsvc.privacy import MIN_GROUP, check_min_group, publishable_groups
from recsvc.recommend.engine import Recommender

__all__ = ["CatalogueGap", "GroupGaps", "OrgSkills", "catalogue_gaps", "org_skills"]

NO_CONTENT = "no_content"
BELOW_LEVEL = "below_level"


@dataclass(frozen=True)
class GroupGaps:
    """One department or role, with its largest gaps."""

    group_id: str
    name: str
    members: int
    gaps: tuple[SkillAggregate, ...]
    skills_withheld: int


@dataclass(frozen=True)
class CatalogueGap:
    skill_id: str
    skill_name: str
    kind: str  # no_content or below_level
    people_with_gap: int
    median_required: float
    highest_level_taught: int  # by active content (0: none)
    active_items: int
    retired_items: int
    weighted_gap: float  # summed over the people with a gap


@dataclass(frozen=True)
class OrgSkills:
    employees: int
    min_group_size: int
    by_department: tuple[GroupGaps, ...]
    departments_withheld: int
    by_role: tuple[GroupGaps, ...]
    roles_withheld: int
    catalogue_gaps: tuple[CatalogueGap, ...]


def _groups(
    rec: Recommender,
    needs: GroupNeeds,
    labels: np.ndarray,
    names: tuple[str, ...],
    ids: tuple[str, ...],
    k: int,
    top: int,
    others: list[np.ndarray],
) -> tuple[list[GroupGaps], int]:
    out: list[GroupGaps] = []
    needed = needs.required > 0  # who each skill's figures are about (everyone's needs)
    memo: dict[int, np.ndarray] = {}
    sizes = np.bincount(labels[labels >= 0], minlength=len(ids))
    # groups partition the organisation, whose own figures (catalogue gaps) are published:
    # publish a group only if the people outside every published group are none or >= k
    publish = publishable_groups(sizes, k, outside=int((labels < 0).sum()))
    withheld = int(((sizes > 0) & ~publish).sum())
    for g in np.flatnonzero(publish).tolist():
        rows = np.flatnonzero(labels == g)
        gaps, skills_withheld = aggregate_needs(
            rec,
            needs.take(rows),
            min_group_size=k,
            top=top,
            safe=_safe_in(rec, labels, g, others, k, needed, memo),
        )
        out.append(GroupGaps(ids[g], names[g], len(rows), tuple(gaps), skills_withheld))
    out.sort(key=lambda g: (-sum(s.weighted_gap for s in g.gaps), g.group_id))
    return out, withheld


def _safe_in(
    rec: Recommender,
    labels: np.ndarray,
    group: int,
    others: list[np.ndarray],
    k: int,
    needed: np.ndarray,
    memo: dict[int, np.ndarray],
) -> Callable[[int], bool]:
    """Whether ``group`` may show its figure on a skill (:func:`shown_on_skill`, computed
    once per skill for the whole grouping)."""

    def safe(skill: int) -> bool:
        if skill not in memo:
            memo[skill] = shown_on_skill(rec, skill, labels, others, k, about=needed[:, skill])
        return bool(memo[skill][group])

    return safe


def catalogue_gaps(
    rec: Recommender, needs: GroupNeeds, *, min_group_size: int
) -> list[CatalogueGap]:
    """Skills at least ``min_group_size`` people have a gap on that active content cannot
    close, largest summed weighted gap first."""
    k = check_min_group(min_group_size)
    st = rec.state
    weight = st.content_skill_weight.tocsc()
    level = st.content_skill_level.tocsc()
    active = np.asarray(st.content_active, dtype=bool)
    has_gap = needs.gap >= GAP_THRESHOLD
    out = []
    for sk in np.flatnonzero(has_gap.sum(axis=0) >= k).tolist():
        rows = has_gap[:, sk]
        items = weight.indices[weight.indptr[sk] : weight.indptr[sk + 1]]
        levels = level.data[level.indptr[sk] : level.indptr[sk + 1]]
        on = active[items]
        top_level = int(np.rint(levels[on].max())) if on.any() else 0
        median_required = float(np.median(needs.required[rows, sk]))
        if on.any() and top_level + GAP_THRESHOLD >= median_required:
            continue
        out.append(
            CatalogueGap(
                skill_id=st.skills.id_of(sk),
                skill_name=st.skill_names[sk],
                kind=BELOW_LEVEL if on.any() else NO_CONTENT,
                people_with_gap=int(rows.sum()),
                median_required=round(median_required, 3),
                highest_level_taught=top_level,
                active_items=int(on.sum()),
                retired_items=int((~on).sum()),
                weighted_gap=round(float(needs.weighted_gap[rows, sk].sum()), 4),
            )
        )
    return sorted(out, key=lambda g: (-g.weighted_gap, g.skill_id))


def org_skills(rec: Recommender, *, min_group_size: int = MIN_GROUP, top: int = 10) -> OrgSkills:
    """Gaps of every department and role with enough people, and the catalogue gaps."""
    k = check_min_group(min_group_size)
    st = rec.state
    needs = group_needs(rec, range(len(st.employees)))
    by_department = np.asarray(st.employee_department, np.int64)
    by_role = np.asarray(st.employee_role, np.int64)
    # each grouping's figures on a skill are checked against the other's and the teams'
    teams = np.asarray(rec.directory.manager, np.int64)
    departments, dept_withheld = _groups(
        rec, needs, by_department, st.departments, st.departments, k, top, [by_role, teams]
    )
    roles, roles_withheld = _groups(
        rec, needs, by_role, st.role_titles, st.roles.ids, k, top, [by_department, teams]
    )
    return OrgSkills(
        employees=len(st.employees),
        min_group_size=k,
        by_department=tuple(departments),
        departments_withheld=dept_withheld,
        by_role=tuple(roles),
        roles_withheld=roles_withheld,
        catalogue_gaps=tuple(catalogue_gaps(rec, needs, min_group_size=k)),
    )
