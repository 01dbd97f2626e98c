"""SQL source on SQLite: discovery, streamed chunks as strings, masked passwords, clear errors."""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recsvc.errors import DataSourceError
from recsvc.ingest import load_tables, open_source
from recsvc.ingest.sql import SqlSource, mask_url, value_strings


def sqlite_db(tmp_path: Path) -> str:
    path = tmp_path / "lms.db"
    with sqlite3.connect(path) as conn:
        conn.execute(
            'CREATE TABLE "Content" '
            '(content_id TEXT, title TEXT, "duration_minutes" REAL, extra INT)'
        )
        conn.executemany(
            'INSERT INTO "Content" VALUES (?, ?, ?, ?)',
            [("C1", "Python", 0.1 + 0.2, 1), ("C2", "SQL", None, 2), ("C3", "Go", 3.0, None)],
        )
        conn.execute(
            "CREATE TABLE enrolments (employee_id TEXT, content_id TEXT, enrolled_at TEXT)"
        )
        conn.executemany(
            "INSERT INTO enrolments VALUES (?, ?, ?)",
            [("E1", "C1", "2024-01-01"), ("E2", "C9", "2024-01-02 10:00:00")],
        )
        conn.execute("CREATE TABLE audit_log (x TEXT)")
    return f"sqlite:///{path}"


def test_sqlite_tables_columns_and_string_chunks(tmp_path: Path) -> None:
    source = open_source(sqlite_db(tmp_path))
    assert isinstance(source, SqlSource)
    assert source.table_names() == {"content", "enrolments"}
    assert source.columns("content") == ["content_id", "title", "duration_minutes", "extra"]
    chunks = list(
        source.iter_chunks("content", chunksize=2, columns=["content_id", "duration_minutes"])
    )
    assert [list(c.index) for c in chunks] == [[1, 2], [3]]
    frame = pd.concat(chunks)
    assert list(frame.columns) == ["content_id", "duration_minutes"]
    assert frame["duration_minutes"].tolist() == ["0.30000000000000004", None, "3.0"]


def test_sqlite_validates_like_files(tmp_path: Path) -> None:
    loaded = load_tables(sqlite_db(tmp_path), max_bad_share=0.5)
    assert loaded.tables["content"]["duration_minutes"].tolist()[0] == 0.1 + 0.2
    assert loaded.tables["enrolments"]["employee_id"].tolist() == ["E1"]
    (issue,) = [i for i in loaded.report.issues if i.code == "unknown_reference"]
    assert (issue.table, issue.row, issue.column, issue.value) == (
        "enrolments",
        2,
        "content_id",
        "C9",
    )
    assert loaded.report.tables["content"].extra_columns == ["extra"]


def test_missing_sqlite_file_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "nope.db"
    with pytest.raises(DataSourceError, match="does not exist"):
        open_source(f"sqlite:///{missing}")
    assert not missing.exists()


def test_password_is_masked_everywhere() -> None:
    assert (
        mask_url("postgresql+psycopg://bob:pa:ss@db:5432/x")
        == "postgresql+psycopg://bob:***@db:5432/x"
    )
    with pytest.raises(DataSourceError) as caught:
        # port 1 on loopback: refused at once, no server needed
        open_source("postgresql+psycopg://bob:hunter2@127.0.0.1:1/lms?connect_timeout=2")
    message = str(caught.value)
    assert "hunter2" not in message and "***" in message and "cannot connect" in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_unknown_driver_and_bad_url() -> None:
    with pytest.raises(DataSourceError, match="no driver"):
        open_source("nosuchdb://user:pw@host/db")
    with pytest.raises(DataSourceError, match="not a valid SQLAlchemy URL"):
        open_source("postgresql+psycopg://user:secret@host:notaport/db")


def test_value_strings_for_native_types() -> None:
    stamps = pd.to_datetime(pd.Series(["2024-01-02T03:04:05.5", None]))
    stamps = stamps.dt.tz_localize("Europe/Berlin")
    assert value_strings(stamps).tolist() == ["2024-01-02T02:04:05.500000000Z", None]
    naive = pd.Series(pd.to_datetime(pd.Series(["2024-01-02", None])))
    assert value_strings(naive).tolist() == ["2024-01-02T00:00:00.000000000", None]
    assert value_strings(pd.Series([True, False])).tolist() == ["true", "false"]
    assert value_strings(pd.Series([1, 2])).tolist() == ["1", "2"]
    assert value_strings(pd.Series([0.1 + 0.2, np.nan])).tolist() == ["0.30000000000000004", None]
    mixed = pd.Series([Decimal("1.50"), None, dt.date(2024, 1, 2), True, 2.5, b"x"], dtype=object)
    assert value_strings(mixed).tolist() == ["1.50", None, "2024-01-02", "true", "2.5", "x"]


def test_fetched_columns_become_arrow_typed_or_text() -> None:
    import pyarrow as pa

    from recsvc.ingest.sql import arrow_column

    utc = dt.UTC
    cases: list[tuple[list[object], pa.DataType, list[object]]] = [
        (["a", None, "b"], pa.string(), ["a", None, "b"]),
        ([1, None, 3], pa.int64(), [1, None, 3]),
        ([0.5, float("nan"), None], pa.float64(), [0.5, None, None]),
        ([True, False, None], pa.bool_(), [True, False, None]),
        ([None, None], pa.string(), [None, None]),
        ([Decimal("1.50"), None], pa.string(), ["1.50", None]),
        ([dt.date(2024, 1, 2)], pa.string(), ["2024-01-02"]),
        ([b"bytes"], pa.string(), ["bytes"]),
        (["E1", 7], pa.string(), ["E1", "7"]),  # SQLite lets a column mix types
        ([2**70, 1], pa.string(), [str(2**70), "1"]),  # beyond int64
    ]
    for values, kind, expected in cases:
        array = arrow_column(values)
        assert (array.type, array.to_pylist()) == (kind, expected), values
    stamps = arrow_column([dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=utc), None])
    assert pa.types.is_timestamp(stamps.type)
    assert stamps.cast(pa.timestamp("ns", "UTC")).to_pylist()[0] == pd.Timestamp(
        "2024-01-02T03:04:05Z"
    )
