"""Order a plan's chosen items, lay them on a calendar of weeks, and date its milestones.

Order: an item comes after its prerequisites; among the items free to go next, the one
teaching the lowest level of a goal skill first (levels are climbed in order), then the
most milestone value per minute. Calendar: items run back to back, each week holding at
most ``weekly_minutes`` of learning, so a long item spans several weeks. A milestone is
reached when an item reaching it ends, and never before the level below it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recsvc.models.base import FloatArray
from recsvc.recommend.careers.next_roles import readiness
from recsvc.recommend.careers.plan_solver import PlanProblem
from recsvc.recommend.state import ModelState

__all__ = ["PlannedItem", "PlannedWeek", "ReachedMilestone", "schedule", "weeks_of"]


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


def _order(
    problem: PlanProblem, chosen: npt.NDArray[np.int64], milestones: list[tuple[int, int, float]]
) -> list[int]:
    """Positions (into ``problem``) of the chosen items in plan order."""
    todo = set(chosen.tolist())
    needs = {i: {j for a, j in problem.requires if a == i and j in todo} for i in todo}
    out: list[int] = []
    while todo:
        free = [i for i in todo if not needs[i] - set(out)]

        def key(i: int) -> tuple[float, float, int]:
            levels = [milestones[m][1] for m in problem.covers[i]]
            value = sum(milestones[m][2] for m in problem.covers[i])
            return (min(levels, default=99), -value / max(float(problem.duration[i]), 1.0), i)

        nxt = min(free, key=key)
        out.append(nxt)
        todo.remove(nxt)
    return out


def schedule(
    state: ModelState,
    chosen: npt.NDArray[np.int64],
    problem: PlanProblem,
    items: npt.NDArray[np.int64],
    milestones: list[tuple[int, int, float]],
    minutes: FloatArray,
    estimated: npt.NDArray[np.bool_],
    level: FloatArray,
    required: FloatArray,
    weight: FloatArray,
    weekly_minutes: float,
) -> tuple[list[PlannedItem], list[ReachedMilestone]]:
    """The plan's items in order with their weeks, and its milestones in the order reached."""
    pos = {int(i): p for p, i in enumerate(items.tolist())}
    order = _order(problem, np.asarray([pos[int(i)] for i in chosen], np.int64), milestones)
    ends: list[float] = []
    planned: list[PlannedItem] = []
    clock = 0.0
    for p in order:
        i = int(items[p])
        start, clock = clock, clock + float(minutes[i])
        ends.append(clock)
        planned.append(
            PlannedItem(
                content_id=state.content.id_of(i),
                title=state.titles[i],
                duration_minutes=round(float(minutes[i]), 1),
                duration_estimated=bool(estimated[i]),
                start_week=int(start // weekly_minutes) + 1,
                end_week=max(int(math.ceil(clock / weekly_minutes)), 1),
                reaches=(),
            )
        )
    # when each milestone is reached: its first item's end, not before the level below
    at: dict[int, tuple[float, int]] = {}
    for m in sorted(range(len(milestones)), key=lambda m: milestones[m][1]):
        hits = [(ends[k], k) for k, p in enumerate(order) if m in problem.covers[p]]
        b = int(problem.below[m])
        if not hits or (b >= 0 and b not in at):
            continue
        when = min(hits)
        at[m] = max(when, at[b]) if b >= 0 else when
    reaches: dict[int, list[tuple[str, int]]] = {}
    for m, (_, k) in at.items():
        s, lv, _ = milestones[m]
        reaches.setdefault(k, []).append((state.skills.id_of(s), lv))
    planned = [
        PlannedItem(**{**p.__dict__, "reaches": tuple(sorted(reaches.get(k, [])))})
        for k, p in enumerate(planned)
    ]
    current = level.copy()
    out: list[ReachedMilestone] = []
    taken = 0
    for m, (_, k) in sorted(at.items(), key=lambda kv: (kv[1], milestones[kv[0]][1], kv[0])):
        s, lv, _ = milestones[m]
        current[s] = max(current[s], min(float(lv), float(required[s])))
        out.append(
            ReachedMilestone(
                skill_id=state.skills.id_of(s),
                skill_name=state.skill_names[s],
                level=lv,
                week=planned[k].end_week,
                readiness_after=round(readiness(current, required, weight), 4),
                content_ids=tuple(p.content_id for p in planned[taken : k + 1]),
            )
        )
        taken = max(taken, k + 1)
    return planned, out
