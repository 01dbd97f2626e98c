"""The role prior at request time: newcomers, unassessed target/project skills, old bundles."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from recsvc.bundle import read_bundle
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
    # the tiny org's members learn toward their requirements: typical levels sit below
    assert (st.skill_prior[asked] > 0.5).all()
    assert (st.skill_prior[asked] < st.role_required[asked]).all()
    assert (st.skill_prior_mean > 0).all()  # every skill has someone with evidence


def test_newcomer_reads_the_role_prior_on_the_role_skills_only(rec) -> None:
    st = rec.state
    s = build_signals(st, "nobody", Context(role_id="scientist"))
    r = _role(rec, "scientist")
    for skill in ("py", "sql"):
        assert s.current[_skill(rec, skill)] == pytest.approx(st.skill_prior[r, _skill(rec, skill)])
    assert s.current[_skill(rec, "lead")] == 0.0  # the role does not ask for it: no belief
    assert s.gap[_skill(rec, "py")] == pytest.approx(4.0 - st.skill_prior[r, _skill(rec, "py")])


def test_newcomer_without_a_role_reads_the_skill_mean_on_target_skills(rec) -> None:
    st = rec.state
    s = build_signals(st, "nobody", Context(target_role_id="manager"))
    lead = _skill(rec, "lead")
    assert s.current[lead] == pytest.approx(st.skill_prior_mean[lead])
    assert s.gap[lead] == pytest.approx(3.0 - st.skill_prior_mean[lead])


def test_target_role_skill_without_evidence_gets_the_own_role_prior(rec) -> None:
    st = rec.state
    py, lead = _skill(rec, "py"), _skill(rec, "lead")
    assert st.skill_wsum[st.employees.get("manager_001"), py] == 0  # managers never do py
    plain = build_signals(st, "manager_001", Context())
    moving = build_signals(st, "manager_001", Context(target_role_id="scientist"))
    assert plain.current[py] == 0.0
    assert moving.current[py] == pytest.approx(st.skill_prior[_role(rec, "manager"), py])
    assert moving.current[py] > 0
    assert moving.current[lead] == plain.current[lead]  # skills with evidence are untouched


def test_project_skill_without_evidence_starts_at_the_prior(rec) -> None:
    st = rec.state
    py = _skill(rec, "py")
    s = build_signals(st, "manager_001", Context(project=Project(skill_ids=("py",))))
    prior = float(st.skill_prior[_role(rec, "manager"), py])
    assert s.current[py] == pytest.approx(prior)
    assert s.required_project[py] == pytest.approx(max(3.0, prior + 1.0))


def test_a_fresh_test_outweighs_the_prior(rec) -> None:
    st = rec.state
    sql = _skill(rec, "sql")
    prior = float(st.skill_prior[_role(rec, "analyst"), sql])
    expert = AssessmentUpdate(skill_id="sql", level=5.0, source="test")
    s = build_signals(st, "nobody", Context(role_id="analyst", recent_assessments=(expert,)))
    w = st.params.prior_weight
    assert s.current[sql] == pytest.approx((w * prior + 1.0 * 5.0) / (w + 1.0), rel=1e-5)


def test_gap_reasons_name_content_at_a_suitable_level(sample_rec) -> None:
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
                    # difficulty fit >= 0.3 (current_level is rounded to 2 decimals)
                    assert 0.06 < step <= 1.94, r
    assert n >= 20


def test_bundle_without_a_prior_still_loads_and_reads_no_evidence_as_zero(
    tiny_bundle_dir,
) -> None:
    bundle = read_bundle(tiny_bundle_dir)
    state_doc = {k: v for k, v in bundle.document("state").items() if k != "prior_weight"}
    old = dataclasses.replace(
        bundle,
        arrays={k: v for k, v in bundle.arrays.items() if not k.startswith("skill_prior")},
        documents={**bundle.documents, "state": state_doc},
    )
    rec = Recommender.from_bundle(old)
    assert rec.state.params.prior_weight == 0.0
    s = build_signals(rec.state, "nobody", Context(role_id="analyst"))
    assert not s.current.any()
    assert np.array_equal(s.gap[[_skill(rec, "sql"), _skill(rec, "xl")]], [3.0, 2.0])
    assert rec.recommend(Query("nobody", k=3, context=Context(role_id="analyst"))).items
