"""Assessments: baseline ratings of role skills by source, and tests before and after courses.

Each source sees the true level through its own lens: tests are precise, managers slightly
harsh, peers noisy, and people over-rate themselves. Course tests (with ``content_id``) are
taken just before and after a completed course, so post - pre measures the item's true gain
plus test noise.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recsvc.contract import ASSESSMENT_SOURCES
from recsvc.sample.taxonomy import Taxonomy
from recsvc.sample.timeline import DAY, REFERENCE, WINDOW_START, step_of

__all__ = ["SOURCE_BIAS", "SOURCE_NOISE", "AssessmentPlan", "observe", "plan_baseline"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

SOURCE_BIAS = {"test": 0.0, "manager": -0.1, "peer": 0.0, "self": 0.5}
SOURCE_NOISE = {"test": 0.3, "manager": 0.5, "peer": 0.6, "self": 0.6}
_SOURCE_P = {"test": 0.35, "manager": 0.30, "peer": 0.10, "self": 0.25}
ASSESSED_SHARE = 0.7
PRE_POST_SHARE = 0.35
COURSE_TEST_NOISE = 0.25


@dataclass
class AssessmentPlan:
    """Baseline assessment rows; ``truth`` is filled in during the simulation."""

    employee: IntArray
    skill: IntArray
    at: IntArray
    source: IntArray
    step: IntArray
    truth: FloatArray


def plan_baseline(
    rng: np.random.Generator, tax: Taxonomy, role: IntArray, hired: IntArray
) -> AssessmentPlan:
    """Some employees get 1-3 review events, each rating 3-6 of their role's key skills."""
    n = len(role)
    events = np.where(rng.random(n) < ASSESSED_SHARE, rng.integers(1, 4, n), 0)
    ev_emp = np.repeat(np.arange(n), events)
    start = np.maximum(hired[ev_emp], WINDOW_START)
    ev_at = start + (rng.random(len(ev_emp)) * (REFERENCE - DAY - start)).astype(np.int64)
    ev_source = rng.choice(
        len(ASSESSMENT_SOURCES),
        size=len(ev_emp),
        p=[_SOURCE_P[s] for s in ASSESSMENT_SOURCES],
    )
    ev_size = rng.integers(3, 7, len(ev_emp))
    # rank each event's role skills by importance with noise; keep the top ev_size
    noisy = tax.importance[role[ev_emp]] + rng.random((len(ev_emp), tax.n_skills)) * 0.3
    noisy[tax.importance[role[ev_emp]] == 0] = -1.0
    ranked = np.argsort(-noisy, axis=1, kind="stable")
    take = (np.arange(tax.n_skills)[None, :] < ev_size[:, None]) & (
        np.take_along_axis(noisy, ranked, axis=1) >= 0
    )
    rows, cols = np.nonzero(take)
    return AssessmentPlan(
        employee=ev_emp[rows],
        skill=ranked[rows, cols].astype(np.int64),
        at=ev_at[rows],
        source=ev_source[rows].astype(np.int64),
        step=step_of(ev_at[rows]),
        truth=np.full(len(rows), np.nan),
    )


def observe(rng: np.random.Generator, truth: FloatArray, source: IntArray) -> FloatArray:
    """What each source reports for a true level (clipped to 0-5; ratings in half steps)."""
    bias = np.array([SOURCE_BIAS[s] for s in ASSESSMENT_SOURCES])[source]
    noise = np.array([SOURCE_NOISE[s] for s in ASSESSMENT_SOURCES])[source]
    seen = np.clip(truth + bias + noise * rng.standard_normal(len(truth)), 0.0, 5.0)
    is_test = source == ASSESSMENT_SOURCES.index("test")
    return np.asarray(np.where(is_test, seen.round(2), (seen * 2.0).round() / 2.0), np.float64)
