"""The "1,000,000 employees" section of docs/performance.md, from a measured 1M run.

It holds the product's scale targets beside what was measured (training at most 10 minutes including
a 60 s tuning budget and at most 8 GiB; ``/recommend`` p99 at most 50 ms), every benchmark
step with the load average it ran under (the machine is shared), and, when ``run_all.py
--compare`` named an earlier results file, that run's stages beside this one's.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from run_all_format import fmt, get, md_table

__all__ = ["AIMS", "MILLION", "measured_million_section"]

Result = dict[str, Any]
MILLION = 1_000_000
#: the scale targets of the 1,000,000-employee run
AIMS = {"train_s": 600.0, "train_peak_gib": 8.0, "recommend_p99_ms": 50.0}
STEP_LABELS = {
    "sample": "generate the sample and write it as Parquet (`bench_sample.py`)",
    "probe": "load it again and time the parts of `features` (`run_all_probe.py`)",
    "train": "`recsvc train` on the Parquet sample, and the core's latency (`bench_train.py`)",
    "core": "the recommendation core in process (`bench_core.py`)",
    "serve": "the service under wrk: `/health`, `/recommend` (`bench_serve.py`)",
    "careers": "career endpoints over HTTP (`bench_careers.py`)",
}


def _gib(mib: float | None) -> float | None:
    return None if mib is None else mib / 1024


def _verdict(value: float | None, aim: float) -> str:
    if value is None:
        return "not measured"
    return "**holds**" if value <= aim else "**does not hold**"


def _load(step: Result | None) -> str:
    avg = get(step or {}, "load_average")
    return f"{avg['mean']:.1f} (max {avg['max']:.1f})" if avg else "n/a"


def _stage_rows(size: Result, then: Result | None) -> list[list[str]]:
    stages = get(size, "train", "stages") or {}
    old = get(then or {}, "train", "stages") or {}
    rows = []
    for name, st in stages.items():
        row = [name, fmt(st["seconds"], 1), fmt(st.get("cpu_s"), 1)]
        row.append(fmt(_gib(st["peak_rss_mib"]), 2))
        if then is not None:
            before = old.get(name, {})
            row += [fmt(before.get("seconds"), 1), fmt(before.get("cpu_s"), 1)]
            row.append(fmt(_gib(before.get("peak_rss_mib")), 2))
        rows.append(row)
    total = ["**total**", fmt(get(size, "train", "total_s"), 1), fmt(_cpu(size), 1)]
    total.append(fmt(_gib(get(size, "train", "process_peak_mib")), 2))
    if then is not None:
        total += [fmt(get(then, "train", "total_s"), 1), fmt(_cpu(then), 1)]
        total.append(fmt(_gib(get(then, "train", "process_peak_mib")), 2))
    return [*rows, total]


def _cpu(size: Result) -> float | None:
    """CPU seconds of the whole training, when every stage reported them."""
    cpu = [st.get("cpu_s") for st in (get(size, "train", "stages") or {}).values()]
    return sum(cpu) if cpu and None not in cpu else None


def _failure(size: Result) -> str:
    """What became of a training that did not finish, in words."""
    code = get(size, "train", "returncode")
    if code in (None, 0) or get(size, "train", "total_s") is not None:
        return ""
    seconds = get(size, "train", "wall_s")
    peak = _gib(get(size, "train", "process_peak_mib"))
    why = {
        -9: "killed (SIGKILL: on Linux the kernel's out-of-memory killer, when the machine's "
        "memory ran out)",
        -15: "stopped (SIGTERM: by hand, out of time)",
    }.get(code, f"exited with status {code}")
    stages = get(size, "train", "stages") or {}
    done = sum(st["seconds"] for st in stages.values())
    running = (
        f" The stages in the table below finished in {fmt(done, 0)} s; the next one in the "
        f"trainer's order was still running {fmt(seconds - done, 0)} s later."
        if stages and seconds
        else ""
    )
    return (
        f"**Training did not finish**: the process was {why} after {fmt(seconds, 0)} s, at a "
        f"peak RSS of {fmt(peak, 1)} GiB.{running} No bundle, so nothing was served; the "
        "figures below that need one are n/a.\n"
    )


def _aims(size: Result, budget: float) -> str:
    total = get(size, "train", "total_s")
    peak = _gib(get(size, "train", "process_peak_mib"))
    p99 = get(size, "serve", "recommend", "p99_ms")
    took = f"{fmt(total, 0)} s ({fmt(total / 60 if total else None, 1)} min)"
    verdict = _verdict(total, AIMS["train_s"])
    if _failure(size):
        took, verdict = f"did not finish ({fmt(get(size, 'train', 'wall_s'), 0)} s)", "**no**"
    rows = [
        [
            f"training, including a {budget:g} s tuning budget",
            f"≤ {AIMS['train_s'] / 60:g} min",
            took,
            verdict,
        ],
        [
            "training peak memory (RSS)",
            f"≤ {AIMS['train_peak_gib']:g} GiB",
            f"{fmt(peak, 2)} GiB",
            _verdict(peak, AIMS["train_peak_gib"]),
        ],
        [
            "`/recommend` p99, one worker, 16 connections",
            f"≤ {AIMS['recommend_p99_ms']:g} ms",
            f"{fmt(p99, 1)} ms",
            _verdict(p99, AIMS["recommend_p99_ms"]),
        ],
    ]
    return md_table(["target", "bar", "measured", "verdict"], rows)


def _steps(size: Result) -> str:
    steps = get(size, "steps") or {}
    rows = [
        [
            name,
            STEP_LABELS.get(name, name)
            + (" (reused: made by an earlier run)" * bool(st.get("reused"))),
            fmt(st.get("seconds"), 0),
        ]
        + [fmt(_gib(st.get("peak_rss_mib")), 2), _load(st)]
        for name, st in steps.items()
    ]
    total = sum(st.get("seconds") or 0.0 for st in steps.values())
    rows.append(["**all**", "", fmt(total, 0), "", ""])
    header = ["step", "what", "wall s", "process peak GiB", "load average (1 min): mean (max)"]
    return md_table(header, rows)


def _trainer_notes(size: Result) -> str:
    """What the trainer left out or cut down at this size, from the bundle's manifest."""
    path = get(size, "train", "bundle_path")
    try:
        params = json.loads((Path(path) / "manifest.json").read_text())["params"]
    except (TypeError, OSError, ValueError, KeyError):
        return ""
    ease = str(params.get("ease", "on"))
    notes = ([] if ease == "on" else [f"EASE {ease}"]) + list(
        (params.get("mf_budget") or {}).values()
    )
    model = (params.get("hyperparams") or {}).get("mf_algorithm")
    if not notes:
        return ""
    return (
        f"What the trainer cut at this size (the bundle's manifest; factor model: {model}): "
        + "; ".join(notes)
        + "."
    )


def _service(size: Result) -> str:
    health, rec = get(size, "serve", "health") or {}, get(size, "serve", "recommend") or {}
    memory = get(size, "serve", "memory") or {}
    ratio = ""
    if health.get("p50_ms") and rec.get("p50_ms") and health.get("rps"):
        ratio = (
            f" `/recommend` p50 is ×{rec['p50_ms'] / health['p50_ms']:.1f} `/health`'s and its "
            f"throughput ×{rec['rps'] / health['rps']:.2f}."
        )
    rounds = get(size, "serve", "rounds")
    how = (
        f", the median of {rounds} rounds of {get(size, 'serve', 'duration_s'):g} s each"
        if rounds
        else ""
    )
    return (
        f"Served (one uvicorn worker, wrk with 16 connections{how}): `/recommend` "
        f"{fmt(rec.get('rps'), 0)} req/s, p50 {fmt(rec.get('p50_ms'), 1)} ms, p99 "
        f"{fmt(rec.get('p99_ms'), 1)} ms ({fmt(rec.get('failed'))} failed) beside `/health` "
        f"{fmt(health.get('rps'), 0)} req/s, p50 {fmt(health.get('p50_ms'), 1)} ms, p99 "
        f"{fmt(health.get('p99_ms'), 1)} ms.{ratio} Service RSS: "
        f"{fmt(memory.get('ready_mib'), 0)} MiB when ready, {fmt(memory.get('rss_mib'), 0)} MiB "
        f"under load (bundle {fmt(get(size, 'train', 'bundle_mib'), 0)} MiB on disk, "
        "memory-mapped). The core alone (in process, known employees): p50 / p99 "
        f"{fmt(get(size, 'core', 'groups', 'known', 'median'), 2)} / "
        f"{fmt(get(size, 'core', 'groups', 'known', 'p99'), 2)} ms."
    )


def measured_million_section(size: Result, budget: float, compare: Result | None = None) -> str:
    """The section for a measured 1,000,000-employee run (``compare``: an earlier 1M run)."""
    rows = get(size, "train", "rows") or {}
    sample = get(size, "sample") or {}
    then = get(compare or {}, "size")
    header = ["stage", "wall s", "CPU s", "peak RSS GiB"]
    if then is not None:
        label = f"`{get(compare or {}, 'machine', 'git')}`"
        header += [f"{label} wall s", f"{label} CPU s", f"{label} peak GiB"]
    text = [
        "## 1,000,000 employees",
        "",
        f"Measured {get(size, 'measured', 'date') or ''} at `{get(size, 'measured', 'git')}` "
        f"by `make bench` on the 1,000,000-employee sample: "
        f"{fmt(rows.get('enrolments'))} enrolments, {fmt(rows.get('assessments'))} "
        f"assessments, {fmt(rows.get('content'))} content items (Parquet, "
        f"{fmt(sample.get('parquet_mib'), 0)} MiB; generated in {fmt(sample.get('generate_s'))} "
        f"s, written in {fmt(sample.get('write_parquet_s'))} s, peak "
        f"{fmt(_gib(sample.get('peak_rss_mib')), 2)} GiB).",
        "",
        _failure(size),
        _aims(size, budget),
        "",
        "Training per stage: wall time, CPU seconds of the training process (all its "
        "threads; on a shared machine they say what a stage costs where wall time also counts "
        "the wait for a core) and peak RSS (the process's high-water mark during the stage)"
        + (", beside an earlier run:" if then is not None else ":"),
        "",
        md_table(header, _stage_rows(size, then)),
        "",
        _trainer_notes(size),
        "",
    ]
    if then is not None:
        text += [
            f"The earlier run: {get(compare or {}, 'machine', 'date')} at "
            f"`{get(compare or {}, 'machine', 'git')}`, training under a load average of "
            f"{_load(get(then, 'steps', 'train'))}.",
            "",
        ]
    text += [
        _service(size),
        "",
        "Every step of the run, each a separate process, with the load average it ran under "
        "(2 shared cores; a load above 2 means the step waited for a core part of the time, "
        "so its wall time overstates what it costs on a machine of its own):",
        "",
        _steps(size),
        "",
    ]
    return "\n".join(text)
