"""Skill levels, the stated level fit and weighted gaps: the building blocks of learning value."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from recsvc.models.base import FloatArray

__all__ = ["LEVELS", "difficulty_fit", "need_weights"]

LEVELS = (1, 2, 3, 4, 5)


def difficulty_fit(step: npt.NDArray[np.floating], sigma: float) -> FloatArray:
    """How well content at ``current + step`` suits someone at ``current``.

    Peaks at one level above (``step == 1``), falls off as a Gaussian for content far too
    hard, and is 0 for content at or below the current level, which teaches nothing new.
    """
    s = np.asarray(step, dtype=np.float32)
    val = np.exp(-0.5 * ((s - 1.0) / sigma) ** 2)
    return np.where(s > 0, val, 0.0).astype(np.float32)


def need_weights(required: FloatArray, importance: FloatArray, strategic: FloatArray) -> FloatArray:
    """What closing one level of each required skill is worth (0 where nothing is required).

    ``importance * (1 + strategic_weight)``: important skills and skills the organisation
    prioritises count more.
    """
    return np.asarray(importance * (1.0 + strategic) * (required > 0), dtype=np.float32)
