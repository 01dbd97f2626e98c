"""Request-time skill state on the tiny trained organisation, with hand-computed levels and sds."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from recsvc.errors import UnknownSkillError
from recsvc.recommend import AssessmentUpdate, Recommender
from recsvc.recommend.skill_state import (
    ASSESSED,
    INFERRED,
    MAX_LEVEL_SD,
    NO_EVIDENCE,
    ROLE_PRIOR,
    SkillState,
    resolve_skill_state,
)
from recsvc.recommend.state import ModelState

NONE = np.zeros(0, dtype=np.int64)


def _resolve(
    st: ModelState,
    employee: str = "nobody",
    *,
    role: str | None = None,
    items: tuple[str, ...] = (),
    tests: tuple[AssessmentUpdate, ...] = (),
) -> SkillState:
    r = st.roles.get(role) if role else -1
    return resolve_skill_state(
        st,
        st.employees.get(employee),
        roles=(r, -1),
        project_skills=NONE,
        recent_items=np.asarray([st.content.get(i) for i in items], dtype=np.int64),
        recent_assessments=tests,
    )


def _days_before_as_of(st: ModelState, days: float) -> datetime:
    return datetime.fromtimestamp(st.params.as_of * 86400.0, tz=UTC) - timedelta(days=days)


def test_without_evidence_the_role_prior_or_nothing(rec: Recommender) -> None:
    st = rec.state
    s = _resolve(st, role="analyst")
    r, unit, w = st.roles.get("analyst"), st.params.level_sd_unit, st.params.prior_weight
    for skill in ("sql", "xl"):  # the role asks them: a newcomer's entry level
        j = st.skills.get(skill)
        assert s.evidence[j] == ROLE_PRIOR
        assert s.level[j] == pytest.approx(st.skill_prior_entry[r, j])
        assert s.sd[j] == pytest.approx(min(unit / np.sqrt(w), MAX_LEVEL_SD))
    for skill in ("py", "lead"):  # it does not: no belief at all
        j = st.skills.get(skill)
        assert s.evidence[j] == NO_EVIDENCE
        assert s.level[j] == 0.0
        assert s.sd[j] == MAX_LEVEL_SD
    assert not s.proven.any()


def test_recent_items_are_learning_and_assessments_are_assessed(rec: Recommender) -> None:
    st = rec.state
    p = st.params
    lead = AssessmentUpdate(skill_id="lead", level=2.0, source="test")
    s = _resolve(st, items=("py3",), tests=(lead,))
    py, j = st.skills.get("py"), st.skills.get("lead")
    assert s.evidence[py] == INFERRED
    assert s.level[py] == pytest.approx(3.0)  # the only evidence: py3 teaches level 3
    assert s.sd[py] == pytest.approx(p.level_sd_unit / np.sqrt(p.evidence_weight))
    assert s.evidence[j] == ASSESSED
    assert s.level[j] == pytest.approx(2.0)
    assert s.sd[j] == pytest.approx(p.level_sd_unit / np.sqrt(p.source_weights["test"]))


def test_sd_shrinks_as_tests_accumulate(rec: Recommender) -> None:
    st = rec.state
    py = st.skills.get("py")
    sds, levels = [], []
    for n in (1, 2, 4):
        tests = tuple(AssessmentUpdate("py", float(2 + i % 2)) for i in range(n))
        s = _resolve(st, tests=tests)
        sds.append(float(s.sd[py]))
        levels.append(float(s.level[py]))
    unit = st.params.level_sd_unit  # one fresh test each, weight 1
    np.testing.assert_allclose(sds, [unit, unit / np.sqrt(2), unit / 2], rtol=1e-5)
    np.testing.assert_allclose(levels, [2.0, 2.5, 2.5], rtol=1e-5)


def test_a_fresh_test_shrinks_a_known_employees_sd(rec: Recommender) -> None:
    st = rec.state
    e, sql = st.employees.get("analyst_000"), st.skills.get("sql")
    wsum, wlevel = float(st.skill_wsum[e, sql]), float(st.skill_wlevel[e, sql])
    assert wsum > 0
    before = _resolve(st, "analyst_000")
    after = _resolve(st, "analyst_000", tests=(AssessmentUpdate("sql", 5.0),))
    unit = st.params.level_sd_unit
    assert before.sd[sql] == pytest.approx(unit / np.sqrt(wsum), rel=1e-5)
    assert after.sd[sql] == pytest.approx(unit / np.sqrt(wsum + 1.0), rel=1e-5)
    assert after.level[sql] == pytest.approx((wlevel + 5.0) / (wsum + 1.0), rel=1e-5)


def test_only_a_recent_test_proves_its_level(rec: Recommender) -> None:
    st = rec.state
    sql, py, xl, lead = (st.skills.get(x) for x in ("sql", "py", "xl", "lead"))
    recent = _days_before_as_of(st, 30.0)
    old = _days_before_as_of(st, st.params.proven_days + 10.0)
    s = _resolve(
        st,
        tests=(
            AssessmentUpdate("sql", 4.0, "test"),  # no date: taken now
            AssessmentUpdate("sql", 3.0, "test", recent),  # the highest stays
            AssessmentUpdate("py", 3.0, "test", recent),
            AssessmentUpdate("xl", 5.0, "test", old),
            AssessmentUpdate("lead", 4.0, "manager"),  # only tests prove
        ),
    )
    assert s.proven[sql] == 4.0
    assert s.proven[py] == 3.0
    assert s.proven[xl] == 0.0
    assert s.proven[lead] == 0.0
    assert s.evidence[xl] == ASSESSED  # old, yet still evidence


def test_an_old_assessment_counts_less(rec: Recommender) -> None:
    st = rec.state
    py = st.skills.get("py")
    two_half_lives = _days_before_as_of(st, 2 * st.params.skill_half_life_days)
    s = _resolve(st, tests=(AssessmentUpdate("py", 3.0, "test", two_half_lives),))
    # weight 1 * 0.5 ** 2 = 0.25, so the sd doubles
    assert s.sd[py] == pytest.approx(2 * st.params.level_sd_unit, rel=1e-4)


def test_source_bias_is_subtracted_and_clipped(rec: Recommender) -> None:
    st = rec.state
    biased = dataclasses.replace(
        st, params=dataclasses.replace(st.params, source_bias={"self": 1.0})
    )
    py, lead = st.skills.get("py"), st.skills.get("lead")
    tests = (AssessmentUpdate("py", 4.0, "self"), AssessmentUpdate("lead", 0.5, "self"))
    s = _resolve(biased, tests=tests)
    assert s.level[py] == pytest.approx(3.0)
    assert s.level[lead] == 0.0  # 0.5 - 1 clips at 0
    unbiased = dataclasses.replace(st, params=dataclasses.replace(st.params, source_bias={}))
    assert _resolve(unbiased, tests=tests).level[py] == pytest.approx(4.0)


def test_unknown_skill_in_an_assessment_raises(rec: Recommender) -> None:
    with pytest.raises(UnknownSkillError, match="cooking"):
        _resolve(rec.state, tests=(AssessmentUpdate("cooking", 3.0),))
