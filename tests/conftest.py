"""Shared fixtures: a clean environment for every test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


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
