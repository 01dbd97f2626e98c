"""Each request-time shortcut equals the straightforward computation it replaced."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from core_reference import allowed_items as reference_allowed
from core_reference import mmr as reference_mmr

from recsvc.recommend import Context, Filters, Project, Query, Recommender
from recsvc.recommend.blend import HANDLED_FEATURES, Blend
from recsvc.recommend.candidates import UserSignals, build_signals, text_by_term
from recsvc.recommend.diversify import diversity_vectors, mmr
from recsvc.recommend.rules import RuleTables, allowed_items
from recsvc.recommend.score import FEATURE_NAMES


def some_signals(rec: Recommender, n: int = 40) -> list[UserSignals]:
    st = rec.state
    rng = np.random.default_rng(0)
    ids = st.employees.ids
    roles = rec.role_ids
    out = []
    for i in range(n):
        kind = i % 4
        if kind == 0:
            ctx = Context()
        elif kind == 1:
            ctx = Context(role_id=roles[i % len(roles)])
        elif kind == 2:
            ctx = Context(project=Project(skill_ids=st.skills.ids[:2], text=st.titles[i]))
        else:
            ctx = Context(recent_content_ids=(st.content.ids[i],), target_role_id=roles[0])
        employee = ids[int(rng.integers(len(ids)))] if i % 5 else f"new-{i}"
        out.append(build_signals(st, employee, ctx))
    return out


def test_blend_equals_the_feature_matrix_product(sample_rec: Recommender) -> None:
    assert set(FEATURE_NAMES) == HANDLED_FEATURES
    blend = Blend(sample_rec.state, sample_rec.features)
    for s in some_signals(sample_rec):
        want, feats = sample_rec.features.scores(s)
        got = blend.scores(s)
        np.testing.assert_allclose(got.scores, want, rtol=1e-5, atol=1e-5)
        items = np.arange(len(want), dtype=np.int64)
        assert got.cf_positive(items) == (feats[:, 0] > 0).tolist()


def test_project_text_by_term_is_bit_identical(sample_rec: Recommender) -> None:
    st = sample_rec.state
    terms = text_by_term(st.text)
    assert terms is not None
    for title in st.titles[:30]:
        ctx = Context(project=Project(text=f"{title} and some words nobody uses"))
        slow = build_signals(st, "someone", ctx).project_text
        fast = build_signals(st, "someone", ctx, text_terms=terms).project_text
        assert slow is not None and fast is not None
        assert np.array_equal(slow, fast)
    unsorted = sp.csr_matrix(
        (np.ones(2, np.float32), np.array([1, 0]), np.array([0, 2])), shape=(1, 2)
    )
    unsorted.has_sorted_indices = False
    assert text_by_term(unsorted) is None  # falls back to the sparse product


def test_rule_tables_match_the_sparse_rules(sample_rec: Recommender) -> None:
    st = sample_rec.state
    tables = RuleTables.from_state(st)
    assert len(tables.prereq_rows) > 0  # the sample has prerequisites to check
    fmt = sorted(sample_rec.known_formats)[:2]
    lang = sorted(sample_rec.known_languages)[:1]
    queries = [
        Query("x"),
        Query("x", context=Context(formats=tuple(fmt), time_budget_minutes=60.0)),
        Query("x", filters=Filters(languages=tuple(lang), max_duration_minutes=30.0)),
        Query("x", filters=Filters(exclude_content_ids=st.content.ids[:7], formats=("video",))),
    ]
    for s in some_signals(sample_rec, 12):
        for q in queries:
            want = reference_allowed(st, s, q)
            assert np.array_equal(allowed_items(st, s, q, tables), want)
            assert np.array_equal(allowed_items(st, s, q), want)


@pytest.mark.parametrize("seed", range(40))
def test_mmr_matches_the_plain_loop(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n_items, n_pool = 60, int(rng.integers(1, 40))
    weights = sp.random(n_items, 8, density=0.3, random_state=seed, dtype=np.float32)
    formats = rng.integers(-1, 4, n_items).astype(np.int8)
    dense = diversity_vectors(sp.csr_matrix(weights), formats)
    sparse = sp.csr_matrix(dense)
    pool = rng.choice(n_items, n_pool, replace=False).astype(np.int64)
    relevance = np.round(rng.normal(size=n_pool), 1).astype(np.float32)  # plenty of ties
    if seed % 3 == 0:
        relevance = np.sort(relevance)[::-1].copy()
    durations = rng.choice([np.nan, 5.0, 20.0, 60.0], n_pool).astype(np.float32)
    for diversity in (0.0, 0.3, 1.0):
        for budget in (None, 50.0):
            for vectors in (dense, sparse):
                k = int(rng.integers(0, 12))
                want = reference_mmr(
                    pool,
                    relevance,
                    vectors,
                    k=k,
                    diversity=diversity,
                    durations=durations,
                    budget=budget,
                )
                got = mmr(
                    pool,
                    relevance,
                    vectors,
                    k=k,
                    diversity=diversity,
                    durations=durations,
                    budget=budget,
                )
                assert got.tolist() == want.tolist()
