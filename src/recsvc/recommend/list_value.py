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
value of gain ``b`` after ``a`` is ``min(max(gap - a, 0), b)`` at every node.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from recsvc.models.base import FloatArray
from recsvc.recommend.value import MIN_VALUE, NODE_WEIGHTS, LearningValue, SkillNeed

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
    gain = values.entry_gain(need, pos)
    skill = values.item_skill[pos]
    cover = values.item_weight[pos]  # how much of the item teaches this skill
    weight = cover * need.skill_factor()[skill]  # ... and how much that skill is needed
    live = weight > 0
    owner, skill = owner[live], skill[live]
    gain, cover, weight = gain[live], cover[live], weight[live]
    involved, local = np.unique(skill, return_inverse=True)
    gap = np.array(need.gap_at_nodes[involved], dtype=np.float32)  # remaining, per node
    fin = np.asarray(finish, np.float32)[pool]
    left = np.inf if budget is None else float(budget)
    dur = np.nan_to_num(np.asarray(durations, np.float64)[pool])
    free = np.ones(len(pool), dtype=bool)
    picked: list[int] = []
    keys: list[float] = []
    while len(picked) < min(k, len(pool)):
        closed = np.minimum(gap[local], gain[:, None]) @ NODE_WEIGHTS
        marginal = np.bincount(owner, weights=weight * closed, minlength=len(pool)) * fin
        key = np.where(free & (dur <= left + 1e-9) & (marginal >= MIN_VALUE), marginal * boost, -1)
        j = int(np.argmax(key))
        if key[j] < 0:
            break
        picked.append(j)
        keys.append(float(key[j]))
        free[j] = False
        left -= dur[j]
        mine = owner == j
        np.subtract.at(gap, local[mine], (fin[j] * cover[mine] * gain[mine])[:, None])
        np.maximum(gap, 0.0, out=gap)
    return pool[np.asarray(picked, dtype=np.int64)], np.asarray(keys, np.float32)
