"""Request-time value objects: what is asked of the recommendation core and what it answers.

Plain frozen dataclasses, free of HTTP: the service maps its pydantic schemas onto these, and
tests and evaluation build them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = [
    "AssessmentUpdate",
    "OBJECTIVES",
    "InputWarning",
    "Context",
    "Filters",
    "Project",
    "Query",
    "Reason",
    "RecommendedItem",
    "Recommendations",
    "SimilarItem",
    "SkillGap",
    "SkillGapReport",
]


@dataclass(frozen=True)
class Project:
    """What the employee works on now: skill ids and/or free text."""

    skill_ids: tuple[str, ...] = ()
    text: str | None = None


@dataclass(frozen=True)
class AssessmentUpdate:
    """An assessment made after the bundle was trained, folded in at request time."""

    skill_id: str
    level: float
    source: str = "test"
    assessed_at: datetime | None = None


@dataclass(frozen=True)
class Context:
    """Situation of the request; every field is optional."""

    role_id: str | None = None
    target_role_id: str | None = None
    project: Project | None = None
    time_budget_minutes: float | None = None
    formats: tuple[str, ...] = ()
    language: str | None = None
    recent_content_ids: tuple[str, ...] = ()
    recent_assessments: tuple[AssessmentUpdate, ...] = ()


@dataclass(frozen=True)
class Filters:
    """Hard filters on the answer."""

    exclude_content_ids: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    max_duration_minutes: float | None = None
    languages: tuple[str, ...] = ()


#: ranking objectives: ``need`` (default) puts items with learning value first, ordered by
#: value times the chance the person takes them; ``balanced`` blends the two equally;
#: ``engagement`` ranks by the chance alone (what the person would click)
OBJECTIVES = ("need", "balanced", "engagement")


@dataclass(frozen=True)
class Query:
    """One recommendation request. ``diversity`` is the MMR trade-off (0 = pure relevance).

    ``include_refreshers`` lets items through that only teach what the employee has proven
    (a recent test at or above the level taught); by default they are left out.
    """

    employee_id: str
    k: int = 10
    context: Context = field(default_factory=Context)
    filters: Filters = field(default_factory=Filters)
    explain: bool = True
    diversity: float = 0.3
    objective: str = "need"
    include_refreshers: bool = False


@dataclass(frozen=True)
class Reason:
    """Why an item was recommended: a machine-readable code and a sentence for a person."""

    code: str
    text: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RecommendedItem:
    content_id: str
    title: str
    format: str | None
    duration_minutes: float | None
    score: float  # in [0, 1], non-increasing with rank
    rank: int
    reasons: tuple[Reason, ...] = ()
    #: weighted skill gap the item is expected to close for this person (levels; 0: none)
    learning_value: float = 0.0
    #: chance the person takes the item (the engagement model) and finishes it (the
    #: completion rate at its level step), in [0, 1]
    engagement: float = 0.0


@dataclass(frozen=True)
class InputWarning:
    """Part of a request the answer could not use (an id the model does not know, say).

    ``code`` is machine-readable (unknown_role, unknown_skill, ...), ``field`` the dotted
    request path that held it (context.role_id, context.project.skill_ids.0), ``text`` a
    sentence saying what was ignored and what the answer used instead.
    """

    code: str
    field: str
    text: str


@dataclass(frozen=True)
class Recommendations:
    """The answer. ``strategy`` names how it was made (e.g. personalised, cold_start_role,
    cold_start_popularity); ``warnings`` what of the request was ignored, and why."""

    employee_id: str
    model_version: str
    strategy: str
    items: tuple[RecommendedItem, ...]
    warnings: tuple[InputWarning, ...] = ()


@dataclass(frozen=True)
class SkillGap:
    skill_id: str
    skill_name: str
    current_level: float
    required_level: float
    gap: float
    weight: float
    content_ids: tuple[str, ...] = ()
    #: standard deviation of ``current_level`` (levels): how sure the estimate is
    level_uncertainty: float = 0.0
    #: what the estimate rests on: assessed, inferred_from_learning, role_prior or none
    evidence: str = "none"


@dataclass(frozen=True)
class SimilarItem:
    content_id: str
    title: str
    score: float


@dataclass(frozen=True)
class SkillGapReport:
    """Gaps of one employee, the roles they were measured against and what was ignored."""

    employee_id: str
    role_id: str | None  # the role used (given, else the employee's in the bundle)
    target_role_id: str | None  # likewise for the target role
    gaps: tuple[SkillGap, ...]
    warnings: tuple[InputWarning, ...] = ()
