"""A development plan: items toward a goal, chosen optimally, ordered and fitted to a calendar.

The goal is a target role, a set of skills with levels, or the person's own role; each goal
skill has a need weight (importance x (1 + strategic weight); 1 x (1 + strategic) for
skills asked for directly), as in recommendations.

- Value: the plan's expected weighted gap closed, learning value summed over the plan
  with a cap per skill (:mod:`~recsvc.recommend.careers.plan_solver`): each item delivers
  its expected gain (chance of finishing x share x the gain curve at its level step, as
  :mod:`recsvc.recommend.value` computes it) and gains on one skill add up to the gap left,
  in expectation over the person's uncertain level. Several items may be needed for one
  level; a second item on a closed gap adds nothing.
- Items: active, in the person's language (as for recommendations), not completed or in
  progress, not tested out (every skill it teaches proven at or above its level). Their
  prerequisites come with them unless completed or tested out (proving what a course
  teaches satisfies it here).
- Choice: HiGHS MILP within ``weekly_minutes x horizon_weeks`` (exact within 0.01%, or its
  best plan with the proven gap at the time limit, reported as ``optimality_gap``); items
  no optimal plan needs are left out first (:func:`~.plan_solver.prune`).
- Order and calendar: :mod:`~recsvc.recommend.careers.plan_calendar` (prerequisites first,
  lower levels first; milestones are skill levels reached in expectation).
- Items without a duration get an estimate
  (:func:`~recsvc.recommend.careers.durations.estimated_durations`), flagged
  ``duration_estimated``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from recsvc.errors import UnknownEmployeeError, UnknownRoleError, UnknownSkillError
from recsvc.models.base import FloatArray
from recsvc.models.skill_gap import need_weights
from recsvc.recommend.candidates import build_signals, role_index
from recsvc.recommend.careers.durations import estimated_durations
from recsvc.recommend.careers.next_roles import readiness
from recsvc.recommend.careers.plan_calendar import (
    MILESTONE_TOL,
    GoalView,
    PlannedItem,
    PlannedWeek,
    ReachedMilestone,
    schedule,
    weeks_of,
)
from recsvc.recommend.careers.plan_problem import PlanProblem, closed_value, prune
from recsvc.recommend.careers.plan_solver import solve
from recsvc.recommend.finish import FinishModel
from recsvc.recommend.gain_curve import expected_gain
from recsvc.recommend.query import Context, Project, Query
from recsvc.recommend.rules import RuleTables, allowed_items
from recsvc.recommend.state import ModelState
from recsvc.recommend.value import MIN_VALUE, NODE_WEIGHTS, LearningValue, SkillNeed

__all__ = ["DEFAULT_HORIZON_WEEKS", "Goal", "OpenGap", "Plan", "Planner"]

#: weeks a plan may span when the request sets no horizon
DEFAULT_HORIZON_WEEKS = 52
#: expected gains (levels) below this are not worth a variable in the plan's program
GAIN_FLOOR = 1e-3
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
    expected_gap_closed: float  # the objective: over the uncertain level, before the cap
    optimality_gap: float  # proven relative distance to the best plan (0: optimal)
    milestones: tuple[ReachedMilestone, ...]
    items: tuple[PlannedItem, ...]
    calendar: tuple[PlannedWeek, ...]
    open_gaps: tuple[OpenGap, ...]


class Planner:
    """Plans over one bundle; read-only after ``__init__`` (built once per bundle)."""

    def __init__(self, state: ModelState, values: LearningValue, finish: FinishModel) -> None:
        self.state = state
        self.values = values
        self.finish = finish
        self.minutes, self.estimated = estimated_durations(
            state.content_duration, state.content_format
        )
        # the plan brings prerequisites itself: the rules check everything else
        rules = RuleTables.from_state(state)
        none = np.zeros(0, dtype=np.int64)
        self.rules = replace(rules, prereq_rows=none, prereq_starts=none)
        pre = state.prerequisites.tocsr()
        # (item, prerequisite) pairs in CSR order: reachability and closure in vector passes
        self.pre_item = np.repeat(np.arange(pre.shape[0], dtype=np.int64), np.diff(pre.indptr))
        self.pre_needs = np.asarray(pre.indices, np.int64)
        # the (item, skill) entries of learning value, skill-major: a goal reads its skills'
        self.entry_owner = np.repeat(
            np.arange(values.n_items, dtype=np.int64), values.n_skills_of_item
        )
        self.by_skill = np.argsort(values.item_skill, kind="stable")
        self.by_skill_start = np.searchsorted(
            values.item_skill[self.by_skill], np.arange(values.n_skills + 1)
        )

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
        # the goal's need, valued as learning value values it (same estimate and uncertainty)
        need = SkillNeed(signals.current, signals.level_sd, required, weight, signals.need.proven)
        level = np.maximum(signals.current, signals.need.proven).astype(np.float32)
        tested = self.values.tested_out(need)
        ok = allowed_items(st, signals, Query(employee_id), self.rules) & ~tested
        horizon = int(horizon_weeks or DEFAULT_HORIZON_WEEKS)
        budget = float(weekly_minutes) * horizon
        full, items, view = self._problem(need, level, ok, signals.done | tested, budget)
        keep = prune(full)
        sub = _restrict(full, keep)
        solution = solve(sub, min_value=MIN_VALUE)
        chosen = np.zeros(full.n_items, dtype=bool)
        chosen[np.flatnonzero(keep)[solution.chosen]] = True
        planned, reached, after = schedule(
            st, chosen, full, items, view, self.minutes, self.estimated, float(weekly_minutes)
        )
        gap = np.clip(required - level, 0.0, None) * (weight > 0)
        closed = (np.minimum(after, required) - np.minimum(level, required)).clip(0) * (weight > 0)
        more = np.asarray(
            (full.gain[~chosen] > 0).any(axis=0), dtype=bool
        )  # per column: an item left out teaches it
        column = {int(s): c for c, s in enumerate(view.skills.tolist())}
        open_gaps = []
        for s in np.flatnonzero((required - after > MILESTONE_TOL) & (weight > 0)).tolist():
            open_gaps.append(
                OpenGap(
                    skill_id=st.skills.id_of(s),
                    skill_name=st.skill_names[s],
                    level_after=round(float(after[s]), 3),
                    required_level=round(float(required[s]), 3),
                    reason="time" if s in column and bool(more[column[s]]) else "no_content",
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
            expected_gap_closed=round(closed_value(full, chosen), 4),
            optimality_gap=round(solution.gap, 4),
            milestones=tuple(reached),
            items=tuple(planned),
            calendar=tuple(weeks_of(planned, float(weekly_minutes))),
            open_gaps=tuple(open_gaps),
        )

    def _reachable(
        self, ok: npt.NDArray[np.bool_], open_pair: npt.NDArray[np.bool_]
    ) -> npt.NDArray[np.bool_]:
        """Items a plan may hold: allowed, and every prerequisite still to take one too
        (transitively; an item on a cycle of prerequisites still to take never is). The
        least fixed point, grown a layer of prerequisites per pass."""
        reach = ok.copy()
        n = len(ok)
        reach &= np.bincount(self.pre_item[open_pair], minlength=n) == 0
        while True:
            blocking = open_pair & ~reach[self.pre_needs]
            grown = ok & (np.bincount(self.pre_item[blocking], minlength=n) == 0)
            if (grown == reach).all():
                return reach
            reach = grown

    def _problem(
        self,
        need: SkillNeed,
        level_now: FloatArray,
        ok: npt.NDArray[np.bool_],
        satisfied: npt.NDArray[np.bool_],
        budget: float,
    ) -> tuple[PlanProblem, Int64Array, GoalView]:
        """Goal skills, the items delivering gains on them (and their prerequisites)."""
        v = self.values
        factor = need.skill_factor()
        skills = np.flatnonzero((factor > 0) & (need.gap_at_nodes.max(axis=1) > 0))
        lo, hi = self.by_skill_start[skills], self.by_skill_start[skills + 1]
        pos = self.by_skill[np.concatenate([np.arange(a, b) for a, b in zip(lo, hi, strict=True)])]
        pos = pos[ok[self.entry_owner[pos]]] if len(pos) else pos.astype(np.int64)
        owner = self.entry_owner[pos]
        finish = self.finish.probability(need.current)
        gain = v.entry_gain(need, pos) * v.item_weight[pos] * finish[owner]
        # items above the person count too: after the levels below, they are one step up
        live = (gain > GAIN_FLOOR) | (v.item_level[pos] > need.current[v.item_skill[pos]] + 1.0)
        pos, owner, gain = pos[live], owner[live], gain[live]

        # prerequisites still to take (not completed nor tested out)
        open_pair = ~satisfied[self.pre_needs]
        reach = self._reachable(ok, open_pair)
        fine = reach[owner]
        pos, owner, gain = pos[fine], owner[fine], gain[fine]
        chosen = np.zeros(len(ok), dtype=bool)
        chosen[owner] = True
        while True:  # prerequisites come along (all reachable, as their items are)
            pulled = open_pair & chosen[self.pre_item] & ~chosen[self.pre_needs]
            if not pulled.any():
                break
            chosen[self.pre_needs[pulled]] = True
        items = np.flatnonzero(chosen).astype(np.int64)
        row = np.searchsorted(items, owner)
        col = np.searchsorted(skills, v.item_skill[pos])
        table = np.zeros((len(items), len(skills)), dtype=np.float64)
        table[row, col] = gain
        climb = table.copy()
        # a plan climbs: once the levels below are reached, an item is one step above
        taught = v.item_level[pos].astype(np.float64)
        far = taught > need.current[v.item_skill[pos]] + 1.0
        one_step = float(expected_gain(v.curve, np.ones(1, np.float32))[0])
        step_gain = v.item_effect[pos] * one_step * v.item_weight[pos] * finish[owner]
        climb[row[far], col[far]] = np.maximum(gain[far], step_gain[far])
        level = np.zeros((len(items), len(skills)), dtype=np.int64)
        level[row, col] = taught.astype(np.int64)
        pairs = open_pair & chosen[self.pre_item]
        first = np.searchsorted(items, self.pre_item[pairs])
        then = np.searchsorted(items, self.pre_needs[pairs])
        problem = PlanProblem(
            duration=self.minutes[items].astype(np.float64),
            gain=table,
            climb=climb,
            level=level,
            start=level_now[skills].astype(np.float64),
            gap=need.gap_at_nodes[skills].astype(np.float64),
            node_weight=NODE_WEIGHTS.astype(np.float64),
            weight=factor[skills].astype(np.float64),
            requires=list(zip(first.tolist(), then.tolist(), strict=True)),
            budget=budget,
            reach_tol=MILESTONE_TOL,
        )
        view = GoalView(
            skills=skills.astype(np.int64),
            level=level_now,
            required=need.required,
            weight=need.weight,
        )
        return problem, items, view


def _restrict(problem: PlanProblem, keep: npt.NDArray[np.bool_]) -> PlanProblem:
    """The problem over the kept items only (prerequisites of kept items are kept)."""
    new = np.cumsum(keep) - 1
    return replace(
        problem,
        duration=problem.duration[keep],
        gain=problem.gain[keep],
        climb=problem.climb[keep],
        level=problem.level[keep],
        requires=[(int(new[i]), int(new[j])) for i, j in problem.requires if keep[i]],
    )
