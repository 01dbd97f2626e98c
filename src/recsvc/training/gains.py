"""What courses' own tests before and after them say about learning gains.

Assessments with a ``content_id`` are a course's own tests. Per learner, item and skill the
first is the level before and the last the level after; their difference is the gain. Two
things are learned from them: the gain curve by level step (how much content teaches
someone 0.5, 1 or 2 levels below it) and each item's effectiveness against that curve.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from recsvc import contract as c
from recsvc.dataset import Dataset, id_codes, to_days
from recsvc.recommend.gain_curve import GAIN_STEPS, default_curve, expected_gain

__all__ = ["MIN_CURVE_PAIRS", "course_test_gains", "gain_curve", "item_effects"]

#: pseudo-learners at the stated level fit added to every point of the learned curve
CURVE_SHRINK = 10.0
#: levels of expected gain at the average effect (1) added to every item's measurement
EFFECT_SHRINK = 3.0
#: fewest before/after pairs to learn a curve at all (else the stated level fit)
MIN_CURVE_PAIRS = 50


def course_test_gains(dataset: Dataset, content_level: sp.csr_matrix) -> pd.DataFrame:
    """One row per (learner, item, skill) with tests before and after.

    Columns: e (learner), i, s, before (level at the first test), step (level taught minus
    before), gain (last minus first), days (between them).
    """
    empty = pd.DataFrame({k: [] for k in ("e", "i", "s", "before", "step", "gain", "days")})
    a = dataset.tables.get(c.ASSESSMENTS)
    if a is None or len(a) == 0 or "content_id" not in a.columns or content_level.shape[1] == 0:
        return empty
    a = a[a["content_id"].notna()]
    frame = pd.DataFrame(
        {
            "e": id_codes(dataset.employees, a["employee_id"]),
            "i": id_codes(dataset.content, a["content_id"]),
            "s": id_codes(dataset.skills, a["skill_id"]),
            "day": to_days(a["assessed_at"]),
            "level": a["level"].astype("float64").to_numpy(dtype=np.float64),
        }
    )
    ok = (frame["e"] >= 0) & (frame["i"] >= 0) & (frame["s"] >= 0) & np.isfinite(frame["day"])
    frame = frame[ok]
    if len(frame) == 0:
        return empty
    frame = frame.sort_values(["e", "i", "s", "day"], kind="stable")
    g = frame.groupby(["e", "i", "s"])["level"]
    day = frame.groupby(["e", "i", "s"])["day"]
    per = pd.DataFrame(
        {
            "before": g.first(),
            "after": g.last(),
            "n": g.size(),
            "days": day.last() - day.first(),
        }
    )
    per = per[per["n"] >= 2].reset_index()
    lv = sp.csr_matrix(content_level, dtype=np.float32)
    taught = np.asarray(lv[per["i"].to_numpy(), per["s"].to_numpy()]).ravel()
    per = per[taught > 0]
    taught = taught[taught > 0]
    return pd.DataFrame(
        {
            "e": per["e"].to_numpy(dtype=np.int64),
            "i": per["i"].to_numpy(dtype=np.int64),
            "s": per["s"].to_numpy(dtype=np.int64),
            "before": per["before"].to_numpy(dtype=np.float64),
            "step": np.rint(taught) - per["before"].to_numpy(dtype=np.float64),
            "gain": (per["after"] - per["before"]).to_numpy(dtype=np.float64),
            "days": per["days"].to_numpy(dtype=np.float64),
        }
    )


def gain_curve(pairs: pd.DataFrame, sigma: float) -> npt.NDArray[np.float32]:
    """Mean gain at each of ``GAIN_STEPS``, shrunk toward the stated level fit.

    Each pair counts at its nearest tabled step (steps past the ends at the ends); a point
    with few pairs stays near the level fit. Below ``MIN_CURVE_PAIRS`` pairs in all, the
    level fit itself.
    """
    prior = default_curve(sigma).astype(np.float64)
    if len(pairs) < MIN_CURVE_PAIRS:
        return prior.astype(np.float32)
    spacing = float(GAIN_STEPS[1] - GAIN_STEPS[0])
    point = np.clip(np.rint(pairs["step"].to_numpy() / spacing), 0, len(GAIN_STEPS) - 1)
    keep = pairs["step"].to_numpy() > 0
    idx = point[keep].astype(np.int64)
    gains = np.clip(pairs["gain"].to_numpy(dtype=np.float64)[keep], 0.0, None)
    n = np.bincount(idx, minlength=len(GAIN_STEPS))
    total = np.bincount(idx, weights=gains, minlength=len(GAIN_STEPS))
    curve = (total + CURVE_SHRINK * prior) / (n + CURVE_SHRINK)
    curve[0] = 0.0  # at the learner's level: nothing new, whatever noise says
    return curve.astype(np.float32)


def item_effects(
    pairs: pd.DataFrame, curve: npt.NDArray[np.float32], shape: tuple[int, int]
) -> sp.csr_matrix:
    """Items x skills effectiveness: measured gain over the curve's gain for those learners.

    1 is an average item; 0.5 taught half of what the curve expects for the same learners.
    Shrunk toward 1 by ``EFFECT_SHRINK`` levels of expected gain, so one lucky learner does
    not make a course look great. Items without before/after tests stay absent (effect 1).
    The trainer passes gains net of comparable non-takers' change
    (:func:`recsvc.training.did.net_gains`). Gains are summed unclipped (test noise
    averages out; clipping each at 0 would credit an item that teaches nothing with the
    noise's positive half) and only the effect is kept at or above 0.
    """
    if len(pairs) == 0:
        return sp.csr_matrix(shape, dtype=np.float32)
    expected = expected_gain(curve, pairs["step"].to_numpy(dtype=np.float32)).astype(np.float64)
    frame = pd.DataFrame(
        {
            "i": pairs["i"],
            "s": pairs["s"],
            "gain": pairs["gain"].to_numpy(dtype=np.float64),
            "expected": expected,
        }
    )
    agg = frame.groupby(["i", "s"])[["gain", "expected"]].sum().reset_index()
    effect = (agg["gain"] + EFFECT_SHRINK) / (agg["expected"] + EFFECT_SHRINK)
    out = sp.csr_matrix(
        (
            np.clip(effect.to_numpy(dtype=np.float32), 1e-4, 5.0),  # 0 must stay stored
            (agg["i"].to_numpy(dtype=np.int64), agg["s"].to_numpy(dtype=np.int64)),
        ),
        shape=shape,
    )
    out.sort_indices()
    return out
