"""The hybrid as served and its ablations, each answered by a real ``Recommender``.

An ablation removes one component and lets the ranker re-learn the blend without it, on the
same inner holdout and examples as the real ranker: zeroing a feature column both when
learning and when scoring is the same as never having computed it. ``hybrid-ranker`` keeps
every component but replaces the learned weights by equal ones; ``hybrid-diversity`` is the
learned blend without the MMR re-ranking. ``hybrid-balanced`` and ``hybrid-engagement``
are the same bundle answering with the other ranking objectives: what need first costs and
gains against ranking by engagement; ``engagement-ranking`` is the engagement model the
trainer chose, exactly as it ranks: objective engagement without MMR diversity, over the
same candidate items as the single candidates (refreshers of skills the employee proved are
let through: leaving them out is the need tier's rule, measured by the other rows).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from recsvc.evaluate.split import EvalSplit
from recsvc.models.ranker import LogisticRanker
from recsvc.recommend.engine import Recommender
from recsvc.recommend.query import Query
from recsvc.recommend.score import FEATURE_NAMES
from recsvc.recommend.state import ModelState
from recsvc.training.assemble import default_ranker
from recsvc.training.fit import FittedHybrid
from recsvc.training.holdout import Holdout
from recsvc.training.rank import ranker_examples

__all__ = [
    "ABLATIONS",
    "DEFAULT_DIVERSITY",
    "ENGAGEMENT_RANKING",
    "Variant",
    "hybrid_variants",
    "oracle_variant",
    "serve_variant",
]

#: the engagement model the trainer chose, served alone: objective engagement, no MMR
ENGAGEMENT_RANKING = "engagement-ranking"

#: the diversity the service uses when a request does not say
DEFAULT_DIVERSITY = Query("").diversity

#: ablation name -> (feature columns removed, capability the component needs)
ABLATIONS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "hybrid-skills": (("strategic",), "skills"),
    "hybrid-content": (("content_sim",), None),
    "hybrid-cf": (("mf_score", "ease_score"), None),
}


@dataclass(frozen=True)
class Variant:
    """One way of running the hybrid; ``ranker`` None means n/a (``note`` says why)."""

    name: str
    ranker: LogisticRanker | None
    diversity: float
    note: str = ""
    objective: str = "need"
    #: let through items that only teach skills the employee proved (the need tier's filter)
    include_refreshers: bool = False


def _zeroed(ranker: LogisticRanker, columns: list[int]) -> LogisticRanker:
    arrays = ranker.to_arrays()
    coef = np.array(arrays["coef"], dtype=np.float32)
    coef[columns] = 0.0
    return LogisticRanker.from_arrays({**arrays, "coef": coef}, FEATURE_NAMES)


def hybrid_variants(fitted: FittedHybrid, *, seed: int) -> list[Variant]:
    """The served hybrid, then each ablation with its re-learned ranker."""
    caps = fitted.state.capabilities
    out = [
        Variant("hybrid", fitted.ranker, DEFAULT_DIVERSITY),
        Variant("hybrid-balanced", fitted.ranker, DEFAULT_DIVERSITY, objective="balanced"),
        Variant("hybrid-engagement", fitted.ranker, DEFAULT_DIVERSITY, objective="engagement"),
        Variant(
            ENGAGEMENT_RANKING,
            fitted.ranker,
            0.0,
            objective="engagement",
            include_refreshers=True,
        ),
    ]
    x, y = ranker_examples(fitted.train_state, fitted.holdout, seed=seed)
    learnable = len(y) >= 20 and y.min() != y.max()
    for name, (features, needs) in ABLATIONS.items():
        cols = [FEATURE_NAMES.index(f) for f in features]
        if needs is not None and needs not in caps:
            out.append(Variant(name, None, DEFAULT_DIVERSITY, f"n/a: no {needs} data"))
            continue
        if learnable:
            masked = np.array(x, copy=True)
            masked[:, cols] = 0.0
            ranker = LogisticRanker(seed=seed).fit(masked, y, FEATURE_NAMES)
        else:
            ranker = default_ranker()
        out.append(Variant(name, _zeroed(ranker, cols), DEFAULT_DIVERSITY))
    out.append(Variant("hybrid-ranker", default_ranker(), DEFAULT_DIVERSITY))
    out.append(Variant("hybrid-diversity", fitted.ranker, 0.0))
    return out


def oracle_variant(
    state: ModelState, split: EvalSplit, users: npt.NDArray[np.int64], *, seed: int
) -> Variant:
    """A diagnostic, not a model: the ranker re-learned on the *test* period's answers.

    It shows how far re-weighting the same features could go at best; when even this
    ceiling stays close to a baseline, better weights cannot help and only better features
    (or more data) can.
    """
    holdout = Holdout(
        split.cutoff_day or 0.0, split.train, split.relevant, split.seen, users, users
    )
    x, y = ranker_examples(state, holdout, seed=seed)
    if len(y) < 20 or y.min() == y.max():
        return Variant("hybrid-oracle", None, DEFAULT_DIVERSITY, "n/a: too few test examples")
    return Variant(
        "hybrid-oracle", LogisticRanker(seed=seed).fit(x, y, FEATURE_NAMES), DEFAULT_DIVERSITY
    )


def serve_variant(served: Recommender, variant: Variant) -> Recommender:
    """A Recommender that answers like ``served`` but blends with the variant's ranker.

    Every variant goes through ``Recommender.recommend`` (features, rules, MMR, the lot), so
    an ablation differs from the hybrid in its weights and nothing else.
    """
    if variant.ranker is None:
        raise ValueError(f"variant {variant.name} is not available: {variant.note}")
    mine, theirs = variant.ranker.to_arrays(), served.state.ranker.to_arrays()
    if all(np.array_equal(mine[key], theirs[key]) for key in mine):
        return served  # the served bundle's own ranker: ask the served Recommender itself
    return Recommender(replace(served.state, ranker=variant.ranker), version=variant.name)
