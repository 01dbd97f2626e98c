"""The ``Source`` protocol: raw access to the contract tables of one data source.

Its own module so that ``validate`` can type against a source without importing ``ingest``
(which imports ``validate`` to load tables); ``recsvc.ingest`` re-exports it.

Sources hand over raw text as Arrow string columns (:class:`RawBatch`), so validation parses
every value once, in Arrow kernels, without a Python object per cell. ``iter_chunks`` (pandas
frames of strings) stays for callers and wrappers written against the older interface.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

__all__ = [
    "BatchSource",
    "RawBatch",
    "Source",
    "batches_of",
    "frame_of",
    "is_typed",
    "rechunk",
]


def is_typed(kind: pa.DataType) -> bool:
    """A type the parsers take as it is, without text: integers, floats, booleans, timestamps."""
    return bool(
        pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_timestamp(kind)
    )


@dataclass(frozen=True)
class RawBatch:
    """Raw values of consecutive rows: one Arrow column per source column, strings (null
    when empty) or, from Parquet, numbers, booleans and timestamps as stored; and each row's
    number as a user would look it up (CSV: the line of the record, header = line 1; Parquet
    and SQL: the 1-based ordinal)."""

    table: pa.Table
    rows: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.table.num_rows)


@runtime_checkable
class Source(Protocol):
    """Raw access to the contract tables of one source.

    ``iter_chunks`` yields string values (object dtype, missing as None/NaN) under the
    source's own column names; the index holds each row's number as in :class:`RawBatch`.
    """

    description: str  # safe to print: passwords are masked

    def table_names(self) -> set[str]: ...

    def columns(self, table: str) -> list[str]: ...

    def location(self, table: str) -> str: ...

    def iter_chunks(
        self, table: str, chunksize: int = 200_000, *, columns: Sequence[str] | None = None
    ) -> Iterator[pd.DataFrame]: ...


@runtime_checkable
class BatchSource(Source, Protocol):
    """A source that reads straight into Arrow (every source recsvc ships)."""

    def iter_batches(
        self, table: str, chunksize: int = 200_000, *, columns: Sequence[str] | None = None
    ) -> Iterator[RawBatch]: ...


def frame_of(batch: RawBatch) -> pd.DataFrame:
    """A batch as the pandas frame ``Source.iter_chunks`` promises (object strings, None)."""
    data = {
        name: np.asarray(column.to_numpy(zero_copy_only=False), dtype=object)
        for name, column in zip(batch.table.column_names, batch.table.columns, strict=True)
    }
    return pd.DataFrame(data, index=pd.Index(batch.rows), columns=batch.table.column_names)


def _arrow_text(values: pd.Series) -> pa.Array:
    array = values.to_numpy(dtype=object, copy=True)
    array[pd.isna(array)] = None
    return pa.array([None if v is None else str(v) for v in array], type=pa.string())


def batches_of(
    source: Source, table: str, chunksize: int, columns: Sequence[str]
) -> Iterator[RawBatch]:
    """Raw batches of any source: its own Arrow reader, or its pandas chunks converted."""
    if isinstance(source, BatchSource):
        yield from source.iter_batches(table, chunksize, columns=columns)
        return
    for frame in source.iter_chunks(table, chunksize, columns=columns):
        arrays = [_arrow_text(frame[name]) for name in columns]
        yield RawBatch(pa.table(arrays, names=list(columns)), frame.index.to_numpy(dtype=np.int64))


def rechunk(
    batches: Iterable[pa.RecordBatch], chunksize: int, first_row: int
) -> Iterator[RawBatch]:
    """Gather record batches into tables of ``chunksize`` rows numbered from ``first_row``."""
    pending: list[pa.RecordBatch] = []
    count = 0
    row = first_row

    def flush() -> RawBatch:
        nonlocal row, pending, count
        table = pa.Table.from_batches(pending).combine_chunks()
        out = RawBatch(table, np.arange(row, row + table.num_rows, dtype=np.int64))
        row += table.num_rows
        pending, count = [], 0
        return out

    for batch in batches:
        while batch.num_rows:
            take = min(batch.num_rows, chunksize - count)
            pending.append(batch.slice(0, take))
            count += take
            batch = batch.slice(take)
            if count >= chunksize:
                yield flush()
    if count:
        yield flush()
