"""Folder sources: pick CSV or Parquet by the files present; pyarrow CSV reads with clear errors."""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa

from recsvc.contract import TABLES
from recsvc.errors import DataContractError, DataSourceError
from recsvc.ingest.csv_checks import (
    BLOCK_BYTES,
    encoding_error,
    find_nul,
    first_invalid_row,
    locate_bad_utf8,
    open_csv,
    parse_error,
    scan_bytes,
    unclosed_quote,
)
from recsvc.ingest.parquet import PARQUET_SUFFIXES, ParquetFolderSource
from recsvc.source import RawBatch, frame_of, rechunk

__all__ = [
    "CSV_SUFFIXES",
    "PARQUET_SUFFIXES",
    "CsvFolderSource",
    "ParquetFolderSource",
    "find_nul",
    "locate_bad_utf8",
    "open_folder",
]

logger = logging.getLogger(__name__)

CSV_SUFFIXES = (".csv",)
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


class CsvFolderSource:
    """A folder of ``<table>.csv`` files: UTF-8 (BOM allowed), comma-separated, header row.

    pandas reads the header row (its names, with quoted commas and line breaks); pyarrow
    reads the rows, header included, and refuses any row whose field count differs from the
    header's, so the two can never disagree on where a column is.
    """

    def __init__(self, folder: Path, files: dict[str, Path]) -> None:
        self.folder = folder
        self.files = files
        self.description = f"CSV folder {folder}"
        self._headers: dict[str, list[str]] = {}

    def table_names(self) -> set[str]:
        return set(self.files)

    def location(self, table: str) -> str:
        return f"{self.files[table].name} in {self.description}"

    def columns(self, table: str) -> list[str]:
        if table not in self._headers:
            self._headers[table] = self._read_header(table)
        return list(self._headers[table])

    def _read_header(self, table: str) -> list[str]:
        path = self.files[table]
        with path.open("rb") as handle:
            head = handle.read(_HEADER_BYTES)
        if not head.strip():
            raise DataContractError(
                f"{self.location(table)}: the file is empty; it needs a header row with the "
                f"column names (delete the file if you do not provide {table})"
            )
        try:  # a wrong encoding is the likelier diagnosis than NUL bytes (e.g. UTF-16)
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.reason != "unexpected end of data" or exc.end < len(head) - 4:
                raise encoding_error(path, self.location(table)) from None
        nul, quotes = scan_bytes(path)
        if nul is not None:
            utf16 = head.count(b"\0") * 4 > len(head)
            why = "it looks UTF-16 encoded" if utf16 else "the file is corrupt or not text"
            raise DataContractError(
                f"{self.location(table)}: NUL byte at byte {nul[0]} (line {nul[1]}); CSV text "
                f"never holds NUL bytes, so {why}. Re-export it as UTF-8 text."
            )
        if not head.removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0].strip():
            raise DataContractError(
                f"{self.location(table)}: the first line is empty; it must be the header row"
            )
        try:
            first = pd.read_csv(
                path,
                header=None,
                nrows=1,
                dtype=str,
                na_filter=False,
                encoding="utf-8-sig",
                engine="c",
                skip_blank_lines=False,
            )
        except UnicodeDecodeError:
            raise encoding_error(path, self.location(table)) from None
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
            raise parse_error(self.location(table), exc) from None
        names = [str(v) for v in first.iloc[0].tolist()] if len(first) else []
        if len(names) == 1:
            for sign, label in _DELIMITERS.items():
                if sign in names[0]:
                    raise DataContractError(
                        f"{self.location(table)}: the header looks {label}-delimited, "
                        "recsvc expects comma-separated CSV; re-export with ',' as delimiter"
                    )
        if quotes % 2 and unclosed_quote(path):
            raise DataContractError(
                f"{self.location(table)}: cannot parse the CSV: the file ends inside a quoted "
                "field. A quoted field is never closed: the file may be truncated. Check "
                "quoting and that every row has as many fields as the header."
            )
        return [name.strip() for name in names]

    def iter_chunks(
        self, table: str, chunksize: int = 200_000, *, columns: Sequence[str] | None = None
    ) -> Iterator[pd.DataFrame]:
        for batch in self.iter_batches(table, chunksize, columns=columns):
            yield frame_of(batch)

    def iter_batches(
        self, table: str, chunksize: int = 200_000, *, columns: Sequence[str] | None = None
    ) -> Iterator[RawBatch]:
        """Rows as Arrow strings (empty fields null), read by pyarrow's multi-threaded parser.

        Every field is typed as a string: the contract's parsers then see the text as
        written and report each bad value with its line, where a typed read would refuse
        the whole file at its first bad number. A row with more or fewer fields than the
        header refuses the file (an unquoted comma shifts every later column).
        """
        header = self.columns(table)
        wanted = list(header) if columns is None else list(columns)
        picks = [f"f{header.index(name)}" for name in wanted]
        batches = self._record_batches(table, len(header), picks)
        for raw in rechunk(batches, chunksize, first_row=2):
            yield RawBatch(raw.table.rename_columns(wanted), raw.rows)

    def _record_batches(self, table: str, width: int, picks: list[str]) -> Iterator[pa.RecordBatch]:
        """Record batches after the header; a row longer than a block gets a bigger block."""
        path = self.files[table]
        done = 0  # data rows already handed out, skipped when a bigger block starts again
        block = BLOCK_BYTES
        while True:
            try:
                skip = done + 1  # the header, then what was handed out
                for batch in open_csv(path, width, picks, block):
                    if skip >= batch.num_rows:
                        skip -= batch.num_rows
                        continue
                    batch = batch.slice(skip)
                    skip = 0
                    done += batch.num_rows
                    yield batch
                return
            except pa.ArrowInvalid as exc:
                text = str(exc)
                if "straddl" in text and block < path.stat().st_size:
                    block *= 8
                    continue
                raise self._read_error(table, width, text) from None

    def _read_error(self, table: str, width: int, text: str) -> DataContractError:
        path, where = self.files[table], self.location(table)
        if "UTF8" in text or "UTF-8" in text:
            return encoding_error(path, where)
        if "Expected" in text and "columns, got" in text:
            found = first_invalid_row(path, width)
            if found is not None:
                line, fields = found
                return DataContractError(
                    f"{where}: cannot parse the CSV: the row at line {line} has {fields} field"
                    f"{'' if fields == 1 else 's'}, the header {width}. Quote fields that "
                    'contain commas (RFC 4180: "a, b") and check that every row has as many '
                    "fields as the header. Nothing from this file was used."
                )
        return parse_error(where, ValueError(text))
