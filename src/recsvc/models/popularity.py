"""Popularity overall and within groups (role, department): baselines and cold-start fallbacks."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Self

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc.models.base import FloatArray, binarize, check_fitted

__all__ = ["GroupPopularity"]


class GroupPopularity:
    """Share of each group's members who took each item (one group = overall popularity).

    ``share_[g, i]`` = distinct members of group g with a positive interaction on item i
    divided by the group's size, which is also the figure reasons quote ("completed by 40%
    of people in your role"). Employees with group -1 count only towards nothing.
    """

    def __init__(self, n_groups: int = 1) -> None:
        self.n_groups = n_groups

    def fit(
        self, interactions: sp.csr_matrix, groups: npt.NDArray[np.integer] | None = None
    ) -> Self:
        x = binarize(interactions)
        n_users = x.shape[0]
        g = np.zeros(n_users, dtype=np.int64) if groups is None else np.asarray(groups, np.int64)
        ok = g >= 0
        members = sp.csr_matrix(
            (np.ones(int(ok.sum()), dtype=np.float32), (g[ok], np.flatnonzero(ok))),
            shape=(self.n_groups, n_users),
        )
        counts = sp.csr_matrix(members @ x)
        self.group_size_ = np.bincount(g[ok], minlength=self.n_groups).astype(np.float32)
        inv = np.divide(
            1.0, self.group_size_, out=np.zeros_like(self.group_size_), where=self.group_size_ > 0
        )
        self.share_ = sp.csr_matrix(sp.diags(inv) @ counts, dtype=np.float32)
        self.share_.sort_indices()
        return self

    def group_scores(self, group: int) -> FloatArray:
        """Dense share of every item in ``group`` (zeros for -1 or an empty group)."""
        check_fitted(self, "share_")
        n_items = self.share_.shape[1]
        if group < 0 or group >= self.share_.shape[0]:
            return np.zeros(n_items, dtype=np.float32)
        return np.asarray(self.share_[group].toarray().ravel(), dtype=np.float32)

    def score(self, history: sp.csr_matrix) -> FloatArray:
        """Overall popularity (group 0) for every history row: the non-personal baseline."""
        row = self.group_scores(0)
        return np.tile(row, (sp.csr_matrix(history).shape[0], 1))

    def to_arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        check_fitted(self, "share_")
        return {
            "data": self.share_.data,
            "indices": self.share_.indices,
            "indptr": self.share_.indptr,
            "shape": np.asarray(self.share_.shape, dtype=np.int64),
            "group_size": self.group_size_,
        }

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, npt.NDArray[np.generic]]) -> Self:
        shape = tuple(int(v) for v in np.asarray(arrays["shape"]))
        model = cls(n_groups=shape[0])
        model.share_ = sp.csr_matrix(
            (arrays["data"], arrays["indices"], arrays["indptr"]), shape=shape
        )
        model.group_size_ = np.asarray(arrays["group_size"], dtype=np.float32)
        return model
