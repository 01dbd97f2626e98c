"""One interface over every data source: open a folder or URL, then load validated tables."""

from __future__ import annotations

import re
from pathlib import Path

from recsvc.errors import DataSourceError
from recsvc.source import Source
from recsvc.validate import LoadedData, validate_tables

__all__ = ["LoadedData", "Source", "is_url", "load_tables", "open_source"]

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


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
