"""Holdouts the trainer validates on, honest user-disjoint halves, and ranking metrics on them.

Two protocols. ``employee`` (the default) matches the population the service answers: warm
employees are validated on their own latest items (a per-employee temporal cut) and a seeded
sample of employees, their whole history removed, stands in for the cold-start arrivals.
``time`` is one global cut (the latest share of all enrolments), kept as an option: on data
where people arrive in waves it holds out mostly people with no earlier history, so it
validates the cold-start path while the service mostly answers warm employees.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc import contract as c
from recsvc import metrics as m
from recsvc.dataset import Dataset, id_values, to_days
from recsvc.features.confidence import STATUS_CODES
from recsvc.models.base import top_k

__all__ = [
    "COLD_SHARE",
    "EMPLOYEE_HOLDOUT_SHARE",
    "K",
    "MAX_EVAL_USERS",
    "MAX_TUNE_USERS",
    "Holdout",
    "Protocol",
    "employee_split",
    "make_holdout",
    "metric_row",
    "positive_pairs",
    "time_split",
    "top_k_rows",
]

K = 10
IntArray = npt.NDArray[np.int64]
Protocol = Literal["employee", "time"]
#: share of each warm employee's distinct items held out (their latest; at least one)
EMPLOYEE_HOLDOUT_SHARE = 0.2
#: share of employees with history whose whole history stands in for cold-start arrivals
COLD_SHARE = 0.1
#: tuning employees per slice at most: the ranker learns ~20 weights from ~200 rows per
#: employee and model selection compares nDCG@10 on them, as on the 2,000-employee sample
#: (~900 there); more only costs time (three passes over each, ~1.4 ms apiece at 100,000)
MAX_TUNE_USERS = 1000
#: evaluation employees per slice at most: a seeded sample, reported with its 95%
#: confidence interval (the trainer's own check; ``recsvc evaluate`` uses everyone)
MAX_EVAL_USERS = 1000


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
    tune_users: IntArray  # warm: history before their cut
    eval_users: IntArray
    protocol: Protocol = "time"
    #: employees with held-out items and no history before the cut (cold-start slice)
    cold_tune_users: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    cold_eval_users: IntArray = field(default_factory=lambda: np.zeros(0, np.int64))
    #: evaluation employees before sampling (warm, cold): what ``eval_users`` stand for
    eval_population: tuple[int, int] = (0, 0)

    @property
    def ok(self) -> bool:
        return len(self.tune_users) >= 5 and len(self.eval_users) >= 5

    @property
    def cold_ok(self) -> bool:
        return len(self.cold_tune_users) >= 5 and len(self.cold_eval_users) >= 5

    def describe(self) -> str:
        if self.protocol == "employee":
            return (
                f"per-employee: each warm employee's latest {EMPLOYEE_HOLDOUT_SHARE:.0%} of "
                f"items held out, everything from that employee's cut on removed; "
                f"{COLD_SHARE:.0%} of employees held out whole as cold-start arrivals"
            )
        return "global time cut: the latest 15% of enrolments held out"


def positive_pairs(dataset: Dataset, mask: npt.NDArray[np.bool_]) -> sp.csr_matrix:
    """Binary employees x items matrix of the non-dropped enrolments selected by ``mask``."""
    en = dataset.enrolments
    keep = mask & (en.status != STATUS_CODES["dropped"])
    out = sp.csr_matrix(
        (np.ones(int(keep.sum()), np.float32), (en.employee_idx[keep], en.content_idx[keep])),
        shape=(dataset.n_employees, dataset.n_items),
    )
    out.sum_duplicates()
    out.data[:] = 1.0
    return out


def _halves(
    users: IntArray, rng: np.random.Generator, max_tune: int, max_eval: int
) -> tuple[IntArray, IntArray, int]:
    """Seeded tuning and evaluation halves, each a random sample of at most its cap, and
    the size of the evaluation half before sampling."""
    users = rng.permutation(users)
    half = len(users) // 2
    evaluate = users[half:]
    return np.sort(users[:half][:max_tune]), np.sort(evaluate[:max_eval]), len(evaluate)


def time_split(
    dataset: Dataset,
    *,
    holdout_share: float = 0.15,
    seed: int = 0,
    max_users: int = 4000,
    max_eval_users: int | None = None,
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
    has_history = np.diff(seen.indptr) > 0
    max_eval = max_users if max_eval_users is None else max_eval_users
    tune, evaluate, n_eval = _halves(users[has_history[users]], rng, max_users, max_eval)
    cold_tune, cold_eval, n_cold = _halves(users[~has_history[users]], rng, max_users, max_eval)
    return Holdout(
        start, train, rel, seen, tune, evaluate, "time", cold_tune, cold_eval, (n_eval, n_cold)
    )


def employee_split(
    dataset: Dataset,
    *,
    holdout_share: float = EMPLOYEE_HOLDOUT_SHARE,
    cold_share: float = COLD_SHARE,
    seed: int = 0,
    max_users: int = 4000,
    max_eval_users: int | None = None,
) -> Holdout:
    """Per-employee temporal holdout plus a cold-start slice (see the module doc).

    A warm employee (two or more distinct items) keeps their earliest items; from the first
    enrolment of their latest ``holdout_share`` of items on, their enrolments and assessments
    leave the training data, so their skill state, history and every model trained on it
    see only what came before their cut. A seeded ``cold_share`` of the employees with
    history lose all of it and are validated on every item they took, as arrivals would be.
    Other employees' activity after someone's cut stays in training (as it would be at
    serving time for a person who has not come back since); ``time_split`` is the strict
    global alternative.
    """
    en = dataset.enrolments
    n_emp = dataset.n_employees
    rng = np.random.default_rng(seed)
    positive = en.status != STATUS_CODES["dropped"]
    emp = en.employee_idx[positive].astype(np.int64)
    day = en.day[positive]
    key = emp * dataset.n_items + en.content_idx[positive].astype(np.int64)
    order = np.lexsort((day, key))
    first = np.ones(len(order), dtype=bool)
    first[1:] = key[order][1:] != key[order][:-1]
    item_emp, item_day = emp[order][first], day[order][first]  # first day of each pair
    by_time = np.lexsort((item_day, item_emp))
    item_emp, item_day = item_emp[by_time], item_day[by_time]
    counts = np.bincount(item_emp, minlength=n_emp)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    with_history = np.flatnonzero(counts > 0)
    n_cold = int(round(cold_share * len(with_history))) if len(with_history) >= 20 else 0
    cold = np.sort(rng.choice(with_history, size=n_cold, replace=False))
    n_hold = np.where(counts >= 2, np.ceil(holdout_share * counts), 0).astype(np.int64)
    n_hold = np.minimum(n_hold, np.maximum(counts - 1, 0))
    cut = np.full(n_emp, np.inf)
    warm = np.flatnonzero(n_hold > 0)
    cut[warm] = item_day[starts[warm] + counts[warm] - n_hold[warm]]
    cut[cold] = -np.inf

    drop = en.day >= cut[en.employee_idx]
    tables = dict(dataset.tables)
    assessments = tables.get(c.ASSESSMENTS)
    if assessments is not None and len(assessments):
        a_emp = dataset.employees.indices(id_values(assessments["employee_id"])).astype(np.int64)
        a_cut = np.where(a_emp >= 0, cut[np.maximum(a_emp, 0)], np.inf)
        later = to_days(assessments["assessed_at"]) >= a_cut
        tables[c.ASSESSMENTS] = assessments[~later].reset_index(drop=True)
    train = replace(dataset, tables=tables, enrolments=en.take(~drop))
    seen = positive_pairs(train, np.ones(len(train.enrolments), dtype=bool))
    later = positive_pairs(dataset, drop)
    rel = (later - later.multiply(seen)).tocsr()
    rel.eliminate_zeros()
    users = np.flatnonzero(np.diff(rel.indptr) > 0)
    is_cold = np.zeros(n_emp, dtype=bool)
    is_cold[cold] = True
    max_eval = max_users if max_eval_users is None else max_eval_users
    tune, evaluate, n_eval = _halves(users[~is_cold[users]], rng, max_users, max_eval)
    cold_tune, cold_eval, n_cold = _halves(users[is_cold[users]], rng, max_users, max_eval)
    finite = cut[np.isfinite(cut)]
    start = float(finite.min()) if len(finite) else dataset.as_of
    return Holdout(
        start,
        train,
        rel,
        seen,
        tune,
        evaluate,
        "employee",
        cold_tune,
        cold_eval,
        (n_eval, n_cold),
    )


def make_holdout(
    dataset: Dataset,
    protocol: Protocol,
    *,
    seed: int,
    max_users: int = MAX_TUNE_USERS,
    max_eval_users: int = MAX_EVAL_USERS,
) -> Holdout:
    """The trainer's holdout of ``protocol`` ("employee" or "time"), its slices capped at
    ``max_users`` tuning and ``max_eval_users`` evaluation employees (seeded samples)."""
    caps = {"max_users": max_users, "max_eval_users": max_eval_users}
    if protocol == "employee":
        return employee_split(dataset, seed=seed, **caps)
    if protocol == "time":
        return time_split(dataset, seed=seed, **caps)
    raise ValueError(f"protocol must be 'employee' or 'time', not {protocol!r}")


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
