"""Turn run_all.py's measurements into the summary table and docs/performance.md."""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

from run_all_format import fmt, get, md_table, pair
from run_all_million import MILLION, measured_million_section
from run_all_scaling import WHY, million_section, scaling_rows, scaling_section

__all__ = ["machine_info", "summary_table", "write_document"]

Result = dict[str, Any]
ROOT = Path(__file__).resolve().parents[1]
SOAK_START, SOAK_END = "<!-- soak:start -->", "<!-- soak:end -->"  # soak.py's markers
EVENTS_START, EVENTS_END = "<!-- events:start -->", "<!-- events:end -->"  # bench_events.py's
STAGES_START, STAGES_END = "<!-- stages:start -->", "<!-- stages:end -->"  # bench_stages.py's
#: hand-written sections (measured by bench_ingest.py, bench_people.py) kept across runs
KEPT_BY_HAND = (
    ("<!-- ingest:start -->", "<!-- ingest:end -->"),
    ("<!-- people:start -->", "<!-- people:end -->"),
)
# the latest bench_serve.py / bench_core.py --write-docs runs, kept inside their sections
SERVE_START, SERVE_END = "<!-- serve:start -->", "<!-- serve:end -->"
CORE_START, CORE_END = "<!-- core:start -->", "<!-- core:end -->"
#: the careers table: `make bench` writes it; `bench_careers.py --write-docs` rewrites it alone
CAREERS_START, CAREERS_END = "<!-- careers:start -->", "<!-- careers:end -->"


def _read(path: str) -> str:
    try:
        return Path(path).read_text()
    except OSError:
        return ""


def machine_info() -> Result:
    """Where the figures came from: cores, memory, CPU, load at start, date, versions."""
    model = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in _read("/proc/cpuinfo").splitlines()
            if "model name" in ln
        ),
        platform.processor() or "unknown",
    )
    mem = next(
        (ln.split()[1] for ln in _read("/proc/meminfo").splitlines() if ln.startswith("MemTotal")),
        "0",
    )
    try:
        sha = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        sha = "unknown"
    import implicit
    import numpy

    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": model,
        "cores": os.cpu_count(),
        "ram_gib": round(int(mem) / 2**20, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "implicit": implicit.__version__,
        "git": sha,
    }


def summary_table(run: Result) -> str:
    """The compact plain-text table printed at the end of `make bench`."""
    cols: list[tuple[str, Callable[[Result], str]]] = [
        ("employees", lambda s: fmt(s["employees"])),
        ("train s", lambda s: fmt(get(s, "train", "total_s"))),
        ("peak MiB", lambda s: fmt(get(s, "train", "process_peak_mib"), 0)),
        ("bundle MiB", lambda s: fmt(get(s, "train", "bundle_mib"))),
        ("svc RSS MiB", lambda s: fmt(get(s, "serve", "memory", "rss_mib"), 0)),
        ("rec req/s", lambda s: fmt(get(s, "serve", "recommend", "rps"), 0)),
        ("rec p50/p99 ms", lambda s: pair(get(s, "serve", "recommend"))),
        ("health req/s", lambda s: fmt(get(s, "serve", "health", "rps"), 0)),
        ("health p50/p99", lambda s: pair(get(s, "serve", "health"))),
        ("core p50/p99 ms", lambda s: pair(get(s, "core", "groups", "known"), "median")),
        ("plan p50/p99", lambda s: _career_pair(s, "plan")),
        ("next-roles p50/p99", lambda s: _career_pair(s, "next_roles")),
        ("audience p50/p99", lambda s: _career_pair(s, "audience_skill")),
    ]
    rows = [[fn(size) for _, fn in cols] for size in run["sizes"]]
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, (h, _) in enumerate(cols)]
    lines = ["  ".join(h.rjust(w) for (h, _), w in zip(cols, widths, strict=True))]
    lines += ["  ".join(v.rjust(w) for v, w in zip(row, widths, strict=True)) for row in rows]
    sizes = run["sizes"]
    for small, large in zip(sizes, sizes[1:], strict=False):
        for name, ratio, exponent, fast in scaling_rows(small, large):
            if fast:
                lines.append(
                    f"faster than the data, {small['employees']:,} -> {large['employees']:,}: "
                    f"{name} x{ratio:.1f} (exponent {exponent:.2f}); see docs/performance.md"
                )
    return "\n".join(lines)


def _career_pair(size: Result, endpoint: str) -> str:
    row = get(size, "careers", "endpoints", endpoint)
    if not row:
        return "-"
    return f"{fmt(row['p50_ms'])}/{fmt(row['p99_ms'])}"


_CAREER_ROWS = (
    ("next_roles", "GET /employees/{id}/next-roles (k=3)"),
    ("plan", "POST /plan toward the most likely next role (2 h a week, 12 weeks)"),
    ("audience_skill", "POST /audience, one skill, first page"),
    ("audience_item", "POST /audience, one content item, first page"),
    ("audience_skill_department", "POST /audience, one skill within one department"),
)


def careers_table(sizes: list[Result]) -> str:
    """p50 / p95 / p99 per career endpoint (rows) and sample size (columns), as markdown."""
    header = (
        "| endpoint | "
        + " | ".join(f"{s['employees']:,} employees p50 / p95 / p99 ms" for s in sizes)
        + " |"
    )
    lines = [header, "|---|" + "---|" * len(sizes)]
    for key, label in _CAREER_ROWS:
        cells = []
        for s in sizes:
            row = get(s, "careers", "endpoints", key)
            cells.append(
                f"{fmt(row['p50_ms'])} / {fmt(row['p95_ms'])} / {fmt(row['p99_ms'])}"
                if row
                else "-"
            )
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _stage_section(sizes: list[Result]) -> str:
    names = list(dict.fromkeys(n for s in sizes for n in (get(s, "train", "stages") or {})))
    header = ["stage"] + [f"{s['employees']:,}: wall s / CPU s / peak RSS MiB" for s in sizes]
    rows = [
        [name]
        + [
            f"{fmt(get(s, 'train', 'stages', name, 'seconds'), 2)} / "
            f"{fmt(get(s, 'train', 'stages', name, 'cpu_s'), 2)} / "
            f"{fmt(get(s, 'train', 'stages', name, 'peak_rss_mib'), 0)}"
            for s in sizes
        ]
        for name in names
    ]
    rows.append(
        ["**total** (process peak)"]
        + [
            f"{fmt(get(s, 'train', 'total_s'), 2)} / {fmt(get(s, 'train', 'process_peak_mib'), 0)}"
            for s in sizes
        ]
    )
    rows.append(["bundle size MiB"] + [fmt(get(s, "train", "bundle_mib")) for s in sizes])
    rows.append(["tuning budget hit"] + [fmt(get(s, "train", "budget_hit")) for s in sizes])
    return md_table(header, rows)


def _probe_section(sizes: list[Result]) -> str:
    rows: list[tuple[str, str, int]] = [
        ("catalogue items", "items", 0),
        ("item pairs (millions)", "item_pairs_millions", 2),
        ("scikit-learn import s", "sklearn_import_s", 2),
        ("TF-IDF and skill matrices s", "rest_of_content_s", 2),
        ("item-item kNN graph s", "knn_graph_s", 2),
        ("time split s", "time_split_s", 2),
    ]
    header = ["part of `features`"] + [f"{s['employees']:,}" for s in sizes]
    body = [[label] + [_probe_cell(s, key, digits) for s in sizes] for label, key, digits in rows]
    return md_table(header, body)


def _probe_cell(size: Result, key: str, digits: int) -> str:
    same = get(size, "probe", "same_catalogue_as")
    if same and key != "items":  # not probed again: the catalogue of a smaller size
        return f"as {same:,} (same catalogue)"
    return fmt(get(size, "probe", key), digits)


def _data_section(sizes: list[Result]) -> str:
    tables = ["content", "enrolments", "assessments", "content_skills"]
    header = ["employees", *tables, "generate s", "write csv s (MiB)", "write parquet s (MiB)"]
    header.append("peak RSS MiB")
    rows = []
    for s in sizes:
        sample = s.get("sample", {})
        rows.append(
            [fmt(s["employees"])]
            + [fmt(get(s, "train", "rows", t)) for t in tables]
            + [
                fmt(sample.get("generate_s")),
                f"{fmt(sample.get('write_csv_s'))} ({fmt(sample.get('csv_mib'))})",
                f"{fmt(sample.get('write_parquet_s'))} ({fmt(sample.get('parquet_mib'))})",
                fmt(sample.get("peak_rss_mib"), 0),
            ]
        )
    return md_table(header, rows)


def _serve_section(sizes: list[Result]) -> str:
    header = ["employees", "endpoint", "req/s", "p50 ms", "p99 ms", "requests", "failed"]
    header.append("vs /health: p50, req/s")
    rows = []
    for s in sizes:
        health = get(s, "serve", "health") or {}
        for key, label in (("health", "GET /health"), ("recommend", "POST /recommend")):
            m = get(s, "serve", key) or {}
            ratio = "1" if key == "health" and m.get("p50_ms") else "n/a"
            if key == "recommend" and health.get("p50_ms") and m.get("p50_ms"):
                p50 = m["p50_ms"] / health["p50_ms"]
                ratio = f"×{p50:.1f}, ×{m['rps'] / health['rps']:.2f}"
            rows.append(
                [fmt(s["employees"]), label, fmt(m.get("rps"), 0), fmt(m.get("p50_ms"), 2)]
                + [fmt(m.get("p99_ms"), 2), fmt(m.get("requests")), fmt(m.get("failed"))]
                + [ratio]
            )
    mem_header = ["employees", "RSS when ready MiB", "RSS under load MiB", "peak RSS (VmHWM) MiB"]
    mem_rows = [
        [fmt(s["employees"])]
        + [fmt(get(s, "serve", "memory", k), 0) for k in ("ready_mib", "rss_mib", "peak_mib")]
        for s in sizes
    ]
    memory = md_table(mem_header, mem_rows)
    return f"{md_table(header, rows)}\n\nService memory (one uvicorn worker):\n\n{memory}"


def _core_section(sizes: list[Result]) -> str:
    groups = ["known", "cold_role", "cold_popularity", "context", "all"]
    header = ["employees", "calls", *[f"{g} p50 / p99 ms" for g in groups], "batch ms/query"]
    rows = []
    for s in sizes:
        for kind, label in (("groups", "every call"), ("best", "best of rounds")):
            if not get(s, "core", kind):
                continue
            batch = fmt(get(s, "core", "batch_ms"), 3) if kind == "groups" else ""
            rows.append(
                [fmt(s["employees"]), label]
                + [pair(get(s, "core", kind, g), "median") for g in groups]
                + [batch]
            )
    return md_table(header, rows)


def _and(words: list[str]) -> str:
    return " and ".join([", ".join(words[:-1]), words[-1]]) if len(words) > 1 else "".join(words)


def _soak_block(path: Path, first: str = SOAK_START, last: str = SOAK_END) -> str:
    """The section `make soak` (or another script) wrote into ``path`` between its markers
    (markers included), or "" if none."""
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    _, start, rest = text.partition(first)
    inner, end, _ = rest.partition(last)
    return f"{first}{inner}{last}" if start and end else ""


def _inline_block(path: Path, first: str, last: str) -> str:
    """A kept block to place right after a generated section (a blank line before), or ""."""
    block = _soak_block(path, first, last)
    return f"\n\n{block}" if block else ""


def _million(run: Result) -> str:
    """The 1,000,000-employee section: measured, or extrapolated when not run."""
    sizes = run["sizes"]
    million = next((s for s in sizes if s["employees"] == MILLION), None)
    if million is None:
        return million_section(sizes)
    budget = float(run["settings"]["tuning_budget_s"])
    return measured_million_section(million, budget, run.get("compare"))


def _earlier_sizes(run: Result) -> str:
    """A line naming the sizes whose figures come from an earlier run than this one."""
    git = run["machine"]["git"]
    earlier = [
        f"{s['employees']:,} employees on {s['measured']['date']} at `{s['measured']['git']}`"
        for s in run["sizes"]
        if get(s, "measured", "git") not in (None, git)
        or get(s, "measured", "date") not in (None, run["machine"]["date"])
    ]
    if not earlier:
        return ""
    return "Measured in a separate run: " + "; ".join(earlier) + ".\n"


def write_document(run: Result, path: Path) -> Path:
    """Write docs/performance.md from one run's figures, keeping the soak section.

    `make soak` (benchmarks/soak.py) owns the block between the soak markers; regenerating
    the rest must not throw away a soak that takes an hour to measure.
    """
    m, settings, sizes = run["machine"], run["settings"], run["sizes"]
    load = ", ".join(str(x) for x in m["load_average"])
    why_rows = [[f"`{k}`", v] for k, v in WHY.items()]
    doc = f"""# Performance

<!-- GENERATED by `make bench` (benchmarks/run_all.py); do not edit by hand. -->

Measured {m["date"]} at `{m["git"]}` by `make bench`, which runs `benchmarks/run_all.py`:
the sample generator, the trainer, the recommendation core and the HTTP service, each in a
separate process, for {_and([f"{s['employees']:,}" for s in sizes])} employees.
Raw figures: `{settings.get("results", "build/bench/run_all/results.json")}`;
`python benchmarks/run_all.py --report-only` rewrites this page from them.

## Machine

{
        md_table(
            ["what", "value"],
            [
                ["CPU", m["cpu"]],
                ["cores", fmt(m["cores"])],
                ["RAM", f"{m['ram_gib']} GiB"],
                ["load average at start (1, 5, 15 min)", load],
                ["OS", m["os"]],
                ["Python / numpy / implicit", f"{m['python']} / {m['numpy']} / {m['implicit']}"],
            ],
        )
    }

The machine is shared: other work ran beside the benchmark, so wall times depend on how
many processes wanted the two cores (the load average; each step's is in the 1,000,000
section). Training stages also report CPU seconds, which hold where wall time does not; at a
load above 2, wall time is mostly waiting for a core.
{_earlier_sizes(run)}
| setting | value |
|---|---|
| tuning budget per training | {settings["tuning_budget_s"]:g} s |
| BLAS threads | {settings["blas_threads"]} |
| wrk | {settings["serve_duration_s"]:g} s per run, {settings["serve_rounds"]} per endpoint, \
16 connections, one uvicorn worker |
| core latency | {settings["core_rounds"]} rounds of every query |

## Sample data

{_data_section(sizes)}

## Training: wall time and peak memory per stage

Per-stage peak RSS is the process's high-water mark during that stage (reset between
stages); the total's peak is the largest of those and the kernel's figure for the process at
exit. CPU s is the training process's CPU time in the stage (all threads). Training reads
the Parquet sample written above, in its own process.

{_stage_section(sizes)}

The `features` stage broken down (`benchmarks/run_all_probe.py`, a separate process on the
same sample, one BLAS thread):

{_probe_section(sizes)}

## Service: `/recommend` beside `/health`

wrk drives one uvicorn worker over loopback from a separate process, alternating the two
endpoints in the same run; `/recommend` asks for 10 items for varied real employees.

{_serve_section(sizes)}{_inline_block(path, SERVE_START, SERVE_END)}

## Recommendation core alone (in process)

`Recommender.recommend` without HTTP, one BLAS thread (`benchmarks/bench_core.py`): known
employees, newcomers with a role, strangers, and requests with context (project, target
role, request-time history, time budget, formats). "Every call" counts each timed call of
every round; "best of rounds" keeps each query's fastest round, which removes most of the
noise of a shared machine.

{_core_section(sizes)}{_inline_block(path, CORE_START, CORE_END)}

## Career endpoints (HTTP)

One request at a time over loopback to the service process (`benchmarks/bench_careers.py`):
latency including HTTP, not throughput. Aims: `/plan` p95 at most 50 ms with 20,000 items,
`/audience` for one skill at most 200 ms. `python benchmarks/bench_careers.py --models DIR
[DIR ...] --write-docs` measures these alone and rewrites this table (one column per bundle),
saying when and at which commit.

{CAREERS_START}
{careers_table(sizes)}
{CAREERS_END}

## Scaling

{scaling_section(sizes)}
What drives each figure, from the code:

{md_table(["figure", "how it scales"], why_rows)}

{_million(run)}
"""
    failed = [
        f"{s['employees']:,} employees: {', '.join(s['failed'])}" for s in sizes if s.get("failed")
    ]
    if failed:
        doc = doc.replace(
            "## Machine",
            "**Incomplete run**: these benchmarks failed and show n/a: "
            + "; ".join(failed)
            + ".\n\n## Machine",
            1,
        )
    for kept in (
        _soak_block(path),
        _soak_block(path, EVENTS_START, EVENTS_END),
        _soak_block(path, STAGES_START, STAGES_END),
        *(_soak_block(path, first, last) for first, last in KEPT_BY_HAND),
    ):
        if kept:  # sections other scripts or people own: soak, events, stages, ingest, people
            doc = doc.rstrip() + "\n\n" + kept + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(doc, encoding="utf-8")
    return path
