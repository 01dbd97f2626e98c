"""Item-based k-nearest-neighbours on co-enrolment (cosine or BM25): the classic CF candidate."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Literal, Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc.models.base import FloatArray, binarize, check_fitted
from recsvc.models.content import graph_from_neighbours, knn_graph

__all__ = ["KNN_KINDS", "ItemKNN"]

KnnKind = Literal["cosine", "bm25"]
KNN_KINDS: tuple[KnnKind, ...] = ("cosine", "bm25")


class ItemKNN:
    """Score = sum of cosine similarities to the items in a history (Sarwar et al., 2001).

    Two items are similar when the same employees took them: cosine between their binary
    employee columns. Only each item's ``n_neighbours`` most similar items are kept, so the
    model is a sparse items x items graph and works at any catalogue size.

    ``kind="bm25"`` uses implicit's ``BM25Recommender`` instead: co-enrolments weighted by
    BM25 (an item taken by everyone counts less, ``k1`` saturates, ``b`` normalises by how
    many items a person took), which suits catalogues with a few very popular items.

    Parameters
    ----------
    n_neighbours
        Neighbours kept per item; tuned by the trainer (20-200).
    block_size
        Rows of the similarity computed at a time (bounds memory, see ``knn_graph``).
    """

    def __init__(
        self,
        n_neighbours: int = 100,
        block_size: int = 512,
        kind: KnnKind = "cosine",
        k1: float = 1.2,
        b: float = 0.75,
    ) -> None:
        if kind not in KNN_KINDS:
            raise ValueError(f"kind must be one of {KNN_KINDS}, not {kind!r}")
        self.n_neighbours = n_neighbours
        self.block_size = block_size
        self.kind = kind
        self.k1 = k1
        self.b = b

    def fit(self, interactions: sp.csr_matrix) -> Self:
        """Learn the neighbour graph from employees x items (positive entries count)."""
        x = binarize(interactions)
        if self.kind == "bm25":
            self.similarity_ = self._bm25(x)
            return self
        columns = x.T.tocsr()  # items x employees
        norms = np.sqrt(np.asarray(columns.sum(axis=1)).ravel())  # binary: |v|^2 = row sum
        inv = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        unit = sp.csr_matrix(sp.diags(inv.astype(np.float32)) @ columns, dtype=np.float32)
        neighbours, similarity = knn_graph(unit, self.n_neighbours, self.block_size)
        self.similarity_ = graph_from_neighbours(neighbours, similarity).T.tocsr()
        return self

    def _bm25(self, x: sp.csr_matrix) -> sp.csr_matrix:
        from implicit.nearest_neighbours import BM25Recommender

        model = BM25Recommender(K=self.n_neighbours + 1, K1=self.k1, B=self.b, num_threads=1)
        with warnings.catch_warnings():  # implicit converts its own intermediate COO to CSR
            warnings.simplefilter("ignore")
            model.fit(x, show_progress=False)
        sim = sp.csr_matrix(model.similarity, dtype=np.float32)
        sim.setdiag(0.0)  # an item is not its own neighbour (and is blocked once taken)
        sim.eliminate_zeros()
        return sim

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
