"""The ranking policy: need first, engagement to order and fill, as the request's objective says.

- ``need`` (default): the items with learning value (:data:`~recsvc.recommend.value.
  MIN_VALUE` or more) come first, ordered by value times the engagement probability (how
  likely this person is to take the item); items without value only fill the list once no
  need is left, ordered by engagement.
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


def _scaled(x: FloatArray, allowed: Int64Array) -> FloatArray:
    top = float(x[allowed].max()) if len(allowed) else 0.0
    return (x / top).astype(np.float32) if top > 0 else np.zeros_like(x)


def rank_items(
    allowed: Int64Array,
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
    """Up to ``k`` of ``allowed`` in the objective's order (see the module docstring)."""
    has_value = value >= MIN_VALUE
    if objective == "engagement":
        key = probability
        chosen = _pick(allowed, key, k, diversity, vectors, durations, budget)
        score = _scaled(key, allowed)[chosen]
    elif objective == "balanced":
        key = (0.5 * _scaled(value, allowed) + 0.5 * _scaled(probability, allowed)).astype(
            np.float32
        )
        chosen = _pick(allowed, key, k, diversity, vectors, durations, budget)
        score = key[chosen]
    else:
        need = allowed[has_value[allowed]]
        key = (value * probability**ENGAGEMENT_EXPONENT).astype(np.float32)
        first = _pick(need, key, k, diversity, vectors, durations, budget)
        spent = float(np.nan_to_num(durations[first]).sum())
        rest = allowed[~has_value[allowed]]
        left = None if budget is None else budget - spent
        fill = _pick(rest, probability, k - len(first), diversity, vectors, durations, left)
        chosen = np.concatenate([first, fill]).astype(np.int64)
        score = np.concatenate(
            [0.5 + 0.5 * _scaled(key, need)[first], 0.5 * _scaled(probability, rest)[fill]]
        )
    score = np.minimum.accumulate(np.clip(np.asarray(score, np.float32), 0.0, 1.0))
    return Ranked(chosen, score.astype(np.float32), has_value[chosen])
