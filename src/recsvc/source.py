"""The ``Source`` protocol: raw access to the contract tables of one data source.

Its own module so that ``validate`` can type against a source without importing ``ingest``
(which imports ``validate`` to load tables); ``recsvc.ingest`` re-exports it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol, runtime_checkable

import pandas as pd

__all__ = ["Source"]


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
