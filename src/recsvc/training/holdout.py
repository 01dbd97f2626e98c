"""Time-based holdout: the split, honest user-disjoint halves, and ranking metrics on it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc import metrics as m
from recsvc.dataset import Dataset
from recsvc.features.confidence import STATUS_CODES
from recsvc.models.base import top_k

__all__ = ["K", "Holdout", "metric_row", "time_split", "top_k_rows"]

K = 10
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Holdout:
    """The later enrolments, split by employee into a tuning half and an evaluation half.

    Base models are fit on enrolments before ``start_day``. Hyper-parameters and the ranker
    learn on ``tune_users``; every reported number comes from ``eval_users``, whom no
    fitting step has seen in the holdout window.
    """

    start_day: float
    train: Dataset
    relevant: sp.csr_matrix  # employees x items: new positive items in the window
    seen: sp.csr_matrix  # employees x items: items taken before the window (never counted)
    tune_users: IntArray
    eval_users: IntArray

    @property
    def ok(self) -> bool:
        return len(self.tune_users) >= 5 and len(self.eval_users) >= 5


def time_split(
    dataset: Dataset, *, holdout_share: float = 0.15, seed: int = 0, max_users: int = 4000
) -> Holdout:
    """Hold out the latest ``holdout_share`` of enrolments (by enrolment time)."""
    en = dataset.enrolments
    start = float(np.quantile(en.day, 1.0 - holdout_share)) if len(en) else dataset.as_of
    if len(en) and start <= en.day.min():
        start = float(np.nextafter(start, np.inf))
    train = dataset.before(start)
    shape = (dataset.n_employees, dataset.n_items)
    te = train.enrolments
    keep = te.status != STATUS_CODES["dropped"]
    seen = sp.csr_matrix(
        (np.ones(int(keep.sum()), np.float32), (te.employee_idx[keep], te.content_idx[keep])),
        shape=shape,
    )
    seen.sum_duplicates()
    seen.data[:] = 1.0
    later = dataset.between(start)
    pos = later.status != STATUS_CODES["dropped"]
    rel = sp.csr_matrix(
        (np.ones(int(pos.sum()), np.float32), (later.employee_idx[pos], later.content_idx[pos])),
        shape=shape,
    )
    rel.sum_duplicates()
    rel.data[:] = 1.0
    rel = (rel - rel.multiply(seen)).tocsr()
    rel.eliminate_zeros()
    users = np.flatnonzero(np.diff(rel.indptr) > 0)
    rng = np.random.default_rng(seed)
    users = rng.permutation(users)
    half = len(users) // 2
    tune = np.sort(users[:half][:max_users])
    evaluate = np.sort(users[half:][:max_users])
    return Holdout(start, train, rel, seen, tune, evaluate)


def top_k_rows(
    score_rows: Callable[[IntArray], npt.NDArray[np.float32]],
    users: IntArray,
    blocked: sp.csr_matrix,
    k: int = K,
    block: int = 1024,
) -> IntArray:
    """Top ``k`` items per user from a scorer of user blocks, never a blocked item."""
    out = np.full((len(users), k), -1, dtype=np.int64)
    for start in range(0, len(users), block):
        ub = users[start : start + block]
        scores = np.array(score_rows(ub), dtype=np.float32, copy=True)
        b = blocked[ub]
        rows = np.repeat(np.arange(len(ub)), np.diff(b.indptr))
        scores[rows, b.indices] = -np.inf
        for r in range(len(ub)):
            best = top_k(scores[r], k)
            best = best[np.isfinite(scores[r, best])]
            out[start + r, : len(best)] = best
    return out


def metric_row(recs: IntArray, relevant: sp.csr_matrix, n_items: int) -> dict[str, float]:
    """nDCG, recall, precision, MAP and hit rate at K, plus catalogue coverage."""
    return {
        f"ndcg@{K}": m.mean_over_users(m.ndcg_at_k(recs, relevant, K)),
        f"recall@{K}": m.mean_over_users(m.recall_at_k(recs, relevant, K)),
        f"precision@{K}": m.mean_over_users(m.precision_at_k(recs, relevant, K)),
        f"map@{K}": m.map_at_k(recs, relevant, K),
        f"hit_rate@{K}": m.mean_over_users(m.hit_rate_at_k(recs, relevant, K)),
        "coverage": m.catalogue_coverage(recs, n_items),
    }
