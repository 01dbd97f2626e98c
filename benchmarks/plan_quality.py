"""Does a plan toward the target role close more of the true gap than following /recommend?

    .venv/bin/python benchmarks/plan_quality.py --data SAMPLE_DIR --models DIR
        [--employees 300] [--weekly 120] [--weeks 4]

On a generated sample (its hidden truth in ``SAMPLE_DIR/ground_truth``) and a bundle trained
on it: for employees with a target role, ``POST /plan`` toward it (``--weekly`` minutes for
``--weeks`` weeks) against the same minutes spent on ``/recommend`` (target role in the
context), taken in rank order until the plan's minutes are used up, and against
``/recommend`` with ``time_budget_minutes`` = those minutes (the knapsack slate). Each list
is scored with the truth exactly as ``recsvc evaluate`` scores need value
(:mod:`recsvc.evaluate.need`): true levels, each item's true gain times its room
``clip(taught + 0.5 - level, 0, 1)``, summed per skill and capped by the true gap, weighted
by need weight, over the target role's skills. Prints the means, the paired differences
(95% paired bootstrap intervals) and the plans' proven distance to their optimum (the
solver's ``optimality_gap``).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from recsvc.bundle import read_bundle  # noqa: E402
from recsvc.evaluate.closure import GapProfile, GroundTruth  # noqa: E402
from recsvc.evaluate.need import TeachTable, need_view, true_levels  # noqa: E402
from recsvc.models.skill_gap import need_weights  # noqa: E402
from recsvc.recommend import Context, Query, Recommender  # noqa: E402
from recsvc.recommend.candidates import build_signals  # noqa: E402
from recsvc.recommend.careers import plan as plan_module  # noqa: E402
from recsvc.recommend.careers.plan import Goal  # noqa: E402
from recsvc.recommend.careers.plan_solver import best_bound  # noqa: E402

__all__ = ["main"]


def _within(items: list[int], minutes: np.ndarray, budget: float) -> list[int]:
    out, used = [], 0.0
    for i in items:
        if used + float(minutes[i]) > budget + 1e-6:
            break
        out.append(i)
        used += float(minutes[i])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--models", type=Path, required=True)
    parser.add_argument("--employees", type=int, default=300)
    parser.add_argument("--weekly", type=float, default=120.0)
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--exact",
        type=int,
        default=0,
        help="for this many plans, solve the same problem for up to 60 s to measure how far "
        "the served plan is from the optimum",
    )
    args = parser.parse_args(argv)
    served: list[tuple[object, float]] = []  # (problem, value of the served plan)
    solve = plan_module.solve

    def recording_solve(problem: object, **kwargs: object) -> object:
        solution = solve(problem, **kwargs)  # type: ignore[arg-type]
        if len(served) < args.exact:
            served.append((problem, solution.value))
        return solution

    plan_module.solve = recording_solve  # type: ignore[assignment]
    rec = Recommender.from_bundle(read_bundle(args.models))
    st = rec.state
    truth = GroundTruth.read(args.data / "ground_truth", st)
    teach = TeachTable.build(st.content_skill_level, truth)
    people = (
        pd.read_parquet(args.data / "employees.parquet")
        if (args.data / "employees.parquet").exists()
        else pd.read_csv(args.data / "employees.csv")
    )
    people = people[people["target_role_id"].notna()]
    rng = np.random.default_rng(args.seed)
    chosen = people.iloc[rng.permutation(len(people))[: args.employees]]
    minutes = rec.planner.minutes
    rows = []
    pairs = zip(
        chosen["employee_id"].astype(str), chosen["target_role_id"].astype(str), strict=True
    )
    for e, t in pairs:
        if e not in st.employees or t not in st.roles:
            continue
        ti = st.roles.index_of(t)
        signals = build_signals(st, e, Context(target_role_id=t))
        skills = np.flatnonzero(st.role_required[ti] > 0)
        required = np.asarray(st.role_required[ti], np.float32)
        weight = need_weights(required, st.role_importance[ti], st.skill_strategic)
        profile = GapProfile(skills, required[skills], weight[skills], signals.current[skills])
        level, _ = true_levels(truth, st.employees.index_of(e), signals.current)
        view = need_view(profile, level, teach)
        if view.total <= 0:
            continue
        plan = rec.plan(
            e, Goal(target_role_id=t), weekly_minutes=args.weekly, horizon_weeks=args.weeks
        )
        plan_items = [st.content.index_of(p.content_id) for p in plan.items]
        budget = float(minutes[plan_items].sum()) if plan_items else 0.0
        if budget <= 0:
            continue
        ranked = rec.recommend(Query(e, k=100, explain=False, context=Context(target_role_id=t)))
        follow = _within([st.content.index_of(i.content_id) for i in ranked.items], minutes, budget)
        slate = rec.recommend(
            Query(
                e,
                k=100,
                explain=False,
                context=Context(target_role_id=t, time_budget_minutes=budget),
            )
        )
        slate_items = [st.content.index_of(i.content_id) for i in slate.items]
        rows.append(
            (
                view.value(np.asarray(plan_items, np.int64)),
                view.value(np.asarray(follow, np.int64)),
                view.value(np.asarray(slate_items, np.int64)),
                view.total,
                budget,
                plan.optimality_gap,
            )
        )
    a = np.asarray(rows)
    out = sys.stdout
    out.write(
        f"{len(a)} employees with a target role and a true gap; plan budget {args.weekly:g} "
        f"min/week x {args.weeks} weeks (mean minutes used {a[:, 4].mean():.0f})\n"
    )
    out.write(f"true weighted gap toward the target role, mean: {a[:, 3].mean():.3f}\n")
    out.write(f"closed by the plan:                         {a[:, 0].mean():.3f}\n")
    out.write(f"closed by /recommend in rank order:         {a[:, 1].mean():.3f}\n")
    out.write(f"closed by /recommend with the time budget:  {a[:, 2].mean():.3f}\n")
    boot = np.random.default_rng(1).choice(len(a), (2000, len(a)))
    for col, name in ((1, "/recommend (rank order)"), (2, "/recommend (time budget)")):
        diff = a[:, 0] - a[:, col]
        lo, hi = np.percentile(diff[boot].mean(axis=1), [2.5, 97.5])
        out.write(
            f"plan - {name}: {diff.mean():+.3f} [{lo:+.3f}, {hi:+.3f}] (95% paired bootstrap); "
            f"plan ahead for {np.mean(diff > 1e-9):.0%}, behind for {np.mean(diff < -1e-9):.0%}\n"
        )
    gap = a[:, 5]
    out.write(
        f"plans' proven distance to their optimum: median {np.median(gap):.2%}, "
        f"p95 {np.percentile(gap, 95):.2%}, max {gap.max():.2%}\n"
    )
    if served:
        distance = []
        for problem, value in served:
            best, bound = best_bound(problem)  # type: ignore[arg-type]
            distance.append((max(best, value) - value) / max(best, value, 1e-12))
        d = np.asarray(distance)
        out.write(
            f"served plans vs the best plan HiGHS finds in 60 s ({len(d)} plans): value lost "
            f"median {np.median(d):.2%}, p95 {np.percentile(d, 95):.2%}, max {d.max():.2%}\n"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
