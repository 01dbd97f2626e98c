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

__all__ = [
    "MIN_GROUP",
    "check_min_group",
    "known_groups",
    "nested_difference_safe",
    "publishable_beside",
    "publishable_groups",
]

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
    by_size = np.argsort(size, kind="stable")
    order = by_size[ok[by_size]].tolist()
    while 0 < remainder < min_group and order:
        g = order.pop(0)
        ok[g] = False
        remainder += int(size[g])
    return np.asarray(ok, dtype=bool)


def known_groups(
    labels: npt.NDArray[np.int64], shown: npt.NDArray[np.bool_]
) -> npt.NDArray[np.int64]:
    """``labels`` with everyone outside the ``shown`` groups in one more group, the
    remainder: with the whole's figure, the remainder's figure is known too."""
    out = np.asarray(labels, np.int64).copy()
    out[(out < 0) | ~np.append(shown, False)[out]] = len(shown)
    return out


def nested_difference_safe(
    labels: npt.NDArray[np.int64],
    group: int,
    others: list[npt.NDArray[np.int64]],
    min_group: int = MIN_GROUP,
) -> bool:
    """Whether ``group``'s figure may stand beside other groupings' over the same people.

    ``labels`` and each of ``others`` give every person's group in one grouping; every
    group is taken as known (shown, or a remainder: :func:`known_groups`). When a group of
    another grouping holds this one, it minus every group of this grouping inside it is
    derivable, and must be none or at least ``min_group`` people (a role minus its one
    team); when this group holds groups of another grouping, the same for it minus them (a
    department minus its teams). Sums over two groupings are checked; a chain through three
    or more groupings is not.
    """
    k = check_min_group(min_group)
    size = np.bincount(labels, minlength=group + 1)
    for other in others:
        other_size = np.bincount(other)
        width = np.int64(len(other_size))
        key, count = np.unique(labels * width + other, return_counts=True)
        a, o = key // width, key % width
        a_inside_o = count == size[a]
        o_inside_a = count == other_size[o]
        for holder in o[(a == group) & a_inside_o].tolist():  # groups holding this one
            rest = int(other_size[holder] - size[a[(o == holder) & a_inside_o]].sum())
            if 0 < rest < k:
                return False
        rest = int(size[group] - other_size[o[(a == group) & o_inside_a]].sum())
        if 0 < rest < k:  # this group minus the groups inside it
            return False
    return True


def publishable_beside(
    labels: npt.NDArray[np.int64],
    others: list[npt.NDArray[np.int64]],
    min_group: int = MIN_GROUP,
) -> npt.NDArray[np.bool_]:
    """Which groups of ``labels`` (-1: none) may be shown beside the other groupings'.

    Starts from :func:`publishable_groups` and withholds groups until every shown group and
    the remainder (everyone else, derivable from the whole) pass
    :func:`nested_difference_safe` against the others, each taken with its own groups of at
    least ``min_group`` shown (assuming more is shown only makes this stricter). A group
    withheld joins the remainder; when the remainder fails, the smallest shown group joins
    it too.
    """
    k = check_min_group(min_group)
    labels = np.asarray(labels, np.int64)
    size = np.bincount(labels[labels >= 0], minlength=1)
    ok = publishable_groups(size, k, outside=int((labels < 0).sum()))
    if not others:
        return ok
    known = [known_groups(o, np.bincount(o[o >= 0], minlength=1) >= k) for o in others]
    while True:
        mine = known_groups(labels, ok)
        failing = [
            g for g in np.flatnonzero(ok).tolist() if not nested_difference_safe(mine, g, known, k)
        ]
        if failing:
            ok[failing] = False
            continue
        rest = len(ok)
        if not (mine == rest).any() or nested_difference_safe(mine, rest, known, k):
            return ok
        shown = np.flatnonzero(ok)
        if not len(shown):
            return ok
        ok[shown[np.argmin(size[shown])]] = False
