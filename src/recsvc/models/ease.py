"""EASE (Steck, 2019): the closed-form item-item model, strong on small catalogues."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc.models.base import FloatArray, binarize, check_fitted

__all__ = ["EASE", "EASE_MAX_ITEMS", "ease_bytes", "ease_skip_reason"]

#: beyond this the dense items x items inverse costs too much: O(n^3) time (~20 s at 10k items
#: on 2 cores, 8x that at 20k, per tuning trial) and 3 dense n x n copies in memory
EASE_MAX_ITEMS = 10_000
#: the share of the machine's available memory a fit may take
EASE_MEMORY_SHARE = 0.5


def ease_bytes(n_items: int) -> int:
    """Peak bytes of one fit: the float64 Gram matrix, LAPACK's copy, the inverse and B."""
    return 32 * n_items * n_items


def _available_bytes() -> int | None:
    """MemAvailable from /proc/meminfo (Linux), else free physical pages; None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None


def ease_skip_reason(n_items: int, available: int | None = -1) -> str | None:
    """Why EASE cannot be fitted on this catalogue here (None: it can).

    Too many items makes the cubic inverse too slow; too little memory for its dense
    matrices would swap or kill the trainer. ``available`` defaults to what the machine has
    now (tests pass their own figure; None means unknown, and only the item cap applies).
    """
    if n_items > EASE_MAX_ITEMS:
        return (
            f"{n_items:,} items > {EASE_MAX_ITEMS:,} (its items x items inverse is cubic in items)"
        )
    have = _available_bytes() if available == -1 else available
    need = ease_bytes(n_items)
    if have is not None and need > EASE_MEMORY_SHARE * have:
        return (
            f"{n_items:,} items need ~{need / 2**30:.1f} GiB for its dense matrices, more "
            f"than {EASE_MEMORY_SHARE:.0%} of the {have / 2**30:.1f} GiB available"
        )
    return None


class EASE:
    """``B = I - P / diag(P)`` with ``P = (X^T X + l2 I)^-1`` on binary positive interactions.

    Scores are ``x @ B`` for a binary history row ``x``, so request-time history folds in for
    free. The trainer skips EASE (and says so in the manifest) above ``EASE_MAX_ITEMS``.
    """

    def __init__(self, l2: float = 500.0) -> None:
        self.l2 = l2

    def fit(self, interactions: sp.csr_matrix) -> Self:
        x = binarize(interactions)
        n = x.shape[1]
        if n > EASE_MAX_ITEMS:
            raise ValueError(f"EASE needs n_items <= {EASE_MAX_ITEMS}, got {n}")
        g = (x.T @ x).toarray().astype(np.float64)
        g[np.diag_indices(n)] += self.l2
        p = np.linalg.inv(g)
        b = -p / np.diag(p)[None, :]
        b[np.diag_indices(n)] = 0.0
        self.item_weights_ = b.astype(np.float32)
        return self

    def score(self, history: sp.csr_matrix) -> FloatArray:
        check_fitted(self, "item_weights_")
        return np.asarray(binarize(history) @ self.item_weights_, dtype=np.float32)

    def to_arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        check_fitted(self, "item_weights_")
        return {"item_weights": self.item_weights_}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, npt.NDArray[np.generic]]) -> Self:
        model = cls()
        model.item_weights_ = np.asarray(arrays["item_weights"], dtype=np.float32)
        return model
