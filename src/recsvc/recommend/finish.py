"""How likely a person is to finish an item, from how far above their level it teaches.

Content pitched well above someone is dropped more often, and content at their level is
finished but teaches little. The trainer measures the completion rate of finished or
dropped enrolments per *level step* (taught level minus the learner's estimated level on
the item's main skill, in half-level bins), shrunk toward the overall rate; items without
skill tags use the overall rate. The need-first order multiplies this into the chance of
taking an item, so "take and finish" rather than "click" weights learning value.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc.models.base import FloatArray
from recsvc.models.skill_gap import LEVELS

__all__ = ["STEP_EDGES", "FinishModel", "step_bins"]

#: bin edges of the level step; bins below the first and above the last are open-ended
STEP_EDGES = np.arange(-2.75, 3.0, 0.5, dtype=np.float32)
#: number of bins: len(STEP_EDGES) + 1 for the steps, plus one for items without skills
N_BINS = len(STEP_EDGES) + 2


def step_bins(step: FloatArray) -> npt.NDArray[np.int64]:
    """Bin of each level step (NaN: the "no skill" bin)."""
    s = np.asarray(step, dtype=np.float32)
    finite = np.isfinite(s)
    out = np.searchsorted(STEP_EDGES, np.where(finite, s, 0.0), side="right").astype(np.int64)
    out[~finite] = N_BINS - 1
    return out


def main_skill(
    content_weight: sp.csr_matrix, content_level: sp.csr_matrix
) -> tuple[npt.NDArray[np.int64], FloatArray]:
    """Per item: the skill it teaches most (-1: none) and the level it teaches it at."""
    w = sp.csr_matrix(content_weight, dtype=np.float32)
    lv = sp.csr_matrix(content_level, dtype=np.float32)
    n = w.shape[0]
    skill = np.full(n, -1, dtype=np.int64)
    level = np.full(n, np.nan, dtype=np.float32)
    counts = np.diff(w.indptr)
    has = np.flatnonzero(counts)
    if len(has):
        best = np.asarray(w[has].argmax(axis=1)).ravel()
        skill[has] = best
        level[has] = np.asarray(lv[has, best]).ravel()
    return skill, level


class FinishModel:
    """Completion probability per item for one person's levels; read-only after init."""

    def __init__(
        self,
        finish_by_step: FloatArray,
        content_weight: sp.csr_matrix,
        content_level: sp.csr_matrix,
    ) -> None:
        self.rates = np.asarray(finish_by_step, dtype=np.float32)
        skill, level = main_skill(content_weight, content_level)
        self.n_skills = content_weight.shape[1]
        # each item's row in a per-request (skills x taught levels) table; untagged items
        # read the last cell, which holds the untagged rate
        taught = np.clip(np.nan_to_num(np.rint(level)), LEVELS[0], LEVELS[-1]).astype(np.int64)
        cell = skill * len(LEVELS) + taught - LEVELS[0]
        self.cell = np.where(skill >= 0, cell, self.n_skills * len(LEVELS)).astype(np.int64)
        self.levels = np.asarray(LEVELS, dtype=np.float32)

    def probability(self, current: FloatArray) -> FloatArray:
        """Chance of finishing each item for someone at ``current`` (per skill)."""
        step = self.levels[None, :] - np.asarray(current, np.float32)[:, None]
        bins = np.full(step.size + 1, N_BINS - 1, dtype=np.int64)  # last: untagged items
        bins[:-1] = step_bins(step.ravel())
        return np.asarray(self.rates[bins[self.cell]], dtype=np.float32)
