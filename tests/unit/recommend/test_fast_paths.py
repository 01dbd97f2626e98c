"""Each request-time shortcut equals the straightforward computation it replaced."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recsvc.recommend import Context, Project, Recommender
from recsvc.recommend.candidates import UserSignals, build_signals, text_by_term


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


def test_served_logits_equal_the_ranker_on_the_training_feature_matrix(
    sample_rec: Recommender,
) -> None:
    """Serving adds the same columns the trainer stacks: one feature path, two shapes."""
    features, engagement = sample_rec.features, sample_rec.engagement
    st = sample_rec.state
    cold_seen = False
    for s in some_signals(sample_rec):
        if s.project_text is not None:
            continue  # the project match is added at serving only (nothing to learn it from)
        cold = st.cold_ranker is not None and not len(s.positive_history)
        cold_seen |= cold
        ranker = st.cold_ranker if cold and st.cold_ranker is not None else st.ranker
        want = ranker.decision_function(features.features(s))
        got, cf = engagement.logits(s)
        np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4)
        if cf is not None:
            assert np.array_equal(cf > 0, features.features(s)[:, 0] > 0)
    assert cold_seen == (st.cold_ranker is not None)  # people without history were checked


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


def test_knn_row_sums_are_bit_identical_to_scipy(sample_rec: Recommender) -> None:
    """The item-kNN column sums the history's rows exactly as scipy's row indexing does."""
    knn = sp.csr_matrix(sample_rec.state.knn_similarity)
    sums = sample_rec.features.knn
    rng = np.random.default_rng(3)
    histories = [s.positive_history for s in some_signals(sample_rec)]
    # repeats and any order: a history row may come twice (request-time and bundle history)
    histories += [rng.integers(0, knn.shape[0], size=int(n)) for n in rng.integers(1, 30, 40)]
    checked = 0
    for rows in histories:
        if not len(rows):
            continue
        want = np.asarray(knn[rows].sum(axis=0)).ravel()
        got = sums.sum(np.asarray(rows, dtype=np.int64))
        assert got.dtype == want.dtype and got.tobytes() == want.tobytes()
        checked += 1
    assert checked >= 40 and knn.nnz > 0
