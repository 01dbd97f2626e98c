"""Pydantic schemas of POST /events and DELETE /employees/{employee_id} (erasure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

__all__ = ["ErasureResponse", "EventBatch", "EventIn", "EventKind", "EventsResponse"]

# kept equal to recsvc.events.EVENT_KINDS by a test; a Literal makes the spec list them
EventKind = Literal[
    "impression", "click", "enrol", "progress", "complete", "drop", "dismiss", "assessment"
]
AssessmentSource = Literal["test", "manager", "peer", "self"]

_STRICT = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
#: clocks differ; an event stamped further ahead than this is a client bug, not a clock
MAX_FUTURE = timedelta(days=1)

_NEEDS: dict[str, tuple[str, ...]] = {
    "assessment": ("skill_id", "level"),
    "progress": ("content_id", "progress"),
}
_ONLY: dict[str, tuple[str, ...]] = {
    "progress": ("progress",),
    "complete": ("score",),
    "assessment": ("level", "source"),
}


class EventIn(BaseModel):
    """One thing that happened in the LMS to one employee."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        allow_inf_nan=False,
        json_schema_extra={
            "examples": [
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
        },
    )

    idempotency_key: str = Field(
        min_length=1,
        max_length=128,
        description="Unique per event, chosen by the sender: a retried event is stored once.",
        examples=["lms-7f3a9c-0001"],
    )
    kind: EventKind = Field(
        description="impression (shown), click, enrol, progress, complete, drop, dismiss "
        "(not interested: never shown again), assessment (a skill level)."
    )
    employee_id: str = Field(
        min_length=1, max_length=128, description="Employee id.", examples=["E000001"]
    )
    content_id: str | None = Field(
        None,
        min_length=1,
        max_length=128,
        description="The content item; required for every kind but assessment.",
        examples=["C00069"],
    )
    skill_id: str | None = Field(
        None,
        min_length=1,
        max_length=128,
        description="The assessed skill (assessment only).",
        examples=["S31"],
    )
    occurred_at: datetime = Field(
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
    position: int | None = Field(
        None, ge=1, le=10_000, description="Rank of the item in that answer (1 = first)."
    )
    progress: float | None = Field(
        None, ge=0, le=1, description="Share done, 0 to 1 (progress only)."
    )
    score: float | None = Field(None, ge=0, le=1, description="Final score, 0 to 1 (complete).")
    level: float | None = Field(
        None, ge=0, le=5, description="Assessed level, 0 (none) to 5 (expert) (assessment)."
    )
    source: AssessmentSource | None = Field(
        None, description="Who assessed (assessment; default test)."
    )

    @model_validator(mode="after")
    def _check_kind_fields(self) -> EventIn:
        article = "an" if self.kind[0] in "aeiou" else "a"
        needed = _NEEDS.get(self.kind, ("content_id",))
        missing = [name for name in needed if getattr(self, name) is None]
        if missing:
            raise ValueError(f"{article} {self.kind} event needs {' and '.join(missing)}")
        if self.kind != "assessment" and self.skill_id is not None:
            raise ValueError(f"skill_id belongs to assessment events, not to {self.kind}")
        stray = [
            name
            for name in ("progress", "score", "level", "source")
            if getattr(self, name) is not None and name not in _ONLY.get(self.kind, ())
        ]
        if stray:
            raise ValueError(f"{', '.join(stray)} does not belong to {article} {self.kind} event")
        at = self.occurred_at
        aware = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
        if aware > datetime.now(UTC) + MAX_FUTURE:
            raise ValueError("occurred_at is more than a day in the future")
        return self


class EventBatch(BaseModel):
    """Events to store, in one transaction."""

    model_config = _STRICT

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
