"""How good the bundle's skill-state estimates are against true levels: error, ranking, calibration.

Need-first ranking is only as good as the level estimate it starts from, and the estimate now
carries an uncertainty. Both are judged here on (employee, skill) pairs with a true level:

- **MAE / RMSE** of the estimated mean level against the true level.
- **Would pass a test at level L** (``true >= L``, L = 1..5) predicted as
  ``P = 1 - Phi((L - mean) / sd)``: **ROC AUC** (does P rank passers above the others) and
  **expected calibration error** (10 equal-width bins of P; the n-weighted mean of
  ``|observed pass rate - mean P|``), both pooled over the five levels. A good mean with an
  overconfident ``sd`` shows up in ECE, not in MAE.

Pure functions on arrays, so the figures can be checked on synthetic data with a known answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.stats import norm
from sklearn.metrics import roc_auc_score

from recsvc.recommend.skill_state import EVIDENCE_NAMES

__all__ = [
    "EVIDENCE_KINDS",
    "PASS_LEVELS",
    "SkillPairs",
    "SkillStateRow",
    "expected_calibration_error",
    "pass_probability",
    "skill_state_rows",
    "skill_state_scores",
]

FloatArray = npt.NDArray[np.float64]

#: the test levels L of "would pass a test at level L"
PASS_LEVELS = (1, 2, 3, 4, 5)
#: ``signals.evidence`` codes (int8 per skill) and their names, as the core defines them
EVIDENCE_KINDS: tuple[str, ...] = tuple(EVIDENCE_NAMES)
#: floor on the standard deviation: a zero sd is a step function, not a division by zero
MIN_SD = 1e-6


@dataclass(frozen=True)
class SkillPairs:
    """Estimated mean, its sd, the true level and the evidence code of each (employee, skill).

    ``evidence`` codes index :data:`EVIDENCE_KINDS` (-1: not reported, no breakdown).
    """

    mean: FloatArray
    sd: FloatArray
    true: FloatArray
    evidence: npt.NDArray[np.int8]

    @classmethod
    def concat(cls, parts: list[SkillPairs]) -> SkillPairs:
        """One set from per-employee sets (an empty set from none)."""
        if not parts:
            empty = np.zeros(0, dtype=np.float64)
            return cls(empty, empty, empty, np.zeros(0, dtype=np.int8))
        return cls(
            np.concatenate([p.mean for p in parts]),
            np.concatenate([p.sd for p in parts]),
            np.concatenate([p.true for p in parts]),
            np.concatenate([p.evidence for p in parts]),
        )


@dataclass(frozen=True)
class SkillStateRow:
    """Accuracy of the estimates in one group of pairs (``all`` or one evidence kind)."""

    group: str
    n: int
    mae: float
    rmse: float
    auc: float
    ece: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "n": self.n,
            "mae": self.mae,
            "rmse": self.rmse,
            "auc": self.auc,
            "ece": self.ece,
        }


def pass_probability(mean: npt.ArrayLike, sd: npt.ArrayLike, level: float) -> FloatArray:
    """P(true level >= ``level``) when the level is believed Normal(mean, sd)."""
    s = np.maximum(np.asarray(sd, dtype=np.float64), MIN_SD)
    z = (level - np.asarray(mean, dtype=np.float64)) / s
    return np.asarray(norm.sf(z), dtype=np.float64)


def expected_calibration_error(
    prob: npt.ArrayLike, outcome: npt.ArrayLike, bins: int = 10
) -> float:
    """Weighted mean gap between predicted and observed rates in equal-width bins of ``prob``."""
    p = np.asarray(prob, dtype=np.float64)
    y = np.asarray(outcome, dtype=np.float64)
    if len(p) == 0:
        return float("nan")
    b = np.minimum((p * bins).astype(np.int64), bins - 1)
    n = np.bincount(b, minlength=bins)
    observed = np.bincount(b, weights=y, minlength=bins)
    predicted = np.bincount(b, weights=p, minlength=bins)
    return float(np.abs(observed - predicted).sum() / n.sum())


def skill_state_scores(
    mean: npt.ArrayLike, sd: npt.ArrayLike, true: npt.ArrayLike, group: str = "all"
) -> SkillStateRow:
    """MAE, RMSE, and pooled pass-at-L AUC and ECE of one set of pairs (NaN where undefined)."""
    mu = np.asarray(mean, dtype=np.float64)
    s = np.asarray(sd, dtype=np.float64)
    t = np.asarray(true, dtype=np.float64)
    n = len(t)
    if n == 0:
        nan = float("nan")
        return SkillStateRow(group, 0, nan, nan, nan, nan)
    err = mu - t
    prob = np.concatenate([pass_probability(mu, s, level) for level in PASS_LEVELS])
    passed = np.concatenate([t >= level for level in PASS_LEVELS])
    auc = float(roc_auc_score(passed, prob)) if 0 < passed.sum() < len(passed) else float("nan")
    return SkillStateRow(
        group,
        n,
        float(np.abs(err).mean()),
        float(np.sqrt((err**2).mean())),
        auc,
        expected_calibration_error(prob, passed),
    )


def skill_state_rows(pairs: SkillPairs) -> list[SkillStateRow]:
    """All pairs, then one row per evidence kind present (when the estimator reports it)."""
    rows = [skill_state_scores(pairs.mean, pairs.sd, pairs.true)]
    for code, name in enumerate(EVIDENCE_KINDS):
        m = pairs.evidence == code
        if m.any():
            rows.append(skill_state_scores(pairs.mean[m], pairs.sd[m], pairs.true[m], name))
    return rows
