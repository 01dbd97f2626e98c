"""Choose the engagement model per slice: the learned blend or the best single candidate.

The learned ranker blends every candidate's score (ALS/BPR, EASE, item-kNN, content,
popularity in role...), but a pointwise blend learned on positives against random items can
rank the top of a list worse than its best input alone. So the choice is measured, not
assumed: on the warm tuning employees, split in two seeded folds, a ranker learned on one
fold ranks the other (cross-fitting: no employee is scored by a ranker that saw them), and
each single candidate ranks the same employees with the same business rules. The highest
nDCG@10 wins; a single winner is served as a ranker whose only weight is that candidate's
score, so the need-first policy, calibration and serving stay exactly as they are. The
cold-start slice chooses the same way among a blend learned on cold employees (the
population it will serve) and the popularity candidates; the bundle serves people without
history with that choice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt

from recsvc import metrics as m
from recsvc.models.base import top_k
from recsvc.models.ranker import LogisticRanker
from recsvc.recommend.candidates import build_signals
from recsvc.recommend.query import Context
from recsvc.recommend.score import FEATURE_NAMES, FeatureBuilder
from recsvc.recommend.state import ModelState
from recsvc.training.assemble import default_ranker
from recsvc.training.holdout import Holdout, K
from recsvc.training.rank import ranker_examples

__all__ = [
    "BLEND",
    "SINGLES",
    "Selection",
    "fold_calibration",
    "select_engagement",
    "single_ranker",
]

FloatArray = npt.NDArray[np.float32]
BLEND = "learned blend"
#: single candidates: name -> {feature: weight} (a tiny overall-popularity weight breaks ties)
SINGLES: dict[str, dict[str, float]] = {
    "mf": {"mf_score": 1.0},
    "ease": {"ease_score": 1.0},
    "item_knn": {"knn_score": 1.0},
    "popular_in_role": {"role_pop": 1.0, "pop_all": 1e-3},
    "popularity": {"pop_all": 1.0},
}
MIN_EXAMPLES = 20
#: fewest cold tuning employees to choose a cold-start model on (fewer: too noisy to trust)
MIN_COLD_USERS = 30


@dataclass
class Selection:
    """The chosen rankers and the cross-fitted nDCG@10 of every option, per slice."""

    ranker: LogisticRanker
    n_examples: int
    warm: dict[str, float] = field(default_factory=dict)
    cold: dict[str, float] = field(default_factory=dict)
    chosen: str = BLEND
    cold_ranker: LogisticRanker | None = None
    cold_chosen: str | None = None
    #: the cold ranker was not chosen on a cold slice (none was large enough)
    cold_on_warm: bool = False

    def summary(self, mf_algorithm: str) -> dict[str, Any]:
        def named(scores: dict[str, float]) -> dict[str, float]:
            return {_label(k, mf_algorithm): round(v, 6) for k, v in scores.items()}

        rule = "highest cross-fitted nDCG@10 on the slice's tuning employees"
        out: dict[str, Any] = {
            "warm": {
                "model": _label(self.chosen, mf_algorithm),
                "ndcg@10": named(self.warm),
                "rule": rule,
            }
        }
        if self.cold_on_warm:
            out["cold"] = {
                "model": f"{BLEND} (no cold-start slice to choose on)",
                "ndcg@10": {},
                "rule": "a single history-based candidate cannot rank people without history",
            }
        elif self.cold_chosen is not None:
            out["cold"] = {"model": self.cold_chosen, "ndcg@10": named(self.cold), "rule": rule}
        else:
            out["cold"] = {"model": "warm ranker (no cold-start slice to choose on)"}
        return out


def _label(name: str, mf_algorithm: str) -> str:
    return mf_algorithm if name == "mf" else name


def single_ranker(weights: dict[str, float]) -> LogisticRanker:
    """A ranker whose log-odds are the named features, weighted (others weigh nothing)."""
    n = len(FEATURE_NAMES)
    coef = np.zeros(n, dtype=np.float32)
    for name, w in weights.items():
        coef[FEATURE_NAMES.index(name)] = w
    arrays = {
        "mean": np.zeros(n, np.float32),
        "scale": np.ones(n, np.float32),
        "coef": coef,
        "intercept": np.zeros(1, np.float32),
    }
    return LogisticRanker.from_arrays(arrays, FEATURE_NAMES)


def _fit(
    state: ModelState,
    holdout: Holdout,
    users: npt.NDArray[np.int64],
    seed: int,
    on_user: Callable[[], None],
) -> Any:
    x, y = ranker_examples(state, replace(holdout, tune_users=users), seed=seed, on_user=on_user)
    if len(y) < MIN_EXAMPLES or y.min() == y.max():
        return None, x, y
    return LogisticRanker(seed=seed).fit(x, y, FEATURE_NAMES), x, y


def _ndcg(
    state: ModelState,
    holdout: Holdout,
    users: npt.NDArray[np.int64],
    scorers: dict[str, Callable[[FloatArray, int], FloatArray]],
    on_user: Callable[[], None],
) -> dict[str, float]:
    builder = FeatureBuilder(state)
    active = np.asarray(state.content_active, dtype=bool)
    recs = {name: np.full((len(users), K), -1, dtype=np.int64) for name in scorers}
    for row, u in enumerate(users):
        signals = build_signals(state, state.employees.id_of(int(u)), Context())
        feats = builder.features(signals)
        allowed = np.flatnonzero(active & ~signals.excluded)
        for name, score in scorers.items():
            best = allowed[top_k(np.asarray(score(feats, row), np.float32)[allowed], K)]
            recs[name][row, : len(best)] = best
        on_user()
    relevant = holdout.relevant[users]
    return {name: m.mean_over_users(m.ndcg_at_k(r, relevant, K)) for name, r in recs.items()}


def _column_scorer(weights: dict[str, float]) -> Callable[[FloatArray, int], FloatArray]:
    cols = [(FEATURE_NAMES.index(n), np.float32(w)) for n, w in weights.items()]

    def score(feats: FloatArray, row: int) -> FloatArray:
        out = np.zeros(len(feats), dtype=np.float32)
        for j, w in cols:
            out += w * feats[:, j]
        return out

    return score


def _choose(
    state: ModelState,
    holdout: Holdout,
    users: npt.NDArray[np.int64],
    singles: dict[str, dict[str, float]],
    *,
    seed: int,
    on_user: Callable[[], None],
) -> tuple[str, dict[str, float], LogisticRanker | None, int, LogisticRanker | None]:
    """``(winner, nDCG@10 per option, the winner as a ranker, examples, the learned blend)``
    on ``users``."""
    shuffled = np.random.default_rng(seed).permutation(users)
    folds = (np.sort(shuffled[: len(users) // 2]), np.sort(shuffled[len(users) // 2 :]))
    fitted = [_fit(state, holdout, f, seed, on_user) for f in folds]
    x = np.vstack([fx for _, fx, _ in fitted])
    y = np.concatenate([fy for _, _, fy in fitted])
    full = (
        LogisticRanker(seed=seed).fit(x, y, FEATURE_NAMES)
        if len(y) >= MIN_EXAMPLES and y.min() != y.max()
        else None
    )
    scorers = {n: _column_scorer(w) for n, w in singles.items()}
    if full is not None and all(r is not None for r, _, _ in fitted):
        # each fold is ranked by the ranker learned on the other one
        scored_by = [fitted[1][0]] * len(folds[0]) + [fitted[0][0]] * len(folds[1])

        def blend(feats: FloatArray, row: int) -> FloatArray:
            return scored_by[row].decision_function(feats)  # type: ignore[no-any-return]

        scorers = {BLEND: blend, **scorers}
    scores = _ndcg(state, holdout, np.concatenate(folds), scorers, on_user)
    chosen = max(scores, key=lambda k: (scores[k], k == BLEND))
    ranker = full if chosen == BLEND else single_ranker(singles[chosen])
    return chosen, scores, ranker, int(len(y)), full


def select_engagement(
    state: ModelState,
    holdout: Holdout,
    *,
    seed: int,
    on_user: Callable[[], None] = lambda: None,
) -> Selection:
    """Per slice, learn the blend, measure it against every single candidate, keep the best.

    Warm employees choose among the blend and every candidate; the cold-start slice (when
    the holdout has one) among a blend learned on cold employees and the popularity
    candidates, since nothing else can score a person without history.
    """
    singles = {
        name: w
        for name, w in SINGLES.items()
        if name != "ease" or state.ease_weights is not None
        if name != "popular_in_role" or "roles" in state.capabilities
    }
    chosen, warm, ranker, n, blend = _choose(
        state, holdout, holdout.tune_users, singles, seed=seed, on_user=on_user
    )
    if ranker is None:
        return Selection(default_ranker(), n, warm, chosen="default blend (too few examples)")
    selection = Selection(ranker, n, warm, chosen=chosen)
    if len(holdout.cold_tune_users) >= MIN_COLD_USERS:
        cold_singles = {k: w for k, w in singles.items() if "popular" in k}
        cold_chosen, cold, cold_ranker, _, _ = _choose(
            state, holdout, holdout.cold_tune_users, cold_singles, seed=seed, on_user=on_user
        )
        if cold_ranker is not None:
            selection.cold, selection.cold_chosen = cold, cold_chosen
            selection.cold_ranker = cold_ranker
    elif chosen != BLEND and blend is not None:
        # no cold slice to choose on: a history-based single candidate would score people
        # without history all alike, so they keep the learned blend (calibrated on warm)
        selection.cold_ranker, selection.cold_chosen = blend, BLEND
        selection.cold_on_warm = True
    return selection


def fold_calibration(
    cold: LogisticRanker, cold_fit: tuple[float, float], warm_fit: tuple[float, float]
) -> LogisticRanker:
    """The cold ranker rescaled so the warm calibration maps its log-odds right.

    Bundles keep one calibration (``sigmoid(a z + b)``); with ``z' = k z + d``, ``k = a_c /
    a_w`` and ``d = (b_c - b_w) / a_w``, ``a_w z' + b_w`` equals the cold slice's own
    calibrated ``a_c z + b_c``.
    """
    (a_c, b_c), (a_w, b_w) = cold_fit, warm_fit
    k = a_c / a_w if abs(a_w) > 1e-9 else 1.0
    d = (b_c - b_w) / a_w if abs(a_w) > 1e-9 else 0.0
    arrays = cold.to_arrays()
    coef = np.asarray(arrays["coef"], np.float32) * np.float32(k)
    intercept = np.asarray(arrays["intercept"], np.float32) * np.float32(k) + np.float32(d)
    return LogisticRanker.from_arrays(
        {**arrays, "coef": coef, "intercept": intercept}, FEATURE_NAMES
    )
