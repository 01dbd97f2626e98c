"""Scores content by how much of an employee's weighted skill gap it closes at the right level."""

from __future__ import annotations

from typing import Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc.models.base import FloatArray, check_fitted

__all__ = ["LEVELS", "SkillGapModel", "difficulty_fit", "weighted_gap"]

LEVELS = (1, 2, 3, 4, 5)


def difficulty_fit(step: npt.NDArray[np.floating], sigma: float) -> FloatArray:
    """How well content at ``current + step`` suits someone at ``current``.

    Peaks at one level above (``step == 1``), falls off as a Gaussian for content far too
    hard, and is 0 for content at or below the current level, which teaches nothing new.
    """
    s = np.asarray(step, dtype=np.float32)
    val = np.exp(-0.5 * ((s - 1.0) / sigma) ** 2)
    return np.where(s > 0, val, 0.0).astype(np.float32)


def weighted_gap(
    current: FloatArray,
    required: FloatArray,
    importance: FloatArray,
    strategic: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Gap per skill ``max(0, required - current)`` and its weight for ranking.

    The weight is ``gap * importance * (1 + strategic_weight)``: important skills and
    skills the organisation prioritises count more.
    """
    gap = np.clip(required - current, 0.0, None).astype(np.float32)
    return gap, (gap * importance * (1.0 + strategic)).astype(np.float32)


class SkillGapModel:
    """Gap-closing score of every item for given weighted gaps and current levels.

    For item i teaching skill s (weight w) to level L, an employee at level c with weighted
    gap g gets ``fit = sum_s w g difficulty_fit(L - c)`` and ``coverage = sum_s w g [L > c]``.
    Levels are integers 1-5, so the sum splits into five sparse products, one per level,
    which vectorises over many employees at once.
    """

    def __init__(self, sigma: float = 0.6) -> None:
        self.sigma = sigma

    def fit(self, content_weight: sp.csr_matrix, content_level: sp.csr_matrix) -> Self:
        """Split the items x skills weights by taught level (skills x items per level)."""
        w = sp.csr_matrix(content_weight, dtype=np.float32)
        lv = sp.csr_matrix(content_level, dtype=np.float32)
        w.sort_indices()
        lv.sort_indices()
        levels = np.clip(np.rint(lv.data), LEVELS[0], LEVELS[-1])
        self.by_level_ = []
        for level in LEVELS:
            m = w.copy()
            m.data = np.where(levels == level, w.data, 0.0).astype(np.float32)
            m.eliminate_zeros()
            self.by_level_.append(m.T.tocsr())
        self.n_items_ = w.shape[0]
        self.n_skills_ = w.shape[1]
        by_skill = w.T.tocsr()
        levels_t = lv.T.tocsr()
        by_skill.sort_indices()
        levels_t.sort_indices()
        self.skill_indptr_ = np.asarray(by_skill.indptr, dtype=np.int64)
        self.skill_items_ = np.asarray(by_skill.indices, dtype=np.int64)
        self.skill_weight_ = np.asarray(by_skill.data, dtype=np.float32)
        self.skill_level_ = np.clip(np.rint(levels_t.data), LEVELS[0], LEVELS[-1]).astype(
            np.float32
        )
        return self

    def score_one(
        self, gap_weight: FloatArray, current: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """:meth:`score` for one employee in pure numpy (the request path: ~10x faster)."""
        check_fitted(self, "skill_indptr_")
        g = np.asarray(gap_weight, dtype=np.float32)
        active = np.flatnonzero(g)
        n = self.n_items_
        if len(active) == 0:
            return np.zeros(n, np.float32), np.zeros(n, np.float32)
        starts, ends = self.skill_indptr_[active], self.skill_indptr_[active + 1]
        counts = ends - starts
        pos = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        skill = np.repeat(active, counts)
        step = self.skill_level_[pos] - np.asarray(current, np.float32)[skill]
        base = self.skill_weight_[pos] * g[skill]
        items = self.skill_items_[pos]
        fit = np.bincount(items, weights=base * difficulty_fit(step, self.sigma), minlength=n)
        cov = np.bincount(items, weights=base * (step > 0), minlength=n)
        return fit.astype(np.float32), cov.astype(np.float32)

    def score(self, gap_weight: FloatArray, current: FloatArray) -> tuple[FloatArray, FloatArray]:
        """``(fit, coverage)``, each employees x items, for dense employees x skills inputs."""
        check_fitted(self, "by_level_")
        g = np.atleast_2d(np.asarray(gap_weight, dtype=np.float32))
        cur = np.atleast_2d(np.asarray(current, dtype=np.float32))
        fit = np.zeros((g.shape[0], self.n_items_), dtype=np.float32)
        cov = np.zeros_like(fit)
        active = np.flatnonzero(g.any(axis=0))
        if len(active) == 0:
            return fit, cov
        g_a, c_a = g[:, active], cur[:, active]
        for level, m in zip(LEVELS, self.by_level_, strict=True):
            sub = m[active]
            if sub.nnz == 0:
                continue
            step = level - c_a
            fit += np.asarray(sub.T @ (g_a * difficulty_fit(step, self.sigma)).T).T
            cov += np.asarray(sub.T @ (g_a * (step > 0)).T).T
        return fit, cov
