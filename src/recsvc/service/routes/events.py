"""POST /events: what happened in the LMS, stored durably before the answer."""

from __future__ import annotations

import anyio.to_thread
from fastapi import APIRouter, Request
from starlette.responses import Response

from recsvc.attribution import parse_recommendation_id
from recsvc.events.model import Event, as_utc
from recsvc.events.store import AppendResult
from recsvc.service.convert import json_response, limit_problem
from recsvc.service.deps import ApiKeyDep, EventsDep
from recsvc.service.event_schemas import EventBatch, EventIn, EventsResponse
from recsvc.service.events import EventsHolder
from recsvc.service.problems import problem_responses

__all__ = ["router", "to_event"]

router = APIRouter(tags=["events"], dependencies=[ApiKeyDep])


def to_event(body: EventIn) -> Event:
    """The store's Event for a validated one; attribution read from the recommendation id."""
    rid = body.recommendation_id
    attribution = parse_recommendation_id(rid) if rid else None
    return Event(
        idempotency_key=body.idempotency_key,
        kind=body.kind,
        employee_id=body.employee_id,
        occurred_at=as_utc(body.occurred_at),
        content_id=body.content_id,
        skill_id=getattr(body, "skill_id", None),
        recommendation_id=rid,
        variant=attribution.variant if attribution else None,
        model_version=attribution.model_version if attribution else None,
        position=body.position,
        progress=getattr(body, "progress", None),
        score=getattr(body, "score", None),
        level=getattr(body, "level", None),
        source=getattr(body, "source", None),
    )


def _append(events: EventsHolder, batch: list[Event]) -> AppendResult:
    return events.require().append(batch)


@router.post(
    "/events",
    summary="Record what happened in the LMS",
    response_model=EventsResponse,
    responses=problem_responses(401, 403, 404, 413, 422, 500, 503),
)
async def post_events(body: EventBatch, events: EventsDep, request: Request) -> Response:
    """Store a batch of events; answered only once they are committed to the event store.

    Each event's `idempotency_key` makes retries safe: an event already stored is counted
    in `duplicates` and not stored again, so a client resends a whole batch after a timeout.
    The employee's next `POST /recommend` reflects them: completed items leave the list and
    count as evidence, assessments update the skill state, dismissed items (and items
    enrolled, in progress or dropped) are not shown again. Events of erased employees are
    not stored. Ids need not be known to the served model (new content is fine).
    `recsvc train --events` merges them into training; `recsvc report online` measures
    click-through, enrolment and completion per variant and model from them.
    """
    limit = request.app.state.settings.max_event_batch
    if len(body.events) > limit:
        raise limit_problem(
            [
                {
                    "field": "events",
                    "loc": ["body", "events"],
                    "msg": f"List should have at most {limit} items (RECSVC_MAX_EVENT_BATCH)",
                    "type": "too_long",
                }
            ]
        )
    batch = [to_event(e) for e in body.events]
    result = await anyio.to_thread.run_sync(_append, events, batch)
    return json_response(
        {
            "received": len(batch),
            "stored": result.stored,
            "duplicates": len(result.duplicate_keys),
            "duplicate_keys": list(result.duplicate_keys),
            "discarded_erased": result.discarded_erased,
            "request_id": request.state.request_id,
        }
    )
