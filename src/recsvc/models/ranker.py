"""Learned blend of component scores: logistic regression on standardised features."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Self

import numpy as np
import numpy.typing as npt

from recsvc.models.base import FloatArray, check_fitted

__all__ = ["LogisticRanker"]


class LogisticRanker:
    """Pointwise ranker: P(enrol | features) with weights learned on a time-based holdout.

    Logistic regression on standardised features keeps the learned state to four small
    arrays (mean, scale, coefficients, intercept), which serialise without pickle and score
    with one matrix-vector product at request time. Coefficients are comparable across
    features, which the manifest reports.
    """

    def __init__(self, c: float = 1.0, max_iter: int = 1000, seed: int = 0) -> None:
        self.c = c
        self.max_iter = max_iter
        self.seed = seed

    def fit(
        self,
        features: npt.NDArray[np.floating],
        labels: npt.NDArray[np.integer],
        feature_names: Sequence[str],
        sample_weight: npt.NDArray[np.floating] | None = None,
    ) -> Self:
        from sklearn.linear_model import LogisticRegression

        x = np.asarray(features, dtype=np.float64)
        y = np.asarray(labels).astype(np.int64)
        if x.shape[1] != len(feature_names):
            raise ValueError("one feature name per column is required")
        if len(np.unique(y)) < 2:
            raise ValueError("the ranker needs both positive and negative examples")
        mean = x.mean(axis=0)
        scale = x.std(axis=0)
        scale[scale < 1e-9] = 1.0  # constant feature: weight stays ~0, no division by zero
        model = LogisticRegression(C=self.c, max_iter=self.max_iter, random_state=self.seed)
        model.fit((x - mean) / scale, y, sample_weight=sample_weight)
        self.feature_names_ = tuple(feature_names)
        self.mean_ = mean.astype(np.float32)
        self.scale_ = scale.astype(np.float32)
        self.coef_ = model.coef_.ravel().astype(np.float32)
        self.intercept_ = np.float32(model.intercept_[0])
        return self

    def decision_function(self, features: npt.NDArray[np.floating]) -> FloatArray:
        """Log-odds of enrolment per row; only the order matters for ranking."""
        check_fitted(self, "coef_")
        w = self.coef_ / self.scale_
        b = self.intercept_ - float(np.dot(self.mean_, w))
        return np.asarray(np.asarray(features, dtype=np.float32) @ w + b, dtype=np.float32)

    def weights(self) -> dict[str, float]:
        """Standardised coefficient per feature (for the manifest and the report)."""
        check_fitted(self, "coef_")
        return {n: float(w) for n, w in zip(self.feature_names_, self.coef_, strict=True)}

    def to_arrays(self) -> dict[str, npt.NDArray[np.generic]]:
        check_fitted(self, "coef_")
        return {
            "mean": self.mean_,
            "scale": self.scale_,
            "coef": self.coef_,
            "intercept": np.asarray([self.intercept_], dtype=np.float32),
        }

    @classmethod
    def from_arrays(
        cls, arrays: Mapping[str, npt.NDArray[np.generic]], feature_names: Sequence[str]
    ) -> Self:
        model = cls()
        model.feature_names_ = tuple(feature_names)
        model.mean_ = np.asarray(arrays["mean"], dtype=np.float32)
        model.scale_ = np.asarray(arrays["scale"], dtype=np.float32)
        model.coef_ = np.asarray(arrays["coef"], dtype=np.float32)
        model.intercept_ = np.float32(np.asarray(arrays["intercept"]).ravel()[0])
        if not (len(model.mean_) == len(model.scale_) == len(model.coef_) == len(feature_names)):
            raise ValueError("ranker arrays and feature names disagree in length")
        return model
