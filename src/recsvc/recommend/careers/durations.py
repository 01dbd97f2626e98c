"""Durations a plan can count on: the catalogue's, else a documented estimate.

An item without ``duration_minutes`` takes the median duration of the items of its format
that have one (a video like other videos), else the median of all known durations, else
:data:`FALLBACK_MINUTES`. Estimates are flagged so an answer can say so; nothing is dropped
for lack of a duration.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from recsvc.models.base import FloatArray

__all__ = ["FALLBACK_MINUTES", "estimated_durations"]

#: minutes assumed for an item when no item of the catalogue has a duration
FALLBACK_MINUTES = 60.0


def estimated_durations(
    duration: FloatArray, fmt: npt.NDArray[np.integer]
) -> tuple[FloatArray, npt.NDArray[np.bool_]]:
    """(minutes per item, True where estimated)."""
    d = np.asarray(duration, dtype=np.float64)
    codes = np.asarray(fmt, dtype=np.int64)
    known = np.isfinite(d) & (d >= 0)
    out = np.where(known, d, np.nan)
    overall = float(np.median(d[known])) if known.any() else FALLBACK_MINUTES
    for code in np.unique(codes[~known]).tolist():
        same = known & (codes == code)
        fill = float(np.median(d[same])) if same.any() else overall
        out[~known & (codes == code)] = fill
    return out.astype(np.float32), ~known
