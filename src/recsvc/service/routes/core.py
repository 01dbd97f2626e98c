"""The served recommendation core itself, for routes that read more than RecommenderLike."""

from __future__ import annotations

from recsvc.recommend import Recommender
from recsvc.service.deps import Served
from recsvc.service.problems import ProblemError

__all__ = ["require_core"]


def require_core(served: Served) -> Recommender:
    """The loaded :class:`Recommender`; 503 when something else is served (a test fake)."""
    recommender = served.recommender
    if not isinstance(recommender, Recommender):
        raise ProblemError(
            503, "The loaded model cannot answer this request; load a bundle trained by recsvc."
        )
    return recommender
