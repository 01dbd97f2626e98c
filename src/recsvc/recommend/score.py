"""The engagement model's features, computed one way for training and serving, and its blend.

Every ranking feature is defined once here. :meth:`FeatureBuilder.columns` gives the
per-request columns (zero columns as None), :attr:`FeatureBuilder.item_columns` the
request-independent ones; the trainer stacks both into a matrix to learn the ranker on, and
:class:`Engagement` adds the same columns, weighted, to a per-bundle constant. The model
predicts whether a person takes an item. People take what they need at a level that suits
them, so two columns read the skill state: the item's learning value and how well its
level fits the person (the gain curve at its main skill's level step). The need-first
policy still decides the order; these columns only make the chance it orders by sharper.
:mod:`recsvc.recommend.value` stays the one implementation of skill gaps."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc.errors import BundleIntegrityError
from recsvc.models.base import FloatArray, slice_positions
from recsvc.models.content import max_similarity
from recsvc.models.ranker import LogisticRanker
from recsvc.models.skill_gap import LEVELS
from recsvc.recommend.candidates import UserSignals
from recsvc.recommend.finish import FinishModel, main_skill
from recsvc.recommend.state import ModelState
from recsvc.recommend.value import LearningValue

__all__ = [
    "FEATURE_NAMES",
    "ITEM_FEATURES",
    "SIGNAL_FEATURES",
    "PROJECT_WEIGHT",
    "Engagement",
    "FeatureBuilder",
    "SparseColumn",
    "standardise",
]

#: ranker inputs, in column order; the trainer stores them in the bundle and checks them
FEATURE_NAMES: tuple[str, ...] = (
    "mf_score",  # ALS/BPR user . item, standardised over the catalogue for this employee
    "ease_score",  # EASE history row . B, standardised likewise (0 when EASE is off)
    "knn_score",  # item-kNN (cosine or BM25, tuned): history row . neighbour weights, standardised
    "content_sim",  # best similarity to anything in the history
    "strategic",  # highest strategic weight of the skills the item teaches
    "role_pop",  # log share of people in the employee's role who took it
    "target_role_pop",  # log share of people in the employee's target role who took it
    "department_pop",  # log share of the employee's department who took it
    "pop_all",  # log share of everyone who took it
    "pop_recent",  # log share of everyone who took it recently (trend)
    "item_age",  # log days since publication
    "learning_value",  # log1p(10 * learning value): the gap it closes, as the policy sees it
    "level_fit",  # expected gain at the level step of the item's main skill (0: at or below)
)
#: the features one model or statistic produces on its own (each could rank items alone)
SIGNAL_FEATURES = (
    "mf_score",
    "ease_score",
    "knn_score",
    "content_sim",
    "strategic",
    "role_pop",
    "pop_all",
)
#: features that do not depend on the person: folded into a constant once per bundle
ITEM_FEATURES = ("strategic", "pop_all", "pop_recent", "item_age")

_POP_SCALE = np.float32(1000.0)

#: weight of a free-text project match (a per-request z-score) added to the engagement
#: log-odds, in units of the spread of this person's log-odds over the catalogue (so a
#: match two standard deviations above the rest moves an item as far as two spreads of
#: everything the model knows, whatever the scale the ranker learned). Not learned:
#: training data has no projects to learn it from, and a request that names a project
#: asks for content that serves it.
PROJECT_WEIGHT = 1.0

Int64Array = npt.NDArray[np.int64]


def standardise(x: FloatArray) -> FloatArray:
    """Per-employee z-score: raw CF scores differ in scale between people, ranks do not.

    For a float32 vector this is ``(x - x.mean()) / x.std()`` bit for bit, in the steps
    numpy's ``mean`` and ``std`` take (float32 sums, each divided by the count in float64
    and rounded back), with the centred vector computed once rather than three times.
    """
    n = x.size
    if x.dtype != np.float32 or x.ndim != 1 or n == 0:
        std = float(x.std())
        if std <= 1e-12:
            return np.zeros_like(x)
        return np.asarray((x - x.mean()) / std, dtype=np.float32)
    mean = np.float32(float(np.add.reduce(x)) / n)
    centred = x - mean
    variance = np.float32(float(np.add.reduce(centred * centred)) / n)
    std = float(np.sqrt(variance))
    if std <= 1e-12:
        return np.zeros_like(x)
    return np.asarray(centred / std, dtype=np.float32)


def _log_share(share: npt.ArrayLike) -> FloatArray:
    return np.asarray(np.log1p(_POP_SCALE * np.asarray(share, dtype=np.float32)), np.float32)


@dataclass(frozen=True, eq=False)
class SparseColumn:
    """A feature column that is zero except at ``items`` (a group's share of each item)."""

    items: Int64Array
    values: FloatArray

    def dense(self, n_items: int) -> FloatArray:
        out = np.zeros(n_items, dtype=np.float32)
        out[self.items] = self.values
        return out


Column = FloatArray | SparseColumn


@dataclass(frozen=True, eq=False)
class _GroupRows:
    """A groups x items share matrix as bare arrays, data already as the log-share feature."""

    indptr: Int64Array
    items: Int64Array
    log_share: FloatArray

    @classmethod
    def from_csr(cls, m: sp.csr_matrix) -> _GroupRows:
        return cls(
            np.asarray(m.indptr, dtype=np.int64),
            np.asarray(m.indices, dtype=np.int64),
            _log_share(m.data),
        )

    def row(self, group: int) -> SparseColumn | None:
        if not 0 <= group < len(self.indptr) - 1 or self.indptr[group] == self.indptr[group + 1]:
            return None
        lo, hi = self.indptr[group], self.indptr[group + 1]
        return SparseColumn(self.items[lo:hi], self.log_share[lo:hi])


@dataclass(frozen=True, eq=False)
class _RowSums:
    """Sums of chosen rows of a CSR matrix, as bare arrays.

    Byte for byte what ``m[rows].sum(axis=0)`` gives (each column accumulated in the
    matrix's float type, row by row in the order asked), ~10x faster: scipy's row indexing
    builds a new matrix per request.
    """

    indptr: Int64Array
    indices: Int64Array
    data: FloatArray
    n_columns: int

    @classmethod
    def from_csr(cls, m: sp.csr_matrix) -> _RowSums:
        data = np.asarray(m.data)
        if not np.issubdtype(data.dtype, np.floating):
            data = data.astype(np.float64)
        return cls(
            np.asarray(m.indptr, dtype=np.int64),
            np.asarray(m.indices, dtype=np.int64),
            data,
            m.shape[1],
        )

    def sum(self, rows: Int64Array) -> FloatArray:
        lo, hi = self.indptr[rows], self.indptr[rows + 1]
        counts = hi - lo
        entries = slice_positions(lo, counts)  # each chosen row's entries, in that order
        out = np.zeros(self.n_columns, dtype=self.data.dtype)
        np.add.at(out, self.indices[entries], self.data[entries])
        return out


class FeatureBuilder:
    """Feature columns of every item for one employee; read-only after ``__init__``."""

    def __init__(self, state: ModelState) -> None:
        self.state = state
        self.n_items = len(state.content)
        self.item_columns: dict[str, FloatArray] = {
            "strategic": np.asarray(state.item_strategic, dtype=np.float32),
            "pop_all": _log_share(state.pop_all),
            "pop_recent": _log_share(state.pop_recent),
            "item_age": np.log1p(np.clip(state.item_age_days, 0, None)).astype(np.float32),
        }
        # factors x items: ``u @ V.T`` streams it once (3x faster than ``V @ u``)
        factors = np.asarray(state.mf_item_factors, dtype=np.float64)
        self.factors_by_item = np.ascontiguousarray(factors.T, dtype=np.float32)
        # the mean and spread of a person's CF scores over the catalogue follow from the
        # factors' moments, so standardising costs no extra pass over the items
        self.factor_mean = factors.mean(axis=0) if len(factors) else np.zeros(factors.shape[1])
        centred = factors - self.factor_mean
        self.factor_cov = centred.T @ centred / max(len(factors), 1)
        self.similar_idx = np.asarray(state.similar_idx)
        self.similar_score = np.asarray(state.similar_score)
        self.knn = _RowSums.from_csr(sp.csr_matrix(state.knn_similarity))
        self.role_rows = _GroupRows.from_csr(state.role_pop)
        self.department_rows = _GroupRows.from_csr(state.department_pop)
        self.values = LearningValue(
            state.content_skill_weight,
            state.content_skill_level,
            state.content_effect,
            state.gain_curve,
        )
        self.finish = FinishModel(
            state.finish_by_step, state.content_skill_weight, state.content_skill_level
        )
        skill, level = main_skill(state.content_skill_weight, state.content_skill_level)
        # each item's cell in a (skills x taught levels) table; -1 for untagged items
        taught = np.clip(np.rint(np.nan_to_num(level)), LEVELS[0], LEVELS[-1]).astype(np.int64)
        cell = np.where(skill >= 0, skill * len(LEVELS) + taught - LEVELS[0], -1)
        self.main_cell = cell if (skill >= 0).any() else None

    def learning_value(self, s: UserSignals) -> FloatArray:
        """Learning value of every item for this person, times the chance they finish it
        (content dropped halfway closes nothing)."""
        finish = self.finish.probability(s.current)
        return np.asarray(self.values.values(s.need) * finish, dtype=np.float32)

    def level_fit(self, s: UserSignals) -> FloatArray:
        """Expected gain at each item's main-skill level step (0 for untagged items)."""
        if self.main_cell is None:  # a catalogue without skill tags: nothing to fit
            return np.zeros(self.n_items, np.float32)
        gains = s.need.expected_gains(self.values.curve).ravel()
        return np.where(self.main_cell >= 0, gains[self.main_cell], 0.0).astype(np.float32)

    def cf_scores(self, user_vector: FloatArray) -> FloatArray | None:
        """The person's CF score of every item, standardised over the catalogue."""
        u = np.asarray(user_vector, dtype=np.float64)
        std = float(np.sqrt(max(float(u @ self.factor_cov @ u), 0.0)))
        if std <= 1e-12:
            return None
        raw = np.asarray(user_vector, np.float32) @ self.factors_by_item
        return np.asarray((raw - np.float32(self.factor_mean @ u)) / np.float32(std), np.float32)

    def columns(self, s: UserSignals, value: FloatArray | None = None) -> dict[str, Column | None]:
        """The per-request feature columns (None where a column is all zeros); ``value`` is
        :meth:`learning_value` when the caller has it already."""
        st = self.state
        cols: dict[str, Column | None] = dict.fromkeys(FEATURE_NAMES)
        if s.user_vector is not None:
            cols["mf_score"] = self.cf_scores(s.user_vector)
        pos = s.positive_history
        if st.ease_weights is not None and len(pos):
            cols["ease_score"] = standardise(
                np.asarray(st.ease_weights[pos], dtype=np.float32).sum(axis=0)
            )
        if len(pos) and len(self.knn.data):
            cols["knn_score"] = standardise(np.asarray(self.knn.sum(pos), dtype=np.float32))
        if len(pos):
            cols["content_sim"] = max_similarity(
                self.similar_idx, self.similar_score, pos, self.n_items
            )
        cols["role_pop"] = self.role_rows.row(s.role_idx)
        cols["target_role_pop"] = self.role_rows.row(s.target_role_idx)
        cols["department_pop"] = self.department_rows.row(s.department_idx)
        v = self.learning_value(s) if value is None else value
        cols["learning_value"] = np.log1p(10.0 * v).astype(np.float32) if v.any() else None
        fit = self.level_fit(s)
        cols["level_fit"] = fit if fit.any() else None
        for name in ITEM_FEATURES:
            del cols[name]
        return cols

    def features(self, s: UserSignals) -> FloatArray:
        """Items x ``FEATURE_NAMES`` matrix (float32): the rows the ranker learns on."""
        cols = self.columns(s)
        out = np.zeros((self.n_items, len(FEATURE_NAMES)), dtype=np.float32)
        for j, name in enumerate(FEATURE_NAMES):
            col = self.item_columns[name] if name in ITEM_FEATURES else cols[name]
            if isinstance(col, SparseColumn):
                out[col.items, j] = col.values
            elif col is not None:
                out[:, j] = col
        return out


class _Linear:
    """One linear ranker as a per-bundle constant plus weights of the per-request columns."""

    def __init__(self, ranker: LogisticRanker, builder: FeatureBuilder) -> None:
        w = (ranker.coef_ / ranker.scale_).astype(np.float32)
        self.weights = {name: np.float32(w[j]) for j, name in enumerate(FEATURE_NAMES)}
        bias = np.float32(ranker.intercept_ - float(np.dot(ranker.mean_, w)))
        static = np.full(builder.n_items, bias, dtype=np.float32)
        for name in ITEM_FEATURES:
            static += self.weights[name] * builder.item_columns[name]
        self.static = static


class Engagement:
    """The learned ranker as log-odds of taking each item; read-only after ``__init__``.

    The ranker is linear, so the score is a per-bundle constant (bias plus the item-only
    features) plus the weighted per-request columns, each added only where it is non-zero.
    People without history are scored by the bundle's cold-start ranker when it has one
    (the trainer chooses and calibrates it on the cold-start slice).
    """

    def __init__(self, state: ModelState, builder: FeatureBuilder) -> None:
        if tuple(state.params.feature_names) != FEATURE_NAMES:
            raise BundleIntegrityError(
                f"the bundle's ranker uses features {list(state.params.feature_names)}, this "
                f"recsvc computes {list(FEATURE_NAMES)}; retrain the bundle with this version"
            )
        self.builder = builder
        self.warm = _Linear(state.ranker, builder)
        self.cold = _Linear(state.cold_ranker, builder) if state.cold_ranker is not None else None
        self.weights = self.warm.weights
        self.static = self.warm.static

    def logits(
        self, s: UserSignals, value: FloatArray | None = None
    ) -> tuple[FloatArray, FloatArray | None]:
        """``(log-odds per item, standardised CF column or None)`` for this employee;
        ``value`` is :meth:`FeatureBuilder.learning_value` when the caller has it."""
        linear = self.cold if self.cold is not None and not len(s.positive_history) else self.warm
        out = linear.static.copy()
        cols = self.builder.columns(s, value)
        for name, col in cols.items():
            if isinstance(col, SparseColumn):
                out[col.items] += linear.weights[name] * col.values
            elif col is not None:
                out += linear.weights[name] * col
        if s.project_text is not None:
            spread = max(float(out.std()), 1.0)
            out += np.float32(PROJECT_WEIGHT * spread) * standardise(s.project_text)
        cf = cols["mf_score"]
        return out, cf if isinstance(cf, np.ndarray) else None
