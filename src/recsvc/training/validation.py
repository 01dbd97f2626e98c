"""Side-by-side validation of the hybrid and its baselines on the evaluation users."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

from recsvc import metrics as m
from recsvc.models.base import top_k
from recsvc.recommend.candidates import UserSignals, build_signals
from recsvc.recommend.engine import Recommender
from recsvc.recommend.query import Context, Query
from recsvc.recommend.rules import allowed_items
from recsvc.recommend.score import FEATURE_NAMES
from recsvc.recommend.state import ModelState
from recsvc.training.holdout import Holdout, K, metric_row

__all__ = ["gap_coverage", "sample_interval", "validate"]

_F = {name: i for i, name in enumerate(FEATURE_NAMES)}


def gap_coverage(state: ModelState, signals: UserSignals, items: npt.NDArray[np.int64]) -> float:
    """Share of the weighted skill gap taught above the current level by some item in ``items``."""
    total = float(signals.gap_weight.sum())
    if total <= 0:
        return float("nan")
    items = items[items >= 0]
    covered = np.zeros(len(state.skills), dtype=bool)
    w, lv = state.content_skill_weight, state.content_skill_level
    for i in items:
        lo, hi = w.indptr[i], w.indptr[i + 1]
        s = w.indices[lo:hi]
        covered[s[np.rint(lv.data[lo:hi]) > signals.current[s]]] = True
    return float(signals.gap_weight[covered].sum() / total)


def sample_interval(
    recs: dict[str, npt.NDArray[np.int64]], relevant: sp.csr_matrix, population: int
) -> dict[str, Any]:
    """How far a sample's nDCG@K may be from the whole population's: the sample size, the
    population it was drawn from, and each model's mean with a 95% bootstrap interval."""
    intervals = {
        name: [round(v, 6) for v in m.bootstrap_ci(m.ndcg_at_k(r, relevant, K), seed=0)]
        for name, r in recs.items()
    }
    return {
        "employees": int(relevant.shape[0]),
        "of": int(population),
        f"ndcg@{K} [mean, 2.5%, 97.5%]": intervals,
    }


def validate(
    state: ModelState,
    holdout: Holdout,
    *,
    diversity: float = 0.3,
    users: npt.NDArray[np.int64] | None = None,
    population: int | None = None,
    on_user: Callable[[], None] = lambda: None,
) -> tuple[dict[str, dict[str, float]], dict[str, Any]]:
    """Metrics at K per model on ``users`` (default: the warm evaluation users), and gap
    coverage for target roles.

    Every model ranks the same allowed items (business rules applied), so differences come
    from the ranking alone. ``hybrid`` is the learned engagement ranker alone; ``served``
    is what the service returns (need first, default diversity). ``users`` are a seeded
    sample of ``population`` evaluation employees (default: the warm slice's), so the
    extras give each model's nDCG@K with its 95% bootstrap interval over them.
    """
    rec = Recommender(state)
    users = holdout.eval_users if users is None else users
    models: dict[str, Callable[[npt.NDArray[np.float32], npt.NDArray[np.float32]], Any]] = {
        "popularity": lambda f, s: f[:, _F["pop_all"]],
        "popular_in_role": lambda f, s: f[:, _F["role_pop"]] * 1e3 + f[:, _F["pop_all"]],
        state.params.mf_algorithm: lambda f, s: f[:, _F["mf_score"]],
        "item_knn": lambda f, s: f[:, _F["knn_score"]],
        "content_knn": lambda f, s: f[:, _F["content_sim"]] * 1e3 + f[:, _F["pop_all"]],
        "hybrid": lambda f, s: s,
    }
    if state.ease_weights is not None:
        models["ease"] = lambda f, s: f[:, _F["ease_score"]]
    recs = {name: np.full((len(users), K), -1, dtype=np.int64) for name in [*models, "served"]}
    gap_cov: dict[str, list[float]] = {
        state.params.mf_algorithm: [],
        "hybrid": [],
        "served": [],
    }
    for row, u in enumerate(users):
        employee_id = state.employees.id_of(int(u))
        query = Query(employee_id, k=K, diversity=diversity, explain=False)
        signals = build_signals(state, employee_id, Context())
        feats = rec.features.features(signals)
        scores, _ = rec.engagement.logits(signals)
        allowed = np.flatnonzero(allowed_items(state, signals, query))
        for name, fn in models.items():
            vals = np.asarray(fn(feats, scores), dtype=np.float32)[allowed]
            best = allowed[top_k(vals, K)]
            recs[name][row, : len(best)] = best
        served = [state.content.index_of(i.content_id) for i in rec.recommend(query).items]
        recs["served"][row, : len(served)] = served
        if signals.target_role_idx >= 0:
            for name in gap_cov:
                gap_cov[name].append(gap_coverage(state, signals, recs[name][row]))
        on_user()
    relevant = sp.csr_matrix(holdout.relevant[users])
    table = {name: metric_row(r, relevant, len(state.content)) for name, r in recs.items()}
    if population is None:
        population = holdout.eval_population[0] if users is holdout.eval_users else len(users)
    extra: dict[str, Any] = {
        "eval_users": int(len(users)),
        "eval_sample": sample_interval(recs, relevant, max(int(population), len(users))),
        "target_role_users": len(gap_cov["hybrid"]),
        f"gap_coverage@{K}": {
            name: float(np.nanmean(v)) if np.isfinite(v).any() else None
            for name, v in ((n, np.asarray(x, dtype=float)) for n, x in gap_cov.items())
        },
    }
    return table, extra
