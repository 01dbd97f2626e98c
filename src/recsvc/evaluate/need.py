"""True need value@k, waste@k and the greedy need oracle, against a sample's hidden truth.

The product ranks "need first", so a list is judged by what it would really teach this
person. With the sample's true levels (where known; the bundle's estimate otherwise) and each
item's true gain per skill, an item adds ``gain * room`` on every skill it teaches, where
``room = clip(taught + 0.5 - level, 0, 1)`` is the generator's own rule (little is learnt from
an item at or below your level).

- **need value@k** is ``sum_s w_s min(gap_s, sum_i gain_is room_is)`` over the skills the
  employee's roles require, ``w_s = importance * (1 + strategic)``: the numerator of true gap
  closure, in weighted levels. Gains on one skill add up but never past the gap.
- **waste@k** is the share of shown items that teach nothing new on any skill they teach
  (room 0 or true gain 0 everywhere).
- **need oracle** greedily picks the allowed item with the largest marginal need value; the
  value is a capped sum (monotone submodular), so greedy is within ``1 - 1/e`` of the best
  list and is the natural ceiling for a ranker that cannot see the truth.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc.dataset import Dataset
from recsvc.evaluate.closure import GapProfile, GroundTruth, Levels, as_lookup
from recsvc.features.confidence import STATUS_CODES
from recsvc.models.base import FloatArray, slice_positions
from recsvc.recommend.state import ModelState

__all__ = ["NeedView", "TeachTable", "need_view", "true_levels", "truth_after", "truth_at_cut"]

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
F64 = npt.NDArray[np.float64]

#: marginal values at or below this (weighted levels) count as nothing: the oracle stops
MIN_VALUE = 1e-9


@dataclass(frozen=True)
class TeachTable:
    """Every (item, skill) the catalogue teaches, with its taught level and true gain.

    Built once per evaluation, so each employee costs a pass over these few arrays instead
    of slicing two items x skills matrices per model.
    """

    n_items: int
    item: IntArray
    skill: IntArray
    taught: FloatArray
    gain: FloatArray

    @classmethod
    def build(cls, content_level: sp.spmatrix, truth: GroundTruth) -> TeachTable:
        """Pair the bundle's taught levels with the truth's gains (0 where none is known)."""
        coo = sp.coo_matrix(content_level)
        coo.sum_duplicates()
        keep = coo.data > 0
        item = coo.row[keep].astype(np.int64)
        skill = coo.col[keep].astype(np.int64)
        gains = truth.gains
        if isinstance(gains, np.ndarray):
            gain = gains[item, skill]
        else:
            gain = np.asarray(sp.csr_matrix(gains)[item, skill]).ravel()
        return cls(
            int(coo.shape[0]),
            item,
            skill,
            np.asarray(coo.data[keep], dtype=np.float32),
            np.asarray(gain, dtype=np.float32),
        )


def _cells(m: Levels, known: Levels) -> tuple[IntArray, IntArray, F64]:
    """Row, column and value of every known cell, row-major."""
    mask = sp.csr_matrix(known)
    mask.eliminate_zeros()
    rows, cols = mask.nonzero()
    order = np.lexsort((cols, rows))
    rows, cols = rows[order].astype(np.int64), cols[order].astype(np.int64)
    if isinstance(m, np.ndarray):
        values = m[rows, cols]
    else:
        values = np.asarray(sp.csr_matrix(m)[rows, cols]).ravel()
    return rows, cols, np.asarray(values, dtype=np.float64)


def truth_after(
    truth: GroundTruth, teach: TeachTable, employee: IntArray, item: IntArray
) -> GroundTruth:
    """The truth as it stood after the completions ``(employee[j], item[j])``, in time order.

    A sample's ``levels`` already hold every later completion's gain, so judging a list made
    at an evaluation's cut against them counts what the employee went on to learn as never
    needed. This replays the completions from ``start_levels`` with the generator's rule
    (each item adds ``gain * room`` on each skill it teaches, capped at 5), one completion
    per employee per round, on the cells the truth knows (a cell it does not list never
    changed). Completions a month apart in the generator were applied in monthly batches,
    so replayed levels are close to, not exactly, the generator's.
    """
    rows, cols, level = _cells(truth.start_levels, truth.known)
    n_skills = int(truth.known.shape[1])
    cell_keys = rows * n_skills + cols
    starts = np.searchsorted(teach.item, np.arange(teach.n_items + 1))
    by_employee = np.argsort(employee, kind="stable")
    first = np.searchsorted(employee[by_employee], employee[by_employee], side="left")
    rank = np.empty(len(employee), dtype=np.int64)
    rank[by_employee] = np.arange(len(employee)) - first
    by_rank = np.argsort(rank, kind="stable")
    rounds = np.split(by_rank, np.cumsum(np.bincount(rank))[:-1]) if len(rank) else []
    for at in rounds:
        e, i = employee[at], item[at]
        width = starts[i + 1] - starts[i]
        pos = slice_positions(starts[i], width)
        keys = np.repeat(e, width) * n_skills + teach.skill[pos]
        cell = np.minimum(np.searchsorted(cell_keys, keys), max(len(cell_keys) - 1, 0))
        hit = cell_keys[cell] == keys if len(cell_keys) else np.zeros(len(keys), dtype=bool)
        cell, pos = cell[hit], pos[hit]
        room = np.clip(teach.taught[pos] + 0.5 - level[cell], 0.0, 1.0)
        level[cell] = np.minimum(level[cell] + teach.gain[pos] * room, 5.0)
    shape = truth.known.shape
    return replace(truth, levels=as_lookup(sp.csr_matrix((level, (rows, cols)), shape=shape)))


def truth_at_cut(folder: Path, state: ModelState, train: Dataset) -> GroundTruth:
    """The sample's truth as it stood at each employee's cut: after their training completions.

    Lists are made from what was known at the cut, so they are judged against the levels
    of that moment, not against levels raised by the held-out items themselves.
    """
    truth = GroundTruth.read(folder, state)
    en = train.enrolments
    done = en.status == STATUS_CODES["completed"]
    employee, item = en.employee_idx[done].astype(np.int64), en.content_idx[done].astype(np.int64)
    if train.employees != state.employees:  # the same ids in the same order, almost always
        employee = state.employees.indices([train.employees.ids[e] for e in employee])
    if train.content != state.content:
        item = state.content.indices([train.content.ids[i] for i in item])
    ok = (employee >= 0) & (item >= 0)
    teach = TeachTable.build(state.content_skill_level, truth)
    return truth_after(truth, teach, employee[ok].astype(np.int64), item[ok].astype(np.int64))


def _row(m: Levels, i: int) -> FloatArray:
    if isinstance(m, np.ndarray):
        return np.asarray(m[i], dtype=np.float32)
    return np.asarray(m[i].toarray().ravel(), dtype=np.float32)


def true_levels(
    truth: GroundTruth, employee_idx: int, estimate: FloatArray
) -> tuple[FloatArray, BoolArray]:
    """Per skill: the true level where the sample knows it, else ``estimate``; and the mask."""
    known = _row(truth.known, employee_idx) > 0
    return np.where(known, _row(truth.levels, employee_idx), estimate), known


@dataclass(frozen=True)
class NeedView:
    """One employee's true need: gap and weight per required skill, what each item adds."""

    weight: F64  # per profile skill
    gap: F64  # true gap per profile skill
    contrib: F64  # items x profile skills: true gain * room
    useful: BoolArray  # per item: teaches something new on at least one skill
    total: float  # the whole weighted true gap

    def value(self, items: IntArray) -> float:
        """Need value of a list (-1 padding ignored); NaN without a true gap."""
        if self.total <= 0:
            return float("nan")
        added = self.contrib[items[items >= 0]].sum(axis=0)
        return float((self.weight * np.minimum(self.gap, added)).sum())

    def closure(self, items: IntArray) -> float:
        """True gap closure: :meth:`value` over the whole weighted gap."""
        return self.value(items) / self.total if self.total > 0 else float("nan")

    def waste(self, items: IntArray) -> float:
        """Share of shown items that teach nothing new; NaN for an empty list."""
        shown = items[items >= 0]
        return float((~self.useful[shown]).mean()) if len(shown) else float("nan")

    def oracle(self, allowed: IntArray, k: int) -> IntArray:
        """Greedy best list of at most ``k`` allowed items by marginal need value.

        Stops early once no item adds value, so the list may be shorter than ``k``.
        """
        if self.total <= 0 or k < 1:
            return np.zeros(0, dtype=np.int64)
        cand = allowed[(self.contrib[allowed] > 0).any(axis=1)]
        gains = self.contrib[cand]
        acc = np.zeros_like(self.gap)
        free = np.ones(len(cand), dtype=bool)
        picked: list[int] = []
        for _ in range(min(k, len(cand))):
            capped = np.minimum(self.gap, acc)
            marginal = (np.minimum(self.gap, acc + gains) - capped) @ self.weight
            marginal[~free] = -np.inf
            j = int(np.argmax(marginal))
            if marginal[j] <= MIN_VALUE:
                break
            picked.append(int(cand[j]))
            acc = acc + gains[j]
            free[j] = False
        return np.asarray(picked, dtype=np.int64)


def need_view(profile: GapProfile, level: FloatArray, teach: TeachTable) -> NeedView:
    """Need of one employee whose level per skill (all skills) is ``level``."""
    room = np.clip(teach.taught + 0.5 - level[teach.skill], 0.0, 1.0)
    added = teach.gain * room
    useful = np.bincount(teach.item, weights=added > 0, minlength=teach.n_items) > 0
    n_p = len(profile.skills)
    col = np.full(len(level), -1, dtype=np.int64)
    col[profile.skills] = np.arange(n_p)
    sel = col[teach.skill] >= 0
    flat = teach.item[sel] * n_p + col[teach.skill[sel]]
    contrib = np.bincount(flat, weights=added[sel], minlength=teach.n_items * n_p).astype(
        np.float64
    )
    gap = np.clip(profile.required - level[profile.skills], 0.0, None).astype(np.float64)
    weight = np.asarray(profile.weight, dtype=np.float64)
    return NeedView(
        weight, gap, contrib.reshape(teach.n_items, n_p), useful, float((weight * gap).sum())
    )
