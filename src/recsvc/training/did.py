"""Learning gain of an item, net of what comparable people who did not take it gained meanwhile.

A course's own tests before and after it measure the takers' change; part of that change
would have happened anyway (other learning, practice, drift). Difference-in-differences
subtracts it: the *control change* is the trend, in levels per day, of people who never
enrolled in the item, read from pairs of their ordinary assessments of the same skill by the
same source (so a source's bias cancels), matched to each taker on the level before (within
``CALIPER`` levels, bias-corrected). The estimate is

    gain = mean(takers' post - pre) - rate(matched non-takers) * mean(takers' days between)

with a 95% interval from both parts' sampling error (Student t on the takers' count).

Only takers the item is meant for count: those at least ``MIN_STEP`` levels below the level
it teaches (someone already near it has little to gain, and would make a good course look
weak). An estimate is *shown* only when it passes:

- ``takers``: at least ``min_group`` takers (the peer floor: never fewer than 5 people);
- ``controls``: at least ``min_group`` distinct matched non-takers;
- ``overlap``: at least ``MIN_OVERLAP`` of the takers have a non-taker within the caliper;
- ``balance``: the matched groups' levels before differ by at most ``MAX_SMD`` pooled
  standard deviations (standardised mean difference).

Otherwise ``failed`` names the checks that did not pass.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp
from scipy import stats

from recsvc import contract as c
from recsvc.dataset import Dataset, id_codes, to_days
from recsvc.privacy import MIN_GROUP as DEFAULT_MIN_GROUP
from recsvc.recommend.gain_curve import expected_gain

__all__ = [
    "CALIPER",
    "MAX_CONTROLS_PER_SKILL",
    "MAX_SMD",
    "MIN_OVERLAP",
    "MIN_FIT",
    "ControlPairs",
    "control_pairs",
    "did_gains",
    "net_gains",
]

#: largest difference in level before (levels) between a taker and a matched non-taker
CALIPER = 0.5
#: candidate control pairs per skill at most: every item's estimate passes over all of its
#: skill's candidates, so their count times the items is the cost (quadratic in headcount:
#: 60 s per fit at a million employees, ~280,000 pairs per skill). Past this many, the
#: control rate's sampling error is far below the takers' own, so a systematic sample along
#: the level before (every k-th pair by level: the matching variable keeps its spread) stands
#: in for them
MAX_CONTROLS_PER_SKILL = 50_000
#: rounding margin of the binary search for a caliper's ends (then checked exactly)
_SLACK = 1e-9
#: largest standardised mean difference of the level before after matching (Stuart 2010)
MAX_SMD = 0.25
#: smallest share of takers with a non-taker in the caliper
MIN_OVERLAP = 0.8
#: smallest mean expected gain of the takers, as a share of the gain one level below: under
#: it most takers were already near the level taught and the scaling would be a guess
MIN_FIT = 0.5

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class ControlPairs:
    """Consecutive same-source ordinary assessments of one person's skill (the trend data)."""

    e: IntArray  # employee index
    s: IntArray  # skill index
    before: FloatArray  # level at the first, bias-corrected
    change: FloatArray  # second minus first (same source: its bias cancels)
    days: FloatArray  # days between them

    @classmethod
    def empty(cls) -> ControlPairs:
        z = np.empty(0)
        return cls(z.astype(np.int64), z.astype(np.int64), z, z, z)


def control_pairs(dataset: Dataset, source_bias: Mapping[str, float]) -> ControlPairs:
    """Every consecutive pair of ordinary (not course) assessments by one source."""
    a = dataset.tables.get(c.ASSESSMENTS)
    if a is None or len(a) == 0:
        return ControlPairs.empty()
    if "content_id" in a.columns:
        a = a[a["content_id"].isna()]
    # each source's bias per distinct source, not per row (no Python string per assessment)
    if "source" in a.columns:
        codes, names = pd.factorize(a["source"].astype("string").fillna("test"))
        per_source = np.array([float(source_bias.get(str(x), 0.0)) for x in names] + [0.0])
        bias_of = per_source[codes]
    else:
        bias_of = np.full(len(a), float(source_bias.get("test", 0.0)))
    e_all = id_codes(dataset.employees, a["employee_id"])
    s_all = id_codes(dataset.skills, a["skill_id"])
    day_all = to_days(a["assessed_at"])
    ok = (e_all >= 0) & (s_all >= 0) & np.isfinite(day_all)
    e, s, day = e_all[ok], s_all[ok], day_all[ok]
    level = a["level"].astype("float64").to_numpy(dtype=np.float64)[ok]
    bias = bias_of[ok]
    order = np.lexsort((day, s, e))  # by employee, skill, time; stable like the rows
    e, s, day, level, bias = e[order], s[order], day[order], level[order], bias[order]
    same = (e[1:] == e[:-1]) & (s[1:] == s[:-1])
    first = np.flatnonzero(same)
    days = day[first + 1] - day[first]
    keep = days > 0
    first = first[keep]
    return ControlPairs(
        e=e[first].astype(np.int64),
        s=s[first].astype(np.int64),
        before=level[first] - bias[first],
        change=(level[first + 1] - bias[first + 1]) - (level[first] - bias[first]),
        days=days[keep],
    )


@dataclass(frozen=True)
class _Match:
    """Matched non-takers of one item: weights per control pair, and who had a match."""

    weight: FloatArray  # per control pair: sum over takers of 1 / (that taker's matches)
    matched: npt.NDArray[np.bool_]  # per taker


def _match(taker_before: FloatArray, control_before: FloatArray) -> _Match:
    """Radius matching on the level before: each taker spreads weight 1 over its matches.

    ``control_before`` must be sorted: a taker's matches are then one run of it, found by
    binary search, and the weights are a running sum of the takers' shares (the outer
    takers x candidates comparison took most of the trainer's fit at 100,000 employees).
    """
    cb, tb = control_before, taker_before
    lo = np.searchsorted(cb, tb - CALIPER - _SLACK, side="left")
    hi = np.searchsorted(cb, tb + CALIPER + _SLACK, side="right")
    # exactly |taker - control| <= CALIPER, as computed: drop edge values just outside
    while True:
        out_lo = (lo < hi) & (np.abs(tb - cb[np.minimum(lo, len(cb) - 1)]) > CALIPER)
        out_hi = (lo < hi) & (np.abs(tb - cb[np.maximum(hi - 1, 0)]) > CALIPER)
        if not (out_lo.any() or out_hi.any()):
            break
        lo[out_lo] = np.searchsorted(cb, cb[lo[out_lo]], side="right")
        hi[out_hi] = np.searchsorted(cb, cb[hi[out_hi] - 1], side="left")
    count = hi - lo
    matched = count > 0
    share = np.where(matched, 1.0 / np.maximum(count, 1), 0.0)
    n = len(control_before)
    covered = np.cumsum(np.bincount(lo, minlength=n + 1) - np.bincount(hi, minlength=n + 1))
    delta = np.bincount(lo, weights=share, minlength=n + 1)
    delta -= np.bincount(hi, weights=share, minlength=n + 1)
    weight = np.where(covered[:n] > 0, np.cumsum(delta)[:n], 0.0)
    return _Match(weight=weight, matched=matched)


def _rate(change: FloatArray, days: FloatArray, w: FloatArray) -> tuple[float, float]:
    """Weighted ratio estimate of levels per day, and its variance (linearised)."""
    denominator = float((w * days).sum())
    if denominator <= 0:
        return 0.0, 0.0
    rate = float((w * change).sum()) / denominator
    n = int((w > 0).sum())
    resid = w * (change - rate * days)
    var = float((resid**2).sum()) / denominator**2 * (n / max(n - 1, 1))
    return rate, var


def _smd(a: FloatArray, b: FloatArray, wb: FloatArray) -> float:
    """Standardised mean difference of ``a`` and weighted ``b``."""
    mb = float(np.average(b, weights=wb))
    vb = float(np.average((b - mb) ** 2, weights=wb))
    pooled = np.sqrt((float(a.var()) + vb) / 2.0)
    diff = float(a.mean()) - mb
    return 0.0 if pooled == 0 else abs(diff) / pooled


@functools.lru_cache(maxsize=4096)
def _t975(dof: int) -> float:
    """Student t's 97.5% point (cached: scipy's ppf costs more than a whole item's estimate)."""
    return float(stats.t.ppf(0.975, dof))


def _n_distinct(values: IntArray) -> int:
    """Distinct values; a sorted input (the control pairs are) needs no hashing."""
    if len(values) == 0:
        return 0
    step = np.diff(values)
    if (step >= 0).all():
        return int(np.count_nonzero(step)) + 1
    return len(np.unique(values))


@dataclass(frozen=True)
class _Takers:
    """One (item, skill)'s takers: their gain, level before, days between, expected gain."""

    gain: FloatArray
    before: FloatArray
    days: FloatArray
    expected: FloatArray


@dataclass(frozen=True)
class _Candidates:
    """One skill's candidate control pairs: ``rows`` in the pairs' own order, ``by_level``
    the positions in ``rows`` sorted by level before (for the caliper's binary search)."""

    rows: IntArray
    by_level: IntArray
    rows_by_level: IntArray

    @classmethod
    def of_skill(cls, controls: ControlPairs, s: int) -> _Candidates:
        rows = np.flatnonzero(controls.s == s)
        if len(rows) > MAX_CONTROLS_PER_SKILL:
            by_level = np.argsort(controls.before[rows], kind="stable")
            every = np.linspace(0, len(rows) - 1, MAX_CONTROLS_PER_SKILL).round().astype(np.int64)
            rows = np.sort(rows[by_level[every]])
        by_level = np.argsort(controls.before[rows], kind="stable")
        return cls(rows, by_level, rows[by_level])


def _one_item(
    taker: _Takers,
    ctrl: ControlPairs,
    candidates: _Candidates,
    kept: IntArray,
    at_one_level: float,
    min_group: int,
) -> dict[str, object]:
    """The DiD estimate and checks for one (item, skill) from its takers and candidates.

    ``kept``: positions in ``candidates.rows`` of the non-takers, in level order.
    """
    ctrl_rows = candidates.rows[kept]
    gain, before = taker.gain, taker.before
    m = _match(before, ctrl.before[ctrl_rows]) if len(ctrl_rows) else None
    matched = m.matched if m is not None else np.zeros(len(gain), dtype=bool)
    overlap = float(matched.mean()) if len(gain) else 0.0
    out: dict[str, object] = {
        "n_takers": len(gain),
        "taker_change": float(gain.mean()) if len(gain) else float("nan"),
        "overlap": overlap,
        "n_controls": 0,
        "control_rate": float("nan"),
        "smd": float("nan"),
        "att": float("nan"),
        "gain": float("nan"),
        "low": float("nan"),
        "high": float("nan"),
        "se": float("nan"),
    }
    failed = []
    if len(gain) < min_group:
        failed.append("takers")
    if m is None or not matched.any():
        out["failed"] = ",".join([*failed, "controls", "overlap"])
        return out
    # back to the control pairs' own order by scattering (no sort per item)
    weight = np.zeros(len(candidates.rows))
    weight[kept] = m.weight
    used = np.flatnonzero(weight > 0)
    rows, w = candidates.rows[used], weight[used]
    n_controls = _n_distinct(ctrl.e[rows])
    if n_controls < min_group:
        failed.append("controls")
    out["n_controls"] = n_controls
    if overlap < MIN_OVERLAP:
        failed.append("overlap")
    smd = _smd(before[matched], ctrl.before[rows], w)
    if smd > MAX_SMD:
        failed.append("balance")
    g = gain[matched]
    d = taker.days[matched]
    expected = taker.expected[matched]
    rate, rate_var = _rate(ctrl.change[rows], ctrl.days[rows], w)
    mean_days = float(d.mean())
    att = float(g.mean()) - rate * mean_days
    n = len(g)
    var = (float(g.var(ddof=1)) / n if n > 1 else np.inf) + mean_days**2 * rate_var
    half = _t975(max(n - 1, 1)) * float(np.sqrt(var))
    # standardise to a learner one level below: the takers' gain scaled by the gain curve
    fit = float(expected.mean())
    if fit < MIN_FIT * at_one_level:
        failed.append("level")
    k = at_one_level / fit if fit > 0 else float("nan")
    out.update(
        control_rate=rate,
        smd=smd,
        att=att,
        gain=att * k,
        low=(att - half) * k,
        high=(att + half) * k,
        se=float(np.sqrt(var)) * k,
        failed=",".join(failed),
    )
    return out


def did_gains(
    pairs: pd.DataFrame,
    controls: ControlPairs,
    ever_enrolled: sp.csr_matrix,
    curve: npt.NDArray[np.float32],
    *,
    min_group: int = DEFAULT_MIN_GROUP,
) -> pd.DataFrame:
    """One row per (item, skill) with course tests: the DiD gain, its interval and checks.

    ``pairs`` is :func:`recsvc.training.gains.course_test_gains`; ``ever_enrolled`` is
    employees x items (any enrolment: such people are not non-takers); ``curve`` the gain
    curve by level step. Columns: i, s, n_takers, n_controls, taker_change, control_rate,
    att (the takers' own net gain), gain/low/high/se (standardised to one level below), overlap,
    smd, failed ("" when every check passed), shown.
    """
    # candidate control pairs per skill, and their order by level before (for _match)
    by_skill = {int(s): _Candidates.of_skill(controls, int(s)) for s in np.unique(pairs["s"])}
    none = _Candidates(*(np.empty(0, np.int64) for _ in range(3)))
    enrolled = sp.csc_matrix(ever_enrolled)
    at_one_level = float(expected_gain(curve, np.ones(1, np.float32))[0])
    item = pairs["i"].to_numpy(np.int64)
    skill = pairs["s"].to_numpy(np.int64)
    order = np.lexsort((skill, item))  # by (item, skill), takers in their original order
    item, skill = item[order], skill[order]
    takers = _Takers(
        gain=pairs["gain"].to_numpy(np.float64)[order],
        before=pairs["before"].to_numpy(np.float64)[order],
        days=pairs["days"].to_numpy(np.float64)[order],
        expected=np.asarray(expected_gain(curve, pairs["step"].to_numpy(np.float32)), np.float64)[
            order
        ],
    )
    new = np.flatnonzero(np.diff(item) != 0) + 1
    new = np.union1d(new, np.flatnonzero(np.diff(skill) != 0) + 1)
    bounds = np.concatenate(([0], new, [len(item)])) if len(item) else np.zeros(1, np.int64)
    took = np.zeros(ever_enrolled.shape[0], dtype=bool)
    rows = []
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        i, s = int(item[lo]), int(skill[lo])
        cand = by_skill.get(s, none)
        col = enrolled.indices[enrolled.indptr[i] : enrolled.indptr[i + 1]]
        took[col] = True
        kept = cand.by_level[~took[controls.e[cand.rows_by_level]]]
        took[col] = False
        group = _Takers(
            *(a[lo:hi] for a in (takers.gain, takers.before, takers.days, takers.expected))
        )
        est = _one_item(group, controls, cand, kept, at_one_level, min_group)
        rows.append({"i": i, "s": s, **est})
    columns = ["i", "s", "n_takers", "n_controls", "taker_change", "control_rate", "att"]
    columns += ["gain", "low", "high", "se", "overlap", "smd", "failed"]
    out = pd.DataFrame(rows, columns=columns)
    out["failed"] = out["failed"].fillna("").astype(str)
    out["shown"] = out["failed"] == ""
    return out


def net_gains(pairs: pd.DataFrame, estimates: pd.DataFrame) -> pd.DataFrame:
    """``pairs`` with each gain net of its item's control trend over that taker's days.

    What the ranking's item effects are learned from: the change the course made, not the
    change that would have happened anyway. Items without a control estimate keep the raw
    change.
    """
    rate = estimates.set_index(["i", "s"])["control_rate"]
    key = pd.MultiIndex.from_arrays([pairs["i"], pairs["s"]])
    r = rate.reindex(key).to_numpy(dtype=np.float64)
    r = np.where(np.isfinite(r), r, 0.0)
    return pairs.assign(gain=pairs["gain"].to_numpy(np.float64) - r * pairs["days"].to_numpy())


def estimate_item_gains(
    dataset: Dataset,
    content_level: sp.csr_matrix,
    source_bias: Mapping[str, float],
    curve: npt.NDArray[np.float32],
    *,
    min_group: int = DEFAULT_MIN_GROUP,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(pairs, estimates)``: course-test pairs and the DiD estimate per (item, skill)."""
    from recsvc.training.gains import course_test_gains

    pairs = course_test_gains(dataset, content_level)
    controls = control_pairs(dataset, source_bias)
    estimates = did_gains(pairs, controls, dataset.interacted(), curve, min_group=min_group)
    return pairs, estimates
