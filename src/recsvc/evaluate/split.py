"""Train/test splits for offline evaluation: per-employee (default), time-based, per-user random.

The default is the trainer's own protocol (:func:`recsvc.training.holdout.employee_split`):
warm employees tested on their own latest items, a seeded tenth of employees held out whole
as cold-start arrivals, so the figures describe the population the service answers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from recsvc import contract as c
from recsvc.dataset import Dataset, id_values, to_days
from recsvc.features.confidence import STATUS_CODES
from recsvc.training.holdout import EMPLOYEE_HOLDOUT_SHARE, employee_split, time_split

__all__ = [
    "MAX_USERS",
    "SplitKind",
    "EvalSplit",
    "employee_based_split",
    "make_split",
    "time_based_split",
    "user_random_split",
]

logger = logging.getLogger(__name__)

SplitKind = Literal["employee", "time", "user-random"]
IntArray = npt.NDArray[np.int64]

#: evaluate at most this many employees (a seeded sample): CIs are tight long before this
MAX_USERS = 5000


@dataclass(frozen=True)
class EvalSplit:
    """What models may learn from, and what they are judged on.

    ``relevant`` holds, per employee, the test items with a non-dropped enrolment that were
    not already taken in ``train`` (re-takes are not predictions). ``users`` are the
    employees with relevant items and some training history (the main table); ``cold_users``
    have relevant items but no history at all (reported apart: only cold-start strategies
    can serve them).
    """

    kind: SplitKind
    train: Dataset
    relevant: sp.csr_matrix
    seen: sp.csr_matrix
    users: IntArray
    cold_users: IntArray
    cutoff_day: float | None
    test_share: float
    seed: int

    def describe(self) -> str:
        if self.kind == "employee":
            return (
                f"per-employee (the trainer's protocol): each warm employee's latest "
                f"{self.test_share:.0%} of items held out with everything from their cut on; "
                "a seeded tenth of employees held out whole as cold-start arrivals "
                f"(seed {self.seed})"
            )
        if self.kind == "time":
            day = pd.Timestamp(float(self.cutoff_day or 0.0), unit="D", tz="UTC")
            return (
                f"time-based: train on enrolments before {day:%Y-%m-%d}, test on the "
                f"latest {self.test_share:.0%} of enrolments after it"
            )
        return (
            f"per-user random: {self.test_share:.0%} of each employee's items held out "
            f"(seed {self.seed}); future enrolments leak into training, so figures run "
            "higher than a time-based split's"
        )


def _positive_pairs(dataset: Dataset, mask: npt.NDArray[np.bool_]) -> sp.csr_matrix:
    en = dataset.enrolments
    keep = mask & (en.status != STATUS_CODES["dropped"])
    m = sp.csr_matrix(
        (np.ones(int(keep.sum()), np.float32), (en.employee_idx[keep], en.content_idx[keep])),
        shape=(dataset.n_employees, dataset.n_items),
    )
    m.sum_duplicates()
    m.data[:] = 1.0
    return m


def _users(train: Dataset, relevant: sp.csr_matrix, seed: int) -> tuple[IntArray, IntArray]:
    with_test = np.flatnonzero(np.diff(relevant.indptr) > 0)
    has_history = np.zeros(train.n_employees, dtype=bool)
    has_history[train.enrolments.employee_idx] = True
    warm, cold = with_test[has_history[with_test]], with_test[~has_history[with_test]]
    if len(warm) > MAX_USERS:
        rng = np.random.default_rng(seed)
        warm = np.sort(rng.choice(warm, size=MAX_USERS, replace=False))
    return warm.astype(np.int64), cold.astype(np.int64)


def _catalogue_at(dataset: Dataset, day: float) -> Dataset:
    """Items published on or after ``day`` did not exist yet: mark them inactive."""
    content = dataset.tables[c.CONTENT]
    if "published_at" not in content.columns:
        return dataset
    later = to_days(content["published_at"]) >= day
    if not later.any():
        return dataset
    content = content.copy()
    content.loc[later, "active"] = False
    return replace(dataset, tables={**dataset.tables, c.CONTENT: content})


def time_based_split(dataset: Dataset, *, test_share: float = 0.15, seed: int = 42) -> EvalSplit:
    """Train before a cut-off (the latest ``test_share`` of enrolments), test after it.

    The cut-off is the trainer's own holdout rule (:func:`recsvc.training.holdout.time_split`)
    so the offline number means the same thing in both places. The catalogue is taken as it
    was at the cut-off: items published later are never recommended.
    """
    holdout = time_split(dataset, holdout_share=test_share, seed=seed, max_users=10**9)
    train = _catalogue_at(holdout.train, holdout.start_day)
    users, cold = _users(train, holdout.relevant, seed)
    return EvalSplit(
        kind="time",
        train=train,
        relevant=holdout.relevant,
        seen=holdout.seen,
        users=users,
        cold_users=cold,
        cutoff_day=holdout.start_day,
        test_share=test_share,
        seed=seed,
    )


def employee_based_split(dataset: Dataset, *, seed: int = 42) -> EvalSplit:
    """The trainer's per-employee holdout as a train/test split (see the module doc)."""
    holdout = employee_split(dataset, seed=seed, max_users=10**9)
    warm = np.union1d(holdout.tune_users, holdout.eval_users).astype(np.int64)
    cold = np.union1d(holdout.cold_tune_users, holdout.cold_eval_users).astype(np.int64)
    if len(warm) > MAX_USERS:
        warm = np.sort(np.random.default_rng(seed).choice(warm, size=MAX_USERS, replace=False))
    return EvalSplit(
        kind="employee",
        train=holdout.train,
        relevant=holdout.relevant,
        seen=holdout.seen,
        users=warm,
        cold_users=cold,
        cutoff_day=None,
        test_share=EMPLOYEE_HOLDOUT_SHARE,
        seed=seed,
    )


def user_random_split(
    dataset: Dataset, *, test_share: float = 0.2, seed: int = 42, min_items: int = 2
) -> EvalSplit:
    """Hold out a seeded random ``test_share`` of each employee's distinct positive items.

    Employees with fewer than ``min_items`` items keep them all; everyone else keeps at
    least one. Every enrolment of a held-out (employee, item) pair leaves the training data,
    and so do assessments tied to that item (course pre/post tests would give it away).
    """
    n_items = dataset.n_items
    positives = _positive_pairs(dataset, np.ones(len(dataset.enrolments), dtype=bool)).tocoo()
    keys = positives.row.astype(np.int64) * n_items + positives.col.astype(np.int64)
    user = positives.row.astype(np.int64)
    rng = np.random.default_rng(seed)
    order = np.lexsort((rng.random(len(keys)), user))
    keys, user = keys[order], user[order]
    counts = np.bincount(user, minlength=dataset.n_employees)
    starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
    rank = np.arange(len(keys)) - starts[user]
    n_test = np.clip(np.rint(test_share * counts), 1, np.maximum(counts - 1, 1))
    n_test[counts < min_items] = 0
    held = np.sort(keys[rank < n_test[user]])

    en = dataset.enrolments
    row_keys = en.employee_idx.astype(np.int64) * n_items + en.content_idx.astype(np.int64)
    in_test = np.isin(row_keys, held)
    tables = dict(dataset.tables)
    assessments = tables.get(c.ASSESSMENTS)
    if assessments is not None and len(assessments):
        e = dataset.employees.indices(id_values(assessments["employee_id"])).astype(np.int64)
        i = dataset.content.indices(id_values(assessments["content_id"])).astype(np.int64)
        tied = (e >= 0) & (i >= 0) & np.isin(e * n_items + i, held)
        tables[c.ASSESSMENTS] = assessments[~tied].reset_index(drop=True)
    train = replace(dataset, tables=tables, enrolments=en.take(~in_test))
    relevant = _positive_pairs(dataset, in_test)
    seen = _positive_pairs(train, np.ones(len(train.enrolments), dtype=bool))
    users, cold = _users(train, relevant, seed)
    logger.info("user-random split: %d pairs held out for %d employees", len(held), len(users))
    return EvalSplit("user-random", train, relevant, seen, users, cold, None, test_share, seed)


def make_split(
    dataset: Dataset,
    kind: SplitKind = "employee",
    *,
    seed: int = 42,
    test_share: float | None = None,
) -> EvalSplit:
    """The split named ``kind`` with its usual test share (20% per employee, 15% time, 20%
    user-random)."""
    if kind == "employee":
        return employee_based_split(dataset, seed=seed)
    if kind == "time":
        return time_based_split(dataset, test_share=test_share or 0.15, seed=seed)
    if kind == "user-random":
        return user_random_split(dataset, test_share=test_share or 0.2, seed=seed)
    raise ValueError(f"split must be 'employee', 'time' or 'user-random', not {kind!r}")
