"""Per-model metrics with bootstrap confidence intervals, computed with ``recsvc.metrics``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc import metrics as m
from recsvc.contract import CONTENT_FORMATS
from recsvc.evaluate.runner import NEED_ORACLE, RankedLists
from recsvc.metrics import FloatArray
from recsvc.recommend.state import ModelState

__all__ = [
    "ACCURACY",
    "CURVE_POINTS",
    "Estimate",
    "ModelScores",
    "estimate",
    "need_ratios",
    "paired_difference",
    "ratio_of_means",
    "score_models",
]

_Metric = Callable[[Any, Any, int], npt.NDArray[np.float64]]
ACCURACY: dict[str, _Metric] = {
    "precision": m.precision_at_k,
    "recall": m.recall_at_k,
    "ndcg": m.ndcg_at_k,
    "map": m.average_precision_at_k,
    "hit_rate": m.hit_rate_at_k,
}
#: shares of the catalogue (most popular first) at which the popularity curve is read
CURVE_POINTS = tuple(float(x) for x in np.round(np.linspace(0.0, 1.0, 21), 2))


@dataclass(frozen=True)
class Estimate:
    """Mean over employees with a defined value, and its percentile-bootstrap 95% CI."""

    mean: float
    low: float
    high: float
    n: int

    def to_dict(self) -> dict[str, float | int]:
        return {"mean": self.mean, "low": self.low, "high": self.high, "n": self.n}

    def overlaps(self, other: Estimate) -> bool:
        return not (self.low > other.high or other.low > self.high)


def estimate(values: npt.ArrayLike, *, seed: int = 0, n_boot: int = 1000) -> Estimate:
    v = np.asarray(values, dtype=np.float64)
    mean, low, high = m.bootstrap_ci(v, n_boot=n_boot, seed=seed)
    return Estimate(mean, low, high, int((~np.isnan(v)).sum()))


@dataclass(frozen=True)
class ModelScores:
    """Everything measured for one model.

    ``per_user`` arrays are aligned with the evaluated employees (NaN = undefined);
    ``estimates`` hold their means and CIs; list-level figures (coverage) have no CI.
    """

    name: str
    per_user: dict[str, FloatArray]
    estimates: dict[str, Estimate]
    coverage: float
    by_k: dict[str, dict[int, float]]
    popularity_curve: tuple[float, ...]


def _format_features(state: ModelState) -> sp.csr_matrix:
    codes = np.asarray(state.content_format, dtype=np.int64)
    has = codes >= 0
    return sp.csr_matrix(
        (np.ones(int(has.sum())), (np.flatnonzero(has), codes[has])),
        shape=(len(codes), len(CONTENT_FORMATS)),
    )


def popularity_curve(recs: npt.NDArray[np.int64], pop: FloatArray) -> tuple[float, ...]:
    """Share of recommendation slots spent on the most popular x% of the catalogue."""
    order = np.argsort(-np.asarray(pop), kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    shown = recs[recs >= 0]
    if shown.size == 0:
        return tuple(float("nan") for _ in CURVE_POINTS)
    share = np.sort(rank[shown] / max(len(order), 1))
    return tuple(float(np.searchsorted(share, x, side="left") / shown.size) for x in CURVE_POINTS)


def score_models(
    lists: RankedLists,
    relevant: sp.csr_matrix,
    state: ModelState,
    *,
    ks: tuple[int, ...],
    seed: int = 0,
    n_boot: int = 1000,
) -> dict[str, ModelScores]:
    """Accuracy at k, beyond-accuracy figures and gap closure for every model in ``lists``.

    ``relevant`` has one row per evaluated employee, aligned with ``lists.users``.
    Diversity over skills is left out (NaN) when the data has no content skills. With
    ground truth, true closure, need value@k and waste@k are measured too (see ``need``).
    """
    k = lists.k
    pop = np.clip(np.asarray(state.pop_all, dtype=np.float64), 0.0, 1.0)
    n_active = max(int(np.asarray(state.content_active, dtype=bool).sum()), 1)
    skills = state.content_skill_weight if state.content_skill_weight.nnz else None
    formats = _format_features(state)
    out = {}
    for name in lists.models:
        recs, wide = lists.top_k[name], lists.wide[name]
        per_user: dict[str, FloatArray] = {
            f"{metric}@{k}": fn(recs, relevant, k) for metric, fn in ACCURACY.items()
        }
        per_user["ild_skills"] = (
            m.intra_list_diversity(recs, skills)
            if skills is not None
            else np.full(len(recs), np.nan)
        )
        per_user["ild_formats"] = m.intra_list_diversity(recs, formats)
        per_user["novelty"] = m.novelty(recs, pop)
        per_user["gap_closure"] = lists.closure[name]
        if lists.true_closure:
            per_user["gap_closure_true"] = lists.true_closure[name]
        if lists.need_value:
            per_user[f"need_value@{k}"] = lists.need_value[name]
            per_user[f"waste@{k}"] = lists.waste[name]
        shown = np.unique(recs[recs >= 0])
        by_k = {
            metric: {
                kk: m.mean_over_users(fn(wide, relevant, kk)) for kk in ks if kk <= lists.width
            }
            for metric, fn in ACCURACY.items()
        }
        out[name] = ModelScores(
            name=name,
            per_user=per_user,
            estimates={key: estimate(v, seed=seed, n_boot=n_boot) for key, v in per_user.items()},
            coverage=float(len(shown) / n_active),
            by_k=by_k,
            popularity_curve=popularity_curve(recs, pop),
        )
    return out


def paired_difference(
    a: ModelScores, b: ModelScores, metric: str, *, seed: int = 0, n_boot: int = 1000
) -> Estimate:
    """Mean of ``a - b`` per employee, with a bootstrap CI over the same employees.

    Pairing removes the between-employee spread both models share, so it can tell a real
    difference from noise where two separate CIs still overlap.
    """
    diff = a.per_user[metric] - b.per_user[metric]
    return estimate(diff, seed=seed, n_boot=n_boot)


def ratio_of_means(
    a: ModelScores, b: ModelScores, metric: str, *, seed: int = 0, n_boot: int = 1000
) -> Estimate:
    """``mean(a) / mean(b)`` over employees where both are defined, with a paired bootstrap CI.

    A ratio says "how much of the reference the model reaches" in the metric's own terms;
    resampling the same employees for both keeps their shared spread out of the interval.
    """
    x, y = a.per_user[metric], b.per_user[metric]
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    nan = float("nan")
    if len(x) == 0 or y.mean() <= 0:
        return Estimate(nan, nan, nan, len(x))
    rng = np.random.default_rng(seed)
    ratios = np.full(n_boot, nan)
    chunk = max(1, 4_000_000 // len(x))  # bounded memory, as in ``bootstrap_ci``
    for start in range(0, n_boot, chunk):
        picks = rng.integers(0, len(x), size=(min(chunk, n_boot - start), len(x)))
        num, den = x[picks].mean(axis=1), y[picks].mean(axis=1)
        ratios[start : start + len(picks)] = np.divide(
            num, den, out=np.full(len(picks), nan), where=den > 0
        )
    low, high = np.nanquantile(ratios, [0.025, 0.975])
    return Estimate(float(x.mean() / y.mean()), float(low), float(high), len(x))


def need_ratios(
    scores: Mapping[str, ModelScores], *, k: int, seed: int = 0, n_boot: int = 1000
) -> dict[str, Estimate]:
    """Need value@k of the hybrid over popular-in-role (the engagement bar) and the oracle."""
    metric = f"need_value@{k}"
    hybrid = scores.get("hybrid")
    if hybrid is None or metric not in hybrid.per_user:
        return {}
    return {
        f"hybrid / {name}": ratio_of_means(hybrid, scores[name], metric, seed=seed, n_boot=n_boot)
        for name in ("popular_in_role", NEED_ORACLE)
        if name in scores
    }
