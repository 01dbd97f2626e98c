"""ModelState: every array the recommendation core needs, to and from a bundle's model files.

``to_bundle_parts`` turns a trained state into the arrays (dense and CSR), the
``content_info`` table and the ``state``/``vocab`` documents that ``recsvc.bundle`` writes;
``from_bundle`` rebuilds it from memory-mapped arrays and ``check`` refuses shapes that
disagree. The layout (every file, its dtype, shape and meaning, and the manifest fields) is
described once, for integration engineers and data scientists, in ``docs/bundle.md``:
update that page whenever a field is added, renamed or changes meaning.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from recsvc.errors import BundleIntegrityError
from recsvc.features.confidence import ConfidenceParams
from recsvc.features.text import TextEncoder
from recsvc.ids import IdIndex
from recsvc.models.base import FloatArray
from recsvc.models.ranker import LogisticRanker
from recsvc.recommend.finish import N_BINS
from recsvc.recommend.gain_curve import GAIN_STEPS

__all__ = ["SPARSE_FIELDS", "ModelState", "StateParams"]

IntArray = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]

SPARSE_FIELDS = (
    "history",
    "completed",
    "enrolled",
    "text",
    "content_skill_weight",
    "content_skill_level",
    "skill_wsum",
    "skill_wlevel",
    "skill_wassessed",
    "skill_wlearned",
    "skill_proven",
    "content_effect",
    "role_pop",
    "department_pop",
    "prerequisites",
    "career_paths",
    "role_moves",
    "role_move_days",
    "knn_similarity",
)
_ID_FIELDS = ("employee_ids", "content_ids", "skill_ids", "role_ids")
_DENSE_FIELDS = (
    "content_format",
    "content_language",
    "content_duration",
    "content_active",
    "item_age_days",
    "item_strategic",
    "employee_role",
    "employee_target_role",
    "employee_department",
    "employee_language",
    "employee_location",
    "employee_role_start",
    "role_next",
    "finish_by_step",
    "gain_curve",
    "mf_item_factors",
    "mf_user_factors",
    "mf_gram",
    "similar_idx",
    "similar_score",
    "role_required",
    "role_importance",
    "skill_strategic",
    "pop_all",
    "pop_recent",
    "role_size",
    "department_size",
)
_PRIOR_FIELDS = ("skill_prior", "skill_prior_mean", "skill_prior_entry")


@dataclass(frozen=True)
class StateParams:
    """Scalars and settings the request path needs to reproduce training-time features."""

    as_of: float
    capabilities: tuple[str, ...]
    confidence: ConfidenceParams
    source_weights: Mapping[str, float]
    skill_half_life_days: float
    evidence_weight: float
    sigma: float
    mf_algorithm: str
    feature_names: tuple[str, ...]
    recent_days: float
    #: pseudo-evidence weight of the role prior (0: off)
    prior_weight: float = 0.0
    #: level learned per source and subtracted from its ratings (e.g. self-ratings run high)
    source_bias: Mapping[str, float] = dataclasses.field(default_factory=dict)
    #: a completion scored below this is no evidence of mastery
    pass_score: float = 0.6
    #: a test this recent (days) proves its level: no training below it unless asked
    proven_days: float = 365.0
    #: standard deviation of one unit of evidence weight (one fresh test), in levels
    level_sd_unit: float = 0.5
    #: engagement probability = sigmoid(slope * ranker log-odds + intercept), calibrated
    #: among each person's plausible candidates (training.calibrate)
    engagement_slope: float = 1.0
    engagement_intercept: float = 0.0

    def to_document(self) -> dict[str, Any]:
        doc = dataclasses.asdict(self)
        doc["capabilities"] = list(self.capabilities)
        doc["feature_names"] = list(self.feature_names)
        doc["source_weights"] = dict(self.source_weights)
        doc["source_bias"] = dict(self.source_bias)
        return doc

    @classmethod
    def from_document(cls, doc: Mapping[str, Any]) -> StateParams:
        return cls(
            as_of=float(doc["as_of"]),
            capabilities=tuple(doc["capabilities"]),
            confidence=ConfidenceParams(**doc["confidence"]),
            source_weights=dict(doc["source_weights"]),
            skill_half_life_days=float(doc["skill_half_life_days"]),
            evidence_weight=float(doc["evidence_weight"]),
            sigma=float(doc["sigma"]),
            mf_algorithm=str(doc["mf_algorithm"]),
            feature_names=tuple(doc["feature_names"]),
            recent_days=float(doc["recent_days"]),
            prior_weight=float(doc["prior_weight"]),
            source_bias=dict(doc["source_bias"]),
            pass_score=float(doc["pass_score"]),
            proven_days=float(doc["proven_days"]),
            level_sd_unit=float(doc["level_sd_unit"]),
            engagement_slope=float(doc["engagement_slope"]),
            engagement_intercept=float(doc["engagement_intercept"]),
        )


@dataclass(frozen=True, eq=False)
class ModelState:
    """Fitted models and lookup arrays, as the trainer produced and the core consumes them."""

    params: StateParams
    employees: IdIndex
    content: IdIndex
    skills: IdIndex
    roles: IdIndex
    titles: tuple[str, ...]
    languages: tuple[str, ...]
    departments: tuple[str, ...]
    skill_names: tuple[str, ...]
    role_titles: tuple[str, ...]
    locations: tuple[str, ...]
    text_encoder: TextEncoder
    ranker: LogisticRanker
    ease_weights: FloatArray | None
    content_format: npt.NDArray[np.int8]
    content_language: IntArray
    content_duration: FloatArray
    content_active: BoolArray
    item_age_days: FloatArray
    item_strategic: FloatArray
    employee_role: IntArray
    employee_target_role: IntArray
    employee_department: IntArray
    employee_language: npt.NDArray[np.str_]  # primary BCP 47 subtag, "" when unknown
    employee_location: IntArray  # index into ``locations``, -1 unknown
    employee_role_start: npt.NDArray[np.float64]  # day the current role started, NaN unknown
    finish_by_step: FloatArray  # completion rate per level-step bin (recommend.finish)
    gain_curve: FloatArray  # expected gain at GAIN_STEPS (recommend.gain_curve)
    mf_item_factors: FloatArray
    mf_user_factors: FloatArray
    mf_gram: FloatArray
    similar_idx: IntArray
    similar_score: FloatArray
    role_required: FloatArray
    role_importance: FloatArray
    skill_strategic: FloatArray
    pop_all: FloatArray
    pop_recent: FloatArray
    role_size: FloatArray
    department_size: FloatArray
    history: sp.csr_matrix
    completed: sp.csr_matrix
    enrolled: sp.csr_matrix
    text: sp.csr_matrix
    content_skill_weight: sp.csr_matrix
    content_skill_level: sp.csr_matrix
    skill_wsum: sp.csr_matrix
    skill_wlevel: sp.csr_matrix
    skill_wassessed: sp.csr_matrix
    skill_wlearned: sp.csr_matrix
    skill_proven: sp.csr_matrix
    content_effect: sp.csr_matrix
    role_pop: sp.csr_matrix
    department_pop: sp.csr_matrix
    prerequisites: sp.csr_matrix
    career_paths: sp.csr_matrix  # roles x roles: declared path weights
    role_moves: sp.csr_matrix  # roles x roles: people who moved (groups of 5 or more only)
    role_move_days: sp.csr_matrix  # roles x roles: median days in the role before that move
    role_next: IntArray  # per role: its most likely next role (careers.likelihood), -1 none
    knn_similarity: sp.csr_matrix  # items x items: item-kNN neighbour weights (row -> column)
    skill_prior: FloatArray
    skill_prior_mean: FloatArray
    skill_prior_entry: FloatArray
    #: engagement ranker for people without history (the cold-start slice); None: ``ranker``
    cold_ranker: LogisticRanker | None = None

    @property
    def capabilities(self) -> frozenset[str]:
        return frozenset(self.params.capabilities)

    def to_bundle_parts(
        self,
    ) -> tuple[dict[str, npt.NDArray[Any]], dict[str, pd.DataFrame], dict[str, Any]]:
        """``(arrays, tables, documents)`` ready for ``bundle.write_bundle``."""
        from recsvc.bundle import sparse_to_arrays

        arrays: dict[str, npt.NDArray[Any]] = {
            "employee_ids": self.employees.to_array(),
            "content_ids": self.content.to_array(),
            "skill_ids": self.skills.to_array(),
            "role_ids": self.roles.to_array(),
            "text_idf": self.text_encoder.idf,
        }
        for name in _DENSE_FIELDS + _PRIOR_FIELDS:
            arrays[name] = np.ascontiguousarray(getattr(self, name))
        for name in SPARSE_FIELDS:
            arrays.update(sparse_to_arrays(name, getattr(self, name)))
        if self.ease_weights is not None:
            arrays["ease_weights"] = np.ascontiguousarray(self.ease_weights)
        for key, value in self.ranker.to_arrays().items():
            arrays[f"ranker_{key}"] = value
        if self.cold_ranker is not None:
            for key, value in self.cold_ranker.to_arrays().items():
                arrays[f"cold_ranker_{key}"] = value
        tables = {
            "content_info": pd.DataFrame(
                {"content_id": list(self.content.ids), "title": list(self.titles)}
            )
        }
        state_doc = self.params.to_document()
        state_doc["text_encoder"] = self.text_encoder.to_document()
        documents = {
            "state": state_doc,
            "vocab": {
                "languages": list(self.languages),
                "departments": list(self.departments),
                "skill_names": list(self.skill_names),
                "role_titles": list(self.role_titles),
                "locations": list(self.locations),
            },
        }
        return arrays, tables, documents

    @classmethod
    def from_bundle(cls, bundle: Any) -> ModelState:
        """Rebuild from a loaded ``recsvc.bundle.Bundle``; arrays stay memory-mapped.

        Raises BundleIntegrityError when a required part is missing or shapes disagree.
        """
        try:
            state_doc = bundle.document("state")
            vocab = bundle.document("vocab")
            params = StateParams.from_document(state_doc)
            # plain ndarray views of the memory maps: same pages, no per-index memmap overhead
            fields: dict[str, Any] = {
                name: np.asarray(bundle.array(name)) for name in _DENSE_FIELDS
            }
            for name in SPARSE_FIELDS:
                fields[name] = bundle.sparse(name)
            for name in _PRIOR_FIELDS:
                fields[name] = np.asarray(bundle.array(name))
            ids = {name: tuple(str(v) for v in bundle.array(name)) for name in _ID_FIELDS}
            info = bundle.table("content_info")
            ranker_parts = ("mean", "scale", "coef", "intercept")
            ranker = LogisticRanker.from_arrays(
                {k: bundle.array(f"ranker_{k}") for k in ranker_parts}, params.feature_names
            )
            cold_ranker = (
                LogisticRanker.from_arrays(
                    {k: bundle.array(f"cold_ranker_{k}") for k in ranker_parts},
                    params.feature_names,
                )
                if bundle.has("cold_ranker_coef")
                else None
            )
            encoder = TextEncoder.from_document(state_doc["text_encoder"], bundle.array("text_idf"))
            ease = (
                np.asarray(bundle.array("ease_weights")) if "ease" in params.capabilities else None
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise BundleIntegrityError(
                f"bundle {bundle.version} is missing or has a malformed model part ({exc}); "
                "retrain it with this recsvc version"
            ) from exc
        state = cls(
            params=params,
            employees=IdIndex(ids["employee_ids"]),
            content=IdIndex(ids["content_ids"]),
            skills=IdIndex(ids["skill_ids"]),
            roles=IdIndex(ids["role_ids"]),
            titles=tuple(str(t) for t in info["title"].astype("string").fillna("")),
            languages=tuple(vocab["languages"]),
            departments=tuple(vocab["departments"]),
            skill_names=tuple(vocab["skill_names"]),
            role_titles=tuple(vocab["role_titles"]),
            locations=tuple(vocab["locations"]),
            text_encoder=encoder,
            ranker=ranker,
            ease_weights=ease,
            cold_ranker=cold_ranker,
            **fields,
        )
        state.check()
        return state

    def check(self) -> None:
        """Raise BundleIntegrityError unless every array agrees on U, I, S, R and F."""
        n_u, n_i, n_s, n_r = (
            len(self.employees),
            len(self.content),
            len(self.skills),
            len(self.roles),
        )
        n_f = self.mf_item_factors.shape[1] if self.mf_item_factors.ndim == 2 else -1
        n_d = len(self.departments)
        expected: dict[str, tuple[int, ...]] = {
            "titles": (n_i,),
            "content_format": (n_i,),
            "content_language": (n_i,),
            "content_duration": (n_i,),
            "content_active": (n_i,),
            "item_age_days": (n_i,),
            "item_strategic": (n_i,),
            "employee_role": (n_u,),
            "employee_target_role": (n_u,),
            "employee_department": (n_u,),
            "employee_language": (n_u,),
            "employee_location": (n_u,),
            "employee_role_start": (n_u,),
            "finish_by_step": (N_BINS,),
            "gain_curve": (len(GAIN_STEPS),),
            "mf_item_factors": (n_i, n_f),
            "mf_user_factors": (n_u, n_f),
            "mf_gram": (n_f, n_f),
            "similar_idx": (n_i, self.similar_idx.shape[1] if self.similar_idx.ndim == 2 else -1),
            "role_required": (n_r, n_s),
            "role_importance": (n_r, n_s),
            "skill_strategic": (n_s,),
            "skill_prior": (n_r, n_s),
            "skill_prior_mean": (n_s,),
            "skill_prior_entry": (n_r, n_s),
            "pop_all": (n_i,),
            "pop_recent": (n_i,),
            "role_size": (n_r,),
            "department_size": (n_d,),
            "history": (n_u, n_i),
            "completed": (n_u, n_i),
            "enrolled": (n_u, n_i),
            "text": (n_i, self.text_encoder.n_features),
            "content_skill_weight": (n_i, n_s),
            "content_skill_level": (n_i, n_s),
            "skill_wsum": (n_u, n_s),
            "skill_wlevel": (n_u, n_s),
            "skill_wassessed": (n_u, n_s),
            "skill_wlearned": (n_u, n_s),
            "skill_proven": (n_u, n_s),
            "content_effect": (n_i, n_s),
            "role_pop": (n_r, n_i),
            "department_pop": (n_d, n_i),
            "prerequisites": (n_i, n_i),
            "career_paths": (n_r, n_r),
            "role_moves": (n_r, n_r),
            "role_move_days": (n_r, n_r),
            "role_next": (n_r,),
            "knn_similarity": (n_i, n_i),
        }
        if self.ease_weights is not None:
            expected["ease_weights"] = (n_i, n_i)
        problems = []
        for name, shape in expected.items():
            value = getattr(self, name)
            got = (len(value),) if isinstance(value, tuple) else tuple(value.shape)
            if got != shape:
                problems.append(f"{name} has shape {got}, expected {shape}")
        if self.similar_score.shape != self.similar_idx.shape:
            problems.append("similar_score and similar_idx differ in shape")
        if len(self.ranker.coef_) != len(self.params.feature_names):
            problems.append("ranker coefficients do not match the feature names")
        if problems:
            raise BundleIntegrityError(
                "model arrays are inconsistent: " + "; ".join(problems) + "; retrain the bundle"
            )
