"""A development plan: items toward a goal, chosen optimally, ordered and fitted to a calendar.

The goal is a target role, a set of skills with levels, or the person's own role. Per goal
skill below its level, each level to reach is a *milestone* (skill s, level L), worth the
need weight of s (importance x (1 + strategic weight); 1 x (1 + strategic) for skills
asked for directly) times the part of the gap between L - 1 and L. An item reaches the
milestones of the levels it teaches, once the level below is reached.

- Items: active, in the person's language (as for recommendations), not completed or in
  progress, not tested out (every skill it teaches proven at or above its level). Their
  prerequisites come with them unless completed or tested out (proving what a course
  teaches satisfies it here). Among items with the same milestones and prerequisites only
  the shortest can be in an optimal plan, so the others are left out before solving.
- Choice: :mod:`~recsvc.recommend.careers.plan_solver` (exact, scipy's HiGHS MILP) within
  ``weekly_minutes x horizon_weeks``.
- Order: prerequisites first; otherwise lower levels first, then the most value per minute.
  The calendar fills each week with at most ``weekly_minutes`` (a long item runs over
  several weeks), and each milestone is dated by the week its item ends.
- Items without a duration get an estimate (:data:`DURATION_ESTIMATE`), flagged
  ``duration_estimated``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from recsvc.errors import UnknownEmployeeError, UnknownRoleError, UnknownSkillError
from recsvc.models.base import FloatArray
from recsvc.models.skill_gap import LEVELS, need_weights
from recsvc.recommend.candidates import build_signals, role_index
from recsvc.recommend.careers.durations import estimated_durations
from recsvc.recommend.careers.next_roles import readiness
from recsvc.recommend.careers.plan_calendar import (
    PlannedItem,
    PlannedWeek,
    ReachedMilestone,
    schedule,
    weeks_of,
)
from recsvc.recommend.careers.plan_solver import PlanProblem, solve
from recsvc.recommend.query import Context, Project, Query
from recsvc.recommend.rules import RuleTables, allowed_items
from recsvc.recommend.state import ModelState
from recsvc.recommend.value import LearningValue

__all__ = ["DEFAULT_HORIZON_WEEKS", "Goal", "OpenGap", "Plan", "Planner"]

#: weeks a plan may span when the request sets no horizon
DEFAULT_HORIZON_WEEKS = 52
Int64Array = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Goal:
    """Exactly one of: a target role, skills with levels, or the person's own role."""

    target_role_id: str | None = None
    skills: tuple[tuple[str, float], ...] = ()
    my_role: bool = False


@dataclass(frozen=True)
class OpenGap:
    """A goal skill still below its level after the plan, and why."""

    skill_id: str
    skill_name: str
    level_after: float
    required_level: float
    reason: str  # "time": more items exist than the budget allows; "no_content": none teaches it


@dataclass(frozen=True)
class Plan:
    employee_id: str
    goal_role_id: str | None
    weekly_minutes: float
    horizon_weeks: int
    total_minutes: float
    weeks: int
    readiness_before: float
    readiness_after: float
    gap_total: float
    gap_closed: float
    milestones: tuple[ReachedMilestone, ...]
    items: tuple[PlannedItem, ...]
    calendar: tuple[PlannedWeek, ...]
    open_gaps: tuple[OpenGap, ...]


def _undominated(
    items: list[int],
    covers: Callable[[int], list[int]],
    needs: Callable[[int], tuple[int, ...]],
    minutes: FloatArray,
    n_milestones: int,
) -> list[int]:
    """Items no other item beats: one reaching every milestone it reaches, needing no more
    prerequisites and taking no longer (ties: the lower index) can always replace it."""
    if len(items) < 2:
        return items
    n = len(items)
    cov = np.zeros((n, n_milestones), dtype=np.float32)
    pre = {j for i in items for j in needs(i)}
    col = {j: k for k, j in enumerate(sorted(pre))}
    req = np.zeros((n, max(len(col), 1)), dtype=np.float32)
    for r, i in enumerate(items):
        cov[r, covers(i)] = 1.0
        req[r, [col[j] for j in needs(i)]] = 1.0
    d = minutes[np.asarray(items)]
    dominated = np.zeros(n, dtype=bool)
    # whoever beats b reaches b's first milestone: compare b only with those (cheap groups)
    first = np.argmax(cov > 0, axis=1)
    for m in np.unique(first).tolist():
        bs = np.flatnonzero(first == m)
        az = np.flatnonzero(cov[:, m] > 0)
        # beats[a, b]: a reaches all b reaches and needs nothing b does not
        beats = ((1.0 - cov[az]) @ cov[bs].T == 0) & (req[az] @ (1.0 - req[bs]).T == 0)
        shorter = (d[az, None] < d[None, bs]) | (
            (d[az, None] == d[None, bs]) & (az[:, None] < bs[None, :])
        )
        dominated[bs] = (beats & shorter).any(axis=0)
    return [i for i, out in zip(items, dominated.tolist(), strict=True) if not out]


class Planner:
    """Plans over one bundle; read-only after ``__init__`` (built once per bundle)."""

    def __init__(self, state: ModelState, values: LearningValue) -> None:
        self.state = state
        self.values = values
        self.minutes, self.estimated = estimated_durations(
            state.content_duration, state.content_format
        )
        # the plan brings prerequisites itself: the rules check everything else
        rules = RuleTables.from_state(state)
        none = np.zeros(0, dtype=np.int64)
        self.rules = replace(rules, prereq_rows=none, prereq_starts=none)
        pre = state.prerequisites.tocsr()
        self.pre_indptr = np.asarray(pre.indptr, np.int64)
        self.pre_indices = np.asarray(pre.indices, np.int64)
        levels = np.clip(np.rint(values.item_level), LEVELS[0], LEVELS[-1]).astype(np.int64)
        self.item_codes = values.item_skill * len(LEVELS) + levels - LEVELS[0]
        order = np.argsort(self.item_codes, kind="stable")
        owner = np.repeat(np.arange(values.n_items, dtype=np.int64), values.n_skills_of_item)
        self.by_code_items = owner[order]
        self.by_code_start = np.searchsorted(
            self.item_codes[order], np.arange(values.n_skills * len(LEVELS) + 1)
        )

    def _items_teaching(self, skill: int, level: int) -> Int64Array:
        code = skill * len(LEVELS) + level - LEVELS[0]
        lo, hi = self.by_code_start[code], self.by_code_start[code + 1]
        return np.asarray(self.by_code_items[lo:hi], dtype=np.int64)

    def _goal(self, goal: Goal, role: int) -> tuple[FloatArray, FloatArray, str | None, Context]:
        st = self.state
        n_s = len(st.skills)
        if goal.skills:
            required = np.zeros(n_s, dtype=np.float32)
            ids = [s for s, _ in goal.skills]
            idx = st.skills.indices(ids)
            unknown = [s for s, i in zip(ids, idx, strict=True) if i < 0]
            if unknown:
                raise UnknownSkillError(
                    f"goal skill(s) {', '.join(map(repr, unknown))} unknown to this model; "
                    "send skill ids from the skills table"
                )
            for i, (_, level) in zip(idx.tolist(), goal.skills, strict=True):
                required[i] = max(required[i], float(level))
            weight = need_weights(required, np.ones(n_s, np.float32), st.skill_strategic)
            return required, weight, None, Context(project=Project(skill_ids=tuple(ids)))
        t = role if goal.my_role else st.roles.get(goal.target_role_id or "")
        if t < 0:
            what = (
                "the employee has no role in the model"
                if goal.my_role
                else (f"goal.target_role_id {goal.target_role_id!r} is not a role this model knows")
            )
            raise UnknownRoleError(f"{what}; send a known target_role_id, or skills with levels")
        required = np.asarray(st.role_required[t], np.float32)
        weight = need_weights(required, st.role_importance[t], st.skill_strategic)
        return required, weight, st.roles.id_of(t), Context(target_role_id=st.roles.id_of(t))

    def plan(
        self,
        employee_id: str,
        goal: Goal,
        *,
        weekly_minutes: float,
        horizon_weeks: int | None = None,
        role_id: str | None = None,
    ) -> Plan:
        """The plan toward ``goal`` (see the module docstring).

        UnknownEmployeeError for an employee the bundle does not know without ``role_id``;
        UnknownRoleError / UnknownSkillError for unknown goal ids.
        """
        st = self.state
        if employee_id not in st.employees and role_id is None:
            raise UnknownEmployeeError(
                f"employee {employee_id!r} is not in the model; pass role_id to plan for "
                "someone new in that role"
            )
        e = st.employees.get(employee_id)
        role = role_index(st, role_id, "role_id")
        if role < 0 and e >= 0:
            role = int(st.employee_role[e])
        required, weight, goal_role, context = self._goal(goal, role)
        signals = build_signals(
            st, employee_id, replace(context, role_id=role_id) if role_id else context
        )
        level = np.maximum(signals.current, signals.need.proven).astype(np.float32)
        ok = allowed_items(st, signals, Query(employee_id), self.rules)
        ok &= ~self.values.tested_out(signals.need)
        satisfied = signals.done | self.values.tested_out(signals.need)
        problem, items, milestones = self._problem(level, required, weight, ok, satisfied)
        horizon = int(horizon_weeks or DEFAULT_HORIZON_WEEKS)
        problem = replace(problem, budget=float(weekly_minutes) * horizon)
        chosen = items[solve(problem)]
        planned, reached = schedule(
            st,
            chosen,
            problem,
            items,
            milestones,
            self.minutes,
            self.estimated,
            level,
            required,
            weight,
            float(weekly_minutes),
        )
        after = level.copy()
        for m in reached:
            s = st.skills.index_of(m.skill_id)
            after[s] = max(after[s], min(float(m.level), float(required[s])))
        gap = np.clip(required - level, 0.0, None) * (weight > 0)
        closed = (np.minimum(after, required) - np.minimum(level, required)).clip(0) * (weight > 0)
        covered = {(s, lv) for s, lv, _ in milestones if len(self._items_teaching(s, lv))}
        open_gaps = []
        for s in np.flatnonzero((required - after > 1e-6) & (weight > 0)).tolist():
            nxt = int(np.floor(after[s])) + 1
            open_gaps.append(
                OpenGap(
                    skill_id=st.skills.id_of(s),
                    skill_name=st.skill_names[s],
                    level_after=round(float(after[s]), 3),
                    required_level=round(float(required[s]), 3),
                    reason="time" if (s, min(nxt, LEVELS[-1])) in covered else "no_content",
                )
            )
        total = float(sum(p.duration_minutes for p in planned))
        return Plan(
            employee_id=employee_id,
            goal_role_id=goal_role,
            weekly_minutes=float(weekly_minutes),
            horizon_weeks=horizon,
            total_minutes=round(total, 1),
            weeks=max((p.end_week for p in planned), default=0),
            readiness_before=round(readiness(level, required, weight), 4),
            readiness_after=round(readiness(after, required, weight), 4),
            gap_total=round(float((gap * weight).sum()), 4),
            gap_closed=round(float((closed * weight).sum()), 4),
            milestones=tuple(reached),
            items=tuple(planned),
            calendar=tuple(weeks_of(planned, float(weekly_minutes))),
            open_gaps=tuple(open_gaps),
        )

    def _problem(
        self,
        level: FloatArray,
        required: FloatArray,
        weight: FloatArray,
        ok: npt.NDArray[np.bool_],
        satisfied: npt.NDArray[np.bool_],
    ) -> tuple[PlanProblem, Int64Array, list[tuple[int, int, float]]]:
        """Milestones, candidate items (dominated ones left out) and their prerequisites."""
        milestones: list[tuple[int, int, float]] = []  # (skill, level, value)
        below: list[int] = []
        index: dict[tuple[int, int], int] = {}
        for s in np.flatnonzero((weight > 0) & (required > level + 1e-6)).tolist():
            prev = -1
            for lv in LEVELS:
                part = min(float(lv), float(required[s])) - max(float(lv - 1), float(level[s]))
                if part <= 1e-6:
                    continue
                index[(s, lv)] = len(milestones)
                milestones.append((s, lv, float(weight[s]) * part))
                below.append(prev)
                prev = index[(s, lv)]
        if not milestones:
            empty = np.zeros(0, np.float64)
            return PlanProblem(empty, [], empty, np.zeros(0, np.int64)), np.zeros(0, np.int64), []
        v = self.values
        covers_of: dict[int, list[int]] = {}

        def covers(i: int) -> list[int]:
            if i not in covers_of:
                lo, hi = v.item_indptr[i], v.item_indptr[i + 1]
                keys = zip(
                    v.item_skill[lo:hi].tolist(), self.item_codes[lo:hi].tolist(), strict=True
                )
                found = (index.get((s, code % len(LEVELS) + LEVELS[0])) for s, code in keys)
                covers_of[i] = sorted({m for m in found if m is not None})
            return covers_of[i]

        def needs(i: int) -> tuple[int, ...]:
            reqs = self.pre_indices[self.pre_indptr[i] : self.pre_indptr[i + 1]]
            return tuple(int(j) for j in reqs if not satisfied[j])

        best: dict[tuple[tuple[int, ...], tuple[int, ...]], int] = {}
        for s, lv, _ in milestones:
            for i in self._items_teaching(s, lv)[ok[self._items_teaching(s, lv)]].tolist():
                key = (tuple(covers(i)), needs(i))
                j = best.get(key)
                if j is None or (self.minutes[i], i) < (self.minutes[j], j):
                    best[key] = i
        chosen: list[int] = []
        seen: set[int] = set()
        feasible: dict[int, bool] = {}

        def reachable(i: int, path: frozenset[int]) -> bool:
            if i not in feasible:
                feasible[i] = bool(ok[i]) and all(
                    j not in path and reachable(j, path | {j}) for j in needs(i)
                )
            return feasible[i]

        stack = _undominated(
            sorted(set(best.values())), covers, needs, self.minutes, len(milestones)
        )
        while stack:
            i = stack.pop()
            if i in seen or not reachable(i, frozenset({i})):
                continue
            seen.add(i)
            chosen.append(i)
            stack.extend(needs(i))
        items = np.asarray(sorted(chosen), dtype=np.int64)
        pos = {int(i): p for p, i in enumerate(items.tolist())}
        problem = PlanProblem(
            duration=self.minutes[items].astype(np.float64),
            covers=[covers(int(i)) for i in items],
            value=np.asarray([m[2] for m in milestones], dtype=np.float64),
            below=np.asarray(below, dtype=np.int64),
            requires=[(pos[int(i)], pos[j]) for i in items for j in needs(int(i))],
        )
        return problem, items, milestones
