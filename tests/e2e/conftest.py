"""e2e fixtures: a real bundle trained once per session, and real uvicorn on a loopback port."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import orjson
import pandas as pd
import pytest
import uvicorn

from recsvc.config import ServeSettings
from recsvc.keys import hash_api_key
from recsvc.service.app import create_app
from uvicorn_thread import serve_in_thread

API_KEY = "e2e-api-key-0123456789"
ADMIN_KEY = "e2e-admin-key-0123456789"


@dataclass(frozen=True)
class Trained:
    """A models folder with one trained bundle, and the sample tables it came from."""

    models_dir: Path
    version: str
    tables: dict[str, pd.DataFrame]


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Trained:
    """Train a real bundle from a small deterministic sample (a few seconds, once)."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from recsvc.sample import generate_sample
    from recsvc.training.pipeline import train_tables

    sample = generate_sample(400, seed=7)
    models = tmp_path_factory.mktemp("models")
    result = train_tables(sample.tables, models, seed=42, tune_trials=1)
    return Trained(models, result.manifest.version, sample.tables)


def copy_bundle(models_dir: Path, source_version: str, new_version: str, *, latest: bool) -> Path:
    """Publish a copy of a bundle under a new version, the way the trainer publishes one."""
    from recsvc.bundle.versions import write_latest

    staging = models_dir / f".tmp-{new_version}"
    shutil.copytree(models_dir / source_version, staging)
    manifest_path = staging / "manifest.json"
    manifest = orjson.loads(manifest_path.read_bytes())
    manifest["version"] = new_version
    manifest_path.write_bytes(orjson.dumps(manifest, option=orjson.OPT_INDENT_2))
    target = models_dir / new_version
    staging.rename(target)
    if latest:
        write_latest(models_dir, new_version)
    return target


def corrupt_one_array(bundle_dir: Path) -> str:
    """Flip one byte in the middle of the largest .npy file (size unchanged, checksum not)."""
    victim = max(bundle_dir.glob("*.npy"), key=lambda p: p.stat().st_size)
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    return victim.name


@dataclass
class LiveServer:
    base_url: str
    server: uvicorn.Server
    thread: threading.Thread

    def client(self, **kwargs: Any) -> httpx.Client:
        headers = {"X-API-Key": API_KEY, **kwargs.pop("headers", {})}
        return httpx.Client(base_url=self.base_url, headers=headers, timeout=30, **kwargs)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)


def start_server(models_dir: Path, **overrides: Any) -> LiveServer:
    """Run the real app under uvicorn in a background thread; returns once it listens."""
    values: dict[str, Any] = {
        "models_dir": models_dir,
        "api_keys": f"e2e:{hash_api_key(API_KEY)}",
        "admin_key": f"ops:{hash_api_key(ADMIN_KEY)}",
        "reload_interval_s": 0,
    }
    values.update(overrides)
    base_url, server, thread = serve_in_thread(
        create_app(ServeSettings(**values)), name="uvicorn-e2e"
    )
    return LiveServer(base_url, server, thread)


StartServer = Callable[..., LiveServer]


@pytest.fixture(scope="session")
def keys() -> dict[str, str]:
    """The API and admin keys every e2e server is started with."""
    return {"api": API_KEY, "admin": ADMIN_KEY}


@pytest.fixture(scope="session")
def publish() -> Callable[..., Path]:
    return copy_bundle


@pytest.fixture(scope="session")
def corrupt() -> Callable[[Path], str]:
    return corrupt_one_array


@pytest.fixture
def serve() -> Iterator[StartServer]:
    """Start servers on demand; all are stopped at teardown."""
    servers: list[LiveServer] = []

    def start(models_dir: Path, **overrides: Any) -> LiveServer:
        live = start_server(models_dir, **overrides)
        servers.append(live)
        return live

    yield start
    for live in servers:
        live.stop()


@pytest.fixture(scope="module")
def live(trained: Trained) -> Iterator[LiveServer]:
    """One server over the session bundle, shared by read-only tests."""
    server = start_server(trained.models_dir)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def http(live: LiveServer) -> Iterator[httpx.Client]:
    with live.client() as client:
        yield client


@pytest.fixture(scope="session")
def people_models(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Path]:
    """The organisation of ``people_org.py`` and a models folder trained on it, once."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from people_org import people_org

    from recsvc.training.pipeline import train_tables

    org = people_org()
    models = tmp_path_factory.mktemp("people-models")
    train_tables(org.tables, models, seed=42, tune_trials=1)
    return org, models
