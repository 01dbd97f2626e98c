"""Limits on raw values: ids that are safe in file names, logs and URLs, and bounded text.

The checks run on arrow string arrays without a Python loop: one lookup over the data
buffer classifies every byte, and only the rare rows that hold something unusual (non-ASCII
characters, a leading dot, a long value) are looked at again with a regular expression.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pyarrow.compute as pc

__all__ = [
    "FORMULA_PREFIXES",
    "ID_PROBLEMS",
    "MAX_ID_CHARS",
    "MAX_TEXT_CHARS",
    "char_lengths",
    "id_problems",
    "layout",
    "printable",
]

MAX_ID_CHARS = 128
MAX_TEXT_CHARS = 65_536
FORMULA_PREFIXES = ("=", "+", "-", "@")

# why an id is refused, in the order a row's first problem is reported
ID_PROBLEMS = {
    "too_long": f"is longer than {MAX_ID_CHARS} characters",
    "control": "holds a control, format or invisible character (e.g. a tab, NUL, zero-width "
    "or bidi mark, or a space other than ' ')",
    "path": "holds a path separator ('/' or '\\') or is only dots",
    "formula": "starts with '=', '+', '-' or '@', which spreadsheets run as a formula",
}

# control (Cc), format (Cf), private use (Co), line/paragraph separators and every space
# but U+0020; \x{85} (NEL) is Cc
_UNICODE_BAD = (
    r"[\p{Cc}\p{Cf}\p{Co}\p{Zl}\p{Zp}"
    r"\x{00A0}\x{1680}\x{2000}-\x{200A}\x{202F}\x{205F}\x{3000}]"
)
_OK, _CONTROL, _PATH, _NON_ASCII = 0, 1, 2, 3
_BYTE_CLASS = np.zeros(256, dtype=np.uint8)
_BYTE_CLASS[:0x20] = _CONTROL
_BYTE_CLASS[0x7F] = _CONTROL
_BYTE_CLASS[[ord("/"), ord("\\")]] = _PATH
_BYTE_CLASS[0x80:] = _NON_ASCII
_FORMULA_BYTES = np.zeros(256, dtype=bool)
_FORMULA_BYTES[[ord(c) for c in FORMULA_PREFIXES]] = True

BoolArray = npt.NDArray[np.bool_]


def layout(
    texts: pa.Array,
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.uint8], BoolArray]:
    """Offsets (n + 1), the UTF-8 data buffer and the validity of a string array."""
    if not pa.types.is_string(texts.type):
        texts = texts.cast(pa.string())
    n = len(texts)
    buffers = texts.buffers()
    raw_offsets = np.frombuffer(buffers[1], dtype=np.int32) if buffers[1] is not None else None
    if raw_offsets is None:
        offsets = np.zeros(n + 1, dtype=np.int64)
    else:
        offsets = raw_offsets[texts.offset : texts.offset + n + 1].astype(np.int64)
    data = (
        np.frombuffer(buffers[2], dtype=np.uint8)
        if len(buffers) > 2 and buffers[2] is not None
        else np.zeros(0, dtype=np.uint8)
    )
    valid = np.asarray(texts.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    return offsets, data, valid


def _subset_mask(texts: pa.Array, rows: BoolArray, pattern: str) -> BoolArray:
    """Rows (among ``rows``) whose text matches ``pattern``; the others are False."""
    out = np.zeros(len(texts), dtype=bool)
    if rows.any():
        hit = pc.match_substring_regex(texts.filter(pa.array(rows)), pattern)
        out[np.flatnonzero(rows)] = np.asarray(
            pc.fill_null(hit, False).to_numpy(zero_copy_only=False), dtype=bool
        )
    return out


def char_lengths(texts: pa.Array, at_least: int) -> npt.NDArray[np.int64]:
    """Length in characters where the value has more than ``at_least`` bytes, else 0.

    A value never has more characters than bytes, so only long values are counted.
    """
    offsets, _data, valid = layout(texts)
    return _char_lengths(texts, offsets, valid, at_least)


def _char_lengths(
    texts: pa.Array, offsets: npt.NDArray[np.int64], valid: BoolArray, at_least: int
) -> npt.NDArray[np.int64]:
    long_rows = valid & (np.diff(offsets) > at_least)
    out = np.zeros(len(texts), dtype=np.int64)
    if long_rows.any():
        counted = pc.utf8_length(texts.filter(pa.array(long_rows)))
        out[np.flatnonzero(long_rows)] = np.asarray(
            counted.to_numpy(zero_copy_only=False), dtype=np.int64
        )
    return out


def id_problems(texts: pa.Array) -> dict[str, BoolArray]:
    """One mask per kind of problem (keys of ``ID_PROBLEMS``) over stripped id strings.

    Nulls (missing ids) are never flagged; a row may be flagged for several problems.
    """
    offsets, data, valid = layout(texts)
    n = len(texts)
    starts, lengths = offsets[:-1], np.diff(offsets)
    filled = valid & (lengths > 0)
    used = data[offsets[0] : offsets[-1]] if n else data[:0]
    # comparisons run as SIMD loops; a lookup table over every byte is ~20x slower
    hits = np.flatnonzero((used < 0x20) | (used >= 0x7F) | (used == 0x2F) | (used == 0x5C))
    hits += offsets[0]
    hit_rows = np.searchsorted(offsets, hits, side="right") - 1
    hit_class = _BYTE_CLASS[data[hits]]
    masks = {name: np.zeros(n, dtype=bool) for name in ID_PROBLEMS}
    masks["too_long"] = _char_lengths(texts, offsets, valid, MAX_ID_CHARS) > MAX_ID_CHARS
    masks["control"][hit_rows[hit_class == _CONTROL]] = True
    non_ascii = np.zeros(n, dtype=bool)
    non_ascii[hit_rows[hit_class == _NON_ASCII]] = True
    masks["control"] |= _subset_mask(texts, non_ascii & filled, _UNICODE_BAD)
    masks["path"][hit_rows[hit_class == _PATH]] = True
    first = np.zeros(n, dtype=np.uint8)
    first[filled] = data[starts[filled]]
    masks["path"] |= _subset_mask(texts, filled & (first == ord(".")), r"^\.+$")
    masks["formula"] = filled & _FORMULA_BYTES[first]
    return {name: mask & valid for name, mask in masks.items()}


def printable(value: object, limit: int = 80) -> str:
    """``value`` as text safe for a message, a log line or a terminal: clipped, no controls.

    Control and invisible characters are shown as Python escapes (``\\x1b``, ``\\u202e``),
    so data can neither forge log lines nor send terminal escape sequences.
    """
    text = str(value)
    if len(text) > limit:
        text = text[: max(limit - 3, 0)] + "..."
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text
    )
