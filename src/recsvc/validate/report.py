"""The validation report: every problem found, exact counts, and a JSON form for engineers."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from recsvc.contract import CONTRACT_VERSION
from recsvc.validate.limits import printable

__all__ = [
    "MAX_VALUE_CHARS",
    "Code",
    "Issue",
    "Severity",
    "TableStats",
    "ValidationReport",
    "clip",
]

MAX_VALUE_CHARS = 80


class Indexed(Protocol):
    """Values looked up by position (a numpy array, or Arrow values fetched one by one)."""

    def __getitem__(self, pos: int, /) -> Any: ...


class Code(StrEnum):
    """One code per kind of problem, stable for scripts that read the JSON report."""

    MISSING_VALUE = "missing_value"
    BAD_ID = "bad_id"
    BAD_TYPE = "bad_type"
    BAD_TIMESTAMP = "bad_timestamp"
    OUT_OF_RANGE = "out_of_range"
    BAD_ENUM = "bad_enum"
    DUPLICATE_KEY = "duplicate_key"
    UNKNOWN_REFERENCE = "unknown_reference"
    BAD_ORDER = "bad_order"
    EXTRA_COLUMN = "extra_column"
    EMPTY_TABLE = "empty_table"
    TOO_LONG = "too_long"


class Severity(StrEnum):
    """What happened because of an issue."""

    ERROR = "error"  # the row was dropped
    WARNING = "warning"  # an optional value was blanked (default applied); the row was kept
    INFO = "info"  # nothing was lost that the contract uses (e.g. an extra column)


@dataclass(frozen=True)
class Issue:
    """One problem at one place; ``row`` is the file line (CSV) or 1-based ordinal."""

    table: str
    row: int | None
    key: str | None
    column: str | None
    code: str
    message: str
    value: str | None
    severity: str = "error"


@dataclass
class TableStats:
    """Row counts of one table; ``blanked`` counts optional values set to missing/default,
    ``truncated`` text values cut to the maximum length."""

    read: int = 0
    kept: int = 0
    rejected: int = 0
    blanked: int = 0
    truncated: int = 0
    extra_columns: list[str] = field(default_factory=list)
    absent_optional_columns: list[str] = field(default_factory=list)

    @property
    def bad_share(self) -> float:
        return self.rejected / self.read if self.read else 0.0


def clip(value: object) -> str | None:
    """A value as stored in an issue: at most ``MAX_VALUE_CHARS`` characters, as written."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    text = str(value)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 3] + "..."


@dataclass
class ValidationReport:
    """What validation found; exact counts always, per-row issues capped per (table, code).

    ``ok`` is true when no table has more bad rows than ``max_bad_share`` allows, i.e. when
    the clean tables may be used.
    """

    source: str = ""
    max_bad_share: float = 0.05
    max_issues_per_code: int = 1000
    tables: dict[str, TableStats] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    missing_tables: dict[str, str] = field(default_factory=dict)
    _counts: Counter[tuple[str, str, str, str]] = field(default_factory=Counter, repr=False)

    @property
    def counts(self) -> dict[tuple[str, str], int]:
        """Exact number of issues per (table, code), whatever the cap on stored issues."""
        out: Counter[tuple[str, str]] = Counter()
        for (table, code, _column, _severity), n in self._counts.items():
            out[table, code] += n
        return dict(out)

    @property
    def tables_over_limit(self) -> list[str]:
        return [n for n, s in self.tables.items() if s.bad_share > self.max_bad_share]

    @property
    def ok(self) -> bool:
        return not self.tables_over_limit

    def add(
        self,
        table: str,
        code: Code,
        severity: Severity,
        column: str | None,
        mask: npt.NDArray[np.bool_],
        rows: Sequence[int] | npt.NDArray[np.int64],
        values: Indexed | None,
        message: Callable[[object], str],
        keys: Callable[[int], str | None] | None = None,
    ) -> int:
        """Record one issue per true position of ``mask``; return how many there were.

        Counting is vectorised; only the first positions up to the cap are formatted.
        """
        n = int(np.count_nonzero(mask))
        if n == 0:
            return 0
        counter_key = (table, str(code), column or "", str(severity))
        already = self._stored(table, code)
        self._counts[counter_key] += n
        room = self.max_issues_per_code - already
        if room > 0:
            for pos in np.flatnonzero(mask)[:room]:
                raw = None if values is None else values[int(pos)]
                self.issues.append(
                    Issue(
                        table=table,
                        row=int(rows[pos]),
                        key=clip(keys(int(pos))) if keys is not None else None,
                        column=column,
                        code=str(code),
                        message=message(raw),
                        value=clip(raw),
                        severity=str(severity),
                    )
                )
        return n

    def add_one(
        self, table: str, code: Code, severity: Severity, column: str | None, message: str
    ) -> None:
        """Record a table-level issue (no row), such as an extra column."""
        column = clip(column)
        self._counts[table, str(code), column or "", str(severity)] += 1
        self.issues.append(
            Issue(table, None, None, column, str(code), message, None, str(severity))
        )

    def _stored(self, table: str, code: Code) -> int:
        return sum(
            n for (t, c, _col, _sev), n in self._counts.items() if t == table and c == str(code)
        )

    def problem_counts(self, table: str | None = None) -> list[tuple[str, str, str, str, int]]:
        """(table, code, column, severity, count), most frequent first."""
        rows = [
            (t, c, col, sev, n)
            for (t, c, col, sev), n in self._counts.items()
            if table is None or t == table
        ]
        order = {name: i for i, name in enumerate(self.tables)}
        return sorted(rows, key=lambda r: (order.get(r[0], len(order)), -r[4], r[1], r[2]))

    def summary_rows(self) -> list[str]:
        """One human line per table and per (table, code, column) problem, for the CLI.

        Column names can come from the data (extra columns), so they are clipped and their
        control characters escaped; the lines hold no other value from the data.
        """
        lines = []
        for name, s in self.tables.items():
            flag = " OVER LIMIT" if s.bad_share > self.max_bad_share else ""
            cut = f", {s.truncated:,} text values cut to length" if s.truncated else ""
            lines.append(
                f"{name}: {s.read:,} rows read, {s.kept:,} kept, {s.rejected:,} rejected "
                f"({s.bad_share:.1%}), {s.blanked:,} optional values blanked{cut}{flag}"
            )
        return lines + self.problem_rows()

    def problem_rows(self) -> list[str]:
        """The problem and missing-table lines of :meth:`summary_rows`, without per-table ones."""
        lines = []
        for t, c, col, sev, n in self.problem_counts():
            where = f"{t}.{printable(col)}" if col else t
            lines.append(f"{sev} {c} in {where}: {n:,}")
        for name, enables in self.missing_tables.items():
            lines.append(f"optional table {name} not provided (it enables: {enables})")
        return lines

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: counts are exact, ``issues`` holds at most the cap per code."""
        return {
            "contract_version": CONTRACT_VERSION,
            "source": self.source,
            "ok": self.ok,
            "max_bad_share": self.max_bad_share,
            "tables": {
                name: {
                    "read": s.read,
                    "kept": s.kept,
                    "rejected": s.rejected,
                    "blanked": s.blanked,
                    "truncated": s.truncated,
                    "bad_share": round(s.bad_share, 6),
                    "extra_columns": list(s.extra_columns),
                    "absent_optional_columns": list(s.absent_optional_columns),
                }
                for name, s in self.tables.items()
            },
            "missing_tables": dict(self.missing_tables),
            "counts": [
                {"table": t, "code": c, "column": col or None, "severity": sev, "count": n}
                for t, c, col, sev, n in self.problem_counts()
            ],
            "issues_cap_per_code": self.max_issues_per_code,
            "issues": [asdict(i) for i in self.issues],
        }

    def write_json(self, path: str | Path) -> Path:
        """Write :meth:`to_dict` as indented UTF-8 JSON, creating parent folders."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(
            json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        return target
