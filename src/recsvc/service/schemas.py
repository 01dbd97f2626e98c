"""Pydantic request and response schemas of the HTTP API, with the docs and examples of the spec."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from recsvc.service.ops_schemas import (
    HealthResponse,
    ModelInfo,
    Problem,
    ProblemFieldError,
    ReadyResponse,
    ReloadError,
    ReloadResponse,
)

__all__ = [
    "AssessmentUpdate",
    "BatchRecommendRequest",
    "BatchRecommendResponse",
    "Context",
    "Filters",
    "Format",
    "HealthResponse",
    "Item",
    "ModelInfo",
    "Problem",
    "ProblemFieldError",
    "Project",
    "ReadyResponse",
    "Reason",
    "RecommendRequest",
    "RecommendResponse",
    "ReloadError",
    "ReloadResponse",
    "SimilarItem",
    "SimilarResponse",
    "SkillGap",
    "SkillGapsResponse",
]

# kept equal to recsvc.contract.CONTENT_FORMATS by a test; a Literal makes the spec list them
Format = Literal[
    "course", "video", "article", "podcast", "classroom", "mentoring", "project", "assessment"
]
Source = Literal["test", "manager", "peer", "self"]

_STRICT = ConfigDict(extra="forbid")


class Project(BaseModel):
    """What the employee works on now."""

    model_config = _STRICT

    skill_ids: list[str] = Field(
        default_factory=list,
        description="Skill ids the project needs (at most RECSVC_MAX_LIST_ITEMS, default 1000).",
        examples=[["S0003", "S0017"]],
    )
    text: str | None = Field(
        None,
        max_length=4000,
        description="Free-text project description, matched against content text.",
        examples=["Migrate the billing service to Kubernetes"],
    )


class AssessmentUpdate(BaseModel):
    """An assessment made after the model was trained; folded in at request time."""

    model_config = _STRICT

    skill_id: str = Field(
        description="Assessed skill id.", examples=["S0003"], min_length=1, max_length=128
    )
    level: float = Field(ge=0, le=5, description="Assessed level, 0 (none) to 5 (expert).")
    source: Source = Field("test", description="Who assessed: test, manager, peer or self.")
    assessed_at: datetime | None = Field(None, description="When (ISO 8601); default now.")


class Context(BaseModel):
    """The situation of the request; every field is optional."""

    model_config = _STRICT

    role_id: str | None = Field(
        None,
        description="Current role, overriding the trained one.",
        examples=["R01"],
        min_length=1,
        max_length=128,
    )
    target_role_id: str | None = Field(
        None,
        description="Role the employee is growing towards.",
        examples=["R07"],
        min_length=1,
        max_length=128,
    )
    project: Project | None = Field(None, description="Current project skills and/or text.")
    time_budget_minutes: float | None = Field(
        None,
        gt=0,
        le=100_000,
        description="Minutes available: the items together fit in it (the list may be "
        "shorter than k).",
    )
    formats: list[Format] = Field(
        default_factory=list, description="Formats the employee can use now; only these."
    )
    language: str | None = Field(
        None,
        max_length=16,
        description="Language the employee learns in, e.g. en; only content in it.",
        examples=["en"],
    )
    recent_content_ids: list[str] = Field(
        default_factory=list,
        description="Content completed since training: never recommended, folded into the "
        "profile (at most RECSVC_MAX_LIST_ITEMS).",
        examples=[["C00042"]],
    )
    recent_assessments: list[AssessmentUpdate] = Field(
        default_factory=list,
        description="Assessments since training (at most RECSVC_MAX_LIST_ITEMS).",
    )


class Filters(BaseModel):
    """Hard filters: an item breaking one is never returned."""

    model_config = _STRICT

    exclude_content_ids: list[str] = Field(
        default_factory=list,
        description="Content never to return (at most RECSVC_MAX_LIST_ITEMS).",
        examples=[["C00007"]],
    )
    formats: list[Format] = Field(default_factory=list, description="Only these formats.")
    max_duration_minutes: float | None = Field(
        None, gt=0, le=100_000, description="No single item longer than this."
    )
    languages: list[str] = Field(
        default_factory=list, description="Only content in these languages.", examples=[["en"]]
    )


class RecommendRequest(BaseModel):
    """Ask for the next learning items of one employee."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"employee_id": "E00001", "k": 5},
                {
                    "employee_id": "E00001",
                    "k": 5,
                    "context": {
                        "target_role_id": "R07",
                        "project": {"skill_ids": ["S0003"], "text": "Kubernetes migration"},
                        "time_budget_minutes": 240,
                        "recent_content_ids": ["C00042"],
                        "recent_assessments": [{"skill_id": "S0003", "level": 2}],
                    },
                    "filters": {"formats": ["course", "video"], "languages": ["en"]},
                    "explain": True,
                },
            ]
        },
    )

    employee_id: str = Field(
        description="Employee id; unknown ids get a cold-start answer.",
        examples=["E00001"],
        min_length=1,
        max_length=128,
    )
    k: int | None = Field(
        None,
        ge=1,
        description="Items wanted: default RECSVC_DEFAULT_K (10), at most RECSVC_MAX_K (100).",
    )
    context: Context | None = Field(None, description="Situation of the request.")
    filters: Filters | None = Field(None, description="Hard filters on the answer.")
    explain: bool = Field(True, description="Attach reasons to each item.")
    diversity: float | None = Field(
        None,
        ge=0,
        le=1,
        description="MMR trade-off: 0 = pure relevance, 1 = most varied; default "
        "RECSVC_DIVERSITY (0.3).",
    )


class Reason(BaseModel):
    """Why an item was recommended."""

    code: str = Field(description="Machine-readable reason code.", examples=["skill_gap"])
    text: str = Field(
        description="Sentence for a person.", examples=["Builds Kubernetes towards level 3."]
    )
    details: dict[str, Any] = Field(
        default_factory=dict, description="Evidence behind the reason (ids, levels, scores)."
    )


class Item(BaseModel):
    """One recommended content item."""

    content_id: str = Field(description="Content id.", examples=["C00123"])
    title: str = Field(description="Content title.", examples=["Kubernetes fundamentals"])
    format: str | None = Field(description="Content format.", examples=["course"])
    duration_minutes: float | None = Field(description="Length in minutes.", examples=[90])
    score: float = Field(description="Relevance score; higher is better.", examples=[0.82])
    rank: int = Field(ge=1, description="1-based position in the list.", examples=[1])
    reasons: list[Reason] = Field(description="Reasons (empty when explain is false).")


class RecommendResponse(BaseModel):
    """Ranked items for one employee."""

    employee_id: str = Field(description="Employee id from the request.", examples=["E00001"])
    model_version: str = Field(description="Bundle version that answered.")
    request_id: str = Field(description="Request id, also in the X-Request-ID header.")
    strategy: str = Field(
        description="How the list was made: personalised (known history), "
        "personalised_folded_in (request history used), cold_start_role (role gaps and "
        "peers), cold_start_popularity (nothing known about the person).",
        examples=["personalised"],
    )
    items: list[Item] = Field(description="Items, best first.")


class BatchRecommendRequest(BaseModel):
    """Many recommendation requests in one call, e.g. for nightly digests."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"requests": [{"employee_id": "E00001"}, {"employee_id": "E00002"}]}]
        },
    )

    requests: list[RecommendRequest] = Field(
        min_length=1, description="One entry per employee (at most RECSVC_MAX_BATCH_SIZE, 500)."
    )


class BatchRecommendResponse(BaseModel):
    """One answer per request, in request order."""

    model_version: str = Field(description="Bundle version that answered.")
    request_id: str = Field(description="Request id of the batch call.")
    results: list[RecommendResponse] = Field(description="Answers, in request order.")


class SkillGap(BaseModel):
    """One skill where the employee is below the required level."""

    skill_id: str = Field(description="Skill id.", examples=["S0003"])
    skill_name: str = Field(description="Skill name.", examples=["Kubernetes"])
    current_level: float = Field(description="Estimated current level (0-5).", examples=[1.5])
    required_level: float = Field(description="Level the role requires (0-5).", examples=[3])
    gap: float = Field(description="required_level - current_level.", examples=[1.5])
    weight: float = Field(description="Importance of closing this gap.", examples=[0.9])
    content_ids: list[str] = Field(description="Content that would close the gap, best first.")


class SkillGapsResponse(BaseModel):
    """Skill gaps of one employee against a role, largest weighted gap first."""

    employee_id: str = Field(description="Employee id.", examples=["E00001"])
    target_role_id: str | None = Field(description="Role measured against, if given.")
    model_version: str = Field(description="Bundle version that answered.")
    request_id: str = Field(description="Request id.")
    gaps: list[SkillGap] = Field(description="Gaps, most important first.")


class SimilarItem(BaseModel):
    """A content item similar to the one asked about."""

    content_id: str = Field(description="Content id.", examples=["C00124"])
    title: str = Field(description="Content title.")
    score: float = Field(description="Similarity; higher is more similar.", examples=[0.71])


class SimilarResponse(BaseModel):
    """Content similar to one item."""

    content_id: str = Field(description="Content id asked about.", examples=["C00123"])
    model_version: str = Field(description="Bundle version that answered.")
    request_id: str = Field(description="Request id.")
    items: list[SimilarItem] = Field(description="Similar items, most similar first.")
