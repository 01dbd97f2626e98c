"""Byte-level checks and pyarrow reads behind the CSV source: encoding, NUL bytes, quotes,
rows of the wrong width. Each finds the place of a problem (byte, line) for its message."""

from __future__ import annotations

import csv
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv

from recsvc.errors import DataContractError

__all__ = [
    "BLOCK_BYTES",
    "encoding_error",
    "find_nul",
    "first_invalid_row",
    "locate_bad_utf8",
    "open_csv",
    "parse_error",
    "scan_bytes",
    "unclosed_quote",
]

_SCAN_BYTES = 1 << 20
BLOCK_BYTES = 4 << 20  # pyarrow's read block; grown for a row longer than this


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


def encoding_error(path: Path, where: str) -> DataContractError:
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


def _read_options(width: int, block: int, *, use_threads: bool) -> pacsv.ReadOptions:
    names = [f"f{i}" for i in range(width)]
    return pacsv.ReadOptions(column_names=names, block_size=block, use_threads=use_threads)


def open_csv(path: Path, width: int, picks: list[str], block: int) -> pacsv.CSVStreamingReader:
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


def first_invalid_row(path: Path, width: int) -> tuple[int, int] | None:
    """Line and field count of the first row whose width differs from the header's.

    Only run once a read failed: only a single-threaded read numbers invalid rows.
    """
    found: list[tuple[int, int]] = []

    def note(row: pacsv.InvalidRow) -> str:
        found.append((int(row.number or 0), int(row.actual_columns)))
        return "error"

    block = BLOCK_BYTES
    while True:
        found.clear()
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
        except pa.ArrowInvalid as exc:
            if not found and "straddl" in str(exc) and block < path.stat().st_size:
                block *= 8  # a row longer than the block, before any bad one
                continue
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


def parse_error(where: str, exc: Exception) -> DataContractError:
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
