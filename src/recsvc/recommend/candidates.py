"""Who is asking: history, CF vector, skill levels and requirements, and the strategy they imply.

Everything personal that scoring needs is resolved here once per request into
:class:`UserSignals`, folding in request-time facts (``recent_content_ids``,
``recent_assessments``) without retraining. The trainer builds the same signals for its
holdout users, so training and serving features cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc.errors import UnknownRoleError, UnknownSkillError
from recsvc.features.confidence import to_confidence
from recsvc.models.base import FloatArray
from recsvc.models.cf import fold_in_user
from recsvc.models.skill_gap import need_weights
from recsvc.recommend.query import Context
from recsvc.recommend.skill_state import resolve_skill_state
from recsvc.recommend.state import ModelState
from recsvc.recommend.value import SkillNeed

__all__ = [
    "COLD_START_POPULARITY",
    "COLD_START_ROLE",
    "COLD_START_TARGET_ROLE",
    "DEFAULT_TARGET_WEIGHT",
    "PERSONALISED",
    "PERSONALISED_FOLDED_IN",
    "PROJECT_MIN_LEVEL",
    "UserSignals",
    "build_signals",
    "role_index",
    "text_by_term",
]

PERSONALISED = "personalised"
PERSONALISED_FOLDED_IN = "personalised_folded_in"
COLD_START_ROLE = "cold_start_role"
COLD_START_TARGET_ROLE = "cold_start_target_role"
COLD_START_POPULARITY = "cold_start_popularity"

#: a project asks for at least working proficiency, and always one level above the current
PROJECT_MIN_LEVEL = 3.0
#: someone without a target role grows toward their role's most likely next role
#: (``state.role_next``), whose skills weigh this share of their importance: the current
#: role's gaps still come first
DEFAULT_TARGET_WEIGHT = 0.5


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
    level_sd: FloatArray  # its standard deviation
    evidence: npt.NDArray[np.int8]  # skill_state.EVIDENCE_NAMES code per skill
    dropped: npt.NDArray[np.bool_]  # items the person started and dropped
    need: SkillNeed
    required_role: FloatArray
    required_target: FloatArray
    required_project: FloatArray
    gap: FloatArray
    gap_weight: FloatArray
    project_text: FloatArray | None  # cosine of every item to the project text
    #: the target role is the role's most likely next role, not one set for the person
    target_is_default: bool = False

    @cached_property
    def positive_history(self) -> npt.NDArray[np.int64]:
        """History items taken (not dropped); read by several scorers of one request."""
        return self.history_idx[self.history_conf > 0]


def role_index(state: ModelState, role_id: str | None, what: str) -> int:
    if role_id is None:
        return -1
    idx = state.roles.get(role_id)
    if idx < 0:
        raise UnknownRoleError(
            f"{what} {role_id!r} is not a role this model knows; use one of the roles in the "
            "training data (GET /roles lists them)"
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
    recent = np.zeros(0, dtype=np.int64)
    if context.recent_content_ids:
        recent_all = state.content.indices(context.recent_content_ids)
        recent = np.unique(recent_all[recent_all >= 0])
    role = role_index(state, context.role_id, "role_id")
    if role < 0 and e >= 0:
        role = int(state.employee_role[e])
    target = role_index(state, context.target_role_id, "target_role_id")
    if target < 0 and e >= 0:
        target = int(state.employee_target_role[e])
    target_is_default = target < 0 <= role and state.role_next[role] >= 0
    if target_is_default:
        target = int(state.role_next[role])
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
                "send skill ids from the skills table (GET /skills lists them)"
            )
    skill_state = resolve_skill_state(
        state,
        e,
        roles=(role, target),
        project_skills=s_idx,
        recent_items=recent,
        recent_assessments=context.recent_assessments,
    )
    current = skill_state.level
    zeros = np.zeros(n_s, dtype=np.float32)
    req_role = np.asarray(state.role_required[role], np.float32) if role >= 0 else zeros
    req_target = np.asarray(state.role_required[target], np.float32) if target >= 0 else zeros
    imp = np.zeros(n_s, dtype=np.float32)
    if role >= 0:
        imp = np.maximum(imp, state.role_importance[role])
    if target >= 0:
        share = DEFAULT_TARGET_WEIGHT if target_is_default else 1.0
        imp = np.maximum(imp, np.float32(share) * state.role_importance[target])
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
    need_weight = need_weights(required, imp, state.skill_strategic)
    gap = (required - current).clip(0.0, None).astype(np.float32)
    gap_w = gap * need_weight
    dropped = np.zeros(n_i, dtype=bool)
    dropped[hist_idx[hist_conf < 0]] = True
    dropped &= ~done

    if folded:
        strategy = PERSONALISED_FOLDED_IN
    elif known_history:
        strategy = PERSONALISED
    elif role >= 0:
        strategy = COLD_START_ROLE
    elif target >= 0:
        strategy = COLD_START_TARGET_ROLE
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
        level_sd=skill_state.sd,
        evidence=skill_state.evidence,
        dropped=dropped,
        need=SkillNeed(current, skill_state.sd, required, need_weight, skill_state.proven),
        required_role=req_role,
        required_target=req_target,
        required_project=req_project,
        gap=gap,
        gap_weight=gap_w,
        project_text=project_text,
        target_is_default=target_is_default,
    )
