"""SQL source through a SQLAlchemy URL (SQLite default, PostgreSQL); sqlalchemy's only user."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import (
    ArgumentError,
    DBAPIError,
    NoSuchModuleError,
    SQLAlchemyError,
)
from sqlalchemy.pool import NullPool

from recsvc.contract import TABLES
from recsvc.errors import DataSourceError
from recsvc.source import RawBatch, frame_of, is_typed

__all__ = ["CONNECT_TIMEOUT_S", "SqlSource", "mask_url", "value_strings"]

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 10
# libpq drivers: give up connecting after CONNECT_TIMEOUT_S, and notice a server that went
# silent mid-read within about a minute (TCP keepalive) instead of hanging for hours
_LIBPQ_DRIVERS = ("psycopg", "psycopg2")
_LIBPQ_KEEPALIVE = {
    "keepalives": 1,
    "keepalives_idle": 30,
    "keepalives_interval": 10,
    "keepalives_count": 3,
}

_PASSWORD = re.compile(r"(://[^:/@]*:)([^@]*)(@)")


def mask_url(url: str) -> str:
    """The URL with any password replaced by ``***``, for messages and logs."""
    return _PASSWORD.sub(r"\1***\3", url)


def _value_text(value: Any) -> str | None:
    if value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating):
        return repr(float(value))
    if isinstance(value, dt.datetime | dt.date | pd.Timestamp):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, Decimal):
        return str(value)
    return str(value)


def value_strings(column: pd.Series) -> np.ndarray:
    """A result column as strings (None for NULL), whatever Python or numpy types it holds."""
    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        aware = getattr(column.dtype, "tz", None) is not None
        naive = column.dt.tz_convert("UTC").dt.tz_localize(None) if aware else column
        stamps = naive.to_numpy(dtype="datetime64[ns]")
        texts = np.datetime_as_string(stamps, unit="ns").astype(object)
        if aware:
            texts = texts + "Z"
        texts[np.isnat(stamps)] = None
        return texts
    if pd.api.types.is_bool_dtype(column.dtype):
        return np.where(column.to_numpy(dtype=bool), "true", "false").astype(object)
    if pd.api.types.is_integer_dtype(column.dtype):
        return np.asarray(column.astype(str), dtype=object)
    if pd.api.types.is_float_dtype(column.dtype):
        values = column.to_numpy(dtype=np.float64)
        texts = values.astype(str).astype(object)  # numpy gives the shortest round-trip repr
        texts[np.isnan(values)] = None
        return texts
    kind = pd.api.types.infer_dtype(column, skipna=True)
    if kind in ("string", "empty"):
        values = column.to_numpy(dtype=object, copy=True)
        values[pd.isna(values)] = None
        return values
    return np.asarray([_value_text(v) for v in column.to_numpy(dtype=object)], dtype=object)


def arrow_column(values: Sequence[Any]) -> pa.Array:
    """One fetched column as Arrow, inferred in C++: strings as strings; integers, floats,
    booleans and timestamps as the driver typed them (the parsers take them without text);
    anything else (decimals, dates, bytes, a mix of types) as :func:`value_strings` writes it.
    """
    try:
        array = pa.array(values, from_pandas=True)  # NaN is NULL, as in value_strings
    except (pa.ArrowException, TypeError, ValueError, OverflowError):
        array = None
    if array is not None:
        if pa.types.is_string(array.type) or pa.types.is_null(array.type):
            return array.cast(pa.string())
        if is_typed(array.type):
            return array
    return pa.array(value_strings(pd.Series(list(values))), pa.string())


def _as_text(column: pa.ChunkedArray) -> pa.Array:
    """A typed column as the text ``iter_chunks`` promises (floats keep Python's repr)."""
    array = column.combine_chunks()
    if pa.types.is_string(array.type):
        return array
    series = pd.Series(array.to_pandas())
    return pa.array(value_strings(series), pa.string())


def _connect_args(url: URL, extra: Mapping[str, Any], timeout_s: int) -> dict[str, Any]:
    """Driver arguments: safe timeouts for libpq drivers, then the URL's, then ``extra``."""
    out: dict[str, Any] = {}
    if url.get_backend_name() == "postgresql" and url.get_driver_name() in _LIBPQ_DRIVERS:
        out = {"connect_timeout": timeout_s, **_LIBPQ_KEEPALIVE}
        for name in url.query:  # the URL's own settings win over these defaults
            out.pop(name, None)
    out.update(extra)
    return out


def _is_disconnect(exc: SQLAlchemyError) -> bool:
    """The connection went away (server restart, killed backend, network), not a bad query.

    SQLAlchemy's dialects know their drivers' disconnect errors and invalidate the
    connection for exactly those; other operational errors (a statement timeout, a full
    disk) are reported as a failed read.
    """
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


class SqlSource:
    """Contract tables of the same names in a database, streamed in chunks.

    ``connect_args`` go to the DBAPI driver's ``connect()`` (they win over the URL's query
    and recsvc's defaults); ``connect_timeout_s`` bounds connecting for libpq drivers.
    """

    def __init__(
        self,
        url: str,
        *,
        connect_args: Mapping[str, Any] | None = None,
        connect_timeout_s: int = CONNECT_TIMEOUT_S,
    ) -> None:
        self.description = f"database {mask_url(url)}"
        try:
            parsed = sa.make_url(url)
        except (ArgumentError, ValueError):
            raise DataSourceError(f"{self.description}: not a valid SQLAlchemy URL") from None
        self.description = f"database {parsed.render_as_string(hide_password=True)}"
        self._password = parsed.password
        if parsed.get_backend_name() == "sqlite":
            self._check_sqlite_file(parsed)
        try:
            self.engine: Engine = sa.create_engine(
                parsed,
                poolclass=NullPool,
                connect_args=_connect_args(parsed, connect_args or {}, connect_timeout_s),
            )
            with self.engine.connect() as conn:
                inspector = sa.inspect(conn)
                self._schema = inspector.default_schema_name
                names = inspector.get_table_names()
                self._tables = {n.lower(): n for n in names if n.lower() in TABLES}
                self._columns = {
                    t: [str(c["name"]) for c in inspector.get_columns(n)]
                    for t, n in self._tables.items()
                }
        except (NoSuchModuleError, ModuleNotFoundError) as exc:
            raise DataSourceError(
                f"{self.description}: no driver for this URL ({exc}); install it or use "
                "postgresql+psycopg:// or sqlite:///"
            ) from None
        except SQLAlchemyError as exc:
            raise DataSourceError(
                f"{self.description}: cannot connect or read the table list "
                f"({self._safe(str(getattr(exc, 'orig', None) or exc))})"
            ) from None

    def _check_sqlite_file(self, url: URL) -> None:
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            return
        if not Path(database).is_file():
            raise DataSourceError(
                f"{self.description}: SQLite file {database} does not exist "
                "(sqlite:///relative/path.db or sqlite:////absolute/path.db)"
            )

    def _safe(self, text: str) -> str:
        first = text.strip().splitlines()[0] if text.strip() else text
        return first.replace(self._password, "***") if self._password else first

    def table_names(self) -> set[str]:
        return set(self._tables)

    def location(self, table: str) -> str:
        return f"table {self._tables[table]} of {self.description}"

    def columns(self, table: str) -> list[str]:
        return list(self._columns[table])

    def iter_chunks(
        self, table: str, chunksize: int = 200_000, *, columns: Sequence[str] | None = None
    ) -> Iterator[pd.DataFrame]:
        for batch in self.iter_batches(table, chunksize, columns=columns):
            texts = [_as_text(column) for column in batch.table.columns]
            yield frame_of(RawBatch(pa.table(texts, names=batch.table.column_names), batch.rows))

    def iter_batches(
        self, table: str, chunksize: int = 200_000, *, columns: Sequence[str] | None = None
    ) -> Iterator[RawBatch]:
        """``chunksize`` rows per fetch, each column turned into Arrow by :func:`arrow_column`."""
        names = list(self._columns[table] if columns is None else columns)
        query: sa.Select[*tuple[Any, ...]] = sa.select(*(sa.column(n) for n in names)).select_from(
            sa.table(self._tables[table])
        )
        row = 1
        try:
            with self.engine.connect() as conn:
                conn = conn.execution_options(stream_results=True, max_row_buffer=chunksize)
                result = conn.execute(query)
                cursor = result.cursor  # closed by hand: a dead connection leaves it open
                try:
                    while rows := result.fetchmany(chunksize):
                        arrays = [arrow_column(values) for values in zip(*rows, strict=True)]
                        numbers = np.arange(row, row + len(rows), dtype=np.int64)
                        row += len(rows)
                        yield RawBatch(pa.table(arrays, names=names), numbers)
                finally:
                    with contextlib.suppress(Exception):  # the connection may be gone
                        cursor.close()
        except SQLAlchemyError as exc:
            detail = self._safe(str(getattr(exc, "orig", None) or exc))
            done = f"{row - 1:,} row{'' if row == 2 else 's'}"
            if _is_disconnect(exc):
                raise DataSourceError(
                    f"lost the connection to {self.description} while reading table "
                    f"{self._tables[table]} after {done} ({detail}); nothing was loaded, "
                    "trained or written. Check that the database is up and reachable, then "
                    "run again."
                ) from None
            raise DataSourceError(
                f"{self.location(table)}: reading failed after {done} ({detail}); nothing "
                "was loaded, trained or written"
            ) from None
