"""What an LMS event is, and what stored events mean for the next recommendation.

Plain dataclasses and pure functions, free of SQL and HTTP: the store persists
:class:`Event`, the service folds :class:`EmployeeFacts` into a query, the trainer merges
events into the contract tables, and the online report counts them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = [
    "ASSESSMENT",
    "CLICK",
    "COMPLETE",
    "DISMISS",
    "DROP",
    "ENROL",
    "ENROLMENT_KINDS",
    "EVENT_KINDS",
    "IMPRESSION",
    "PROGRESS",
    "EmployeeFacts",
    "Event",
    "FactEvent",
    "as_utc",
    "erasure_key",
    "fold_facts",
]

IMPRESSION = "impression"
CLICK = "click"
ENROL = "enrol"
PROGRESS = "progress"
COMPLETE = "complete"
DROP = "drop"
DISMISS = "dismiss"
ASSESSMENT = "assessment"

#: Every kind the API accepts; all but ``assessment`` name a content item.
EVENT_KINDS = (IMPRESSION, CLICK, ENROL, PROGRESS, COMPLETE, DROP, DISMISS, ASSESSMENT)
#: Kinds that describe an enrolment's life (merged into the enrolments table at training).
ENROLMENT_KINDS = (ENROL, PROGRESS, COMPLETE, DROP)


def as_utc(moment: datetime) -> datetime:
    """Naive UTC, as everywhere in recsvc (naive input already means UTC)."""
    if moment.tzinfo is None:
        return moment
    return moment.astimezone(UTC).replace(tzinfo=None)


def erasure_key(employee_id: str) -> str:
    """sha256 hex of an employee id: the erasure list holds no ids in the clear."""
    return hashlib.sha256(employee_id.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened in the LMS, as accepted by ``POST /events``.

    ``idempotency_key`` is chosen by the sender and unique per event: a retried batch
    stores each event once. ``variant`` and ``model_version`` come from
    ``recommendation_id`` (see :mod:`recsvc.attribution`) when it is one of ours.
    """

    idempotency_key: str
    kind: str
    employee_id: str
    occurred_at: datetime
    content_id: str | None = None
    skill_id: str | None = None
    recommendation_id: str | None = None
    variant: str | None = None
    model_version: str | None = None
    position: int | None = None
    progress: float | None = None
    score: float | None = None
    level: float | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class FactEvent:
    """The part of a stored event the next recommendation needs (``seq``: store order)."""

    seq: int
    kind: str
    content_id: str | None
    skill_id: str | None
    level: float | None
    source: str | None
    occurred_at: datetime


@dataclass(frozen=True)
class EmployeeFacts:
    """Stored facts about one employee that the bundle does not know yet.

    ``completed`` leave the list and count as evidence; ``excluded`` (dismissed, and
    enrolled, in progress or dropped since training, as the bundle's own enrolments are)
    stay away; ``assessments`` are ``(skill_id, level, source, assessed_at)``.
    """

    erased: bool = False
    completed: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    assessments: tuple[tuple[str, float, str, datetime], ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.erased or self.completed or self.excluded or self.assessments)


def fold_facts(events: list[FactEvent], *, erased: bool = False) -> EmployeeFacts:
    """Facts from one employee's stored events (in store order).

    Every completion counts once, even if it was sent twice with different keys; an item
    completed is not also listed as excluded (the rules leave it out either way).
    """
    completed: dict[str, None] = {}
    excluded: dict[str, None] = {}
    assessments: list[tuple[str, float, str, datetime]] = []
    for e in events:
        if e.kind == COMPLETE and e.content_id is not None:
            completed[e.content_id] = None
        elif e.kind in (DISMISS, ENROL, PROGRESS, DROP) and e.content_id is not None:
            excluded[e.content_id] = None
        elif e.kind == ASSESSMENT and e.skill_id is not None and e.level is not None:
            assessments.append((e.skill_id, e.level, e.source or "test", e.occurred_at))
    return EmployeeFacts(
        erased=erased,
        completed=tuple(completed),
        excluded=tuple(c for c in excluded if c not in completed),
        assessments=tuple(assessments),
    )
