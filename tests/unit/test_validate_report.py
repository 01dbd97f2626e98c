"""ValidationReport: exact counts, capped issue list, summary lines and JSON form."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from recsvc.validate import Code, Severity, TableStats, ValidationReport


def test_counts_cap_summary_and_json(tmp_path: Path) -> None:
    report = ValidationReport(source="CSV folder x", max_bad_share=0.1, max_issues_per_code=2)
    report.tables["enrolments"] = TableStats(read=10, kept=7, rejected=3, blanked=1)
    report.tables["content"] = TableStats(read=4, kept=4)
    mask = np.array([True, False, True, True])
    values = np.array(["a", "b", "x" * 100, "d"], dtype=object)
    n = report.add(
        "enrolments",
        Code.BAD_TYPE,
        Severity.ERROR,
        "rating",
        mask,
        [2, 3, 4, 5],
        values,
        lambda v: f"bad {v}",
    )
    assert n == 3
    report.add_one("content", Code.EXTRA_COLUMN, Severity.INFO, "foo", "ignored")
    report.missing_tables["skills"] = "skill gaps"
    assert report.counts == {("enrolments", "bad_type"): 3, ("content", "extra_column"): 1}
    stored = [i for i in report.issues if i.code == "bad_type"]
    assert [(i.row, i.value) for i in stored] == [(2, "a"), (4, "x" * 77 + "...")]  # capped at 2
    assert report.tables_over_limit == ["enrolments"] and not report.ok
    lines = report.summary_rows()
    assert (
        lines[0] == "enrolments: 10 rows read, 7 kept, 3 rejected (30.0%), "
        "1 optional values blanked OVER LIMIT"
    )
    assert "error bad_type in enrolments.rating: 3" in lines
    assert "info extra_column in content.foo: 1" in lines
    assert lines[-1] == "optional table skills not provided (it enables: skill gaps)"
    data = json.loads(report.write_json(tmp_path / "out" / "r.json").read_text(encoding="utf-8"))
    assert data["ok"] is False and data["source"] == "CSV folder x"
    assert data["tables"]["enrolments"] == {
        "read": 10,
        "kept": 7,
        "rejected": 3,
        "blanked": 1,
        "truncated": 0,
        "bad_share": 0.3,
        "extra_columns": [],
        "absent_optional_columns": [],
    }
    assert data["counts"][0] == {
        "table": "enrolments",
        "code": "bad_type",
        "column": "rating",
        "severity": "error",
        "count": 3,
    }
    assert len(data["issues"]) == 3 and data["issues_cap_per_code"] == 2


def test_empty_report_is_ok() -> None:
    report = ValidationReport()
    assert report.ok and report.counts == {} and report.summary_rows() == []
    assert report.to_dict()["issues"] == []
