"""Shared fixtures: a clean environment for every test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(scope="session", autouse=True)
def session_event_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Session- and module-scoped servers (built before any test's own environment) get an
    event store of their own too, never a file in the working directory."""
    events = tmp_path_factory.mktemp("session-events") / "events.sqlite"
    saved = os.environ.get("RECSVC_EVENTS_URL")
    os.environ["RECSVC_EVENTS_URL"] = f"sqlite:///{events}"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("RECSVC_EVENTS_URL", None)
        else:
            os.environ["RECSVC_EVENTS_URL"] = saved


@pytest.fixture(autouse=True)
def clean_environ(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Hide the developer's RECSVC_* variables (all but test-infrastructure ones) from tests.

    The event store defaults to a file in the working directory; each test gets its own
    instead, so no test writes into the checkout or sees another test's events.
    """
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.startswith("RECSVC_") and not name.startswith("RECSVC_TEST_"):
            del os.environ[name]
    events = tmp_path_factory.mktemp("events") / "events.sqlite"
    os.environ["RECSVC_EVENTS_URL"] = f"sqlite:///{events}"
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
