"""Ranking and beyond-accuracy metrics over top-k lists, per user, as pure numpy functions.

Conventions shared by every function:

- ``recs`` is a 2-D integer array (n_users x width) of item indices, best first; ``-1`` pads
  short lists. Items in one row are expected to be distinct.
- ``relevant`` is either a sparse matrix (users x items; any stored entry counts as
  relevant, whatever its value) or a sequence of integer arrays, one per row of ``recs``.
- Accuracy metrics return one float64 value per user, so callers can average, compare or
  bootstrap them. Users with no relevant item have no defined value and get NaN; average
  with :func:`mean_over_users`, which skips them (or pass only users with relevant items).
- ``k`` defaults to the width of ``recs``. A ``k`` larger than the lists counts the missing
  positions as misses (precision divides by ``k``), the usual convention.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "FloatArray",
    "average_precision_at_k",
    "bootstrap_ci",
    "catalogue_coverage",
    "hit_rate_at_k",
    "intra_list_diversity",
    "map_at_k",
    "mean_over_users",
    "ndcg_at_k",
    "novelty",
    "precision_at_k",
    "ranking_report",
    "recall_at_k",
]

FloatArray = npt.NDArray[np.float64]
_FromHits = Callable[[FloatArray, npt.NDArray[np.int64]], FloatArray]


def precision_at_k(recs: npt.ArrayLike, relevant: Any, k: int | None = None) -> FloatArray:
    """Share of the top ``k`` positions holding a relevant item (hits / k)."""
    return _precision(*_hits(recs, relevant, k))


def recall_at_k(recs: npt.ArrayLike, relevant: Any, k: int | None = None) -> FloatArray:
    """Share of a user's relevant items found in the top ``k`` (hits / |relevant|)."""
    return _recall(*_hits(recs, relevant, k))


def hit_rate_at_k(recs: npt.ArrayLike, relevant: Any, k: int | None = None) -> FloatArray:
    """1.0 if any of the top ``k`` is relevant, else 0.0."""
    return _hit_rate(*_hits(recs, relevant, k))


def ndcg_at_k(recs: npt.ArrayLike, relevant: Any, k: int | None = None) -> FloatArray:
    """Binary-relevance nDCG: DCG with a 1/log2(rank+1) discount over the ideal DCG.

    The ideal list puts ``min(k, |relevant|)`` relevant items first, so a user with fewer
    relevant items than ``k`` can still reach 1.0.
    """
    return _ndcg(*_hits(recs, relevant, k))


def average_precision_at_k(recs: npt.ArrayLike, relevant: Any, k: int | None = None) -> FloatArray:
    """Average of precision@i over the ranks i of the hits, divided by ``min(k, |relevant|)``.

    The ``min`` keeps a perfect top-k list at 1.0 for users with more relevant items than k.
    """
    return _average_precision(*_hits(recs, relevant, k))


def map_at_k(recs: npt.ArrayLike, relevant: Any, k: int | None = None) -> float:
    """Mean average precision at ``k`` over users with relevant items."""
    return mean_over_users(average_precision_at_k(recs, relevant, k))


def mean_over_users(per_user: npt.ArrayLike) -> float:
    """Mean of the defined (non-NaN) values; NaN if there are none, without a warning."""
    values = np.asarray(per_user, dtype=np.float64)
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else float("nan")


def ranking_report(
    recs: npt.ArrayLike, relevant: Any, ks: Iterable[int] = (5, 10, 20)
) -> dict[str, float]:
    """Mean precision, recall, nDCG, MAP and hit rate at each k, keyed like ``"ndcg@10"``.

    A flat dict of floats, ready for a bundle manifest's ``metrics``.
    """
    ks = sorted(set(ks))
    if not ks:
        raise ValueError("ks must hold at least one k")
    hits, n_rel = _hits(recs, relevant, max(ks))  # match once, slice per k
    metrics: dict[str, _FromHits] = {
        "precision": _precision,
        "recall": _recall,
        "ndcg": _ndcg,
        "map": _average_precision,
        "hit_rate": _hit_rate,
    }
    return {
        f"{name}@{k}": mean_over_users(fn(hits[:, :k], n_rel))
        for k in ks
        for name, fn in metrics.items()
    }


def catalogue_coverage(recs: npt.ArrayLike, n_items: int) -> float:
    """Share of the catalogue that appears in at least one list (padding ignored)."""
    if n_items < 1:
        raise ValueError(f"n_items must be positive, got {n_items}")
    items = _as_recs(recs)
    shown = np.unique(items[(items >= 0) & (items < n_items)])
    return shown.size / n_items


def intra_list_diversity(recs: npt.ArrayLike, item_features: Any) -> FloatArray:
    """Per user, the mean pairwise ``1 - cosine`` of the listed items' feature rows.

    Uses ``sum_{i<j} cos(v_i, v_j) = (|sum v|^2 - #nonzero) / 2`` for unit vectors, so the
    cost is one sparse product instead of k^2 comparisons per user. Items with an all-zero
    feature row count as unlike everything. Lists with fewer than two items give NaN.
    ``item_features`` is dense or scipy sparse (items x features).
    """
    import scipy.sparse as sp

    items = _as_recs(recs)
    n_items = item_features.shape[0]
    if items.size and items.max() >= n_items:
        raise ValueError(f"recs hold item {items.max()} but item_features has {n_items} rows")
    if sp.issparse(item_features):
        feats = sp.csr_matrix(item_features, dtype=np.float64)
        norms = np.sqrt(np.asarray(feats.multiply(feats).sum(axis=1)).ravel())
        unit = sp.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)) @ feats
    else:
        feats = np.asarray(item_features, dtype=np.float64)
        norms = np.linalg.norm(feats, axis=1)
        unit = feats / np.where(norms > 0, norms, 1.0)[:, None]
    valid = items >= 0
    rows = np.nonzero(valid)[0]
    picks = sp.csr_matrix(
        (np.ones(rows.size), (rows, items[valid])), shape=(items.shape[0], n_items)
    )
    summed = picks @ unit
    if sp.issparse(summed):
        squared = np.asarray(summed.multiply(summed).sum(axis=1)).ravel()
    else:
        squared = np.einsum("ij,ij->i", summed, summed)
    n_listed = valid.sum(axis=1).astype(np.float64)
    n_nonzero = np.asarray(picks @ (norms > 0).astype(np.float64)).ravel()
    pairs = n_listed * (n_listed - 1)
    mean_cos = (squared - n_nonzero) / np.where(pairs > 0, pairs, 1.0)
    return np.where(n_listed >= 2, 1.0 - mean_cos, np.nan)


def novelty(recs: npt.ArrayLike, item_popularity: npt.ArrayLike) -> FloatArray:
    """Per user, the mean self-information ``-log2 p`` of the listed items.

    ``item_popularity`` is each item's probability of being consumed, usually the share of
    users who interacted with it (counts / n_users). Items with p = 0 (never seen) are
    treated as the rarest seen item, so one unseen item cannot make novelty infinite.
    Empty lists give NaN.
    """
    items = _as_recs(recs)
    p = np.asarray(item_popularity, dtype=np.float64)
    if p.ndim != 1 or np.any(p < 0) or np.any(p > 1):
        raise ValueError("item_popularity must be a 1-D array of probabilities in [0, 1]")
    if items.size and items.max() >= p.size:
        raise ValueError(f"recs hold item {items.max()} but item_popularity has {p.size} items")
    positive = p[p > 0]
    floor = positive.min() if positive.size else 1.0
    info = -np.log2(np.where(p > 0, p, floor))
    valid = items >= 0
    total = np.where(valid, info[np.where(valid, items, 0)], 0.0).sum(axis=1)
    count = valid.sum(axis=1)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def bootstrap_ci(
    per_user_values: npt.ArrayLike, n_boot: int = 1000, alpha: float = 0.05, seed: int = 0
) -> tuple[float, float, float]:
    """Mean and percentile-bootstrap ``1 - alpha`` confidence interval, NaNs skipped.

    Resamples users with replacement, in chunks so memory stays bounded for many users.
    Returns ``(nan, nan, nan)`` when no value is defined.
    """
    if n_boot < 1 or not 0 < alpha < 1:
        raise ValueError("n_boot must be positive and alpha in (0, 1)")
    values = np.asarray(per_user_values, dtype=np.float64).ravel()
    values = values[~np.isnan(values)]
    if values.size == 0:
        nan = float("nan")
        return nan, nan, nan
    rng = np.random.default_rng(seed)
    chunk = max(1, 4_000_000 // values.size)
    means = np.empty(n_boot)
    for start in range(0, n_boot, chunk):
        stop = min(n_boot, start + chunk)
        picks = rng.integers(0, values.size, size=(stop - start, values.size))
        means[start:stop] = values[picks].mean(axis=1)
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return float(values.mean()), float(low), float(high)


def _as_recs(recs: npt.ArrayLike) -> npt.NDArray[np.int64]:
    """Check and convert ranked lists to a 2-D int64 array."""
    array = np.asarray(recs)
    if array.ndim != 2:
        raise ValueError(f"recs must be 2-D (users x k), got shape {array.shape}")
    if array.size and not np.issubdtype(array.dtype, np.integer):
        raise TypeError(f"recs must hold integer item indices, got dtype {array.dtype}")
    if array.size and array.min() < -1:
        raise ValueError("recs may only use -1 as padding; found a smaller negative index")
    return array.astype(np.int64, copy=False)


def _as_csr(relevant: Any, recs: npt.NDArray[np.int64]) -> Any:
    """Relevant sets as a CSR matrix (users x items) with one row per row of ``recs``."""
    import scipy.sparse as sp

    if sp.issparse(relevant):
        csr = sp.csr_matrix(relevant)
        if not csr.has_canonical_format:  # sort and merge on a copy, never the caller's
            csr = csr.copy()
            csr.sum_duplicates()
    else:
        rows: Sequence[npt.ArrayLike] = relevant
        parts = [np.unique(np.asarray(r, dtype=np.int64).ravel()) for r in rows]
        lengths = np.array([part.size for part in parts], dtype=np.int64)
        indices = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)
        if indices.size and indices.min() < 0:
            raise ValueError("relevant item indices must be non-negative")
        width = int(max(indices.max(initial=-1), recs.max(initial=-1))) + 1
        indptr = np.concatenate(([0], np.cumsum(lengths)))
        csr = sp.csr_matrix(
            (np.ones(indices.size), indices, indptr), shape=(len(parts), max(width, 1))
        )
    if csr.shape[0] != recs.shape[0]:
        raise ValueError(
            f"relevant has {csr.shape[0]} users but recs has {recs.shape[0]}; align the rows"
        )
    return csr


def _hits(
    recs: npt.ArrayLike, relevant: Any, k: int | None
) -> tuple[FloatArray, npt.NDArray[np.int64]]:
    """Hit matrix (users x k, 1.0 where relevant) and the number of relevant items per user."""
    items = _as_recs(recs)
    k = items.shape[1] if k is None else int(k)
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    csr = _as_csr(relevant, items)
    items = items[:, :k]
    if items.shape[1] < k:
        pad = np.full((items.shape[0], k - items.shape[1]), -1, dtype=np.int64)
        items = np.hstack([items, pad])
    n_items = csr.shape[1]  # canonical CSR: sorted, unique indices, so keys are sorted
    rel_rows = np.repeat(np.arange(csr.shape[0], dtype=np.int64), np.diff(csr.indptr))
    rel_keys = rel_rows * n_items + csr.indices.astype(np.int64)
    valid = (items >= 0) & (items < n_items)
    user = np.arange(items.shape[0], dtype=np.int64)[:, None]
    keys = np.where(valid, user * n_items + items, -1)
    found = np.zeros(keys.shape, dtype=bool)
    if rel_keys.size:
        pos = np.minimum(np.searchsorted(rel_keys, keys), rel_keys.size - 1)
        found = rel_keys[pos] == keys
    hits = (valid & found).astype(np.float64)
    n_rel = np.diff(csr.indptr).astype(np.int64)
    return hits, n_rel


def _precision(hits: FloatArray, n_rel: npt.NDArray[np.int64]) -> FloatArray:
    return _masked(hits.sum(axis=1) / hits.shape[1], n_rel)


def _recall(hits: FloatArray, n_rel: npt.NDArray[np.int64]) -> FloatArray:
    return _masked(hits.sum(axis=1) / np.maximum(n_rel, 1), n_rel)


def _hit_rate(hits: FloatArray, n_rel: npt.NDArray[np.int64]) -> FloatArray:
    return _masked(hits.any(axis=1).astype(np.float64), n_rel)


def _ndcg(hits: FloatArray, n_rel: npt.NDArray[np.int64]) -> FloatArray:
    k = hits.shape[1]
    discount = 1.0 / np.log2(np.arange(2, k + 2, dtype=np.float64))
    ideal = np.concatenate(([0.0], np.cumsum(discount)))[np.minimum(n_rel, k)]
    return _masked(hits @ discount / np.where(ideal > 0, ideal, 1.0), n_rel)


def _average_precision(hits: FloatArray, n_rel: npt.NDArray[np.int64]) -> FloatArray:
    k = hits.shape[1]
    precision_at_hits = np.cumsum(hits, axis=1) / np.arange(1, k + 1) * hits
    return _masked(precision_at_hits.sum(axis=1) / np.clip(n_rel, 1, k), n_rel)


def _masked(values: npt.ArrayLike, n_rel: npt.NDArray[np.int64]) -> FloatArray:
    """Values as float64, NaN for users without relevant items."""
    return np.where(n_rel > 0, np.asarray(values, dtype=np.float64), np.nan)
