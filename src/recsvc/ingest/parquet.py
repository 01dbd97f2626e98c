"""Parquet folder source: batch reads cast to Arrow strings; a corrupt file is a clear error."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from recsvc.errors import DataContractError
from recsvc.source import RawBatch, frame_of, is_typed
from recsvc.validate.columns import show

__all__ = ["PARQUET_SUFFIXES", "ParquetFolderSource"]

PARQUET_SUFFIXES = (".parquet", ".pq")
# what a corrupt or hostile file raises while pyarrow reads it (UnicodeDecodeError and
# ArrowInvalid are ValueErrors)
_READ_ERRORS = (pa.ArrowException, OSError, ValueError)


class ParquetFolderSource:
    """A folder of ``<table>.parquet`` files, read batch by batch."""

    def __init__(self, folder: Path, files: dict[str, Path]) -> None:
        self.folder = folder
        self.files = files
        self.description = f"Parquet folder {folder}"

    def table_names(self) -> set[str]:
        return set(self.files)

    def location(self, table: str) -> str:
        return f"{self.files[table].name} in {self.description}"

    def _open(self, table: str) -> pq.ParquetFile:
        path = self.files[table]
        if path.stat().st_size == 0:
            raise DataContractError(
                f"{self.location(table)}: the file is empty (0 bytes); write the table again "
                f"or delete the file if you do not provide {table}"
            )
        try:
            handle = pq.ParquetFile(path)
            handle.schema_arrow  # noqa: B018 - a corrupt schema fails here, not later
        except _READ_ERRORS as exc:
            raise DataContractError(
                f"{self.location(table)}: not a readable Parquet file ({_first_line(exc)})"
            ) from None
        return handle

    def columns(self, table: str) -> list[str]:
        handle = self._open(table)
        try:
            return [str(n) for n in handle.schema_arrow.names]
        finally:
            handle.close()

    def iter_chunks(
        self, table: str, chunksize: int = 200_000, *, columns: Sequence[str] | None = None
    ) -> Iterator[pd.DataFrame]:
        where = self.location(table)
        for batch in self.iter_batches(table, chunksize, columns=columns):
            texts = [
                _arrow_strings(column, name, where, typed=False)
                for name, column in zip(batch.table.column_names, batch.table.columns, strict=True)
            ]
            yield frame_of(RawBatch(pa.table(texts, names=batch.table.column_names), batch.rows))

    def iter_batches(
        self, table: str, chunksize: int = 200_000, *, columns: Sequence[str] | None = None
    ) -> Iterator[RawBatch]:
        """Batches as stored: numbers, booleans and timestamps keep their Parquet types (the
        parsers take them as they are; formatting them as text and parsing it again cost
        most of the load), every other column becomes Arrow strings."""
        handle = self._open(table)
        where = self.location(table)
        row = 1
        try:
            batches = handle.iter_batches(
                batch_size=chunksize, columns=None if columns is None else list(columns)
            )
            while (batch := _next_batch(batches, where, row)) is not None:
                names = list(batch.schema.names)
                texts = [
                    _arrow_strings(batch.column(i), name, where) for i, name in enumerate(names)
                ]
                rows = np.arange(row, row + batch.num_rows, dtype=np.int64)
                row += batch.num_rows
                yield RawBatch(pa.table(texts, names=names), rows)
        finally:
            handle.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:200] if text else type(exc).__name__


def _next_batch(batches: Iterator[pa.RecordBatch], where: str, row: int) -> pa.RecordBatch | None:
    """The next record batch, or None at the end; a corrupt page becomes a clear error."""
    try:
        return next(batches)
    except StopIteration:
        return None
    except _READ_ERRORS as exc:
        raise DataContractError(
            f"{where}: the Parquet data is corrupt or unreadable from row {row} on "
            f"({_first_line(exc)}); write the file again. Nothing from it was used."
        ) from None


def _arrow_strings(array: pa.Array, name: str, where: str, *, typed: bool = True) -> pa.Array:
    """One Parquet column as strings (or, with ``typed``, as stored when :func:`is_typed`)."""
    shown = show(name, 40)
    if typed and is_typed(array.type):
        return array
    if pa.types.is_binary(array.type) or pa.types.is_large_binary(array.type):
        try:
            array = pc.cast(array, pa.string())  # checks that the bytes are UTF-8
        except pa.ArrowInvalid:
            raise DataContractError(
                f"{where}: column {shown} holds bytes that are not UTF-8 text; store it as "
                "UTF-8 text"
            ) from None
    elif not pa.types.is_string(array.type):
        try:
            array = pc.cast(array, pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise DataContractError(
                f"{where}: column {shown} has Parquet type {array.type}, which cannot be read "
                f"as a single value per row ({_first_line(exc)}); store it as text, number or "
                "timestamp"
            ) from None
    try:
        array.validate(full=True)  # a corrupt page can hold bytes that are not UTF-8
    except _READ_ERRORS as exc:
        raise DataContractError(
            f"{where}: column {shown} holds values that are not valid UTF-8 text "
            f"({_first_line(exc)}); write the file again"
        ) from None
    return array
