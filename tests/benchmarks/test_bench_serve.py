"""bench_serve.py's own figures: the server's CPU per request and the table make bench reads."""

from __future__ import annotations

import importlib
import os
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

__all__: list[str] = []

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture(scope="module")
def bench_serve() -> ModuleType:
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))  # the scripts import their siblings by name
    return importlib.import_module("bench_serve")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_cpu_seconds_counts_the_process_s_own_cpu_time(bench_serve: ModuleType) -> None:
    before = bench_serve.cpu_seconds(os.getpid())
    started = time.process_time()
    while time.process_time() - started < 0.3:  # burn CPU in this process
        sum(range(1000))
    after = bench_serve.cpu_seconds(os.getpid())
    assert before is not None and after is not None
    assert 0.2 <= after - before <= 5.0  # clock ticks are 10 ms; the burn was 0.3 s
    assert bench_serve.cpu_seconds(2**22 + 12345) is None  # no such process


def test_report_keeps_the_rows_make_bench_parses_and_adds_cpu(
    bench_serve: ModuleType, capsys: pytest.CaptureFixture[str]
) -> None:
    health = bench_serve.Measure(5000.0, 3.0, 9.0, 50000, 0, cpu_ms=0.15)
    rec = bench_serve.Measure(2000.0, 6.0, 20.0, 20000, 1, cpu_ms=0.45)
    bench_serve._report("2,000 employees", health, rec)
    out = capsys.readouterr().out
    parsed = importlib.import_module("run_all_parse").parse_serve(out)
    assert parsed["health"]["rps"] == 5000.0 and parsed["recommend"]["failed"] == 1
    assert "p50 is 2.00x /health p50 (target <= 2x); throughput 0.40x (target >= 0.4x)" in out
    assert "/recommend 3.00x /health (the throughput ratio on an idle machine: 0.33x)" in out
