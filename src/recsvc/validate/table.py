"""Row checks of one table, chunk by chunk: parse, check, drop bad rows, keep clean typed rows.

Chunks stay in Arrow from the source's reader to the end of the table, which becomes a
pandas frame in one conversion (strings stay Arrow-backed).

Policy (documented in docs/data-contract.md): a problem in a required column, an unknown
enum value, completed_at before enrolled_at and a repeated primary key drop the row; a bad
value in an optional column (wrong type, timestamp, range, unknown reference) is blanked
(the column default applies) with a warning, and the row is kept.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from recsvc.contract import ENROLMENTS, ColumnKind, ColumnSpec, TableSpec
from recsvc.source import RawBatch, batches_of
from recsvc.validate.chunk import ArrowValues, Chunk, timestamp_text
from recsvc.validate.columns import ColumnMap, show
from recsvc.validate.keys import check_keys
from recsvc.validate.parse import blank, default_column, parse_column, to_arrow, to_frame
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
    raw: pa.Array,
    parents: Mapping[str, pa.Array],
    keys: Callable[[int], str | None] | None,
) -> pa.Array:
    table = chunk.spec.name
    parsed = parse_column(raw, col)
    shown = ArrowValues(raw)
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
        nums = np.asarray(
            values.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64
        )
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
            values = blank(values, oor)
    if col.references is not None and col.references in parents:
        assert parsed.arrow is not None  # references are always ID columns
        known = pc.fill_null(pc.is_in(parsed.arrow, value_set=parents[col.references]), False)
        present = np.asarray(values.is_valid().to_numpy(zero_copy_only=False), dtype=bool)
        unknown = present & ~np.asarray(known.to_numpy(zero_copy_only=False), dtype=bool)
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
            values = blank(values, unknown)
    if col.default is not None:
        values = pc.fill_null(values, pa.scalar(col.default, values.type))
    return values


def _check_order(
    chunk: Chunk, clean: dict[str, pa.Array], keys: Callable[[int], str | None] | None
) -> None:
    """Enrolments only: a completion before the enrolment is impossible, so the row goes."""
    if chunk.spec.name != ENROLMENTS:
        return
    done, start = clean["completed_at"], clean["enrolled_at"]
    before = np.asarray(
        pc.fill_null(pc.less(done, start), False).to_numpy(zero_copy_only=False), dtype=bool
    )
    if before.any():
        chunk.flag(
            Code.BAD_ORDER,
            "completed_at",
            before,
            ArrowValues(done, timestamp_text),
            lambda v: f"completed_at {v} is before enrolled_at",
            required=True,
            keys=keys,
        )


def _check_chunk(
    spec: TableSpec,
    raw: RawBatch,
    cmap: ColumnMap,
    parents: Mapping[str, pa.Array],
    report: ValidationReport,
    stats: TableStats,
) -> RawBatch:
    chunk = Chunk(spec, raw, report)
    keys = chunk.keys(cmap)
    clean: dict[str, pa.Array] = {}
    for col in spec.columns:
        if col.name in cmap.contract:
            column = raw.table.column(cmap.contract[col.name]).combine_chunks()
            clean[col.name] = _check_column(chunk, col, column, parents, keys)
        else:
            clean[col.name] = default_column(col, len(raw))
    _check_order(chunk, clean, keys)
    for name, source_name in cmap.audit.items():
        clean[name] = to_arrow(raw.table.column(source_name))
    stats.rejected += int(chunk.drop.sum())
    stats.blanked += chunk.blanked
    stats.truncated += chunk.truncated
    keep = ~chunk.drop
    table = pa.table(list(clean.values()), names=list(clean))
    if not keep.all():
        table = table.filter(pa.array(keep))
    return RawBatch(table, raw.rows[keep])


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
    clean: list[RawBatch] = []
    for raw in batches_of(source, spec.name, chunksize, cmap.source_columns):
        stats.read += len(raw)
        clean.append(_check_chunk(spec, raw, cmap, parents, report, stats))
    if clean:
        table = pa.concat_tables([c.table for c in clean])
        rows = np.concatenate([c.rows for c in clean])
    else:
        empty = {c.name: default_column(c, 0) for c in spec.columns}
        empty.update({n: pa.array([], pa.string()) for n in cmap.audit})
        table, rows = pa.table(empty), np.zeros(0, dtype=np.int64)
    del clean
    frame = check_keys(spec, to_frame(table, pd.Index(rows)), report, stats)
    stats.kept = len(frame)
    logger.info(
        "table %s: %d rows read, %d kept, %d rejected",
        spec.name,
        stats.read,
        stats.kept,
        stats.rejected,
    )
    return frame.reset_index(drop=True)
