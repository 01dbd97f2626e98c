"""Events under load: sustained POST /events (batches of 100) and /recommend while they flow.

For each event store (a SQLite file; PostgreSQL when ``--postgres URL`` or
``RECSVC_TEST_POSTGRES_URL`` names a server) the service runs as its own process (one
worker, loopback) over a trained bundle, and wrk (a separate process) measures, in turn:

1. ``/recommend`` alone (the store is consulted per request, no events arrive);
2. ``POST /events`` alone: batches of ``--batch`` fresh events for real employee ids, each
   acknowledged only after its commit: events/s = batches/s x batch, latency per batch;
3. both at once: ``/recommend`` throughput and p99 while events flow.

Plus ``/recommend`` with events switched off, as the baseline of what the store costs.

    python benchmarks/bench_events.py [--employees 2000] [--duration 10] [--batch 100]

Results are printed and written between the events markers of docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from bench_serve import (
    ROOT,
    Measure,
    _parse,
    _wrk,
    _wrk_command,
    employee_ids,
    free_port,
    start_service,
    train_bundle,
    wait_ready,
)

__all__ = ["main"]

DOCS = ROOT / "docs" / "performance.md"
START, END = "<!-- events:start -->", "<!-- events:end -->"


@dataclass(frozen=True)
class StoreRun:
    """One store's figures: recommend alone, events alone, and both at once."""

    store: str
    recommend: Measure
    events: Measure
    mixed_recommend: Measure
    mixed_events: Measure


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A fresh schema for the run (dropped afterwards), as a URL whose search_path is it."""
    import sqlalchemy as sa

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    schema = f"recsvc_bench_{uuid.uuid4().hex[:8]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


def _events_args(ids_file: Path, batch: int) -> list[str]:
    return [str(ids_file), str(batch), uuid.uuid4().hex[:12]]


def _both(
    base: str, rec_args: list[str], ev_args: list[str], args: argparse.Namespace
) -> tuple[Measure, Measure]:
    """/recommend and /events loaded at the same time, each by its own wrk process."""
    rec_cmd = _wrk_command(base, "recommend.lua", rec_args, args.duration, args.connections)
    ev_cmd = _wrk_command(base, "events.lua", ev_args, args.duration, args.event_connections)
    with (
        subprocess.Popen(rec_cmd, stdout=subprocess.PIPE, text=True) as rec,
        subprocess.Popen(ev_cmd, stdout=subprocess.PIPE, text=True) as ev,
    ):
        rec_out, _ = rec.communicate()
        ev_out, _ = ev.communicate()
    if rec.returncode or ev.returncode:
        raise SystemExit("wrk failed in the mixed run")
    return _parse(rec_out), _parse(ev_out)


def measure_store(
    name: str, url: str, models: Path, ids_file: Path, args: argparse.Namespace
) -> StoreRun | Measure:
    """The three runs against one store (or, with ``url`` empty, /recommend alone)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    process = start_service(models, port, {"RECSVC_EVENTS_URL": url})
    try:
        wait_ready(base, process)
        rec_args = [str(ids_file), str(args.k)]
        _wrk(base, "recommend.lua", rec_args, 2, args.connections)  # warm-up
        recommend = _wrk(base, "recommend.lua", rec_args, args.duration, args.connections)
        if not url:
            return recommend
        ev_args = _events_args(ids_file, args.batch)
        _wrk(base, "events.lua", ev_args, 2, args.event_connections)  # warm-up
        events = _wrk(
            base,
            "events.lua",
            _events_args(ids_file, args.batch),
            args.duration,
            args.event_connections,
        )
        mixed_rec, mixed_ev = _both(base, rec_args, _events_args(ids_file, args.batch), args)
        return StoreRun(name, recommend, events, mixed_rec, mixed_ev)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def section(runs: list[StoreRun], off: Measure, skipped: str, args: argparse.Namespace) -> str:
    """The Markdown section for docs/performance.md."""
    b = args.batch
    lines = [
        "## Events",
        "",
        f"`benchmarks/bench_events.py` ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
        f"{args.employees:,}-employee bundle, one uvicorn worker, wrk in separate processes, "
        f"{args.duration:g} s per run): `POST /events` in batches of {b} fresh events from "
        f"{args.event_connections} connections, each answered after its commit (SQLite: WAL, "
        f"`synchronous=FULL`); `/recommend` from {args.connections} connections reads the "
        "employee's stored events and the erasure list on every call.",
        "",
        _row(
            [
                "store",
                "events/s alone",
                "batch p50 / p99 ms",
                "/recommend req/s (p99 ms), no events arriving",
                "/recommend req/s (p99 ms) while events flow",
                "events/s meanwhile",
            ]
        ),
        "|---|---|---|---|---|---|",
    ]
    for r in runs:
        lines.append(
            _row(
                [
                    r.store,
                    f"{r.events.rps * b:,.0f}",
                    f"{r.events.p50_ms:.1f} / {r.events.p99_ms:.1f}",
                    f"{r.recommend.rps:,.0f} ({r.recommend.p99_ms:.1f})",
                    f"{r.mixed_recommend.rps:,.0f} ({r.mixed_recommend.p99_ms:.1f})",
                    f"{r.mixed_events.rps * b:,.0f}",
                ]
            )
        )
    failures = sum(
        m.failures for r in runs for m in (r.recommend, r.events, r.mixed_recommend, r.mixed_events)
    )
    lines += [
        "",
        f"Baseline with events off (`RECSVC_EVENTS_URL=`): /recommend {off.rps:,.0f} req/s "
        f"(p99 {off.p99_ms:.1f} ms). Failed answers across the runs (wrk counts a request "
        f"over its 2 s timeout as failed): {failures}. Load average at the end: "
        f"{', '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores; the "
        "machine is shared, so compare rows of one run, not runs.",
    ]
    if skipped:
        lines += ["", skipped]
    return "\n".join(lines) + "\n"


def update_docs(text: str, path: Path = DOCS) -> None:
    """Write ``text`` between the events markers, keeping the rest of the file."""
    block = f"{START}\n{text.rstrip()}\n{END}"
    doc = path.read_text(encoding="utf-8") if path.is_file() else "# Performance\n"
    if START in doc and END in doc:
        head, rest = doc.split(START, 1)
        doc = head + block + rest.split(END, 1)[1]
    else:
        doc = doc.rstrip() + "\n\n" + block + "\n"
    path.write_text(doc, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--employees", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--budget", type=float, default=10, help="training tuning seconds")
    parser.add_argument("--duration", type=float, default=10, help="seconds per wrk run")
    parser.add_argument("--batch", type=int, default=100, help="events per POST /events")
    parser.add_argument("--connections", type=int, default=16, help="/recommend connections")
    parser.add_argument("--event-connections", type=int, default=4)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument(
        "--postgres",
        default=os.environ.get("RECSVC_BENCH_POSTGRES_URL")
        or os.environ.get("RECSVC_TEST_POSTGRES_URL"),
        help="PostgreSQL URL (a schema is created and dropped); default from the environment",
    )
    parser.add_argument("--no-docs", action="store_true", help="do not touch docs/performance.md")
    args = parser.parse_args(argv)

    runs: list[StoreRun] = []
    skipped = ""
    with tempfile.TemporaryDirectory() as tmp:
        # trained afresh each run: a cached bundle of an older recsvc would be refused
        models = train_bundle(args.employees, args.seed, args.budget, Path(tmp) / "models")
        ids_file = Path(tmp) / "ids.txt"
        ids_file.write_text("\n".join(employee_ids(models, args.seed)) + "\n")
        off = measure_store("off", "", models, ids_file, args)
        assert isinstance(off, Measure)
        sqlite = measure_store(
            "SQLite", f"sqlite:///{Path(tmp) / 'events.sqlite'}", models, ids_file, args
        )
        assert isinstance(sqlite, StoreRun)
        runs.append(sqlite)
        if args.postgres:
            with postgres_schema(args.postgres) as url:
                pg = measure_store("PostgreSQL", url, models, ids_file, args)
                assert isinstance(pg, StoreRun)
                runs.append(pg)
        else:
            skipped = (
                "PostgreSQL was not measured: no server named (set RECSVC_TEST_POSTGRES_URL, "
                "e.g. by sourcing .ci/postgres.sh, or pass --postgres URL)."
            )
    text = section(runs, off, skipped, args)
    sys.stdout.write(text)
    if not args.no_docs:
        update_docs(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
