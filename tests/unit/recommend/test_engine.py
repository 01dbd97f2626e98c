"""The recommendation core: strategies, cold start, fold-in, reasons, gaps, similar, batch."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from recsvc.bundle import read_bundle
from recsvc.errors import (
    BundleIntegrityError,
    UnknownContentError,
    UnknownEmployeeError,
)
from recsvc.recommend import AssessmentUpdate, Context, Filters, Project, Query, Recommender
from recsvc.recommend.explain import __doc__ as explain_doc
from recsvc.recommend.query import SkillGap
from recsvc.train import train_tables

ROLE_SKILLS = {"analyst": {"sql", "xl"}, "scientist": {"py", "sql"}, "manager": {"lead"}}


def skill_of(content_id: str) -> str:
    return "sql" if content_id == "new_sql" else content_id.rstrip("0123456789")


def test_known_employee_is_personalised_with_reasons(rec) -> None:
    answer = rec.recommend(Query("analyst_000", k=5))
    assert answer.strategy == "personalised"
    assert answer.model_version == rec.model_version
    assert [i.rank for i in answer.items] == [1, 2, 3, 4, 5]
    scores = [i.score for i in answer.items]
    assert all(np.isfinite(scores))
    for item in answer.items:
        assert item.reasons, item
        for reason in item.reasons:
            assert f"``{reason.code}``" in explain_doc  # every code is documented
            assert reason.text


@pytest.mark.parametrize("role", sorted(ROLE_SKILLS))
def test_newcomer_with_a_role_gets_gap_closing_content(rec, role: str) -> None:
    answer = rec.recommend(Query("nobody", k=3, context=Context(role_id=role), diversity=0.0))
    assert answer.strategy == "cold_start_role"
    assert skill_of(answer.items[0].content_id) in ROLE_SKILLS[role]
    # what has learning value teaches the role's skills; once the gaps are expected to be
    # closed by the items above, the rest only fills in and says so
    needed = [i for i in answer.items if i.learning_value > 0]
    assert {skill_of(i.content_id) for i in needed} <= ROLE_SKILLS[role]
    for item in answer.items[len(needed) :]:
        assert item.learning_value == 0 and "fill_in" in {r.code for r in item.reasons}
    codes = {r.code for i in answer.items for r in i.reasons}
    assert "skill_gap_role" in codes


def test_unknown_employee_without_role_gets_popularity(rec) -> None:
    answer = rec.recommend(Query("nobody", k=5))
    assert answer.strategy == "cold_start_popularity"
    assert len(answer.items) == 5


def _ids(answer) -> list[str]:
    return [i.content_id for i in answer.items]


def _warned(answer) -> list[tuple[str, str]]:
    return [(w.code, w.field) for w in answer.warnings]


def test_unknown_roles_are_ignored_as_if_not_given_with_a_warning(rec) -> None:
    plain = rec.recommend(Query("analyst_000", k=5))
    assert plain.warnings == ()
    answer = rec.recommend(Query("analyst_000", k=5, context=Context(target_role_id="astronaut")))
    assert _ids(answer) == _ids(plain) and answer.strategy == plain.strategy
    assert _warned(answer) == [("unknown_target_role", "context.target_role_id")]
    assert "'astronaut'" in answer.warnings[0].text and "GET /roles" in answer.warnings[0].text
    newcomer = rec.recommend(Query("nobody", k=5, context=Context(role_id="astronaut")))
    assert newcomer.strategy == "cold_start_popularity"  # nothing known about them
    assert _ids(newcomer) == _ids(rec.recommend(Query("nobody", k=5)))
    assert "without a role" in newcomer.warnings[0].text
    # a known employee's role in the bundle is used instead, and the text names it
    moved = rec.recommend(Query("analyst_000", k=5, context=Context(role_id="astronaut")))
    assert _ids(moved) == _ids(plain) and "('analyst')" in moved.warnings[0].text


def test_unknown_skills_and_content_are_dropped_and_the_rest_still_counts(rec) -> None:
    known = Context(role_id="manager", project=Project(skill_ids=("py",)))
    mixed = Context(role_id="manager", project=Project(skill_ids=("cobol", "py", "fortran")))
    want = rec.recommend(Query("nobody", k=5, context=known, diversity=0.0))
    got = rec.recommend(Query("nobody", k=5, context=mixed, diversity=0.0))
    assert _ids(got) == _ids(want)
    assert _warned(got) == [("unknown_skill", "context.project.skill_ids")]
    assert "'cobol', 'fortran'" in got.warnings[0].text
    tested = AssessmentUpdate(skill_id="sql", level=4.0)
    unknown = AssessmentUpdate(skill_id="cobol", level=3.0)
    want = rec.recommend(Query("analyst_000", k=5, context=Context(recent_assessments=(tested,))))
    got = rec.recommend(
        Query("analyst_000", k=5, context=Context(recent_assessments=(unknown, tested)))
    )
    assert _ids(got) == _ids(want) and got.strategy == want.strategy
    assert _warned(got) == [("unknown_skill", "context.recent_assessments")]
    query = Query(
        "analyst_000",
        k=5,
        context=Context(recent_content_ids=("C-new",)),
        filters=Filters(exclude_content_ids=("C-gone",)),
    )
    got = rec.recommend(query)
    assert _ids(got) == _ids(rec.recommend(Query("analyst_000", k=5)))
    assert _warned(got) == [
        ("unknown_content", "context.recent_content_ids"),
        ("unknown_content", "filters.exclude_content_ids"),
    ]


def test_unknown_languages(rec) -> None:
    plain = rec.recommend(Query("analyst_000", k=5))
    preference = rec.recommend(Query("analyst_000", k=5, context=Context(language="tlh")))
    assert _ids(preference) == _ids(plain)
    assert _warned(preference) == [("unknown_language", "context.language")]
    # a hard filter stays one: nothing is in Klingon, so nothing is returned, and it says so
    hard = rec.recommend(Query("analyst_000", k=5, filters=Filters(languages=("tlh",))))
    assert hard.items == () and "answer is empty" in hard.warnings[0].text
    some = rec.recommend(Query("analyst_000", k=5, filters=Filters(languages=("tlh", "en-GB"))))
    assert _ids(some) == _ids(
        rec.recommend(Query("analyst_000", k=5, filters=Filters(languages=("en",))))
    )
    assert "only the other languages" in some.warnings[0].text
    assert (
        rec.recommend(Query("analyst_000", k=5, context=Context(language="en-GB"))).warnings == ()
    )


def test_unenrolled_content_is_found_through_the_project_text(rec) -> None:
    ctx = Context(project=Project(text="tuning relational query plans and indexes"))
    answer = rec.recommend(Query("nobody", k=3, context=ctx))
    top = answer.items[0]
    assert top.content_id == "new_sql"  # nobody ever enrolled in it
    assert "matches_project" in {r.code for r in top.reasons}


def test_project_skills_create_a_gap(rec) -> None:
    ctx = Context(role_id="manager", project=Project(skill_ids=("py",)))
    answer = rec.recommend(Query("nobody", k=3, context=ctx, diversity=0.0))
    assert any(skill_of(i.content_id) == "py" for i in answer.items)
    codes = {r.code for i in answer.items for r in i.reasons}
    assert "skill_gap_project" in codes


def test_target_role_adds_its_gaps(rec) -> None:
    plain = rec.recommend(Query("manager_001", k=40, diversity=0.0))
    moving = rec.recommend(
        Query("manager_001", k=40, diversity=0.0, context=Context(target_role_id="scientist"))
    )
    target_reasons = [
        (i.content_id, r.details["skill_id"])
        for i in moving.items
        for r in i.reasons
        if r.code == "skill_gap_target_role"
    ]
    assert target_reasons and all(skill_of(c) == s for c, s in target_reasons)
    assert {s for _, s in target_reasons} <= {"py", "sql"}
    assert [i.score for i in plain.items] != [i.score for i in moving.items]
    gaps = {g.skill_id for g in rec.skill_gaps("manager_001", target_role_id="scientist")}
    assert {"py", "sql"} <= gaps


def test_fresh_assessment_closes_a_gap_at_request_time(rec) -> None:
    gaps_before = {g.skill_id for g in rec.skill_gaps("nobody", role_id="analyst")}
    assert "sql" in gaps_before
    expert = AssessmentUpdate(skill_id="sql", level=5.0, source="test")
    ctx = Context(role_id="analyst", recent_assessments=(expert,))
    answer = rec.recommend(Query("nobody", k=5, context=ctx, diversity=0.0))
    sql_gap_reasons = [
        r
        for i in answer.items
        for r in i.reasons
        if r.code == "skill_gap_role" and r.details["skill_id"] == "sql"
    ]
    assert not sql_gap_reasons


def test_batch_equals_single(rec) -> None:
    queries = [
        Query("analyst_000", k=4),
        Query("nobody", k=4, context=Context(role_id="scientist")),
        Query("manager_002", k=4, context=Context(recent_content_ids=("lead1",))),
    ]
    assert rec.recommend_batch(queries) == [rec.recommend(q) for q in queries]


def test_diversity_spreads_skills_and_formats(rec) -> None:
    def spread(diversity: float) -> int:
        items = rec.recommend(Query("nobody", k=5, diversity=diversity)).items
        return len({skill_of(i.content_id) for i in items}) + len({i.format for i in items})

    assert spread(1.0) > spread(0.0)


def test_skill_gaps(rec) -> None:
    st = rec.state
    gaps = rec.skill_gaps("nobody", role_id="analyst")
    # a newcomer starts at the role's entry level: below what analysts need
    prior = st.skill_prior_entry[st.roles.get("analyst")]
    sql_prior, xl_prior = (float(prior[st.skills.get(s)]) for s in ("sql", "xl"))
    # two levels below what the role asks (3 and 2), as nothing shows otherwise
    assert sql_prior == pytest.approx(1.0) and xl_prior == pytest.approx(0.0)
    # weight (3 - sql) x 1 x 1.9 beats (2 - xl) x 0.5
    assert [g.skill_id for g in gaps] == ["sql", "xl"]
    sql = gaps[0]
    assert isinstance(sql, SkillGap)
    assert sql.current_level == pytest.approx(sql_prior, abs=1e-3)
    assert sql.required_level == 3.0
    assert sql.gap == pytest.approx(3.0 - sql_prior, abs=1e-3)
    first = st.content.get(sql.content_ids[0])  # teaches sql one step above the prior
    taught = st.content_skill_level[first, st.skills.get("sql")]
    assert taught == round(sql_prior + 1)
    with pytest.raises(UnknownEmployeeError):
        rec.skill_gaps("nobody")
    with pytest.raises(UnknownEmployeeError, match="not in the model either"):
        rec.skill_gaps("nobody", role_id="astronaut")
    assert all(g.gap > 0 for g in rec.skill_gaps("analyst_000", target_role_id="scientist"))


def test_skill_gap_report_names_the_roles_used_and_ignores_unknown_ones(rec) -> None:
    stored = rec.skill_gap_report("analyst_000")
    assert stored.role_id == "analyst" and stored.warnings == ()
    report = rec.skill_gap_report("analyst_000", target_role_id="astronaut")
    assert (report.role_id, report.target_role_id) == (stored.role_id, stored.target_role_id)
    assert report.gaps == stored.gaps
    assert [(w.code, w.field) for w in report.warnings] == [
        ("unknown_target_role", "target_role_id")
    ]
    given = rec.skill_gap_report("analyst_000", target_role_id="scientist")
    assert given.target_role_id == "scientist"


def test_similar(rec) -> None:
    similar = rec.similar("sql2", k=3)
    assert len(similar) == 3 and all(skill_of(s.content_id) == "sql" for s in similar)
    assert "lead5" not in [s.content_id for s in rec.similar("lead4", k=10)]  # retired
    with pytest.raises(UnknownContentError):
        rec.similar("nope")


def test_service_helpers(rec) -> None:
    assert rec.has_role("analyst") and not rec.has_role("astronaut")
    assert rec.has_skill("sql") and rec.has_content("sql1") and rec.has_employee("analyst_000")
    assert rec.known_formats == {"video", "course", "article"}
    assert rec.known_languages == {"en", "de"}
    assert {"skills", "skill_gaps", "ease", "prerequisites"} <= rec.capabilities


def test_missing_bundle_part_is_an_integrity_error(tiny_bundle_dir) -> None:
    bundle = read_bundle(tiny_bundle_dir)
    broken = dataclasses.replace(
        bundle, arrays={k: v for k, v in bundle.arrays.items() if k != "mf_gram"}
    )
    with pytest.raises(BundleIntegrityError):
        Recommender.from_bundle(broken)
    short = dict(bundle.arrays)
    short["pop_all"] = short["pop_all"][:-1]
    with pytest.raises(BundleIntegrityError, match="pop_all"):
        Recommender.from_bundle(dataclasses.replace(bundle, arrays=short))


def test_a_bundle_ranked_on_other_features_is_refused(rec) -> None:
    """A bundle from a version with other ranking features fails loudly, not at request time."""
    params = dataclasses.replace(
        rec.state.params, feature_names=rec.state.params.feature_names[:-1]
    )
    old = dataclasses.replace(rec.state, params=params)
    with pytest.raises(BundleIntegrityError, match="retrain"):
        Recommender(old)


def test_same_data_and_seed_give_the_same_rankings(tiny, tmp_path, rec) -> None:
    again = train_tables(tiny, tmp_path, seed=7, tune_trials=16)
    other = Recommender.from_bundle(read_bundle(again.bundle_path))
    for q in (Query("analyst_000"), Query("nobody", context=Context(role_id="manager"))):
        a = [(i.content_id, round(i.score, 5)) for i in rec.recommend(q).items]
        b = [(i.content_id, round(i.score, 5)) for i in other.recommend(q).items]
        assert a == b
