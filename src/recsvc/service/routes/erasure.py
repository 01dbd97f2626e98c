"""DELETE /employees/{employee_id}: erase a person on a data-protection request."""

from __future__ import annotations

from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Path, Request
from starlette.responses import Response

from recsvc.service.convert import json_response
from recsvc.service.deps import AdminKeyDep, EventsDep
from recsvc.service.event_schemas import ErasureResponse
from recsvc.service.events import EventsHolder
from recsvc.service.problems import problem_responses

__all__ = ["router"]

router = APIRouter(tags=["employees"], dependencies=[AdminKeyDep])


def _erase(events: EventsHolder, employee_id: str) -> int:
    return events.require().erase(employee_id)


@router.delete(
    "/employees/{employee_id}",
    summary="Erase an employee (data-protection request)",
    response_model=ErasureResponse,
    responses=problem_responses(401, 403, 404, 422, 500, 503),
)
async def erase_employee(
    employee_id: Annotated[
        str, Path(min_length=1, max_length=128, description="Employee id.", examples=["E000001"])
    ],
    events: EventsDep,
    request: Request,
) -> Response:
    """Forget an employee: from now on no answer uses what the model knows about them.

    Needs `X-Admin-Key` (404 while `RECSVC_ADMIN_KEY` is unset). In one transaction the
    employee's stored events are deleted and the employee joins the erasure list (kept as
    a sha256 of the id, in the event store, so every replica and every restart honours it).
    Afterwards `/recommend` answers them as an unknown person (cold start from the request
    alone), `/employees/{id}/skill-gaps` answers 404, their new events are discarded, and
    `recsvc train --events` leaves them out of the next bundle. Repeating is harmless.
    """
    deleted = await anyio.to_thread.run_sync(_erase, events, employee_id)
    return json_response(
        {
            "employee_id": employee_id,
            "erased": True,
            "events_deleted": deleted,
            "request_id": request.state.request_id,
        }
    )
