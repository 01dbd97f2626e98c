"""Who offers to mentor in the sample: a share of the people strong in some skill.

Mentor matching pairs on skills a recent test *proved*, so the volunteers are drawn among
people whose true level reaches ``STRONG_LEVEL`` on some skill; a few are listed but not
offering now (``opt_in`` false), as a real mentoring programme's list would have.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["MENTOR_SHARE", "STRONG_LEVEL", "make_mentors"]

#: true level (0-5) on some skill that makes someone a plausible mentor
STRONG_LEVEL = 3.5
#: share of the plausible mentors who volunteer
MENTOR_SHARE = 0.4
#: share of volunteers listed but not offering now
OPTED_OUT_SHARE = 0.15


def make_mentors(
    rng: np.random.Generator,
    employee_ids: npt.NDArray[np.object_],
    final_levels: npt.NDArray[np.float64],
) -> pd.DataFrame:
    """The ``mentors`` table: employee_id, capacity (1-3 mentees), opt_in."""
    strong = np.flatnonzero(final_levels.max(axis=1) >= STRONG_LEVEL)
    chosen = np.sort(strong[rng.random(len(strong)) < MENTOR_SHARE])
    return pd.DataFrame(
        {
            "employee_id": employee_ids[chosen],
            "capacity": rng.integers(1, 4, size=len(chosen)),
            "opt_in": rng.random(len(chosen)) >= OPTED_OUT_SHARE,
        }
    )
