"""Source calibration: bias and reliability learned from self-ratings paired with tests."""

from __future__ import annotations

import pandas as pd
import pytest

from recsvc.features.skills import DEFAULT_SOURCE_WEIGHTS, SkillParams, calibrate_sources

DAY = pd.Timestamp("2024-03-01", tz="UTC")


def _rows(
    n: int, *, noise: float, bias: float = 1.0, n_self: int | None = None
) -> list[dict[str, object]]:
    """``n`` people tested on sql; the first ``n_self`` also rate themselves 10 days earlier.

    A self-rating is the test level plus ``bias`` plus ``noise`` with alternating sign, so
    the mean difference is exactly ``bias`` and its variance ``noise ** 2`` (n even).
    """
    rows: list[dict[str, object]] = []
    for i in range(n):
        test = float(1 + i % 3)
        rows.append(_row(f"e{i}", test, "test", DAY))
        if i < (n if n_self is None else n_self):
            own = test + bias + (noise if i % 2 else -noise)
            rows.append(_row(f"e{i}", own, "self", DAY - pd.Timedelta(days=10)))
    return rows


def _row(
    e: str, level: float, source: str, at: pd.Timestamp, content: str | None = None
) -> dict[str, object]:
    return {
        "employee_id": e,
        "skill_id": "sql",
        "level": level,
        "assessed_at": at,
        "source": source,
        "content_id": content,
    }


def _frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    out = pd.DataFrame(rows)
    out["assessed_at"] = pd.to_datetime(out["assessed_at"], utc=True)
    return out


def test_a_noisy_biased_self_rating_gets_its_bias_and_a_lower_weight() -> None:
    got = calibrate_sources(_frame(_rows(40, noise=0.8)), SkillParams())
    assert got.source_bias["self"] == pytest.approx(1.0)
    # no repeated tests: the test's own variance defaults to 0.1; the self-rating's is
    # 0.64 - 0.1 = 0.54, so its weight is 1.0 * 0.1 / 0.54
    assert got.source_weights["self"] == pytest.approx(round(0.1 / 0.54, 4))
    assert got.source_weights["test"] == 1.0
    assert got.source_weights["manager"] == DEFAULT_SOURCE_WEIGHTS["manager"]  # no pairs
    assert "manager" not in got.source_bias


def test_a_sharp_self_rating_keeps_the_full_test_weight() -> None:
    got = calibrate_sources(_frame(_rows(40, noise=0.2, bias=-0.5)), SkillParams())
    assert got.source_bias["self"] == pytest.approx(-0.5)
    assert got.source_weights["self"] == 1.0  # variance below the test's: capped at 1


def test_fewer_than_thirty_pairs_keep_the_defaults() -> None:
    defaults = SkillParams()
    got = calibrate_sources(_frame(_rows(40, noise=0.8, n_self=29)), defaults)
    assert got.source_weights["self"] == DEFAULT_SOURCE_WEIGHTS["self"]
    assert "self" not in got.source_bias
    assert calibrate_sources(_frame(_rows(29, noise=0.8)), defaults) is defaults


def test_course_tests_are_not_used_for_calibration() -> None:
    rows = _rows(40, noise=0.8)
    plain = calibrate_sources(_frame(rows), SkillParams())
    # each person also took a course's own tests before and after, at very different levels
    course = [
        _row(f"e{i}", level, "test", DAY + pd.Timedelta(days=d), "c1")
        for i in range(40)
        for level, d in ((0.0, 1), (5.0, 20))
    ]
    mixed = calibrate_sources(_frame(rows + course), SkillParams())
    assert mixed.source_bias == plain.source_bias
    assert mixed.source_weights == plain.source_weights
    # with only course tests there is nothing to calibrate against
    only_course = [r for r in rows if r["source"] == "self"] + course
    defaults = SkillParams()
    assert calibrate_sources(_frame(only_course), defaults) is defaults
