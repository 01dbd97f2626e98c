"""Expected gain of an item by how far above the learner it teaches (the level step).

The curve is a table of expected gains (levels) at ``GAIN_STEPS``, read by linear
interpolation and flat beyond its ends. The trainer learns it from courses' own tests
before and after (see :func:`recsvc.training.gains.gain_curve`); without such tests it is
the stated level fit, :func:`default_curve`: best one level above, little far above. Either
way it is 0 at or below the learner's level: such content teaches nothing new.
"""

from __future__ import annotations

import numpy as np

from recsvc.models.base import FloatArray
from recsvc.models.skill_gap import difficulty_fit

__all__ = ["DEFAULT_GAIN", "GAIN_STEPS", "default_curve", "expected_gain"]

#: level steps (taught level minus the learner's level) the curve is tabled at
GAIN_STEPS = np.arange(0.0, 4.01, 0.25, dtype=np.float32)
#: expected gain (levels) of content one level above someone, when nothing is measured
DEFAULT_GAIN = 1.0


def default_curve(sigma: float) -> FloatArray:
    """The level fit as a curve: ``DEFAULT_GAIN * difficulty_fit(step)``."""
    return np.asarray(DEFAULT_GAIN * difficulty_fit(GAIN_STEPS, sigma), dtype=np.float32)


def expected_gain(curve: FloatArray, step: FloatArray) -> FloatArray:
    """Gain at each ``step`` (0 at or below 0, interpolated, flat past the last step)."""
    s = np.asarray(step, dtype=np.float32)
    out = np.interp(s, GAIN_STEPS, curve).astype(np.float32)
    return np.where(s > 0, out, 0.0).astype(np.float32)
