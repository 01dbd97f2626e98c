"""Measure the in-process latency of the recommendation core (``Recommender.recommend``).

    .venv/bin/python benchmarks/bench_core.py [--employees 2000] [--content N]
        [--models DIR] [--queries 300] [--rounds 3] [--baseline GIT_REF] [--json PATH]

Trains a bundle on a generated sample (or reuses the one in ``--models``), then times
single requests over a few hundred varied real employees, newcomers (cold start with and
without a role) and requests with context (project text and skills, target role,
request-time history, time budget, formats), and batch throughput. ``--baseline REF``
runs the same measurement on the core as committed at ``REF`` (d2d45c5 is the commit
before the speed work), extracted with ``git archive`` into a temporary folder and run in
a subprocess on the same bundle, and prints both side by side. Besides every call, it
reports each query's best round: on a shared machine that strips most scheduling noise
from the percentiles. BLAS is limited to one thread, as in the service.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import contextlib  # noqa: E402
import io  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402

from recsvc.bundle import read_bundle  # noqa: E402
from recsvc.recommend import Context, Filters, Project, Query, Recommender  # noqa: E402

__all__ = ["build_queries", "main", "measure"]

REPO = Path(__file__).resolve().parents[1]
GROUPS = ("known", "cold_role", "cold_popularity", "context")


def ensure_bundle(models: Path, n_employees: int, n_content: int | None, seed: int) -> Path:
    """Reuse the bundle in ``models`` or train one there on a generated sample."""
    if (models / "LATEST").exists():
        return models
    from recsvc.sample import generate_sample
    from recsvc.train import train_tables

    started = time.perf_counter()
    sample = generate_sample(n_employees, seed=seed, n_content=n_content)
    train_tables(sample.tables, models, seed=seed, time_budget_s=30.0)
    sys.stdout.write(f"trained a bundle in {time.perf_counter() - started:.0f} s at {models}\n")
    return models


def build_queries(rec: Recommender, n: int, seed: int = 0) -> dict[str, list[Query]]:
    """Varied, deterministic requests per group (uses only the public core API)."""
    st = rec.state
    rng = np.random.default_rng(seed)
    employees = st.employees.ids
    items = st.content.ids
    roles = rec.role_ids
    skills = st.skills.ids
    titles = st.titles
    formats = sorted(rec.known_formats)

    def pick(seq: tuple[str, ...], size: int) -> tuple[str, ...]:
        if not seq:
            return ()
        return tuple(seq[int(i)] for i in rng.choice(len(seq), size=min(size, len(seq))))

    known = [Query(e, k=10) for e in pick(employees, n)]
    cold_role = [
        Query(f"newcomer-{i}", k=10, context=Context(role_id=r))
        for i, r in enumerate(pick(roles, max(1, n // 6)))
    ]
    cold_pop = [Query(f"stranger-{i}", k=10) for i in range(max(1, n // 15))]
    context = []
    for i, e in enumerate(pick(employees, max(1, n // 3))):
        kind = i % 5
        if kind == 0:
            text = " ".join(titles[int(j)] for j in rng.integers(0, len(titles), 2))
            ctx = Context(project=Project(skill_ids=pick(skills, 2), text=text))
        elif kind == 1:
            ctx = Context(target_role_id=pick(roles, 1)[0] if roles else None)
        elif kind == 2:
            ctx = Context(recent_content_ids=pick(items, 3))
        elif kind == 3:
            ctx = Context(time_budget_minutes=180.0, formats=tuple(formats[:2]))
        else:
            ctx = Context(project=Project(text=titles[int(rng.integers(0, len(titles)))]))
        flt = Filters(max_duration_minutes=240.0) if i % 2 else Filters()
        context.append(Query(e, k=10, context=ctx, filters=flt))
    return {"known": known, "cold_role": cold_role, "cold_popularity": cold_pop, "context": context}


def _stats(times_ms: list[float]) -> dict[str, float]:
    t = np.asarray(times_ms)
    return {
        "n": float(len(t)),
        "median": float(np.median(t)),
        "p90": float(np.percentile(t, 90)),
        "p99": float(np.percentile(t, 99)),
    }


def measure(rec: Recommender, queries: dict[str, list[Query]], rounds: int) -> dict[str, Any]:
    """Per-group latency of single calls (interleaved rounds) and batch throughput.

    ``all_samples`` has every timed call; ``best_of_rounds`` each query's fastest round,
    which strips most of the noise a shared machine adds (what the code costs).
    """
    flat = [(g, q) for g, qs in queries.items() for q in qs]
    for _, q in flat:  # warm up caches and lazy imports
        rec.recommend(q)
    times = np.zeros((rounds, len(flat)))
    clock = time.perf_counter
    for r in range(rounds):
        for j, (_, q) in enumerate(flat):
            start = clock()
            rec.recommend(q)
            times[r, j] = (clock() - start) * 1000.0
    groups = np.array([g for g, _ in flat])
    result: dict[str, Any] = {}
    for kind, table in (("all_samples", times), ("best_of_rounds", times.min(axis=0)[None])):
        stats = {g: _stats(table[:, groups == g].ravel().tolist()) for g in queries}
        stats["all"] = _stats(table.ravel().tolist())
        result[kind] = stats
    batch = [q for _, q in flat]
    best = np.inf
    for _ in range(rounds):
        start = clock()
        rec.recommend_batch(batch)
        best = min(best, clock() - start)
    result["batch_per_query_ms"] = best / len(batch) * 1000.0
    return result


def _run_baseline(ref: str, argv: list[str]) -> dict[str, Any]:
    """The same measurement on ``ref``'s source tree, in a subprocess.

    The baseline trains its own bundle from the same sample (same sizes and seed): bundles
    of another schema version cannot be shared.
    """
    with tempfile.TemporaryDirectory(prefix="bench-core-") as tmp:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", ref, "src"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        out = Path(tmp) / "baseline.json"
        env = dict(os.environ, PYTHONPATH=str(Path(tmp) / "src"))
        models = ["--models", str(Path(tmp) / "models")]
        subprocess.run(
            [sys.executable, __file__, *argv, *models, "--json", str(out)],
            check=True,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        data: dict[str, Any] = json.loads(out.read_text())
        return data


def _report(label: str, results: dict[str, dict[str, Any]], kind: str) -> None:
    names = list(results)
    w = sys.stdout.write
    w(f"\n{label}\n{'group':<16}{'n':>6}")
    for name in names:
        w(f"  {name + ' p50':>14}{'p90':>8}{'p99':>8}")
    w("\n")
    for g in (*GROUPS, "all"):
        first = results[names[0]][kind][g]
        w(f"{g:<16}{int(first['n']):>6}")
        for name in names:
            r = results[name][kind][g]
            w(f"  {r['median']:>14.3f}{r['p90']:>8.3f}{r['p99']:>8.3f}")
        w("\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=2000)
    parser.add_argument("--content", type=int, default=None, help="catalogue size")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--models", type=Path, default=None, help="reuse or keep the bundle")
    parser.add_argument("--queries", type=int, default=300, help="known employees sampled")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--baseline", default=None, help="git ref to compare against")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    parser.add_argument(
        "--write-docs",
        action="store_true",
        help="write the tables into docs/performance.md (between its core markers)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)

    with tempfile.TemporaryDirectory(prefix="bench-core-models-") as tmp:
        models = ensure_bundle(args.models or Path(tmp), args.employees, args.content, args.seed)
        shared = ["--employees", str(args.employees), "--queries", str(args.queries)]
        shared += ["--rounds", str(args.rounds), "--seed", str(args.seed)]
        if args.content is not None:
            shared += ["--content", str(args.content)]
        baseline = _run_baseline(args.baseline, shared) if args.baseline else None
        rec = Recommender.from_bundle(read_bundle(models))
        queries = build_queries(rec, args.queries, seed=args.seed)
        current = measure(rec, queries, args.rounds)
        if args.json:
            args.json.write_text(json.dumps(current, indent=2))
            return
        n_items, n_users = len(rec.state.content), len(rec.state.employees)
        results = {"current": current} if baseline is None else {"baseline": baseline}
        if baseline is not None:
            results["current"] = current
        sizes = f"{n_users} employees, {n_items} items, {args.rounds} rounds"
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            _report(f"recommend latency in ms, every call ({sizes})", results, "all_samples")
            _report(
                "per query, best of the rounds (machine noise removed)", results, "best_of_rounds"
            )
            sys.stdout.write(
                "recommend_batch, ms per query: "
                + ", ".join(f"{k} {v['batch_per_query_ms']:.3f}" for k, v in results.items())
                + "\n"
            )
        sys.stdout.write(printed.getvalue())
        if args.write_docs:
            sys.path.insert(0, str(REPO / "benchmarks"))
            from bench_serve import write_doc_block

            command = " ".join(["python benchmarks/bench_core.py", *(argv or sys.argv[1:])])
            title = "### The core alone: the latest bench_core.py run"
            write_doc_block("core", title, command, printed.getvalue())


if __name__ == "__main__":
    main()
