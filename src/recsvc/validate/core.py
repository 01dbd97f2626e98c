"""Validate a whole source against the contract, table by table in dependency order."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from recsvc.contract import REQUIRED_TABLES, TABLE_ORDER, TABLES, TableSpec
from recsvc.errors import DataContractError, DataValidationError
from recsvc.validate.columns import ColumnMap, show
from recsvc.validate.parse import to_arrow
from recsvc.validate.report import Code, Severity, TableStats, ValidationReport, clip
from recsvc.validate.table import check_table

if TYPE_CHECKING:
    from recsvc.source import Source

__all__ = ["LoadedData", "TooManyBadRowsError", "validate_tables"]

logger = logging.getLogger(__name__)

_DELIMITERS = {";": ";", "\t": "tab", "|": "|"}


@dataclass(frozen=True)
class LoadedData:
    """Clean contract tables (only those provided), the report, and where they came from."""

    tables: dict[str, pd.DataFrame]
    report: ValidationReport
    source_description: str


class TooManyBadRowsError(DataValidationError):
    """Raised past the bad-row threshold; ``report`` holds every problem for the CLI."""

    def __init__(self, message: str, report: ValidationReport) -> None:
        super().__init__(message)
        self.report = report


def _where(source: Source, table: str) -> str:
    locate = getattr(source, "location", None)
    return str(locate(table)) if callable(locate) else f"table {table} of {source.description}"


def _delimiter_hint(columns: list[str]) -> str:
    for sign, name in _DELIMITERS.items():
        if any(sign in str(c) for c in columns):
            return f" The header looks {name}-delimited; recsvc expects comma-separated CSV."
    return ""


def _map_columns(source: Source, spec: TableSpec, report: ValidationReport) -> ColumnMap:
    columns = source.columns(spec.name)
    cmap = ColumnMap(spec, columns)
    missing = [c for c in spec.required_columns if c not in cmap.contract]
    if missing:
        shown = ", ".join(show(c, 40) for c in columns[:30]) or "(none)"
        if len(columns) > 30:
            shown += f" and {len(columns) - 30:,} more"
        raise DataContractError(
            f"{_where(source, spec.name)}: required column(s) {', '.join(missing)} missing "
            f"(found: {shown}). Add or rename them; names match case-insensitively."
            + _delimiter_hint(columns)
        )
    stats = report.tables.setdefault(spec.name, TableStats())
    stats.extra_columns = [str(clip(name)) for name in cmap.extra]
    stats.absent_optional_columns = [c for c in spec.column_names if c not in cmap.contract]
    for name in cmap.extra:
        report.add_one(
            spec.name,
            Code.EXTRA_COLUMN,
            Severity.INFO,
            name,
            f"column {show(name)} is not part of the contract for {spec.name}; it is ignored",
        )
    return cmap


def _threshold_message(source: Source, report: ValidationReport) -> str:
    parts = []
    for name in report.tables_over_limit:
        s = report.tables[name]
        top = [
            f"{code} in {col or name} ({n:,})"
            for _t, code, col, sev, n in report.problem_counts(name)
            if sev == Severity.ERROR
        ][:3]
        parts.append(
            f"{_where(source, name)}: {s.rejected:,} of {s.read:,} rows bad ({s.bad_share:.1%}); "
            f"top problems: {', '.join(top)}"
        )
    return (
        f"Too many bad rows to trust {report.source} (limit {report.max_bad_share:.1%} per "
        f"table). " + "; ".join(parts) + ". Nothing downstream was run. Fix the rows listed in "
        "the validation report, or change the threshold with --max-bad-share "
        "(e.g. --max-bad-share 0.2)."
    )


def validate_tables(
    source: Source, *, max_bad_share: float = 0.05, chunksize: int = 200_000
) -> LoadedData:
    """Check every contract table of ``source``; return clean tables and the report.

    Tables go in ``contract.TABLE_ORDER`` so references are checked against parents that are
    already clean. Raises ``DataContractError`` for problems no row-level fix can repair
    (missing required table or column, empty required table, unreadable file) and
    ``TooManyBadRowsError`` (a ``DataValidationError``) when a table's share of bad rows
    exceeds ``max_bad_share``.
    """
    if not 0.0 <= max_bad_share <= 1.0:
        raise ValueError(f"max_bad_share must be between 0 and 1, got {max_bad_share}")
    if chunksize < 1:
        raise ValueError(f"chunksize must be positive, got {chunksize}")
    report = ValidationReport(source=source.description, max_bad_share=max_bad_share)
    present = source.table_names()
    absent = [t for t in REQUIRED_TABLES if t not in present]
    if absent:
        raise DataContractError(
            f"{source.description}: required table(s) {', '.join(absent)} missing. Provide "
            f"them as {absent[0]}.csv / {absent[0]}.parquet in the folder, or as tables of "
            "those names in the database (see docs/data-contract.md)."
        )
    maps: dict[str, ColumnMap] = {}
    for name in TABLE_ORDER:  # read every header first: contract errors before any row work
        if name in present:
            maps[name] = _map_columns(source, TABLES[name], report)
        else:
            report.missing_tables[name] = TABLES[name].enables
    tables: dict[str, pd.DataFrame] = {}
    parents: dict[str, pa.Array] = {}
    for name, cmap in maps.items():
        spec = TABLES[name]
        table = check_table(source, spec, cmap, parents, report, chunksize)
        if report.tables[name].read == 0:
            if spec.required:
                raise DataContractError(
                    f"{_where(source, name)}: the table has no rows; {name} is required "
                    "and must hold data."
                )
            report.add_one(
                name,
                Code.EMPTY_TABLE,
                Severity.WARNING,
                None,
                f"{name} has no rows; treated as not provided",
            )
            report.missing_tables[name] = spec.enables
            continue
        tables[name] = table
        if len(spec.primary_key) == 1:
            keys = to_arrow(table[spec.primary_key[0]])
            parents[name] = pc.unique(keys.drop_null())
    if not report.ok:
        raise TooManyBadRowsError(_threshold_message(source, report), report)
    return LoadedData(tables=tables, report=report, source_description=source.description)
