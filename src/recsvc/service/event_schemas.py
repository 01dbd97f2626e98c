"""Pydantic schemas of POST /events and DELETE /employees/{employee_id} (erasure)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from recsvc.service.request_schemas import STRICT_BODY, IsoDateTime, whole_number

__all__ = [
    "AssessmentEvent",
    "CompleteEvent",
    "ContentEvent",
    "ErasureResponse",
    "EventBatch",
    "EventIn",
    "EventKind",
    "EventsResponse",
    "ProgressEvent",
]

# kept equal to recsvc.events.EVENT_KINDS by a test; a Literal makes the spec list them
EventKind = Literal[
    "impression", "click", "enrol", "progress", "complete", "drop", "dismiss", "assessment"
]
AssessmentSource = Literal["test", "manager", "peer", "self"]


class _Event(BaseModel):
    """What every event carries."""

    model_config = STRICT_BODY

    idempotency_key: str = Field(
        min_length=1,
        max_length=128,
        description="Unique per event, chosen by the sender: a retried event is stored once.",
        examples=["lms-7f3a9c-0001"],
    )
    employee_id: str = Field(
        min_length=1, max_length=128, description="Employee id.", examples=["E000001"]
    )
    occurred_at: IsoDateTime = Field(
        strict=False,  # JSON carries datetimes as ISO 8601 strings
        description="When it happened (ISO 8601; without an offset it is UTC).",
        examples=["2026-03-02T09:15:00Z"],
    )
    recommendation_id: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="The `recommendation_id` of the answer that showed the item, for "
        "attribution (`recsvc report online`).",
        examples=["r1:default:20261201T101500Z-1a2b3c4-9f8e7d:0123456789abcdef"],
    )
    position: Annotated[int, Field(ge=1, le=10_000), BeforeValidator(whole_number)] | None = Field(
        None, description="Rank of the item in that answer (1 = first)."
    )


_CONTENT_ID = Field(
    min_length=1, max_length=128, description="The content item.", examples=["C00069"]
)


class ContentEvent(_Event):
    """Shown, clicked, enrolled in, dropped or dismissed ("not interested": never again)."""

    kind: Literal["impression", "click", "enrol", "drop", "dismiss"] = Field(
        description="impression (shown), click, enrol, drop, dismiss."
    )
    content_id: str = _CONTENT_ID


class ProgressEvent(_Event):
    """Part of an item done."""

    kind: Literal["progress"] = Field(description="progress.")
    content_id: str = _CONTENT_ID
    progress: float = Field(ge=0, le=1, description="Share done, 0 to 1.")


class CompleteEvent(_Event):
    """An item finished; it leaves the list and counts as evidence for what it teaches."""

    kind: Literal["complete"] = Field(description="complete.")
    content_id: str = _CONTENT_ID
    score: float | None = Field(None, ge=0, le=1, description="Final score, 0 to 1.")


class AssessmentEvent(_Event):
    """A skill level measured; it updates the employee's skill state."""

    kind: Literal["assessment"] = Field(description="assessment.")
    skill_id: str = Field(
        min_length=1, max_length=128, description="The assessed skill.", examples=["S31"]
    )
    level: float = Field(ge=0, le=5, description="Assessed level, 0 (none) to 5 (expert).")
    source: AssessmentSource = Field("test", description="Who assessed.")
    content_id: str | None = Field(
        None,
        min_length=1,
        max_length=128,
        description="The course the assessment belongs to, if any.",
        examples=["C00069"],
    )


#: One event; ``kind`` says which fields it has (a tagged union in the spec, so every
#: schema-valid event is accepted).
EventIn = Annotated[
    ContentEvent | ProgressEvent | CompleteEvent | AssessmentEvent,
    Field(discriminator="kind"),
]


class EventBatch(BaseModel):
    """Events to store, in one transaction."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        allow_inf_nan=False,
        json_schema_extra={
            "examples": [
                {
                    "events": [
                        {
                            "idempotency_key": "lms-7f3a9c-0001",
                            "kind": "complete",
                            "employee_id": "E000001",
                            "content_id": "C00069",
                            "occurred_at": "2026-03-02T09:15:00Z",
                            "score": 0.85,
                        },
                        {
                            "idempotency_key": "lms-7f3a9c-0002",
                            "kind": "assessment",
                            "employee_id": "E000001",
                            "skill_id": "S31",
                            "level": 3.5,
                            "source": "test",
                            "occurred_at": "2026-03-02T10:00:00Z",
                        },
                    ]
                }
            ]
        },
    )

    events: list[EventIn] = Field(
        min_length=1,
        description="At most RECSVC_MAX_EVENT_BATCH (default 1000) events; all are stored "
        "or none (a malformed one refuses the batch with 422 naming it).",
    )


class EventsResponse(BaseModel):
    """What was stored; answered only after the events are committed."""

    received: int = Field(description="Events in the batch.")
    stored: int = Field(description="New events stored now.")
    duplicates: int = Field(description="Events whose idempotency_key was already stored.")
    duplicate_keys: list[str] = Field(description="Their keys (retries are not errors).")
    discarded_erased: int = Field(
        description="Events of erased employees: not stored (see DELETE /employees/{id})."
    )
    request_id: str = Field(description="Id of this request (as in X-Request-ID).")


class ErasureResponse(BaseModel):
    """The employee is forgotten: no personal answers, events deleted, left out of training."""

    employee_id: str = Field(description="The employee erased.")
    erased: bool = Field(description="Always true: the employee is on the erasure list.")
    events_deleted: int = Field(description="Stored events of the employee deleted now.")
    request_id: str = Field(description="Id of this request (as in X-Request-ID).")
