"""The role prior at request time: newcomers, unassessed target/project skills, old bundles."""

from __future__ import annotations

import pytest

from recsvc.recommend import AssessmentUpdate, Context, Project, Query, Recommender
from recsvc.recommend.candidates import build_signals


def _skill(rec: Recommender, skill_id: str) -> int:
    return rec.state.skills.get(skill_id)


def _role(rec: Recommender, role_id: str) -> int:
    return rec.state.roles.get(role_id)


def test_bundle_stores_a_prior_between_zero_and_the_requirement(rec) -> None:
    st = rec.state
    assert st.params.prior_weight == pytest.approx(0.3)
    asked = st.role_required > 0
    assert (st.skill_prior[asked] > 0.5).all()
    # a newcomer starts below what the role asks, and below a typical member
    assert (st.skill_prior_entry[asked] < st.role_required[asked]).all()
    assert (st.skill_prior_entry[asked] <= st.skill_prior[asked]).all()
    assert (st.skill_prior_mean > 0).all()  # every skill has someone with evidence


def test_newcomer_reads_the_entry_prior_on_the_role_skills_only(rec) -> None:
    st = rec.state
    s = build_signals(st, "nobody", Context(role_id="scientist"))
    r = _role(rec, "scientist")
    entry = st.skill_prior_entry
    for skill in ("py", "sql"):
        assert s.current[_skill(rec, skill)] == pytest.approx(entry[r, _skill(rec, skill)])
        assert s.evidence[_skill(rec, skill)] == 1  # role prior
    assert s.current[_skill(rec, "lead")] == 0.0  # the role does not ask for it: no belief
    assert s.evidence[_skill(rec, "lead")] == 0
    assert s.gap[_skill(rec, "py")] == pytest.approx(4.0 - entry[r, _skill(rec, "py")])


def test_newcomer_with_only_a_target_role_reads_its_entry_prior(rec) -> None:
    st = rec.state
    s = build_signals(st, "nobody", Context(target_role_id="manager"))
    lead = _skill(rec, "lead")
    entry = st.skill_prior_entry[_role(rec, "manager"), lead]
    assert s.current[lead] == pytest.approx(entry)
    assert s.gap[lead] == pytest.approx(3.0 - entry)
    assert s.strategy == "cold_start_target_role"


def test_target_role_skill_without_evidence_starts_at_the_target_entry_level(rec) -> None:
    st = rec.state
    py, lead = _skill(rec, "py"), _skill(rec, "lead")
    assert st.skill_wsum[st.employees.get("manager_001"), py] == 0  # managers never do py
    plain = build_signals(st, "manager_001", Context())
    moving = build_signals(st, "manager_001", Context(target_role_id="scientist"))
    assert plain.current[py] == 0.0
    assert moving.current[py] == pytest.approx(st.skill_prior_entry[_role(rec, "scientist"), py])
    assert moving.current[py] > 0
    assert moving.current[lead] == plain.current[lead]  # skills with evidence are untouched


def test_project_skill_without_evidence_starts_at_everyones_mean(rec) -> None:
    st = rec.state
    py = _skill(rec, "py")
    s = build_signals(st, "manager_001", Context(project=Project(skill_ids=("py",))))
    prior = float(st.skill_prior_mean[py])
    assert s.current[py] == pytest.approx(prior)
    assert s.required_project[py] == pytest.approx(min(5.0, max(3.0, prior + 1.0)))


def test_a_fresh_test_outweighs_the_prior(rec) -> None:
    st = rec.state
    sql = _skill(rec, "sql")
    prior = float(st.skill_prior_entry[_role(rec, "analyst"), sql])
    expert = AssessmentUpdate(skill_id="sql", level=5.0, source="test")
    s = build_signals(st, "nobody", Context(role_id="analyst", recent_assessments=(expert,)))
    w = st.params.prior_weight
    assert s.current[sql] == pytest.approx((w * prior + 1.0 * 5.0) / (w + 1.0), rel=1e-5)
    assert s.evidence[sql] == 3  # assessed
    assert s.need.proven[sql] == 5.0  # a fresh test proves its level
    assert s.level_sd[sql] < s.level_sd[_skill(rec, "xl")]  # surer than the prior alone


def test_gap_reasons_name_only_skills_taught_above_the_current_level(sample_rec) -> None:
    st = sample_rec.state
    n = 0
    for i, e in enumerate(st.employees.ids[:60]):
        target = st.roles.ids[(7 * i) % len(st.roles)]
        answer = sample_rec.recommend(Query(e, k=10, context=Context(target_role_id=target)))
        for item in answer.items:
            for r in item.reasons:
                if r.code.startswith("skill_gap"):
                    n += 1
                    step = r.details["teaches_level"] - r.details["current_level"]
                    # current_level is rounded to 2 decimals
                    assert step > -0.006, r
                    assert item.learning_value > 0
                    assert r.details["current_level"] < r.details["required_level"] + 0.006
    assert n >= 20
