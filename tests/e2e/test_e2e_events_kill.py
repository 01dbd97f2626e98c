"""No acknowledged event is lost when the service is killed with SIGKILL under load.

The service runs as a real `recsvc serve` process; threads post batches as fast as it takes
them and note every key of a batch answered 2xx. The process is killed mid-stream, then
restarted on the same store: every acknowledged event must be there, and the restarted
service must know them (a resent batch is all duplicates).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from event_stores import BACKENDS, store_url
from recsvc.events.store import EventStore

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

THREADS = 4
BATCH = 50


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_service(models: Path, events_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "RECSVC_MODELS_DIR": str(models),
        "RECSVC_EVENTS_URL": events_url,
        "RECSVC_PORT": str(port),
        "RECSVC_RELOAD_INTERVAL_S": "0",
        "RECSVC_LOG_LEVEL": "warning",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "recsvc", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("recsvc serve did not start")


@pytest.fixture(params=BACKENDS)
def events_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with store_url(request.param, tmp_path) as url:
        yield url


def post_until_refused(base: str, worker: int, acked: list[str], stop: threading.Event) -> None:
    """Post fresh batches until the server is gone; keep the keys of every 2xx answer."""
    with httpx.Client(base_url=base, timeout=10) as client:
        number = 0
        while not stop.is_set():
            keys = [f"w{worker}-b{number}-{i}" for i in range(BATCH)]
            number += 1
            body = {
                "events": [
                    {
                        "idempotency_key": key,
                        "kind": "click",
                        "employee_id": f"E{worker:06d}",
                        "content_id": "C00001",
                        "occurred_at": "2026-12-01T10:00:00Z",
                    }
                    for key in keys
                ]
            }
            try:
                answer = client.post("/events", json=body)
            except httpx.TransportError:
                return  # killed: this batch was never acknowledged
            if 200 <= answer.status_code < 300:
                acked.extend(keys)


def test_no_acknowledged_event_is_lost_on_sigkill(events_url: str, tmp_path: Path) -> None:
    models = tmp_path / "models"
    models.mkdir()  # no bundle needed: events are stored without one
    port = free_port()
    service = start_service(models, events_url, port)
    acked: list[list[str]] = [[] for _ in range(THREADS)]
    stop = threading.Event()
    threads = [
        threading.Thread(
            target=post_until_refused, args=(f"http://127.0.0.1:{port}", w, acked[w], stop)
        )
        for w in range(THREADS)
    ]
    try:
        for thread in threads:
            thread.start()
        deadline = time.monotonic() + 30
        while sum(map(len, acked)) < 20 * BATCH and time.monotonic() < deadline:
            time.sleep(0.05)
        service.send_signal(signal.SIGKILL)  # mid-stream: requests are in flight
        service.wait(timeout=30)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
        if service.poll() is None:
            service.kill()
    acknowledged = {key for keys in acked for key in keys}
    assert len(acknowledged) >= 20 * BATCH, "too little load reached the service"

    restarted = start_service(models, events_url, port)
    try:
        store = EventStore(events_url)
        try:
            stored = {row["idempotency_key"] for chunk in store.iter_chunks() for row in chunk}
        finally:
            store.dispose()
        assert acknowledged <= stored, f"{len(acknowledged - stored)} acknowledged events lost"
        resend = sorted(acknowledged)[:BATCH]
        answer = httpx.post(
            f"http://127.0.0.1:{port}/events",
            json={
                "events": [
                    {
                        "idempotency_key": key,
                        "kind": "click",
                        "employee_id": "E000000",
                        "content_id": "C00001",
                        "occurred_at": "2026-12-01T10:00:00Z",
                    }
                    for key in resend
                ]
            },
            timeout=10,
        )
        assert answer.json()["duplicates"] == BATCH
    finally:
        restarted.terminate()
        restarted.wait(timeout=30)
