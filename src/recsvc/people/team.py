"""A manager's team: aggregate skill gaps, readiness for target roles, top recommended items.

The team is the manager's direct reports in the bundle (``employees.manager_id``). Direct
reports partition the organisation (everyone has one manager), so two teams never overlap;
and a team is shown only when the people outside every team that can be shown are none or
at least ``min_group_size``, so organisation-wide figures minus the teams' single no one
out (:func:`recsvc.privacy.publishable_groups`). Every figure is an aggregate over at least
``min_group_size`` people (see
:mod:`recsvc.people.needs`): a smaller team gets its size and nothing else, a skill or a
target role needed by fewer members is withheld and counted as withheld. The same rule
holds per skill (a figure on a skill is over the members who need it): the people needing
it outside the teams shown on it are none or at least ``min_group_size``. Across
groupings, the skills report's departments and roles give way to teams
(:mod:`recsvc.people.org_skills`).

Readiness of a member for a role: the share of the role's requirements (weighted by
importance) the member's estimated levels already meet, ``1 - sum(imp * gap) / sum(imp *
required)``; *ready* means no gap of :data:`~recsvc.people.needs.GAP_THRESHOLD` or more on
any of the role's skills.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from recsvc.errors import UnknownEmployeeError
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
from recsvc.recommend.query import Query

__all__ = ["RoleReadiness", "TeamItem", "TeamSkills", "role_readiness", "team_skills"]


@dataclass(frozen=True)
class RoleReadiness:
    role_id: str
    title: str
    members: int
    mean_readiness: float
    ready: int


@dataclass(frozen=True)
class TeamItem:
    content_id: str
    title: str
    members: int  # members whose top list holds it with value (always >= min_group_size)
    learning_value: float  # summed over those members


@dataclass(frozen=True)
class TeamSkills:
    manager_id: str
    team_size: int
    min_group_size: int
    withheld: str | None  # why the figures are missing, when they are
    gaps: tuple[SkillAggregate, ...]
    skills_withheld: int
    readiness: tuple[RoleReadiness, ...]
    target_roles_withheld: int
    items: tuple[TeamItem, ...]


def role_readiness(rec: Recommender, needs: GroupNeeds, role: int) -> tuple[float, int]:
    """(mean readiness, members ready) of every member of ``needs`` for one role."""
    req = np.asarray(rec.state.role_required[role], np.float32)
    imp = np.asarray(rec.state.role_importance[role], np.float32) * (req > 0)
    gap = np.clip(req[None, :] - needs.level, 0.0, req[None, :])
    denom = float((imp * req).sum())
    readiness = 1.0 - (gap * imp[None, :]).sum(axis=1) / denom if denom > 0 else np.ones(len(gap))
    ready = ((gap < GAP_THRESHOLD) | (req[None, :] <= 0)).all(axis=1)
    return float(readiness.mean()), int(ready.sum())


def _items(
    rec: Recommender, needs: GroupNeeds, per_member: int, top: int, k: int
) -> list[TeamItem]:
    members: dict[str, int] = {}
    value: dict[str, float] = {}
    titles: dict[str, str] = {}
    for e in needs.members.tolist():
        answer = rec.recommend(Query(rec.state.employees.id_of(e), k=per_member, explain=False))
        for item in answer.items:
            if item.learning_value > 0:
                members[item.content_id] = members.get(item.content_id, 0) + 1
                value[item.content_id] = value.get(item.content_id, 0.0) + item.learning_value
                titles[item.content_id] = item.title
    # an item in fewer than k members' lists would point at those few people's gaps
    order = sorted((c for c in value if members[c] >= k), key=lambda c: (-value[c], c))[:top]
    return [TeamItem(c, titles[c], members[c], round(value[c], 4)) for c in order]


def _withheld(rec: Recommender, manager: int, size: int, k: int) -> str | None:
    """Why the team's figures cannot be shown, or None.

    Teams partition the organisation (with the people nobody manages), whose figures the
    skills report publishes; a team is shown only if :func:`publishable_groups` allows it,
    so the organisation minus every team shown is none or at least ``k`` people.
    """
    if size < k:
        return (
            f"the team has {size} direct report(s); figures are shown only for teams of at "
            f"least {k} so that no one can be singled out"
        )
    boss = rec.directory.manager
    sizes = np.bincount(boss[boss >= 0], minlength=len(boss))
    if not publishable_groups(sizes, k, outside=int((boss < 0).sum()))[manager]:
        return (
            "the people outside the teams that can be shown would be fewer than "
            f"{k}, so this team's figures could be derived from the organisation's"
        )
    return None


def _per_skill(rec: Recommender, manager: int, k: int) -> Callable[[int], bool]:
    """Whether the team's figure on a skill may be shown: the teams partition the people
    who need the skill, and those outside the teams shown on it must be none or at least
    ``k`` (:func:`shown_on_skill`). The skills report's departments and roles give way to
    teams: it withholds its figures that would combine with teams' to single someone out
    (:mod:`recsvc.people.org_skills`)."""
    teams = np.asarray(rec.directory.manager, np.int64)
    return lambda skill: bool(shown_on_skill(rec, skill, teams, (), k)[manager])


def team_skills(
    rec: Recommender,
    manager_id: str,
    *,
    min_group_size: int = MIN_GROUP,
    top: int = 10,
    items_per_member: int = 10,
    erased: Callable[[str], bool] = lambda _employee_id: False,
) -> TeamSkills:
    """The team view of ``manager_id`` (UnknownEmployeeError when the bundle lacks them).

    ``erased`` tells who was erased on a data-protection request: they are left out of the
    team (and an erased manager is unknown).
    """
    k = check_min_group(min_group_size)
    st = rec.state
    manager = st.employees.get(manager_id) if not erased(manager_id) else -1
    if manager < 0:
        raise UnknownEmployeeError(
            f"manager {manager_id!r} is not in the model; use an employee id that other "
            "employees name as manager_id"
        )
    reports = rec.directory.reports_of(manager)
    reports = reports[[not erased(st.employees.id_of(e)) for e in reports.tolist()]]
    why = _withheld(rec, manager, len(reports), k)
    if why is not None:
        return TeamSkills(
            manager_id,
            len(reports),
            k,
            why,
            (),
            0,
            (),
            0,
            (),
        )
    needs = group_needs(rec, reports.tolist())
    gaps, skills_withheld = aggregate_needs(
        rec, needs, min_group_size=k, top=top, safe=_per_skill(rec, manager, k)
    )
    readiness = []
    roles, counts = np.unique(needs.target_role[needs.target_role >= 0], return_counts=True)
    for role, n in zip(roles.tolist(), counts.tolist(), strict=True):
        if n < k:
            continue
        mean, ready = role_readiness(
            rec, needs.take(np.flatnonzero(needs.target_role == role)), role
        )
        readiness.append(
            RoleReadiness(st.roles.id_of(role), st.role_titles[role], n, round(mean, 3), ready)
        )
    return TeamSkills(
        manager_id=manager_id,
        team_size=len(reports),
        min_group_size=k,
        withheld=None,
        gaps=tuple(gaps),
        skills_withheld=skills_withheld,
        readiness=tuple(sorted(readiness, key=lambda r: (-r.members, r.role_id))),
        target_roles_withheld=int((counts < k).sum()),
        items=tuple(_items(rec, needs, items_per_member, top, k)),
    )
