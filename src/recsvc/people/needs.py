"""Skill needs of groups of people, aggregated only over groups large enough to hide anyone.

Each person's need is read from the same skill state and requirements the recommendations
use (:func:`recsvc.recommend.candidates.build_signals`): the required level of a skill is
the larger of the person's role's and target role's; the gap is required minus the
estimated level, and the weighted gap multiplies it by the need weight (importance and
strategic weight). A group's numbers on a skill are computed over the members who need the
skill (their role or target role requires it) and shown only when at least
``min_group_size`` (never below :data:`recsvc.privacy.MIN_GROUP`) members need it: no
figure rests on fewer people, and no count of 1 to ``min_group_size - 1`` people is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recsvc.privacy import MIN_GROUP, check_min_group, publishable_beside
from recsvc.recommend.candidates import build_signals
from recsvc.recommend.engine import Recommender
from recsvc.recommend.query import Context

__all__ = [
    "GAP_THRESHOLD",
    "GroupNeeds",
    "SkillAggregate",
    "aggregate_needs",
    "group_needs",
    "needing",
    "shown_on_skill",
]

#: a member "has a gap" on a skill when at least this far (levels) below the requirement
GAP_THRESHOLD = 0.5

FloatMatrix = npt.NDArray[np.float32]


@dataclass(frozen=True, eq=False)
class GroupNeeds:
    """Members x skills: estimated level, required level, weighted gap; plus target roles."""

    members: npt.NDArray[np.int64]  # employee indices
    level: FloatMatrix
    required: FloatMatrix  # max of role and target role (0: not needed)
    required_target: FloatMatrix  # the target role's requirement alone
    weighted_gap: FloatMatrix
    target_role: npt.NDArray[np.int64]  # -1: none

    @property
    def gap(self) -> FloatMatrix:
        return np.asarray(np.clip(self.required - self.level, 0.0, None), np.float32)

    def take(self, rows: npt.NDArray[np.int64]) -> GroupNeeds:
        return GroupNeeds(
            self.members[rows],
            self.level[rows],
            self.required[rows],
            self.required_target[rows],
            self.weighted_gap[rows],
            self.target_role[rows],
        )


def group_needs(rec: Recommender, members: Sequence[int]) -> GroupNeeds:
    """Needs of the given employees (bundle indices), one skill state each."""
    st = rec.state
    n, n_s = len(members), len(st.skills)
    level, required, target_req, weighted = (np.zeros((n, n_s), np.float32) for _ in range(4))
    target = np.full(n, -1, np.int64)
    for row, e in enumerate(members):
        s = build_signals(st, st.employees.id_of(int(e)), Context())
        level[row] = s.current
        required[row] = np.maximum(s.required_role, s.required_target)
        target_req[row] = s.required_target
        weighted[row] = s.gap_weight
        target[row] = s.target_role_idx
    return GroupNeeds(np.asarray(members, np.int64), level, required, target_req, weighted, target)


def needing(rec: Recommender, skill: int) -> npt.NDArray[np.bool_]:
    """Everyone (bundle order) whose role or target role needs ``skill``: the people a
    group's figure on the skill is about (as :func:`group_needs`' ``required > 0``, without
    a skill state per person). No target role: the role's likeliest next one, as there."""
    st = rec.state
    role = np.asarray(st.employee_role, np.int64)
    target = np.asarray(st.employee_target_role, np.int64).copy()
    default = (target < 0) & (role >= 0)
    target[default] = np.asarray(st.role_next, np.int64)[role[default]]
    required = np.append(np.asarray(st.role_required)[:, skill] > 0, False)  # -1: none
    return np.asarray(required[role] | required[target], dtype=bool)


def shown_on_skill(
    rec: Recommender,
    skill: int,
    labels: npt.NDArray[np.int64],
    others: Sequence[npt.NDArray[np.int64]] = (),
    min_group_size: int = MIN_GROUP,
    about: npt.NDArray[np.bool_] | None = None,
) -> npt.NDArray[np.bool_]:
    """Which groups of a grouping (``labels``: group per employee, -1: none) may show a
    figure on ``skill``, over their members who need it.

    Per skill, because a role's count of people needing a skill is not the role's size:
    the people needing it outside the groups shown must be none or at least the floor
    (:func:`recsvc.privacy.publishable_groups`), and, beside the ``others`` groupings'
    figures on the skill, no group of one grouping minus the groups of another nested in it
    may leave 1 to floor - 1 people (:func:`recsvc.privacy.publishable_beside`). ``about``:
    :func:`needing` of the skill, when the caller has it.
    """
    k = check_min_group(min_group_size)
    if about is None:
        about = needing(rec, skill)
    shown = np.zeros(int(labels.max(initial=-1)) + 1, dtype=bool)
    ok = publishable_beside(labels[about], [o[about] for o in others], k)
    shown[: len(ok)] = ok[: len(shown)]
    return shown


def _count(n: int, k: int) -> int | None:
    """``n``, or None when it is a count of 1 to k-1 people."""
    return n if n == 0 or n >= k else None


@dataclass(frozen=True)
class SkillAggregate:
    """One skill over the members of a group who need it."""

    skill_id: str
    skill_name: str
    members_needing: int
    #: members at least GAP_THRESHOLD below the requirement; None when 1 to min_group_size-1
    #: (a small count would point at a few people; 0 is shown: it singles no one out)
    members_with_gap: int | None
    mean_level: float
    mean_required: float
    mean_gap: float
    weighted_gap: float  # summed over the members: what ordering by need uses


def aggregate_needs(
    rec: Recommender,
    needs: GroupNeeds,
    *,
    min_group_size: int = MIN_GROUP,
    top: int = 10,
    safe: Callable[[int], bool] | None = None,
) -> tuple[list[SkillAggregate], int]:
    """The ``top`` skills by summed weighted gap, and how many skills were withheld
    because fewer than ``min_group_size`` members need them, or because ``safe(skill)``
    says another grouping's figure on it would give someone away."""
    k = check_min_group(min_group_size)
    needed = needs.required > 0
    counts = needed.sum(axis=0)
    shown = np.flatnonzero(counts >= k)
    withheld = int(((counts > 0) & (counts < k)).sum())
    gap = needs.gap
    total = (needs.weighted_gap * needed).sum(axis=0)
    shown = shown[total[shown] > 0]
    if safe is not None:
        ok = np.array([safe(sk) for sk in shown.tolist()], dtype=bool)
        withheld += int((~ok).sum())
        shown = shown[ok] if len(shown) else shown
    shown = shown[np.lexsort((shown, -total[shown]))][:top]
    out = []
    for sk in shown.tolist():
        rows = needed[:, sk]
        out.append(
            SkillAggregate(
                skill_id=rec.state.skills.id_of(sk),
                skill_name=rec.state.skill_names[sk],
                members_needing=int(rows.sum()),
                members_with_gap=_count(int((gap[rows, sk] >= GAP_THRESHOLD).sum()), k),
                mean_level=round(float(needs.level[rows, sk].mean()), 3),
                mean_required=round(float(needs.required[rows, sk].mean()), 3),
                mean_gap=round(float(gap[rows, sk].mean()), 3),
                weighted_gap=round(float(total[sk]), 4),
            )
        )
    return out, withheld
