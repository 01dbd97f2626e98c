"""Evidence from completions and tests, and measured course gains, on tiny hand-made tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsvc import contract as c
from recsvc.dataset import Dataset, build_dataset
from recsvc.features.skills import (
    SkillParams,
    content_gains,
    content_skill_matrices,
    skill_evidence,
)

NOW = pd.Timestamp("2024-06-01", tz="UTC")
#: (who, level, days ago, source, course or None)
Assessment = tuple[str, float, int, str, str | None]
PEOPLE = ["fail", "edge", "pass", "unscored", "drop", "t1", "t2", "mgr"]


def _dataset(
    enrolments: list[tuple[str, str, str, float]], assessments: list[Assessment]
) -> Dataset:
    """Three courses teaching sql at level 3, and the given enrolments and assessments."""
    items = ["c1", "c2", "c3"]
    en = pd.DataFrame(enrolments, columns=["employee_id", "content_id", "status", "score"])
    en["enrolled_at"] = NOW
    a = pd.DataFrame(assessments, columns=["employee_id", "level", "ago", "source", "content_id"])
    a["assessed_at"] = NOW - pd.to_timedelta(a["ago"], unit="D")
    a["skill_id"] = "sql"
    people = sorted(set(PEOPLE) | set(a["employee_id"]) | set(en["employee_id"]))
    tables = {
        c.CONTENT: pd.DataFrame({"content_id": items, "title": items}),
        c.ENROLMENTS: en,
        c.EMPLOYEES: pd.DataFrame({"employee_id": people}),
        c.SKILLS: pd.DataFrame({"skill_id": ["sql"], "name": ["SQL"]}),
        c.CONTENT_SKILLS: pd.DataFrame(
            {"content_id": items, "skill_id": ["sql"] * 3, "level": [3] * 3, "weight": [1.0] * 3}
        ),
        c.ASSESSMENTS: a.drop(columns="ago"),
    }
    return build_dataset(tables, as_of=NOW)


def test_only_real_completions_are_evidence_and_only_recent_tests_prove() -> None:
    ds = _dataset(
        [
            ("fail", "c1", "completed", 0.4),  # below pass_score 0.6
            ("edge", "c1", "completed", 0.6),  # at it: passes
            ("pass", "c1", "completed", 0.8),
            ("unscored", "c1", "completed", np.nan),
            ("drop", "c1", "dropped", np.nan),
        ],
        [
            ("t1", 4.0, 10, "test", None),
            ("t1", 2.0, 5, "test", None),  # a later, lower test: the highest is proven
            ("t2", 5.0, 400, "test", None),  # older than proven_days (365)
            ("mgr", 4.0, 1, "manager", None),
        ],
    )
    weight, level = content_skill_matrices(ds)
    ev = skill_evidence(ds, SkillParams(half_life_days=0.0), weight, level)  # no decay
    idx = {p: ds.employees.get(p) for p in PEOPLE}
    wsum, learned, levels = ev.wsum.toarray()[:, 0], ev.wlearned.toarray()[:, 0], ev.levels()
    for p in ("fail", "drop"):
        assert wsum[idx[p]] == 0.0
    for p in ("edge", "pass", "unscored"):
        assert wsum[idx[p]] == pytest.approx(0.4)  # evidence_weight * content weight 1
        assert learned[idx[p]] == pytest.approx(0.4)
        assert levels[idx[p], 0] == pytest.approx(3.0)
    proven = ev.proven.toarray()[:, 0]
    assert proven[idx["t1"]] == 4.0
    assert proven[idx["t2"]] == 0.0
    assert proven[idx["mgr"]] == 0.0
    assert wsum[idx["t2"]] == pytest.approx(1.0)  # an old test is still evidence
    assert learned[idx["t1"]] == 0.0


def test_course_tests_give_the_shrunk_mean_gain() -> None:
    ds = _dataset(
        [("p1", "c1", "completed", np.nan)],
        [
            ("p1", 1.0, 30, "test", "c1"),
            ("p1", 3.0, 10, "test", "c1"),  # gain 2
            ("p2", 3.0, 10, "test", "c1"),  # listed first, taken last: gain 3 - 2 = 1
            ("p2", 2.0, 30, "test", "c1"),
            ("p3", 4.0, 10, "test", "c1"),  # one test only: no gain
            ("p4", 2.0, 30, "test", "c2"),
            ("p4", 2.0, 10, "test", "c2"),  # gain 0
            ("p1", 5.0, 1, "test", None),  # not a course test
        ],
    )
    weight, _ = content_skill_matrices(ds)
    c1, c2, c3 = (ds.content.get(i) for i in ("c1", "c2", "c3"))
    # the mean over the three measured gains is 1; three pseudo-people at that mean
    gains = content_gains(ds, weight)
    assert gains[c1, 0] == pytest.approx((2 + 1 + 3 * 1.0) / (2 + 3), abs=2e-4)  # 1.2
    assert gains[c2, 0] == pytest.approx((0 + 3 * 1.0) / (1 + 3), abs=2e-4)  # 0.75
    assert gains[c3].nnz == 0
    raw = content_gains(ds, weight, shrink=0.0)
    assert raw[c1, 0] == pytest.approx(1.5, abs=2e-4)
    assert raw[c2].nnz == 1 and raw[c2, 0] == pytest.approx(0.0, abs=2e-4)  # 0 stays stored


def test_no_course_tests_means_no_gains() -> None:
    ds = _dataset([("p1", "c1", "completed", np.nan)], [("p1", 3.0, 1, "test", None)])
    weight, _ = content_skill_matrices(ds)
    assert content_gains(ds, weight).nnz == 0
