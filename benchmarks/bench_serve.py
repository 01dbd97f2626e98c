"""Load the running service with wrk from a separate process: /recommend beside /health.

For each sample size (or a given models folder) the service is started as its own process on
loopback with one uvicorn worker, then wrk (a separate process, so the client is not what is
measured) drives ``GET /health`` and ``POST /recommend`` for varied real employee ids, in
alternating rounds, and the medians of the rounds are printed side by side with the ratio.
Beside wrk's figures, the service process's own CPU time per answered request is read from
``/proc`` (Linux): on a shared, loaded machine the wall-clock figures swing with whatever
else runs, while the CPU each request costs the server barely moves, and their ratio is the
throughput ratio a machine to itself would show.

    python benchmarks/bench_serve.py                       # default sample (2,000 employees)
    python benchmarks/bench_serve.py --employees 2000 --employees 100000
    python benchmarks/bench_serve.py --models models/      # an existing models folder
    python benchmarks/bench_serve.py --mixed               # plus /health during /recommend load
    python benchmarks/bench_serve.py --no-explain          # /recommend without reasons
    python benchmarks/bench_serve.py --baseline REF        # beside the service as of REF
    python benchmarks/bench_serve.py --floor               # plus the service with its core memoised

Bundles trained here are cached under ``build/bench/<n>/models`` and reused.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import httpx

__all__ = [
    "Measure",
    "employee_ids",
    "free_port",
    "main",
    "start_service",
    "train_bundle",
    "wait_ready",
]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WRK_DIR = HERE / "wrk"
DEFAULT_EMPLOYEES = 2000
MAX_IDS = 20_000  # ids handed to wrk; plenty of variety without a huge Lua table
# the serving targets (one worker, default sample, same wrk run): /recommend's p50 at most
# this multiple of /health's, and its throughput at least this share of /health's
P50_RATIO_AIM = 2.0
THROUGHPUT_RATIO_AIM = 0.4


@dataclass(frozen=True)
class Measure:
    """One wrk run: throughput and latency percentiles (milliseconds)."""

    rps: float
    p50_ms: float
    p99_ms: float
    requests: int
    failures: int
    #: CPU seconds the service process spent per request, in ms (None: not measurable here)
    cpu_ms: float | None = None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def train_bundle(
    n_employees: int, seed: int, time_budget_s: float, models: Path | None = None
) -> Path:
    """Train (once) a bundle of a sample with ``n_employees``; returns its models folder."""
    models = models or ROOT / "build" / "bench" / str(n_employees) / "models"
    if (models / "LATEST").is_file():
        return models
    from recsvc.sample import generate_sample
    from recsvc.training.pipeline import train_tables

    sys.stderr.write(f"training a {n_employees:,}-employee sample into {models} ...\n")
    models.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    sample = generate_sample(n_employees, seed=seed)
    train_tables(sample.tables, models, seed=seed, time_budget_s=time_budget_s)
    sys.stderr.write(f"trained in {time.perf_counter() - started:.0f} s\n")
    return models


def employee_ids(models: Path, seed: int) -> list[str]:
    from recsvc.bundle import read_bundle

    ids = [str(v) for v in read_bundle(models, verify=False).array("employee_ids")]
    random.Random(seed).shuffle(ids)
    return ids[:MAX_IDS]


# Prepended to the service's start-up code by ``--floor``: the core answers each distinct
# query once, then from memory, so what /recommend still costs is the HTTP layer alone
# (parsing, validation, key check, the event-store read, encoding). A diagnostic of where
# the time goes, never how the service runs.
MEMOISED_CORE = """\
from recsvc.recommend.engine import Recommender
_compute, _answers = Recommender.recommend, {}
def _memoised(self, query):
    answer = _answers.get(query)
    if answer is None:
        answer = _answers[query] = _compute(self, query)
    return answer
Recommender.recommend = _memoised
"""


def start_service(
    models: Path, port: int, extra_env: dict[str, str] | None = None, prelude: str = ""
) -> subprocess.Popen[bytes]:
    """The service as its own process (one worker, loopback), like `recsvc serve`
    (``prelude``: Python run first in that process, e.g. :data:`MEMOISED_CORE`)."""
    env = dict(os.environ)
    env.update(
        {
            "RECSVC_MODELS_DIR": str(models),
            "RECSVC_HOST": "127.0.0.1",
            "RECSVC_PORT": str(port),
            "RECSVC_WORKERS": "1",
            "RECSVC_LOG_LEVEL": "warning",
            "RECSVC_RELOAD_INTERVAL_S": "0",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
        }
    )
    env.pop("RECSVC_API_KEYS", None)
    env.update(extra_env or {})
    code = prelude + (
        "from recsvc.config import ServeSettings\n"
        "from recsvc.service.server import run\n"
        "run(ServeSettings())\n"
    )
    return subprocess.Popen([sys.executable, "-c", code], env=env, cwd=ROOT)


def wait_ready(base: str, process: subprocess.Popen[bytes], timeout_s: float = 300) -> str:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the service exited with code {process.returncode}")
        try:
            response = httpx.get(f"{base}/ready", timeout=2)
            if response.status_code == 200:
                version: str = response.json()["model_version"]
                return version
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the service did not become ready in time")


def _wrk_command(
    url: str, script: str, args: list[str], duration_s: float, connections: int
) -> list[str]:
    command = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{duration_s:g}s",
        "--latency",
        "-s",
        str(WRK_DIR / script),
        url,
    ]
    if args:
        command += ["--", *args]
    return command


def cpu_seconds(pid: int) -> float | None:
    """User plus system CPU time of process ``pid`` so far (None where /proc is missing)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # the fields after the command name (which may hold spaces), from field 3 on
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wrk(
    url: str,
    script: str,
    args: list[str],
    duration_s: float,
    connections: int,
    *,
    pid: int | None = None,
) -> Measure:
    """One wrk run; with the server's ``pid``, also its CPU time per request."""
    command = _wrk_command(url, script, args, duration_s, connections)
    before = cpu_seconds(pid) if pid is not None else None
    measure = _parse(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
    after = cpu_seconds(pid) if pid is not None else None
    if before is None or after is None or not measure.requests:
        return measure
    return replace(measure, cpu_ms=(after - before) * 1000 / measure.requests)


def _parse(out: str) -> Measure:
    rps = next(float(line.split()[1]) for line in out.splitlines() if "Requests/sec" in line)
    result = json.loads(next(ln for ln in out.splitlines() if ln.startswith("RESULT "))[7:])
    return Measure(
        rps=rps,
        p50_ms=result["p50_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        requests=result["requests"],
        failures=result["errors"] + result["non2xx"],
    )


def _median(runs: list[Measure]) -> Measure:
    cpu = [m.cpu_ms for m in runs if m.cpu_ms is not None]
    return Measure(
        rps=statistics.median(m.rps for m in runs),
        p50_ms=statistics.median(m.p50_ms for m in runs),
        p99_ms=statistics.median(m.p99_ms for m in runs),
        requests=sum(m.requests for m in runs),
        failures=sum(m.failures for m in runs),
        cpu_ms=statistics.median(cpu) if cpu else None,
    )


@contextmanager
def _source_of(ref: str | None) -> Iterator[Path | None]:
    """``src`` as committed at ``ref`` (``git archive``) in a temporary folder, or None."""
    if ref is None:
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", ref, "src"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        yield Path(tmp) / "src"


def bench(models: Path, label: str, args: argparse.Namespace) -> str:
    """Start the service over ``models`` and measure /health and /recommend alternately.

    With ``--baseline REF`` the service as committed at REF runs beside it on the same
    bundle (started with REF's ``src`` first on the path) and the rounds alternate between
    the two, so before and after are measured under the same load. With ``--floor`` the
    current service also runs with its core memoised (:data:`MEMOISED_CORE`), after every
    employee's answer is in memory: what /recommend costs besides the core.
    """
    with _source_of(args.baseline) as baseline_src, tempfile.TemporaryDirectory() as tmp:
        variants: list[tuple[str, dict[str, str], str]] = [("", {}, "")]
        if baseline_src is not None:
            baseline_env = {"PYTHONPATH": str(baseline_src)}
            variants.insert(0, (f"baseline {args.baseline}: ", baseline_env, ""))
        if args.floor:
            variants.append((FLOOR_LABEL, {}, MEMOISED_CORE))
        services: list[tuple[str, str, subprocess.Popen[bytes]]] = []
        try:
            for name, env, prelude in variants:
                port = free_port()
                services.append(
                    (name, f"http://127.0.0.1:{port}", start_service(models, port, env, prelude))
                )
            versions = {name: wait_ready(base, process) for name, base, process in services}
            ids = employee_ids(models, args.seed)
            ids_file = Path(tmp) / "ids.txt"
            ids_file.write_text("\n".join(ids) + "\n")
            rec_args = [str(ids_file), str(args.k), "false" if args.no_explain else "true"]
            for name, base, _ in services:
                # warm-up: first requests pay for lazy imports, page faults of mmapped arrays
                _wrk(f"{base}/health", "health.lua", [], 1, args.connections)
                _wrk(base, "recommend.lua", rec_args, 2, args.connections)
                if name == FLOOR_LABEL:  # every answer wrk will ask for, computed once
                    _ask_each(base, ids, args.k, explain=not args.no_explain)
            runs: dict[str, tuple[list[Measure], list[Measure]]] = {
                name: ([], []) for name, _, _ in services
            }
            for round_ in range(args.rounds):
                for name, base, process in services if round_ % 2 == 0 else services[::-1]:
                    health_runs, rec_runs = runs[name]
                    health_runs.append(
                        _wrk(
                            f"{base}/health",
                            "health.lua",
                            [],
                            args.duration,
                            args.connections,
                            pid=process.pid,
                        )
                    )
                    rec_runs.append(
                        _wrk(
                            base,
                            "recommend.lua",
                            rec_args,
                            args.duration,
                            args.connections,
                            pid=process.pid,
                        )
                    )
            current_base = services[-1][1]
            mixed = _mixed(current_base, rec_args, args) if args.mixed else None
        finally:
            for _, _, process in services:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
    reasons = ", explain=false (no reasons)" if args.no_explain else ""
    texts = [
        _report(f"{name}{label} (bundle {versions[name]}){reasons}", *map(_median, pair))
        for name, pair in runs.items()
    ]
    if mixed is not None:
        _report_mixed(*mixed, connections=args.connections)
    return "".join(texts)


FLOOR_LABEL = "core memoised (the HTTP layer alone): "


def _ask_each(base: str, ids: list[str], k: int, *, explain: bool) -> None:
    """One /recommend per employee, as recommend.lua asks it."""
    with httpx.Client(base_url=base, timeout=30) as client:
        for employee_id in ids:
            body: dict[str, object] = {"employee_id": employee_id, "k": k}
            if not explain:
                body["explain"] = False
            client.post("/recommend", json=body).raise_for_status()


def _mixed(base: str, rec_args: list[str], args: argparse.Namespace) -> tuple[Measure, Measure]:
    """/health probed by 2 connections while /recommend runs at full load, at the same time.

    Shows what a liveness probe (or any short request) waits behind recommendations that run
    on the event loop.
    """
    health_cmd = _wrk_command(f"{base}/health", "health.lua", [], args.duration, 2)
    rec_cmd = _wrk_command(base, "recommend.lua", rec_args, args.duration, args.connections)
    with (
        subprocess.Popen(health_cmd, stdout=subprocess.PIPE, text=True) as health,
        subprocess.Popen(rec_cmd, stdout=subprocess.PIPE, text=True) as rec,
    ):
        health_out, _ = health.communicate()
        rec_out, _ = rec.communicate()
    if health.returncode or rec.returncode:
        raise SystemExit("wrk failed in the mixed run")
    return _parse(health_out), _parse(rec_out)


def _report_mixed(health: Measure, rec: Measure, *, connections: int) -> None:
    out = sys.stdout
    out.write(f"mixed: /health (c=2) during /recommend load (c={connections})\n")
    # row names differ from the main table's, which run_all_parse.py reads
    for name, m in (("mixed health", health), ("mixed recommend", rec)):
        out.write(
            f"{name:<16}{m.rps:>10.0f}{m.p50_ms:>10.2f}{m.p99_ms:>10.2f}{m.requests:>11}"
            f"{m.failures:>8}\n"
        )
    out.flush()


def _report(title: str, health: Measure, rec: Measure) -> str:
    """Print one service's table and ratios; returns the text printed."""
    out = io.StringIO()
    out.write(f"\n{title}\n")
    out.write(
        f"{'endpoint':<16}{'req/s':>10}{'p50 ms':>10}{'p99 ms':>10}{'requests':>11}{'failed':>8}"
        f"{'CPU ms/req':>12}\n"
    )
    for name, m in (("GET /health", health), ("POST /recommend", rec)):
        cpu = f"{m.cpu_ms:>12.3f}" if m.cpu_ms is not None else f"{'-':>12}"
        out.write(
            f"{name:<16}{m.rps:>10.0f}{m.p50_ms:>10.2f}{m.p99_ms:>10.2f}{m.requests:>11}"
            f"{m.failures:>8}{cpu}\n"
        )
    ratio = rec.p50_ms / health.p50_ms if health.p50_ms else float("inf")
    out.write(
        f"/recommend p50 is {ratio:.2f}x /health p50 (target <= {P50_RATIO_AIM:g}x); "
        f"throughput {rec.rps / health.rps:.2f}x (target >= {THROUGHPUT_RATIO_AIM:g}x)\n"
    )
    if rec.cpu_ms and health.cpu_ms:
        out.write(
            f"server CPU per request: /recommend {rec.cpu_ms / health.cpu_ms:.2f}x /health "
            f"(the throughput ratio on an idle machine: {health.cpu_ms / rec.cpu_ms:.2f}x)\n"
        )
    text = out.getvalue()
    sys.stdout.write(text)
    sys.stdout.flush()
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, help="existing models folder (skips training)")
    parser.add_argument(
        "--employees", type=int, action="append", help="sample size to train and serve (repeat)"
    )
    parser.add_argument("--duration", type=float, default=10, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=1, help="alternating runs per endpoint")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections")
    parser.add_argument(
        "--mixed",
        action="store_true",
        help="also probe /health while /recommend is under load (latency of short requests)",
    )
    parser.add_argument("--k", type=int, default=10, help="items per recommendation")
    parser.add_argument(
        "--no-explain",
        action="store_true",
        help='ask /recommend with "explain": false (answers without reasons)',
    )
    parser.add_argument(
        "--baseline",
        metavar="REF",
        help="also serve the same bundle with the code committed at this git ref, in "
        "alternating rounds (before and after under the same load)",
    )
    parser.add_argument(
        "--floor",
        action="store_true",
        help="also serve with the core memoised (each answer computed once): what /recommend "
        "costs besides the core",
    )
    parser.add_argument(
        "--write-docs",
        action="store_true",
        help="write the figures into docs/performance.md (between its serve markers)",
    )
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument(
        "--time-budget", type=float, default=20, help="tuning seconds when training"
    )
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.stderr.write(
            "wrk is not installed; install it with `apt-get install -y wrk` (Debian/Ubuntu) "
            "or `brew install wrk`, then rerun.\n"
        )
        return 2
    if args.models is not None:
        texts = [bench(args.models, str(args.models), args)]
    else:
        texts = [
            bench(train_bundle(n, args.seed, args.time_budget), f"{n:,} employees", args)
            for n in args.employees or [DEFAULT_EMPLOYEES]
        ]
    if args.write_docs:
        command = " ".join(["python benchmarks/bench_serve.py", *(argv or sys.argv[1:])])
        note = (
            " Wall-clock figures swing with other work on the machine; the service's CPU "
            "per request (last column) holds, and its ratio is the throughput ratio an idle "
            "machine would show."
        )
        if args.floor:
            note += (
                " The last table serves the same code with its core memoised (each answer "
                "computed once, then read from memory): what `/recommend` costs besides the "
                "core (HTTP, validation, key check, event-store read, encoding)."
            )
        write_doc_block("serve", SERVE_DOC_TITLE, command, "".join(texts), note)
    return 0


SERVE_DOC_TITLE = "### `/recommend` beside `/health`: the latest bench_serve.py run"
DOCS = ROOT / "docs" / "performance.md"


def write_doc_block(
    name: str,
    title: str,
    command: str,
    text: str,
    note: str = "",
    path: Path = DOCS,
    *,
    markdown: bool = False,
) -> None:
    """Write a measured run between the ``<!-- name:start/end -->`` markers of the page.

    ``make bench`` regenerates the rest of the page and keeps these blocks (see
    run_all_report.py); with no markers yet, the block is appended. ``text`` goes in a
    text fence, or as it is with ``markdown`` (a table); an empty ``title`` is left out.
    """
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    body = text.strip() if markdown else f"```text\n{text.strip()}\n```"
    heading = f"{title}\n\n" if title else ""
    block = (
        f"{start}\n{heading}`{command}` at "
        f"`{commit or 'unknown'}`, {when}; load average at the end {load} on "
        f"{os.cpu_count()} shared cores.{note}\n\n{body}\n{end}"
    )
    page = path.read_text(encoding="utf-8") if path.is_file() else "# Performance\n"
    head, found, rest = page.partition(start)
    if found and end in rest:
        page = head + block + rest.partition(end)[2]
    else:
        page = page.rstrip() + "\n\n" + block + "\n"
    path.write_text(page, encoding="utf-8")


if __name__ == "__main__":
    raise SystemExit(main())
