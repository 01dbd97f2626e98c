"""Ranking metrics match hand-computed values and a plain-Python reference."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from recsvc.metrics import (
    average_precision_at_k,
    bootstrap_ci,
    catalogue_coverage,
    hit_rate_at_k,
    intra_list_diversity,
    map_at_k,
    mean_over_users,
    ndcg_at_k,
    novelty,
    precision_at_k,
    ranking_report,
    recall_at_k,
)

# user 0: two hits at ranks 2 and 4 of three relevant; user 1: one hit, padded list;
# user 2: nothing relevant (undefined); user 3: relevant item never recommended
RECS = np.array([[0, 1, 2, 3], [5, -1, -1, -1], [1, 2, 3, 4], [7, 8, 9, 10]])
RELEVANT = [np.array([1, 3, 5]), np.array([5]), np.array([], dtype=np.int64), np.array([0])]
NAN = float("nan")


def as_csr(relevant: list[np.ndarray], n_items: int = 12) -> sp.csr_matrix:
    rows = np.repeat(np.arange(len(relevant)), [len(r) for r in relevant])
    cols = np.concatenate(relevant)
    return sp.csr_matrix((np.ones(cols.size), (rows, cols)), shape=(len(relevant), n_items))


def close(actual: np.ndarray, expected: list[float]) -> None:
    np.testing.assert_allclose(actual, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("relevant", [RELEVANT, as_csr(RELEVANT)], ids=["lists", "csr"])
def test_hand_computed_values(relevant: object) -> None:
    dcg = 1 / math.log2(3) + 1 / math.log2(5)
    ideal = 1 + 1 / math.log2(3) + 1 / math.log2(4)  # min(k=4, |relevant|=3) ideal hits
    close(precision_at_k(RECS, relevant), [2 / 4, 1 / 4, NAN, 0])
    close(recall_at_k(RECS, relevant), [2 / 3, 1, NAN, 0])
    close(hit_rate_at_k(RECS, relevant), [1, 1, NAN, 0])
    close(ndcg_at_k(RECS, relevant), [dcg / ideal, 1, NAN, 0])
    close(average_precision_at_k(RECS, relevant), [(1 / 2 + 2 / 4) / 3, 1, NAN, 0])
    assert map_at_k(RECS, relevant) == pytest.approx(((1 / 2 + 2 / 4) / 3 + 1 + 0) / 3)


def test_known_ndcg_value() -> None:
    # hits at ranks 1 and 3 of 3, two relevant: (1 + 1/2) / (1 + 1/log2(3))
    assert ndcg_at_k(np.array([[4, 0, 6]]), [np.array([4, 6])])[0] == pytest.approx(0.9197207891)


def test_k_cuts_or_extends_the_lists() -> None:
    close(precision_at_k(RECS, RELEVANT, k=1), [0, 1, NAN, 0])
    close(precision_at_k(RECS, RELEVANT, k=2), [1 / 2, 1 / 2, NAN, 0])
    short = np.array([[1, 3]])
    # k beyond the list: the missing positions are misses
    close(precision_at_k(short, [np.array([1, 3, 5])], k=4), [2 / 4])
    close(ndcg_at_k(short, [np.array([1, 3])], k=10), [1.0])
    close(average_precision_at_k(short, [np.array([1, 3, 5])], k=4), [2 / 3])


def test_no_hits_and_all_padding_give_zero() -> None:
    padded = np.full((2, 3), -1)
    rel = [np.array([1]), np.array([2, 3])]
    for fn in (precision_at_k, recall_at_k, ndcg_at_k, average_precision_at_k, hit_rate_at_k):
        close(fn(padded, rel), [0, 0])


def test_items_outside_the_relevance_matrix_never_hit_another_user() -> None:
    # item 3 of user 0 would alias item 0 of user 1 in a naive user * n_items + item key
    relevant = sp.csr_matrix(np.array([[0, 1, 0], [1, 0, 0]]))
    close(precision_at_k(np.array([[3], [0]]), relevant), [0, 1])


def test_caller_matrix_is_not_modified() -> None:
    messy = sp.csr_matrix((np.ones(3), np.array([2, 0, 2]), np.array([0, 3])), shape=(1, 4))
    close(recall_at_k(np.array([[2, 0]]), messy), [1.0])
    assert messy.indices.tolist() == [2, 0, 2]


def test_mean_over_users_skips_undefined_users_silently() -> None:
    assert mean_over_users([1.0, NAN, 0.0]) == 0.5
    assert math.isnan(mean_over_users([NAN, NAN]))
    assert math.isnan(mean_over_users([]))


def test_ranking_report_keys_and_values() -> None:
    report = ranking_report(RECS, RELEVANT, ks=(1, 4))
    assert set(report) == {
        f"{m}@{k}" for m in ("precision", "recall", "ndcg", "map", "hit_rate") for k in (1, 4)
    }
    assert report["precision@4"] == pytest.approx((2 / 4 + 1 / 4 + 0) / 3)
    assert report["hit_rate@1"] == pytest.approx(1 / 3)


@pytest.mark.parametrize(
    ("recs", "relevant", "k", "error", "match"),
    [
        (np.array([1, 2]), [np.array([1])], None, ValueError, "2-D"),
        (np.array([[1.0, 2.0]]), [np.array([1])], None, TypeError, "integer"),
        (np.array([[-2, 1]]), [np.array([1])], None, ValueError, "-1 as padding"),
        (np.array([[1, 2]]), [np.array([1]), np.array([2])], None, ValueError, "align"),
        (np.array([[1, 2]]), [np.array([1])], 0, ValueError, "k must be"),
        (np.array([[1, 2]]), [np.array([-1])], None, ValueError, "non-negative"),
    ],
)
def test_bad_inputs_are_refused(
    recs: np.ndarray, relevant: object, k: int | None, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        precision_at_k(recs, relevant, k)


# ---------------------------------------------------------------- reference implementation


def reference(recs: list[list[int]], relevant: list[set[int]], k: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {m: [] for m in ("p", "r", "ndcg", "ap", "hit")}
    for row, rel in zip(recs, relevant, strict=True):
        if not rel:
            for values in out.values():
                values.append(NAN)
            continue
        hits = [1.0 if i >= 0 and i in rel else 0.0 for i in row[:k]]
        out["p"].append(sum(hits) / k)
        out["r"].append(sum(hits) / len(rel))
        dcg = sum(h / math.log2(rank + 2) for rank, h in enumerate(hits))
        idcg = sum(1 / math.log2(rank + 2) for rank in range(min(k, len(rel))))
        out["ndcg"].append(dcg / idcg)
        precisions = [sum(hits[: rank + 1]) / (rank + 1) for rank, h in enumerate(hits) if h]
        out["ap"].append(sum(precisions) / min(k, len(rel)))
        out["hit"].append(float(any(hits)))
    return out


@st.composite
def ranking_cases(draw: st.DrawFn) -> tuple[np.ndarray, list[set[int]], int]:
    n_users = draw(st.integers(1, 6))
    width = draw(st.integers(1, 6))
    n_items = draw(st.integers(1, 10))
    rows = []
    for _ in range(n_users):
        length = draw(st.integers(0, min(width, n_items)))
        items = draw(st.permutations(range(n_items)))[:length]
        rows.append(list(items) + [-1] * (width - length))
    relevant = [draw(st.sets(st.integers(0, n_items - 1), max_size=n_items)) for _ in rows]
    return np.array(rows, dtype=np.int64), relevant, draw(st.integers(1, 8))


@settings(max_examples=150, deadline=None)
@given(case=ranking_cases())
def test_metrics_match_the_reference(case: tuple[np.ndarray, list[set[int]], int]) -> None:
    recs, relevant, k = case
    ref = reference(recs.tolist(), relevant, k)
    rel_arrays = [np.array(sorted(r), dtype=np.int64) for r in relevant]
    close(precision_at_k(recs, rel_arrays, k), ref["p"])
    close(recall_at_k(recs, rel_arrays, k), ref["r"])
    close(ndcg_at_k(recs, rel_arrays, k), ref["ndcg"])
    close(average_precision_at_k(recs, rel_arrays, k), ref["ap"])
    close(hit_rate_at_k(recs, rel_arrays, k), ref["hit"])


# ---------------------------------------------------------------- beyond accuracy

FEATURES = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]])


def test_catalogue_coverage_counts_distinct_shown_items() -> None:
    assert catalogue_coverage(np.array([[0, 1, -1], [1, 2, -1]]), n_items=10) == 0.3
    assert catalogue_coverage(np.full((2, 2), -1), n_items=4) == 0.0
    with pytest.raises(ValueError, match="n_items"):
        catalogue_coverage(RECS, 0)


@pytest.mark.parametrize("features", [FEATURES, sp.csr_matrix(FEATURES)], ids=["dense", "sparse"])
def test_intra_list_diversity_hand_values(features: object) -> None:
    recs = np.array([[0, 1, -1], [0, 2, -1], [0, 1, 2], [0, 3, -1], [0, -1, -1], [2, 2, -1]])
    c = 1 / math.sqrt(2)
    close(intra_list_diversity(recs, features), [1, 1 - c, 1 - 2 * c / 3, 1, NAN, 0])


def test_intra_list_diversity_matches_pairwise_reference() -> None:
    rng = np.random.default_rng(3)
    feats = rng.random((30, 5))
    recs = np.array([rng.choice(30, size=6, replace=False) for _ in range(20)])
    unit = feats / np.linalg.norm(feats, axis=1, keepdims=True)
    expected = []
    for row in recs:
        sims = unit[row] @ unit[row].T
        expected.append(1 - sims[np.triu_indices(6, 1)].mean())
    close(intra_list_diversity(recs, feats), expected)
    with pytest.raises(ValueError, match="item_features has 30 rows"):
        intra_list_diversity(np.array([[30, 1]]), feats)


def test_novelty_is_mean_self_information() -> None:
    p = np.array([0.5, 0.25, 0.0, 0.125])
    recs = np.array([[0, 1], [2, -1], [-1, -1]])
    # unseen item 2 counts as the rarest seen item (p = 0.125, 3 bits)
    close(novelty(recs, p), [1.5, 3.0, NAN])
    with pytest.raises(ValueError, match="probabilities"):
        novelty(recs, np.array([2.0, 1.0, 1.0]))
    with pytest.raises(ValueError, match="item_popularity has 4 items"):
        novelty(np.array([[4]]), p)


def test_bootstrap_ci_covers_the_mean_with_the_expected_width() -> None:
    values = np.random.default_rng(1).normal(0.3, 0.1, size=4000)
    mean, low, high = bootstrap_ci(values, n_boot=400, seed=0)
    assert mean == pytest.approx(values.mean())
    assert low < mean < high
    expected_half_width = 1.96 * values.std() / math.sqrt(values.size)
    assert (high - low) / 2 == pytest.approx(expected_half_width, rel=0.15)
    assert bootstrap_ci(values, n_boot=400, seed=0) == (mean, low, high)


def test_bootstrap_ci_edge_cases() -> None:
    assert bootstrap_ci([0.5, 0.5, NAN], n_boot=50) == (0.5, 0.5, 0.5)
    assert all(math.isnan(v) for v in bootstrap_ci([NAN]))
    with pytest.raises(ValueError, match="alpha"):
        bootstrap_ci([1.0], alpha=1.5)
