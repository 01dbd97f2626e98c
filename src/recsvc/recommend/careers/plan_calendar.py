"""Order a plan's chosen items, lay them on a calendar of weeks, and date its milestones.

Order: an item comes after its prerequisites; among the items free to go next, the one
teaching the lowest level of a goal skill first (levels are climbed in order), then the
most weighted gain per minute. Calendar: items run back to back, each week holding at most
``weekly_minutes`` of learning, so a long item spans several weeks. Milestones are levels
reached *in expectation*: after each item, a goal skill's expected level is the estimate
plus the gap the items so far close in expectation (the plan's objective,
:func:`~recsvc.recommend.careers.plan_solver.closed_by_skill`), capped by the requirement;
milestone (s, L) is reached, in the week its item ends, once that passes ``min(L,
required)``. Several items may be needed for one level, and one item may reach several.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recsvc.models.base import FloatArray
from recsvc.models.skill_gap import LEVELS
from recsvc.recommend.careers.next_roles import readiness
from recsvc.recommend.careers.plan_problem import PlanProblem, credited
from recsvc.recommend.state import ModelState

__all__ = [
    "MILESTONE_TOL",
    "GoalView",
    "PlannedItem",
    "PlannedWeek",
    "ReachedMilestone",
    "schedule",
    "weeks_of",
]

F64 = npt.NDArray[np.float64]
#: an expected level within this of a milestone reaches it (levels are estimates; an
#: expected gain of 0.97 of a level on a course one level up is that level)
MILESTONE_TOL = 0.05


@dataclass(frozen=True)
class PlannedItem:
    content_id: str
    title: str
    duration_minutes: float
    duration_estimated: bool
    start_week: int  # 1-based
    end_week: int
    reaches: tuple[tuple[str, int], ...]  # (skill_id, level) milestones it reaches


@dataclass(frozen=True)
class ReachedMilestone:
    skill_id: str
    skill_name: str
    level: int
    week: int
    readiness_after: float
    content_ids: tuple[str, ...]  # items done since the previous milestone, this one's last


@dataclass(frozen=True)
class PlannedWeek:
    week: int
    minutes: float  # never more than the weekly budget
    content_ids: tuple[str, ...]  # items worked on that week, in plan order


def weeks_of(items: list[PlannedItem], weekly_minutes: float) -> list[PlannedWeek]:
    """The calendar: minutes and items per week, items back to back in plan order."""
    per_week: dict[int, tuple[float, list[str]]] = {}
    clock = 0.0
    for item in items:
        start, clock = clock, clock + item.duration_minutes
        for week in range(item.start_week, item.end_week + 1):
            lo, hi = (week - 1) * weekly_minutes, week * weekly_minutes
            overlap = min(clock, hi) - max(start, lo)
            if overlap > 0 or item.duration_minutes == 0:
                minutes, ids = per_week.get(week, (0.0, []))
                per_week[week] = (minutes + max(overlap, 0.0), [*ids, item.content_id])
    return [
        PlannedWeek(week, round(minutes, 1), tuple(ids))
        for week, (minutes, ids) in sorted(per_week.items())
    ]


def _order(problem: PlanProblem, chosen: list[int], gains: F64) -> list[int]:
    """Positions (into ``problem``) of the chosen items in plan order."""
    todo = set(chosen)
    worth = gains @ problem.weight  # weighted levels delivered, before any cap
    taught = np.where(gains > 0, problem.level, 99).min(axis=1, initial=99)
    per_minute = worth / np.maximum(problem.duration, 1.0)
    waiting = dict.fromkeys(todo, 0)  # prerequisites still to place
    unlocks: dict[int, list[int]] = {}
    for a, j in problem.requires:
        if a in todo and j in todo:
            waiting[a] += 1
            unlocks.setdefault(j, []).append(a)

    def key(i: int) -> tuple[float, float, int]:
        return (float(taught[i]), -float(per_minute[i]), i)

    free = [key(i) for i in todo if waiting[i] == 0]
    heapq.heapify(free)
    out: list[int] = []
    while free:
        i = heapq.heappop(free)[2]
        out.append(i)
        for a in unlocks.get(i, []):
            waiting[a] -= 1
            if waiting[a] == 0:
                heapq.heappush(free, key(a))
    return out


@dataclass(frozen=True)
class GoalView:
    """The goal's skills as the problem's columns see them, and the person's levels."""

    skills: npt.NDArray[np.int64]  # catalogue skill of each problem column
    level: FloatArray  # per catalogue skill: the level now (estimate, or proven if higher)
    required: FloatArray  # per catalogue skill
    weight: FloatArray  # per catalogue skill: need weight

    def levels_after(self, delivered: F64) -> FloatArray:
        """Per catalogue skill, the expected level once ``delivered`` levels are learned:
        the level now plus the expected gains, capped by the requirement (learning past
        it is not need)."""
        after = self.level.copy()
        now = after[self.skills].astype(np.float64)
        cap = np.maximum(now, self.required[self.skills])
        after[self.skills] = np.minimum(now + delivered, cap)
        return after


def _milestones(view: GoalView) -> list[tuple[int, int, float]]:
    """(column, level, expected level it takes) for each level a goal skill has to climb."""
    out = []
    for col, s in enumerate(view.skills.tolist()):
        base, need = float(view.level[s]), float(view.required[s])
        for lv in LEVELS:
            target = min(float(lv), need)
            if target > base + MILESTONE_TOL and target > lv - 1:
                out.append((col, lv, target))
    return out


def schedule(
    state: ModelState,
    chosen: npt.NDArray[np.bool_],
    problem: PlanProblem,
    items: npt.NDArray[np.int64],
    view: GoalView,
    minutes: FloatArray,
    estimated: npt.NDArray[np.bool_],
    weekly_minutes: float,
) -> tuple[list[PlannedItem], list[ReachedMilestone], FloatArray]:
    """The plan's items in order with their weeks, its milestones in the order reached, and
    the expected level per catalogue skill at the end."""
    gains = credited(problem, chosen)  # what each item delivers where it stands in the climb
    todo = _milestones(view)
    delivered = np.zeros(problem.gain.shape[1], dtype=np.float64)
    planned: list[PlannedItem] = []
    out: list[ReachedMilestone] = []
    after = view.level.copy()
    clock = 0.0
    since: list[str] = []  # items done since the previous milestone
    for p in _order(problem, np.flatnonzero(chosen).tolist(), gains):
        i = int(items[p])
        start, clock = clock, clock + float(minutes[i])
        delivered += gains[p]
        after = view.levels_after(delivered)
        end_week = max(int(math.ceil(clock / weekly_minutes)), 1)
        hit = [m for m in todo if after[view.skills[m[0]]] >= m[2] - MILESTONE_TOL]
        todo = [m for m in todo if m not in hit]
        since.append(state.content.id_of(i))
        ready = round(readiness(after, view.required, view.weight), 4)
        for col, lv, _ in sorted(hit, key=lambda m: (m[1], m[0])):
            s = int(view.skills[col])
            out.append(
                ReachedMilestone(
                    skill_id=state.skills.id_of(s),
                    skill_name=state.skill_names[s],
                    level=lv,
                    week=end_week,
                    readiness_after=ready,
                    content_ids=tuple(since),
                )
            )
        if hit:
            since = []
        reaches = sorted((state.skills.id_of(int(view.skills[c])), lv) for c, lv, _ in hit)
        planned.append(
            PlannedItem(
                content_id=state.content.id_of(i),
                title=state.titles[i],
                duration_minutes=round(float(minutes[i]), 1),
                duration_estimated=bool(estimated[i]),
                start_week=int(start // weekly_minutes) + 1,
                end_week=end_week,
                reaches=tuple(reaches),
            )
        )
    return planned, out, after
