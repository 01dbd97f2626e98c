"""Maximal marginal relevance over skills and formats, filling an optional time budget."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc.models.base import FloatArray

__all__ = ["DENSE_LIMIT", "SKILL_SHARE", "diversity_vectors", "mmr"]

#: similarity of two items = SKILL_SHARE * cosine(skills) + (1 - SKILL_SHARE) * same format
SKILL_SHARE = 0.7
DENSE_LIMIT = 8_000_000  # items x dimensions kept dense (32 MB of float32)


def diversity_vectors(
    content_skill_weight: sp.csr_matrix, content_format: npt.NDArray[np.int8]
) -> sp.csr_matrix | npt.NDArray[np.float32]:
    """Items x (skills + formats) rows whose dot product is the MMR similarity."""
    w = sp.csr_matrix(content_skill_weight, dtype=np.float32)
    norms = np.sqrt(np.asarray(w.multiply(w).sum(axis=1)).ravel())
    inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
    skills = sp.diags(inv.astype(np.float32) * np.sqrt(SKILL_SHARE)) @ w
    n = w.shape[0]
    codes = np.asarray(content_format, dtype=np.int64)
    has = codes >= 0
    n_formats = int(codes.max()) + 1 if has.any() else 1
    fmt = sp.csr_matrix(
        (
            np.full(int(has.sum()), np.sqrt(1.0 - SKILL_SHARE), np.float32),
            (np.flatnonzero(has), codes[has]),
        ),
        shape=(n, n_formats),
    )
    out = sp.hstack([skills, fmt], format="csr", dtype=np.float32)
    # small catalogues: dense rows make the per-request pool slice ~10x cheaper
    if out.shape[0] * out.shape[1] <= DENSE_LIMIT:
        return np.asarray(out.toarray(), dtype=np.float32)
    return out


def mmr(
    pool: npt.NDArray[np.int64],
    relevance: FloatArray,
    vectors: sp.csr_matrix | npt.NDArray[np.float32],
    *,
    k: int,
    diversity: float,
    durations: FloatArray | None = None,
    budget: float | None = None,
) -> npt.NDArray[np.int64]:
    """Pick up to ``k`` of ``pool`` by ``(1 - diversity) * rel - diversity * max sim``.

    ``relevance`` is rescaled to [0, 1] within the pool so ``diversity`` means the same for
    every model. With ``budget``, an item is only picked while the total duration stays
    within it. ``diversity = 0`` keeps the relevance order. Ties go to the earlier pool
    position.
    """
    n = len(pool)
    if n == 0 or k <= 0:
        return np.zeros(0, dtype=np.int64)
    rel = np.asarray(relevance, dtype=np.float64)
    low = rel.min()
    span = rel.max() - low
    rel = (rel - low) / span if span > 0 else np.ones(n)
    lam = min(max(float(diversity), 0.0), 1.0)  # np.clip on a scalar costs 10 us
    if budget is None and lam == 0.0 and bool(np.all(rel[:-1] >= rel[1:])):
        return pool[: min(k, n)].astype(np.int64, copy=False)  # argmax order is pool order
    # lam * max(sims) == max(lam * sims) exactly (rounding is monotone), so the penalty
    # matrix is scaled once and the loop is three cheap vector operations per pick
    gain = (1.0 - lam) * rel
    penalty: npt.NDArray[np.float64] | None = None
    if lam > 0:
        v = vectors[pool]
        prod: Any = v @ v.T
        penalty = lam * np.asarray(prod.toarray() if sp.issparse(prod) else prod, np.float64)
    dur: npt.NDArray[np.float64] | None = None
    if budget is not None:
        dur = np.zeros(n) if durations is None else np.nan_to_num(np.asarray(durations, float))
    chosen: list[int] = []
    max_pen = np.zeros(n)
    if dur is None:  # no budget: every free item fits, so each pick is one argmax
        value = gain - max_pen
        for _ in range(min(k, n)):
            best = int(value.argmax())
            chosen.append(best)
            gain[best] = -np.inf
            if penalty is not None:
                np.maximum(max_pen, penalty[best], out=max_pen)
            np.subtract(gain, max_pen, out=value)
        return pool[np.asarray(chosen, dtype=np.int64)]
    remaining = float(budget) if budget is not None else np.inf
    while len(chosen) < min(k, n):
        value = gain - max_pen
        value[dur > remaining + 1e-9] = -np.inf
        best = int(value.argmax())
        if value[best] == -np.inf:
            break
        chosen.append(best)
        gain[best] = -np.inf
        remaining -= dur[best]
        if penalty is not None:
            np.maximum(max_pen, penalty[best], out=max_pen)
    return pool[np.asarray(chosen, dtype=np.int64)]
