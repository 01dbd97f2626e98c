"""Skill-gap closure@k: the share of an employee's weighted skill gap a top-k list would close.

For each skill the employee's roles (current and target) require, the gap is
``max(0, required - current)`` and its weight ``importance * (1 + strategic_weight)``, the same
weighting the ranker's skill features use. Closure is ``sum_s w_s closed_s / sum_s w_s gap_s``.

- **Estimated** (always, from what the bundle knows): completing an item that teaches skill s
  to level L lifts the estimated level to L, so ``closed_s = min(gap_s, max(0, L_max - c_s))``.
- **True** (with a sample's ``ground_truth/``): the current level is the true level and each
  item adds its true gain on the skill, scaled by the room left below the level it teaches
  (``clip(L + 0.5 - level, 0, 1)``, the sample generator's rule); ``closed_s`` is the sum of
  gains capped at the true gap. Popular items that teach nothing show up here, and only here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from recsvc.models.base import FloatArray
from recsvc.recommend.candidates import UserSignals
from recsvc.recommend.state import ModelState

__all__ = [
    "GapProfile",
    "GroundTruth",
    "as_lookup",
    "estimated_closure",
    "gap_profile",
    "true_closure",
]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class GapProfile:
    """The skills an employee's roles require, with weights and estimated current levels."""

    skills: IntArray
    required: FloatArray
    weight: FloatArray
    current: FloatArray

    @property
    def has_gap(self) -> bool:
        return bool((self.weight * np.clip(self.required - self.current, 0, None)).sum() > 0)


def gap_profile(state: ModelState, signals: UserSignals) -> GapProfile:
    """Role and target-role requirements of one employee (the bundle's view, no project)."""
    required = np.maximum(signals.required_role, signals.required_target)
    importance = np.zeros_like(required)
    for role in (signals.role_idx, signals.target_role_idx):
        if role >= 0:
            importance = np.maximum(importance, state.role_importance[role])
    skills = np.flatnonzero(required > 0).astype(np.int64)
    weight = importance[skills] * (1.0 + state.skill_strategic[skills])
    return GapProfile(
        skills,
        np.asarray(required[skills], np.float32),
        np.asarray(weight, np.float32),
        np.asarray(signals.current[skills], np.float32),
    )


#: items x skills matrices up to this size are made dense once (16 MB of float32): per-user
#: sparse fancy indexing dominated the run time of the evaluation otherwise
DENSE_LIMIT = 4_000_000

Levels: TypeAlias = sp.csr_matrix | FloatArray


def as_lookup(content_level: sp.csr_matrix) -> Levels:
    """Taught levels in the form :func:`estimated_closure` reads fastest."""
    n_items, n_skills = content_level.shape
    if n_items * n_skills <= DENSE_LIMIT:
        return np.asarray(content_level.toarray(), dtype=np.float32)
    return sp.csr_matrix(content_level)


def _block(m: Levels, rows: IntArray, cols: IntArray) -> FloatArray:
    """Dense ``m[rows][:, cols]`` for a dense or CSR ``m``."""
    if len(rows) == 0 or len(cols) == 0:
        return np.zeros((len(rows), len(cols)), dtype=np.float32)
    if isinstance(m, np.ndarray):
        return np.asarray(m[np.ix_(rows, cols)], dtype=np.float32)
    return np.asarray(m[rows][:, cols].toarray(), dtype=np.float32)


def _taught(level: Levels, items: IntArray, skills: IntArray) -> FloatArray:
    """Items x profile-skills dense matrix of taught levels (0 where not taught)."""
    return _block(level, items[items >= 0], skills)


def estimated_closure(profile: GapProfile, items: IntArray, content_level: Levels) -> float:
    """Closure@k with the bundle's estimated levels; NaN when the employee has no gap."""
    gap = np.clip(profile.required - profile.current, 0.0, None)
    total = float((profile.weight * gap).sum())
    if total <= 0:
        return float("nan")
    taught = _taught(content_level, items, profile.skills)
    reach = np.rint(taught.max(axis=0)) if len(taught) else np.zeros_like(gap)
    closed = np.minimum(gap, np.clip(reach - profile.current, 0.0, None))
    return float((profile.weight * closed).sum() / total)


@dataclass(frozen=True)
class GroundTruth:
    """True skill levels (employees x skills) and true gains (items x skills), by index.

    ``levels`` are the sample's levels at its reference date, after everything anyone
    completed; ``start_levels`` are the same cells at the start of its activity window (see
    :func:`recsvc.evaluate.need.truth_after` for the levels at an evaluation's cut).
    """

    levels: Levels
    known: Levels  # 1 where a true level exists (a true level may be 0)
    gains: Levels
    start_levels: Levels

    @classmethod
    def read(cls, folder: Path, state: ModelState) -> GroundTruth:
        """Read ``true_skill_levels`` and ``content_effectiveness`` Parquet from a sample."""
        levels = pd.read_parquet(folder / "true_skill_levels.parquet")
        gains = pd.read_parquet(folder / "content_effectiveness.parquet")
        e = state.employees.indices([str(v) for v in levels["employee_id"]])
        s = state.skills.indices([str(v) for v in levels["skill_id"]])
        ok = (e >= 0) & (s >= 0)
        shape = (len(state.employees), len(state.skills))
        pairs = (e[ok], s[ok])
        level_m, start_m = (
            sp.csr_matrix((levels[col].to_numpy(dtype=np.float32)[ok], pairs), shape=shape)
            for col in ("level", "level_at_start")
        )
        known = sp.csr_matrix((np.ones(int(ok.sum()), np.float32), pairs), shape=shape)
        i = state.content.indices([str(v) for v in gains["content_id"]])
        g_s = state.skills.indices([str(v) for v in gains["skill_id"]])
        ok_g = (i >= 0) & (g_s >= 0)
        gain_m = sp.csr_matrix(
            (gains["true_gain"].to_numpy(dtype=np.float32)[ok_g], (i[ok_g], g_s[ok_g])),
            shape=(len(state.content), len(state.skills)),
        )
        return cls(as_lookup(level_m), as_lookup(known), as_lookup(gain_m), as_lookup(start_m))


def true_closure(
    profile: GapProfile,
    employee_idx: int,
    items: IntArray,
    truth: GroundTruth,
    content_level: Levels,
) -> float:
    """Closure@k with true levels and true gains; NaN without a true gap."""
    skills = profile.skills
    row = np.array([employee_idx], dtype=np.int64)
    known = _block(truth.known, row, skills).ravel() > 0
    true_level = _block(truth.levels, row, skills).ravel()
    current = np.where(known, true_level, profile.current)
    gap = np.clip(profile.required - current, 0.0, None)
    total = float((profile.weight * gap).sum())
    if total <= 0:
        return float("nan")
    items = items[items >= 0]
    taught = _taught(content_level, items, skills)
    gains = _block(truth.gains, items, skills)
    room = np.where(taught > 0, np.clip(taught + 0.5 - current[None, :], 0.0, 1.0), 0.0)
    closed = np.minimum(gap, (gains * room).sum(axis=0))
    return float((profile.weight * closed).sum() / total)
