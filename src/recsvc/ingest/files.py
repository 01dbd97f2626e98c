"""Folder sources: pick CSV or Parquet by the files present; pyarrow CSV reads with clear errors."""

from __future__ import annotations

import csv
import logging
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from recsvc.contract import TABLES
from recsvc.errors import DataContractError, DataSourceError
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
_SCAN_BYTES = 1 << 20
_BLOCK_BYTES = 4 << 20  # pyarrow's read block; grown for a row longer than this
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


def _encoding_error(path: Path, where: str) -> DataContractError:
    offset, line, sample = locate_bad_utf8(path)
    at = f" at byte {offset} (line {line}, bytes {sample!r})" if offset >= 0 else ""
    cut = offset >= 0 and sample[:1] >= b"\xc0" and offset + len(sample) == path.stat().st_size
    hint = " The file ends in the middle of a character: it looks truncated." if cut else ""
    return DataContractError(
        f"{where}: not valid UTF-8{at}.{hint} recsvc reads UTF-8 (a BOM is fine); "
        "re-export the file as UTF-8, e.g. `iconv -f latin1 -t utf-8 in.csv > out.csv`."
    )


def find_nul(path: Path) -> tuple[int, int] | None:
    """Byte offset and 1-based line of the first NUL byte, or None."""
    return scan_bytes(path)[0]


def scan_bytes(path: Path) -> tuple[tuple[int, int] | None, int]:
    """The first NUL byte (offset, 1-based line) or None, and the count of quote characters.

    CSV parsers end a field at a NUL byte (``C\\x002`` would become ``C``), so a file
    holding one is refused before it is parsed; an odd count of quotes is how a quoted
    field never closed shows (see :func:`unclosed_quote`). ``bytes.find`` and
    ``bytes.count`` run at memory speed, far below the cost of parsing.
    """
    offset = 0
    quotes = 0
    with path.open("rb") as handle:
        while block := handle.read(_SCAN_BYTES):
            found = block.find(b"\0")
            if found >= 0:
                hit = offset + found
                handle.seek(0)
                before = handle.read(hit)
                return (hit, before.count(b"\n") + 1), quotes
            quotes += block.count(b'"')
            offset += len(block)
    return None, quotes


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
                raise _encoding_error(path, self.location(table)) from None
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
            raise _encoding_error(path, self.location(table)) from None
        except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
            raise _parse_error(self.location(table), exc) from None
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
        block = _BLOCK_BYTES
        while True:
            try:
                skip = done + 1  # the header, then what was handed out
                for batch in _open_csv(path, width, picks, block):
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
            return _encoding_error(path, where)
        if "Expected" in text and "columns, got" in text:
            found = _first_invalid_row(path, width)
            if found is not None:
                line, fields = found
                return DataContractError(
                    f"{where}: cannot parse the CSV: the row at line {line} has {fields} field"
                    f"{'' if fields == 1 else 's'}, the header {width}. Quote fields that "
                    'contain commas (RFC 4180: "a, b") and check that every row has as many '
                    "fields as the header. Nothing from this file was used."
                )
        return _parse_error(where, ValueError(text))


def _read_options(width: int, block: int, *, use_threads: bool) -> pacsv.ReadOptions:
    names = [f"f{i}" for i in range(width)]
    return pacsv.ReadOptions(column_names=names, block_size=block, use_threads=use_threads)


def _open_csv(path: Path, width: int, picks: list[str], block: int) -> pacsv.CSVStreamingReader:
    """Every field as a string, empty fields null; the header is the first row read."""
    types = {f"f{i}": pa.string() for i in range(width)}
    return pacsv.open_csv(
        path,
        read_options=_read_options(width, block, use_threads=True),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types=types,
            include_columns=picks,
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )


def _first_invalid_row(path: Path, width: int) -> tuple[int, int] | None:
    """Line and field count of the first row whose width differs from the header's.

    Only run once a read failed: only a single-threaded read numbers invalid rows.
    """
    found: list[tuple[int, int]] = []

    def note(row: pacsv.InvalidRow) -> str:
        found.append((int(row.number or 0), int(row.actual_columns)))
        return "error"

    block = max(_BLOCK_BYTES, path.stat().st_size + 1)
    try:
        reader = pacsv.open_csv(
            path,
            read_options=_read_options(width, block, use_threads=False),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, invalid_row_handler=note),
            convert_options=pacsv.ConvertOptions(
                column_types={f"f{i}": pa.binary() for i in range(width)}
            ),
        )
        for _batch in reader:
            pass
    except pa.ArrowInvalid:
        pass
    return found[0] if found and found[0][0] > 0 else None


def unclosed_quote(path: Path) -> bool:
    """True when the file ends inside a quoted field (a truncated file, usually).

    pyarrow reads such a field to the end of the file without a word, so a file with an
    odd count of quote characters is read again by Python's strict CSV reader, which tells
    a quote never closed from a quote inside an unquoted field.
    """
    with path.open(encoding="utf-8-sig", newline="") as handle:
        try:
            for _row in csv.reader(handle, strict=True):
                pass
        except csv.Error as exc:
            return "unexpected end of data" in str(exc)
        except UnicodeDecodeError:  # reported, with its place, when the rows are read
            return False
    return False


def _parse_error(where: str, exc: Exception) -> DataContractError:
    detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
    hint = (
        " A quoted field is never closed: the file may be truncated."
        if "EOF inside string" in detail
        else ""
    )
    return DataContractError(
        f"{where}: cannot parse the CSV ({detail}).{hint} "
        "Check quoting and that every row has as many fields as the header."
    )
