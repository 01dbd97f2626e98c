"""The pure recommendation core: given a loaded bundle and a query, ranked items with reasons.

Pipeline per request (no HTTP, no pandas): ``candidates`` resolves the employee and context
into signals, with the skill state of :mod:`~recsvc.recommend.skill_state` (levels, their
uncertainty and evidence; request facts folded in); ``value`` gives every item its learning
value (the weighted gap it is expected to close) and ``finish`` the chance it is finished;
``score`` gives the engagement model's log-odds of taking it (features defined once, for
the trainer too); ``rules`` masks what must never be shown and tested-out items; ``policy``
orders by the request's objective (need first by default) with MMR diversity inside a tier;
``explain`` attaches reasons to the chosen items (codes documented in
:mod:`recsvc.recommend.explain`). ``benchmarks/bench_core.py`` measures it.

``Recommendations.strategy`` says how an answer was made:

``personalised``
    A known employee with history in the bundle.
``personalised_folded_in``
    Request-time history was used (``recent_content_ids``, or ``recent_assessments`` for
    a known employee with history): the CF vector and skill levels were recomputed.
``cold_start_role``
    No usable history, but a role (from the bundle or the request): role skill gaps and
    what peers in the role take.
``cold_start_target_role``
    No history and no role, but a target role: that role's gaps from its entry level.
``cold_start_popularity``
    Nothing known about the person: organisation-wide popularity (and context, if any).

The bundle layout is documented in :mod:`recsvc.recommend.state`.
"""

from recsvc.recommend.candidates import (
    COLD_START_POPULARITY,
    COLD_START_ROLE,
    COLD_START_TARGET_ROLE,
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
    "COLD_START_TARGET_ROLE",
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
