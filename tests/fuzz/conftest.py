"""Fuzz fixtures: one real bundle from a small sample and one real uvicorn on loopback."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from fuzz_support import ADMIN_KEY, API_KEY

from recsvc.config import ServeSettings
from recsvc.keys import hash_api_key
from recsvc.service.app import create_app
from uvicorn_thread import serve_in_thread


@dataclass(frozen=True)
class Live:
    """A running server, the ids its bundle knows, and a keep-alive session with the key."""

    base_url: str
    session: requests.Session
    employee_ids: list[str]
    content_ids: list[str]


def _train(models: Path) -> None:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from recsvc.sample import generate_sample
    from recsvc.training.pipeline import train_tables

    sample = generate_sample(300, seed=11)
    train_tables(sample.tables, models, seed=42, tune_trials=1)


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    """Real uvicorn over a real trained bundle, with API and admin keys, for the session."""
    models = tmp_path_factory.mktemp("fuzz-models")
    _train(models)
    settings = ServeSettings(
        models_dir=models,
        api_keys=f"fuzz:{hash_api_key(API_KEY)}",
        admin_key=hash_api_key(ADMIN_KEY),
        reload_interval_s=0,
    )
    base_url, server, thread = serve_in_thread(create_app(settings), name="uvicorn-fuzz")
    from recsvc.bundle import read_bundle

    bundle = read_bundle(models, verify=False)
    session = requests.Session()
    session.headers["X-API-Key"] = API_KEY
    try:
        yield Live(
            base_url,
            session,
            [str(v) for v in bundle.array("employee_ids")[:50]],
            [str(v) for v in bundle.array("content_ids")[:50]],
        )
    finally:
        session.close()
        server.should_exit = True
        thread.join(timeout=30)
