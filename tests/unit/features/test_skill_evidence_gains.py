"""Evidence from completions and tests, and measured course gains, on tiny hand-made tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsvc import contract as c
from recsvc.dataset import Dataset, build_dataset
from recsvc.features.skills import SkillParams, content_skill_matrices, skill_evidence
from recsvc.recommend.gain_curve import default_curve
from recsvc.training.gains import course_test_gains, gain_curve, item_effects

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


def test_course_tests_give_gains_by_step_and_item_effects() -> None:
    ds = _dataset(
        [("p1", "c1", "completed", np.nan)],
        [
            ("p1", 1.0, 30, "test", "c1"),
            ("p1", 3.0, 10, "test", "c1"),  # from 1 to 3 on a level-3 course: step 2, gain 2
            ("p2", 3.0, 10, "test", "c1"),  # listed first, taken last: step 1, gain 1
            ("p2", 2.0, 30, "test", "c1"),
            ("p3", 4.0, 10, "test", "c1"),  # one test only: no gain
            ("p4", 2.0, 30, "test", "c2"),
            ("p4", 2.0, 10, "test", "c2"),  # step 1, gain 0
            ("p1", 5.0, 1, "test", None),  # not a course test
        ],
    )
    _, level = content_skill_matrices(ds)
    c1, c2, c3 = (ds.content.get(i) for i in ("c1", "c2", "c3"))
    pairs = course_test_gains(ds, level).sort_values(["i", "step"]).reset_index(drop=True)
    assert pairs[["i", "step", "gain"]].values.tolist() == [
        [c1, 1.0, 1.0],
        [c1, 2.0, 2.0],
        [c2, 1.0, 0.0],
    ]
    # too few pairs for a curve: the stated level fit (1 level at one step up)
    curve = gain_curve(pairs, 0.6)
    np.testing.assert_allclose(curve, default_curve(0.6))
    effects = item_effects(pairs, curve, level.shape)
    # c1 gained 1 + 2 where the curve expects 1 + 0.2494; shrunk by 3 levels at effect 1
    expected = 1.0 + float(default_curve(0.6)[8])  # step 2 is the ninth tabled step
    assert effects[c1, 0] == pytest.approx((3.0 + 3.0) / (expected + 3.0), rel=1e-4)
    assert effects[c2, 0] == pytest.approx(3.0 / (1.0 + 3.0), rel=1e-4)  # taught nothing
    assert effects[c3].nnz == 0


def test_a_learned_curve_follows_the_data_and_is_zero_at_the_level() -> None:
    steps = np.repeat([0.0, 1.0, 2.0], 100)
    gains = np.repeat([0.6, 0.5, 0.5], 100)
    pairs = pd.DataFrame({"i": 0, "s": 0, "step": steps, "gain": gains})
    curve = gain_curve(pairs, 0.6)
    assert curve[0] == 0.0  # at the learner's level nothing is new, whatever noise says
    # 100 learners at gain 0.5 against 10 pseudo-learners at the level fit
    assert curve[4] == pytest.approx((100 * 0.5 + 10 * 1.0) / 110, rel=1e-5)
    assert curve[8] == pytest.approx((100 * 0.5 + 10 * float(default_curve(0.6)[8])) / 110)


def test_no_course_tests_means_no_effects() -> None:
    ds = _dataset([("p1", "c1", "completed", np.nan)], [("p1", 3.0, 1, "test", None)])
    _, level = content_skill_matrices(ds)
    pairs = course_test_gains(ds, level)
    assert len(pairs) == 0
    assert item_effects(pairs, gain_curve(pairs, 0.6), level.shape).nnz == 0
