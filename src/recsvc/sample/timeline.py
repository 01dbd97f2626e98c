"""The fixed calendar of every sample: reference date, activity window and monthly steps.

Times are whole seconds since the Unix epoch (UTC) in int64 arrays; the reference date is a
constant, not "now", so the same seed always gives the same files.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = [
    "DAY",
    "N_STEPS",
    "REFERENCE",
    "STEP",
    "WINDOW_DAYS",
    "WINDOW_START",
    "step_of",
    "to_datetime",
]

DAY = 86_400
REFERENCE = int(np.datetime64("2026-06-30T00:00:00", "s").astype(np.int64))
"""Data is "as of" this instant (UTC): nothing happens after it."""
WINDOW_DAYS = 730
WINDOW_START = REFERENCE - WINDOW_DAYS * DAY
N_STEPS = 24
STEP = WINDOW_DAYS * DAY // N_STEPS  # about a month


def step_of(seconds: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Index of the monthly step each time falls in (negative before, >= N_STEPS after)."""
    return np.floor_divide(seconds - WINDOW_START, STEP)


def to_datetime(seconds: npt.NDArray[np.int64]) -> npt.NDArray[np.datetime64]:
    """Seconds since the epoch -> numpy datetime64[s]."""
    return seconds.astype("datetime64[s]")
