"""One interface over every data source: open a folder or URL, then load validated tables."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import pandas as pd

from recsvc.errors import DataSourceError
from recsvc.validate import LoadedData, validate_tables

__all__ = ["LoadedData", "Source", "is_url", "load_tables", "open_source"]

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


@runtime_checkable
class Source(Protocol):
    """Raw access to the contract tables of one source.

    ``iter_chunks`` yields string values (object dtype, missing as None/NaN) under the
    source's own column names; the index holds each row's number as a user would look it up
    (CSV: the file line, header = line 1; Parquet and SQL: the 1-based ordinal).
    """

    description: str  # safe to print: passwords are masked

    def table_names(self) -> set[str]: ...

    def columns(self, table: str) -> list[str]: ...

    def location(self, table: str) -> str: ...

    def iter_chunks(
        self, table: str, chunksize: int = 200_000, *, columns: Sequence[str] | None = None
    ) -> Iterator[pd.DataFrame]: ...


def is_url(source: str | Path) -> bool:
    """True for ``dialect[+driver]://...`` strings (SQLAlchemy URLs)."""
    return isinstance(source, str) and bool(_URL.match(source))


def open_source(source: str | Path | Source) -> Source:
    """Open a CSV folder, a Parquet folder or a SQLAlchemy URL as a :class:`Source`.

    An already open :class:`Source` is returned as is, so callers (and tests) can pass a
    source built with options, e.g. ``SqlSource(url, connect_args=...)``.
    """
    if isinstance(source, Source):
        return source
    if is_url(source):
        from recsvc.ingest.sql import SqlSource  # sqlalchemy only when a database is used

        return SqlSource(str(source))
    from recsvc.ingest.files import open_folder

    if isinstance(source, str) and not source.strip():
        raise DataSourceError("no data source given; pass a folder or a SQLAlchemy URL")
    return open_folder(Path(source))


def load_tables(
    source: str | Path | Source, *, max_bad_share: float = 0.05, chunksize: int = 200_000
) -> LoadedData:
    """Open ``source`` and validate it: clean tables plus report, or a clear error."""
    return validate_tables(open_source(source), max_bad_share=max_bad_share, chunksize=chunksize)
