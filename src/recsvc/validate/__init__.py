"""Row checks against the data contract: clean typed tables plus a report of every problem."""

from __future__ import annotations

from recsvc.validate.core import LoadedData, TooManyBadRowsError, validate_tables
from recsvc.validate.report import Code, Issue, Severity, TableStats, ValidationReport

__all__ = [
    "Code",
    "Issue",
    "LoadedData",
    "Severity",
    "TableStats",
    "TooManyBadRowsError",
    "ValidationReport",
    "validate_tables",
]
