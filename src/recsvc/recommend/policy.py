"""The ranking policy: need first, engagement to order and fill, as the request's objective says.

- ``need`` (default): items with learning value (:data:`~recsvc.recommend.value.
  MIN_VALUE` or more) come first, chosen as a list rather than one by one
  (:func:`~recsvc.recommend.list_value.greedy_list`): each place goes to the item with the
  largest *marginal* value (what it adds to the gaps the items above leave open) times
  ``ENGAGEMENT_FLOOR + (1 - ENGAGEMENT_FLOOR) * p / p_max``, where ``p`` is the engagement
  model's chance that this person takes it and ``p_max`` that of the likeliest valued item.
  The chance breaks near-ties but can at most halve an item's key, so twice the need always
  wins ("popularity and people like you only break ties"); a bounded factor also keeps the
  tiny, far-apart chances of small organisations from overruling need. Once no item adds
  value, the rest of the list fills by engagement.
- ``balanced``: one list ordered by the mean of value and engagement, each scaled to [0, 1]
  over the allowed items.
- ``engagement``: ordered by the engagement probability alone.

Diversity (MMR) re-ranks within a tier, never across: a fill-in never moves above an item
with learning value. ``score`` is in [0, 1] and non-increasing with rank: in the need
objective, items with value score in (0.5, 1] and fill-ins in [0, 0.5].
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc.models.base import FloatArray, top_k
from recsvc.recommend.diversify import mmr
from recsvc.recommend.value import MIN_VALUE

__all__ = [
    "ENGAGEMENT_FLOOR",
    "MIN_POOL",
    "POOL_FACTOR",
    "Chance",
    "NeedPicker",
    "Ranked",
    "rank_items",
]

#: MMR re-ranks the best max(MIN_POOL, POOL_FACTOR * k) allowed items of a tier
MIN_POOL = 50
POOL_FACTOR = 5

Int64Array = npt.NDArray[np.int64]

#: picks the need tier of a list: (pool, engagement boost per pool item, k, time budget)
#: -> (items in order, their key when picked); see :func:`~recsvc.recommend.list_value.greedy_list`
NeedPicker = Callable[[Int64Array, FloatArray, int, float | None], tuple[Int64Array, FloatArray]]

#: the engagement factor of the need order at zero chance (1 at the likeliest valued item)
ENGAGEMENT_FLOOR = 0.5


@dataclass(frozen=True)
class Ranked:
    """Chosen items in rank order, with their scores and which ones have learning value."""

    items: Int64Array
    scores: FloatArray
    has_value: npt.NDArray[np.bool_]


def _sigmoid(x: FloatArray) -> FloatArray:
    return (0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, np.float64)))).astype(np.float32)


@dataclass(frozen=True, eq=False)
class Chance:
    """The calibrated chance that the person takes each item, computed only where asked.

    ``sigmoid(slope * logits + intercept)`` is monotone in the logits, so lists are cut by
    the logits and the probability is computed for the few items that need it.
    """

    logits: FloatArray
    slope: float = 1.0
    intercept: float = 0.0

    def at(self, items: Int64Array) -> FloatArray:
        z = self.logits[items]
        return _sigmoid(np.float32(self.slope) * z + np.float32(self.intercept))


def _pick(
    candidates: Int64Array,
    order: FloatArray,
    k: int,
    diversity: float,
    vectors: sp.csr_matrix | npt.NDArray[np.float32],
    durations: FloatArray,
    budget: float | None,
    relevance: Callable[[Int64Array], FloatArray] | None = None,
) -> Int64Array:
    """MMR over the best of ``candidates`` by ``order``, with ``relevance`` (default: order)."""
    if k <= 0 or len(candidates) == 0:
        return np.zeros(0, dtype=np.int64)
    pool = candidates[top_k(order[candidates], max(MIN_POOL, POOL_FACTOR * k))]
    return mmr(
        pool,
        order[pool] if relevance is None else relevance(pool),
        vectors,
        k=k,
        diversity=diversity,
        durations=durations[pool],
        budget=budget,
    )


def _scaled(x: FloatArray, over: Int64Array, at: Int64Array | None = None) -> FloatArray:
    """``x`` divided by its largest value over ``over``, at ``at`` (default: everywhere)."""
    top = float(x[over].max()) if len(over) else 0.0
    part = x if at is None else x[at]
    return (part / top).astype(np.float32) if top > 0 else np.zeros_like(part)


def _by_chance(
    candidates: Int64Array,
    chance: Chance,
    k: int,
    diversity: float,
    vectors: sp.csr_matrix | npt.NDArray[np.float32],
    durations: FloatArray,
    budget: float | None,
) -> tuple[Int64Array, FloatArray]:
    """Up to ``k`` of ``candidates`` by chance, and their chance over the best one's."""
    chosen = _pick(candidates, chance.logits, k, diversity, vectors, durations, budget, chance.at)
    if len(chosen) == 0:
        return chosen, np.zeros(0, np.float32)
    best = candidates[np.argmax(chance.logits[candidates])]
    top = float(chance.at(np.array([best]))[0])
    return chosen, (chance.at(chosen) / top if top > 0 else np.zeros(len(chosen), np.float32))


def rank_items(
    allowed: Int64Array | npt.NDArray[np.bool_],
    value: FloatArray,
    chance: Chance,
    *,
    objective: str,
    k: int,
    diversity: float,
    vectors: sp.csr_matrix | npt.NDArray[np.float32],
    durations: FloatArray,
    budget: float | None = None,
    pick_need: NeedPicker | None = None,
) -> Ranked:
    """Up to ``k`` of ``allowed`` (indices or a mask) in the objective's order (see the
    module docstring). ``durations`` are minutes, 0 where unknown (never NaN).
    ``pick_need`` chooses the need tier from a pool (the engine passes the greedy list
    value); without it, items are taken one by one by ``value`` times the engagement
    factor, with MMR."""
    has_value = value >= MIN_VALUE
    ok: npt.NDArray[np.bool_]
    if allowed.dtype == np.bool_:
        ok = np.asarray(allowed, dtype=bool)
    else:
        ok = np.zeros(len(value), dtype=bool)
        ok[allowed] = True
    if objective == "engagement":
        args = (diversity, vectors, durations, budget)
        chosen, score = _by_chance(np.flatnonzero(ok), chance, k, *args)
    elif objective == "balanced":
        candidates = np.flatnonzero(ok)
        probability = np.zeros(len(value), dtype=np.float32)
        probability[candidates] = chance.at(candidates)
        key = (0.5 * _scaled(value, candidates) + 0.5 * _scaled(probability, candidates)).astype(
            np.float32
        )
        chosen = _pick(candidates, key, k, diversity, vectors, durations, budget)
        score = key[chosen]
    else:
        need = np.flatnonzero(ok & has_value)
        boost = np.zeros(len(value), dtype=np.float32)
        if len(need):
            p = chance.at(need)
            top = float(p.max())
            rel = p / np.float32(top) if top > 0 else np.ones_like(p)
            boost[need] = ENGAGEMENT_FLOOR + (1.0 - ENGAGEMENT_FLOOR) * rel
        key = (value * boost).astype(np.float32)
        if pick_need is None:
            first = _pick(need, key, k, diversity, vectors, durations, budget)
            first_key = key[first]
        else:
            pool = need[top_k(key[need], max(MIN_POOL, POOL_FACTOR * k))]
            picked, picked_key = pick_need(pool, boost[pool], k, budget)
            order = mmr(
                np.arange(len(picked)),
                picked_key,
                vectors[picked],
                k=len(picked),
                diversity=diversity,
            )
            first, first_key = picked[order], picked_key[order]
        has_value = np.zeros(len(value), dtype=bool)
        has_value[first] = True
        spent = float(durations[first].sum())
        left = None if budget is None else budget - spent
        fill, fill_score = _by_chance(
            np.flatnonzero(ok & ~has_value) if len(first) < k else np.zeros(0, np.int64),
            chance,
            k - len(first),
            diversity,
            vectors,
            durations,
            left,
        )
        chosen = np.concatenate([first, fill]).astype(np.int64)
        top = float(first_key.max()) if len(first) else 0.0
        scaled = first_key / top if top > 0 else np.zeros(len(first), np.float32)
        score = np.concatenate([0.5 + 0.5 * scaled, 0.5 * fill_score])
    score = np.minimum.accumulate(np.asarray(score, np.float32).clip(0.0, 1.0))
    return Ranked(chosen, score.astype(np.float32), has_value[chosen])
