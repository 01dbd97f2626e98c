"""The pre-optimisation request path, kept verbatim as the oracle the fast core must match.

Copied from ``recsvc.recommend`` (engine.recommend, explain, diversify.mmr,
rules.allowed_items) before they were rewritten for speed. The shared pieces that did not
change (``build_signals``, ``FeatureBuilder``, ``top_k``) are imported, so this module
answers exactly as the core did. Do not "fix" or speed it up: its job is to stay still.
The one deliberate change since: gap reasons need a difficulty fit of at least
``_MIN_GAP_FIT`` (as in ``explain.py``); the role prior lives in the shared ``build_signals``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc.contract import CONTENT_FORMATS
from recsvc.models.base import top_k
from recsvc.models.skill_gap import difficulty_fit
from recsvc.recommend.candidates import UserSignals, build_signals
from recsvc.recommend.engine import Recommender
from recsvc.recommend.query import Query, Reason, Recommendations, RecommendedItem
from recsvc.recommend.rules import format_codes, language_codes
from recsvc.recommend.state import ModelState

__all__ = ["reference_recommend"]

MIN_POOL = 50
POOL_FACTOR = 5
MAX_REASONS = 3
_MIN_ROLE_SHARE = 0.05
_MIN_SIMILARITY = 0.15
_MIN_PROJECT_SIMILARITY = 0.05
_MIN_STRATEGIC = 0.5
_MIN_GAP_FIT = 0.3  # added with the role prior: a deliberate change of the reasons
BoolArray = npt.NDArray[np.bool_]


def allowed_items(state: ModelState, signals: UserSignals, query: Query) -> BoolArray:
    ctx, flt = query.context, query.filters
    ok = np.asarray(state.content_active, dtype=bool) & ~signals.excluded
    if flt.exclude_content_ids:
        idx = state.content.indices(flt.exclude_content_ids)
        ok[idx[idx >= 0]] = False
    if state.prerequisites.nnz:
        missing = (~signals.done).astype(np.float32)
        ok &= np.asarray(state.prerequisites @ missing).ravel() == 0
    for formats in (ctx.formats, flt.formats):
        if formats:
            ok &= np.isin(state.content_format, format_codes(formats))
    for langs in ((ctx.language,) if ctx.language else (), flt.languages):
        if langs:
            ok &= np.isin(state.content_language, language_codes(state, langs))
    duration = np.asarray(state.content_duration, dtype=np.float32)
    for cap in (flt.max_duration_minutes, ctx.time_budget_minutes):
        if cap is not None:
            ok &= np.isfinite(duration) & (duration <= cap)
    return ok


def mmr(
    pool: npt.NDArray[np.int64],
    relevance: npt.NDArray[np.float32],
    vectors: Any,
    *,
    k: int,
    diversity: float,
    durations: npt.NDArray[np.float32] | None = None,
    budget: float | None = None,
) -> npt.NDArray[np.int64]:
    n = len(pool)
    if n == 0 or k <= 0:
        return np.zeros(0, dtype=np.int64)
    rel = np.asarray(relevance, dtype=np.float64)
    span = rel.max() - rel.min()
    rel = (rel - rel.min()) / span if span > 0 else np.ones(n)
    lam = float(np.clip(diversity, 0.0, 1.0))
    if lam > 0:
        v = vectors[pool]
        prod: Any = v @ v.T
        sim = np.asarray(prod.toarray() if sp.issparse(prod) else prod, dtype=np.float64)
    else:
        sim = np.zeros((n, n))
    dur = np.zeros(n) if durations is None else np.nan_to_num(np.asarray(durations, np.float64))
    remaining = np.inf if budget is None else float(budget)
    chosen: list[int] = []
    max_sim = np.zeros(n)
    free = np.ones(n, dtype=bool)
    while len(chosen) < k:
        fits = free & (dur <= remaining + 1e-9)
        if not fits.any():
            break
        value = np.where(fits, (1.0 - lam) * rel - lam * max_sim, -np.inf)
        best = int(np.argmax(value))
        chosen.append(best)
        free[best] = False
        remaining -= dur[best]
        max_sim = np.maximum(max_sim, sim[best])
    return pool[np.asarray(chosen, dtype=np.int64)]


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
    fit = difficulty_fit(np.rint(levels) - s.current[skills], state.params.sigma)
    value = np.where(fit >= _MIN_GAP_FIT, w_m.data[lo:hi] * s.gap_weight[skills] * fit, 0.0)
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


def reference_recommend(rec: Recommender, query: Query, vectors: Any) -> Recommendations:
    """What ``rec.recommend(query)`` answered before the speed work.

    ``vectors`` is ``diversify.diversity_vectors(...)`` of the bundle (computed once).
    """
    st = rec.state
    signals = build_signals(st, query.employee_id, query.context)
    scores, feats = rec.features.scores(signals)
    ok = allowed_items(st, signals, query)
    k = max(0, int(query.k))
    allowed = np.flatnonzero(ok)
    if len(allowed) == 0 or k == 0:
        return Recommendations(query.employee_id, rec.model_version, signals.strategy, ())
    pool_size = max(MIN_POOL, POOL_FACTOR * k)
    pool = allowed[top_k(scores[allowed], pool_size)]
    durations = np.asarray(st.content_duration, dtype=np.float32)
    chosen = mmr(
        pool,
        scores[pool],
        vectors,
        k=k,
        diversity=query.diversity,
        durations=durations[pool],
        budget=query.context.time_budget_minutes,
    )
    items = []
    for rank, i in enumerate(chosen, start=1):
        item = int(i)
        duration = float(durations[item])
        fmt = int(st.content_format[item])
        items.append(
            RecommendedItem(
                content_id=st.content.id_of(item),
                title=st.titles[item],
                format=CONTENT_FORMATS[fmt] if fmt >= 0 else None,
                duration_minutes=duration if np.isfinite(duration) else None,
                score=float(scores[item]),
                rank=rank,
                reasons=explain_item(st, signals, item, feats[item]) if query.explain else (),
            )
        )
    return Recommendations(query.employee_id, rec.model_version, signals.strategy, tuple(items))
