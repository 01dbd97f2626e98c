"""Item-based k-nearest-neighbours on co-enrolment (cosine): the classic CF baseline."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc.models.base import FloatArray, binarize, check_fitted
from recsvc.models.content import graph_from_neighbours, knn_graph

__all__ = ["ItemKNN"]


class ItemKNN:
    """Score = sum of cosine similarities to the items in a history (Sarwar et al., 2001).

    Two items are similar when the same employees took them: cosine between their binary
    employee columns. Only each item's ``n_neighbours`` most similar items are kept, so the
    model is a sparse items x items graph and works at any catalogue size.

    Parameters
    ----------
    n_neighbours
        Neighbours kept per item; the usual 50-200 range matters little for the top 10.
    block_size
        Rows of the similarity computed at a time (bounds memory, see ``knn_graph``).
    """

    def __init__(self, n_neighbours: int = 100, block_size: int = 512) -> None:
        self.n_neighbours = n_neighbours
        self.block_size = block_size

    def fit(self, interactions: sp.csr_matrix) -> Self:
        """Learn the neighbour graph from employees x items (positive entries count)."""
        x = binarize(interactions)
        columns = x.T.tocsr()  # items x employees
        norms = np.sqrt(np.asarray(columns.sum(axis=1)).ravel())  # binary: |v|^2 = row sum
        inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        unit = sp.csr_matrix(sp.diags(inv.astype(np.float32)) @ columns, dtype=np.float32)
        neighbours, similarity = knn_graph(unit, self.n_neighbours, self.block_size)
        self.similarity_ = graph_from_neighbours(neighbours, similarity).T.tocsr()
        return self

    def score(self, history: sp.csr_matrix) -> FloatArray:
        """Employees x items scores for binary history rows (request history folds in)."""
        check_fitted(self, "similarity_")
        h = binarize(history)
        return np.asarray((h @ self.similarity_).toarray(), dtype=np.float32)

    def to_arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        check_fitted(self, "similarity_")
        s = self.similarity_
        return {
            "data": s.data,
            "indices": s.indices,
            "indptr": s.indptr,
            "shape": np.asarray(s.shape, dtype=np.int64),
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, npt.NDArray[np.generic]]) -> Self:
        model = cls()
        shape = tuple(int(v) for v in np.asarray(arrays["shape"]))
        model.similarity_ = sp.csr_matrix(
            (arrays["data"], arrays["indices"], arrays["indptr"]), shape=shape
        )
        return model
