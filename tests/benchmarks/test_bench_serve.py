"""bench_serve.py's own figures: the server's CPU per request and the table make bench reads."""

from __future__ import annotations

import importlib
import os
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

__all__: list[str] = []

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
HERE = Path(__file__).resolve().parent


@pytest.fixture(scope="module")
def bench_serve() -> ModuleType:
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))  # the scripts import their siblings by name
    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))  # test_run_all's sample run
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


def _generated_page(tmp_path: Path) -> tuple[ModuleType, Any, Path]:
    """docs/performance.md as `make bench` writes it, from a two-size run."""
    report = importlib.import_module("run_all_report")
    two_sizes = importlib.import_module("test_run_all")._two_size_run
    path = tmp_path / "performance.md"
    report.write_document(two_sizes("Old CPU"), path)
    return report, two_sizes, path


def test_written_figures_survive_make_bench_inside_their_sections(
    bench_serve: ModuleType, tmp_path: Path
) -> None:
    report, two_sizes, path = _generated_page(tmp_path)
    bench_serve.write_doc_block(
        "serve", "### serve run", "python bench_serve.py", "A 1\n", "", path
    )
    bench_serve.write_doc_block("core", "### core run", "python bench_core.py", "B 2\n", "", path)
    bench_serve.write_doc_block(
        "serve", "### serve run", "python bench_serve.py", "C 3\n", "", path
    )
    page = path.read_text()
    assert "A 1" not in page and "C 3" in page and "B 2" in page  # a rerun replaces its block
    report.write_document(two_sizes("New CPU"), path)  # `make bench` again
    doc = path.read_text()
    assert "New CPU" in doc and "C 3" in doc and "B 2" in doc
    assert doc.count("<!-- serve:start -->") == 1 and doc.count("<!-- core:end -->") == 1
    serve = doc.index("## Service: `/recommend` beside `/health`")
    core = doc.index("## Recommendation core alone")
    assert serve < doc.index("C 3") < core < doc.index("B 2") < doc.index("## Career endpoints")
    assert "\n\n\n" not in doc.split("## Scaling")[0]


def test_bench_careers_rewrites_the_careers_table_until_make_bench_does(
    bench_serve: ModuleType, tmp_path: Path
) -> None:
    report, two_sizes, path = _generated_page(tmp_path)
    made = path.read_text()
    assert made.count("<!-- careers:start -->") == 1 and made.count("<!-- careers:end -->") == 1
    plan = {"n": 200, "p50_ms": 12.5, "p95_ms": 31.25, "p99_ms": 40.0}
    sizes = [{"employees": 100_000, "careers": {"endpoints": {"plan": plan}}}]
    table = report.careers_table(sizes)
    command = "python benchmarks/bench_careers.py --models m --write-docs"
    bench_serve.write_doc_block("careers", "", command, table, "", path, markdown=True)
    doc = path.read_text()
    block = doc.split("<!-- careers:start -->")[1].split("<!-- careers:end -->")[0]
    assert "| 100,000 employees p50 / p95 / p99 ms |" in block and "| 12.5 / 31.2 / 40.0 |" in block
    assert command in block and "```" not in block  # a markdown table, not a text fence
    assert doc.index("## Career endpoints") < doc.index("12.5 / 31.2") < doc.index("## Scaling")
    # everything outside the block is as make bench wrote it
    assert doc.split("<!-- careers:start -->")[0] == made.split("<!-- careers:start -->")[0]
    assert doc.split("<!-- careers:end -->")[1] == made.split("<!-- careers:end -->")[1]
    report.write_document(two_sizes("New CPU"), path)  # `make bench` measures them again
    again = path.read_text()
    assert "12.5 / 31.2 / 40.0" not in again and again.count("<!-- careers:start -->") == 1


def test_memoised_core_computes_each_distinct_query_once(
    bench_serve: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    from recsvc.recommend.engine import Recommender
    from recsvc.recommend.query import Query

    computed: list[Query] = []

    def compute(self: object, query: Query) -> object:
        computed.append(query)
        return object()

    monkeypatch.setattr(Recommender, "recommend", compute)  # restored after the test
    exec(bench_serve.MEMOISED_CORE, {})
    first = Recommender.recommend(None, Query("E1", k=10))  # type: ignore[arg-type]
    again = Recommender.recommend(None, Query("E1", k=10))  # type: ignore[arg-type]
    other = Recommender.recommend(None, Query("E1", k=5))  # type: ignore[arg-type]
    assert again is first and other is not first
    assert computed == [Query("E1", k=10), Query("E1", k=5)]
