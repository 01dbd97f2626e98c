"""Implicit-feedback matrix factorisation (implicit ALS or BPR) with request-time fold-in."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from typing import Literal, Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc.models.base import FloatArray, binarize, check_fitted, single_blas_thread

__all__ = [
    "SMALL_NNZ",
    "MatrixFactorization",
    "als_threads",
    "fold_in",
    "fold_in_mean",
    "fold_in_user",
]

logger = logging.getLogger(__name__)

#: below this many interactions ALS runs single-threaded (measured: 25x faster at 10k)
SMALL_NNZ = 500_000


def als_threads(nnz: int) -> int:
    """Threads for an ALS fit: one for small matrices, else every core this process may use.

    Counted here rather than left to OpenMP's default, which follows ``OMP_NUM_THREADS`` (set
    to 1 to keep BLAS from oversubscribing, as the benchmarks do). ALS solves each row on its
    own from the other side's factors, so any thread count gives the same factors
    (tests/unit/models/test_item_scorers.py checks it).
    """
    if nnz < SMALL_NNZ:
        return 1
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not Linux
        return max(os.cpu_count() or 1, 1)


def fold_in(
    item_factors: FloatArray,
    gram: FloatArray,
    item_idx: npt.NDArray[np.integer],
    confidence: npt.NDArray[np.floating],
) -> FloatArray:
    """User vector that ALS would compute for this history, without retraining.

    Solves ``(YtY + reg I + sum (|c|-1) y y^T) x = sum_{c>0} c y``, the exact ALS user step
    with the same signed-confidence convention as ``implicit`` (negative = disliked).
    ``gram`` is ``YtY + reg I``, precomputed once per bundle.
    """
    if len(item_idx) == 0:
        return np.zeros(item_factors.shape[1], dtype=np.float32)
    y = np.asarray(item_factors[item_idx], dtype=np.float64)
    c = np.asarray(confidence, dtype=np.float64)
    a = np.asarray(gram, dtype=np.float64) + (y.T * (np.abs(c) - 1.0)) @ y
    b = (np.clip(c, 0.0, None)) @ y
    return np.linalg.solve(a, b).astype(np.float32)


def fold_in_mean(
    item_factors: FloatArray,
    item_idx: npt.NDArray[np.integer],
    confidence: npt.NDArray[np.floating],
) -> FloatArray:
    """BPR fold-in: confidence-weighted mean of the liked items' factors.

    BPR's factors are fit to rank, not to reconstruct, so the ALS least-squares step
    overfits them; the mean of liked items points the same way as the user's true vector.
    """
    keep = np.asarray(confidence) > 0
    if not keep.any():
        return np.zeros(item_factors.shape[1], dtype=np.float32)
    y = np.asarray(item_factors[np.asarray(item_idx)[keep]], dtype=np.float64)
    w = np.asarray(confidence, dtype=np.float64)[keep]
    return np.asarray((w @ y) / w.sum(), dtype=np.float32)


def fold_in_user(
    algorithm: str,
    item_factors: FloatArray,
    gram: FloatArray,
    item_idx: npt.NDArray[np.integer],
    confidence: npt.NDArray[np.floating],
) -> FloatArray:
    """The fold-in that suits ``algorithm`` (ALS: exact user step; BPR: weighted mean)."""
    if algorithm == "bpr":
        return fold_in_mean(item_factors, item_idx, confidence)
    return fold_in(item_factors, gram, item_idx, confidence)


class MatrixFactorization:
    """Latent factors from ``implicit`` (CPU only), ALS by default, BPR selectable.

    Parameters
    ----------
    algorithm
        ``"als"`` (weighted least squares on signed confidences) or ``"bpr"`` (pairwise
        ranking on positives; fold-in then takes the confidence-weighted mean of the liked
        items' factors, see ``fold_in_mean``).
    n_factors, regularization, n_iter, learning_rate
        Hyper-parameters, tuned per dataset by the trainer.
    seed
        Makes factors reproducible (BPR runs single-threaded for the same reason).
    n_threads
        ALS threads; 0 picks them by size (``als_threads``): one for small matrices, where
        OpenMP start-up and spinning on a shared 2-core machine cost 10-25x more than the
        work itself, else every core.
    """

    def __init__(
        self,
        algorithm: Literal["als", "bpr"] = "als",
        n_factors: int = 64,
        regularization: float = 0.05,
        n_iter: int = 15,
        learning_rate: float = 0.01,
        seed: int = 0,
        n_threads: int = 0,
    ) -> None:
        self.algorithm = algorithm
        self.n_factors = n_factors
        self.regularization = regularization
        self.n_iter = n_iter
        self.learning_rate = learning_rate
        self.seed = seed
        self.n_threads = n_threads

    def fit(
        self, interactions: sp.csr_matrix, init: tuple[FloatArray, FloatArray] | None = None
    ) -> Self:
        """Factorise signed confidences (employees x content).

        ``init`` (ALS only): ``(user_factors, item_factors)`` to start from instead of
        random ones, e.g. a fit on most of the same data; ``n_iter`` then counts the
        iterations on top of it.
        """
        x = sp.csr_matrix(interactions, dtype=np.float32)
        if init is not None and (
            self.algorithm != "als"
            or init[0].shape != (x.shape[0], self.n_factors)
            or init[1].shape != (x.shape[1], self.n_factors)
        ):
            raise ValueError(
                f"init must be ALS factors of shapes ({x.shape[0]}, {self.n_factors}) and "
                f"({x.shape[1]}, {self.n_factors})"
            )
        # import before limiting threads: a BLAS library loaded inside the limit escapes it
        from implicit.cpu.als import AlternatingLeastSquares
        from implicit.cpu.bpr import BayesianPersonalizedRanking

        with single_blas_thread():
            if self.algorithm == "als":
                model = AlternatingLeastSquares(
                    factors=self.n_factors,
                    regularization=self.regularization,
                    iterations=self.n_iter,
                    random_state=self.seed,
                    num_threads=self.n_threads or als_threads(x.nnz),
                )
                if init is not None:  # implicit starts from factors already set
                    model.user_factors = np.array(init[0], dtype=np.float32)
                    model.item_factors = np.array(init[1], dtype=np.float32)
                model.fit(x, show_progress=False)
            elif self.algorithm == "bpr":
                pos = binarize(x)
                model = BayesianPersonalizedRanking(
                    factors=self.n_factors,
                    learning_rate=self.learning_rate,
                    regularization=self.regularization,
                    iterations=self.n_iter,
                    num_threads=1,
                    random_state=self.seed,
                )
                model.fit(pos, show_progress=False)
            else:
                raise ValueError(f"algorithm must be 'als' or 'bpr', not {self.algorithm!r}")
        self.user_factors_ = np.ascontiguousarray(model.user_factors, dtype=np.float32)
        self.item_factors_ = np.ascontiguousarray(model.item_factors, dtype=np.float32)
        f = self.item_factors_.shape[1]
        yty = self.item_factors_.T.astype(np.float64) @ self.item_factors_.astype(np.float64)
        self.gram_ = (yty + self.regularization * np.eye(f)).astype(np.float32)
        return self

    def user_vectors(self, history: sp.csr_matrix) -> FloatArray:
        """Fold in each history row (signed confidences) to a user vector."""
        check_fitted(self, "item_factors_")
        h = sp.csr_matrix(history)
        out = np.zeros((h.shape[0], self.item_factors_.shape[1]), dtype=np.float32)
        for u in range(h.shape[0]):
            lo, hi = h.indptr[u], h.indptr[u + 1]
            out[u] = fold_in_user(
                self.algorithm, self.item_factors_, self.gram_, h.indices[lo:hi], h.data[lo:hi]
            )
        return out

    def score(self, history: sp.csr_matrix) -> FloatArray:
        """Scores for every item given history rows (fold-in, then dot products)."""
        return np.asarray(self.user_vectors(history) @ self.item_factors_.T, dtype=np.float32)

    def to_arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        check_fitted(self, "item_factors_")
        arrays: dict[str, npt.NDArray[np.generic]] = {
            "user_factors": self.user_factors_,
            "item_factors": self.item_factors_,
            "gram": self.gram_,
        }
        if self.algorithm == "bpr":
            arrays["bpr"] = np.ones(1, dtype=np.int8)  # marks the fold-in to use
        return arrays

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, npt.NDArray[np.generic]]) -> Self:
        model = cls(algorithm="bpr" if "bpr" in arrays else "als")
        model.user_factors_ = np.asarray(arrays["user_factors"], dtype=np.float32)
        model.item_factors_ = np.asarray(arrays["item_factors"], dtype=np.float32)
        model.gram_ = np.asarray(arrays["gram"], dtype=np.float32)
        return model
