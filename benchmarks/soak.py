"""Soak the service: its highest sustained /recommend rate for minutes, with a bundle reload
in the middle, zero failed requests and no memory growth.

    python benchmarks/soak.py --duration 300 --rate auto     # what `make soak` runs
    python benchmarks/soak.py --duration 60 --rate 100       # paced at about 100 req/s

The service runs as its own process on loopback (one worker, API keys on, polling LATEST
every second) over a bundle trained once from the sample and cached under
``build/soak/<n>/models``. wrk, a separate process, drives ``POST /recommend`` for varied real
employee ids in back-to-back segments; ``--rate auto`` first finds the fewest connections
that reach the server's full throughput (more only queue). Halfway through, a new bundle
version is published (copied to a temp folder, renamed, then LATEST) and picked up by the
service while the load goes on. The server's RSS is read from /proc every few seconds.
Results are printed and written between the soak markers of docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson
from bench_serve import (
    ROOT,
    WRK_DIR,
    employee_ids,
    free_port,
    start_service,
    train_bundle,
    wait_ready,
)

from recsvc.bundle.versions import list_versions, write_latest
from recsvc.keys import generate_api_key, hash_api_key

__all__ = ["Segment", "main", "update_docs"]

DOCS = ROOT / "docs" / "performance.md"
START, END = "<!-- soak:start -->", "<!-- soak:end -->"
PREFIX = "soak-"  # versions this script publishes (removed at the next run)
MAX_DURATION_S = 3600
MAX_CONNECTIONS = 64


@dataclass(frozen=True)
class Segment:
    """One wrk run: throughput, latency (ms) and failures."""

    seconds: float
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    requests: int
    socket_errors: int
    non2xx: int


def run_wrk(base: str, args: list[str], connections: int, seconds: float, key: str) -> Segment:
    """One wrk run of soak.lua; raises if wrk fails. The key goes through the environment."""
    command = ["wrk", "-t1", f"-c{connections}", f"-d{seconds:g}s", "--latency", "--timeout", "10s"]
    command += ["-s", str(WRK_DIR / "soak.lua"), base, "--", *args]
    env = {**os.environ, "RECSVC_SOAK_KEY": key}
    out = subprocess.run(command, capture_output=True, text=True, check=True, env=env).stdout
    rps = next(float(line.split()[1]) for line in out.splitlines() if "Requests/sec" in line)
    result = json.loads(next(ln for ln in out.splitlines() if ln.startswith("RESULT "))[7:])
    return Segment(
        seconds=seconds,
        connections=connections,
        rps=rps,
        p50_ms=result["p50_us"] / 1000,
        p99_ms=result["p99_us"] / 1000,
        max_ms=result["max_us"] / 1000,
        requests=result["requests"],
        socket_errors=result["errors"],
        non2xx=result["non2xx"],
    )


def calibrate(base: str, args: list[str], seconds: float, key: str) -> tuple[int, list[Segment]]:
    """The fewest connections reaching 95% of the best throughput seen (closed loop)."""
    tried = [run_wrk(base, args, c, seconds, key) for c in (1, 2, 4, 8, 16, 32)]
    best = max(s.rps for s in tried)
    chosen = next(s.connections for s in tried if s.rps >= 0.95 * best)
    return chosen, tried


class RssSampler(threading.Thread):
    """Reads VmRSS of one process every ``interval_s`` until stopped."""

    def __init__(self, pid: int, interval_s: float) -> None:
        super().__init__(name="rss-sampler", daemon=True)
        self.pid, self.interval_s = pid, interval_s
        self.samples: list[tuple[float, int]] = []
        self.stopped = threading.Event()

    def rss_kib(self) -> int:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError(f"no VmRSS for process {self.pid}")

    def run(self) -> None:
        started = time.monotonic()
        while not self.stopped.is_set():
            self.samples.append((time.monotonic() - started, self.rss_kib()))
            self.stopped.wait(self.interval_s)


def publish_copy(models: Path, source: str, version: str) -> None:
    """Publish ``source`` again as ``version`` the way the trainer does: temp, rename, LATEST."""
    staging = models / f".tmp-{version}"
    shutil.copytree(models / source, staging)
    manifest_path = staging / "manifest.json"
    manifest = orjson.loads(manifest_path.read_bytes())
    manifest["version"] = version
    manifest_path.write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    staging.rename(models / version)
    write_latest(models, version)


def reset_models(models: Path) -> str:
    """Drop versions earlier soaks published; LATEST back to the trained bundle."""
    for path in models.iterdir():
        if path.name.startswith((PREFIX, f".tmp-{PREFIX}")):
            shutil.rmtree(path)
    base = list_versions(models)[-1]
    write_latest(models, base)
    return base


def served_version(base: str) -> str | None:
    try:
        response = httpx.get(f"{base}/ready", timeout=5)
    except httpx.TransportError:
        return None
    return str(response.json().get("model_version")) if response.status_code == 200 else None


def reload_midway(
    base: str, models: Path, source: str, after_s: float, out: dict[str, float]
) -> None:
    """Wait, publish a new version, and time how long until the service serves it."""
    time.sleep(after_s)
    version = f"{PREFIX}{datetime.now(UTC):%Y%m%dT%H%M%SZ}"
    published = time.monotonic()
    publish_copy(models, source, version)
    deadline = published + 60
    while served_version(base) != version and time.monotonic() < deadline:
        time.sleep(0.1)
    out["swap_s"] = time.monotonic() - published if served_version(base) == version else -1.0


def update_docs(section: str, path: Path = DOCS) -> None:
    """Write ``section`` between the soak markers, keeping the rest of the file."""
    block = f"{START}\n{section.rstrip()}\n{END}"
    text = path.read_text(encoding="utf-8") if path.is_file() else "# Performance\n"
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


def report(
    args: argparse.Namespace,
    calibration: list[Segment],
    segments: list[Segment],
    rss: list[tuple[float, int]],
    swap_s: float,
    versions: tuple[str, str],
) -> tuple[str, bool]:
    """The Markdown section and whether the soak passed."""
    total = sum(s.requests for s in segments)
    seconds = sum(s.seconds for s in segments)
    failed = sum(s.socket_errors + s.non2xx for s in segments)
    start_mib, end_mib = rss[0][1] / 1024, rss[-1][1] / 1024
    max_mib = max(kib for _, kib in rss) / 1024
    growth_ok = end_mib <= start_mib * 1.10 + 16
    passed = failed == 0 and swap_s >= 0 and growth_ok
    p50 = sorted(s.p50_ms for s in segments)[len(segments) // 2]
    worst_p99 = max(s.p99_ms for s in segments)
    worst_max = max(s.max_ms for s in segments)
    during = "without a failed request" if failed == 0 else "WITH FAILED REQUESTS"
    lines = [
        "## Soak",
        "",
        f"`python benchmarks/soak.py --duration {args.duration:g} --rate {args.rate}` "
        f"({datetime.now(UTC):%Y-%m-%d}, {args.employees:,}-employee sample, one worker, "
        f"loopback, wrk with {segments[0].connections} connections, k={args.k}).",
        "",
        f"* **{total / seconds:.0f} requests/s sustained** for {seconds:.0f} s: {total:,} "
        f"requests, **{failed} failed** (socket errors + non-2xx).",
        f"* Latency per segment: median p50 {p50:.1f} ms, worst p99 {worst_p99:.1f} ms, "
        f"worst max {worst_max:.0f} ms.",
        f"* Reload mid-run: bundle {versions[1]} published at {seconds / 2:.0f} s, served "
        f"{swap_s:.1f} s later (LATEST polled every second), {during}.",
        f"* Server RSS: {start_mib:.0f} MiB at start, {end_mib:.0f} MiB at the end, max "
        f"{max_mib:.0f} MiB ({'no growth' if growth_ok else 'GROWTH'}).",
        f"* Verdict: **{'PASS' if passed else 'FAIL'}** (zero failed requests, reload served, "
        "end RSS within 10% + 16 MiB of start).",
        "",
        "| segment | connections | req/s | p50 ms | p99 ms | max ms | failed |",
        "|---|---|---|---|---|---|---|",
    ]
    for i, s in enumerate(segments, 1):
        lines.append(
            f"| {i} | {s.connections} | {s.rps:.0f} | {s.p50_ms:.1f} | {s.p99_ms:.1f} | "
            f"{s.max_ms:.0f} | {s.socket_errors + s.non2xx} |"
        )
    if calibration:
        found = ", ".join(f"{s.connections}: {s.rps:.0f}" for s in calibration)
        lines += ["", f"Calibration (connections: req/s, 5 s each): {found}."]
    return "\n".join(lines) + "\n", passed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=300, help="seconds of load")
    parser.add_argument("--rate", default="auto", help="'auto' or approximate req/s")
    parser.add_argument("--employees", type=int, default=2000, help="sample size to train")
    parser.add_argument("--segment", type=float, default=30, help="seconds per wrk segment")
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--no-docs", action="store_true", help="do not touch docs/performance.md")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        sys.stderr.write("wrk is not installed: `apt-get install -y wrk`, then rerun.\n")
        return 2
    duration = min(max(args.duration, 2 * args.segment), MAX_DURATION_S)
    models = train_bundle(
        args.employees, args.seed, 20, ROOT / "build" / "soak" / str(args.employees) / "models"
    )
    source = reset_models(models)
    key = generate_api_key()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {"RECSVC_API_KEYS": f"soak:{hash_api_key(key)}", "RECSVC_RELOAD_INTERVAL_S": "1"}
    process = start_service(models, port, env)
    try:
        wait_ready(base, process)
        with tempfile.TemporaryDirectory() as tmp:
            ids = Path(tmp) / "ids.txt"
            ids.write_text("\n".join(employee_ids(models, args.seed)) + "\n")
            wrk_args = [str(ids), str(args.k)]
            run_wrk(base, wrk_args, 4, 5, key)  # warm-up: lazy imports, page faults of mmaps
            calibration: list[Segment] = []
            if args.rate == "auto":
                connections, calibration = calibrate(base, wrk_args, 5, key)
            else:  # paced: each connection waits so that together they ask ~rate req/s
                connections = min(8, MAX_CONNECTIONS)
                wrk_args.append(str(max(int(connections * 1000 / float(args.rate)), 0)))
            sampler = RssSampler(process.pid, 2.0)
            sampler.start()
            swap: dict[str, float] = {}
            reloader = threading.Thread(
                target=reload_midway, args=(base, models, source, duration / 2, swap), daemon=True
            )
            reloader.start()
            segments = []
            remaining = duration
            while remaining > 0:
                seconds = min(args.segment, remaining)
                segments.append(run_wrk(base, wrk_args, connections, seconds, key))
                remaining -= seconds
                last = segments[-1]
                sys.stderr.write(
                    f"  segment {len(segments)}: {last.rps:.0f} req/s, p50 {last.p50_ms:.1f} ms, "
                    f"p99 {last.p99_ms:.1f} ms, failed {last.socket_errors + last.non2xx}\n"
                )
            reloader.join(timeout=90)
            sampler.stopped.set()
            sampler.join()
        new_version = served_version(base) or "?"
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
    section, passed = report(
        args,
        calibration,
        segments,
        sampler.samples,
        swap.get("swap_s", -1.0),
        (source, new_version),
    )
    sys.stdout.write(section)
    if not args.no_docs:
        update_docs(section)
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
