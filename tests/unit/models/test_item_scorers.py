"""One contract suite for every item scorer, on checkerboard data with an obvious answer."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import scipy.sparse as sp

from recsvc.models import EASE, ContentModel, GroupPopularity, MatrixFactorization
from recsvc.models.base import ItemScorer, top_k
from recsvc.models.cf import fold_in


def checkerboard(n_users: int = 40, n_items: int = 20, seed: int = 0) -> sp.csr_matrix:
    """Even users take even items, odd users odd items; each user misses a few of theirs."""
    rng = np.random.default_rng(seed)
    rows, cols = [], []
    for u in range(n_users):
        own = [i for i in range(n_items) if i % 2 == u % 2]
        for i in rng.choice(own, size=len(own) - 3, replace=False):
            rows.append(u)
            cols.append(int(i))
    data = np.full(len(rows), 5.0, dtype=np.float32)
    return sp.csr_matrix((data, (rows, cols)), shape=(n_users, n_items))


def block_vectors(n_items: int = 20) -> sp.csr_matrix:
    """Content vectors: even items share one topic, odd items another (plus an own term)."""
    rows, cols, vals = [], [], []
    for i in range(n_items):
        rows += [i, i]
        cols += [i % 2, 2 + i]
        vals += [0.9, 0.43]
    return sp.csr_matrix((vals, (rows, cols)), shape=(n_items, 2 + n_items), dtype=np.float32)


FACTORIES: dict[str, Callable[[], ItemScorer]] = {
    # two blocks need two factors; more would memorise each user's own items
    "als": lambda: MatrixFactorization("als", n_factors=2, regularization=0.1, n_iter=15, seed=1),
    "bpr": lambda: MatrixFactorization(
        "bpr", n_factors=8, learning_rate=0.05, regularization=0.01, n_iter=300, seed=1
    ),
    "ease": lambda: EASE(l2=1.0),
}


def fitted(name: str) -> tuple[ItemScorer, sp.csr_matrix]:
    x = checkerboard()
    return FACTORIES[name]().fit(x), x


@pytest.mark.parametrize("name", FACTORIES)
def test_recommends_within_the_users_block(name: str) -> None:
    model, x = fitted(name)
    scores = model.score(x)
    assert scores.shape == x.shape
    for u in range(x.shape[0]):
        s = scores[u].copy()
        s[x[u].indices] = -np.inf
        best = top_k(s, 3)
        assert all(i % 2 == u % 2 for i in best), (name, u, best)


@pytest.mark.parametrize("name", FACTORIES)
def test_batch_equals_single_and_single_user_works(name: str) -> None:
    model, x = fitted(name)
    batch = model.score(x[:5])
    for u in range(5):
        np.testing.assert_allclose(model.score(x[u]), batch[u : u + 1], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", FACTORIES)
def test_arrays_round_trip_reproduces_the_ranking(name: str) -> None:
    model, x = fitted(name)
    clone = type(model).from_arrays(model.to_arrays())
    np.testing.assert_allclose(clone.score(x), model.score(x), rtol=1e-6)


@pytest.mark.parametrize("name", FACTORIES)
def test_same_seed_same_scores(name: str) -> None:
    a, x = fitted(name)
    b, _ = fitted(name)
    np.testing.assert_array_equal(a.score(x), b.score(x))


def test_fold_in_is_the_als_user_step() -> None:
    from implicit.cpu.als import AlternatingLeastSquares

    x = checkerboard()
    model = MatrixFactorization("als", n_factors=4, regularization=0.1, seed=1).fit(x)
    ref = AlternatingLeastSquares(factors=4, regularization=0.1, random_state=1, num_threads=1)
    ref.user_factors = model.user_factors_.copy()
    ref.item_factors = model.item_factors_.copy()
    for u in (0, 7):
        ours = fold_in(model.item_factors_, model.gram_, x[u].indices, x[u].data)
        theirs = ref.recalculate_user(u, x[u])
        np.testing.assert_allclose(ours, np.ravel(theirs), rtol=1e-3, atol=1e-4)


def test_fold_in_moves_a_new_user_towards_their_block() -> None:
    model, x = fitted("als")
    history = sp.csr_matrix(([5.0, 5.0], ([0, 0], [1, 3])), shape=(1, x.shape[1]))
    scores = model.score(history)[0]
    scores[[1, 3]] = -np.inf
    assert all(i % 2 == 1 for i in top_k(scores, 5))


def test_als_warm_start_continues_from_given_factors() -> None:
    """A few iterations from a fit on most of the data land where a full fit from random
    factors does; zero iterations keep the given factors; wrong shapes are refused."""
    x = checkerboard(seed=2)
    most = sp.csr_matrix(x[:, :16])  # the last items' interactions unseen
    most = sp.csr_matrix(sp.hstack([most, sp.csr_matrix((x.shape[0], 4))]), dtype=np.float32)
    base = MatrixFactorization("als", n_factors=2, regularization=0.1, n_iter=15, seed=1)
    part = base.fit(most)
    init = (part.user_factors_, part.item_factors_)
    kept = MatrixFactorization("als", n_factors=2, regularization=0.1, n_iter=0, seed=1)
    np.testing.assert_array_equal(kept.fit(x, init=init).item_factors_, part.item_factors_)
    warm = MatrixFactorization("als", n_factors=2, regularization=0.1, n_iter=5, seed=1)
    warm.fit(x, init=init)
    cold = MatrixFactorization("als", n_factors=2, regularization=0.1, n_iter=15, seed=1).fit(x)
    for u in range(8):  # the same top items as the full fit, unseen ones included
        top_warm = set(top_k(warm.user_factors_[u] @ warm.item_factors_.T, 6))
        top_cold = set(top_k(cold.user_factors_[u] @ cold.item_factors_.T, 6))
        assert top_warm == top_cold
    with pytest.raises(ValueError, match="init must be ALS factors"):
        warm.fit(x[:, :10], init=init)


def test_ease_refuses_too_many_items() -> None:
    from recsvc.models import ease

    with pytest.raises(ValueError, match="n_items"):
        EASE().fit(sp.csr_matrix((1, ease.EASE_MAX_ITEMS + 1), dtype=np.float32))


def test_content_model_matches_brute_force_and_finds_unseen_items() -> None:
    v = block_vectors()
    model = ContentModel(n_neighbours=3, block_size=7).fit(v)
    dense = (v @ v.T).toarray()
    np.fill_diagonal(dense, -1)
    for i in range(v.shape[0]):
        expected = np.sort(dense[i])[::-1][:3]
        np.testing.assert_allclose(model.similarity_[i], expected, rtol=1e-5)
        assert all(j % 2 == i % 2 for j in model.neighbours_[i])
    # history of one even item: the most similar items are the other even ones
    scores = model.score(sp.csr_matrix(([1.0], ([0], [4])), shape=(1, 20)))[0]
    assert set(np.flatnonzero(scores)) <= {i for i in range(20) if i % 2 == 0}
    # free text: a query on the odd topic ranks odd items first
    q = sp.csr_matrix(([1.0], ([0], [1])), shape=(1, 22), dtype=np.float32)
    assert all(i % 2 == 1 for i in top_k(model.text_scores(q)[0], 10))
    clone = ContentModel.from_arrays(model.to_arrays())
    np.testing.assert_array_equal(clone.score(v[:3]), model.score(v[:3]))


@pytest.mark.parametrize("common", [True, False], ids=["common-features", "rare-features"])
def test_knn_graph_is_the_exact_top_k_in_any_block_size(common: bool) -> None:
    """Dense (common features: a BLAS part) and sparse (ranked row by row) blocks both give
    the brute-force top k; rows with few or no neighbours are padded with -1 and 0."""
    from recsvc.models.content import knn_graph

    rng = np.random.default_rng(3)
    n, k = 60, 7
    v = sp.random(n, 40, density=0.06, random_state=4, format="csr", dtype=np.float32)
    if common:  # a feature nearly every row has
        v = sp.hstack([v, sp.csr_matrix(rng.random((n, 1)).astype(np.float32))]).tocsr()
    v.data = np.round(v.data * 4) / 4 + 0.25  # coarse values: many exact ties
    empty = np.ones(n, dtype=np.float32)
    empty[5] = 0.0  # a row with no neighbour at all
    v = sp.csr_matrix(sp.diags(empty) @ v)
    v.eliminate_zeros()
    norms = np.sqrt(np.asarray(v.multiply(v).sum(axis=1)).ravel())
    v = sp.csr_matrix(sp.diags(1 / np.maximum(norms, 1e-9)) @ v, dtype=np.float32)
    dense = (v @ v.T).toarray()
    np.fill_diagonal(dense, -np.inf)
    for block in (1, 8, 64):
        idx, sim = knn_graph(v, k, block_size=block)
        for i in range(n):
            want = np.sort(dense[i][dense[i] > 1e-6])[::-1][:k]
            got = idx[i][idx[i] >= 0]
            np.testing.assert_allclose(sim[i, : len(want)], want, atol=1e-5)
            assert len(got) == len(want) and len(set(got)) == len(got) and i not in got
            np.testing.assert_allclose(dense[i, got], want, atol=1e-5)  # the right items
            assert (sim[i, len(want) :] == 0).all() and (idx[i, len(want) :] == -1).all()
        np.testing.assert_array_equal(knn_graph(v, k, block_size=block)[0], idx)  # same again
    assert (idx[5] == -1).all()
    assert common or (dense > 1e-6).sum(axis=1).min() < k  # some rows padded


def test_group_popularity_shares() -> None:
    x = sp.csr_matrix(np.array([[1, 0], [1, 1], [0, 1], [0, 1]], dtype=np.float32))
    pop = GroupPopularity(2).fit(x, np.array([0, 0, 1, -1]))
    np.testing.assert_allclose(pop.group_scores(0), [1.0, 0.5])
    np.testing.assert_allclose(pop.group_scores(1), [0.0, 1.0])
    assert pop.group_scores(-1).tolist() == [0.0, 0.0]
    overall = GroupPopularity(1).fit(x)
    np.testing.assert_allclose(overall.score(x[:2]), [[0.5, 0.75]] * 2)
    clone = GroupPopularity.from_arrays(pop.to_arrays())
    np.testing.assert_array_equal(clone.group_scores(1), pop.group_scores(1))


def test_als_gives_the_same_factors_on_any_number_of_threads() -> None:
    """Each ALS row is solved on its own, so two threads (what large fits use) reproduce
    one thread's factors exactly: bundles stay byte-reproducible at scale."""
    rng = np.random.default_rng(3)
    n_users, n_items, nnz = 3000, 400, 40_000
    x = sp.csr_matrix(
        (
            rng.uniform(1.0, 6.0, nnz).astype(np.float32),
            (rng.integers(0, n_users, nnz), rng.integers(0, n_items, nnz)),
        ),
        shape=(n_users, n_items),
    )
    fits = [
        MatrixFactorization("als", n_factors=16, n_iter=4, seed=2, n_threads=t).fit(x)
        for t in (1, 2, 2)
    ]
    for fit in fits[1:]:
        np.testing.assert_array_equal(fit.user_factors_, fits[0].user_factors_)
        np.testing.assert_array_equal(fit.item_factors_, fits[0].item_factors_)
