"""The small protocol every item scorer keeps, and helpers they share."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Protocol, Self, runtime_checkable

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

__all__ = [
    "FloatArray",
    "ItemScorer",
    "binarize",
    "check_fitted",
    "single_blas_thread",
    "slice_positions",
    "top_k",
]

FloatArray = npt.NDArray[np.float32]


@runtime_checkable
class ItemScorer(Protocol):
    """Fit on an employees x content matrix, then score content for any history rows.

    ``score`` takes history rows rather than user indices so that the same call serves
    known employees, request-time history and brand-new employees; ``to_arrays`` /
    ``from_arrays`` give the plain arrays a bundle stores (no pickle).
    """

    def fit(self, interactions: sp.csr_matrix) -> Self: ...

    def score(self, history: sp.csr_matrix) -> FloatArray: ...

    def to_arrays(self) -> dict[str, npt.NDArray[np.generic]]: ...

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, npt.NDArray[np.generic]]) -> Self: ...


def check_fitted(estimator: object, *attributes: str) -> None:
    """Raise sklearn's NotFittedError unless ``fit`` has set ``attributes``.

    scikit-learn's ``check_is_fitted`` only accepts ``BaseEstimator`` subclasses, which
    our estimators are not (they keep the same contract without the base class).
    """
    if not all(hasattr(estimator, a) for a in attributes):
        from sklearn.exceptions import NotFittedError

        raise NotFittedError(
            f"This {type(estimator).__name__} is not fitted yet; call fit() before using it."
        )


def binarize(interactions: sp.csr_matrix) -> sp.csr_matrix:
    """A float32 0/1 copy of ``interactions``: 1 where positive; zeros and negatives dropped."""
    x = sp.csr_matrix(interactions, dtype=np.float32, copy=True)
    x.data = (x.data > 0).astype(np.float32)
    x.eliminate_zeros()
    return x


@contextmanager
def single_blas_thread() -> Iterator[None]:
    """Limit BLAS to one thread: implicit's own threads must not fight OpenBLAS's."""
    with threadpool_limits(limits=1, user_api="blas"):
        yield


def top_k(scores: npt.NDArray[np.floating], k: int) -> npt.NDArray[np.int64]:
    """Indices of the ``k`` largest scores, best first; ties broken by lower index."""
    n = scores.shape[0]
    if k <= 0 or n == 0:
        return np.zeros(0, dtype=np.int64)
    if k < n:
        part = np.argpartition(-scores, k - 1)[:k]
    else:
        part = np.arange(n)
    order = np.lexsort((part, -scores[part]))
    return part[order].astype(np.int64)


def slice_positions(
    starts: npt.NDArray[np.integer], counts: npt.NDArray[np.integer]
) -> npt.NDArray[np.int64]:
    """Positions of the slices ``[starts[j], starts[j] + counts[j])``, one after another:
    the entries of chosen CSR rows, in the order given (ndarray methods: a hot path)."""
    offsets = (starts - counts.cumsum() + counts).repeat(counts)
    return np.asarray(offsets + np.arange(int(counts.sum())), dtype=np.int64)
