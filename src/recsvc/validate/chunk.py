"""One chunk under check: the rows to drop and how each problem is reported."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import numpy.typing as npt
import pandas as pd

from recsvc.contract import ColumnSpec, TableSpec
from recsvc.validate.columns import ColumnMap, show
from recsvc.validate.limits import ID_PROBLEMS, MAX_TEXT_CHARS
from recsvc.validate.parse import BoolArray
from recsvc.validate.report import Code, Severity, ValidationReport

__all__ = ["Chunk"]


class Chunk:
    """One chunk being checked: its raw values, clean values and rows to drop."""

    def __init__(self, spec: TableSpec, raw: pd.DataFrame, report: ValidationReport) -> None:
        self.spec, self.raw, self.report = spec, raw, report
        self.rows = raw.index.to_numpy(dtype=np.int64)
        self.drop = np.zeros(len(raw), dtype=bool)
        self.blanked = 0
        self.truncated = 0

    def keys(self, cmap: ColumnMap) -> Callable[[int], str | None] | None:
        names = [cmap.contract[k] for k in self.spec.primary_key if k in cmap.contract]
        if not names or len(names) != len(self.spec.primary_key):
            return None
        parts = [self.raw[n] for n in names]
        return lambda pos: "/".join(str(p.iloc[pos]).strip() for p in parts)

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
        shown = values if isinstance(values, np.ndarray) else None
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
        shown: npt.NDArray[np.object_],
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
        shown: npt.NDArray[np.object_],
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
