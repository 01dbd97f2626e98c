"""Reasons a person understands, each with a stable machine-readable code and details.

Codes (stable; the service and clients may rely on them):

Reasons come from what actually raised the item: skill reasons from the skills behind its
learning value (largest first), so no reason names a skill the item does not teach beyond
the person's level; the rest from the engagement signals.

``skill_gap_role``, ``skill_gap_target_role``, ``skill_gap_project``
    Closes part of a gap in a skill the employee's role / target role / project needs,
    teaching above their current level. details: skill_id, skill_name, current_level,
    required_level, teaches_level (+ role_id, role_title for role gaps).
``skill_gap_next_role``
    As ``skill_gap_target_role`` for someone without a target role: the role is the most
    likely next role from their current one (their default growth target), and the text
    says so.
``strategic_skill``
    One of the skills it closes a gap in is strategic for the organisation. details:
    skill_id, skill_name, strategic_weight.
``fill_in``
    No learning value for this person: shown only because no skill gap of theirs is left
    that the allowed content closes. Always the first reason of such an item.
``dropped_before``
    The employee started this item before and did not finish it.
``popular_in_role``
    Taken by a share of the people in the employee's role. details: role_id, role_title,
    share. Only for roles the peer floor allows (:mod:`recsvc.privacy`): at least
    ``min_group`` people, and never a set of roles that would let the organisation's figure
    be differenced down to fewer people.
``similar_to_completed``
    Close in content to something the employee took. details: content_id, title,
    similarity.
``matches_project``
    Matches the free-text project description. details: similarity.
``similar_learners``
    People with a similar learning history took it (collaborative filtering).
``popular``
    Popular across the organisation (fallback, always available). details: share (left
    out, with the percentage, when the organisation has fewer than ``min_group`` people).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recsvc.privacy import MIN_GROUP, publishable_groups
from recsvc.recommend.candidates import UserSignals
from recsvc.recommend.query import Reason
from recsvc.recommend.state import ModelState
from recsvc.recommend.value import Contribution, LearningValue

__all__ = ["MAX_REASONS", "ExplainTables", "explain_items"]

FILL_IN = Reason(
    "fill_in",
    "No skill gap of yours left that this closes: shown to fill the list",
)
DROPPED_BEFORE = Reason("dropped_before", "You started this before and did not finish it")

MAX_REASONS = 3
_MIN_ROLE_SHARE = 0.05
_MIN_SIMILARITY = 0.15
_MIN_PROJECT_SIMILARITY = 0.05
_MIN_STRATEGIC = 0.5
Int64Array = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class ExplainTables:
    """Request-independent lookups behind reasons, as plain arrays (built once per bundle).

    Reasons need a handful of values per recommended item; reading them through scipy
    sparse rows cost more than everything else in a request, so the CSR parts are kept as
    bare numpy arrays and gathered for all recommended items at once.
    """

    role_indptr: Int64Array  # roles -> items taken, with the share of the role
    role_items: Int64Array
    role_share: npt.NDArray[np.float32]
    role_quotable: npt.NDArray[np.bool_]  # roles whose share the peer floor allows
    org_quotable: bool  # the organisation has at least min_group people
    skill_strategic: list[float]  # the strategic weight of each skill

    @classmethod
    def from_state(cls, state: ModelState, min_group: int = MIN_GROUP) -> ExplainTables:
        rp = state.role_pop
        sizes = np.rint(np.asarray(state.role_size, dtype=np.float64)).astype(np.int64)
        everyone = len(state.employees)
        return cls(
            role_indptr=np.asarray(rp.indptr, dtype=np.int64),
            role_items=np.asarray(rp.indices, dtype=np.int64),
            role_share=np.asarray(rp.data, dtype=np.float32),
            role_quotable=publishable_groups(
                sizes, min_group, outside=max(everyone - int(sizes.sum()), 0)
            ),
            org_quotable=everyone >= min_group,
            skill_strategic=np.asarray(state.skill_strategic).tolist(),
        )

    def quotes_role(self, role: int) -> bool:
        return 0 <= role < len(self.role_quotable) and bool(self.role_quotable[role])


def _pct(share: float) -> str:
    return f"{100.0 * share:.0f}%"


@dataclass(frozen=True, eq=False)
class _Levels:
    """One person's per-skill levels as Python lists: a reason reads a few of them, and
    indexing a list costs a fraction of indexing numpy (converted once per request)."""

    current: list[float]
    project: list[float]
    target: list[float]
    role: list[float]

    @classmethod
    def of(cls, s: UserSignals) -> _Levels:
        return cls(
            s.current.tolist(),
            s.required_project.tolist(),
            s.required_target.tolist(),
            s.required_role.tolist(),
        )


def _skill_reasons(
    state: ModelState,
    t: ExplainTables,
    s: UserSignals,
    levels: _Levels,
    parts: list[Contribution],
) -> list[Reason]:
    """Gap reasons for the (up to two) skills behind the item's value, then strategic."""
    reasons = [_gap_reason(state, s, levels, c.skill, c.taught_level) for c in parts[:2]]
    weights = t.skill_strategic
    strategic = [c.skill for c in parts if weights[c.skill] >= _MIN_STRATEGIC]
    if strategic:
        sk = max(strategic, key=weights.__getitem__)
        name = state.skill_names[sk]
        reasons.append(
            Reason(
                "strategic_skill",
                f"{name} is a strategic skill for the organisation",
                {
                    "skill_id": state.skills.id_of(sk),
                    "skill_name": name,
                    "strategic_weight": round(weights[sk], 3),
                },
            )
        )
    return reasons


def _gap_reason(
    state: ModelState, s: UserSignals, levels: _Levels, sk: int, teaches: int
) -> Reason:
    name = state.skill_names[sk]
    details: dict[str, object] = {
        "skill_id": state.skills.id_of(sk),
        "skill_name": name,
        "current_level": round(levels.current[sk], 2),
        "teaches_level": teaches,
    }
    proj, targ, role = levels.project[sk], levels.target[sk], levels.role[sk]
    if proj > 0 and proj >= max(targ, role):
        details["required_level"] = round(proj, 3)
        return Reason("skill_gap_project", f"Closes your gap in {name} for your project", details)
    use_target = targ >= role and s.target_role_idx >= 0
    r = s.target_role_idx if use_target else s.role_idx
    title = state.role_titles[r] if r >= 0 else ""
    details.update(
        required_level=round(targ if use_target else role, 3),
        role_id=state.roles.id_of(r) if r >= 0 else None,
        role_title=title,
    )
    if use_target and s.target_is_default:
        return Reason(
            "skill_gap_next_role",
            f"Closes your gap in {name} for {title}, the most likely next role from yours "
            "(you have no target role set)",
            details,
        )
    if use_target:
        return Reason(
            "skill_gap_target_role",
            f"Closes your gap in {name} for your target role {title}",
            details,
        )
    return Reason("skill_gap_role", f"Closes your gap in {name} for {title}", details)


def _role_shares(t: ExplainTables, role: int, items: Int64Array) -> list[float]:
    if not 0 <= role < len(t.role_indptr) - 1:
        return [0.0] * len(items)
    lo, hi = int(t.role_indptr[role]), int(t.role_indptr[role + 1])
    if hi == lo:
        return [0.0] * len(items)
    row = t.role_items[lo:hi]
    pos = np.minimum(np.searchsorted(row, items), hi - lo - 1)
    found = row[pos] == items
    return np.where(found, t.role_share[lo + pos], 0.0).tolist()  # type: ignore[no-any-return]


def _similar_reasons(state: ModelState, s: UserSignals, items: Int64Array) -> dict[int, Reason]:
    """``similar_to_completed`` per item: the history item it is most similar to.

    Scans the history's neighbour lists once in row order, so ties go to the earliest
    history item, as a per-item argmax would.
    """
    hist = s.positive_history
    if len(hist) == 0:
        return {}
    nb = state.similar_idx[hist]
    wanted = np.zeros(len(state.content) + 1, dtype=bool)  # the extra slot is for -1 pads
    wanted[items] = True
    flat = np.flatnonzero(wanted[nb])
    if len(flat) == 0:
        return {}
    row_idx, col_idx = np.divmod(flat, nb.shape[1])
    rows = row_idx.tolist()
    hit_items = nb.ravel()[flat].tolist()
    hit_scores = state.similar_score[hist[row_idx], col_idx].tolist()
    best: dict[int, tuple[float, int]] = {}
    for row, item, score in zip(rows, hit_items, hit_scores, strict=True):
        if item not in best or score > best[item][0]:
            best[item] = (score, row)
    out: dict[int, Reason] = {}
    hist_l = hist.tolist()
    for item, (score, row) in best.items():
        if score < _MIN_SIMILARITY:
            continue
        h = hist_l[row]
        title = state.titles[h]
        verb = "completed" if s.done[h] else "took"
        out[item] = Reason(
            "similar_to_completed",
            f"Similar to '{title}', which you {verb}",
            {"content_id": state.content.id_of(h), "title": title, "similarity": round(score, 3)},
        )
    return out


def explain_items(
    state: ModelState,
    tables: ExplainTables,
    values: LearningValue,
    s: UserSignals,
    items: Sequence[int] | Int64Array,
    cf_positive: Sequence[bool],
    has_value: Sequence[bool],
) -> list[tuple[Reason, ...]]:
    """Up to ``MAX_REASONS`` reasons for each of ``items``; never empty.

    ``cf_positive[j]`` says whether the item's standardised CF score is above zero (the
    ``similar_learners`` fallback); ``has_value[j]`` whether it has learning value (else,
    when the person has any skill need on record, it is labelled ``fill_in``).
    """
    idx = np.asarray(items, dtype=np.int64)
    if len(idx) == 0:
        return []
    needs_known = bool(s.need.weight.any())
    parts = values.contributions(s.need, idx)
    levels = _Levels.of(s)
    by_skill = [
        _skill_reasons(state, tables, s, levels, part)
        if valued
        else [FILL_IN]
        if needs_known
        else []
        for part, valued in zip(parts, has_value, strict=True)
    ]
    project = s.project_text[idx].tolist() if s.project_text is not None else None
    dropped = s.dropped[idx].tolist()
    for j, reasons in enumerate(by_skill):
        if dropped[j]:
            reasons.insert(min(len(reasons), 1), DROPPED_BEFORE)
        if project is not None and project[j] >= _MIN_PROJECT_SIMILARITY:
            reasons.append(
                Reason(
                    "matches_project",
                    "Matches your project description",
                    {"similarity": round(project[j], 3)},
                )
            )
    # the reasons below only show on items with room left under MAX_REASONS
    # (each item's similar-content reason depends on that item alone)
    room = [len(reasons) < MAX_REASONS for reasons in by_skill]
    similar = _similar_reasons(state, s, idx[np.asarray(room, dtype=bool)]) if any(room) else {}
    shares = (
        _role_shares(tables, s.role_idx, idx)
        if tables.quotes_role(s.role_idx) and any(room)
        else [0.0] * len(idx)
    )
    out: list[tuple[Reason, ...]] = []
    for j, item in enumerate(idx.tolist()):
        reasons = by_skill[j]
        if item in similar:
            reasons.append(similar[item])
        if shares[j] >= _MIN_ROLE_SHARE and len(reasons) < MAX_REASONS:
            title = state.role_titles[s.role_idx]
            reasons.append(
                Reason(
                    "popular_in_role",
                    f"Taken by {_pct(shares[j])} of people in your role ({title})",
                    {
                        "role_id": state.roles.id_of(s.role_idx),
                        "role_title": title,
                        "share": round(shares[j], 4),
                    },
                )
            )
        if not reasons and s.user_vector is not None and cf_positive[j]:
            reasons.append(
                Reason("similar_learners", "People with a learning history like yours took this")
            )
        if not reasons and tables.org_quotable:
            share = float(state.pop_all[item])
            reasons.append(
                Reason(
                    "popular",
                    f"Popular across the organisation: taken by {_pct(share)} of employees",
                    {"share": round(share, 4)},
                )
            )
        elif not reasons:
            reasons.append(Reason("popular", "Popular across the organisation"))
        out.append(tuple(reasons[:MAX_REASONS]))
    return out
