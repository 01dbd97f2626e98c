"""Measure mentor matching, team views and the skills report on a sample bundle.

    .venv/bin/python benchmarks/bench_people.py [--models DIR] [--employees 2000] [--seed 42]

Reuses the bundle in ``--models`` or trains one on a generated sample (with its mentors
table). Prints, for mentor matching over 100, 500 and all employees as mentees (mentors:
everyone the sample's mentors table opted in): wall time, mentees matched, need met, what
the matching after need alone would meet and pair, and unstable pairs; team views: time per team
over every team of 5 or more; the organisation's skills report: wall time. BLAS is limited
to one thread, as in the service.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from recsvc.bundle import read_bundle  # noqa: E402
from recsvc.people.mentors import MentorQuery, match_mentors  # noqa: E402
from recsvc.people.org_skills import org_skills  # noqa: E402
from recsvc.people.team import team_skills  # noqa: E402
from recsvc.recommend import Recommender  # noqa: E402


def ensure_bundle(models: Path, n_employees: int, seed: int) -> Path:
    if (models / "LATEST").exists():
        return models
    from recsvc.sample import generate_sample
    from recsvc.train import train_tables

    sample = generate_sample(n_employees, seed=seed)
    train_tables(sample.tables, models, seed=seed, time_budget_s=30.0)
    return models


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, default=Path("build/bench-people/models"))
    parser.add_argument("--employees", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args(argv)
    rec = Recommender.from_bundle(
        read_bundle(ensure_bundle(args.models, args.employees, args.seed))
    )
    ids = rec.state.employees.ids
    pool = rec.directory.offered_mentors()
    out = sys.stdout.write
    out(f"{len(ids)} employees; {len(pool)} mentors opted in, {sum(pool.values())} seats\n")
    out("mentees  seconds  matched  need_met  at_most_need(need, matched)  unstable  why\n")
    rng = np.random.default_rng(args.seed)
    for n in (100, 500, len(ids)):
        mentees = tuple(ids[int(i)] for i in rng.choice(len(ids), size=n, replace=False))
        started = time.perf_counter()
        m = match_mentors(rec, MentorQuery(mentee_ids=mentees))
        seconds = time.perf_counter() - started
        why = dict(Counter(u.reason for u in m.unmatched))
        out(
            f"{n:>7}  {seconds:>7.2f}  {len(m.pairs):>7}  {m.need_met:>8.1f}  "
            f"{m.most_need_met:>10.1f}, {m.matched_at_most_need:>5}"
            f"         {m.unstable_pairs:>8}  {why}\n"
        )
    boss = rec.directory.manager
    sizes = np.bincount(boss[boss >= 0], minlength=len(ids))
    teams = np.flatnonzero(sizes >= 5)
    started = time.perf_counter()
    shown = sum(team_skills(rec, ids[int(t)]).withheld is None for t in teams)
    per_team = (time.perf_counter() - started) / max(len(teams), 1)
    out(
        f"team views: {len(teams)} teams of 5+ ({shown} shown), "
        f"{per_team * 1e3:.1f} ms per team (mean size {sizes[teams].mean():.1f})\n"
    )
    started = time.perf_counter()
    org = org_skills(rec)
    out(
        f"skills report: {time.perf_counter() - started:.2f} s, {len(org.by_department)} "
        f"departments, {len(org.by_role)} roles, {len(org.catalogue_gaps)} catalogue gap(s)\n"
    )


if __name__ == "__main__":
    main()
