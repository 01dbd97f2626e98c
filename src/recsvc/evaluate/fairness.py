"""Exposure parity across ``audit_`` groups: the one module that reads protected attributes.

The boundary, in code: :func:`strip_audit` takes the ``audit_*`` columns off the employees
table *before* anything is fitted, so models train on tables that do not contain them;
:func:`audit_labels` reads them for :func:`parity` and nothing else.

Parity asks whether equally qualified groups get equally good recommendations: among the
employees with something to find (test items for accuracy; a non-empty skill gap for gap
closure), compare each group's mean and bootstrap CI, and the ratio of the best group's mean
to the worst's (1.0 = parity). Groups smaller than ``MIN_GROUP`` are listed but not ranked,
and groups under the peer floor (:data:`recsvc.privacy.MIN_GROUP`) are listed without
figures: a mean over fewer people is one person's result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from recsvc import contract as c
from recsvc.dataset import id_values
from recsvc.ids import IdIndex
from recsvc.metrics import bootstrap_ci
from recsvc.privacy import MIN_GROUP as PEER_FLOOR

__all__ = ["MIN_GROUP", "GroupRow", "ParityTable", "audit_labels", "parity", "strip_audit"]

MIN_GROUP = 20
UNKNOWN = "(missing)"


def strip_audit(tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The tables without any ``audit_`` column: what models are allowed to see."""
    emp = tables.get(c.EMPLOYEES)
    if emp is None:
        return dict(tables)
    audit_cols = [col for col in emp.columns if str(col).startswith(c.AUDIT_PREFIX)]
    return {**tables, c.EMPLOYEES: emp.drop(columns=audit_cols)}


def audit_labels(
    tables: Mapping[str, pd.DataFrame], employees: IdIndex
) -> dict[str, npt.NDArray[np.object_]]:
    """``{audit column: group label per employee index}``; ``(missing)`` where unknown.

    Nothing else in recsvc reads ``audit_`` columns.
    """
    emp = tables.get(c.EMPLOYEES)
    if emp is None:
        return {}
    rows = employees.indices(id_values(emp["employee_id"]))
    ok = rows >= 0
    groups: dict[str, npt.NDArray[np.object_]] = {}
    for col in emp.columns:
        if not str(col).startswith(c.AUDIT_PREFIX):
            continue
        labels = np.full(len(employees), UNKNOWN, dtype=object)
        values = emp[col].astype("string").fillna(UNKNOWN).to_numpy(dtype=object)
        labels[rows[ok]] = values[ok]
        groups[str(col)] = labels
    return groups


@dataclass(frozen=True)
class GroupRow:
    group: str
    n: int
    mean: float
    low: float
    high: float


@dataclass(frozen=True)
class ParityTable:
    """One audit column, one model, one metric: per-group estimates and the max/min ratio."""

    attribute: str
    model: str
    metric: str
    rows: tuple[GroupRow, ...]
    ratio: float  # best / worst mean among groups with >= MIN_GROUP employees
    overlap: bool  # every judged group's CI overlaps every other's

    def to_dict(self) -> dict[str, object]:
        return {
            "attribute": self.attribute,
            "model": self.model,
            "metric": self.metric,
            "ratio_max_min": self.ratio,
            "cis_overlap": self.overlap,
            "groups": [vars(r) for r in self.rows],
        }


def parity(
    attribute: str,
    labels: npt.NDArray[np.object_],
    values: Mapping[str, npt.NDArray[np.float64]],
    metric: str,
    *,
    seed: int = 0,
    n_boot: int = 1000,
) -> list[ParityTable]:
    """Per-group estimates of ``metric`` for every model in ``values``.

    ``labels`` and each ``values[model]`` are aligned by evaluated employee; NaN values
    (employees without anything to find) are left out, so groups are compared among the
    qualified only.
    """
    out = []
    names = sorted({str(x) for x in labels})
    for model, per_user in values.items():
        rows = []
        for name in names:
            v = per_user[(labels == name) & ~np.isnan(per_user)]
            mean, low, high = bootstrap_ci(v, n_boot=n_boot, seed=seed)
            if v.size < PEER_FLOOR:
                mean = low = high = float("nan")
            rows.append(GroupRow(name, int(v.size), mean, low, high))
        judged = [r for r in rows if r.n >= MIN_GROUP and np.isfinite(r.mean)]
        ratio = float("nan")
        overlap = True
        if len(judged) >= 2:
            lowest = min(r.mean for r in judged)
            ratio = max(r.mean for r in judged) / lowest if lowest > 0 else float("inf")
            overlap = max(r.low for r in judged) <= min(r.high for r in judged)
        out.append(ParityTable(attribute, model, metric, tuple(rows), ratio, overlap))
    return out
