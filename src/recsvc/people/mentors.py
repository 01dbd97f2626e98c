"""Mentor matching: pair mentees with people who have proven what the mentees need.

A mentor qualifies for a mentee on a skill when a recent *test* proved the mentor's level
(``skill_proven`` in the bundle: assessed, never inferred from courses) and that level is
both at least what the mentee's role or target role requires and at least ``min_lead``
levels above the mentee's estimated level. The need a pair meets is the mentee's weighted
gap (the same need weights as learning value: importance and strategic weight) summed over
the ``skills_per_pair`` skills where the mentor qualifies that weigh most: a mentorship
focuses on a few skills. :func:`recsvc.people.matching.match` pairs the most mentees, then
meets the most need, with no unstable pair (mentees prefer mentors who meet more of their
need; mentors take anyone they qualify for over an empty seat). The answer also carries
what a matching after need alone would meet and pair, and the number of unstable pairs
(checked, not assumed).

Mentors are the people the ``mentors`` table opted in (with their capacity) plus anyone the
request names; a request's entry overrides the table's (a newer opt-in or capacity).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from recsvc.people.matching import NEED_RESOLUTION, blocking_pairs, match, most_need
from recsvc.recommend.candidates import build_signals
from recsvc.recommend.engine import Recommender
from recsvc.recommend.query import Context, InputWarning

__all__ = [
    "MentorLoad",
    "MentorMatch",
    "MentorOffer",
    "MentorPair",
    "MentorQuery",
    "PairSkill",
    "UnmatchedMentee",
    "match_mentors",
]

#: unmatched reasons, as the API names them
UNKNOWN_EMPLOYEE = "unknown_employee"
NO_NEED = "no_need"
NO_QUALIFIED_MENTOR = "no_qualified_mentor"
MENTORS_FULL = "mentors_full"


@dataclass(frozen=True)
class MentorOffer:
    """Someone opted in through the request, with the mentees they take."""

    employee_id: str
    capacity: int = 1


@dataclass(frozen=True)
class MentorQuery:
    mentee_ids: tuple[str, ...]
    mentors: tuple[MentorOffer, ...] = ()
    use_mentor_table: bool = True
    skill_ids: tuple[str, ...] = ()  # only these skills (empty: every skill with a gap)
    min_lead: float = 1.0
    skills_per_pair: int = 3
    #: people erased on a data-protection request: treated as unknown, never matched
    erased: Callable[[str], bool] = lambda _employee_id: False


@dataclass(frozen=True)
class PairSkill:
    skill_id: str
    skill_name: str
    mentee_level: float
    mentee_level_uncertainty: float
    required_level: float
    mentor_level: float  # proven by a recent test
    need_met: float


@dataclass(frozen=True)
class MentorPair:
    mentee_id: str
    mentor_id: str
    need_met: float
    skills: tuple[PairSkill, ...]
    explanation: str


@dataclass(frozen=True)
class UnmatchedMentee:
    mentee_id: str
    reason: str
    explanation: str


@dataclass(frozen=True)
class MentorLoad:
    mentor_id: str
    capacity: int
    assigned: int


@dataclass(frozen=True)
class MentorMatch:
    pairs: tuple[MentorPair, ...]
    unmatched: tuple[UnmatchedMentee, ...]
    mentors: tuple[MentorLoad, ...]
    need_met: float
    #: need met and mentees paired by the matching that meets the most need, whatever it pairs
    most_need_met: float
    matched_at_most_need: int
    unstable_pairs: int
    warnings: tuple[InputWarning, ...]


def _mentor_pool(rec: Recommender, q: MentorQuery, warnings: list[InputWarning]) -> dict[int, int]:
    """Employee index -> capacity: the table's opt-ins, then the request's (which win)."""
    pool = rec.directory.offered_mentors() if q.use_mentor_table else {}
    for i, offer in enumerate(q.mentors):
        e = rec.state.employees.get(offer.employee_id)
        if e < 0 or q.erased(offer.employee_id):
            warnings.append(
                InputWarning(
                    "unknown_employee",
                    f"mentors.{i}.employee_id",
                    f"mentor {offer.employee_id!r} is not in the model: left out",
                )
            )
            continue
        pool[e] = int(offer.capacity)
    ids = rec.state.employees
    return {e: c for e, c in sorted(pool.items()) if c > 0 and not q.erased(ids.id_of(e))}


def _focus(
    rec: Recommender, skill_ids: tuple[str, ...], warnings: list[InputWarning]
) -> np.ndarray | None:
    """Mask of the skills to mentor (None: all); unknown ids are dropped with a warning."""
    if not skill_ids:
        return None
    idx = rec.state.skills.indices(skill_ids)
    for i, (skill, j) in enumerate(zip(skill_ids, idx.tolist(), strict=True)):
        if j < 0:
            warnings.append(
                InputWarning(
                    "unknown_skill",
                    f"skill_ids.{i}",
                    f"skill {skill!r} is not in the model (GET /skills lists the known "
                    "ones): not mentored; the other listed skills still are",
                )
            )
    mask = np.zeros(len(rec.state.skills), dtype=bool)
    mask[idx[idx >= 0]] = True
    return mask


def _levels(values: list[float]) -> str:
    return ", ".join(f"{v:.1f}" for v in values)


def _explain(mentee: str, mentor: str, skills: list[PairSkill], first: str | None) -> str:
    names = ", ".join(s.skill_name for s in skills)
    proved = _levels([s.mentor_level for s in skills])
    text = (
        f"{mentor} proved {names} in a recent test (level {proved}); "
        f"{mentee} is estimated at {_levels([s.mentee_level for s in skills])} against "
        f"{_levels([s.required_level for s in skills])} their role or target role needs."
    )
    if first is not None:
        text += (
            f" {first} would meet more of this need but is full: the matching pairs as many "
            "mentees as it can, then meets the most need."
        )
    return text


def match_mentors(rec: Recommender, q: MentorQuery) -> MentorMatch:
    """The mentor matching for ``q``'s mentees (see the module docstring)."""
    st = rec.state
    warnings: list[InputWarning] = []
    focus = _focus(rec, q.skill_ids, warnings)
    pool = _mentor_pool(rec, q, warnings)
    mentor_idx = np.fromiter(pool, dtype=np.int64, count=len(pool))
    capacity = np.fromiter(pool.values(), dtype=np.int64, count=len(pool))
    proven = np.zeros((len(mentor_idx), len(st.skills)), dtype=np.float32)
    if len(mentor_idx):
        proven = st.skill_proven[mentor_idx].toarray().astype(np.float32)

    unmatched: list[UnmatchedMentee] = []
    mentees: list[tuple[str, int]] = []
    seen: set[str] = set()
    for i, mid in enumerate(q.mentee_ids):
        if mid in seen:
            warnings.append(
                InputWarning("duplicate", f"mentee_ids.{i}", f"mentee {mid!r} listed again")
            )
            continue
        seen.add(mid)
        e = st.employees.get(mid) if not q.erased(mid) else -1
        if e < 0:
            warnings.append(
                InputWarning(
                    "unknown_employee",
                    f"mentee_ids.{i}",
                    f"mentee {mid!r} is not in the model (no skill state): not matched",
                )
            )
            unmatched.append(
                UnmatchedMentee(mid, UNKNOWN_EMPLOYEE, "Not in the model: no skill state.")
            )
        else:
            mentees.append((mid, e))

    n_m, n_t, k = len(mentees), len(mentor_idx), max(1, q.skills_per_pair)
    weights = np.zeros((n_m, n_t))
    details: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    for m, (mid, e) in enumerate(mentees):
        s = build_signals(st, mid, Context())
        need = s.need.gap * s.need.skill_factor()
        if focus is not None:
            need = need * focus
        qualifies = (proven >= s.need.required[None, :]) & (
            proven >= s.need.current[None, :] + q.min_lead
        )
        qualifies &= (need > 0)[None, :]
        qualifies[mentor_idx == e] = False  # nobody mentors themself
        contrib = np.where(qualifies, need[None, :], 0.0)
        top = np.argsort(-contrib, axis=1, kind="stable")[:, :k]
        weights[m] = np.take_along_axis(contrib, top, axis=1).sum(axis=1)
        details.append((need, top, contrib, np.stack([s.need.current, s.need.sd, s.need.required])))

    # need as the answer reports it: pairs within the resolution are ties, never preferences
    weights = np.rint(weights / NEED_RESOLUTION) * NEED_RESOLUTION
    matching = match(weights, capacity)
    most, most_matched = most_need(weights, capacity)
    unstable = len(blocking_pairs(weights, capacity, matching.mentor_of))
    pairs: list[MentorPair] = []
    for m, (mid, _) in enumerate(mentees):
        need, top, contrib, (cur, sd, req) = details[m]
        t = int(matching.mentor_of[m])
        if t < 0:
            if not need.any():
                unmatched.append(UnmatchedMentee(mid, NO_NEED, "No open skill gap to mentor."))
            elif not (weights[m] > 0).any():
                unmatched.append(
                    UnmatchedMentee(
                        mid,
                        NO_QUALIFIED_MENTOR,
                        f"None of the {n_t} mentors proved a skill this person needs at least "
                        f"{q.min_lead:g} level(s) above their level and at the level needed.",
                    )
                )
            else:
                n_ok = int((weights[m] > 0).sum())
                unmatched.append(
                    UnmatchedMentee(
                        mid,
                        MENTORS_FULL,
                        f"The {n_ok} mentor(s) who could help are full, and no other use of "
                        "their seats pairs more mentees.",
                    )
                )
            continue
        skills = [
            PairSkill(
                skill_id=st.skills.id_of(int(sk)),
                skill_name=st.skill_names[int(sk)],
                mentee_level=round(float(cur[sk]), 3),
                mentee_level_uncertainty=round(float(sd[sk]), 3),
                required_level=round(float(req[sk]), 3),
                mentor_level=round(float(proven[t, sk]), 3),
                need_met=round(float(contrib[t, sk]), 4),
            )
            for sk in top[t].tolist()
            if contrib[t, sk] > 0
        ]
        best = int(np.argmax(weights[m]))
        first = (
            st.employees.id_of(int(mentor_idx[best])) if weights[m, best] > weights[m, t] else None
        )
        mentor_id = st.employees.id_of(int(mentor_idx[t]))
        pairs.append(
            MentorPair(
                mentee_id=mid,
                mentor_id=mentor_id,
                need_met=round(float(weights[m, t]), 4),
                skills=tuple(skills),
                explanation=_explain(mid, mentor_id, skills, first),
            )
        )
    load = matching.load(n_t)
    return MentorMatch(
        pairs=tuple(pairs),
        unmatched=tuple(unmatched),
        mentors=tuple(
            MentorLoad(st.employees.id_of(int(e)), int(c), int(a))
            for e, c, a in zip(mentor_idx.tolist(), capacity.tolist(), load.tolist(), strict=True)
        ),
        need_met=round(matching.need_met, 4),
        most_need_met=round(most, 4),
        matched_at_most_need=most_matched,
        unstable_pairs=unstable,
        warnings=tuple(warnings),
    )
