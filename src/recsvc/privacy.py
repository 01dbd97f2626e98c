"""The peer-statistics floor: no published figure comes from fewer than ``MIN_GROUP`` people.

Figures about groups ("taken by 40% of people in your role", a course's measured gain, a
team's gaps) must not reveal one person's activity. Two rules do that:

- a figure is published only for a group of at least ``min_group`` people (configurable,
  never below ``MIN_GROUP``);
- groups that nest (roles inside the organisation) are published only when what one can
  derive by differencing them is itself a group of at least ``min_group``: the people of
  the organisation outside every published role are either nobody or at least
  ``min_group`` (:func:`publishable_groups`).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

__all__ = ["MIN_GROUP", "check_min_group", "publishable_groups"]

#: the floor under every configurable group size: figures never come from fewer people
MIN_GROUP = 5


def check_min_group(min_group: int) -> int:
    """``min_group`` if allowed; a clear error below the floor."""
    if int(min_group) < MIN_GROUP:
        raise ValueError(
            f"min_group must be at least {MIN_GROUP} (got {min_group}): a figure from fewer "
            "people can reveal one person's activity"
        )
    return int(min_group)


def publishable_groups(
    sizes: npt.ArrayLike, min_group: int = MIN_GROUP, *, outside: int = 0
) -> npt.NDArray[np.bool_]:
    """Which of disjoint groups (with these sizes) may have figures beside the whole's.

    The whole is the groups plus ``outside`` people in none of them; its figure is
    published elsewhere. The whole minus the published groups is the *remainder*; with the
    whole's figure and every published group's, the remainder's is known. So a group is
    published only if it has ``min_group`` people and the remainder is empty or has
    ``min_group`` people; when it would be too small, the smallest published groups join it
    until it is not. Empty groups are never published (nothing to say).
    """
    check_min_group(min_group)
    size = np.asarray(sizes, dtype=np.int64)
    ok = size >= min_group
    remainder = int(size[~ok].sum()) + int(outside)
    order = [int(g) for g in np.argsort(size, kind="stable") if ok[g]]
    while 0 < remainder < min_group and order:
        g = order.pop(0)
        ok[g] = False
        remainder += int(size[g])
    return np.asarray(ok, dtype=bool)
