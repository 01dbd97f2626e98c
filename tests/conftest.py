"""Shared fixtures: a clean environment for every test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def clean_environ() -> Iterator[None]:
    """Hide the developer's RECSVC_* variables (all but test-infrastructure ones) from tests."""
    saved = dict(os.environ)
    for name in list(os.environ):
        if name.startswith("RECSVC_") and not name.startswith("RECSVC_TEST_"):
            del os.environ[name]
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
