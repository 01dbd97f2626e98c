"""One chunk under check: the rows to drop and how each problem is reported."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa

from recsvc.contract import ColumnSpec, TableSpec
from recsvc.source import RawBatch
from recsvc.validate.columns import ColumnMap, show
from recsvc.validate.limits import ID_PROBLEMS, MAX_TEXT_CHARS
from recsvc.validate.parse import BoolArray
from recsvc.validate.report import Code, Severity, ValidationReport

__all__ = ["ArrowValues", "Chunk", "timestamp_text"]


class ArrowValues:
    """Python values of an Arrow array, fetched one at a time: the report shows at most a
    capped number of values, so the column is never turned into Python objects whole."""

    def __init__(
        self, array: pa.Array | pa.ChunkedArray, show: Callable[[object], object] | None = None
    ) -> None:
        self.array, self.show = array, show

    def __len__(self) -> int:
        return len(self.array)

    def __getitem__(self, pos: int) -> object:
        value = self.array[int(pos)].as_py()
        if value is None or self.show is None:
            return value
        return self.show(value)


def timestamp_text(value: object) -> str:
    return str(pd.Timestamp(value))  # type: ignore[arg-type]


class Chunk:
    """One chunk being checked: its raw values, clean values and rows to drop."""

    def __init__(self, spec: TableSpec, raw: RawBatch, report: ValidationReport) -> None:
        self.spec, self.raw, self.report = spec, raw, report
        self.rows = raw.rows
        self.drop = np.zeros(len(raw), dtype=bool)
        self.blanked = 0
        self.truncated = 0

    def keys(self, cmap: ColumnMap) -> Callable[[int], str | None] | None:
        names = [cmap.contract[k] for k in self.spec.primary_key if k in cmap.contract]
        if not names or len(names) != len(self.spec.primary_key):
            return None
        parts = [self.raw.table.column(n) for n in names]

        def key(pos: int) -> str:
            return "/".join(str(p[pos].as_py() or "").strip() for p in parts)

        return key

    def flag(
        self,
        code: Code,
        col: str,
        mask: BoolArray,
        values: object,
        message: Callable[[object], str],
        *,
        required: bool,
        keys: Callable[[int], str | None] | None,
    ) -> BoolArray:
        """Report ``mask``; drop those rows when ``required`` else count them as blanked."""
        severity = Severity.ERROR if required else Severity.WARNING
        suffix = "" if required else "; value blanked, row kept"
        shown = values if isinstance(values, np.ndarray | ArrowValues) else None
        n = self.report.add(
            self.spec.name,
            code,
            severity,
            col,
            mask,
            self.rows,
            shown,
            lambda v: message(v) + suffix,
            keys,
        )
        if required:
            self.drop |= mask
        else:
            self.blanked += n
        return mask

    def flag_ids(
        self,
        col: ColumnSpec,
        problems: Mapping[str, BoolArray],
        shown: ArrowValues,
        keys: Callable[[int], str | None] | None,
    ) -> None:
        """One ``bad_id`` issue per refused id, naming its first problem (see ``limits``)."""
        seen = np.zeros(len(shown), dtype=bool)
        for name, mask in problems.items():
            first = mask & ~seen
            seen |= mask
            if first.any():
                self.flag(
                    Code.BAD_ID,
                    col.name,
                    first,
                    shown,
                    _id_message(col.name, ID_PROBLEMS[name]),
                    required=col.required,
                    keys=keys,
                )

    def flag_too_long(
        self,
        col: ColumnSpec,
        mask: BoolArray,
        shown: ArrowValues,
        keys: Callable[[int], str | None] | None,
    ) -> None:
        """Text cut to ``MAX_TEXT_CHARS``: a warning, the row is kept."""
        self.truncated += self.report.add(
            self.spec.name,
            Code.TOO_LONG,
            Severity.WARNING,
            col.name,
            mask,
            self.rows,
            shown,
            lambda v: (
                f"text of {len(str(v)):,} characters cut to the first {MAX_TEXT_CHARS:,}; row kept"
            ),
            keys,
        )


def _id_message(column: str, why: str) -> Callable[[object], str]:
    return lambda v: f"{show(v)} is not a usable {column}: it {why}"
