"""CPU seconds and peak memory per training stage: this tree against an earlier commit.

On a shared machine wall time says more about the neighbours than about the code, so each
stage is measured in CPU seconds of the training process (all its threads), beside wall time
and the stage's peak RSS. Both versions train the same sample in fresh processes, taking
turns; the earlier commit's ``src/`` is exported with ``git archive`` and put first on
``PYTHONPATH``. Tuning is off (a zero budget: default hyper-parameters), so the figures are
training without the tuning budget.

    python benchmarks/bench_stages.py --data DIR [--before REF] [--rounds 1] [--write-docs]
    python benchmarks/bench_stages.py --data DIR --from-log LOG --write-docs  # report a log

``--write-docs`` writes the table between the stages markers of docs/performance.md (which
``make bench`` keeps).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "performance.md"
START, END = "<!-- stages:start -->", "<!-- stages:end -->"

CHILD = """
import json, sys, time
from contextlib import contextmanager
from pathlib import Path
import recsvc
from recsvc.training import stages

cpu = {}
original = stages.StageTimer.stage

@contextmanager
def stage(self, name, total=None):
    start = time.process_time()
    with original(self, name, total):
        yield
    cpu[name] = time.process_time() - start

stages.StageTimer.stage = stage
from recsvc.train import train

result = train(sys.argv[1], Path(sys.argv[2]), seed=42, time_budget_s=0.0)
rows = [
    {"stage": s.name, "wall_s": s.seconds, "cpu_s": cpu[s.name], "peak_mib": s.peak_rss_mib}
    for s in result.stages
]
ease = result.manifest.params["ease"]
print(json.dumps({"package": recsvc.__file__, "ease": ease, "stages": rows}))
"""


def _export(ref: str, into: Path) -> Path:
    """``src/`` of ``ref`` under ``into``; returns the folder to put on PYTHONPATH."""
    into.mkdir(parents=True, exist_ok=True)
    archive = into / "src.tar"
    with archive.open("wb") as out:
        subprocess.run(["git", "archive", ref, "src"], cwd=ROOT, stdout=out, check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def _train(data: Path, src: Path, models: Path) -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(src), "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(data), str(models)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    if not str(result["package"]).startswith(str(src)):
        raise RuntimeError(f"trained with {result['package']}, not the code under {src}")
    return result


def _table(runs: dict[str, list[dict[str, object]]], labels: dict[str, str]) -> str:
    names = [str(r["stage"]) for r in runs["after"][0]["stages"]]  # type: ignore[index]

    def best(version: str, stage: str, key: str) -> float:
        return min(
            float(s[key])
            for run in runs[version]
            for s in run["stages"]  # type: ignore[attr-defined]
            if s["stage"] == stage
        )

    lines = [
        f"| stage | {labels['before']}: CPU s / wall s / peak MiB "
        f"| {labels['after']}: CPU s / wall s / peak MiB | CPU ratio |",
        "|---|---|---|---|",
    ]
    totals = {"before": 0.0, "after": 0.0}
    for stage in names:
        cells = []
        for version in ("before", "after"):
            cpu = best(version, stage, "cpu_s")
            totals[version] += cpu
            wall, peak = best(version, stage, "wall_s"), best(version, stage, "peak_mib")
            cells.append(f"{cpu:.1f} / {wall:.1f} / {peak:,.0f}")
        ratio = best("after", stage, "cpu_s") / max(best("before", stage, "cpu_s"), 1e-9)
        lines.append(f"| {stage} | {cells[0]} | {cells[1]} | ×{ratio:.2f} |")
    lines.append(
        f"| **total CPU s** | {totals['before']:.1f} | {totals['after']:.1f} "
        f"| ×{totals['after'] / totals['before']:.2f} |"
    )
    return "\n".join(lines)


def section(runs: dict[str, list[dict[str, object]]], labels: dict[str, str], note: str) -> str:
    """The Markdown block between the stages markers."""
    ease = runs["after"][0]["ease"]
    return (
        f"{START}\n## Training stages in CPU seconds\n\n{note}: the same sample trained by "
        "both versions in fresh processes, tuning off, one BLAS thread; the best of the "
        "rounds per figure. CPU seconds hold on a busy machine where wall time does not "
        f"(wall time here is what a shared machine gave). EASE: {ease}.\n\n"
        f"{_table(runs, labels)}\n{END}"
    )


def _write_docs(text: str) -> None:
    page = DOCS.read_text(encoding="utf-8")
    head, found, rest = page.partition(START)
    tail = rest.partition(END)[2] if found else ""
    DOCS.write_text(head.rstrip() + "\n\n" + text + "\n" + tail.lstrip("\n"), "utf-8")


def _from_log(log: Path) -> dict[str, list[dict[str, object]]]:
    """Runs from the lines an earlier invocation printed (``before round 1: {...}``)."""
    runs: dict[str, list[dict[str, object]]] = {"before": [], "after": []}
    for line in log.read_text(encoding="utf-8").splitlines():
        version, _, rest = line.partition(" round ")
        if version in runs and ": {" in rest:
            runs[version].append(json.loads(rest.partition(": ")[2]))
    return runs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", type=Path, required=True, help="a sample folder to train on")
    parser.add_argument("--before", default="HEAD~1", help="the earlier commit to compare")
    parser.add_argument("--after", default="HEAD", help="the later commit (HEAD: this tree)")
    parser.add_argument("--rounds", type=int, default=1, help="trainings per version")
    parser.add_argument("--write-docs", action="store_true")
    parser.add_argument("--from-log", type=Path, help="report the runs an earlier run printed")
    parser.add_argument("--remark", default="", help="a sentence added under the table")
    args = parser.parse_args(argv)
    sha = {
        ref: subprocess.run(
            ["git", "rev-parse", "--short=7", ref], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        for ref in (args.before, args.after)
    }
    labels = {"before": f"`{sha[args.before]}`", "after": f"`{sha[args.after]}`"}
    if args.from_log:
        runs = _from_log(args.from_log)
    else:
        runs = {"before": [], "after": []}
        with tempfile.TemporaryDirectory(prefix="recsvc-stages-") as tmp:
            work = Path(tmp)
            sources = {
                "before": _export(args.before, work / "before"),
                "after": ROOT / "src"
                if args.after == "HEAD"
                else _export(args.after, work / "after"),
            }
            for round_ in range(args.rounds):
                for version in ("before", "after"):
                    run = _train(args.data, sources[version], work / f"models-{version}-{round_}")
                    runs[version].append(run)
                    sys.stdout.write(f"{version} round {round_ + 1}: {json.dumps(run)}\n")
                    sys.stdout.flush()
    rounds = len(runs["after"])
    note = (
        f"`python benchmarks/bench_stages.py --data {args.data.name} --before "
        f"{sha[args.before]}"
        + (f" --after {sha[args.after]}" if args.after != "HEAD" else "")
        + f" --rounds {rounds}` (sample folder {args.data.name})"
    )
    text = section(runs, labels, note)
    if args.remark:
        text = text.replace(f"\n{END}", f"\n\n{args.remark}\n{END}")
    sys.stdout.write(text + "\n")
    if args.write_docs:
        _write_docs(text)


if __name__ == "__main__":
    main()
