"""Match a source's column names to the contract: contract, audit_ and extra columns."""

from __future__ import annotations

from recsvc.contract import AUDIT_PREFIX, TableSpec
from recsvc.validate.limits import printable

__all__ = ["ColumnMap", "show"]


class ColumnMap:
    """Which source column feeds which contract column, and what else the source has."""

    def __init__(self, spec: TableSpec, source_columns: list[str]) -> None:
        self.contract: dict[str, str] = {}  # contract name -> source name
        self.audit: dict[str, str] = {}  # clean audit_ name -> source name
        self.extra: list[str] = []
        for name in source_columns:
            norm = str(name).strip().lower()
            if norm in spec.by_name and norm not in self.contract:
                self.contract[norm] = name
            elif spec.allow_audit_columns and norm.startswith(AUDIT_PREFIX):
                self.audit[norm] = name
            else:
                self.extra.append(name)

    @property
    def source_columns(self) -> list[str]:
        return [*self.contract.values(), *self.audit.values()]


def show(value: object, limit: int = 80) -> str:
    """A value as it appears in a message: strings quoted, clipped, control characters escaped.

    Values come from the data, so a message never carries more than ``limit`` characters of
    one, nor anything a terminal or log reader would interpret.
    """
    if isinstance(value, str):
        return "'" + printable(value, limit).replace("'", "\\'") + "'"
    return printable(value, limit)
