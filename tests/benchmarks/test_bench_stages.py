"""bench_stages.py: the before/after table of CPU seconds per stage, kept by `make bench`."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))
    return importlib.import_module("bench_stages")


def _run(load_cpu: float, features_cpu: float) -> dict[str, object]:
    return {
        "ease": "off",
        "stages": [
            {"stage": "load", "wall_s": 9.0, "cpu_s": load_cpu, "peak_mib": 900.0},
            {"stage": "features", "wall_s": 30.0, "cpu_s": features_cpu, "peak_mib": 1200.0},
        ],
    }


def test_table_keeps_the_best_round_and_the_cpu_ratio(bench: ModuleType) -> None:
    runs = {
        "before": [_run(10.0, 40.0), _run(12.0, 38.0)],
        "after": [_run(5.0, 20.0), _run(6.0, 19.0)],
    }
    table = bench._table(runs, {"before": "old", "after": "new"}).splitlines()
    assert table[2] == "| load | 10.0 / 9.0 / 900 | 5.0 / 9.0 / 900 | ×0.50 |"
    assert table[3] == "| features | 38.0 / 30.0 / 1,200 | 19.0 / 30.0 / 1,200 | ×0.50 |"
    assert table[4] == "| **total CPU s** | 48.0 | 24.0 | ×0.50 |"


def test_a_printed_log_reads_back(bench: ModuleType, tmp_path: Path) -> None:
    import json

    log = tmp_path / "stages.log"
    lines = [f"{v} round 1: {json.dumps(_run(9.0, 30.0))}" for v in ("before", "after")]
    log.write_text("noise\n" + "\n".join(lines) + "\n")
    runs = bench._from_log(log)
    assert len(runs["before"]) == 1 and len(runs["after"]) == 1
    text = bench.section(runs, {"before": "a", "after": "b"}, "note")
    assert text.startswith(bench.START) and text.endswith(bench.END)
    assert "| **total CPU s** | 39.0 | 39.0 | ×1.00 |" in text
