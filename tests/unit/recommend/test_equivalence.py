"""The fast core answers exactly as the pre-optimisation path (``core_reference.py``) did.

Same items in the same order, same reasons, scores equal to float32 rounding, on ~100
varied requests per bundle: the hand-made tiny bundle and a generated sample whose
catalogue is larger than the MMR pool and the candidate set, so every shortcut is taken.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from core_reference import reference_recommend

from recsvc import contract as c
from recsvc.bundle import read_bundle
from recsvc.errors import RecsvcError
from recsvc.recommend import (
    AssessmentUpdate,
    Context,
    Filters,
    Project,
    Query,
    Recommendations,
    Recommender,
)
from recsvc.recommend.diversify import diversity_vectors
from recsvc.train import train_tables

SCORE_TOL = 2e-5  # float32 rounding of a sum taken in another order


def varied_queries(rec: Recommender, n: int, seed: int) -> list[Query]:
    """Known, cold-start and context-laden requests, with every knob turned somewhere."""
    st = rec.state
    rng = np.random.default_rng(seed)

    def some(ids: tuple[str, ...], size: int) -> tuple[str, ...]:
        if not ids:
            return ()
        return tuple(ids[int(i)] for i in rng.choice(len(ids), min(size, len(ids)), False))

    employees, items, skills, roles = (
        st.employees.ids,
        st.content.ids,
        st.skills.ids,
        rec.role_ids,
    )
    formats = sorted(rec.known_formats)
    languages = sorted(rec.known_languages)
    queries: list[Query] = []
    for i in range(n):
        kind = i % 10
        e = some(employees, 1)[0]
        ctx, flt = Context(), Filters()
        if kind == 1:
            e = f"newcomer-{i}"
            ctx = Context(role_id=some(roles, 1)[0])
        elif kind == 2:
            e = f"stranger-{i}"
        elif kind == 3:
            text = " ".join(st.titles[int(j)] for j in rng.integers(0, len(items), 2))
            ctx = Context(project=Project(skill_ids=some(skills, 2), text=text))
        elif kind == 4:
            ctx = Context(target_role_id=some(roles, 1)[0], recent_content_ids=some(items, 2))
        elif kind == 5:
            ctx = Context(time_budget_minutes=float(rng.integers(30, 400)), formats=(formats[0],))
            flt = Filters(exclude_content_ids=some(items, 5), languages=(languages[0],))
        elif kind == 6:
            level = float(rng.integers(0, 6))
            ctx = Context(recent_assessments=(AssessmentUpdate(some(skills, 1)[0], level),))
            flt = Filters(max_duration_minutes=float(rng.integers(20, 200)))
        elif kind == 7:
            ctx = Context(project=Project(text=st.titles[int(rng.integers(0, len(items)))]))
        k = int(rng.choice([1, 3, 10, 25]))
        diversity = float(rng.choice([0.0, 0.3, 0.3, 1.0]))
        queries.append(Query(e, k=k, context=ctx, filters=flt, diversity=diversity))
    queries.append(Query(employees[0], k=0))
    queries.append(Query(employees[0], k=10, explain=False))
    queries.append(Query(employees[0], k=len(items) + 5, diversity=0.5))
    return queries


def assert_same(got: Recommendations, want: Recommendations) -> None:
    assert got.strategy == want.strategy
    assert [i.content_id for i in got.items] == [i.content_id for i in want.items]
    for a, b in zip(got.items, want.items, strict=True):
        assert a.score == pytest.approx(b.score, abs=SCORE_TOL, rel=SCORE_TOL)
        assert dataclasses.replace(a, score=0.0) == dataclasses.replace(b, score=0.0)


def check_all(rec: Recommender, queries: list[Query]) -> None:
    vectors = diversity_vectors(rec.state.content_skill_weight, rec.state.content_format)
    answered = []
    for q in queries:
        try:
            want = reference_recommend(rec, q, vectors)
        except RecsvcError as exc:
            with pytest.raises(type(exc)):
                rec.recommend(q)
            continue
        assert_same(rec.recommend(q), want)
        answered.append((q, want))
    batch = rec.recommend_batch([q for q, _ in answered])
    for got, (_, want) in zip(batch, answered, strict=True):
        assert_same(got, want)
    assert len(answered) > 0.9 * len(queries)


def test_tiny_bundle_answers_are_unchanged(rec: Recommender) -> None:
    check_all(rec, varied_queries(rec, 100, seed=1))


def test_sample_bundle_answers_are_unchanged(sample_rec: Recommender) -> None:
    check_all(sample_rec, varied_queries(sample_rec, 120, seed=2))


def test_queries_reach_every_reason_and_strategy(sample_rec: Recommender) -> None:
    """Guards the test above: the varied queries must exercise every path it compares."""
    answers = [sample_rec.recommend(q) for q in varied_queries(sample_rec, 120, seed=2)]
    codes = {r.code for a in answers for i in a.items for r in i.reasons}
    strategies = {a.strategy for a in answers}
    assert {"skill_gap_role", "similar_to_completed", "popular_in_role"} <= codes
    assert {"matches_project", "skill_gap_project", "skill_gap_target_role"} <= codes
    assert strategies == {
        "personalised",
        "personalised_folded_in",
        "cold_start_role",
        "cold_start_popularity",
    }


@pytest.fixture(scope="module")
def minimal_rec(
    tiny: dict[str, pd.DataFrame], tmp_path_factory: pytest.TempPathFactory
) -> Recommender:
    """Only the two required tables: no skills, roles, assessments or prerequisites."""
    tables = {name: tiny[name] for name in (c.CONTENT, c.ENROLMENTS)}
    result = train_tables(tables, tmp_path_factory.mktemp("minimal"), seed=3, time_budget_s=5.0)
    return Recommender.from_bundle(read_bundle(result.bundle_path))


def test_minimal_bundle_answers_are_unchanged(minimal_rec: Recommender) -> None:
    assert "skills" not in minimal_rec.capabilities
    queries = [
        Query(e, k=k, diversity=d, context=ctx)
        for e in ("analyst_000", "manager_003", "nobody")
        for k in (1, 5, 30)
        for d in (0.0, 0.3)
        for ctx in (
            Context(),
            Context(project=Project(text="SQL joins and relational databases")),
            Context(recent_content_ids=("py1", "lead2"), time_budget_minutes=120.0),
        )
    ]
    check_all(minimal_rec, queries)
