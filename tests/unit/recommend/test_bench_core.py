"""The core latency benchmark keeps working (it is run by hand, so nothing else would notice)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from recsvc.recommend import Recommender

BENCH = Path(__file__).resolve().parents[3] / "benchmarks" / "bench_core.py"


@pytest.fixture
def bench(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        monkeypatch.setenv(var, "1")  # the module sets these on import; keep them scoped
    spec = importlib.util.spec_from_file_location("bench_core", BENCH)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow  # runs the whole benchmark
def test_benchmark_measures_every_group(bench: ModuleType, sample_rec: Recommender) -> None:
    queries = bench.build_queries(sample_rec, 12, seed=0)
    assert set(queries) == set(bench.GROUPS)
    assert all(queries[g] for g in bench.GROUPS)
    result = bench.measure(sample_rec, queries, rounds=2)
    for kind in ("all_samples", "best_of_rounds"):
        stats = result[kind]["all"]
        assert 0 < stats["median"] <= stats["p90"] <= stats["p99"]
    assert result["all_samples"]["known"]["n"] == 2 * len(queries["known"])
    assert result["best_of_rounds"]["known"]["n"] == len(queries["known"])
    assert result["batch_per_query_ms"] > 0
