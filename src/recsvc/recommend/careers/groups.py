"""Counts of people by group, published only as the peer floor allows (:mod:`recsvc.privacy`).

Audience counts by department, role, location or manager can point at individuals when a
group is small, or when a small group can be derived by differencing the published ones
from the total: :func:`recsvc.privacy.publishable_groups` decides which groups are shown;
the rest are summed into one "not shown" figure. Move counts between roles follow the same
floor (``MIN_GROUP``) and smaller ones are not even stored in the bundle.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from recsvc.privacy import MIN_GROUP, publishable_groups

__all__ = ["MIN_GROUP", "GroupCount", "group_counts"]

GroupCount = tuple[str, int]


def group_counts(
    codes: npt.NDArray[np.integer], names: Sequence[str], min_group: int = MIN_GROUP
) -> tuple[list[GroupCount], int]:
    """``([(name, count)], people in groups not shown)``, largest groups first.

    ``codes`` index ``names``; -1 (unknown) is a group of its own, named ``""``.
    """
    c = np.asarray(codes, dtype=np.int64)
    counts = np.bincount(c + 1, minlength=len(names) + 1)
    shown_mask = publishable_groups(counts, min_group)
    shown = [
        (names[g - 1] if g > 0 else "", int(counts[g])) for g in np.flatnonzero(shown_mask).tolist()
    ]
    shown.sort(key=lambda g: (-g[1], g[0]))
    return shown, int(counts[~shown_mask].sum())
