"""Learning value of a list, not of items one by one: a gap closed above is not closed twice.

Each item's learning value (:mod:`recsvc.recommend.value`) assumes it is the only thing
the person learns. In a list, the third course on the same gap adds little once the first
two are taken, while the first item on the next gap adds its full value. The value of a
list is a capped sum per skill (monotone and submodular), so the list is built greedily:
each step takes the item with the largest *marginal* value times the engagement term, then
lowers the remaining gap of every skill that item teaches by what it is expected to teach
(its gain, times the chance the person finishes it). Greedy is within ``1 - 1/e`` of the
best list for such a value and costs a few vector passes over a small pool per pick.

The expectation over the uncertain level stays exact at each quadrature node: the marginal
value of gain ``b`` after ``a`` is ``min(max(gap - a, 0), b)`` at every node. An item whose
effect was never measured is valued over its likely effects as well
(:func:`~recsvc.recommend.value.effect_prior`); what it lowers the gap by, once picked, is
its mean gain.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from recsvc.models.base import FloatArray
from recsvc.recommend.value import MIN_VALUE, LearningValue, SkillNeed, effect_node_weights

__all__ = ["greedy_list"]

Int64Array = npt.NDArray[np.int64]


def greedy_list(
    values: LearningValue,
    need: SkillNeed,
    pool: Int64Array,
    finish: FloatArray,
    boost: FloatArray,
    *,
    k: int,
    durations: FloatArray,
    budget: float | None = None,
) -> tuple[Int64Array, FloatArray]:
    """Up to ``k`` of ``pool`` in greedy order of marginal value times ``boost``.

    ``boost`` (the engagement term) is per pool item; ``finish`` (the chance the person
    finishes each item) and ``durations`` are per item of the catalogue. Returns the picked
    items and their key (marginal value times boost) when picked: non-increasing, since
    marginal values only shrink. Stops when no item left adds :data:`MIN_VALUE` or fits
    the budget.
    """
    pool = np.asarray(pool, dtype=np.int64)
    if k <= 0 or len(pool) == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.float32)
    owner, pos = values.entries(pool)
    gain = values.entry_gain_nodes(need, pos)  # entries x equally likely effects
    skill = values.item_skill[pos]
    cover = values.item_weight[pos]  # how much of the item teaches this skill
    weight = cover * need.skill_factor()[skill]  # ... and how much that skill is needed
    live = weight > 0
    owner, skill = owner[live], skill[live]
    gain, cover, weight = gain[live], cover[live], weight[live]
    involved, local = _compact(skill, values.n_skills)
    gap = np.array(need.gap_at_nodes[involved], dtype=np.float32)  # remaining, per node
    # entries stay grouped by owner: each item's entries are one slice
    bounds = np.zeros(len(pool) + 1, dtype=np.int64)
    np.cumsum(np.bincount(owner, minlength=len(pool)), out=bounds[1:])
    gain_col = gain[:, :, None]  # entries x likely effects x level nodes
    node_weights = effect_node_weights(gain)
    taught = np.asarray(finish, np.float32)[pool]  # expected share of the gain delivered
    pull = taught * boost  # the key per unit of weighted gain
    # what each entry lowers its skill's gap by, should its item be picked
    delivered = (taught[owner] * cover * gain.mean(axis=1))[:, None]
    left = np.inf if budget is None else float(budget)
    dur = np.asarray(durations, np.float64)[pool]
    if not np.isfinite(dur).all():
        dur = np.nan_to_num(dur)
    open_ = dur <= left + 1e-9  # still free, fits what is left of the budget, adds value
    n_open = int(np.count_nonzero(open_))
    blocked = np.where(open_, 0.0, -np.inf)  # added to the keys: taken or too long never wins
    floor = (MIN_VALUE * boost).tolist()  # below this a marginal value never returns
    edges = bounds.tolist()
    picked: list[int] = []
    keys: list[float] = []
    # Each pass is a dozen vector operations on a few hundred numbers, where numpy's
    # per-call overhead is most of the cost: hence ufunc methods rather than the wrapper
    # functions, Python scalars for what one pick reads, nothing recomputed that a pick
    # does not change.
    while len(picked) < k and n_open:
        # an elementwise sum, not ``@``: BLAS on these tiny float32 blocks raised spurious
        # "invalid value" flags on finite inputs in some installs (CI's fresh one)
        at = np.minimum(gap[local][:, None, :], gain_col) * node_weights
        closed = np.add.reduce(at, axis=(1, 2))
        key = np.bincount(owner, weights=weight * closed, minlength=len(pool)) * pull + blocked
        j = int(key.argmax())
        best = float(key[j])
        if best < 0:
            break
        open_[j] = False
        blocked[j] = -np.inf
        n_open -= 1
        if best < floor[j]:
            continue
        picked.append(j)
        keys.append(best)
        if budget is not None:
            left -= dur[j]
            open_ &= dur <= left + 1e-9
            blocked[~open_] = -np.inf
            n_open = int(np.count_nonzero(open_))
        lo, hi = edges[j], edges[j + 1]  # an item teaches each skill once
        rows = local[lo:hi]
        gap[rows] = np.maximum(gap[rows] - delivered[lo:hi], 0.0)
    return pool[np.asarray(picked, dtype=np.int64)], np.asarray(keys, np.float32)


def _compact(codes: Int64Array, n_codes: int) -> tuple[Int64Array, Int64Array]:
    """``np.unique(codes, return_inverse=True)`` for codes below ``n_codes``, without a sort."""
    seen = np.zeros(n_codes, dtype=bool)
    seen[codes] = True
    unique = np.flatnonzero(seen)
    position = np.zeros(n_codes, dtype=np.int64)
    position[unique] = np.arange(len(unique))
    return unique, position[codes]
