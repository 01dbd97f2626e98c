"""A plan's choice problem: items, goal skills, the value of any choice, and pruning.

The value of a choice is the learning value of the whole plan, valued as a list is
(:mod:`recsvc.recommend.list_value`): per goal skill s (need weight ``n_s``), the gains the
chosen items are expected to deliver add up and close the gap up to what is left of it, in
expectation over the person's uncertain true level (gap ``g_sk`` at quadrature node k,
probability ``p_k``):

    value = sum_s n_s sum_k p_k min(g_sk, D_s)      D_s: levels delivered on s

An item's gain on s is what learning value expects (the chance of finishing it x its share
of s x the gain curve at its level step): ``gain`` from the person's level now. A plan
climbs, though: once the chosen items below level L are expected to have brought the
person to L - 1 (``D_s`` from lower levels >= L - 1 - start_s), an item teaching L is one
step above them and delivers ``climb`` (the curve at a step of one) instead. So several
items may be needed for one level, a second item on a gap already closed adds nothing, and
a far-above item is worth its full gain only after the levels below it. A choice over the
budget or missing a prerequisite is worth 0. :func:`closed_value` is the value the solver
(:mod:`~recsvc.recommend.careers.plan_solver`) maximises and the brute-force tests check.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

__all__ = [
    "N_LEVELS",
    "PlanProblem",
    "Tally",
    "climbed",
    "closed_by_skill",
    "closed_value",
    "credited",
    "credited_rows",
    "keeps_prerequisites",
    "prune",
]

#: taught levels are 1..5 (0: the item does not teach the skill)
N_LEVELS = 6

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class PlanProblem:
    """Items and goal skills (indices are positions in these arrays)."""

    duration: FloatArray  # minutes per item
    gain: FloatArray  # items x skills: expected gain (levels) from the level now
    climb: FloatArray  # items x skills: the same once the level below the item's is reached
    level: IntArray  # items x skills: level taught (0: none)
    start: FloatArray  # per skill: the estimated level now
    gap: FloatArray  # skills x nodes: the gap if the true level were at that node
    node_weight: FloatArray  # probability of each node
    weight: FloatArray  # need weight per skill
    requires: list[tuple[int, int]] = field(default_factory=list)  # (item, item it needs)
    budget: float = float("inf")
    reach_tol: float = 0.0  # a level within this counts as reached (for climbs)

    @property
    def n_items(self) -> int:
        return len(self.duration)

    def threshold(self, skill: int, level: int) -> float:
        """Levels the lower items must deliver before an item of ``level`` climbs."""
        return float(level - 1 - self.start[skill] - self.reach_tol)

    @property
    def top(self) -> FloatArray:
        """Per skill, the largest node gap: levels delivered past it are worth nothing."""
        return np.asarray(self.gap.max(axis=1), dtype=np.float64)

    def climbs(self) -> list[tuple[int, int]]:
        """(skill, level) pairs where some item delivers more once the level below is reached."""
        rows, cols = np.nonzero(self.climb > self.gain + 1e-12)
        return sorted({(int(s), int(self.level[i, s])) for i, s in zip(rows, cols, strict=True)})


def closed_by_skill(problem: PlanProblem, delivered: FloatArray) -> FloatArray:
    """Per skill, the gap closed in expectation when items deliver ``delivered`` levels."""
    closed = np.minimum(problem.gap, np.asarray(delivered, np.float64)[:, None])
    return np.asarray(closed @ problem.node_weight, dtype=np.float64)


class Tally:
    """A choice's gains summed per (skill, level): adding or removing an item, and the
    value after, cost a pass over the skills, not over the items."""

    def __init__(self, problem: PlanProblem, chosen: BoolArray) -> None:
        self.problem = problem
        n_s = problem.gain.shape[1]
        rows = np.flatnonzero(chosen)  # a pass over the chosen items only
        gain = problem.gain[rows]
        code = (np.arange(n_s)[None, :] * N_LEVELS + problem.level[rows]).ravel()
        size = n_s * N_LEVELS
        # (float64 even for an empty choice, where bincount would answer int64)
        base = np.bincount(code, gain.ravel(), size).astype(np.float64)
        self.base = base.reshape(n_s, N_LEVELS)
        extra = np.bincount(code, (problem.climb[rows] - gain).ravel(), size).astype(np.float64)
        self.extra = extra.reshape(n_s, N_LEVELS)
        self.cols = np.arange(n_s)
        self.top = problem.top
        self.thr = np.arange(N_LEVELS)[None, :] - 1 - problem.start[:, None] - problem.reach_tol

    def add(self, item: int, sign: float = 1.0) -> None:
        """Count ``item`` in (``sign`` -1: out)."""
        lv = self.problem.level[item]
        self.base[self.cols, lv] += sign * self.problem.gain[item]
        self.extra[self.cols, lv] += sign * (self.problem.climb[item] - self.problem.gain[item])

    def state(self) -> tuple[BoolArray, FloatArray, FloatArray]:
        """Per (skill, level): whether the chosen items of lower levels reach the level
        below (``z``) and the share of the climb extras that counts (capped at the largest
        gap); and per skill, the levels the choice delivers."""
        return _climb(self.base, self.extra, self.thr, self.top)

    def value(self) -> float:
        """Weighted gap the counted items close (budget and prerequisites not checked)."""
        return float(self.problem.weight @ closed_by_skill(self.problem, self.state()[2]))

    def values_without(self, items: IntArray, *, together: bool = False) -> FloatArray:
        """Per item, :meth:`value` with that one item counted out (``together``: with it and
        every item before it counted out): a pass for them all."""
        p = self.problem
        k, cols = np.arange(len(items))[:, None], self.cols[None, :]
        level, gain = p.level[items], p.gain[items]
        less = np.zeros((len(items), *self.base.shape))
        more = np.zeros((len(items), *self.base.shape))
        less[k, cols, level] = gain
        more[k, cols, level] = p.climb[items] - gain
        if together:
            less, more = np.cumsum(less, axis=0), np.cumsum(more, axis=0)
        delivered = _climb(self.base - less, self.extra - more, self.thr, self.top)[2]
        closed = np.minimum(p.gap[None, :, :], delivered[:, :, None]) @ p.node_weight
        return np.asarray(closed @ p.weight, dtype=np.float64)


def _climb(
    base: FloatArray, extra: FloatArray, thr: FloatArray, top: FloatArray
) -> tuple[BoolArray, FloatArray, FloatArray]:
    """:meth:`Tally.state` of per-(skill, level) sums, also for a stack of them (leading
    axes): only whether each level climbs depends on the levels below."""
    z = np.zeros(base.shape, dtype=bool)
    has = extra > 1e-12
    counted = np.minimum(extra, top[:, None])
    share = np.where(has, counted / np.maximum(extra, 1e-300), 1.0)
    delivered = np.zeros(base.shape[:-1])
    for lv in range(1, N_LEVELS):
        z[..., lv] = has[..., lv] & (delivered >= thr[:, lv] - 1e-9)
        delivered += base[..., lv] + np.where(z[..., lv], counted[..., lv], 0.0)
    return z, share, delivered


def climbed(problem: PlanProblem, chosen: BoolArray) -> tuple[BoolArray, FloatArray, FloatArray]:
    """:meth:`Tally.state` of a choice."""
    return Tally(problem, chosen).state()


def credited_rows(problem: PlanProblem, chosen: BoolArray) -> tuple[IntArray, FloatArray]:
    """The chosen items and, per chosen item x skill, the gain it delivers in the plan
    (``climb`` where the levels below its own are reached by the chosen items of lower
    levels, else ``gain``): work in proportion to the choice, not to the problem."""
    c = np.asarray(chosen, dtype=bool)
    z, share, _ = climbed(problem, c)
    rows = np.flatnonzero(c)
    cols = np.arange(problem.gain.shape[1])[None, :]
    level, gain = problem.level[rows], problem.gain[rows]
    bonus = (problem.climb[rows] - gain) * np.where(z[cols, level], share[cols, level], 0.0)
    return rows, np.asarray(gain + bonus, dtype=np.float64)


def credited(problem: PlanProblem, chosen: BoolArray) -> FloatArray:
    """Items x skills: :func:`credited_rows` in place, 0 for the items not chosen."""
    rows, gains = credited_rows(problem, chosen)
    out = np.zeros(problem.gain.shape, dtype=np.float64)
    out[rows] = gains
    return out


def keeps_prerequisites(problem: PlanProblem, chosen: BoolArray) -> bool:
    """Whether every chosen item's prerequisites are chosen too."""
    if not problem.requires:
        return True
    pairs = np.asarray(problem.requires, dtype=np.int64)
    c = np.asarray(chosen, dtype=bool)
    return not bool((c[pairs[:, 0]] & ~c[pairs[:, 1]]).any())


def closed_value(problem: PlanProblem, chosen: BoolArray) -> float:
    """Weighted gap a choice closes (0 if it breaks the budget or a prerequisite)."""
    c = np.asarray(chosen, dtype=bool)
    if float(problem.duration[c].sum()) > problem.budget + 1e-6:
        return 0.0
    if not keeps_prerequisites(problem, c):
        return 0.0
    delivered = credited_rows(problem, c)[1].sum(axis=0)
    return float(problem.weight @ closed_by_skill(problem, delivered))


def _max_count(duration: FloatArray, budget: float) -> int:
    """The most items any plan within ``budget`` can hold (the shortest first)."""
    if not math.isfinite(budget):
        return len(duration)
    return int(np.searchsorted(np.cumsum(np.sort(duration)), budget + 1e-9, side="right"))


def prune(problem: PlanProblem) -> BoolArray:
    """Items an optimal plan may need: the others are left out before solving.

    Item a *beats* item b that teaches one goal skill when a teaches that skill at the same
    level, delivers at least as much of it (``gain`` and ``climb``), takes no longer and
    needs no prerequisite (ties: the lower index). If b is beaten by at least ``K`` items,
    with ``K`` the most items a plan can hold or enough copies of b's gain to pass the
    skill's largest node gap, an optimal plan never needs b: either one of its beaters is
    left out (swap it in: no less value on any level, no more time) or they are all in and
    b adds nothing. Prerequisites of kept items are kept (items teaching several goal
    skills are kept as they are). Exact: the tests compare with and without it.
    """
    n = problem.n_items
    keep = np.ones(n, dtype=bool)
    if n < 2:
        return keep
    pairs = np.asarray(problem.requires, dtype=np.int64).reshape(-1, 2)
    free = np.ones(n, dtype=bool)  # needs no prerequisite still to take
    free[pairs[:, 0]] = False
    support = problem.climb > 0
    single = support.sum(axis=1) == 1
    most = _max_count(problem.duration, problem.budget)
    # every (item, skill) it teaches, grouped by (skill, level), each group from shortest
    # (most gain, most climb, lowest index) to longest: whoever comes first in a group
    # beats a later item delivering no less, ties included
    rows, cols = np.nonzero(support)
    g, c = problem.gain[rows, cols], problem.climb[rows, cols]
    code = cols * N_LEVELS + problem.level[rows, cols]
    order = np.lexsort((rows, -c, -g, problem.duration[rows], code))
    rows, cols, code, g, c = rows[order], cols[order], code[order], g[order], c[order]
    starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    ends = np.r_[starts[1:], len(code)]
    group = np.repeat(np.arange(len(starts)), ends - starts)
    is_a = free[rows]
    seen = np.cumsum(is_a)
    before = seen - is_a - (seen[starts] - is_a[starts])[group]  # a's earlier in the group
    with np.errstate(divide="ignore"):
        copies = np.where(g > 0, np.ceil(problem.top[cols] / g - 1e-9), np.inf)
    needed = np.minimum(float(most), np.maximum(copies, 1.0))
    # only single-skill items with enough a's before them to be beaten often enough
    is_b = single[rows] & (needed <= before)
    climbs = np.bincount(group, c != g, len(starts)) > 0
    a_pos = np.flatnonzero(is_a)
    for k in np.flatnonzero(np.bincount(group[is_b], minlength=len(starts))).tolist():
        lo, hi = int(starts[k]), int(ends[k])
        b_at = lo + np.flatnonzero(is_b[lo:hi])
        a_at = a_pos[np.searchsorted(a_pos, lo) : np.searchsorted(a_pos, b_at[-1])]
        beats = (a_at[:, None] < b_at[None, :]) & (g[a_at, None] >= g[None, b_at])
        if climbs[k]:
            beats &= c[a_at, None] >= c[None, b_at]
        keep[rows[b_at[np.count_nonzero(beats, axis=0) >= needed[b_at]]]] = False
    keep &= support.any(axis=1)
    while len(pairs):  # prerequisites of kept items come along (transitively)
        pulled = keep[pairs[:, 0]] & ~keep[pairs[:, 1]]
        if not pulled.any():
            break
        keep[pairs[pulled, 1]] = True
    return keep
