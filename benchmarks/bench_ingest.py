"""Load (read + validate) and dataset stages alone: this tree against an earlier commit.

The trainer's first two stages, without the fitting after them, so that a change to ingest is
measured in a minute instead of a whole training. Both versions run in fresh processes,
taking turns, on the same sample folder (CSV, Parquet or a SQLAlchemy URL); the earlier
commit's ``src/`` is exported with ``git archive`` (see ``bench_stages.py``). Each stage
reports wall seconds, CPU seconds of the process (all threads: on a shared machine they hold
where wall time does not) and its peak RSS.

    python benchmarks/bench_ingest.py --data DIR [--before REF] [--rounds 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from bench_stages import ROOT, _export

CHILD = """
import json, sys, time
import recsvc
from recsvc.dataset import build_dataset
from recsvc.ingest import load_tables
from recsvc.training.stages import LoggingProgress, StageTimer

timer = StageTimer(LoggingProgress())
cpu = {}
start = time.process_time()
with timer.stage("load"):
    loaded = load_tables(sys.argv[1])
cpu["load"] = time.process_time() - start
start = time.process_time()
with timer.stage("dataset"):
    dataset = build_dataset(loaded.tables)
cpu["dataset"] = time.process_time() - start
rows = {name: len(t) for name, t in loaded.tables.items()}
stages = [
    {"stage": s.name, "wall_s": s.seconds, "cpu_s": cpu[s.name], "peak_mib": s.peak_rss_mib}
    for s in timer.stats
]
print(json.dumps({"package": recsvc.__file__, "rows": rows, "stages": stages,
                  "enrolments": len(dataset.enrolments)}))
"""


def _run(data: str, src: Path) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, data], env=env, capture_output=True, text=True, check=True
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    if not str(result["package"]).startswith(str(src)):
        raise RuntimeError(f"ran {result['package']}, not the code under {src}")
    return result


def _best(runs: list[dict[str, object]], stage: str, key: str) -> float:
    return min(
        float(s[key])
        for run in runs
        for s in run["stages"]  # type: ignore[attr-defined]
        if s["stage"] == stage
    )


def table(runs: dict[str, list[dict[str, object]]], labels: dict[str, str]) -> str:
    """Markdown: per stage, best-of-rounds wall s / CPU s / peak MiB for both versions."""
    lines = [
        f"| stage | {labels['before']}: wall s / CPU s / peak MiB "
        f"| {labels['after']}: wall s / CPU s / peak MiB | CPU ratio |",
        "|---|---|---|---|",
    ]
    for stage in ("load", "dataset"):
        cells = [
            f"{_best(runs[v], stage, 'wall_s'):.1f} / {_best(runs[v], stage, 'cpu_s'):.1f} / "
            f"{_best(runs[v], stage, 'peak_mib'):,.0f}"
            for v in ("before", "after")
        ]
        ratio = _best(runs["after"], stage, "cpu_s") / max(
            _best(runs["before"], stage, "cpu_s"), 1e-9
        )
        lines.append(f"| {stage} | {cells[0]} | {cells[1]} | ×{ratio:.2f} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True, help="a sample folder or a SQLAlchemy URL")
    parser.add_argument("--before", default="HEAD~1", help="the earlier commit to compare")
    parser.add_argument("--rounds", type=int, default=2, help="runs per version")
    args = parser.parse_args(argv)
    sha = subprocess.run(
        ["git", "rev-parse", "--short=7", args.before], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    runs: dict[str, list[dict[str, object]]] = {"before": [], "after": []}
    with tempfile.TemporaryDirectory(prefix="recsvc-ingest-") as tmp:
        sources = {"before": _export(args.before, Path(tmp) / "before"), "after": ROOT / "src"}
        for round_ in range(args.rounds):
            for version in ("before", "after"):
                run = _run(args.data, sources[version])
                runs[version].append(run)
                sys.stdout.write(f"{version} round {round_ + 1}: {json.dumps(run)}\n")
                sys.stdout.flush()
    if runs["before"][0]["rows"] != runs["after"][0]["rows"]:
        sys.stdout.write("WARNING: the two versions kept different row counts\n")
    sys.stdout.write(table(runs, {"before": f"`{sha}`", "after": "this tree"}) + "\n")


if __name__ == "__main__":
    main()
