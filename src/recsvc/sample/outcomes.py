"""How an enrolment goes: status, timing, progress, score and rating, from fit and quality.

Completion is likelier when the item is about one level above the learner and of good
quality; items much too hard or too easy, long or poor, or taken without their prerequisite
are dropped more often. Ratings follow
quality and fit and are often missing. Enrolments still running at the reference date are
``in_progress`` (or ``enrolled`` if barely started).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recsvc.contract import CONTENT_FORMATS, ENROLMENT_STATUSES
from recsvc.sample.catalogue import ASSESSABLE_FORMATS, Catalogue
from recsvc.sample.timeline import DAY, REFERENCE

__all__ = ["COMPLETED", "DROPPED", "ENROLLED", "IN_PROGRESS", "Outcomes", "draw_outcomes"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

ENROLLED, IN_PROGRESS, COMPLETED, DROPPED = (
    ENROLMENT_STATUSES.index(s) for s in ("enrolled", "in_progress", "completed", "dropped")
)
# calendar days spent per hour of content, by format
_PACE = {
    "course": 4.0,
    "video": 0.3,
    "article": 0.3,
    "podcast": 0.3,
    "classroom": 0.25,
    "mentoring": 9.0,
    "project": 2.0,
    "assessment": 0.2,
}
START_DELAY_DAYS = 4.0
PREREQUISITE_PENALTY = 1.0  # skipping a prerequisite makes dropping out likelier
_RATED_P = {COMPLETED: 0.4, DROPPED: 0.15, IN_PROGRESS: 0.05, ENROLLED: 0.0}


@dataclass(frozen=True)
class Outcomes:
    """Per-enrolment results; ``completed_at`` is -1 and score/rating NaN where absent."""

    status: IntArray
    completed_at: IntArray
    progress: FloatArray
    score: FloatArray
    rating: FloatArray


def _sigmoid(x: FloatArray) -> FloatArray:
    return np.asarray(1.0 / (1.0 + np.exp(-x)), dtype=np.float64)


def draw_outcomes(
    rng: np.random.Generator,
    cat: Catalogue,
    item: IntArray,
    current: FloatArray,
    enrolled: IntArray,
    lacking: npt.NDArray[np.bool_],
) -> Outcomes:
    """Outcomes of enrolments in ``item`` by learners at level ``current`` on its skill;
    ``lacking`` marks learners who have not completed the item's prerequisite."""
    n = len(item)
    quality = cat.quality[item]
    mismatch = np.abs(cat.level[item] - current - 1.0)
    hours = cat.duration[item] / 60.0
    pace = np.array([_PACE[f] for f in CONTENT_FORMATS])[cat.fmt[item]]
    days = np.maximum(pace * hours * np.exp(rng.normal(0.0, 0.5, n)), 0.02)
    delay = rng.exponential(START_DELAY_DAYS, n)  # people rarely start the day they enrol
    length = ((delay + days) * DAY).astype(np.int64)

    drop_logit = -1.7 + 0.9 * mismatch - 0.6 * quality + 0.25 * np.log(hours)
    p_drop = _sigmoid(drop_logit + PREREQUISITE_PENALTY * lacking)
    dropping = rng.random(n) < p_drop
    idle = rng.random(n) < 0.04
    finish = enrolled + length
    quit_frac = rng.uniform(0.1, 0.8, n)
    stop = np.where(dropping, enrolled + (quit_frac * length).astype(np.int64), finish)
    elapsed = np.clip((REFERENCE - enrolled) / np.maximum(length, 1), 0.0, 1.0)

    status = np.full(n, IN_PROGRESS, dtype=np.int64)
    over = stop <= REFERENCE
    status[over & dropping] = DROPPED
    status[over & ~dropping] = COMPLETED
    status[~over & (elapsed < 0.05)] = ENROLLED
    status[idle] = ENROLLED
    progress = np.minimum(elapsed, 0.99).round(4)
    progress[status == COMPLETED] = 1.0
    progress[status == DROPPED] = quit_frac[status == DROPPED].round(4)
    progress[status == ENROLLED] = 0.0

    done = status == COMPLETED
    completed_at = np.where(done, finish, -1)
    assessable = np.isin(cat.fmt[item], [CONTENT_FORMATS.index(f) for f in ASSESSABLE_FORMATS])
    raw_score = _sigmoid(
        0.6 + 1.0 * (current + 1.0 - cat.level[item]) + 0.4 * quality + rng.normal(0, 0.6, n)
    )
    score = np.where(done & assessable, raw_score.round(4), np.nan)

    rated = rng.random(n) < np.array([_RATED_P[s] for s in range(len(ENROLMENT_STATUSES))])[status]
    stars = 3.3 + 0.7 * quality - 0.45 * mismatch - 0.7 * (status == DROPPED)
    stars = np.clip((stars + rng.normal(0.0, 0.8, n)).round(), 1.0, 5.0)
    rating = np.where(rated, stars, np.nan)
    return Outcomes(status, completed_at, progress, score, rating)
