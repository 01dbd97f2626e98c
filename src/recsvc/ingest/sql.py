"""SQL source through a SQLAlchemy URL (SQLite default, PostgreSQL); sqlalchemy's only user."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from recsvc.contract import TABLES
from recsvc.errors import DataSourceError

__all__ = ["SqlSource", "mask_url", "value_strings"]

logger = logging.getLogger(__name__)

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


class SqlSource:
    """Contract tables of the same names in a database, streamed in chunks."""

    def __init__(self, url: str) -> None:
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
            self.engine: Engine = sa.create_engine(parsed, poolclass=NullPool)
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
        names = list(self._columns[table] if columns is None else columns)
        query: sa.Select[*tuple[Any, ...]] = sa.select(*(sa.column(n) for n in names)).select_from(
            sa.table(self._tables[table])
        )
        row = 1
        try:
            with self.engine.connect() as conn:
                conn = conn.execution_options(stream_results=True, max_row_buffer=chunksize)
                for chunk in pd.read_sql(query, conn, chunksize=chunksize, coerce_float=False):
                    frame = pd.DataFrame(
                        {n: value_strings(chunk[n]) for n in names},
                        index=pd.RangeIndex(row, row + len(chunk)),
                    )
                    row += len(chunk)
                    yield frame
        except SQLAlchemyError as exc:
            raise DataSourceError(
                f"{self.location(table)}: reading failed "
                f"({self._safe(str(getattr(exc, 'orig', None) or exc))})"
            ) from None
