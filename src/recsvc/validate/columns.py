"""Match a source's column names to the contract: contract, audit_ and extra columns."""

from __future__ import annotations

from recsvc.contract import AUDIT_PREFIX, TableSpec

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


def show(value: object) -> str:
    """A value as it appears in a message: strings quoted, anything else as is."""
    return repr(value) if isinstance(value, str) else str(value)
