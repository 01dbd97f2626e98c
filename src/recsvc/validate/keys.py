"""Checks over a whole clean table: repeated primary keys, then self-references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from recsvc.contract import TableSpec
from recsvc.validate.columns import show
from recsvc.validate.parse import to_arrow
from recsvc.validate.report import Code, Severity, TableStats, ValidationReport

__all__ = ["check_keys"]


def _drop_duplicates(
    spec: TableSpec, table: pd.DataFrame, report: ValidationReport, stats: TableStats
) -> pd.DataFrame:
    """A repeated primary key: the first occurrence wins, later rows are dropped."""
    pk = list(spec.primary_key)
    dup = table.duplicated(subset=pk, keep="first").to_numpy(dtype=bool)
    if not dup.any():
        return table
    label = "/".join(pk)
    key_text = np.full(len(table), None, dtype=object)
    listed = np.flatnonzero(dup)[: report.max_issues_per_code]
    key_text[listed] = [
        "/".join(map(str, t)) for t in table[pk].iloc[listed].itertuples(index=False)
    ]
    report.add(
        spec.name,
        Code.DUPLICATE_KEY,
        Severity.ERROR,
        label,
        dup,
        table.index.to_numpy(dtype=np.int64),
        key_text,
        lambda v: f"{label} {show(v)} appeared in an earlier row; the first is kept",
        lambda pos: str(key_text[pos]),
    )
    stats.rejected += int(dup.sum())
    return table[~dup]


def _blank_self_reference(
    spec: TableSpec, col: str, table: pd.DataFrame, report: ValidationReport, stats: TableStats
) -> pd.DataFrame:
    """E.g. a manager_id that is no employee: blanked, since the table itself must load."""
    own = to_arrow(table[spec.primary_key[0]]).drop_null()
    values = table[col]
    known = pc.fill_null(pc.is_in(to_arrow(values), value_set=own), False)
    unknown = values.notna().to_numpy(dtype=bool) & ~known.to_numpy(zero_copy_only=False)
    if not unknown.any():
        return table
    keys = table[spec.primary_key[0]].to_numpy(dtype=object)
    stats.blanked += report.add(
        spec.name,
        Code.UNKNOWN_REFERENCE,
        Severity.WARNING,
        col,
        unknown,
        table.index.to_numpy(dtype=np.int64),
        values.to_numpy(dtype=object),
        lambda v: f"{col} {show(v)} is not in {spec.name}; value blanked, row kept",
        lambda pos: str(keys[pos]),
    )
    return table.assign(**{col: values.mask(unknown)})


def check_keys(
    spec: TableSpec, table: pd.DataFrame, report: ValidationReport, stats: TableStats
) -> pd.DataFrame:
    """Checks that need the whole table: repeated primary keys, then self-references."""
    if not spec.primary_key:
        return table
    table = _drop_duplicates(spec, table, report, stats)
    for col in spec.columns:
        if col.references == spec.name:
            table = _blank_self_reference(spec, col.name, table, report, stats)
    return table
