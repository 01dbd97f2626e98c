"""Audit columns: stripped before fitting, read only for parity; parity figures on known values."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

import recsvc.evaluate
from recsvc import contract as c
from recsvc.evaluate.fairness import MIN_GROUP, audit_labels, parity, strip_audit
from recsvc.ids import IdIndex


def _tables() -> dict[str, pd.DataFrame]:
    emp = pd.DataFrame(
        {
            "employee_id": pd.Series(["e1", "e2", "e3"], dtype="string"),
            "role_id": pd.Series(["r", "r", None], dtype="string"),
            "audit_gender": pd.Series(["f", None, "m"], dtype="string"),
        }
    )
    return {c.EMPLOYEES: emp, c.CONTENT: pd.DataFrame({"content_id": ["x"]})}


def test_strip_audit_removes_only_audit_columns() -> None:
    tables = _tables()
    clean = strip_audit(tables)
    assert list(clean[c.EMPLOYEES].columns) == ["employee_id", "role_id"]
    assert "audit_gender" in tables[c.EMPLOYEES].columns  # the caller's frame is untouched
    assert clean[c.CONTENT] is tables[c.CONTENT]


def test_audit_labels_follow_the_employee_index() -> None:
    labels = audit_labels(_tables(), IdIndex(["e0", "e1", "e2", "e3"]))
    assert list(labels["audit_gender"]) == ["(missing)", "f", "(missing)", "m"]
    assert audit_labels({c.CONTENT: pd.DataFrame()}, IdIndex(["e1"])) == {}


def test_parity_ratio_and_overlap_on_known_groups() -> None:
    n = MIN_GROUP + 5
    labels = np.array(["a"] * n + ["b"] * n + ["tiny"] * 3, dtype=object)
    values = np.concatenate([np.full(n, 0.5), np.full(n, 0.25), np.full(3, 0.0)])
    values[0] = np.nan  # not qualified: left out
    (table,) = parity("audit_x", labels, {"m": values}, "ndcg@10", n_boot=200)
    rows = {r.group: r for r in table.rows}
    assert rows["a"].n == n - 1 and rows["a"].mean == 0.5
    assert table.ratio == 2.0  # the tiny group is listed but not judged
    assert rows["tiny"].n == 3 and np.isnan(rows["tiny"].mean)  # 3 people: no figure
    assert not table.overlap
    same = parity("audit_x", labels[: 2 * n], {"m": np.full(2 * n, 0.3)}, "ndcg@10")[0]
    assert same.ratio == 1.0 and same.overlap


def test_only_the_fairness_module_reads_audit_columns() -> None:
    """The boundary is kept by construction: no other evaluation module names the prefix."""
    package = Path(recsvc.evaluate.__file__).parent
    readers = sorted(
        p.name for p in package.glob("*.py") if "AUDIT_PREFIX" in p.read_text(encoding="utf-8")
    )
    assert readers == ["fairness.py"]
