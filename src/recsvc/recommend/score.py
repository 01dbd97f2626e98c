"""The one feature function shared by training and serving, and the learned blend over it.

The request path scores with :class:`recsvc.recommend.blend.Blend`, the same linear blend
without the items x features matrix. A feature added here must be added there too
(``tests/unit/recommend/test_fast_paths.py`` checks the two agree).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recsvc.models.base import FloatArray
from recsvc.models.content import max_similarity
from recsvc.models.skill_gap import SkillGapModel
from recsvc.recommend.candidates import UserSignals
from recsvc.recommend.state import ModelState

__all__ = ["FEATURE_NAMES", "PROJECT_WEIGHT", "FeatureBuilder", "standardise"]

#: ranker inputs, in column order; the trainer stores them in the bundle and checks them
FEATURE_NAMES: tuple[str, ...] = (
    "mf_score",  # ALS/BPR user . item, standardised over the catalogue for this employee
    "ease_score",  # EASE history row . B, standardised likewise (0 when EASE is off)
    "content_sim",  # best similarity to anything in the history
    "gap_fit",  # weighted skill gap closed at the right difficulty
    "gap_coverage",  # weighted skill gap touched at any level above the current one
    "strategic",  # highest strategic weight of the skills the item teaches
    "role_pop",  # log share of people in the employee's role who took it
    "department_pop",  # log share of the employee's department who took it
    "pop_all",  # log share of everyone who took it
    "pop_recent",  # log share of everyone who took it recently (trend)
    "item_age",  # log days since publication
)

_POP_SCALE = 1000.0

#: weight of an explicit project (text and skills) against the learned score, both as
#: per-request z-scores. Not learned: training data has no projects to learn it from, and
#: a request that names a project asks for content that serves it.
PROJECT_WEIGHT = 1.0


def standardise(x: FloatArray) -> FloatArray:
    """Per-employee z-score: raw CF scores differ in scale between people, ranks do not."""
    std = float(x.std())
    if std <= 1e-12:
        return np.zeros_like(x)
    return np.asarray((x - x.mean()) / std, dtype=np.float32)


def _log_share(share: FloatArray) -> FloatArray:
    return np.asarray(np.log1p(_POP_SCALE * np.asarray(share, dtype=np.float32)), np.float32)


class FeatureBuilder:
    """Computes the features of every item for one employee, from a :class:`ModelState`.

    Everything request-independent (per-level skill matrices, log popularity, item ages) is
    precomputed in ``__init__``; afterwards the object is read-only and thread-safe.
    """

    def __init__(self, state: ModelState) -> None:
        self.state = state
        self.n_items = len(state.content)
        self.skill_model = SkillGapModel(sigma=state.params.sigma).fit(
            state.content_skill_weight, state.content_skill_level
        )
        self.pop_all = _log_share(state.pop_all)
        self.pop_recent = _log_share(state.pop_recent)
        self.item_age = np.log1p(np.clip(state.item_age_days, 0, None)).astype(np.float32)
        self.item_strategic = np.asarray(state.item_strategic, dtype=np.float32)

    def _group_row(self, m: sp.csr_matrix, group: int) -> FloatArray:
        out = np.zeros(self.n_items, dtype=np.float32)
        if 0 <= group < m.shape[0]:
            lo, hi = m.indptr[group], m.indptr[group + 1]
            out[m.indices[lo:hi]] = m.data[lo:hi]
        return _log_share(out)

    def content_similarity(self, signals: UserSignals) -> FloatArray:
        st = self.state
        return max_similarity(
            st.similar_idx, st.similar_score, signals.positive_history, self.n_items
        )

    def project_boost(self, signals: UserSignals) -> FloatArray | None:
        """Z-scored project text match plus project skill-gap fit, or None without a project."""
        boost = np.zeros(self.n_items, dtype=np.float32)
        if signals.project_text is not None:
            boost += standardise(signals.project_text)
        if signals.required_project.any():
            gap = np.clip(signals.required_project - signals.current, 0.0, None)
            weight = (gap * (1.0 + self.state.skill_strategic)).astype(np.float32)
            fit, _ = self.skill_model.score_one(weight, signals.current)
            boost += standardise(fit)
        return boost if boost.any() else None

    def features(self, signals: UserSignals) -> FloatArray:
        """Items x ``FEATURE_NAMES`` matrix (float32) for this employee."""
        st = self.state
        n = self.n_items
        out = np.zeros((n, len(FEATURE_NAMES)), dtype=np.float32)
        if signals.user_vector is not None:
            out[:, 0] = standardise(st.mf_item_factors @ signals.user_vector)
        if st.ease_weights is not None:
            pos = signals.positive_history
            if len(pos):
                ease = np.asarray(st.ease_weights[pos], dtype=np.float32).sum(axis=0)
                out[:, 1] = standardise(ease)
        out[:, 2] = self.content_similarity(signals)
        if signals.gap_weight.any():
            fit, cov = self.skill_model.score_one(signals.gap_weight, signals.current)
            out[:, 3] = fit
            out[:, 4] = cov
        out[:, 5] = self.item_strategic
        out[:, 6] = self._group_row(st.role_pop, signals.role_idx)
        out[:, 7] = self._group_row(st.department_pop, signals.department_idx)
        out[:, 8] = self.pop_all
        out[:, 9] = self.pop_recent
        out[:, 10] = self.item_age
        return out

    def scores(self, signals: UserSignals) -> tuple[FloatArray, FloatArray]:
        """``(ranker score per item, feature matrix)`` for this employee."""
        feats = self.features(signals)
        scores = self.state.ranker.decision_function(feats)
        boost = self.project_boost(signals)
        if boost is not None:
            scores = standardise(scores) + PROJECT_WEIGHT * boost
        return scores, feats
