"""Content-content similarity from text and skill-tag vectors, as a sparse top-k graph."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc.models.base import FloatArray, check_fitted

__all__ = ["ContentModel", "knn_graph"]


#: floats of one dense block of item vectors (64 MiB): bounds memory whatever the vocabulary
_BLOCK_FLOATS = 1 << 24


def knn_graph(
    vectors: sp.csr_matrix, n_neighbours: int, block_size: int = 512
) -> tuple[npt.NDArray[np.int32], FloatArray]:
    """Top ``n_neighbours`` cosine neighbours of every row (self excluded), best first.

    Works in row blocks, so memory stays ``block_size x (items + features)`` instead of the
    dense all-pairs matrix (2.4 GiB at 50k items, measured), and keeps only each row's top
    ``n_neighbours``. Each block is made dense and multiplied by the sparse vectors: text
    vectors share common words, so a block of similarities is dense anyway, and scipy's
    sparse x sparse product spent most of its time building that dense result as a sparse
    matrix (3.5x slower, measured at 20,000 items). Rows without neighbours are padded with
    index -1 and similarity 0.
    """
    v = sp.csr_matrix(vectors, dtype=np.float32)
    n = v.shape[0]
    k = max(0, min(n_neighbours, n - 1))
    idx = np.full((n, k), -1, dtype=np.int32)
    sim = np.zeros((n, k), dtype=np.float32)
    if k == 0:
        return idx, sim
    rows = max(1, min(block_size, _BLOCK_FLOATS // max(1, v.shape[1])))
    for start in range(0, n, rows):
        stop = min(n, start + rows)
        dense = v[start:stop].toarray()
        block = np.ascontiguousarray((v @ dense.T).T, dtype=np.float32)
        block[np.arange(stop - start), np.arange(start, stop)] = -np.inf
        part = np.argpartition(-block, k - 1, axis=1)[:, :k]
        vals = np.take_along_axis(block, part, axis=1)
        # sort by similarity desc, then index asc, so ties are deterministic
        order = np.lexsort((part, -vals), axis=1)
        part = np.take_along_axis(part, order, axis=1)
        vals = np.take_along_axis(vals, order, axis=1)
        keep = vals > 0
        idx[start:stop] = np.where(keep, part, -1)
        sim[start:stop] = np.where(keep, vals, 0.0)
    return idx, sim


class ContentModel:
    """Similar content from TF-IDF (title, description, skill names) vectors.

    ``score`` gives, for each history row, the highest similarity of every item to anything
    in the history with positive weight, which is also what "similar to something you
    completed" explains. ``text_scores`` matches free text (a project description) encoded
    with the same :class:`~recsvc.features.text.TextEncoder`.
    """

    def __init__(self, n_neighbours: int = 50, block_size: int = 512) -> None:
        self.n_neighbours = n_neighbours
        self.block_size = block_size

    def fit(self, item_vectors: sp.csr_matrix) -> Self:
        self.item_vectors_ = sp.csr_matrix(item_vectors, dtype=np.float32)
        self.neighbours_, self.similarity_ = knn_graph(
            self.item_vectors_, self.n_neighbours, self.block_size
        )
        return self

    def graph(self) -> sp.csr_matrix:
        """The kNN graph as an items x items CSR (row i: i's neighbours)."""
        check_fitted(self, "neighbours_")
        return graph_from_neighbours(self.neighbours_, self.similarity_)

    def score(self, history: sp.csr_matrix) -> FloatArray:
        check_fitted(self, "neighbours_")
        h = sp.csr_matrix(history)
        n_items = self.neighbours_.shape[0]
        out = np.zeros((h.shape[0], n_items), dtype=np.float32)
        for u in range(h.shape[0]):
            lo, hi = h.indptr[u], h.indptr[u + 1]
            items = h.indices[lo:hi][h.data[lo:hi] > 0]
            out[u] = max_similarity(self.neighbours_, self.similarity_, items, n_items)
        return out

    def text_scores(self, query: sp.csr_matrix) -> FloatArray:
        """Cosine similarity of every item to each (l2-normalised) query row."""
        check_fitted(self, "item_vectors_")
        return np.asarray((sp.csr_matrix(query) @ self.item_vectors_.T).toarray(), np.float32)

    def to_arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        check_fitted(self, "neighbours_")
        return {"neighbours": self.neighbours_, "similarity": self.similarity_}

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, npt.NDArray[np.generic]]) -> Self:
        model = cls()
        model.neighbours_ = np.asarray(arrays["neighbours"], dtype=np.int32)
        model.similarity_ = np.asarray(arrays["similarity"], dtype=np.float32)
        if "item_vectors" in arrays:
            model.item_vectors_ = sp.csr_matrix(arrays["item_vectors"])
        return model


def graph_from_neighbours(
    neighbours: npt.NDArray[np.int32], similarity: FloatArray
) -> sp.csr_matrix:
    """Items x items CSR holding each row's neighbour similarities."""
    n, k = neighbours.shape
    rows = np.repeat(np.arange(n), k)
    cols = neighbours.ravel()
    keep = cols >= 0
    return sp.csr_matrix(
        (similarity.ravel()[keep], (rows[keep], cols[keep])), shape=(n, n), dtype=np.float32
    )


def max_similarity(
    neighbours: npt.NDArray[np.int32],
    similarity: FloatArray,
    history_idx: npt.NDArray[np.integer],
    n_items: int,
) -> FloatArray:
    """For every item, its highest kNN similarity to any item in ``history_idx``."""
    out = np.zeros(n_items, dtype=np.float32)
    if len(history_idx) == 0:
        return out
    nb = neighbours[history_idx].ravel()
    sv = similarity[history_idx].ravel()
    keep = nb >= 0
    np.maximum.at(out, nb[keep], sv[keep])
    return out
