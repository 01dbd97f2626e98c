"""Train on a generated sample of N employees; print wall time and peak RSS per stage.

Usage: ``python benchmarks/bench_train.py [N] [--budget SECONDS] [--out DIR] [--data DIR]``
(defaults: 2000 employees, 60 s tuning budget, a temporary folder). With ``--data`` it trains
on a sample already written there (run_all.py passes the Parquet folder bench_sample.py
wrote, so a 1,000,000-employee sample is generated once, not once per benchmark).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from recsvc.bundle import read_bundle
from recsvc.recommend import Context, Query, Recommender
from recsvc.sample import generate_sample, write_sample
from recsvc.train import LoggingProgress, train

__all__ = ["main"]


def _bundle_mib(path: Path) -> float:
    return sum(f.stat().st_size for f in path.iterdir() if f.is_file()) / 2**20


class CpuProgress(LoggingProgress):
    """Prints each stage's line as soon as it finishes (a run killed later, e.g. out of memory,
    still shows the stages it completed) with its CPU seconds (this process, all threads)
    beside the trainer's wall time: on a shared machine CPU time says what a stage costs,
    wall time also what it waited for a core."""

    def __init__(self) -> None:
        self._started = 0.0

    def stage_started(self, name: str, total: int | None) -> None:
        self._started = time.process_time()
        super().stage_started(name, total)

    def stage_finished(self, name: str, seconds: float) -> None:
        cpu = time.process_time() - self._started
        peak = _peak_rss_mib()  # the high-water mark the trainer reset when the stage began
        sys.stdout.write(f"{name:<10} {seconds:>9.2f} {peak:>13.0f} {cpu:>9.2f}\n")
        sys.stdout.flush()
        super().stage_finished(name, seconds)


def _peak_rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return float(line.split()[1]) / 1024
    return float("nan")


def _parquet_rows(folder: Path) -> dict[str, int]:
    """Rows per table of a Parquet sample, from the files' metadata (nothing is loaded)."""
    return {p.stem: pq.read_metadata(p).num_rows for p in sorted(folder.glob("*.parquet"))}


def _latency_ms(rec: Recommender, n: int = 300) -> tuple[float, float]:
    ids = rec.state.employees.ids
    rng = np.random.default_rng(0)
    queries = [Query(ids[int(i)], k=10) for i in rng.integers(0, len(ids), n)]
    queries += (
        [Query("new-person", context=Context(role_id=rec.role_ids[0]))] if rec.role_ids else []
    )
    times = []
    for q in queries:
        start = time.perf_counter()
        rec.recommend(q)
        times.append((time.perf_counter() - start) * 1000)
    return float(np.median(times)), float(np.percentile(times, 99))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("n_employees", nargs="?", type=int, default=2000)
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--data", type=Path, default=None, help="an existing Parquet sample")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    out = args.out or Path(tempfile.mkdtemp(prefix="recsvc-bench-"))
    start = time.perf_counter()
    if args.data is not None:
        source, rows = str(args.data), _parquet_rows(args.data)
    else:
        sample = generate_sample(args.n_employees, seed=args.seed)
        source = write_sample(sample, out / "data", fmt="parquet")
        rows = {k: len(v) for k, v in sample.tables.items()}
        del sample
    sys.stdout.write(
        f"sample: {args.n_employees} employees, "
        + ", ".join(f"{k}={v}" for k, v in rows.items())
        + f" ({time.perf_counter() - start:.1f} s)\n"
    )
    sys.stdout.write(f"{'stage':<10} {'seconds':>9} {'peak RSS MiB':>13} {'CPU s':>9}\n")
    sys.stdout.flush()
    start = time.perf_counter()
    result = train(
        source, out / "models", seed=args.seed, time_budget_s=args.budget, progress=CpuProgress()
    )
    total = time.perf_counter() - start
    sys.stdout.write(f"{'total':<10} {total:>9.2f}\n")
    sys.stdout.write(f"bundle: {_bundle_mib(result.bundle_path):.1f} MiB at {result.bundle_path}\n")
    sys.stdout.write(f"tuning budget hit: {result.manifest.params['tuning_budget_hit']}\n")
    metrics = sorted({m for row in result.validation_table.values() for m in row})
    sys.stdout.write(f"{'model':<16}" + "".join(f"{m:>14}" for m in metrics) + "\n")
    for model, row in result.validation_table.items():
        sys.stdout.write(f"{model:<16}" + "".join(f"{row[m]:>14.4f}" for m in metrics) + "\n")
    sys.stdout.write(f"gap coverage@10: {result.manifest.metrics.get('gap_coverage@10')}\n")
    rec = Recommender.from_bundle(read_bundle(result.bundle_path))
    p50, p99 = _latency_ms(rec)
    sys.stdout.write(f"recommend latency: p50 {p50:.2f} ms, p99 {p99:.2f} ms\n")


if __name__ == "__main__":
    main()
