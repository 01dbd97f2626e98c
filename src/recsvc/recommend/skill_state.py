"""One person's skill state at request time: level, uncertainty, evidence kind, proven level.

The trainer stores evidence sums per (employee, skill) in the bundle (assessments weighted
by source reliability and age, real completions, the role prior as pseudo-evidence; see
:mod:`recsvc.features.skills`). Here they are read for one person and the request's fresh
facts are folded in, so the service and the trainer's own validation see the same state.

Uncertainty: every unit of evidence weight counts as one fresh test, whose error has
standard deviation ``level_sd_unit``; the estimate's standard deviation is
``level_sd_unit / sqrt(total weight)`` (an estimate resting on the role prior alone, weight
0.3, is about twice as unsure as one fresh test), and ``MAX_LEVEL_SD`` with no evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc.errors import UnknownSkillError
from recsvc.models.base import FloatArray
from recsvc.recommend.query import AssessmentUpdate
from recsvc.recommend.state import ModelState

__all__ = [
    "ASSESSED",
    "EVIDENCE_NAMES",
    "INFERRED",
    "MAX_LEVEL_SD",
    "NO_EVIDENCE",
    "ROLE_PRIOR",
    "SkillState",
    "resolve_skill_state",
]

#: evidence codes, in order of strength; ``EVIDENCE_NAMES[code]`` is the public name
EVIDENCE_NAMES = ("none", "role_prior", "inferred_from_learning", "assessed")
NO_EVIDENCE, ROLE_PRIOR, INFERRED, ASSESSED = range(4)
#: standard deviation of a level nothing is known about (levels run 0-5)
MAX_LEVEL_SD = 1.5
Int8Array = npt.NDArray[np.int8]


@dataclass(frozen=True, eq=False)
class SkillState:
    """Per-skill arrays for one person (length = number of skills)."""

    level: FloatArray  # estimated current level, 0-5
    sd: FloatArray  # standard deviation of ``level``
    evidence: Int8Array  # EVIDENCE_NAMES code
    proven: FloatArray  # highest level a recent test showed (0: none)


def _row(m: sp.csr_matrix, e: int, out: npt.NDArray[np.float64]) -> None:
    if 0 <= e < m.shape[0]:
        lo, hi = m.indptr[e], m.indptr[e + 1]
        out[m.indices[lo:hi]] = m.data[lo:hi]


def _prior_levels(state: ModelState, roles: tuple[int, int], newcomer: bool) -> FloatArray:
    """The level to assume without evidence.

    On the skills of one's own role: the role's prior (a newcomer's: the role's entry
    level). On skills only the target role asks for: that role's entry level, since the
    person has not yet done that job; else the mean of everyone with evidence.
    """
    role, target = roles
    out = np.asarray(state.skill_prior_mean, np.float32).copy()
    if target >= 0:
        asks = state.role_required[target] > 0
        out[asks] = state.skill_prior_entry[target][asks]
    if role >= 0:
        asks = state.role_required[role] > 0
        own = state.skill_prior_entry[role] if newcomer else state.skill_prior[role]
        out[asks] = own[asks]
    return out


def _decayed_weight(state: ModelState, a: AssessmentUpdate) -> float:
    p = state.params
    w = float(p.source_weights.get(a.source, 0.3))
    if a.assessed_at is not None and p.skill_half_life_days > 0:
        w *= float(0.5 ** (max(_age_days(state, a.assessed_at), 0.0) / p.skill_half_life_days))
    return w


def _age_days(state: ModelState, at: datetime) -> float:
    return state.params.as_of - at.timestamp() / 86400.0


def resolve_skill_state(
    state: ModelState,
    employee_idx: int,
    *,
    roles: tuple[int, int],
    project_skills: npt.NDArray[np.int64],
    recent_items: npt.NDArray[np.int64],
    recent_assessments: tuple[AssessmentUpdate, ...],
) -> SkillState:
    """Skill state of one person: bundle evidence, the prior where none, then fresh facts.

    ``roles`` is (role, target role) as indices (-1: none). Skills the roles or the project
    need and nothing is known about take the role prior (for someone with no evidence at
    all: the role's entry level). ``recent_items`` count as real completions now;
    ``recent_assessments`` as assessments (a ``test`` one also proves its level). Raises
    UnknownSkillError for an assessment of a skill the model does not know.
    """
    n_s = len(state.skills)
    p = state.params
    wsum, wlevel, wassessed, wlearned, proven = (np.zeros(n_s) for _ in range(5))
    for m, out in (
        (state.skill_wsum, wsum),
        (state.skill_wlevel, wlevel),
        (state.skill_wassessed, wassessed),
        (state.skill_wlearned, wlearned),
        (state.skill_proven, proven),
    ):
        _row(m, employee_idx, out)
    newcomer = not (wassessed.any() or wlearned.any())
    if p.prior_weight > 0 and n_s:
        needed = np.zeros(n_s, dtype=bool)
        for r in roles:
            if r >= 0:
                needed |= state.role_required[r] > 0
        needed[project_skills] = True
        prior = _prior_levels(state, roles, newcomer and len(recent_items) == 0)
        add = needed & (wsum == 0)
        wsum[add] += p.prior_weight
        wlevel[add] += p.prior_weight * prior[add]
    cw, cl = state.content_skill_weight, state.content_skill_level
    for item in recent_items:
        lo, hi = cw.indptr[item], cw.indptr[item + 1]
        cols = cw.indices[lo:hi]
        w = p.evidence_weight * cw.data[lo:hi]
        wsum[cols] += w
        wlevel[cols] += w * cl.data[lo:hi]
        wlearned[cols] += w
    for a in recent_assessments:
        s = state.skills.get(a.skill_id)
        if s < 0:
            raise UnknownSkillError(
                f"assessment skill {a.skill_id!r} is not a skill this model knows; "
                "send only skill ids from the skills table (GET /skills lists them)"
            )
        w = _decayed_weight(state, a)
        rated = min(max(float(a.level) - float(p.source_bias.get(a.source, 0.0)), 0.0), 5.0)
        wsum[s] += w
        wlevel[s] += w * rated
        wassessed[s] += w
        fresh = a.assessed_at is None or _age_days(state, a.assessed_at) <= p.proven_days
        if a.source == "test" and fresh:
            proven[s] = max(proven[s], float(a.level))
    level = np.divide(wlevel, wsum, out=np.zeros(n_s), where=wsum > 0)
    sd = np.full(n_s, MAX_LEVEL_SD)
    np.divide(p.level_sd_unit, np.sqrt(wsum), out=sd, where=wsum > 0)
    evidence = np.full(n_s, NO_EVIDENCE, dtype=np.int8)
    evidence[wsum > 0] = ROLE_PRIOR
    evidence[wlearned > 0] = INFERRED
    evidence[wassessed > 0] = ASSESSED
    return SkillState(
        level=level.astype(np.float32),
        sd=np.minimum(sd, MAX_LEVEL_SD).astype(np.float32),
        evidence=evidence,
        proven=proven.astype(np.float32),
    )
