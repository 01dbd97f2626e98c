"""Event store URLs for tests: a SQLite file, or a fresh PostgreSQL schema (dropped after)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

import pytest
import sqlalchemy as sa

POSTGRES_ENV = "RECSVC_TEST_POSTGRES_URL"
BACKENDS = ("sqlite", pytest.param("postgres", marks=pytest.mark.postgres))


@contextmanager
def postgres_schema_url() -> Iterator[str]:
    """A URL whose search_path is a new schema; skips (saying why) without a server."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set (source .ci/postgres.sh to start PostgreSQL)")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    schema = f"recsvc_events_{uuid.uuid4().hex[:10]}"
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        engine.dispose()
        pytest.skip(f"PostgreSQL at {POSTGRES_ENV} is unreachable: {str(exc.orig).splitlines()[0]}")
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options={quote(f'-csearch_path={schema}')}"
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()


@contextmanager
def store_url(backend: str, folder: Path) -> Iterator[str]:
    """An empty event store of ``backend`` ("sqlite" or "postgres")."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'events.sqlite'}"
    else:
        with postgres_schema_url() as url:
            yield url
