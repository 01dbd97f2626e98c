"""The learned blend of every item's features for one request, without the feature matrix.

:class:`~recsvc.recommend.score.FeatureBuilder` materialises an items x features matrix
(the trainer needs it); its column writes and the matrix product cost most of a request
on a large catalogue. The ranker is linear, so the score is a per-bundle constant vector
(bias plus the item-only features, computed at load) plus the weighted per-request
features, each added only where it is non-zero. The result equals
``FeatureBuilder.scores`` up to float32 rounding (the sum is taken in another order).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc.models.base import FloatArray
from recsvc.models.content import max_similarity
from recsvc.models.skill_gap import LEVELS, difficulty_fit
from recsvc.recommend.candidates import UserSignals
from recsvc.recommend.score import FEATURE_NAMES, PROJECT_WEIGHT, FeatureBuilder, standardise
from recsvc.recommend.state import ModelState

__all__ = ["HANDLED_FEATURES", "Blend", "Scored"]

_F = {name: j for j, name in enumerate(FEATURE_NAMES)}
#: every ranker feature :meth:`Blend.scores` adds; a test keeps it equal to FEATURE_NAMES
HANDLED_FEATURES = frozenset(
    {
        "mf_score",
        "ease_score",
        "content_sim",
        "gap_fit",
        "gap_coverage",
        "strategic",
        "role_pop",
        "department_pop",
        "pop_all",
        "pop_recent",
        "item_age",
    }
)
Int64Array = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Scored:
    """Scores of every item, and the CF statistics reasons need (``cf_positive``)."""

    scores: FloatArray
    cf_raw: FloatArray | None  # user . item before standardising
    cf_mean: float
    cf_std: float

    def cf_positive(self, items: Int64Array) -> list[bool]:
        """Whether each item's standardised CF score (ranker feature ``mf_score``) is > 0."""
        if self.cf_raw is None or self.cf_std <= 1e-12:
            return [False] * len(items)
        return (self.cf_raw[items] > self.cf_mean).tolist()  # type: ignore[no-any-return]


@dataclass(frozen=True, eq=False)
class _GroupRows:
    """A groups x items share matrix as bare arrays, data already as the log-share feature."""

    indptr: Int64Array
    items: Int64Array
    log_share: FloatArray

    @classmethod
    def from_csr(cls, m: sp.csr_matrix) -> _GroupRows:
        share = np.asarray(m.data, dtype=np.float32)
        return cls(
            np.asarray(m.indptr, dtype=np.int64),
            np.asarray(m.indices, dtype=np.int64),
            np.log1p(np.float32(1000.0) * share).astype(np.float32),
        )

    def add(self, out: FloatArray, group: int, weight: np.float32) -> None:
        if 0 <= group < len(self.indptr) - 1:
            lo, hi = self.indptr[group], self.indptr[group + 1]
            out[self.items[lo:hi]] += weight * self.log_share[lo:hi]


class _SkillEntries:
    """Item-major content-skill entries: the gap features as a few contiguous passes.

    Each entry is (item, skill, taught level 1-5, weight). Per request a skills x levels
    table holds ``gap_weight * difficulty_fit(level - current)``, so the exponentials are
    computed once per skill and level rather than once per entry. Items are ordered by
    their number of skills (most first), so "the j-th skill of every item that has one"
    is a prefix: summing an item's entries takes one vector operation per layer, in entry
    order, and a final gather puts items back in place (``np.add.reduceat`` and
    ``np.bincount`` were 2-8x slower).
    """

    def __init__(self, weight: sp.csr_matrix, level: sp.csr_matrix, sigma: float) -> None:
        w = sp.csr_matrix(weight, dtype=np.float32)
        lv = sp.csr_matrix(level, dtype=np.float32)
        w.sort_indices()
        lv.sort_indices()
        taught = np.clip(np.rint(lv.data), LEVELS[0], LEVELS[-1]).astype(np.int64)
        code = np.asarray(w.indices, dtype=np.int64) * len(LEVELS) + taught - LEVELS[0]
        data = np.asarray(w.data, dtype=np.float32)
        counts = np.diff(w.indptr)
        order = np.argsort(-counts, kind="stable")
        starts = np.asarray(w.indptr[:-1], dtype=np.int64)[order]
        self.n_items = w.shape[0]
        self.sigma = sigma
        self.levels = np.asarray(LEVELS, dtype=np.float32)
        self.unsort = np.argsort(order).astype(np.int64)
        self.layers: list[tuple[int, Int64Array, FloatArray]] = []
        for j in range(int(counts.max()) if len(counts) else 0):
            n_j = int((counts > j).sum())
            pos = starts[:n_j] + j
            self.layers.append((n_j, code[pos], data[pos]))

    def table(self, gap_weight: FloatArray, current: FloatArray) -> tuple[FloatArray, FloatArray]:
        """``(fit, coverage)`` per skill and level, flattened to match the entry codes."""
        step = self.levels[None, :] - np.asarray(current, np.float32)[:, None]
        g = np.asarray(gap_weight, np.float32)[:, None]
        fit = g * difficulty_fit(step, self.sigma)
        cov = g * (step > 0)
        return fit.ravel(), cov.ravel().astype(np.float32)

    def per_item(self, table: FloatArray) -> FloatArray:
        """Sum over each item's skills of ``weight * table[code]`` (zero without skills)."""
        acc = np.zeros(self.n_items, dtype=np.float32)
        for n_j, code, weight in self.layers:
            acc[:n_j] += weight * table[code]
        return acc[self.unsort]


class Blend:
    """Computes ranker scores for one employee; read-only after ``__init__`` (thread-safe)."""

    def __init__(self, state: ModelState, features: FeatureBuilder) -> None:
        ranker = state.ranker
        w = (ranker.coef_ / ranker.scale_).astype(np.float32)
        bias = np.float32(ranker.intercept_ - float(np.dot(ranker.mean_, w)))
        self.state = state
        self.w = {name: np.float32(w[_F[name]]) for name in FEATURE_NAMES}
        item_only = {
            "strategic": features.item_strategic,
            "pop_all": features.pop_all,
            "pop_recent": features.pop_recent,
            "item_age": features.item_age,
        }
        static = np.full(features.n_items, bias, dtype=np.float32)
        for name, column in item_only.items():
            static += self.w[name] * column
        self.static = static
        # factors x items: ``u @ V.T`` streams it once (3x faster than ``V @ u`` for few
        # factors); mean and variance of the CF scores come from the factors' moments
        factors = np.asarray(state.mf_item_factors, dtype=np.float64)
        self.factors_by_item = np.ascontiguousarray(factors.T, dtype=np.float32)
        self.factor_mean = factors.mean(axis=0) if len(factors) else np.zeros(factors.shape[1])
        centred = factors - self.factor_mean
        self.factor_cov = centred.T @ centred / max(len(factors), 1)
        self.similar_idx = np.asarray(state.similar_idx)
        self.similar_score = np.asarray(state.similar_score)
        self.role_rows = _GroupRows.from_csr(state.role_pop)
        self.department_rows = _GroupRows.from_csr(state.department_pop)
        self.skills = _SkillEntries(
            state.content_skill_weight, state.content_skill_level, state.params.sigma
        )
        self.strategic = np.asarray(state.skill_strategic, dtype=np.float32)

    def scores(self, s: UserSignals) -> Scored:
        """Ranker score of every item (plus the project boost when a project is given)."""
        st, w = self.state, self.w
        out = self.static.copy()
        cf_raw, cf_mean, cf_std = None, 0.0, 0.0
        if s.user_vector is not None:
            u = np.asarray(s.user_vector, dtype=np.float32)
            cf_raw = u @ self.factors_by_item
            u64 = u.astype(np.float64)
            cf_mean = float(self.factor_mean @ u64)
            cf_std = float(np.sqrt(max(float(u64 @ self.factor_cov @ u64), 0.0)))
            if cf_std > 1e-12:
                out += (cf_raw - np.float32(cf_mean)) * (w["mf_score"] / np.float32(cf_std))
        pos = s.positive_history
        if st.ease_weights is not None and len(pos):
            ease = np.asarray(st.ease_weights[pos], dtype=np.float32).sum(axis=0)
            out += w["ease_score"] * standardise(ease)
        if len(pos):
            sim = max_similarity(self.similar_idx, self.similar_score, pos, len(out))
            out += w["content_sim"] * sim
        if s.gap_weight.any():
            fit, cov = self.skills.table(s.gap_weight, s.current)
            out += self.skills.per_item(w["gap_fit"] * fit + w["gap_coverage"] * cov)
        self.role_rows.add(out, s.role_idx, w["role_pop"])
        self.department_rows.add(out, s.department_idx, w["department_pop"])
        boost = self._project_boost(s)
        if boost is not None:
            out = standardise(out) + PROJECT_WEIGHT * boost
        return Scored(out, cf_raw, cf_mean, cf_std)

    def _project_boost(self, s: UserSignals) -> FloatArray | None:
        """As ``FeatureBuilder.project_boost``: z-scored text match plus project gap fit."""
        if s.project_text is None and not s.required_project.any():
            return None
        boost = np.zeros(len(self.static), dtype=np.float32)
        if s.project_text is not None:
            boost += standardise(s.project_text)
        if s.required_project.any():
            gap = np.clip(s.required_project - s.current, 0.0, None)
            weight = (gap * (1.0 + self.strategic)).astype(np.float32)
            fit, _ = self.skills.table(weight, s.current)
            boost += standardise(self.skills.per_item(fit))
        return boost if boost.any() else None
