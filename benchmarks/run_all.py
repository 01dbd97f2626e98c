"""`make bench`: run every benchmark per sample size, print one table, write docs/performance.md.

    .venv/bin/python benchmarks/run_all.py [--max-employees 1000000] [--sizes N ...]
        [--budget 60] [--serve-duration 10] [--serve-rounds 1] [--report-only]
        [--fresh-sample] [--compare EARLIER_RESULTS_JSON]

For 5,000, 100,000 and 1,000,000 employees (``--max-employees 100000`` stops before the
million) it runs the other benchmark scripts as separate processes, so each figure comes
from a fresh interpreter: ``bench_sample.py`` (generate and write; a sample is reused while
the generator is unchanged, see run_all_sample.py), ``bench_train.py`` (wall time and peak
RSS per training stage on that sample, bundle size; the process's own peak RSS is taken
from the kernel on exit), ``run_all_probe.py`` (the parts of the `features` stage, to
explain how it scales; not repeated for a size with the same catalogue as a smaller one),
``bench_core.py`` (in-process latency of the recommendation core), ``bench_serve.py``
(``/recommend`` beside ``/health`` from wrk in a separate process, while this driver samples
the service process's memory) and ``bench_careers.py`` (latency of ``/plan``,
``/employees/{id}/next-roles`` and ``/audience`` over HTTP). Every step records its wall
time, peak memory and the load average it ran under. Raw figures go to
``build/bench/run_all/results.json``; sizes not measured again (``--sizes 1000000``) keep
their last figures there; ``--report-only`` rewrites the document from them without
measuring again.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from run_all_monitor import LoadSampler, ServiceMemory
from run_all_parse import normalise_core, parse_sample, parse_serve, parse_train
from run_all_sample import STAMP, generator_key, remember, reusable

__all__ = ["STEPS", "ServiceMemory", "main", "merge_sizes", "run_size"]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DEFAULT_SIZES = (5_000, 100_000, 1_000_000)
MILLION = 1_000_000
PARQUET_ONLY_FROM = MILLION
SEED = 42  # sizes written as Parquet only (no CSV copy)
OUT = ROOT / "build" / "bench" / "run_all"
DOC = ROOT / "docs" / "performance.md"
BLAS_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}

logger = logging.getLogger("run_all")
Result = dict[str, Any]


def _run(
    name: str,
    command: list[str],
    logs: Path,
    *,
    watch: bool = False,
    record: Result | None = None,
) -> Result:
    """Run one benchmark process; its output, wall time, peak RSS (from wait4) and the load
    average meanwhile. ``record`` (a size's result) gets those three under ``steps``."""
    logs.mkdir(parents=True, exist_ok=True)
    out_path, err_path = logs / f"{name}.out", logs / f"{name}.err"
    env = {**os.environ, **{k: os.environ.get(k, v) for k, v in BLAS_ENV.items()}}
    started = time.perf_counter()
    load = LoadSampler()
    load.start()
    with out_path.open("w") as out, err_path.open("w") as err:
        process = subprocess.Popen(command, stdout=out, stderr=err, env=env, cwd=ROOT)
        monitor = ServiceMemory(process.pid) if watch else None
        if monitor:
            monitor.start()
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
        if monitor:
            monitor.stop.set()
            monitor.join()
    seconds = time.perf_counter() - started
    load.stop.set()
    load.join()
    result: Result = {
        "returncode": process.returncode,
        "seconds": round(seconds, 2),
        "peak_rss_mib": round(usage.ru_maxrss / 1024, 1),
        "load_average": load.summary(),
        "stdout": out_path.read_text(),
        "stderr": err_path.read_text(),
    }
    if monitor:
        for key, kib in (("rss", monitor.rss_kib), ("peak", monitor.peak_kib)):
            result[f"service_{key}_mib"] = round(kib / 1024, 1) if kib else None
        result["service_ready_mib"] = round(monitor.ready_kib / 1024, 1) or None
    if record is not None:
        record.setdefault("steps", {})[name] = {
            k: result[k] for k in ("seconds", "peak_rss_mib", "load_average")
        }
    if process.returncode != 0:
        logger.warning("%s exited with %s; see %s", name, process.returncode, err_path)
    return result


STEPS = ("sample", "probe", "train", "core", "serve", "careers")
#: the settings each step's figures depend on
RERUN = {
    "train": ("tuning_budget_s",),
    "core": ("core_rounds",),
    "serve": ("serve_duration_s", "serve_rounds"),
}


def _sample(n: int, args: argparse.Namespace, work: Path, result: Result) -> bool:
    folder, key = work / "sample", generator_key(n, SEED)
    stamp = None if args.fresh_sample else reusable(folder, key)
    if stamp is not None:  # same generator, seed and numpy: the same tables as last time
        logger.info("[%s] sample: reusing %s (generator unchanged)", f"{n:,}", _shown(folder))
        result["sample"] = stamp["figures"] | {"reused": True}
        result.setdefault("steps", {})["sample"] = stamp["step"] | {"reused": True}
        return True
    (folder / STAMP).unlink(missing_ok=True)
    command = [sys.executable, str(HERE / "bench_sample.py"), "--employees", str(n)]
    command += ["--seed", str(SEED)]
    if n >= PARQUET_ONLY_FROM:  # training reads Parquet; a CSV copy would only cost time
        command += ["--formats", "parquet"]
    done = _run("sample", [*command, "--out", str(folder)], work / "logs", record=result)
    result["sample"] = parse_sample(done["stderr"]) | {"process_peak_mib": done["peak_rss_mib"]}
    if done["returncode"] != 0:
        return False
    remember(folder, key, result["sample"], result["steps"]["sample"])
    return True


def _probe(n: int, args: argparse.Namespace, work: Path, result: Result) -> bool:
    from recsvc.sample.organisation import default_content_count

    items = default_content_count(n)
    same = [
        m for m in {*DEFAULT_SIZES, *_sizes(args)} if m < n and default_content_count(m) == items
    ]
    if same:  # the identical catalogue (its own random stream): the features stage is the same
        result["probe"] = {"items": items, "same_catalogue_as": max(same)}
        logger.info(
            "[%s] probe: same catalogue as %s, not probed again", f"{n:,}", f"{max(same):,}"
        )
        return True
    command = [sys.executable, str(HERE / "run_all_probe.py"), str(work / "sample" / "parquet")]
    done = _run("probe", command, work / "logs", record=result)
    if done["returncode"] != 0 or not done["stdout"].strip():
        return False
    result["probe"] = json.loads(done["stdout"].strip().splitlines()[-1])
    return True


def _train(n: int, args: argparse.Namespace, work: Path, result: Result) -> bool:
    from recsvc.training.pipeline import STAGES

    command = [sys.executable, str(HERE / "bench_train.py"), str(n), "--budget", str(args.budget)]
    data = work / "sample" / "parquet"  # the sample step's: generate it once per size
    command += ["--data", str(data)] if data.is_dir() else []
    done = _run("train", [*command, "--out", str(work / "train")], work / "logs", record=result)
    train = result["train"] = parse_train(done["stdout"], STAGES)
    # the trainer resets the kernel's high-water mark per stage (clear_refs), which also lowers
    # what wait4 reports, so the process peak is the larger of that and every stage's peak
    stage_peaks = [st["peak_rss_mib"] for st in train["stages"].values()]
    train["process_peak_mib"] = max([done["peak_rss_mib"], *stage_peaks])
    train["wall_s"] = done["seconds"]
    train["returncode"] = done["returncode"]  # -9: killed, e.g. by the out-of-memory killer
    return bool(done["returncode"] == 0 and "bundle_path" in train)


def _models(result: Result) -> str:
    return str(Path(result["train"]["bundle_path"]).parent)


def _core(n: int, args: argparse.Namespace, work: Path, result: Result) -> bool:
    out = work / "core.json"
    command = [sys.executable, str(HERE / "bench_core.py"), "--models", _models(result)]
    command += ["--json", str(out), "--rounds", str(args.core_rounds)]
    out.unlink(missing_ok=True)
    done = _run("core", command, work / "logs", record=result)
    if done["returncode"] != 0 or not out.is_file():
        return False
    result["core"] = normalise_core(json.loads(out.read_text()))
    return bool(result["core"]["groups"])


def _careers(n: int, args: argparse.Namespace, work: Path, result: Result) -> bool:
    out = work / "careers.json"
    command = [sys.executable, str(HERE / "bench_careers.py"), "--models", _models(result)]
    out.unlink(missing_ok=True)
    done = _run("careers", [*command, "--json", str(out)], work / "logs", record=result)
    if done["returncode"] != 0 or not out.is_file():
        return False
    result["careers"] = json.loads(out.read_text())
    return bool(result["careers"]["endpoints"])


def _serve(n: int, args: argparse.Namespace, work: Path, result: Result) -> bool:
    command = [sys.executable, str(HERE / "bench_serve.py"), "--models", _models(result)]
    command += ["--duration", str(args.serve_duration), "--rounds", str(args.serve_rounds)]
    done = _run("serve", command, work / "logs", watch=True, record=result)
    serve = result["serve"] = parse_serve(done["stdout"])
    serve["rounds"], serve["duration_s"] = args.serve_rounds, args.serve_duration
    serve["memory"] = {
        "ready_mib": done.get("service_ready_mib"),
        "rss_mib": done.get("service_rss_mib"),
        "peak_mib": done.get("service_peak_mib"),
    }
    return bool(done["returncode"] == 0 and {"health", "recommend"} <= set(serve))


def run_size(
    n: int, args: argparse.Namespace, steps: tuple[str, ...] = STEPS, before: Result | None = None
) -> Result:
    """Every benchmark step for one sample size, each in its own process.

    ``before`` (a previous result for this size) keeps the figures of steps not rerun, so one
    failed step can be measured again without retraining.
    """
    work = args.out / str(n)
    result: Result = {"employees": n, **(before or {})}
    failed = set(result.get("failed", [])) - set(steps)
    runners = {"sample": _sample, "probe": _probe, "train": _train, "core": _core}
    runners["serve"] = _serve
    runners["careers"] = _careers
    for step in (s for s in STEPS if s in steps):
        if step in ("core", "serve", "careers") and "bundle_path" not in result.get("train", {}):
            failed.add(step)  # nothing to load: training failed or never ran
            continue
        logger.info("[%s] %s", f"{n:,}", step)
        if not runners[step](n, args, work, result):
            failed.add(step)
            logger.warning("[%s] %s failed; see %s", f"{n:,}", step, work / "logs")
    result["failed"] = sorted(failed)
    return result


def _sizes(args: argparse.Namespace) -> list[int]:
    if args.sizes:
        return sorted(set(args.sizes))
    return [n for n in DEFAULT_SIZES if n <= args.max_employees]


def main(argv: list[str] | None = None) -> int:
    from run_all_report import machine_info, summary_table, write_document

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-employees", type=int, default=MILLION)
    parser.add_argument("--sizes", type=int, nargs="+", help="explicit sizes (development)")
    parser.add_argument(
        "--budget",
        type=float,
        default=60.0,
        help="tuning seconds per training (the 1M target includes 60)",
    )
    parser.add_argument("--serve-duration", type=float, default=10.0, help="seconds per wrk run")
    parser.add_argument("--serve-rounds", type=int, default=1)
    parser.add_argument("--core-rounds", type=int, default=3)
    parser.add_argument("--out", type=Path, default=OUT, help="work folder (bundles, logs)")
    parser.add_argument("--doc", type=Path, default=DOC, help="the document to (re)write")
    parser.add_argument("--report-only", action="store_true", help="rewrite the doc only")
    parser.add_argument(
        "--fresh-sample",
        action="store_true",
        help="generate every sample again even when the generator has not changed",
    )
    parser.add_argument(
        "--sizes-from",
        type=Path,
        nargs="+",
        default=[],
        help="results.json of other runs (another --out): their sizes replace those this "
        "run did not measure",
    )
    parser.add_argument(
        "--compare",
        type=Path,
        help="an earlier results.json whose 1,000,000-employee stages the doc shows beside",
    )
    parser.add_argument(
        "--steps",
        nargs="+",
        choices=STEPS,
        default=list(STEPS),
        help="rerun only these steps, keeping the other figures of the last run",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S")
    results_path = args.out / "results.json"
    measured: list[int] = []
    if args.report_only:
        run = json.loads(results_path.read_text())
    else:
        steps = tuple(args.steps)
        earlier = json.loads(results_path.read_text()) if results_path.is_file() else {}
        partial = set(steps) != set(STEPS) and bool(earlier)
        last = earlier if partial else {"sizes": []}
        previous = {s["employees"]: s for s in last["sizes"]}
        settings = _settings(args)
        if partial:  # figures of the steps not rerun were measured with the last settings
            settings = last["settings"] | {k: settings[k] for s in steps for k in RERUN.get(s, ())}
        machine = machine_info()
        run = {"machine": machine, "settings": settings, "sizes": []}
        args.out.mkdir(parents=True, exist_ok=True)
        measured = _sizes(args)
        # sizes not measured now keep their last figures (`make bench-1m` keeps the smaller
        # sizes of the last full run); each size records when and at which commit it was run
        if "compare" in earlier:
            run["compare"] = earlier["compare"]
        for n in measured:
            size = run_size(n, args, steps, previous.get(n))
            size["measured"] = {k: machine[k] for k in ("date", "git", "load_average")}
            run["sizes"].append(size)
            with_kept = merge_sizes(run["sizes"], earlier.get("sizes", []))
            results_path.write_text(json.dumps(run | {"sizes": with_kept}, indent=2) + "\n")
        run["sizes"] = merge_sizes(run["sizes"], earlier.get("sizes", []))
    fresh = [s for s in run["sizes"] if s["employees"] in measured]
    for other in args.sizes_from:  # e.g. a 1,000,000-employee run made with its own --out
        theirs = merge_sizes(json.loads(other.read_text())["sizes"], run["sizes"])
        run["sizes"] = merge_sizes(fresh, theirs)  # what this run measured wins, then theirs
    if args.compare:
        run["compare"] = _earlier_million(args.compare)
    results_path.write_text(json.dumps(run, indent=2) + "\n")
    sys.stdout.write(summary_table(run) + "\n")
    write_document(run, args.doc)
    logger.info("wrote %s and %s", args.doc, results_path)
    failed = [f"{s['employees']:,}: {name}" for s in run["sizes"] for name in s.get("failed", [])]
    if failed:
        logger.error("failed (see the logs under %s): %s", _shown(args.out), ", ".join(failed))
    return 1 if failed else 0


def merge_sizes(measured: list[Result], earlier: list[Result]) -> list[Result]:
    """This run's sizes plus the earlier run's sizes it did not measure, smallest first.

    So `make bench-1m` (1,000,000 only) keeps the 5,000 and 100,000 figures of the last full
    run in the document; each size's ``measured`` says when and at which commit it ran.
    """
    done = {s["employees"] for s in measured}
    kept = [s for s in earlier if s["employees"] not in done]
    return sorted([*measured, *kept], key=lambda s: int(s["employees"]))


def _earlier_million(path: Path) -> Result:
    """The 1,000,000-employee figures of an earlier results.json, for the doc's comparison."""
    earlier = json.loads(path.read_text())
    found = [s for s in earlier["sizes"] if s["employees"] == MILLION]
    if not found:
        raise SystemExit(f"--compare {path}: that run has no 1,000,000-employee figures")
    machine = found[0].get("measured") or earlier["machine"]
    return {"machine": machine, "size": found[0]}


def _shown(path: Path) -> str:
    """A path relative to the repository when it is inside it (no machine paths in docs)."""
    resolved = path.resolve()
    return str(resolved.relative_to(ROOT)) if resolved.is_relative_to(ROOT) else path.name


def _settings(args: argparse.Namespace) -> Result:
    return {
        "tuning_budget_s": args.budget,
        "serve_duration_s": args.serve_duration,
        "serve_rounds": args.serve_rounds,
        "core_rounds": args.core_rounds,
        "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "1"),
        "results": _shown(args.out / "results.json"),
    }


if __name__ == "__main__":
    raise SystemExit(main())
