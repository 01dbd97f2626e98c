"""CSV and Parquet folder sources: chunked string reads with encoding, BOM and delimiter checks."""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from recsvc.contract import TABLES
from recsvc.errors import DataContractError, DataSourceError

__all__ = [
    "CSV_SUFFIXES",
    "PARQUET_SUFFIXES",
    "CsvFolderSource",
    "ParquetFolderSource",
    "locate_bad_utf8",
    "open_folder",
]

logger = logging.getLogger(__name__)

CSV_SUFFIXES = (".csv",)
PARQUET_SUFFIXES = (".parquet", ".pq")
_HEADER_BYTES = 1 << 16
_DELIMITERS = {";": ";", "\t": "tab", "|": "|"}


def _contract_files(folder: Path, suffixes: tuple[str, ...]) -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted(folder.iterdir()):
        name = path.name.lower()
        for suffix in suffixes:
            table = name[: -len(suffix)] if name.endswith(suffix) else None
            if table in TABLES and path.is_file():
                found[table] = path
    return found


def open_folder(folder: Path) -> CsvFolderSource | ParquetFolderSource:
    """Pick the folder's kind from the contract tables it holds."""
    if not folder.exists():
        raise DataSourceError(f"data folder {folder} does not exist")
    if not folder.is_dir():
        raise DataSourceError(
            f"{folder} is not a folder; pass a folder of CSV or Parquet files or a "
            "SQLAlchemy URL such as sqlite:///path/to/data.db"
        )
    csv_files = _contract_files(folder, CSV_SUFFIXES)
    parquet_files = _contract_files(folder, PARQUET_SUFFIXES)
    if csv_files and parquet_files:
        raise DataSourceError(
            f"data folder {folder} holds both CSV and Parquet files of contract tables; "
            "keep one kind per folder"
        )
    if csv_files:
        return CsvFolderSource(folder, csv_files)
    if parquet_files:
        return ParquetFolderSource(folder, parquet_files)
    raise DataSourceError(
        f"data folder {folder} holds no contract tables as .csv or .parquet files "
        f"(expected names such as enrolments.csv and content.csv)"
    )


def locate_bad_utf8(path: Path) -> tuple[int, int, bytes]:
    """Byte offset, 1-based line and the bytes of the first invalid UTF-8 sequence."""
    offset = 0
    line = 1
    carry = b""
    with path.open("rb") as handle:
        while True:
            block = handle.read(1 << 20)
            data = carry + block
            if not data:
                break
            try:
                data.decode("utf-8")
            except UnicodeDecodeError as exc:
                if block and exc.reason == "unexpected end of data":
                    line += data.count(b"\n", 0, exc.start)
                    offset += exc.start
                    carry = data[exc.start :]
                    continue
                line += data.count(b"\n", 0, exc.start)
                return offset + exc.start, line, data[exc.start : exc.start + 4]
            line += data.count(b"\n")
            offset += len(data)
            carry = b""
    return -1, -1, b""


def _encoding_error(path: Path) -> DataContractError:
    offset, line, sample = locate_bad_utf8(path)
    where = f" at byte {offset} (line {line}, bytes {sample!r})" if offset >= 0 else ""
    return DataContractError(
        f"{path.name}: not valid UTF-8{where}. recsvc reads UTF-8 (a BOM is fine); "
        "re-export the file as UTF-8, e.g. `iconv -f latin1 -t utf-8 in.csv > out.csv`."
    )


class CsvFolderSource:
    """A folder of ``<table>.csv`` files: UTF-8 (BOM allowed), comma-separated, header row."""

    def __init__(self, folder: Path, files: dict[str, Path]) -> None:
        self.folder = folder
        self.files = files
        self.description = f"CSV folder {folder}"

    def table_names(self) -> set[str]:
        return set(self.files)

    def location(self, table: str) -> str:
        return f"{self.files[table].name} in {self.description}"

    def columns(self, table: str) -> list[str]:
        path = self.files[table]
        with path.open("rb") as handle:
            head = handle.read(_HEADER_BYTES)
        if not head.strip():
            raise DataContractError(
                f"{self.location(table)}: the file is empty; it needs a header row with the "
                f"column names (delete the file if you do not provide {table})"
            )
        try:
            text = head.decode("utf-8-sig", errors="strict")
        except UnicodeDecodeError as exc:
            if exc.reason != "unexpected end of data" or exc.end < len(head) - 4:
                raise _encoding_error(path) from None
            text = head[: exc.start].decode("utf-8-sig")
        first = text.splitlines()[0] if text.splitlines() else ""
        if not first.strip():
            raise DataContractError(
                f"{self.location(table)}: the first line is empty; it must be the header row"
            )
        names = next(csv.reader([first]))
        if len(names) == 1:
            for sign, label in _DELIMITERS.items():
                if sign in names[0]:
                    raise DataContractError(
                        f"{self.location(table)}: the header looks {label}-delimited, "
                        "recsvc expects comma-separated CSV; re-export with ',' as delimiter"
                    )
        return [name.strip() for name in names]

    def iter_chunks(
        self, table: str, chunksize: int = 200_000, *, columns: Sequence[str] | None = None
    ) -> Iterator[pd.DataFrame]:
        path = self.files[table]
        header = self.columns(table)
        # pandas returns usecols in file order whatever order they are given in
        wanted = None if columns is None else sorted({header.index(c) for c in columns})
        line = 2
        try:
            reader = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                chunksize=chunksize,
                encoding="utf-8-sig",
                usecols=wanted,
                header=0,
                skipinitialspace=False,
                engine="c",
            )
            with reader:
                for chunk in reader:
                    chunk.columns = [header[i] for i in (wanted or range(len(header)))]
                    chunk.index = pd.RangeIndex(line, line + len(chunk))
                    line += len(chunk)
                    yield chunk
        except UnicodeDecodeError:
            raise _encoding_error(path) from None
        except pd.errors.ParserError as exc:
            raise DataContractError(
                f"{self.location(table)}: cannot parse the CSV ({exc}). "
                "Check quoting and that every row has as many fields as the header."
            ) from None
        except pd.errors.EmptyDataError:
            return


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
            return pq.ParquetFile(path)
        except (pa.ArrowInvalid, OSError) as exc:
            raise DataContractError(
                f"{self.location(table)}: not a readable Parquet file ({exc})"
            ) from None

    def columns(self, table: str) -> list[str]:
        return [str(n) for n in self._open(table).schema_arrow.names]

    def iter_chunks(
        self, table: str, chunksize: int = 200_000, *, columns: Sequence[str] | None = None
    ) -> Iterator[pd.DataFrame]:
        handle = self._open(table)
        row = 1
        try:
            for batch in handle.iter_batches(
                batch_size=chunksize, columns=None if columns is None else list(columns)
            ):
                frame = pd.DataFrame(
                    {
                        name: _arrow_strings(batch.column(i), name, self.location(table))
                        for i, name in enumerate(batch.schema.names)
                    },
                    index=pd.RangeIndex(row, row + batch.num_rows),
                )
                row += batch.num_rows
                yield frame
        finally:
            handle.close()


def _arrow_strings(array: pa.Array, name: str, where: str) -> np.ndarray:
    """Cast one Parquet column to strings, so every source goes through the same parsers."""
    if not (pa.types.is_string(array.type) or pa.types.is_large_string(array.type)):
        try:
            array = pc.cast(array, pa.string())
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise DataContractError(
                f"{where}: column {name!r} has Parquet type {array.type}, which cannot be read "
                f"as a single value per row ({exc}); store it as text, number or timestamp"
            ) from None
    return np.asarray(array.to_numpy(zero_copy_only=False), dtype=object)
