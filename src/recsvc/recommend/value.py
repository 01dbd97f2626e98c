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
  :func:`recsvc.training.gains.item_effects`). Where it was never measured it is not taken
  as 1 but as what measured items did (:func:`effect_prior`: their effects at a few
  quantiles, equally likely), and the value is the expectation over them. Gains are capped
  by the gap, so an item whose effect is unknown is worth less than one proven to have the
  mean effect when effects are spread (some items teach little); with fewer than
  :data:`MIN_MEASURED_EFFECTS` measurements an unknown effect is 1;
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

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from numpy.polynomial.hermite_e import hermegauss

from recsvc.models.base import FloatArray, slice_positions
from recsvc.models.skill_gap import LEVELS
from recsvc.recommend.gain_curve import expected_gain

__all__ = [
    "EFFECT_QUANTILES",
    "MIN_MEASURED_EFFECTS",
    "MIN_VALUE",
    "NODE_WEIGHTS",
    "Contribution",
    "LearningValue",
    "SkillNeed",
    "effect_evidence",
    "effect_node_weights",
    "effect_prior",
    "expected_closed",
]
#: below this (weighted levels) an item has no learning value worth a place in the list
MIN_VALUE = 0.02
#: Gauss-Hermite nodes and probabilities for an expectation over a normal level
_NODES, _WEIGHTS = (np.asarray(a, np.float32) for a in hermegauss(5))
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()
#: the probability of each quadrature node (columns of ``SkillNeed.gap_at_nodes``)
NODE_WEIGHTS = _WEIGHTS

#: where an unmeasured item's effect is taken: these quantiles of the measured effects
EFFECT_QUANTILES = (1 / 6, 0.5, 5 / 6)
#: fewest measured (item, skill) effects whose spread is taken for unmeasured items
MIN_MEASURED_EFFECTS = 30

Int64Array = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


def expected_closed(gap_at_nodes: FloatArray, gain: FloatArray) -> FloatArray:
    """Per row, the gap a gain closes in expectation over the true level (``gap_at_nodes``:
    rows x quadrature nodes, as :attr:`SkillNeed.gap_at_nodes`): ``E[min(gap, gain)]``.

    A 2-D ``gain`` (rows x equally likely effect nodes) is averaged over its columns too.
    """
    gain = gain[:, None] if gain.ndim == 1 else gain
    # an elementwise sum, not ``@``: BLAS flags spurious "invalid value" on such blocks
    # (seen on CI's fresh installs, on finite inputs)
    at = np.minimum(gap_at_nodes[:, None, :], gain[:, :, None]) * effect_node_weights(gain)
    return np.asarray(np.add.reduce(at, axis=(1, 2)), dtype=np.float32)


def effect_node_weights(gain: FloatArray) -> FloatArray:
    """Effects x level nodes: the probability of each pair (``gain``: rows x effects)."""
    return np.asarray(_WEIGHTS[None, :] / np.float32(gain.shape[1]), dtype=np.float32)


def effect_prior(measured: FloatArray) -> FloatArray:
    """Equally likely effects of an item never measured: the measured ones' quantiles.

    Measured effects are shrunk toward 1 (:func:`recsvc.training.gains.item_effects`), so
    their spread understates the real one: the prior errs toward treating items alike.
    """
    if len(measured) < MIN_MEASURED_EFFECTS:
        return np.ones(1, np.float32)
    return np.quantile(measured, EFFECT_QUANTILES).astype(np.float32)


def effect_evidence(content_effect: sp.spmatrix, content_weight: sp.spmatrix) -> dict[str, Any]:
    """What the data says of item effectiveness, for the trainer's report and manifest:
    measured (item, skill) pairs, all taught pairs, and the effects unmeasured ones get."""
    measured = sp.csr_matrix(content_effect).data
    measured = measured[measured > 0]
    return {
        "measured_pairs": int(len(measured)),
        "taught_pairs": int(sp.csr_matrix(content_weight).nnz),
        "unmeasured_effects": [round(float(e), 3) for e in effect_prior(measured)],
    }


@dataclass(frozen=True, eq=False)
class SkillNeed:
    """What one person needs, per skill: the inputs of learning value."""

    current: FloatArray  # estimated level
    sd: FloatArray  # its standard deviation
    required: FloatArray  # max over role, target role and project (0: not needed)
    weight: FloatArray  # need weight: importance * (1 + strategic), 0 where not needed
    proven: FloatArray  # highest recently tested level (0: none)
    _gains: dict[int, FloatArray] = field(default_factory=dict, repr=False)

    @property
    def gap(self) -> FloatArray:
        return np.asarray(np.clip(self.required - self.current, 0.0, None), dtype=np.float32)

    def skill_factor(self) -> FloatArray:
        """Need weight of each skill that may have a gap (0: none, or proven met)."""
        return self._factor

    @cached_property
    def _factor(self) -> FloatArray:
        open_gap = (self.required > 0) & ~((self.proven > 0) & (self.proven >= self.required))
        return np.asarray(self.weight * open_gap, dtype=np.float32)

    def expected_gains(self, curve: FloatArray) -> FloatArray:
        """Skills x taught levels: the gain ``curve`` expects for this person (a request
        values, ranks and explains with one curve: computed once)."""
        table = self._gains.get(id(curve))
        if table is None:
            steps = np.asarray(LEVELS, np.float32)[None, :] - self.current[:, None]
            table = self._gains[id(curve)] = expected_gain(curve, steps)
        return table

    @cached_property
    def gap_at_nodes(self) -> FloatArray:
        """Skills x quadrature nodes: the gap if the true level were at that node."""
        x = (self.current[:, None] + self.sd[:, None] * _NODES[None, :]).clip(0.0, 5.0)
        return np.asarray(np.maximum(self.required[:, None] - x, 0.0), dtype=np.float32)


class Contribution(NamedTuple):
    """One skill's part of an item's learning value (for reasons; a named tuple: a request
    makes a dozen and reads two)."""

    skill: int
    taught_level: int
    value: float


@dataclass(frozen=True, eq=False)
class _NeedTables:
    """Per-request tables over (skill, level) and (skill, quadrature node)."""

    factor: FloatArray  # need weight per skill (0: no open gap)
    gain: FloatArray  # skills x levels: expected gain by the curve at each taught level
    gap: FloatArray  # skills x nodes: the gap if the true level were at that node


class LearningValue:
    """Learning value of every item for one person; read-only after ``__init__``.

    Keeps the items x skills entries (weight, taught level, measured effect) item-major.
    An unmeasured entry's value depends on its skill and level only, so a request computes
    one (skill, level) table and sums it per item in a few vector passes (items ordered by
    their number of skills, most first, so "the j-th skill of every item that has one" is
    a prefix); entries with a measured effect are then corrected one by one.
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
        # effects laid on the weight pattern (0 where none was measured)
        g = np.zeros(w.nnz, np.float32)
        if effect.nnz and w.nnz:
            rows = np.repeat(np.arange(w.shape[0]), np.diff(w.indptr))
            g = np.asarray(effect[rows, w.indices], dtype=np.float32).ravel()
        is_measured = g > 0
        self.effect_prior = effect_prior(g[is_measured])
        # per entry, its equally likely effects: the measured one, else the prior's
        self.item_effect_nodes = np.where(
            is_measured[:, None], g[:, None], self.effect_prior[None, :]
        ).astype(np.float32)
        g = self.item_effect_nodes.mean(axis=1)
        level = np.clip(np.rint(lv.data), LEVELS[0], LEVELS[-1]).astype(np.float32)
        self.item_indptr = np.asarray(w.indptr, np.int64)
        self.item_skill = np.asarray(w.indices, np.int64)
        self.item_weight = np.asarray(w.data, np.float32)
        self.item_level = level
        self.item_effect = g  # the mean effect, where an expectation is not taken
        self.n_skills_of_item = np.diff(self.item_indptr)
        self.code = self.item_skill * len(LEVELS) + level.astype(np.int64) - LEVELS[0]
        by_count = np.argsort(-self.n_skills_of_item, kind="stable")
        starts = self.item_indptr[:-1][by_count]
        self.unsort = np.argsort(by_count).astype(np.int64)
        self.layers: list[tuple[int, Int64Array, FloatArray]] = []
        for j in range(int(self.n_skills_of_item.max()) if self.n_items else 0):
            n_j = int((self.n_skills_of_item > j).sum())
            pos = starts[:n_j] + j
            self.layers.append((n_j, self.code[pos], self.item_weight[pos]))
        m = np.flatnonzero(is_measured)
        owner = np.repeat(np.arange(self.n_items, dtype=np.int64), self.n_skills_of_item)[m]
        self.measured_items, self.measured_owner = np.unique(owner, return_inverse=True)
        self.measured_skill = self.item_skill[m]
        self.measured_level = level[m]
        self.measured_weight = self.item_weight[m]
        self.measured_effect = self.item_effect_nodes[m, :1]  # a measured effect is one node
        self.measured_code = self.code[m]
        self.all_skills = np.repeat(np.arange(self.n_skills, dtype=np.int64), len(LEVELS))
        self.all_levels = np.tile(np.asarray(LEVELS, np.float32), self.n_skills)

    def _tables(self, need: SkillNeed) -> _NeedTables:
        return _NeedTables(
            factor=need.skill_factor(),
            gain=need.expected_gains(self.curve),
            gap=need.gap_at_nodes,
        )

    @staticmethod
    def _entry_value(
        t: _NeedTables, skill: Int64Array, level: FloatArray, weight: FloatArray, effect: FloatArray
    ) -> FloatArray:
        """Value of entries whose effects are ``effect`` (entries x equally likely nodes)."""
        gain = effect * t.gain[skill, level.astype(np.int64) - LEVELS[0]][:, None]
        closed = expected_closed(t.gap[skill], gain)
        return np.asarray(weight * t.factor[skill] * closed, dtype=np.float32)

    def values(self, need: SkillNeed) -> FloatArray:
        """Learning value of every item (0 for items teaching no needed skill)."""
        t = self._tables(need)
        if not t.factor.any():
            return np.zeros(self.n_items, np.float32)
        ones = np.ones(len(self.all_skills), np.float32)
        prior = np.broadcast_to(self.effect_prior, (len(ones), len(self.effect_prior)))
        table = self._entry_value(t, self.all_skills, self.all_levels, ones, prior)
        acc = np.zeros(self.n_items, dtype=np.float32)
        for n_j, code, weight in self.layers:
            acc[:n_j] += weight * table[code]
        out = acc[self.unsort]
        if len(self.measured_items):
            exact = self._entry_value(
                t,
                self.measured_skill,
                self.measured_level,
                self.measured_weight,
                self.measured_effect,
            )
            delta = exact - self.measured_weight * table[self.measured_code]
            out[self.measured_items] += np.bincount(
                self.measured_owner, weights=delta, minlength=len(self.measured_items)
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

    def entries(self, items: Int64Array) -> tuple[Int64Array, Int64Array]:
        """The (item, skill) entries of ``items``: their owner (position in ``items``) and
        their position in the entry arrays (``item_skill``, ``item_level``, ...)."""
        items = np.asarray(items, dtype=np.int64)
        starts, ends = self.item_indptr[items], self.item_indptr[items + 1]
        counts = ends - starts
        return np.arange(len(items), dtype=np.int64).repeat(counts), slice_positions(starts, counts)

    def _curve_gain(self, need: SkillNeed, pos: Int64Array) -> FloatArray:
        """The curve's gain at each entry's level step, for an item of effect 1."""
        level = self.item_level[pos].astype(np.int64) - LEVELS[0]
        return np.asarray(self._tables(need).gain[self.item_skill[pos], level], np.float32)

    def entry_gain(self, need: SkillNeed, pos: Int64Array) -> FloatArray:
        """Expected gain in levels of each entry (mean effect times the curve at its step)."""
        return np.asarray(self.item_effect[pos] * self._curve_gain(need, pos), np.float32)

    def entry_gain_nodes(self, need: SkillNeed, pos: Int64Array) -> FloatArray:
        """Entries x effect nodes: the gain of each entry at each of its likely effects."""
        curve = self._curve_gain(need, pos)
        return np.asarray(self.item_effect_nodes[pos] * curve[:, None], np.float32)

    def contributions(self, need: SkillNeed, items: Int64Array) -> list[list[Contribution]]:
        """The skills behind each item's value, largest first (one pass for all items).

        Only skills the item teaches above the estimated level and where the estimate is
        below the requirement: a reason never says an item closes a gap the person is not
        believed to have, even when the uncertainty of that belief gives it some value.
        """
        owner, pos = self.entries(items)
        skill, level = self.item_skill[pos], self.item_level[pos]
        v = self._entry_value(
            self._tables(need), skill, level, self.item_weight[pos], self.item_effect_nodes[pos]
        )
        shown = (
            (v > 0) & (level > need.current[skill]) & (need.current[skill] < need.required[skill])
        )
        order = np.lexsort((-v, owner))  # by item, then largest value first
        at = order[shown[order]]
        out: list[list[Contribution]] = [[] for _ in range(len(items))]
        for o, sk, lv, val in zip(
            owner[at].tolist(), skill[at].tolist(), level[at].tolist(), v[at].tolist(), strict=True
        ):
            out[o].append(Contribution(sk, int(lv), val))
        return out
