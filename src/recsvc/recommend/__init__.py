"""The pure recommendation core: given a loaded bundle and a query, ranked items with reasons.

Pipeline per request (no HTTP, no pandas): ``candidates`` resolves the employee and context
into signals (folding in request history), ``blend`` scores every item with the learned
weights over the ranker features defined in ``score`` (without materialising them),
``rules`` masks what must never be shown, ``diversify`` re-ranks the best few dozen by MMR
within an optional time budget, ``explain`` attaches reasons to the chosen items (codes
documented in :mod:`recsvc.recommend.explain`). Only the linear blend touches the whole
catalogue; everything after it works on the pool or the answer. ``benchmarks/bench_core.py``
measures it.

``Recommendations.strategy`` says how an answer was made:

``personalised``
    A known employee with history in the bundle.
``personalised_folded_in``
    Request-time history was used (``recent_content_ids``, or ``recent_assessments`` for
    a known employee with history): the CF vector and skill levels were recomputed.
``cold_start_role``
    No usable history, but a role (from the bundle or the request): role skill gaps and
    what peers in the role take.
``cold_start_popularity``
    Nothing known about the person: organisation-wide popularity (and context, if any).

The bundle layout is documented in :mod:`recsvc.recommend.state`.
"""

from recsvc.recommend.candidates import (
    COLD_START_POPULARITY,
    COLD_START_ROLE,
    PERSONALISED,
    PERSONALISED_FOLDED_IN,
)
from recsvc.recommend.engine import Recommender
from recsvc.recommend.query import (
    AssessmentUpdate,
    Context,
    Filters,
    Project,
    Query,
    Reason,
    Recommendations,
    RecommendedItem,
    SimilarItem,
    SkillGap,
)

__all__ = [
    "COLD_START_POPULARITY",
    "COLD_START_ROLE",
    "PERSONALISED",
    "PERSONALISED_FOLDED_IN",
    "AssessmentUpdate",
    "Context",
    "Filters",
    "Project",
    "Query",
    "Reason",
    "RecommendedItem",
    "Recommendations",
    "Recommender",
    "SimilarItem",
    "SkillGap",
]
