"""Measure the sample generator: generation time, write time per format, sizes and peak memory.

    .venv/bin/python benchmarks/bench_sample.py [--employees 100000] [--seed 42]
        [--formats csv parquet] [--out DIR]

Target: 100,000 employees generated and written as CSV and Parquet in under a minute on
the 2-core CI machine.
"""

from __future__ import annotations

import argparse
import logging
import resource
import tempfile
import time
from pathlib import Path

from recsvc.sample import generate_sample, write_sample

__all__ = ["main"]

logger = logging.getLogger("bench_sample")


def _size_mib(path: Path) -> float:
    files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--formats", nargs="+", default=["csv", "parquet"])
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    with tempfile.TemporaryDirectory() as tmp:
        root = args.out or Path(tmp)
        total = 0.0
        started = time.perf_counter()
        sample = generate_sample(args.employees, seed=args.seed)
        took = time.perf_counter() - started
        total += took
        rows = {name: len(frame) for name, frame in sample.tables.items()}
        logger.info("generate  %6.1f s  %s", took, ", ".join(f"{k}={v:,}" for k, v in rows.items()))
        for fmt in args.formats:
            started = time.perf_counter()
            source = write_sample(sample, root / fmt, fmt)
            took = time.perf_counter() - started
            total += took
            logger.info(
                "write %-7s %6.1f s  %7.1f MiB  %s", fmt, took, _size_mib(root / fmt), source
            )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        logger.info("total     %6.1f s  peak RSS %.0f MiB", total, peak)


if __name__ == "__main__":
    main()
