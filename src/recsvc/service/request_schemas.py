"""Pydantic request schemas of the HTTP API: strict, bounded, with the spec's docs and examples."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

__all__ = [
    "AssessmentUpdate",
    "IsoDateTime",
    "WholeInt",
    "whole_number",
    "BatchRecommendRequest",
    "Context",
    "Filters",
    "Format",
    "Objective",
    "Project",
    "RecommendRequest",
]

# kept equal to recsvc.contract.CONTENT_FORMATS by a test; a Literal makes the spec list them
Format = Literal[
    "course", "video", "article", "podcast", "classroom", "mentoring", "project", "assessment"
]
Source = Literal["test", "manager", "peer", "self"]
# kept equal to recsvc.recommend.query.OBJECTIVES by a test
Objective = Literal["need", "balanced", "engagement"]

# unknown fields are errors (typos must not pass silently); types are strict (no "5" for 5,
# no false for 0.0: what the schema says is what is accepted); NaN and Infinity, which
# Python's JSON parser accepts, are refused in every number
STRICT_BODY = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)

# Lists stop at their first bad entry (fail_fast): 60,000 bad entries would otherwise cost
# ~80 MiB of error objects for one 256 KiB body. Every id in a list is bounded like the
# top-level ids, so a list costs at most RECSVC_MAX_LIST_ITEMS x 128 characters.
ListedId = Annotated[str, StringConstraints(min_length=1, max_length=128)]


def whole_number(value: object) -> object:
    """JSON Schema calls 5.0 an integer, so it is taken as 5 (5.5 stays refused)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _iso_text(value: object) -> object:
    """Date-times come as ISO 8601 text, as the spec says: epoch numbers are refused."""
    if value is not None and not isinstance(value, str | datetime):
        raise ValueError("Input should be an ISO 8601 date-time string")
    return value


#: an integer field: strict, except that a whole float (5.0) is the integer it spells (for
#: an optional one with bounds write Annotated[int, Field(ge=...), BeforeValidator(
#: whole_number)] | None, so the spec keeps minimum/maximum)
WholeInt = Annotated[int, BeforeValidator(whole_number)]


#: the years a date-time may have as written: learning records from before computers kept
#: them, or a thousand years ahead, are typos; the spec states the range as a pattern
FIRST_YEAR, LAST_YEAR = 1970, 2999
_YEAR_PATTERN = r"^(19[7-9][0-9]|2[0-9]{3})-"


def _in_range(value: datetime) -> datetime:
    """A moment written in the years 1970 to 2999 (so it also exists in UTC)."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"Input should be a date-time in the years {FIRST_YEAR} to {LAST_YEAR}")
    return value


#: a date-time field: ISO 8601 text only (pydantic alone would also take epoch numbers)
IsoDateTime = Annotated[
    datetime,
    BeforeValidator(_iso_text),
    AfterValidator(_in_range),
    Field(json_schema_extra={"pattern": _YEAR_PATTERN}),
]
Language = Annotated[str, StringConstraints(min_length=1, max_length=16)]


class Project(BaseModel):
    """What the employee works on now."""

    model_config = STRICT_BODY

    skill_ids: list[ListedId] = Field(
        fail_fast=True,
        default_factory=list,
        description="Skill ids the project needs (at most RECSVC_MAX_LIST_ITEMS, default 1000).",
        examples=[["S42", "S41"]],
    )
    text: str | None = Field(
        None,
        max_length=4000,
        description="Free-text project description, matched against content text.",
        examples=["Migrate the billing service to Kubernetes"],
    )


class AssessmentUpdate(BaseModel):
    """An assessment made after the model was trained; folded in at request time."""

    model_config = STRICT_BODY

    skill_id: str = Field(
        description="Assessed skill id.", examples=["S42"], min_length=1, max_length=128
    )
    level: float = Field(ge=0, le=5, description="Assessed level, 0 (none) to 5 (expert).")
    source: Source = Field("test", description="Who assessed: test, manager, peer or self.")
    assessed_at: IsoDateTime | None = Field(
        None,
        strict=False,  # JSON carries datetimes as ISO 8601 strings
        description="When (ISO 8601); default now.",
    )


class Context(BaseModel):
    """The situation of the request; every field is optional."""

    model_config = STRICT_BODY

    role_id: str | None = Field(
        None,
        description="Current role, overriding the trained one.",
        examples=["R036"],
        min_length=1,
        max_length=128,
    )
    target_role_id: str | None = Field(
        None,
        description="Role the employee is growing towards.",
        examples=["R058"],
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
        fail_fast=True,
        default_factory=list,
        description="Formats the employee can use now; only these.",
    )
    language: str | None = Field(
        None,
        max_length=16,
        description="Language the employee learns in, e.g. en; only content in it.",
        examples=["en"],
    )
    recent_content_ids: list[ListedId] = Field(
        fail_fast=True,
        default_factory=list,
        description="Content completed since training: never recommended, folded into the "
        "profile (at most RECSVC_MAX_LIST_ITEMS).",
        examples=[["C00002"]],
    )
    recent_assessments: list[AssessmentUpdate] = Field(
        fail_fast=True,
        default_factory=list,
        description="Assessments since training (at most RECSVC_MAX_LIST_ITEMS).",
    )


class Filters(BaseModel):
    """Hard filters: an item breaking one is never returned."""

    model_config = STRICT_BODY

    exclude_content_ids: list[ListedId] = Field(
        fail_fast=True,
        default_factory=list,
        description="Content never to return (at most RECSVC_MAX_LIST_ITEMS).",
        examples=[["C00007"]],
    )
    formats: list[Format] = Field(
        fail_fast=True, default_factory=list, description="Only these formats."
    )
    max_duration_minutes: float | None = Field(
        None, gt=0, le=100_000, description="No single item longer than this."
    )
    languages: list[Language] = Field(
        fail_fast=True,
        default_factory=list,
        description="Only content in these languages.",
        examples=[["en"]],
    )


class RecommendRequest(BaseModel):
    """Ask for the next learning items of one employee."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        allow_inf_nan=False,
        json_schema_extra={
            "examples": [
                {"employee_id": "E000012", "k": 5},
                {
                    "employee_id": "E000012",
                    "k": 5,
                    "context": {
                        "target_role_id": "R058",
                        "project": {"skill_ids": ["S42"], "text": "Kubernetes migration"},
                        "time_budget_minutes": 240,
                        "recent_content_ids": ["C00002"],
                        "recent_assessments": [{"skill_id": "S42", "level": 2}],
                    },
                    "filters": {"formats": ["course", "video"], "languages": ["en"]},
                    "explain": True,
                    "objective": "need",
                    "include_refreshers": False,
                },
            ]
        },
    )

    employee_id: str = Field(
        description="Employee id; unknown ids get a cold-start answer.",
        examples=["E000012"],
        min_length=1,
        max_length=128,
    )
    k: Annotated[int, Field(ge=1), BeforeValidator(whole_number)] | None = Field(
        None,
        description="Items wanted: default RECSVC_DEFAULT_K (10), at most RECSVC_MAX_K (100).",
    )
    context: Context | None = Field(None, description="Situation of the request.")
    filters: Filters | None = Field(None, description="Hard filters on the answer.")
    explain: bool = Field(
        True,
        description="Attach reasons to each item (default true). false leaves every item's "
        "`reasons` empty and skips building them (a cheaper answer); the items, their order "
        "and figures are the same either way.",
    )
    diversity: float | None = Field(
        None,
        ge=0,
        le=1,
        description="MMR trade-off: 0 = pure relevance, 1 = most varied; default "
        "RECSVC_DIVERSITY (0.3).",
    )
    objective: Objective = Field(
        "need",
        description="How the list is ordered. need (default): items with learning value "
        "(they close a gap of this person) come first, each place going to the item that "
        "adds most to the gaps left open above it, the chance the person takes it breaking "
        "near-ties (it can at most halve an item's key); items with no learning value only "
        "fill in the rest "
        "of the list, after every item with value, each labelled with the reason fill_in. "
        "balanced: learning value and chance blended equally. engagement: the chance alone "
        "(what the person would most likely click).",
        examples=["need"],
    )
    include_refreshers: bool = Field(
        False,
        description="Also return refreshers: items that only teach skills the person has "
        "proven by a recent test at or above the level taught. Left out by default.",
    )


class BatchRecommendRequest(BaseModel):
    """Many recommendation requests in one call, e.g. for nightly digests."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        allow_inf_nan=False,
        json_schema_extra={
            "examples": [{"requests": [{"employee_id": "E000012"}, {"employee_id": "E000013"}]}]
        },
    )

    requests: list[RecommendRequest] = Field(
        fail_fast=True,
        min_length=1,
        description="One entry per employee (at most RECSVC_MAX_BATCH_SIZE, 500).",
    )
