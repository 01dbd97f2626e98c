"""Pydantic response schemas of the HTTP API; re-exports the request and operational ones."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from recsvc.service.ops_schemas import (
    HealthResponse,
    ModelInfo,
    Problem,
    ProblemFieldError,
    ReadyResponse,
    ReloadError,
    ReloadResponse,
)
from recsvc.service.request_schemas import (
    AssessmentUpdate,
    BatchRecommendRequest,
    Context,
    Filters,
    Format,
    Objective,
    Project,
    RecommendRequest,
)

__all__ = [
    "AssessmentUpdate",
    "BatchFailure",
    "BatchRecommendRequest",
    "BatchRecommendResponse",
    "Context",
    "Filters",
    "Format",
    "HealthResponse",
    "Item",
    "ModelInfo",
    "Objective",
    "Problem",
    "ProblemFieldError",
    "Project",
    "ReadyResponse",
    "Reason",
    "RecommendRequest",
    "RecommendResponse",
    "ReloadError",
    "RequestWarning",
    "ReloadResponse",
    "SimilarItem",
    "SimilarResponse",
    "SkillGap",
    "SkillGapsResponse",
]


class Reason(BaseModel):
    """Why an item was recommended."""

    code: str = Field(
        description="Machine-readable reason code: skill_gap_role, skill_gap_target_role, "
        "skill_gap_next_role (a gap for the most likely next role of someone without a "
        "target role), skill_gap_project, strategic_skill, similar_to_completed, matches_project, "
        "popular_in_role, similar_learners, popular, dropped_before (the person started this "
        "item before and dropped it), fill_in (no learning value for this person: shown only "
        "because no item with value was left).",
        examples=["skill_gap_role"],
    )
    text: str = Field(
        description="Sentence for a person.", examples=["Builds Kubernetes towards level 3."]
    )
    details: dict[str, Any] = Field(
        default_factory=dict, description="Evidence behind the reason (ids, levels, scores)."
    )


class Item(BaseModel):
    """One recommended content item."""

    content_id: str = Field(description="Content id.", examples=["C00001"])
    title: str = Field(description="Content title.", examples=["Kubernetes fundamentals"])
    format: str | None = Field(description="Content format.", examples=["course"])
    duration_minutes: float | None = Field(description="Length in minutes.", examples=[90])
    score: float = Field(
        ge=0,
        le=1,
        description="Ranking score in [0, 1], non-increasing with rank (the list is ordered "
        "by it). How it is made depends on the request's objective: need ranks every item "
        "with learning value above every fill-in (no learning value) and orders the items "
        "with value by learning value x engagement; balanced blends learning value and "
        "engagement equally; engagement is the engagement chance alone. Compare scores "
        "within one answer only.",
        examples=[0.82],
    )
    rank: int = Field(
        ge=1,
        description="1-based position in the list: quote it as the position of an event "
        "about this item, with the answer's recommendation_id.",
        examples=[1],
    )
    reasons: list[Reason] = Field(description="Reasons (empty when explain is false).")
    learning_value: float = Field(
        ge=0,
        description="Weighted skill gap (in levels) this item is expected to close for this "
        "person; 0 means none (with objective need such an item is a fill_in).",
        examples=[1.4],
    )
    engagement: float = Field(
        ge=0,
        le=1,
        description="Chance, in [0, 1], that the person takes this item and finishes it.",
        examples=[0.37],
    )


class RequestWarning(BaseModel):
    """A part of the request the answer could not use, and what it did instead."""

    code: str = Field(
        description="Machine-readable: unknown_role, unknown_target_role, unknown_skill, "
        "unknown_content, unknown_language (the id or language is not in the served model; "
        "it may be newer than the last training).",
        examples=["unknown_role"],
    )
    field: str = Field(
        description="Dotted path of the request field that held it.",
        examples=["context.role_id"],
    )
    text: str = Field(
        description="What was ignored and what the answer used instead.",
        examples=[
            "role_id 'R099' is not in model 20261203T142014Z-4bcad3c-af5aac (it may be "
            "newer than the last training; GET /roles lists the known ones): answered "
            "with the employee's role in the model instead"
        ],
    )


class RecommendResponse(BaseModel):
    """Ranked items for one employee."""

    employee_id: str = Field(description="Employee id from the request.", examples=["E000012"])
    recommendation_id: str = Field(
        description="Id of this answer, r1:<variant>:<model_version>:<16 hex>; send it with "
        "the events it leads to (clicks, enrolments, completions) for attribution.",
        examples=["r1:default:20261203T142014Z-4bcad3c-af5aac:9f2c4e61a0b3d785"],
    )
    variant: str = Field(
        description="A/B variant that answered (RECSVC_VARIANTS; default when none is "
        "configured). An employee always gets the same variant.",
        examples=["default"],
    )
    model_version: str = Field(description="Bundle version that answered.")
    request_id: str = Field(
        description="Request id, also in the X-Request-ID header; in a batch, the batch's "
        "id with the entry's index (<batch id>.<index>)."
    )
    strategy: str = Field(
        description="How the list was made: personalised (known history), "
        "personalised_folded_in (request history used), cold_start_role (role gaps and "
        "peers), cold_start_target_role (an unknown employee with only a target role: gaps "
        "against that role), cold_start_popularity (nothing known about the person).",
        examples=["personalised"],
    )
    items: list[Item] = Field(description="Items, best first.")
    warnings: list[RequestWarning] = Field(
        description="What of the request was ignored (unknown ids or languages), and what "
        "was used instead; empty when everything was used."
    )


class BatchFailure(BaseModel):
    """An entry of a batch that could not be answered; the other entries are unaffected."""

    employee_id: str = Field(description="Employee id from the entry.", examples=["E000012"])
    request_id: str = Field(description="<batch id>.<index> of the entry.")
    error: Problem = Field(description="Why, as the problem document a single call would get.")


class BatchRecommendResponse(BaseModel):
    """One result per request, in request order: an answer or the entry's own error."""

    model_version: str = Field(
        description="Bundle version of the primary variant (each result names its own)."
    )
    request_id: str = Field(description="Request id of the batch call.")
    results: list[RecommendResponse | BatchFailure] = Field(
        description="Results, in request order: an answer, or a failure naming its error."
    )


class SkillGap(BaseModel):
    """One skill where the employee is below the required level."""

    skill_id: str = Field(description="Skill id.", examples=["S42"])
    skill_name: str = Field(description="Skill name.", examples=["Kubernetes"])
    current_level: float = Field(description="Estimated current level (0-5).", examples=[1.5])
    required_level: float = Field(description="Level the role requires (0-5).", examples=[3])
    gap: float = Field(description="required_level - current_level.", examples=[1.5])
    weight: float = Field(description="Importance of closing this gap.", examples=[0.9])
    content_ids: list[str] = Field(description="Content that would close the gap, best first.")
    level_uncertainty: float = Field(
        ge=0,
        description="Standard deviation of current_level, in levels: how sure the estimate "
        "is (0 = certain).",
        examples=[0.4],
    )
    evidence: str = Field(
        description="What current_level rests on: assessed (assessments of this person), "
        "inferred_from_learning (content the person completed), role_prior (what people in "
        "the role typically have), none (no evidence at all).",
        examples=["assessed"],
    )


class SkillGapsResponse(BaseModel):
    """Skill gaps of one employee against a role, largest weighted gap first."""

    employee_id: str = Field(description="Employee id.", examples=["E000012"])
    role_id: str | None = Field(
        description="Current role measured against: the one given, else the employee's in "
        "the bundle; null when there is none.",
        examples=["R036"],
    )
    target_role_id: str | None = Field(
        description="Target role measured against: the one given, else the employee's in "
        "the bundle; null when there is none.",
        examples=["R058"],
    )
    model_version: str = Field(description="Bundle version that answered.")
    request_id: str = Field(description="Request id.")
    gaps: list[SkillGap] = Field(description="Gaps, most important first.")
    warnings: list[RequestWarning] = Field(
        description="What of the request was ignored (an unknown role), and what was used "
        "instead; empty when everything was used."
    )


class SimilarItem(BaseModel):
    """A content item similar to the one asked about."""

    content_id: str = Field(description="Content id.", examples=["C00003"])
    title: str = Field(description="Content title.")
    score: float = Field(description="Similarity; higher is more similar.", examples=[0.71])


class SimilarResponse(BaseModel):
    """Content similar to one item."""

    content_id: str = Field(description="Content id asked about.", examples=["C00001"])
    model_version: str = Field(description="Bundle version that answered.")
    request_id: str = Field(description="Request id.")
    items: list[SimilarItem] = Field(description="Similar items, most similar first.")
