"""Who is asking: history, CF vector, skill levels and requirements, and the strategy they imply.

Everything personal that scoring needs is resolved here once per request into
:class:`UserSignals`, folding in request-time facts (``recent_content_ids``,
``recent_assessments``) without retraining. The trainer builds the same signals for its
holdout users, so training and serving features cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc.errors import UnknownRoleError, UnknownSkillError
from recsvc.features.confidence import to_confidence
from recsvc.models.base import FloatArray
from recsvc.models.cf import fold_in_user
from recsvc.models.skill_gap import weighted_gap
from recsvc.recommend.query import Context
from recsvc.recommend.state import ModelState

__all__ = [
    "COLD_START_POPULARITY",
    "COLD_START_ROLE",
    "PERSONALISED",
    "PERSONALISED_FOLDED_IN",
    "PROJECT_MIN_LEVEL",
    "UserSignals",
    "build_signals",
    "text_by_term",
]

PERSONALISED = "personalised"
PERSONALISED_FOLDED_IN = "personalised_folded_in"
COLD_START_ROLE = "cold_start_role"
COLD_START_POPULARITY = "cold_start_popularity"

#: a project asks for at least working proficiency, and always one level above the current
PROJECT_MIN_LEVEL = 3.0


@dataclass(frozen=True, eq=False)
class UserSignals:
    """Request-resolved view of one employee (arrays are per item or per skill)."""

    employee_idx: int
    strategy: str
    history_idx: npt.NDArray[np.int64]
    history_conf: FloatArray
    user_vector: FloatArray | None
    done: npt.NDArray[np.bool_]  # completed, in the bundle or in the request
    excluded: npt.NDArray[np.bool_]  # done or currently enrolled: never recommended
    role_idx: int
    target_role_idx: int
    department_idx: int
    current: FloatArray  # estimated level per skill
    required_role: FloatArray
    required_target: FloatArray
    required_project: FloatArray
    gap: FloatArray
    gap_weight: FloatArray
    project_text: FloatArray | None  # cosine of every item to the project text

    @property
    def positive_history(self) -> npt.NDArray[np.int64]:
        return self.history_idx[self.history_conf > 0]


def _role(state: ModelState, role_id: str | None, what: str) -> int:
    if role_id is None:
        return -1
    idx = state.roles.get(role_id)
    if idx < 0:
        raise UnknownRoleError(
            f"{what} {role_id!r} is not a role this model knows; use one of the roles in the "
            "training data (GET /model lists the capabilities)"
        )
    return idx


def _history(
    state: ModelState, e: int, recent: npt.NDArray[np.int64]
) -> tuple[npt.NDArray[np.int64], FloatArray]:
    if e >= 0:
        lo, hi = state.history.indptr[e], state.history.indptr[e + 1]
        idx = np.asarray(state.history.indices[lo:hi], dtype=np.int64)
        conf = np.asarray(state.history.data[lo:hi], dtype=np.float32)
    else:
        idx = np.zeros(0, dtype=np.int64)
        conf = np.zeros(0, dtype=np.float32)
    if len(recent) == 0:
        return idx, conf
    # a completion just now: weight ``completed`` at age 0, added to any earlier enrolment
    params = state.params.confidence
    weights = np.zeros(state.history.shape[1], dtype=np.float32)
    if len(idx):
        # invert c = sign(w)(1 + alpha |w|) to add weights, then map back
        weights[idx] = np.sign(conf) * (np.abs(conf) - 1.0) / max(params.alpha, 1e-9)
    weights[recent] += params.completed
    new_idx = np.flatnonzero(weights).astype(np.int64)
    return new_idx, to_confidence(weights[new_idx], params.alpha)


def _add_prior(
    state: ModelState,
    wsum: npt.NDArray[np.float64],
    wlevel: npt.NDArray[np.float64],
    roles: tuple[int, int],
    project: npt.NDArray[np.int64],
) -> None:
    """Fold the role prior into skills the request needs and nothing is known about.

    The trainer gave every employee ``prior_weight`` at their role's prior level on each
    skill their role or target role asks for. Here the same goes to newcomers (nothing in
    the bundle), and to a known employee's skills of a role, target role or project named
    in the request that have no evidence; skills with evidence (or the stored prior) keep
    it. Without this a newcomer, or a target-role skill nobody assessed, reads as level 0.
    """
    w = state.params.prior_weight
    if w <= 0 or len(wsum) == 0:
        return
    needed = np.zeros(len(wsum), dtype=bool)
    for r in roles:
        if r >= 0:
            needed |= state.role_required[r] > 0
    needed[project] = True
    level = state.skill_prior[roles[0]] if roles[0] >= 0 else state.skill_prior_mean
    add = needed & (wsum == 0) & (level > 0)
    wsum[add] += w
    wlevel[add] += w * level[add]


def _skill_levels(
    state: ModelState,
    e: int,
    recent: npt.NDArray[np.int64],
    context: Context,
    roles: tuple[int, int],
    project: npt.NDArray[np.int64],
) -> FloatArray:
    """Level per skill: bundle evidence, role prior where none, then request-time facts."""
    n_s = len(state.skills)
    wsum = np.zeros(n_s, dtype=np.float64)
    wlevel = np.zeros(n_s, dtype=np.float64)
    if e >= 0 and n_s:
        lo, hi = state.skill_wsum.indptr[e], state.skill_wsum.indptr[e + 1]
        cols = state.skill_wsum.indices[lo:hi]
        wsum[cols] = state.skill_wsum.data[lo:hi]
        lo, hi = state.skill_wlevel.indptr[e], state.skill_wlevel.indptr[e + 1]
        wlevel[state.skill_wlevel.indices[lo:hi]] = state.skill_wlevel.data[lo:hi]
    _add_prior(state, wsum, wlevel, roles, project)
    p = state.params
    for item in recent:
        lo, hi = (
            state.content_skill_weight.indptr[item],
            state.content_skill_weight.indptr[item + 1],
        )
        cols = state.content_skill_weight.indices[lo:hi]
        w = p.evidence_weight * state.content_skill_weight.data[lo:hi]
        wsum[cols] += w
        wlevel[cols] += w * state.content_skill_level.data[lo:hi]
    for a in context.recent_assessments:
        s = state.skills.get(a.skill_id)
        if s < 0:
            raise UnknownSkillError(
                f"assessment skill {a.skill_id!r} is not a skill this model knows; "
                "send only skill ids from the skills table"
            )
        w = float(p.source_weights.get(a.source, 0.3))
        if a.assessed_at is not None and p.skill_half_life_days > 0:
            age = p.as_of - a.assessed_at.timestamp() / 86400.0
            w *= float(0.5 ** (max(age, 0.0) / p.skill_half_life_days))
        wsum[s] += w
        wlevel[s] += w * float(a.level)
    out = np.divide(wlevel, wsum, out=np.zeros(n_s), where=wsum > 0)
    return out.astype(np.float32)


def text_by_term(text: sp.csr_matrix) -> sp.csr_matrix | None:
    """Terms x items copy of the items x terms TF-IDF, for :func:`build_signals`.

    Only when the rows of ``text`` are sorted: then adding term columns in term order sums
    every item's products in the order ``text @ q.T`` does, so the cosines are identical.
    """
    if not text.has_sorted_indices:
        return None
    out = sp.csr_matrix(text.T, dtype=text.dtype).tocsr()
    out.sort_indices()
    return out


def _project_text(state: ModelState, q: sp.csr_matrix, by_term: sp.csr_matrix | None) -> FloatArray:
    """Cosine of every item to the query row ``q``; reads only the query's term columns."""
    if by_term is None:
        return np.asarray((state.text @ q.T).toarray().ravel(), dtype=np.float32)
    dtype = np.result_type(by_term.dtype, q.dtype)  # the type scipy multiplies and adds in
    out = np.zeros(state.text.shape[0], dtype=dtype)
    for t, weight in zip(q.indices.tolist(), q.data.astype(dtype), strict=True):
        lo, hi = by_term.indptr[t], by_term.indptr[t + 1]
        out[by_term.indices[lo:hi]] += by_term.data[lo:hi].astype(dtype, copy=False) * weight
    return out.astype(np.float32, copy=False)


def build_signals(
    state: ModelState,
    employee_id: str,
    context: Context,
    *,
    text_terms: sp.csr_matrix | None = None,
) -> UserSignals:
    """Resolve an employee and request context; unknown employees get a cold-start view.

    Raises UnknownRoleError / UnknownSkillError for ids in the context the model does not
    know. Unknown content ids in ``recent_content_ids`` are ignored (they may be newer than
    the bundle). ``text_terms`` (:func:`text_by_term` of ``state.text``, computed once)
    makes project-text matching read a few columns instead of the whole matrix.
    """
    n_i, n_s = len(state.content), len(state.skills)
    e = state.employees.get(employee_id)
    recent_all = state.content.indices(context.recent_content_ids)
    recent = np.unique(recent_all[recent_all >= 0])
    role = _role(state, context.role_id, "role_id")
    if role < 0 and e >= 0:
        role = int(state.employee_role[e])
    target = _role(state, context.target_role_id, "target_role_id")
    if target < 0 and e >= 0:
        target = int(state.employee_target_role[e])
    dept = int(state.employee_department[e]) if e >= 0 else -1

    hist_idx, hist_conf = _history(state, e, recent)
    known_history = e >= 0 and len(hist_idx) > 0
    folded = len(recent) > 0 or (known_history and len(context.recent_assessments) > 0)
    if len(recent):
        user_vector: FloatArray | None = fold_in_user(
            state.params.mf_algorithm, state.mf_item_factors, state.mf_gram, hist_idx, hist_conf
        )
    elif e >= 0 and len(hist_idx):
        user_vector = np.asarray(state.mf_user_factors[e], dtype=np.float32)
    else:
        user_vector = None

    done = np.zeros(n_i, dtype=bool)
    excluded = np.zeros(n_i, dtype=bool)
    if e >= 0:
        done[state.completed.indices[state.completed.indptr[e] : state.completed.indptr[e + 1]]] = (
            True
        )
        excluded[
            state.enrolled.indices[state.enrolled.indptr[e] : state.enrolled.indptr[e + 1]]
        ] = True
    done[recent] = True
    excluded |= done

    s_idx = np.zeros(0, dtype=np.int64)
    if context.project is not None:
        s_idx = np.asarray(state.skills.indices(context.project.skill_ids), dtype=np.int64)
        if (s_idx < 0).any():
            bad = [s for s, i in zip(context.project.skill_ids, s_idx, strict=True) if i < 0]
            raise UnknownSkillError(
                f"project skill(s) {', '.join(map(repr, bad))} unknown to this model; "
                "send skill ids from the skills table"
            )
    current = _skill_levels(state, e, recent, context, (role, target), s_idx)
    zeros = np.zeros(n_s, dtype=np.float32)
    req_role = np.asarray(state.role_required[role], np.float32) if role >= 0 else zeros
    req_target = np.asarray(state.role_required[target], np.float32) if target >= 0 else zeros
    imp = np.zeros(n_s, dtype=np.float32)
    if role >= 0:
        imp = np.maximum(imp, state.role_importance[role])
    if target >= 0:
        imp = np.maximum(imp, state.role_importance[target])
    req_project = zeros.copy()
    project_text: FloatArray | None = None
    if context.project is not None:
        req_project[s_idx] = np.clip(np.maximum(PROJECT_MIN_LEVEL, current[s_idx] + 1.0), 0, 5)
        imp[s_idx] = 1.0
        if context.project.text and state.text.shape[1]:
            q = state.text_encoder.transform([context.project.text])
            if q.nnz:
                q.sum_duplicates()  # canonical: terms in column order, as the product adds them
                project_text = _project_text(state, q, text_terms)
    required = np.maximum(np.maximum(req_role, req_target), req_project)
    gap, gap_w = weighted_gap(current, required, imp, state.skill_strategic)

    if folded:
        strategy = PERSONALISED_FOLDED_IN
    elif known_history:
        strategy = PERSONALISED
    elif role >= 0:
        strategy = COLD_START_ROLE
    else:
        strategy = COLD_START_POPULARITY
    return UserSignals(
        employee_idx=e,
        strategy=strategy,
        history_idx=hist_idx,
        history_conf=hist_conf,
        user_vector=user_vector,
        done=done,
        excluded=excluded,
        role_idx=role,
        target_role_idx=target,
        department_idx=dept,
        current=current,
        required_role=req_role,
        required_target=req_target,
        required_project=req_project,
        gap=gap,
        gap_weight=gap_w,
        project_text=project_text,
    )
