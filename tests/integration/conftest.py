"""Fixtures for source tests: a small multi-table organisation and a PostgreSQL schema."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from urllib.parse import quote

import pandas as pd
import pytest
import sqlalchemy as sa
from org_data import make_org

POSTGRES_ENV = "RECSVC_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def org() -> dict[str, pd.DataFrame]:
    return make_org()


@pytest.fixture
def postgres_url() -> Iterator[tuple[str, str]]:
    """(URL whose search_path is a fresh schema, schema name); dropped afterwards."""
    url = os.environ.get(POSTGRES_ENV)
    if not url:
        pytest.skip(f"{POSTGRES_ENV} is not set (source .ci/postgres.sh to start PostgreSQL)")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    schema = f"recsvc_test_{uuid.uuid4().hex[:10]}"
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except sa.exc.OperationalError as exc:
        engine.dispose()
        pytest.skip(f"PostgreSQL at {POSTGRES_ENV} is unreachable: {str(exc.orig).splitlines()[0]}")
    separator = "&" if "?" in url else "?"
    try:
        yield f"{url}{separator}options={quote(f'-csearch_path={schema}')}", schema
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        engine.dispose()
