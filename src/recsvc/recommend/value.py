"""Learning value: how much of a person's weighted skill gap an item is expected to close.

For item i teaching skill s (weight w) to level L, and a person at estimated level c
(standard deviation sd) who needs level R on s with need weight n (importance times one
plus the organisation's strategic weight):

    value_i = f_i * sum_s  w * n * E_X[ min(max(0, R - X), effect_is * curve(L - c)) ]

with X ~ N(c, sd^2) and f_i the chance the person finishes the item (content dropped
halfway closes nothing):

- ``curve`` is the expected gain by level step (:mod:`recsvc.recommend.gain_curve`):
  learned from courses' own tests before and after where the data has them, else the
  stated level fit (best one level above, nothing at or below, little far above);
- ``effect_is`` is the item's measured effectiveness against that curve (1: average; see
  :func:`recsvc.features.gains.item_effects`), 1 where never measured;
- the expectation over the person's true level X (normal around the estimate c, with its
  uncertainty; five-point Gauss-Hermite quadrature) counts a gap the evidence makes likely
  but not certain; the level fit is taken at the estimate, so content at or below it has
  no value however unsure the estimate (measured: letting the fit follow X too raised
  waste@10 from 2% to 7% on the sample); the gain is capped by the gap left: learning past
  what is needed is not need;
- a skill proven at or above its requirement (a recent test) has no gap.

An item whose every skill the person has *proven* (a recent test at or above the level it
teaches) is tested out: it has no value and is left out unless refreshers are asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from numpy.polynomial.hermite_e import hermegauss

from recsvc.models.base import FloatArray
from recsvc.models.skill_gap import LEVELS
from recsvc.recommend.gain_curve import expected_gain

__all__ = ["MIN_VALUE", "Contribution", "LearningValue", "SkillNeed"]
#: below this (weighted levels) an item has no learning value worth a place in the list
MIN_VALUE = 0.02
#: Gauss-Hermite nodes and probabilities for an expectation over a normal level
_NODES, _WEIGHTS = (np.asarray(a, np.float32) for a in hermegauss(5))
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()

Int64Array = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class SkillNeed:
    """What one person needs, per skill: the inputs of learning value."""

    current: FloatArray  # estimated level
    sd: FloatArray  # its standard deviation
    required: FloatArray  # max over role, target role and project (0: not needed)
    weight: FloatArray  # need weight: importance * (1 + strategic), 0 where not needed
    proven: FloatArray  # highest recently tested level (0: none)

    @property
    def gap(self) -> FloatArray:
        return np.asarray(np.clip(self.required - self.current, 0.0, None), dtype=np.float32)

    def skill_factor(self) -> FloatArray:
        """Need weight of each skill that may have a gap (0: none, or proven met)."""
        open_gap = (self.required > 0) & ~((self.proven > 0) & (self.proven >= self.required))
        return np.asarray(self.weight * open_gap, dtype=np.float32)


@dataclass(frozen=True)
class Contribution:
    """One skill's part of an item's learning value (for reasons)."""

    skill: int
    taught_level: int
    value: float


class LearningValue:
    """Learning value of every item for one person; read-only after ``__init__``.

    Keeps the items x skills entries (weight, taught level, measured effect) both skill-major
    (a request touches only the skills with a gap) and item-major (reasons for a few items).
    """

    def __init__(
        self,
        content_weight: sp.csr_matrix,
        content_level: sp.csr_matrix,
        content_effect: sp.csr_matrix,
        gain_curve: FloatArray,
    ) -> None:
        w = sp.csr_matrix(content_weight, dtype=np.float32)
        w.sort_indices()
        lv = sp.csr_matrix(content_level, dtype=np.float32)
        lv.sort_indices()
        effect = sp.csr_matrix(content_effect, dtype=np.float32)
        self.n_items, self.n_skills = w.shape
        self.curve = np.asarray(gain_curve, dtype=np.float32)
        # effects laid on the weight pattern (1 where none was measured)
        g = np.ones(w.nnz, np.float32)
        if effect.nnz and w.nnz:
            rows = np.repeat(np.arange(w.shape[0]), np.diff(w.indptr))
            measured = np.asarray(effect[rows, w.indices]).ravel()
            g = np.where(measured > 0, measured, 1.0).astype(np.float32)
        level = np.clip(np.rint(lv.data), LEVELS[0], LEVELS[-1]).astype(np.float32)
        self.item_indptr = np.asarray(w.indptr, np.int64)
        self.item_skill = np.asarray(w.indices, np.int64)
        self.item_weight = np.asarray(w.data, np.float32)
        self.item_level = level
        self.item_effect = g
        self.n_skills_of_item = np.diff(self.item_indptr)
        order = np.argsort(self.item_skill, kind="stable")
        self.skill_indptr = np.searchsorted(
            self.item_skill[order], np.arange(self.n_skills + 1)
        ).astype(np.int64)
        item_of_entry = np.repeat(np.arange(self.n_items, dtype=np.int64), self.n_skills_of_item)
        self.skill_item = item_of_entry[order]
        self.skill_weight = self.item_weight[order]
        self.skill_level = level[order]
        self.skill_effect = g[order]
        # request path: per (skill, level) a table value, summed per item in a few passes
        # (items ordered by their number of skills, most first, so "the j-th skill of
        # every item that has one" is a prefix); measured items corrected entry by entry
        self.code = self.item_skill * len(LEVELS) + level.astype(np.int64) - LEVELS[0]
        by_count = np.argsort(-self.n_skills_of_item, kind="stable")
        starts = self.item_indptr[:-1][by_count]
        self.unsort = np.argsort(by_count).astype(np.int64)
        self.layers: list[tuple[int, Int64Array, FloatArray]] = []
        for j in range(int(self.n_skills_of_item.max()) if self.n_items else 0):
            n_j = int((self.n_skills_of_item > j).sum())
            pos = starts[:n_j] + j
            self.layers.append((n_j, self.code[pos], self.item_weight[pos]))
        self.measured = np.flatnonzero(g != 1.0).astype(np.int64)
        self.measured_item = item_of_entry[self.measured]

    def _entries(self, skills: Int64Array) -> npt.NDArray[np.int64]:
        starts, ends = self.skill_indptr[skills], self.skill_indptr[skills + 1]
        counts = ends - starts
        return np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())

    def _entry_value(
        self,
        need: SkillNeed,
        factor: FloatArray,
        skill: Int64Array,
        level: FloatArray,
        weight: FloatArray,
        effect: FloatArray,
    ) -> FloatArray:
        # the curve at every (skill, taught level) once, then gathered per entry
        steps = np.asarray(LEVELS, np.float32)[None, :] - need.current[:, None]
        by_level = expected_gain(self.curve, steps)
        gain_here = effect * by_level[skill, level.astype(np.int64) - LEVELS[0]]
        # the gap at each quadrature node, per skill (few), then per entry
        x = np.clip(need.current[:, None] + need.sd[:, None] * _NODES[None, :], 0.0, 5.0)
        gap_at = np.maximum(need.required[:, None] - x, 0.0)
        closed = np.minimum(gap_at[skill], gain_here[:, None]) @ _WEIGHTS
        return np.asarray(weight * factor[skill] * closed, dtype=np.float32)

    def values(self, need: SkillNeed) -> FloatArray:
        """Learning value of every item (0 for items teaching no needed skill)."""
        factor = need.skill_factor()
        if not factor.any():
            return np.zeros(self.n_items, np.float32)
        # an unmeasured entry's value depends on its skill and level only: one table
        skills = np.repeat(np.arange(self.n_skills, dtype=np.int64), len(LEVELS))
        levels = np.tile(np.asarray(LEVELS, np.float32), self.n_skills)
        ones = np.ones(len(skills), np.float32)
        table = self._entry_value(need, factor, skills, levels, ones, ones)
        acc = np.zeros(self.n_items, dtype=np.float32)
        for n_j, code, weight in self.layers:
            acc[:n_j] += weight * table[code]
        out = acc[self.unsort]
        m = self.measured
        if len(m):
            live = factor[self.item_skill[m]] > 0
            m, owner = m[live], self.measured_item[live]
            exact = self._entry_value(
                need,
                factor,
                self.item_skill[m],
                self.item_level[m],
                self.item_weight[m],
                self.item_effect[m],
            )
            out += np.bincount(
                owner, weights=exact - self.item_weight[m] * table[self.code[m]], minlength=len(out)
            ).astype(np.float32)
        return out  # measured entries replace their table part: the sum stays >= 0

    def tested_out(self, need: SkillNeed) -> BoolArray:
        """Items that teach only skills the person proved at or above the level taught."""
        if not need.proven.any():
            return np.zeros(self.n_items, dtype=bool)
        # per (skill, level): 1 where a recent test proved the skill at that level or above
        covered = (
            (np.asarray(LEVELS, np.float32)[None, :] <= need.proven[:, None])
            .ravel()
            .astype(np.int16)
        )
        count = np.zeros(self.n_items, dtype=np.int16)
        for n_j, code, _ in self.layers:
            count[:n_j] += covered[code]
        proved = count[self.unsort]
        return np.asarray((proved == self.n_skills_of_item) & (self.n_skills_of_item > 0))

    def contributions(self, need: SkillNeed, items: Int64Array) -> list[list[Contribution]]:
        """The skills behind each item's value, largest first (one pass for all items).

        Only skills the item teaches above the estimated level and where the estimate is
        below the requirement: a reason never says an item closes a gap the person is not
        believed to have, even when the uncertainty of that belief gives it some value.
        """
        items = np.asarray(items, dtype=np.int64)
        starts, ends = self.item_indptr[items], self.item_indptr[items + 1]
        counts = ends - starts
        pos = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())
        skill, level = self.item_skill[pos], self.item_level[pos]
        v = self._entry_value(
            need, need.skill_factor(), skill, level, self.item_weight[pos], self.item_effect[pos]
        )
        shown = (
            (v > 0) & (level > need.current[skill]) & (need.current[skill] < need.required[skill])
        )
        owner = np.repeat(np.arange(len(items)), counts)
        order = np.lexsort((-v, owner))  # by item, then largest value first
        out: list[list[Contribution]] = [[] for _ in range(len(items))]
        for j in order[shown[order]].tolist():
            out[int(owner[j])].append(Contribution(int(skill[j]), int(level[j]), float(v[j])))
        return out
