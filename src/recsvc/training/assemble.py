"""Fit every base model on a Dataset and assemble the ModelState the core serves from."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc import contract as c
from recsvc.dataset import Dataset, id_values
from recsvc.features.confidence import STATUS_CODES, ConfidenceParams
from recsvc.features.prior import (
    PriorParams,
    add_role_prior,
    role_entry_levels,
    role_prior_levels,
)
from recsvc.features.skills import (
    SkillParams,
    calibrate_sources,
    content_skill_matrices,
    role_requirements,
    skill_evidence,
    strategic_weights,
)
from recsvc.features.text import TextEncoder, fit_text_vectors
from recsvc.models.base import binarize
from recsvc.models.cf import MatrixFactorization
from recsvc.models.content import ContentModel
from recsvc.models.ease import EASE, EASE_MAX_ITEMS
from recsvc.models.knn import ItemKNN
from recsvc.models.popularity import GroupPopularity
from recsvc.models.ranker import LogisticRanker
from recsvc.recommend.careers.likelihood import most_likely_next, next_role_likelihood
from recsvc.recommend.score import FEATURE_NAMES, SIGNAL_FEATURES
from recsvc.recommend.state import ModelState, StateParams
from recsvc.training.attributes import (
    binary_matrix,
    content_attributes,
    employee_attributes,
    employee_languages,
    names,
    prerequisite_matrix,
)
from recsvc.training.careers import career_arrays
from recsvc.training.completion import finish_rates
from recsvc.training.did import control_pairs, did_gains, net_gains
from recsvc.training.gains import course_test_gains, gain_curve, item_effects

__all__ = [
    "WARM_ITERATIONS",
    "ContentParts",
    "Hyperparams",
    "default_ranker",
    "fit_content",
    "fit_state",
    "knn_model",
]

logger = logging.getLogger(__name__)

RECENT_DAYS = 90.0
SIGMA = 0.6
#: ALS iterations on top of a warm start (the holdout fit's factors): its user step is
#: exact, so one pass places everyone; the rest lets the items take in the held-out data
WARM_ITERATIONS = 5


@dataclass(frozen=True)
class Hyperparams:
    """Everything the tuner may change (and the manifest records)."""

    mf_algorithm: Literal["als", "bpr"] = "als"
    n_factors: int = 64
    regularization: float = 0.05
    n_iter: int = 15
    learning_rate: float = 0.01
    alpha: float = 10.0
    half_life_days: float = 365.0
    use_ease: bool = True
    ease_l2: float = 200.0
    knn_kind: Literal["cosine", "bm25"] = "cosine"
    knn_neighbours: int = 100
    knn_k1: float = 1.2
    knn_b: float = 0.75

    @property
    def confidence(self) -> ConfidenceParams:
        return ConfidenceParams(alpha=self.alpha, half_life_days=self.half_life_days)


@dataclass(frozen=True)
class ContentParts:
    """Time-independent content features, fitted once on the whole catalogue."""

    encoder: TextEncoder
    text: sp.csr_matrix
    neighbours: npt.NDArray[np.int32]
    similarity: npt.NDArray[np.float32]
    content_weight: sp.csr_matrix
    content_level: sp.csr_matrix


def _item_texts(dataset: Dataset) -> list[str]:
    content = dataset.tables[c.CONTENT]
    idx = dataset.content.indices(id_values(content["content_id"]))
    texts = [""] * dataset.n_items
    titles = content["title"].astype("string").fillna("").tolist()
    descs = (
        content["description"].astype("string").fillna("").tolist()
        if "description" in content.columns
        else [""] * len(content)
    )
    for i, t, d in zip(idx, titles, descs, strict=True):
        if i >= 0:
            texts[i] = f"{t} {t} {d}"
    cs = dataset.tables.get(c.CONTENT_SKILLS)
    sk = dataset.tables.get(c.SKILLS)
    if cs is not None and sk is not None and len(cs):
        names = dict(
            zip(id_values(sk["skill_id"]), sk["name"].astype("string").fillna(""), strict=True)
        )
        for cid, sid in zip(id_values(cs["content_id"]), id_values(cs["skill_id"]), strict=True):
            i = dataset.content.get(cid)
            if i >= 0 and sid in names:
                texts[i] += f" {names[sid]}"
    return texts


def fit_content(dataset: Dataset, n_neighbours: int = 50) -> ContentParts:
    """TF-IDF encoder, item vectors, kNN graph and content-skill matrices."""
    encoder, text = fit_text_vectors(_item_texts(dataset))
    model = ContentModel(n_neighbours=n_neighbours).fit(text)
    weight, level = content_skill_matrices(dataset)
    return ContentParts(encoder, text, model.neighbours_, model.similarity_, weight, level)


def knn_model(hp: Hyperparams) -> ItemKNN:
    """The item-kNN model ``hp`` describes (the tuner and the final fit build it alike)."""
    return ItemKNN(hp.knn_neighbours, kind=hp.knn_kind, k1=hp.knn_k1, b=hp.knn_b)


def default_ranker() -> LogisticRanker:
    """Equal unit weights on the main signals: used only when the holdout is too small."""
    n = len(FEATURE_NAMES)
    coef = np.zeros(n, dtype=np.float32)
    for name in (*SIGNAL_FEATURES, "learning_value", "level_fit"):
        coef[FEATURE_NAMES.index(name)] = 1.0
    return LogisticRanker.from_arrays(
        {
            "mean": np.zeros(n, np.float32),
            "scale": np.ones(n, np.float32),
            "coef": coef,
            "intercept": np.zeros(1, np.float32),
        },
        FEATURE_NAMES,
    )


def fit_state(
    dataset: Dataset,
    hp: Hyperparams,
    content: ContentParts,
    *,
    seed: int,
    ranker: LogisticRanker | None = None,
    prior: PriorParams | None = None,
    warm_start: ModelState | None = None,
) -> ModelState:
    """Fit CF, EASE, popularity and skill evidence on ``dataset`` and assemble the state.

    ``prior`` (default :class:`PriorParams`) folds a role prior into the skill evidence so
    unassessed skills read as a typical colleague's level rather than 0. ``warm_start``, a
    state fitted with the same ``hp`` on most of the same data (the holdout's training
    part), starts ALS from its factors and runs ``WARM_ITERATIONS`` instead of
    ``hp.n_iter`` from random ones.
    """
    n_u, n_i = dataset.n_employees, dataset.n_items
    en = dataset.enrolments
    history = dataset.confidence(hp.confidence)
    completed = dataset.completed()
    active_status = (en.status == STATUS_CODES["enrolled"]) | (
        en.status == STATUS_CODES["in_progress"]
    )
    enrolled = binary_matrix(
        en.employee_idx[active_status], en.content_idx[active_status], (n_u, n_i)
    )
    enrolled = (enrolled - enrolled.multiply(completed)).tocsr()
    enrolled.eliminate_zeros()

    init = None
    if warm_start is not None and hp.mf_algorithm == "als":
        init = (warm_start.mf_user_factors, warm_start.mf_item_factors)
    mf = MatrixFactorization(
        algorithm=hp.mf_algorithm,
        n_factors=hp.n_factors,
        regularization=hp.regularization,
        n_iter=min(hp.n_iter, WARM_ITERATIONS) if init is not None else hp.n_iter,
        learning_rate=hp.learning_rate,
        seed=seed,
    ).fit(history, init=init)
    knn = knn_model(hp).fit(history)
    caps = set(dataset.capabilities)
    ease_w = None
    if hp.use_ease and n_i <= EASE_MAX_ITEMS:
        ease_w = EASE(l2=hp.ease_l2).fit(history).item_weights_
        caps.add("ease")

    # popularity: positive interactions overall, recently, per role and per department
    positive = binarize(history)
    pop_all = GroupPopularity(1).fit(positive).group_scores(0)
    recent = en.day >= dataset.as_of - RECENT_DAYS
    recent_m = binary_matrix(en.employee_idx[recent], en.content_idx[recent], (n_u, n_i))
    pop_recent = GroupPopularity(1).fit(recent_m).group_scores(0)
    role, target, dept, departments = employee_attributes(dataset)
    role_pop = GroupPopularity(len(dataset.roles)).fit(positive, role)
    dept_pop = GroupPopularity(len(departments)).fit(positive, dept)

    # skills
    skill_p = calibrate_sources(dataset.tables.get(c.ASSESSMENTS), SkillParams())
    evidence = skill_evidence(dataset, skill_p, content.content_weight, content.content_level)
    no_learning = replace(dataset, enrolments=dataset.enrolments.take(np.zeros(len(en), bool)))
    assessed = skill_evidence(no_learning, skill_p, content.content_weight, content.content_level)
    finish = finish_rates(dataset, assessed.levels(), content.content_weight, content.content_level)
    pairs = course_test_gains(dataset, content.content_level)
    curve = gain_curve(pairs, SIGMA)
    controls = control_pairs(dataset, skill_p.source_bias)
    trend = did_gains(pairs, controls, dataset.interacted(), curve)
    required, importance = role_requirements(dataset)
    prior_p = prior or PriorParams()
    prior_levels = role_prior_levels(evidence.levels(), role, required, prior_p.strength)
    entry_levels = role_entry_levels(evidence.levels(), role, required, prior_p.strength)
    evidence = add_role_prior(
        evidence,
        role,
        target,
        required,
        prior_p,
        prior_levels=prior_levels,
        entry_levels=entry_levels,
    )
    strategic = strategic_weights(dataset)
    item_strategic = np.zeros(n_i, dtype=np.float32)
    cw = content.content_weight
    if cw.nnz:
        s_m = cw.copy()
        s_m.data = strategic[cw.indices].astype(np.float32)
        item_strategic = np.asarray(s_m.max(axis=1).toarray()).ravel().astype(np.float32)

    attrs = content_attributes(dataset, en)
    skill_names, role_titles = names(dataset)
    prereq = prerequisite_matrix(dataset)
    careers = career_arrays(dataset, role)

    params = StateParams(
        as_of=dataset.as_of,
        capabilities=tuple(sorted(caps)),
        confidence=hp.confidence,
        source_weights=dict(skill_p.source_weights),
        skill_half_life_days=skill_p.half_life_days,
        evidence_weight=skill_p.evidence_weight,
        sigma=SIGMA,
        mf_algorithm=hp.mf_algorithm,
        feature_names=FEATURE_NAMES,
        recent_days=RECENT_DAYS,
        prior_weight=max(float(prior_p.weight), 0.0),
        source_bias=dict(skill_p.source_bias),
        pass_score=skill_p.pass_score,
        proven_days=skill_p.proven_days,
    )
    return ModelState(
        params=params,
        employees=dataset.employees,
        content=dataset.content,
        skills=dataset.skills,
        roles=dataset.roles,
        titles=attrs.titles,
        languages=attrs.languages,
        departments=departments,
        skill_names=skill_names,
        role_titles=role_titles,
        locations=careers.locations,
        text_encoder=content.encoder,
        ranker=ranker if ranker is not None else default_ranker(),
        ease_weights=ease_w,
        content_format=attrs.content_format,
        content_language=attrs.content_language,
        content_duration=attrs.content_duration,
        content_active=attrs.content_active,
        item_age_days=attrs.item_age_days,
        item_strategic=item_strategic,
        employee_role=role,
        employee_target_role=target,
        employee_department=dept,
        employee_language=employee_languages(dataset),
        employee_location=careers.location,
        employee_role_start=careers.role_start,
        finish_by_step=finish,
        mf_item_factors=mf.item_factors_,
        mf_user_factors=mf.user_factors_,
        mf_gram=mf.gram_,
        similar_idx=content.neighbours,
        similar_score=content.similarity,
        knn_similarity=knn.similarity_,
        role_required=required,
        role_importance=importance,
        skill_strategic=strategic,
        pop_all=pop_all,
        pop_recent=pop_recent,
        role_size=role_pop.group_size_,
        department_size=dept_pop.group_size_,
        history=history,
        completed=completed,
        enrolled=enrolled,
        text=content.text,
        content_skill_weight=content.content_weight,
        content_skill_level=content.content_level,
        skill_wsum=evidence.wsum,
        skill_wlevel=evidence.wlevel,
        skill_wassessed=evidence.wassessed,
        skill_wlearned=evidence.wlearned,
        skill_proven=evidence.proven,
        content_effect=item_effects(net_gains(pairs, trend), curve, content.content_weight.shape),
        gain_curve=curve,
        role_pop=role_pop.share_,
        department_pop=dept_pop.share_,
        prerequisites=prereq,
        career_paths=careers.paths,
        role_moves=careers.moves,
        role_move_days=careers.move_days,
        role_next=most_likely_next(next_role_likelihood(careers.paths, careers.moves)),
        skill_prior=prior_levels[0],
        skill_prior_mean=prior_levels[1],
        skill_prior_entry=entry_levels,
    )
