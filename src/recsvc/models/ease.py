"""EASE (Steck, 2019): the closed-form item-item model, strong on small catalogues."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc.models.base import FloatArray, binarize, check_fitted

__all__ = ["EASE", "EASE_MAX_ITEMS"]

#: beyond this the dense items x items inverse costs too much: O(n^3) time (~20 s at 10k items
#: on 2 cores, 8x that at 20k, per tuning trial) and 3 dense n x n copies in memory
EASE_MAX_ITEMS = 10_000


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
