"""Row checks of one table, chunk by chunk: parse, check, drop bad rows, keep clean typed rows.

Policy (documented in docs/data-contract.md): a problem in a required column, an unknown
enum value, completed_at before enrolled_at and a repeated primary key drop the row; a bad
value in an optional column (wrong type, timestamp, range, unknown reference) is blanked
(the column default applies) with a warning, and the row is kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from recsvc.contract import ENROLMENTS, ColumnKind, ColumnSpec, TableSpec
from recsvc.validate.chunk import Chunk
from recsvc.validate.columns import ColumnMap, show
from recsvc.validate.keys import check_keys
from recsvc.validate.parse import default_column, parse_column
from recsvc.validate.report import Code, TableStats, ValidationReport

if TYPE_CHECKING:
    from recsvc.source import Source

__all__ = ["check_table"]

logger = logging.getLogger(__name__)

_BAD_CODE = {
    ColumnKind.INT: Code.BAD_TYPE,
    ColumnKind.FLOAT: Code.BAD_TYPE,
    ColumnKind.BOOL: Code.BAD_TYPE,
    ColumnKind.TIMESTAMP: Code.BAD_TIMESTAMP,
    ColumnKind.ENUM: Code.BAD_ENUM,
}
_EXPECTED = {
    ColumnKind.INT: "a whole number",
    ColumnKind.FLOAT: "a number",
    ColumnKind.BOOL: "a boolean (true/false, 1/0, yes/no)",
    ColumnKind.TIMESTAMP: (
        "an ISO 8601 date or timestamp between 1677 and 2262 "
        "(e.g. 2024-03-01 or 2024-03-01T09:30:00Z)"
    ),
}


def _allowed_range(col: ColumnSpec) -> str:
    lo = "" if col.minimum is None else f"{col.minimum:g}"
    hi = "" if col.maximum is None else f"{col.maximum:g}"
    if lo and hi:
        return f"{lo} to {hi}"
    return f">= {lo}" if lo else f"<= {hi}"


def _check_column(
    chunk: Chunk,
    col: ColumnSpec,
    raw: pd.Series,
    parents: Mapping[str, pa.Array],
    keys: Callable[[int], str | None] | None,
) -> pd.Series:
    table = chunk.spec.name
    parsed = parse_column(raw, col)
    shown = raw.to_numpy(dtype=object)
    values = parsed.values
    if col.required:
        chunk.flag(
            Code.MISSING_VALUE,
            col.name,
            parsed.missing,
            None,
            lambda _v: f"{table}.{col.name} is empty; it is required",
            required=True,
            keys=keys,
        )
    if col.kind is ColumnKind.ID and parsed.bad.any():
        chunk.flag_ids(col, parsed.id_problems, shown, keys)
    elif parsed.bad.any():
        code = _BAD_CODE[col.kind]
        if code is Code.BAD_ENUM:
            allowed = ", ".join(col.allowed)
            msg: Callable[[object], str] = lambda v: (  # noqa: E731
                f"{show(v)} is not an allowed {col.name}; use one of: {allowed}"
            )
        else:
            expected = _EXPECTED[col.kind]
            msg = lambda v: f"{show(v)} is not {expected}"  # noqa: E731
        # an unknown enum value changes what the row means: always drop it
        chunk.flag(
            code,
            col.name,
            parsed.bad,
            shown,
            msg,
            required=col.required or code is Code.BAD_ENUM,
            keys=keys,
        )
    if parsed.too_long is not None and parsed.too_long.any():
        chunk.flag_too_long(col, parsed.too_long, shown, keys)
    if col.minimum is not None or col.maximum is not None:
        nums = values.to_numpy(dtype=np.float64, na_value=np.nan)
        with np.errstate(invalid="ignore"):
            low = nums < col.minimum if col.minimum is not None else np.zeros(len(nums), bool)
            high = nums > col.maximum if col.maximum is not None else np.zeros(len(nums), bool)
        oor = low | high
        if oor.any():
            span = _allowed_range(col)
            chunk.flag(
                Code.OUT_OF_RANGE,
                col.name,
                oor,
                shown,
                lambda v: f"{show(v)} is outside the allowed range {span}",
                required=col.required,
                keys=keys,
            )
            values = values.mask(oor)
    if col.references is not None and col.references in parents:
        assert parsed.arrow is not None  # references are always ID columns
        known = pc.fill_null(pc.is_in(parsed.arrow, value_set=parents[col.references]), False)
        unknown = values.notna().to_numpy(dtype=bool) & ~np.asarray(known, dtype=bool)
        if unknown.any():
            ref = col.references
            chunk.flag(
                Code.UNKNOWN_REFERENCE,
                col.name,
                unknown,
                shown,
                lambda v: f"{col.name} {show(v)} is not in {ref} (or its row there was rejected)",
                required=col.required,
                keys=keys,
            )
            values = values.mask(unknown)
    if col.default is not None:
        values = values.fillna(col.default)
    return values


def _check_order(
    chunk: Chunk, clean: dict[str, pd.Series], keys: Callable[[int], str | None] | None
) -> None:
    """Enrolments only: a completion before the enrolment is impossible, so the row goes."""
    if chunk.spec.name != ENROLMENTS:
        return
    done, start = clean["completed_at"], clean["enrolled_at"]
    before = (done < start).fillna(False).to_numpy(dtype=bool)
    if before.any():
        shown = done.astype("string").to_numpy(dtype=object)
        chunk.flag(
            Code.BAD_ORDER,
            "completed_at",
            before,
            shown,
            lambda v: f"completed_at {v} is before enrolled_at",
            required=True,
            keys=keys,
        )


def _check_chunk(
    spec: TableSpec,
    raw: pd.DataFrame,
    cmap: ColumnMap,
    parents: Mapping[str, pa.Array],
    report: ValidationReport,
    stats: TableStats,
) -> pd.DataFrame:
    chunk = Chunk(spec, raw, report)
    keys = chunk.keys(cmap)
    clean: dict[str, pd.Series] = {}
    for col in spec.columns:
        if col.name in cmap.contract:
            clean[col.name] = _check_column(chunk, col, raw[cmap.contract[col.name]], parents, keys)
        else:
            clean[col.name] = default_column(col, raw.index)
    _check_order(chunk, clean, keys)
    for name, source_name in cmap.audit.items():
        clean[name] = raw[source_name].astype("string")
    stats.rejected += int(chunk.drop.sum())
    stats.blanked += chunk.blanked
    stats.truncated += chunk.truncated
    frame = pd.DataFrame(clean, index=raw.index)
    return frame[~chunk.drop]


def check_table(
    source: Source,
    spec: TableSpec,
    cmap: ColumnMap,
    parents: Mapping[str, pa.Array],
    report: ValidationReport,
    chunksize: int,
) -> pd.DataFrame:
    """Validate one table; return its clean rows (RangeIndex) and fill its stats in ``report``."""
    stats = report.tables.setdefault(spec.name, TableStats())
    chunks: Iterator[pd.DataFrame] = source.iter_chunks(
        spec.name, chunksize, columns=cmap.source_columns
    )
    clean = []
    for raw in chunks:
        stats.read += len(raw)
        clean.append(_check_chunk(spec, raw, cmap, parents, report, stats))
    table = pd.concat(clean) if len(clean) > 1 else clean[0] if clean else None
    if table is None:
        empty = pd.DataFrame({c.name: default_column(c, pd.RangeIndex(0)) for c in spec.columns})
        table = empty.assign(**{n: pd.Series(dtype="string") for n in cmap.audit})
    table = check_keys(spec, table, report, stats)
    stats.kept = len(table)
    logger.info(
        "table %s: %d rows read, %d kept, %d rejected",
        spec.name,
        stats.read,
        stats.kept,
        stats.rejected,
    )
    return table.reset_index(drop=True)
