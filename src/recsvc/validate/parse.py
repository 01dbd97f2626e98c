"""Vectorised parsers: raw Arrow string columns to the contract's clean types, with bad masks.

Every source hands over strings, so one parser per kind makes CSV, Parquet and SQL agree.
Values of every kind but free text are stripped of surrounding whitespace first. The work is
done with pyarrow compute kernels: pandas' string methods loop in Python, and
``pd.to_numeric`` on strings is not exact to the last bit.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from recsvc.contract import ColumnKind, ColumnSpec
from recsvc.validate.limits import MAX_TEXT_CHARS, char_lengths, id_problems, layout

__all__ = [
    "ARROW_TYPES",
    "FALSE_WORDS",
    "TRUE_WORDS",
    "BoolArray",
    "Parsed",
    "blank",
    "default_column",
    "parse_column",
    "parse_timestamps",
    "to_arrow",
    "to_frame",
    "to_series",
]

TRUE_WORDS = ("true", "1", "yes", "1.0")
FALSE_WORDS = ("false", "0", "no", "0.0")
# an explicit offset or Z after a time part; date-only values like 2024-01-02 never match
_TZ_PATTERN = r"[T ]\d.*([zZ]|[+-]\d{2}(:?\d{2})?)$"
_NUMBER_PATTERN = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
_INT64_LIMIT = 2.0**63

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Parsed:
    """A parsed column: clean values (null where empty or bad) and what went wrong where.

    ``values`` is an Arrow array of the kind's clean type (see :data:`ARROW_TYPES`);
    ``missing`` marks empty input, ``bad`` marks non-empty input that is not a valid value
    of the kind (its issue code is ``bad_id``, ``bad_type``, ``bad_timestamp`` or
    ``bad_enum``); for ids, ``id_problems`` says why per kind of problem.
    ``arrow`` holds the stripped strings of ID columns, for fast reference checks.
    ``too_long`` marks text values cut to ``MAX_TEXT_CHARS`` characters.
    """

    values: pa.Array
    missing: BoolArray
    bad: BoolArray
    arrow: pa.Array | None = None
    id_problems: dict[str, BoolArray] = field(default_factory=dict)
    too_long: BoolArray | None = None

    def series(self) -> pd.Series:
        """The values as the pandas column a clean table holds."""
        return to_series(self.values)


# Arrow type of each kind after parsing; to_series/to_frame give the CLEAN_DTYPES of pandas
ARROW_TYPES: dict[ColumnKind, pa.DataType] = {
    ColumnKind.ID: pa.string(),
    ColumnKind.TEXT: pa.string(),
    ColumnKind.INT: pa.int64(),
    ColumnKind.FLOAT: pa.float64(),
    ColumnKind.BOOL: pa.bool_(),
    ColumnKind.TIMESTAMP: pa.timestamp("ns", "UTC"),
    ColumnKind.ENUM: pa.string(),
}
# strings stay in Arrow memory (no Python object per value); str(dtype) is still "string"
_PANDAS_TYPES: dict[pa.DataType, object] = {
    pa.string(): pd.StringDtype("pyarrow"),
    pa.int64(): pd.Int64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
}


def to_series(values: pa.Array | pa.ChunkedArray) -> pd.Series:
    """One parsed column as pandas, in the clean dtype of its kind."""
    return to_frame(pa.table({"x": values})).iloc[:, 0].rename(None)


def to_frame(table: pa.Table, index: pd.Index | None = None) -> pd.DataFrame:
    """Parsed columns as pandas: Arrow-backed strings, Int64, boolean, float64 (NaN for
    missing) and datetime64[ns, UTC], converted in one pass without Python objects."""
    frame: pd.DataFrame = table.to_pandas(types_mapper=_PANDAS_TYPES.get)
    if index is not None:
        frame.index = index
    return frame


def to_arrow(raw: pd.Series | pa.Array | pa.ChunkedArray) -> pa.Array:
    """Raw values (str, None or NaN; or an Arrow array) as an Arrow string array."""
    if isinstance(raw, pd.Series):
        if not isinstance(raw.dtype, pd.StringDtype):
            return pa.array(raw.to_numpy(dtype=object), type=pa.string(), from_pandas=True)
        raw = pa.array(raw, from_pandas=True)  # no Python objects for Arrow-backed strings
    if isinstance(raw, pa.ChunkedArray):
        raw = raw.combine_chunks()
    return raw if raw.type == pa.string() else raw.cast(pa.string())


def _mask(condition: pa.Array) -> BoolArray:
    return np.asarray(pc.fill_null(condition, False).to_numpy(zero_copy_only=False), dtype=bool)


def _nulls_where(values: pa.Array, mask: BoolArray) -> pa.Array:
    """``values`` with nulls where ``mask`` holds (no copy when nothing is masked)."""
    if not mask.any():
        return values
    return pc.if_else(pa.array(mask), pa.scalar(None, values.type), values)


def _stripped(raw: pa.Array) -> tuple[pa.Array, BoolArray]:
    trimmed = pc.utf8_trim_whitespace(raw)
    missing = ~_mask(pc.greater(pc.utf8_length(trimmed), 0))
    return _nulls_where(trimmed, missing), missing


def _cast_times(texts: pa.Array, aware: bool, *, fallback: bool = True) -> npt.NDArray[np.int64]:
    """Nanoseconds since the epoch (UTC); NaT where the text is not ISO 8601.

    Arrow's ISO 8601 cast is ~40x faster than pandas but all-or-nothing, and it accepts a
    subset of what pandas accepts, giving the same instants; so pandas handles a batch
    only when arrow refuses it, and results never depend on how rows fall into chunks.
    """
    try:
        cast = pc.cast(texts, pa.timestamp("ns", "UTC" if aware else None))
        stamps = cast.to_numpy(zero_copy_only=False).astype("datetime64[ns]")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        if not fallback:
            raise
        parsed = pd.to_datetime(
            pd.Series(texts.to_numpy(zero_copy_only=False), dtype=object),
            format="ISO8601",
            utc=True,
            errors="coerce",
        )
        stamps = parsed.dt.tz_convert(None).to_numpy(dtype="datetime64[ns]")
    ns: npt.NDArray[np.int64] = np.asarray(stamps, dtype="datetime64[ns]").view(np.int64)
    return ns


def parse_timestamps(texts: pa.Array, missing: BoolArray) -> tuple[pa.Array, BoolArray]:
    """ISO 8601 to UTC; naive values are UTC, date-only values are midnight UTC.

    Values with and without an offset are parsed apart: pandas applies the first offset it
    sees to later naive values when both kinds share one call.
    """
    ns = np.full(len(texts), np.iinfo(np.int64).min, dtype=np.int64)  # NaT everywhere
    if _all_zulu(texts, missing):  # the common export: skip the regular expression
        try:
            ns[~missing] = _cast_times(texts.filter(pa.array(~missing)), True, fallback=False)
            return _timestamps(ns, missing)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            ns[:] = np.iinfo(np.int64).min
    has_tz = _mask(pc.match_substring_regex(texts, _TZ_PATTERN))
    for aware, group in ((True, has_tz), (False, ~has_tz & ~missing)):
        if group.any():
            ns[group] = _cast_times(texts.filter(pa.array(group)), aware)
    return _timestamps(ns, missing)


def _timestamps(ns: npt.NDArray[np.int64], missing: BoolArray) -> tuple[pa.Array, BoolArray]:
    nat = ns == np.iinfo(np.int64).min
    values = pa.array(ns, type=pa.int64(), mask=nat).cast(ARROW_TYPES[ColumnKind.TIMESTAMP])
    return values, ~missing & nat


def _all_zulu(texts: pa.Array, missing: BoolArray) -> bool:
    """Every value present ends in ``Z`` (UTC), read from the data buffer without a kernel."""
    offsets, data, _valid = layout(texts)
    ends = offsets[1:][~missing]
    return bool(len(ends)) and bool((data[ends - 1] == ord("Z")).all())


def _parse_numbers(
    texts: pa.Array, missing: BoolArray
) -> tuple[npt.NDArray[np.float64], BoolArray]:
    """Decimal numbers, exactly as Python's float() reads them.

    Arrow's cast reads every finite decimal the pattern allows, to the same bits; it is
    tried on the whole chunk first and the pattern only picks out the bad values of a chunk
    that holds some (the cast is all-or-nothing).
    """
    try:
        nums = np.array(
            pc.cast(texts, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    else:
        bad = ~missing & ~np.isfinite(nums)
        if not bad.any():
            return nums, bad
    numeric = pc.fill_null(pc.match_substring_regex(texts, _NUMBER_PATTERN), False)
    only = pc.if_else(numeric, texts, pa.nulls(len(texts), pa.string()))
    nums = np.array(pc.cast(only, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
    bad = ~missing & ~np.isfinite(nums)
    nums[bad | missing] = np.nan
    return nums, bad


def _parse_typed(raw: pa.Array, kind: ColumnKind) -> Parsed | None:
    """A typed column (numbers, booleans, timestamps from Parquet) without going through text;
    None when its type does not fit the kind, or its values overflow the clean type."""
    missing = ~np.asarray(raw.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
    none_bad = np.zeros(len(raw), dtype=bool)
    numeric = pa.types.is_integer(raw.type) or pa.types.is_floating(raw.type)
    try:
        if kind is ColumnKind.TIMESTAMP and pa.types.is_timestamp(raw.type):
            # naive values are UTC, as for text; an aware one is converted
            return Parsed(raw.cast(ARROW_TYPES[kind]), missing, none_bad)
        if kind is ColumnKind.FLOAT and numeric:
            nums = np.asarray(
                raw.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64
            )
            bad = ~missing & ~np.isfinite(nums)
            return Parsed(pa.array(nums, mask=missing | bad), missing, bad)
        if kind is ColumnKind.INT and pa.types.is_integer(raw.type):
            return Parsed(raw.cast(pa.int64()), missing, none_bad)
        if kind is ColumnKind.BOOL and pa.types.is_boolean(raw.type):
            return Parsed(raw, missing, none_bad)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # e.g. beyond 2262 in ns
        return None
    return None


def parse_column(raw: pd.Series | pa.Array | pa.ChunkedArray, spec: ColumnSpec) -> Parsed:
    """Parse one raw column according to its contract kind: strings (null/None/NaN for
    empty), or a column already typed as numbers, booleans or timestamps."""
    kind = spec.kind
    if isinstance(raw, pa.ChunkedArray):
        raw = raw.combine_chunks()
    if isinstance(raw, pa.Array) and not pa.types.is_string(raw.type):
        typed = _parse_typed(raw, kind)
        if typed is not None:
            return typed
    raw = to_arrow(raw)
    n = len(raw)
    no_bad = np.zeros(n, dtype=bool)
    if kind is ColumnKind.TEXT:
        missing = ~_mask(pc.greater(pc.utf8_length(pc.utf8_trim_whitespace(raw)), 0))
        too_long = char_lengths(raw, MAX_TEXT_CHARS) > MAX_TEXT_CHARS
        text = raw
        if too_long.any():  # kept as plain text, cut so that one cell cannot hog memory
            text = pc.if_else(
                pa.array(too_long), pc.utf8_slice_codeunits(raw, 0, MAX_TEXT_CHARS), raw
            )
        return Parsed(text, missing, no_bad, too_long=too_long)
    texts, missing = _stripped(raw)
    if kind is ColumnKind.ID:
        problems = id_problems(texts)
        bad = np.logical_or.reduce(list(problems.values())) if n else no_bad
        return Parsed(_nulls_where(texts, bad), missing, bad, texts, problems)
    if kind in (ColumnKind.FLOAT, ColumnKind.INT):
        nums, bad = _parse_numbers(texts, missing)
        if kind is ColumnKind.FLOAT:
            return Parsed(pa.array(nums, type=pa.float64(), mask=np.isnan(nums)), missing, bad)
        with np.errstate(invalid="ignore"):
            bad |= np.isfinite(nums) & ((nums != np.floor(nums)) | (np.abs(nums) >= _INT64_LIMIT))
        ok = ~missing & ~bad
        ints = pa.array(np.where(ok, nums, 0).astype(np.int64), type=pa.int64(), mask=~ok)
        return Parsed(ints, missing, bad)
    if kind is ColumnKind.TIMESTAMP:
        stamps, bad = parse_timestamps(texts, missing)
        return Parsed(stamps, missing, bad)
    lower = pc.utf8_lower(texts)
    if kind is ColumnKind.BOOL:
        is_true = _mask(pc.is_in(lower, value_set=pa.array(TRUE_WORDS)))
        is_false = _mask(pc.is_in(lower, value_set=pa.array(FALSE_WORDS)))
        bad = ~missing & ~is_true & ~is_false
        return Parsed(pa.array(is_true, type=pa.bool_(), mask=missing | bad), missing, bad)
    if kind is ColumnKind.ENUM:
        bad = ~missing & ~_mask(pc.is_in(lower, value_set=pa.array(spec.allowed)))
        return Parsed(_nulls_where(lower, bad), missing, bad)
    raise ValueError(f"unknown column kind {kind!r}")  # pragma: no cover - exhaustive above


def default_column(spec: ColumnSpec, n: int) -> pa.Array:
    """A column absent from the source: its default everywhere, or missing values."""
    kind_type = ARROW_TYPES[spec.kind]
    if spec.default is None:
        return pa.nulls(n, kind_type)
    return pa.array([spec.default] * n, type=kind_type)


def blank(values: pa.Array, mask: BoolArray) -> pa.Array:
    """``values`` with the masked ones set missing (a blanked optional value)."""
    return _nulls_where(values, mask)
