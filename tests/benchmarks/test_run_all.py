"""The `make bench` driver: parsing the benchmarks' output, memory probes, scaling, the doc."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest

__all__: list[str] = []

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
STAGES = ("load", "dataset", "features", "tune", "fit", "rank", "evaluate", "write")

TRAIN_OUT = """\
sample: 1000 employees, roles=78, skills=44, content=300, employees=1000, enrolments=16933 (0.5 s)
stage        seconds  peak RSS MiB
load            0.52           240
dataset         0.09           240
features        2.92           306
tune            5.60           315
fit             1.24           318
rank            1.16           346
evaluate        1.21           325
write           0.52           325
total          13.28
bundle: 1.3 MiB at build/bench/run_all/1000/train/models/20261126T194036Z-958262a-136915
tuning budget hit: True
model                 coverage   hit_rate@10        map@10       ndcg@10  precision@10     recall@10
hybrid                  0.2600        0.4538        0.0855        0.1472        0.0571        0.2399
recommend latency: p50 1.97 ms, p99 9.94 ms
"""

SERVE_OUT = """\
build/bench/run_all/1000/train/models (bundle 20261126T194036Z-958262a-136915)
endpoint             req/s    p50 ms    p99 ms   requests  failed
GET /health           4969      2.60     17.97      15399       0
POST /recommend        395     36.55    132.65       1220       3
/recommend p50 is 14.06x /health p50 (OVER the 3x aim); throughput 0.08x
"""

SAMPLE_ERR = """\
generate     0.4 s  roles=78, skills=44, content=300, employees=1,000
write csv        0.1 s      2.3 MiB  build/x/csv
write parquet    0.2 s      0.9 MiB  build/x/parquet
total        0.6 s  peak RSS 195 MiB
"""


@pytest.fixture(scope="module")
def run_all() -> ModuleType:
    if str(BENCHMARKS) not in sys.path:
        sys.path.insert(0, str(BENCHMARKS))  # the scripts import their siblings by name
    return importlib.import_module("run_all")


def test_parse_train_reads_every_stage_and_figure(run_all: ModuleType) -> None:
    run_all_parse = importlib.import_module("run_all_parse")
    got = run_all_parse.parse_train(TRAIN_OUT, STAGES)
    assert list(got["stages"]) == list(STAGES)
    assert got["stages"]["features"] == {"seconds": 2.92, "peak_rss_mib": 306.0}
    assert got["rows"]["enrolments"] == 16933 and got["rows"]["content"] == 300
    assert got["total_s"] == 13.28 and got["bundle_mib"] == 1.3
    assert got["bundle_path"].endswith("20261126T194036Z-958262a-136915")
    assert got["budget_hit"] is True
    assert (got["latency_p50_ms"], got["latency_p99_ms"]) == (1.97, 9.94)
    four = TRAIN_OUT.replace("load            0.52           240", "load  0.52  240  0.31")
    cpu = run_all_parse.parse_train(four, STAGES)["stages"]["load"]
    assert cpu == {"seconds": 0.52, "peak_rss_mib": 240.0, "cpu_s": 0.31}


def test_parse_serve_and_sample(run_all: ModuleType) -> None:
    run_all_parse = importlib.import_module("run_all_parse")
    serve = run_all_parse.parse_serve(SERVE_OUT)
    assert serve["health"] == {
        "rps": 4969.0,
        "p50_ms": 2.6,
        "p99_ms": 17.97,
        "requests": 15399,
        "failed": 0,
    }
    assert serve["recommend"]["rps"] == 395.0 and serve["recommend"]["failed"] == 3
    sample = run_all_parse.parse_sample(SAMPLE_ERR)
    assert sample == {
        "generate_s": 0.4,
        "write_csv_s": 0.1,
        "csv_mib": 2.3,
        "write_parquet_s": 0.2,
        "parquet_mib": 0.9,
        "peak_rss_mib": 195.0,
    }


def test_sizes_follow_max_employees(run_all: ModuleType) -> None:
    def sizes(**kw: object) -> list[int]:
        chosen: list[int] = run_all._sizes(argparse.Namespace(**({"sizes": None} | kw)))
        return chosen

    assert sizes(max_employees=100_000) == [5_000, 100_000]
    assert sizes(max_employees=1_000_000) == [5_000, 100_000, 1_000_000]
    assert sizes(max_employees=0, sizes=[3000, 1000, 3000]) == [1000, 3000]


def test_run_reports_the_child_peak_memory(run_all: ModuleType, tmp_path: Path) -> None:
    # A child's high-water mark also counts what it shared with this test process before
    # exec (hundreds of MiB late in a full run), so the child allocates well above that.
    code = "b = bytearray(768 * 2**20); b[::4096] = b'x' * len(b[::4096])"
    result = run_all._run("alloc", [sys.executable, "-c", code], tmp_path)
    assert result["returncode"] == 0
    assert 768 <= result["peak_rss_mib"] < 768 + 200
    assert (tmp_path / "alloc.out").is_file()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_service_memory_finds_the_marked_child(run_all: ModuleType) -> None:
    code = (
        "# recsvc.service stand-in\n"
        "import time\n"
        "b = bytearray(80 * 2**20)\n"
        "b[::4096] = b'x' * len(b[::4096])\n"
        "time.sleep(1.5)\n"
    )
    import subprocess

    monitor = run_all.ServiceMemory(os.getpid(), period_s=0.05)
    monitor.start()
    child = subprocess.Popen([sys.executable, "-c", code])
    try:
        child.wait(timeout=30)
    finally:
        time.sleep(0.1)
        monitor.stop.set()
        monitor.join()
    assert monitor.peak_kib / 1024 >= 80
    assert 80 <= monitor.rss_kib / 1024 <= monitor.peak_kib / 1024


def _size(n: int, enrolments: int, content: int, features_s: float) -> dict[str, object]:
    stages = {name: {"seconds": 1.0, "peak_rss_mib": 300.0} for name in STAGES}
    stages["load"] = {"seconds": n / 1000, "peak_rss_mib": 300.0}
    stages["features"] = {"seconds": features_s, "peak_rss_mib": 300.0}
    return {
        "employees": n,
        "train": {
            "stages": stages,
            "rows": {"enrolments": enrolments, "content": content},
            "total_s": 10.0 + features_s,
            "process_peak_mib": 400.0,
            "bundle_mib": n / 500,
        },
        "serve": {
            "health": {"rps": 5000.0, "p50_ms": 2.0, "p99_ms": 9.0},
            "recommend": {"rps": 500.0, "p50_ms": 20.0, "p99_ms": 90.0},
            "memory": {"ready_mib": 200.0, "rss_mib": 220.0, "peak_mib": 230.0},
        },
        "core": {"groups": {"known": {"median": 1.0, "p99": 5.0}}, "best": {}, "batch_ms": 1.0},
        "probe": {"items": content, "knn_graph_s": content**2 / 1e6, "rest_of_content_s": 1.0},
    }


def test_scaling_flags_only_what_outgrows_the_data(run_all: ModuleType) -> None:
    run_all_scaling = importlib.import_module("run_all_scaling")
    small = _size(5_000, 100_000, 1_250, features_s=1.0)
    large = _size(100_000, 2_000_000, 20_000, features_s=256.0)
    rows = {
        name: (ratio, exp, fast)
        for name, ratio, exp, fast in run_all_scaling.scaling_rows(small, large)
    }
    assert rows["features s"][2] is True and rows["features s"][0] == pytest.approx(256.0)
    assert rows["load s"][2] is False and rows["load s"][1] == pytest.approx(1.0)
    assert rows["tune s"][1] == pytest.approx(0.0)
    assert rows["kNN graph s"][0] == pytest.approx(256.0) and rows["kNN graph s"][2] is True


def _two_size_run(cpu: str = "Test CPU") -> dict[str, object]:
    return {
        "machine": {
            "date": "2026-01-01 00:00 UTC",
            "cpu": cpu,
            "cores": 2,
            "ram_gib": 23.5,
            "load_average": [1.0, 2.0, 3.0],
            "os": "Linux",
            "python": "3.11",
            "numpy": "2",
            "implicit": "0.7.3",
            "git": "abc1234",
        },
        "settings": {
            "tuning_budget_s": 30.0,
            "serve_duration_s": 10.0,
            "serve_rounds": 1,
            "core_rounds": 3,
            "blas_threads": "1",
            "results": "build/bench/run_all/results.json",
        },
        "sizes": [
            _size(5_000, 100_000, 1_250, features_s=1.0),
            _size(100_000, 2_000_000, 20_000, features_s=256.0),
        ],
    }


def test_document_has_machine_figures_and_the_why(run_all: ModuleType, tmp_path: Path) -> None:
    run_all_report = importlib.import_module("run_all_report")
    run = _two_size_run()
    doc = run_all_report.write_document(run, tmp_path / "performance.md").read_text()
    assert "GENERATED" in doc and "Test CPU" in doc and "1.0, 2.0, 3.0" in doc
    assert "| features | 1.00 / n/a / 300 | 256.00 / n/a / 300 |" in doc
    assert "**features s**: three parts" in doc  # the flagged stage gets its explanation
    assert "**load s**" not in doc
    assert "Faster than the data: features (exponent 2.00 against items), kNN graph" in doc
    assert "**kNN graph s**: `models/content.py: knn_graph`" in doc
    assert "| catalogue items | 1,250 | 20,000 |" in doc
    assert "## 1,000,000 employees (not measured in this run)" in doc
    assert "| load | 100.0 | ×10 | 1,000 |" in doc  # data-bound: grows with the employees
    assert "| features | 256.0 | ×1 | 256 |" in doc  # catalogue-bound: capped at 20,000 items
    assert str(tmp_path) not in doc
    table = run_all_report.summary_table(run).splitlines()
    assert table[2].split()[0] == "100,000"
    assert any(
        line.startswith("faster than the data") and "features s x256" in line for line in table
    )


def test_bench_and_soak_keep_each_others_sections(run_all: ModuleType, tmp_path: Path) -> None:
    write_document = importlib.import_module("run_all_report").write_document
    soak = importlib.import_module("soak")
    path = tmp_path / "performance.md"
    write_document(_two_size_run("Old CPU"), path)
    soak.update_docs("## Soak\n\nsoak figures 123 req/s", path)
    after_soak = path.read_text()
    assert "Old CPU" in after_soak and "| catalogue items | 1,250 | 20,000 |" in after_soak
    assert f"{soak.START}\n## Soak\n\nsoak figures 123 req/s\n{soak.END}" in after_soak

    write_document(_two_size_run("New CPU"), path)  # `make bench` again: soak block survives
    doc = path.read_text()
    assert "New CPU" in doc and "Old CPU" not in doc
    assert doc.count(soak.START) == 1 and doc.count(soak.END) == 1
    assert "soak figures 123 req/s" in doc and doc.endswith(f"{soak.END}\n")

    soak.update_docs("## Soak\n\nsecond soak 456 req/s", path)  # soak replaces only its block
    doc = path.read_text()
    assert "New CPU" in doc and "second soak 456 req/s" in doc and "123 req/s" not in doc


def test_bench_keeps_the_stages_section(run_all: ModuleType, tmp_path: Path) -> None:
    report = importlib.import_module("run_all_report")
    path = tmp_path / "performance.md"
    block = f"{report.STAGES_START}\n## Training stages\n\n| stage |\n{report.STAGES_END}"
    path.write_text("# old page\n\n" + block + "\n")
    doc = report.write_document(_two_size_run("New CPU"), path).read_text()
    assert "New CPU" in doc and "old page" not in doc
    assert doc.count(report.STAGES_START) == 1 and block in doc


def test_document_without_a_soak_has_no_markers(run_all: ModuleType, tmp_path: Path) -> None:
    write_document = importlib.import_module("run_all_report").write_document
    path = tmp_path / "performance.md"
    path.write_text("# Performance\n\nhalf a soak <!-- soak:start --> never closed\n")
    doc = write_document(_two_size_run(), path).read_text()
    assert "soak:start" not in doc and "half a soak" not in doc


def test_document_says_when_a_benchmark_failed(run_all: ModuleType, tmp_path: Path) -> None:
    run_all_report = importlib.import_module("run_all_report")
    size = _size(5_000, 100_000, 1_250, features_s=1.0) | {"failed": ["serve"]}
    del size["serve"]
    machine = dict.fromkeys(("date", "cpu", "os", "python", "numpy", "implicit", "git"), "x")
    run = {
        "machine": machine | {"cores": 2, "ram_gib": 1.0, "load_average": [0.0, 0.0, 0.0]},
        "settings": {
            "tuning_budget_s": 1.0,
            "serve_duration_s": 1.0,
            "serve_rounds": 1,
            "core_rounds": 1,
            "blas_threads": "1",
        },
        "sizes": [size],
    }
    doc = run_all_report.write_document(run, tmp_path / "performance.md").read_text()
    assert "**Incomplete run**: these benchmarks failed and show n/a: 5,000 employees: serve" in doc
    assert "| 5,000 | POST /recommend | n/a |" in doc


def test_core_json_is_read_in_both_layouts(run_all: ModuleType) -> None:
    normalise = importlib.import_module("run_all_parse").normalise_core
    known = {"n": 300.0, "median": 0.5, "p90": 0.6, "p99": 1.1}
    flat = {"known": known, "all": known, "batch": {"n": 470.0, "per_query_ms": 0.8}}
    nested = {"all_samples": {"known": known}, "best_of_rounds": {"known": known}}
    assert normalise(flat) == {
        "groups": {"known": known, "all": known},
        "best": {},
        "batch_ms": 0.8,
    }
    got = normalise(nested | {"batch_per_query_ms": 0.9})
    assert got == {"groups": {"known": known}, "best": {"known": known}, "batch_ms": 0.9}


def test_run_records_each_step_with_its_load_average(run_all: ModuleType, tmp_path: Path) -> None:
    size: dict[str, object] = {"employees": 1}
    run_all._run("noop", [sys.executable, "-c", "pass"], tmp_path, record=size)
    step = size["steps"]["noop"]  # type: ignore[index]
    assert set(step) == {"seconds", "peak_rss_mib", "load_average"}
    assert 0 <= step["load_average"]["mean"] <= step["load_average"]["max"]


def test_load_sampler_keeps_mean_and_max(run_all: ModuleType) -> None:
    monitor = importlib.import_module("run_all_monitor")
    sampler = monitor.LoadSampler(period_s=0.01)
    sampler.samples = [1.0, 3.0]
    summary = sampler.summary()  # adds the load now, which is >= 0
    assert summary["max"] >= 3.0 and summary["mean"] >= 4.0 / 3


def test_merge_keeps_the_sizes_not_measured_again(run_all: ModuleType) -> None:
    old = [{"employees": n, "tag": "old"} for n in (5_000, 100_000, 1_000_000)]
    new = [{"employees": 1_000_000, "tag": "new"}]
    merged = run_all.merge_sizes(new, old)
    assert [(s["employees"], s["tag"]) for s in merged] == [
        (5_000, "old"),
        (100_000, "old"),
        (1_000_000, "new"),
    ]
    assert run_all.merge_sizes(new, []) == new


def _million(total_s: float, peak_mib: float, p99_ms: float) -> dict[str, object]:
    size = _size(1_000_000, 17_000_000, 20_000, features_s=50.0)
    size["train"]["total_s"] = total_s  # type: ignore[index]
    for name, stage in size["train"]["stages"].items():  # type: ignore[index]
        stage["cpu_s"] = 800.0 if name == "load" else 1.0
    size["train"]["process_peak_mib"] = peak_mib  # type: ignore[index]
    size["serve"]["recommend"]["p99_ms"] = p99_ms  # type: ignore[index]
    size["measured"] = {"date": "2026-01-02 00:00 UTC", "git": "def5678", "load_average": [1.0]}
    load = {"mean": 9.5, "max": 12.25}
    size["steps"] = {
        "train": {"seconds": total_s + 5, "peak_rss_mib": peak_mib, "load_average": load}
    }
    return size


def test_measured_million_section_states_each_aim(run_all: ModuleType, tmp_path: Path) -> None:
    report = importlib.import_module("run_all_report")
    run = _two_size_run()
    run["sizes"].append(_million(total_s=540.0, peak_mib=9 * 1024.0, p99_ms=40.0))  # type: ignore[attr-defined]
    earlier = _million(total_s=660.0, peak_mib=10 * 1024.0, p99_ms=46.0)
    run["compare"] = {"machine": {"git": "0ld0000", "date": "2026-01-01"}, "size": earlier}
    doc = report.write_document(run, tmp_path / "performance.md").read_text()
    assert "## 1,000,000 employees\n" in doc and "not measured in this run" not in doc
    assert (
        "| training, including a 30 s tuning budget | ≤ 10 min | 540 s (9.0 min) | **holds** |"
        in doc
    )
    assert "| training peak memory (RSS) | ≤ 8 GiB | 9.00 GiB | **does not hold** |" in doc
    assert "| ≤ 50 ms | 40.0 ms | **holds** |" in doc
    header = "| stage | wall s | CPU s | peak RSS GiB | `0ld0000` wall s | `0ld0000` CPU s |"
    assert header in doc
    assert "| load | 1,000.0 | 800.0 | 0.29 | 1,000.0 | 800.0 | 0.29 |" in doc
    assert "| **total** | 540.0 | 807.0 | 9.00 | 660.0 | 807.0 | 10.00 |" in doc
    assert "| 545 | 9.00 | 9.5 (max 12.2) |" in doc  # the step with its load average
    assert "### 100,000 → 1,000,000 employees" in doc  # scaling covers the new pair


def _fake_generator(root: Path, body: str) -> None:
    for source in ("src/recsvc/sample/x.py", "src/recsvc/contract.py", "src/recsvc/data/t.csv"):
        (root / source).parent.mkdir(parents=True, exist_ok=True)
        (root / source).write_text(body)


def test_a_sample_is_reused_only_while_its_generator_is_unchanged(
    run_all: ModuleType, tmp_path: Path
) -> None:
    sample = importlib.import_module("run_all_sample")
    root, folder = tmp_path / "repo", tmp_path / "sample"
    _fake_generator(root, "v1")
    key = sample.generator_key(1_000, 42, root)
    assert sample.generator_key(1_000, 42, root) == key
    assert sample.generator_key(1_000, 7, root) != key
    assert sample.reusable(folder, key) is None  # nothing written yet
    (folder / "parquet").mkdir(parents=True)
    sample.remember(folder, key, {"generate_s": 1.5}, {"seconds": 2.0})
    assert sample.reusable(folder, key) == {
        "key": key,
        "figures": {"generate_s": 1.5},
        "step": {"seconds": 2.0},
    }
    _fake_generator(root, "v2")  # the generator changed: regenerate
    assert sample.reusable(folder, sample.generator_key(1_000, 42, root)) is None
    (folder / "parquet").rmdir()  # the tables are gone: regenerate
    assert sample.reusable(folder, key) is None


def test_probe_section_points_to_the_size_with_the_same_catalogue(
    run_all: ModuleType, tmp_path: Path
) -> None:
    report = importlib.import_module("run_all_report")
    run = _two_size_run()
    million = _million(total_s=540.0, peak_mib=1024.0, p99_ms=40.0)
    million["probe"] = {"items": 20_000, "same_catalogue_as": 100_000}
    run["sizes"].append(million)  # type: ignore[attr-defined]
    doc = report.write_document(run, tmp_path / "performance.md").read_text()
    assert "| catalogue items | 1,250 | 20,000 | 20,000 |" in doc
    assert "| item-item kNN graph s | 1.56 | 400.00 | as 100,000 (same catalogue) |" in doc


def test_report_takes_the_sizes_of_another_run(run_all: ModuleType, tmp_path: Path) -> None:
    import json

    out, other = tmp_path / "out", tmp_path / "million.json"
    out.mkdir()
    stale = _two_size_run()
    stale["sizes"].append(_million(total_s=999.0, peak_mib=1024.0, p99_ms=9.0))  # type: ignore[attr-defined]
    (out / "results.json").write_text(json.dumps(stale))
    other.write_text(json.dumps({"sizes": [_million(total_s=540.0, peak_mib=1024.0, p99_ms=9.0)]}))
    doc = tmp_path / "performance.md"
    argv = ["--out", str(out), "--report-only", "--sizes-from", str(other), "--doc", str(doc)]
    assert run_all.main(argv) == 0
    text = doc.read_text()
    assert "for 5,000, 100,000 and 1,000,000 employees" in text
    assert "### 100,000 → 1,000,000 employees" in text and "## 1,000,000 employees\n" in text
    assert "540 s (9.0 min)" in text and "999 s" not in text  # the other run's size wins
    saved = json.loads((out / "results.json").read_text())
    assert [s["employees"] for s in saved["sizes"]] == [5_000, 100_000, 1_000_000]


def test_million_section_says_when_training_was_killed(run_all: ModuleType, tmp_path: Path) -> None:
    report = importlib.import_module("run_all_report")
    run = _two_size_run()
    killed = _million(total_s=0.0, peak_mib=19_500.0, p99_ms=0.0)
    killed["train"] = {"process_peak_mib": 19_500.0, "wall_s": 3227.0, "returncode": -9}  # type: ignore[index]
    del killed["serve"]
    killed["failed"] = ["core", "serve", "train"]
    run["sizes"].append(killed)  # type: ignore[attr-defined]
    doc = report.write_document(run, tmp_path / "performance.md").read_text()
    assert "**Training did not finish**: the process was killed (SIGKILL" in doc
    assert "after 3,227 s, at a peak RSS of 19.0 GiB" in doc
    assert "| did not finish (3,227 s) | **no** |" in doc
    assert "| training peak memory (RSS) | ≤ 8 GiB | 19.04 GiB | **does not hold** |" in doc


def test_bench_keeps_the_hand_written_sections(run_all: ModuleType, tmp_path: Path) -> None:
    report = importlib.import_module("run_all_report")
    path = tmp_path / "performance.md"
    blocks = [f"{a}\n### by hand {i}\n{b}" for i, (a, b) in enumerate(report.KEPT_BY_HAND)]
    path.write_text("# old page\n\n" + "\n\nprose\n\n".join(blocks) + "\n")
    doc = report.write_document(_two_size_run("New CPU"), path).read_text()
    assert "New CPU" in doc and all(block in doc for block in blocks)


def test_million_section_says_what_the_trainer_cut(run_all: ModuleType, tmp_path: Path) -> None:
    """The fit budget's and EASE's notes come from the trained bundle's manifest."""
    import json

    report = importlib.import_module("run_all_report")
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    params = {
        "ease": "skipped: 20,000 items > 10,000",
        "mf_budget": {"bpr": "bpr skipped: too slow here"},
        "hyperparams": {"mf_algorithm": "als"},
    }
    (bundle / "manifest.json").write_text(json.dumps({"params": params}))
    run = _two_size_run()
    million = _million(total_s=540.0, peak_mib=6 * 1024.0, p99_ms=40.0)
    million["train"]["bundle_path"] = str(bundle)  # type: ignore[index]
    million["serve"] |= {"rounds": 3, "duration_s": 10.0}  # type: ignore[operator]
    run["sizes"].append(million)  # type: ignore[attr-defined]
    doc = report.write_document(run, tmp_path / "performance.md").read_text()
    assert "wrk with 16 connections, the median of 3 rounds of 10 s each)" in doc
    assert (
        "What the trainer cut at this size (the bundle's manifest; factor model: als): EASE "
        "skipped: 20,000 items > 10,000; bpr skipped: too slow here." in doc
    )
    (bundle / "manifest.json").unlink()  # no bundle left: nothing said, nothing made up
    doc = report.write_document(run, tmp_path / "performance.md").read_text()
    assert "What the trainer cut" not in doc
