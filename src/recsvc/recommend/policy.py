"""The ranking policy: need first, engagement to order and fill, as the request's objective says.

- ``need`` (default): the items with learning value (:data:`~recsvc.recommend.value.
  MIN_VALUE` or more) come first, ordered by ``value * probability ** 0.2`` where the
  probability is the engagement model's chance that this person takes the item: need
  leads and the chance breaks near-ties (a tenfold likelier item counts as 1.6 times the
  value), as "popularity and people like you only break ties"; items without value only
  fill the list once no need is left, ordered by engagement.
- ``balanced``: one list ordered by the mean of value and engagement, each scaled to [0, 1]
  over the allowed items.
- ``engagement``: ordered by the engagement probability alone.

Diversity (MMR) re-ranks within a tier, never across: a fill-in never moves above an item
with learning value. ``score`` is in [0, 1] and non-increasing with rank: in the need
objective, items with value score in (0.5, 1] and fill-ins in [0, 0.5].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc.models.base import FloatArray, top_k
from recsvc.recommend.diversify import mmr
from recsvc.recommend.value import MIN_VALUE

__all__ = ["MIN_POOL", "POOL_FACTOR", "Ranked", "rank_items"]

#: MMR re-ranks the best max(MIN_POOL, POOL_FACTOR * k) allowed items of a tier
MIN_POOL = 50
POOL_FACTOR = 5

Int64Array = npt.NDArray[np.int64]

#: how much the chance of taking an item weighs against its learning value: the order is
#: ``value * probability ** ENGAGEMENT_EXPONENT``
ENGAGEMENT_EXPONENT = 0.2


@dataclass(frozen=True)
class Ranked:
    """Chosen items in rank order, with their scores and which ones have learning value."""

    items: Int64Array
    scores: FloatArray
    has_value: npt.NDArray[np.bool_]


def _sigmoid(x: FloatArray) -> FloatArray:
    return (0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, np.float64)))).astype(np.float32)


def engagement_probability(logits: FloatArray, slope: float, intercept: float) -> FloatArray:
    """The ranker's log-odds as a calibrated probability in [0, 1]."""
    return _sigmoid(np.float32(slope) * logits + np.float32(intercept))


def _pick(
    candidates: Int64Array,
    key: FloatArray,
    k: int,
    diversity: float,
    vectors: sp.csr_matrix | npt.NDArray[np.float32],
    durations: FloatArray,
    budget: float | None,
) -> Int64Array:
    if k <= 0 or len(candidates) == 0:
        return np.zeros(0, dtype=np.int64)
    pool = candidates[top_k(key[candidates], max(MIN_POOL, POOL_FACTOR * k))]
    return mmr(
        pool,
        key[pool],
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


def rank_items(
    allowed: Int64Array | npt.NDArray[np.bool_],
    value: FloatArray,
    probability: FloatArray,
    *,
    objective: str,
    k: int,
    diversity: float,
    vectors: sp.csr_matrix | npt.NDArray[np.float32],
    durations: FloatArray,
    budget: float | None = None,
) -> Ranked:
    """Up to ``k`` of ``allowed`` (indices or a mask) in the objective's order (see the
    module docstring)."""
    has_value = value >= MIN_VALUE
    ok: npt.NDArray[np.bool_]
    if allowed.dtype == np.bool_:
        ok = np.asarray(allowed, dtype=bool)
    else:
        ok = np.zeros(len(value), dtype=bool)
        ok[allowed] = True
    if objective == "engagement":
        candidates = np.flatnonzero(ok)
        chosen = _pick(candidates, probability, k, diversity, vectors, durations, budget)
        score = _scaled(probability, candidates, chosen)
    elif objective == "balanced":
        candidates = np.flatnonzero(ok)
        key = (0.5 * _scaled(value, candidates) + 0.5 * _scaled(probability, candidates)).astype(
            np.float32
        )
        chosen = _pick(candidates, key, k, diversity, vectors, durations, budget)
        score = key[chosen]
    else:
        need = np.flatnonzero(ok & has_value)
        key = np.zeros(len(value), dtype=np.float32)
        key[need] = value[need] * probability[need] ** np.float32(ENGAGEMENT_EXPONENT)
        first = _pick(need, key, k, diversity, vectors, durations, budget)
        spent = float(np.nan_to_num(durations[first]).sum())
        left = None if budget is None else budget - spent
        if len(first) < k:
            rest = np.flatnonzero(ok & ~has_value)
            fill = _pick(rest, probability, k - len(first), diversity, vectors, durations, left)
        else:
            rest = fill = np.zeros(0, dtype=np.int64)
        chosen = np.concatenate([first, fill]).astype(np.int64)
        score = np.concatenate(
            [0.5 + 0.5 * _scaled(key, need, first), 0.5 * _scaled(probability, rest, fill)]
        )
    score = np.minimum.accumulate(np.clip(np.asarray(score, np.float32), 0.0, 1.0))
    return Ranked(chosen, score.astype(np.float32), has_value[chosen])
