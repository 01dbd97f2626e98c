"""Database faults: unreachable servers and connections lost mid-load give clear errors only."""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path
from typing import Any

import pytest

from recsvc.errors import DataSourceError
from recsvc.ingest import load_tables
from recsvc.ingest.sql import SqlSource

N_ENROLMENTS = 50


def make_db(tmp_path: Path) -> str:
    path = tmp_path / "lms.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE content (content_id TEXT, title TEXT)")
        conn.executemany("INSERT INTO content VALUES (?, ?)", [("C1", "Python"), ("C2", "SQL")])
        conn.execute(
            "CREATE TABLE enrolments (employee_id TEXT, content_id TEXT, enrolled_at TEXT)"
        )
        conn.executemany(
            "INSERT INTO enrolments VALUES (?, ?, ?)",
            [(f"E{i}", "C1", "2024-01-01") for i in range(N_ENROLMENTS)],
        )
    return f"sqlite:///{path}"


def dropping_connection(error: Exception) -> type[sqlite3.Connection]:
    """A sqlite3 connection whose enrolments cursor dies once it has handed out 25 rows."""

    class Cursor(sqlite3.Cursor):
        table = ""

        def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:  # type: ignore[override]
            self.table = "enrolments" if "enrolments" in sql else ""
            self.handed_out = 0
            return super().execute(sql, parameters)

        def fetchmany(self, size: int | None = 1) -> list[Any]:
            if self.table and self.handed_out >= 25:
                raise error
            rows = super().fetchmany(size)
            self.handed_out += len(rows)
            return rows

    class Connection(sqlite3.Connection):
        def cursor(self, *args: Any, **kwargs: Any) -> sqlite3.Cursor:  # type: ignore[override]
            return Cursor(self)

    return Connection


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        # what sqlite3 raises once the connection is closed: SQLAlchemy marks it a disconnect
        (sqlite3.ProgrammingError("Cannot operate on a closed database."), "lost the connection"),
        (sqlite3.OperationalError("disk I/O error"), "reading failed"),
        (sqlite3.DatabaseError("database disk image is malformed"), "reading failed"),
    ],
)
def test_connection_lost_mid_load_is_a_clear_error(
    tmp_path: Path, error: Exception, expected: str
) -> None:
    url = make_db(tmp_path)
    source = SqlSource(url, connect_args={"factory": dropping_connection(error)})
    with pytest.raises(DataSourceError) as caught:
        load_tables(source, chunksize=20)
    message = str(caught.value)
    assert expected in message
    assert "enrolments" in message
    # whole chunks of 20 were read before the cursor died (how many depends on buffering)
    read = int(re.search(r"after (\d+) rows", message).group(1))  # type: ignore[union-attr]
    assert read in (20, 40)
    assert "nothing was loaded, trained or written" in message
    assert str(error) in message  # the driver's reason, first line only
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_connection_lost_mid_load_leaves_no_bundle(tmp_path: Path) -> None:
    from recsvc.train import train

    models = tmp_path / "models"
    error = sqlite3.ProgrammingError("Cannot operate on a closed database.")
    source = SqlSource(make_db(tmp_path), connect_args={"factory": dropping_connection(error)})
    with pytest.raises(DataSourceError, match="lost the connection"):
        train(source, models, tune_trials=1)  # type: ignore[arg-type]
    assert not models.exists() or not any(models.iterdir())


def test_unreachable_server_names_host_and_db_and_masks_the_password() -> None:
    with pytest.raises(DataSourceError) as caught:
        # port 1 on loopback: refused at once
        SqlSource("postgresql+psycopg://bob:s3cr3t-pw@127.0.0.1:1/lms")
    message = str(caught.value)
    assert "127.0.0.1:1/lms" in message and "bob:***@" in message
    assert "s3cr3t-pw" not in message and "cannot connect" in message


def test_silent_host_times_out_instead_of_hanging() -> None:
    # 10.255.255.1 is unroutable here: packets vanish (or the network is unreachable)
    started = time.perf_counter()
    with pytest.raises(DataSourceError, match=r"10\.255\.255\.1.*cannot connect"):
        SqlSource("postgresql+psycopg://bob:pw@10.255.255.1:5432/lms", connect_timeout_s=2)
    assert time.perf_counter() - started < 15


def test_timeouts_default_for_libpq_drivers_and_yield_to_the_url() -> None:
    import sqlalchemy as sa

    from recsvc.ingest.sql import CONNECT_TIMEOUT_S, _connect_args

    plain = _connect_args(sa.make_url("postgresql+psycopg://u@h/db"), {}, CONNECT_TIMEOUT_S)
    assert plain["connect_timeout"] == CONNECT_TIMEOUT_S and plain["keepalives"] == 1
    own = _connect_args(sa.make_url("postgresql+psycopg://u@h/db?connect_timeout=3"), {}, 10)
    assert "connect_timeout" not in own  # the URL's value is used by the driver
    assert _connect_args(sa.make_url("sqlite:///x.db"), {"timeout": 1}, 10) == {"timeout": 1}
