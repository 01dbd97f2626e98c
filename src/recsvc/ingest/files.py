"""Folder sources: pick CSV or Parquet by the files present; chunked CSV reads with clear errors."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import pandas as pd
from pandas.io.parsers import TextFileReader

from recsvc.contract import TABLES
from recsvc.errors import DataContractError, DataSourceError
from recsvc.ingest.parquet import PARQUET_SUFFIXES, ParquetFolderSource

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
    """Byte offset and 1-based line of the first NUL byte, or None.

    pandas' C parser silently ends a field at a NUL byte (``C\\x002`` would become ``C``),
    so a file holding one is refused before it is parsed. ``bytes.find`` runs at memory
    speed, far below the cost of parsing.
    """
    offset = 0
    with path.open("rb") as handle:
        while block := handle.read(_SCAN_BYTES):
            found = block.find(b"\0")
            if found >= 0:
                hit = offset + found
                handle.seek(0)
                before = handle.read(hit)
                return hit, before.count(b"\n") + 1
            offset += len(block)
    return None


class CsvFolderSource:
    """A folder of ``<table>.csv`` files: UTF-8 (BOM allowed), comma-separated, header row.

    Header and rows are read by the same pandas tokenizer, so a quoted header name holding a
    comma or a line break cannot shift columns between the two.
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
        nul = find_nul(path)
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
        return [name.strip() for name in names]

    def iter_chunks(
        self, table: str, chunksize: int = 200_000, *, columns: Sequence[str] | None = None
    ) -> Iterator[pd.DataFrame]:
        path = self.files[table]
        header = self.columns(table)
        wanted = list(range(len(header))) if columns is None else [header.index(c) for c in columns]
        line = 2
        try:
            # every column is read (no usecols): only then does pandas notice a row with
            # more fields than the header, which usually means an unquoted comma
            reader = pd.read_csv(
                path,
                dtype=str,
                keep_default_na=False,
                na_values=[""],
                chunksize=chunksize,
                encoding="utf-8-sig",
                names=list(range(len(header))),
                header=0,
                index_col=False,
                skipinitialspace=False,
                engine="c",
            )
            with reader:
                while (chunk := _next_chunk(reader, self.location(table), line)) is not None:
                    chunk = chunk[wanted]
                    chunk.columns = [header[i] for i in wanted]
                    chunk.index = pd.RangeIndex(line, line + len(chunk))
                    line += len(chunk)
                    yield chunk
        except UnicodeDecodeError:
            raise _encoding_error(path, self.location(table)) from None
        except (pd.errors.ParserError, ValueError) as exc:
            raise _parse_error(self.location(table), exc) from None
        except pd.errors.EmptyDataError:
            return


def _next_chunk(reader: TextFileReader, where: str, line: int) -> pd.DataFrame | None:
    """The next chunk, or None at the end; extra fields in a chunk's first row are an error.

    pandas only warns (and drops data) when the first row it reads has more fields than
    the header; later rows raise a ParserError. Both become the same clear error here.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            return reader.get_chunk()
        except StopIteration:
            return None
        except pd.errors.ParserWarning:
            raise DataContractError(
                f"{where}: the row at line {line} has more fields than the header. Quote "
                'fields that contain commas (RFC 4180: "a, b") and check that every row has '
                "as many fields as the header."
            ) from None


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
