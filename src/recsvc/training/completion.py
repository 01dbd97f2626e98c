"""Completion rate by level step: how often people finish content pitched above their level."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc.dataset import Dataset
from recsvc.features.confidence import STATUS_CODES
from recsvc.recommend.finish import N_BINS, main_skill, step_bins

__all__ = ["finish_rates"]

#: pseudo-enrolments at the overall rate added to every bin (few data: the overall rate)
SHRINK = 20.0


def finish_rates(
    dataset: Dataset,
    assessed_levels: sp.csr_matrix,
    content_weight: sp.csr_matrix,
    content_level: sp.csr_matrix,
) -> npt.NDArray[np.float32]:
    """Completion rate per level-step bin (see :mod:`recsvc.recommend.finish`), shrunk.

    Only ended enrolments count (completed or dropped). The learner's level is read from
    assessments alone (``assessed_levels``): completions add evidence at the taught level,
    so levels that include them would make every finished item look well pitched. Items
    without skills, and learners never assessed on the item's main skill, share the last
    bin.
    """
    en = dataset.enrolments
    ended = (en.status == STATUS_CODES["completed"]) | (en.status == STATUS_CODES["dropped"])
    done = (en.status == STATUS_CODES["completed"])[ended].astype(np.float64)
    overall = float(done.mean()) if len(done) else 0.5
    skill, level = main_skill(content_weight, content_level)
    items = en.content_idx[ended].astype(np.int64)
    people = en.employee_idx[ended].astype(np.int64)
    s = skill[items]
    step = np.full(len(items), np.nan, dtype=np.float32)
    tagged = np.flatnonzero(s >= 0)
    if len(tagged) and assessed_levels.nnz:
        lv = sp.csr_matrix(assessed_levels, dtype=np.float32)
        pattern = lv.copy()
        pattern.data = np.ones_like(pattern.data)  # a stored level 0 is still a level
        rows, cols = people[tagged], s[tagged]
        has = np.asarray(pattern[rows, cols]).ravel() > 0
        known = np.asarray(lv[rows, cols]).ravel()
        step[tagged[has]] = level[items[tagged[has]]] - known[has]
    bins = step_bins(step)
    n = np.bincount(bins, minlength=N_BINS).astype(np.float64)
    k = np.bincount(bins, weights=done, minlength=N_BINS)
    return ((k + SHRINK * overall) / (n + SHRINK)).astype(np.float32)
