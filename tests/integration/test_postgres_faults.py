"""PostgreSQL faults for real: a backend killed between chunks gives a clear error, no bundle."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from recsvc.errors import DataSourceError
from recsvc.ingest import load_tables
from recsvc.ingest.sql import SqlSource

pytestmark = pytest.mark.postgres

N_ENROLMENTS = 5000
CHUNK = 500


class KillAfterFirstChunk:
    """A Source that terminates its own PostgreSQL backend once the first enrolments chunk
    has arrived, from a second connection, as an operator or a failover would."""

    def __init__(self, url: str) -> None:
        self.app = f"recsvc-fault-{uuid.uuid4().hex[:8]}"
        self.url = url
        self.inner = SqlSource(url, connect_args={"application_name": self.app})
        self.description = self.inner.description
        self.killed = 0

    def table_names(self) -> set[str]:
        return self.inner.table_names()

    def columns(self, table: str) -> list[str]:
        return self.inner.columns(table)

    def location(self, table: str) -> str:
        return self.inner.location(table)

    def iter_chunks(
        self, table: str, chunksize: int = 200_000, *, columns: Sequence[str] | None = None
    ) -> Iterator[pd.DataFrame]:
        for i, chunk in enumerate(self.inner.iter_chunks(table, chunksize, columns=columns)):
            yield chunk
            if table == "enrolments" and i == 0:
                self._kill()

    def _kill(self) -> None:
        engine = sa.create_engine(self.url.split("?")[0], poolclass=sa.pool.NullPool)
        try:
            with engine.begin() as conn:
                self.killed = len(
                    conn.execute(
                        sa.text(
                            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE application_name = :app AND pid <> pg_backend_pid()"
                        ),
                        {"app": self.app},
                    ).all()
                )
        finally:
            engine.dispose()


@pytest.fixture
def pg_data(postgres_url: tuple[str, str]) -> str:
    url, schema = postgres_url
    engine = sa.create_engine(url.split("?")[0], poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            pd.DataFrame({"content_id": ["C1", "C2"], "title": ["Python", "SQL"]}).to_sql(
                "content", conn, schema=schema, index=False
            )
            pd.DataFrame(
                {
                    "employee_id": [f"E{i}" for i in range(N_ENROLMENTS)],
                    "content_id": "C1",
                    "enrolled_at": "2024-01-01",
                }
            ).to_sql("enrolments", conn, schema=schema, index=False)
    finally:
        engine.dispose()
    return url


def test_backend_terminated_between_chunks_is_a_clear_error(pg_data: str) -> None:
    source = KillAfterFirstChunk(pg_data)
    with pytest.raises(DataSourceError) as caught:
        load_tables(source, chunksize=CHUNK)
    assert source.killed == 1
    message = str(caught.value)
    assert message.startswith("lost the connection to database postgresql+psycopg://")
    assert ":***@" in message and "recsvc:recsvc@" not in message
    read = int(re.search(r"while reading table enrolments after (\d+) rows", message).group(1))  # type: ignore[union-attr]
    assert read % CHUNK == 0 and CHUNK <= read < N_ENROLMENTS
    assert "nothing was loaded, trained or written" in message
    assert "\n" not in message and "Traceback" not in message


def test_backend_terminated_during_training_leaves_no_bundle(pg_data: str, tmp_path: Path) -> None:
    from recsvc.train import train

    models = tmp_path / "models"
    source = KillAfterFirstChunk(pg_data)
    with pytest.raises(DataSourceError, match="lost the connection"):
        train(source, models, tune_trials=1)  # type: ignore[arg-type]
    assert source.killed == 1
    assert not models.exists() or not any(models.iterdir())
