"""Choose the engagement model per slice: the learned blend or the best single candidate.

The learned ranker blends every candidate's score (ALS/BPR, EASE, item-kNN, content,
popularity in role...), but a pointwise blend learned on positives against random items can
rank the top of a list worse than its best input alone. So the choice is measured, not
assumed: on the warm tuning employees, split in two seeded folds, a ranker learned on one
fold ranks the other (cross-fitting: no employee is scored by a ranker that saw them), and
each single candidate ranks the same employees with the same business rules. The blend is
chosen only when it beats the best single candidate by more than the standard error of the
paired per-employee difference (the one-standard-error rule: a 13-weight blend must earn
its place against one score, or a validation win may be noise); otherwise the best single
candidate is served, as a ranker whose only weight is that candidate's score, so the
need-first policy, calibration and serving stay exactly as they are. The cold-start slice
chooses the same way among a blend learned on cold employees (the population it will serve)
and the popularity candidates; the bundle serves people without history with that choice.
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
    "RULE",
    "SINGLES",
    "Decision",
    "Selection",
    "decide",
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
RULE = (
    "the learned blend only if its cross-fitted nDCG@10 beats the best single candidate's by "
    "more than one standard error of the paired per-employee difference; else that candidate"
)


@dataclass(frozen=True)
class Decision:
    """One slice's choice: the winner, the best single candidate, and the blend's paired
    margin over it with that margin's standard error (NaN without a blend)."""

    chosen: str
    best_single: str
    margin: float
    se: float
    n_users: int

    def summary(self, label: Callable[[str], str]) -> dict[str, Any]:
        out: dict[str, Any] = {"best_single": label(self.best_single), "employees": self.n_users}
        if np.isfinite(self.margin):
            out["blend_margin"] = round(self.margin, 6)
            out["blend_margin_se"] = round(self.se, 6)
        return out


def decide(per_user: dict[str, npt.NDArray[np.float64]]) -> Decision:
    """Apply :data:`RULE` to per-employee nDCG@10 of every option on the same employees.

    NaN marks an employee without held-out items (left out of every mean). Among single
    candidates the highest mean wins (the blend name excluded); the blend wins only with a
    paired margin above one standard error, so a difference inside the noise keeps the
    simpler, single-score model.
    """
    means = {name: m.mean_over_users(v) for name, v in per_user.items()}
    singles = [name for name in per_user if name != BLEND]
    if not singles:
        raise ValueError("no single candidate to choose from")
    best = max(singles, key=lambda name: (np.nan_to_num(means[name], nan=-np.inf), name))
    if BLEND not in per_user:
        n = int(np.count_nonzero(~np.isnan(per_user[best])))
        return Decision(best, best, float("nan"), float("nan"), n)
    diff = per_user[BLEND] - per_user[best]
    diff = diff[~np.isnan(diff)]
    n = len(diff)
    margin = float(diff.mean()) if n else float("nan")
    se = float(diff.std(ddof=1) / np.sqrt(n)) if n >= 2 else float("inf")
    chosen = BLEND if n and margin > se else best
    return Decision(chosen, best, margin, se, n)


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
    warm_decision: Decision | None = None
    cold_decision: Decision | None = None

    def summary(self, mf_algorithm: str) -> dict[str, Any]:
        def label(name: str) -> str:
            return _label(name, mf_algorithm)

        def named(scores: dict[str, float]) -> dict[str, float]:
            return {label(k): round(v, 6) for k, v in scores.items()}

        warm: dict[str, Any] = {
            "model": label(self.chosen),
            "ndcg@10": named(self.warm),
            "rule": RULE,
        }
        if self.warm_decision is not None:
            warm |= self.warm_decision.summary(label)
        out: dict[str, Any] = {"warm": warm}
        if self.cold_on_warm:
            out["cold"] = {
                "model": f"{BLEND} (no cold-start slice to choose on)",
                "ndcg@10": {},
                "rule": "a single history-based candidate cannot rank people without history",
            }
        elif self.cold_chosen is not None:
            out["cold"] = {"model": self.cold_chosen, "ndcg@10": named(self.cold), "rule": RULE}
            if self.cold_decision is not None:
                out["cold"] |= self.cold_decision.summary(label)
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
) -> dict[str, npt.NDArray[np.float64]]:
    """Per-employee nDCG@10 of every scorer (NaN for an employee without held-out items)."""
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
    return {name: m.ndcg_at_k(r, relevant, K) for name, r in recs.items()}


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
) -> tuple[Decision, dict[str, float], LogisticRanker | None, int, LogisticRanker | None]:
    """``(decision, nDCG@10 per option, the winner as a ranker, examples, the learned blend)``
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
    per_user = _ndcg(state, holdout, np.concatenate(folds), scorers, on_user)
    scores = {name: m.mean_over_users(v) for name, v in per_user.items()}
    decision = decide(per_user)
    ranker = full if decision.chosen == BLEND else single_ranker(singles[decision.chosen])
    return decision, scores, ranker, int(len(y)), full


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
    decision, warm, ranker, n, blend = _choose(
        state, holdout, holdout.tune_users, singles, seed=seed, on_user=on_user
    )
    chosen = decision.chosen
    if ranker is None:
        return Selection(
            default_ranker(),
            n,
            warm,
            chosen="default blend (too few examples)",
            warm_decision=decision,
        )
    selection = Selection(ranker, n, warm, chosen=chosen, warm_decision=decision)
    if len(holdout.cold_tune_users) >= MIN_COLD_USERS:
        cold_singles = {k: w for k, w in singles.items() if "popular" in k}
        cold_decision, cold, cold_ranker, _, _ = _choose(
            state, holdout, holdout.cold_tune_users, cold_singles, seed=seed, on_user=on_user
        )
        if cold_ranker is not None:
            selection.cold, selection.cold_chosen = cold, cold_decision.chosen
            selection.cold_ranker, selection.cold_decision = cold_ranker, cold_decision
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
