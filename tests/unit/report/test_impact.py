"""Learning gain by difference-in-differences: known answers on hand-made data, and the
sample's hidden truth (intervals cover the true gain; ineffective items are flagged)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsvc import contract as c
from recsvc.report.impact import analyse_impact, truth_check
from recsvc.report.impact_output import IMPACT_PLOTS, write_impact_report
from recsvc.sample import generate_sample

NOW = pd.Timestamp("2024-06-01", tz="UTC")


def _tables(
    takers: int, controls: int, control_level: float, control_gain: float
) -> dict[str, pd.DataFrame]:
    """One course teaching sql at level 3. Takers test at 2 then 3 (+-0.1), ten days apart;
    non-takers are rated by their manager at ``control_level`` and, 100 days later, that
    plus ``control_gain``."""
    rows = []
    for k in range(takers):
        jitter = 0.1 if k % 2 else -0.1
        rows.append((f"t{k}", 2.0, 30, "test", "c1"))
        rows.append((f"t{k}", 3.0 + jitter, 20, "test", "c1"))
    for k in range(controls):
        rows.append((f"n{k}", control_level, 110, "manager", None))
        rows.append((f"n{k}", control_level + control_gain, 10, "manager", None))
    a = pd.DataFrame(rows, columns=["employee_id", "level", "ago", "source", "content_id"])
    a["assessed_at"] = NOW - pd.to_timedelta(a["ago"], unit="D")
    a["skill_id"] = "sql"
    people = sorted(set(a["employee_id"]))
    en = pd.DataFrame(
        {
            "employee_id": [f"t{k}" for k in range(takers)],
            "content_id": "c1",
            "status": "completed",
            "enrolled_at": NOW - pd.Timedelta(days=30),
        }
    )
    return {
        c.CONTENT: pd.DataFrame(
            {
                "content_id": ["c1"],
                "title": ["SQL"],
                "format": ["course"],
                "duration_minutes": 120.0,
            }
        ),
        c.ENROLMENTS: en,
        c.EMPLOYEES: pd.DataFrame({"employee_id": people, "audit_gender": "x"}),
        c.SKILLS: pd.DataFrame({"skill_id": ["sql"], "name": ["SQL"]}),
        c.CONTENT_SKILLS: pd.DataFrame(
            {"content_id": ["c1"], "skill_id": ["sql"], "level": [3], "weight": [1.0]}
        ),
        c.ASSESSMENTS: a.drop(columns="ago"),
    }


def test_the_gain_is_the_takers_change_minus_the_non_takers_trend() -> None:
    # takers gain 1 level in 10 days; non-takers drift 0.5 levels in 100 days (0.05 in 10)
    result = analyse_impact(_tables(takers=6, controls=8, control_level=2.0, control_gain=0.5))
    row = result.items.iloc[0]
    assert row["failed"] == ""
    assert row["shown"]
    assert row["gain"] == pytest.approx(1.0 - 0.05, abs=1e-6)
    assert row["low"] < row["gain"] < row["high"]
    assert row["gain_per_hour"] == pytest.approx(row["gain"] / 2.0)
    # without the drift the whole change is the course's
    flat = analyse_impact(_tables(takers=6, controls=8, control_level=2.0, control_gain=0.0))
    assert flat.items.iloc[0]["gain"] == pytest.approx(1.0, abs=1e-6)


def test_failed_checks_are_named_and_few_takers_give_no_figures() -> None:
    few = analyse_impact(_tables(takers=4, controls=8, control_level=2.0, control_gain=0.0))
    row = few.items.iloc[0]
    assert row["failed"] == "takers"
    assert not row["shown"]
    assert np.isnan(row["gain"]) and np.isnan(row["taker_change"])  # 4 people's tests: hidden
    # non-takers two levels above every taker: nobody comparable
    far = analyse_impact(_tables(takers=6, controls=8, control_level=4.0, control_gain=0.0))
    assert far.items.iloc[0]["failed"].split(",") == ["controls", "overlap"]
    # a higher floor asks for more people
    strict = analyse_impact(
        _tables(takers=6, controls=8, control_level=2.0, control_gain=0.0), min_group=7
    )
    assert strict.items.iloc[0]["failed"] == "takers"
    with pytest.raises(ValueError, match="at least 5"):
        analyse_impact(_tables(6, 8, 2.0, 0.0), min_group=4)


def test_the_report_writes_markdown_json_and_the_named_plots(tmp_path: object) -> None:
    from pathlib import Path

    out = Path(str(tmp_path))
    result = analyse_impact(_tables(takers=6, controls=8, control_level=2.0, control_gain=0.5))
    paths = write_impact_report(result, out)
    assert {p.name for p in paths} == {"impact.md", "impact.json", *IMPACT_PLOTS}
    for p in paths:
        assert p.stat().st_size > 0
    assert "SQL (c1)" in (out / "impact.md").read_text(encoding="utf-8")


@pytest.mark.slow  # three generated organisations
def test_intervals_cover_the_samples_true_gains_and_flag_its_ineffective_items() -> None:
    covered, flagged = [], []
    for seed in (1, 2, 3):
        sample = generate_sample(800, seed=seed)
        result = analyse_impact(sample.tables)
        truth = sample.ground_truth["content_effectiveness"]
        m = result.shown.merge(truth, on=["content_id", "skill_id"], suffixes=("", "_true"))
        covered.append((m["low"] <= m["true_gain"]) & (m["true_gain"] <= m["high"]))
        flagged.append(m.loc[m["ineffective_true"], "ineffective"])
    coverage = pd.concat(covered)
    assert len(coverage) >= 60  # enough shown items for the share to mean something
    assert coverage.mean() >= 0.9
    recall = pd.concat(flagged)
    assert len(recall) >= 8
    assert recall.mean() >= 0.7


def test_truth_check_reads_a_ground_truth_folder(tmp_path: object) -> None:
    from pathlib import Path

    from recsvc.sample import write_sample

    sample = generate_sample(400, seed=5)
    write_sample(sample, Path(str(tmp_path)), fmt="parquet")
    check = truth_check(analyse_impact(sample.tables), Path(str(tmp_path)) / "ground_truth")
    assert check["items"] > 0
    assert 0.0 <= check["coverage"] <= 1.0
    with pytest.raises(FileNotFoundError):
        truth_check(analyse_impact(sample.tables), Path(str(tmp_path)))
