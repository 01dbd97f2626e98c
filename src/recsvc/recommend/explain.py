"""Reasons a person understands, each with a stable machine-readable code and details.

Codes (stable; the service and clients may rely on them):

``skill_gap_role``, ``skill_gap_target_role``, ``skill_gap_project``
    Teaches a skill where the employee is below what their role / target role / project
    needs, at a suitable level. details: skill_id, skill_name, current_level,
    required_level, teaches_level (+ role_id, role_title for role gaps).
``strategic_skill``
    Teaches a skill the organisation marks as strategic. details: skill_id, skill_name,
    strategic_weight.
``popular_in_role``
    Taken by a share of the people in the employee's role. details: role_id, role_title,
    share.
``similar_to_completed``
    Close in content to something the employee took. details: content_id, title,
    similarity.
``matches_project``
    Matches the free-text project description. details: similarity.
``similar_learners``
    People with a similar learning history took it (collaborative filtering).
``popular``
    Popular across the organisation (fallback, always available). details: share.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recsvc.models.skill_gap import difficulty_fit
from recsvc.recommend.candidates import UserSignals
from recsvc.recommend.query import Reason
from recsvc.recommend.state import ModelState

__all__ = ["MAX_REASONS", "explain_item"]

MAX_REASONS = 3
_MIN_ROLE_SHARE = 0.05
_MIN_SIMILARITY = 0.15
_MIN_PROJECT_SIMILARITY = 0.05
_MIN_STRATEGIC = 0.5


def _pct(share: float) -> str:
    return f"{100.0 * share:.0f}%"


def _skill_reasons(state: ModelState, s: UserSignals, item: int) -> list[Reason]:
    w_m, l_m = state.content_skill_weight, state.content_skill_level
    lo, hi = w_m.indptr[item], w_m.indptr[item + 1]
    skills = w_m.indices[lo:hi]
    if len(skills) == 0:
        return []
    levels = np.asarray(l_m.data[lo:hi], dtype=np.float32)
    out: list[Reason] = []
    value = (
        w_m.data[lo:hi]
        * s.gap_weight[skills]
        * difficulty_fit(np.rint(levels) - s.current[skills], state.params.sigma)
    )
    best = int(np.argmax(value)) if len(value) else -1
    if best >= 0 and value[best] > 0:
        sk = int(skills[best])
        name = state.skill_names[sk]
        details: dict[str, object] = {
            "skill_id": state.skills.id_of(sk),
            "skill_name": name,
            "current_level": round(float(s.current[sk]), 2),
            "teaches_level": int(np.rint(levels[best])),
        }
        proj, targ, role = s.required_project[sk], s.required_target[sk], s.required_role[sk]
        if proj > 0 and proj >= max(targ, role):
            details["required_level"] = float(proj)
            out.append(
                Reason("skill_gap_project", f"Closes your gap in {name} for your project", details)
            )
        else:
            use_target = targ >= role and s.target_role_idx >= 0
            r = s.target_role_idx if use_target else s.role_idx
            title = state.role_titles[r] if r >= 0 else ""
            details.update(
                required_level=float(targ if use_target else role),
                role_id=state.roles.id_of(r) if r >= 0 else None,
                role_title=title,
            )
            code, text = (
                ("skill_gap_target_role", f"Closes your gap in {name} for your target role {title}")
                if use_target
                else ("skill_gap_role", f"Closes your gap in {name} for {title}")
            )
            out.append(Reason(code, text, details))
    strategic = state.skill_strategic[skills]
    top = int(np.argmax(strategic))
    if strategic[top] >= _MIN_STRATEGIC:
        sk = int(skills[top])
        name = state.skill_names[sk]
        out.append(
            Reason(
                "strategic_skill",
                f"{name} is a strategic skill for the organisation",
                {
                    "skill_id": state.skills.id_of(sk),
                    "skill_name": name,
                    "strategic_weight": round(float(strategic[top]), 3),
                },
            )
        )
    return out


def _share(m: sp.csr_matrix, group: int, item: int) -> float:
    if not 0 <= group < m.shape[0]:
        return 0.0
    lo, hi = m.indptr[group], m.indptr[group + 1]
    pos = np.searchsorted(m.indices[lo:hi], item)
    if pos < hi - lo and m.indices[lo + pos] == item:
        return float(m.data[lo + pos])
    return 0.0


def _similar_reason(state: ModelState, s: UserSignals, item: int) -> Reason | None:
    hist = s.positive_history
    if len(hist) == 0:
        return None
    nb = state.similar_idx[hist]
    hit = nb == item
    if not hit.any():
        return None
    sims = np.where(hit, state.similar_score[hist], 0.0).max(axis=1)
    best = int(np.argmax(sims))
    if sims[best] < _MIN_SIMILARITY:
        return None
    h = int(hist[best])
    title = state.titles[h]
    verb = "completed" if s.done[h] else "took"
    return Reason(
        "similar_to_completed",
        f"Similar to '{title}', which you {verb}",
        {
            "content_id": state.content.id_of(h),
            "title": title,
            "similarity": round(float(sims[best]), 3),
        },
    )


def explain_item(
    state: ModelState, s: UserSignals, item: int, features: np.ndarray
) -> tuple[Reason, ...]:
    """Up to ``MAX_REASONS`` reasons for recommending ``item``; never empty."""
    reasons = _skill_reasons(state, s, item)
    if s.project_text is not None and s.project_text[item] >= _MIN_PROJECT_SIMILARITY:
        reasons.append(
            Reason(
                "matches_project",
                "Matches your project description",
                {"similarity": round(float(s.project_text[item]), 3)},
            )
        )
    similar = _similar_reason(state, s, item)
    if similar is not None:
        reasons.append(similar)
    role_share = _share(state.role_pop, s.role_idx, item)
    if role_share >= _MIN_ROLE_SHARE:
        title = state.role_titles[s.role_idx]
        reasons.append(
            Reason(
                "popular_in_role",
                f"Taken by {_pct(role_share)} of people in your role ({title})",
                {
                    "role_id": state.roles.id_of(s.role_idx),
                    "role_title": title,
                    "share": round(role_share, 4),
                },
            )
        )
    if not reasons and s.user_vector is not None and features[0] > 0:
        reasons.append(
            Reason("similar_learners", "People with a learning history like yours took this")
        )
    if not reasons:
        share = float(state.pop_all[item])
        reasons.append(
            Reason(
                "popular",
                f"Popular across the organisation: taken by {_pct(share)} of employees",
                {"share": round(share, 4)},
            )
        )
    return tuple(reasons[:MAX_REASONS])
