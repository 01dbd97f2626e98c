"""POST /mentors/match: an adapter from HTTP to :mod:`recsvc.people.mentors`."""

from __future__ import annotations

from dataclasses import asdict
from functools import partial
from typing import Any

import anyio.to_thread
from fastapi import APIRouter
from starlette.responses import Response

from recsvc.people import mentors as mentoring
from recsvc.service.convert import json_response, limit_problem
from recsvc.service.deps import ApiKeyDep, EventsDep, ServedDep
from recsvc.service.events import erased_check
from recsvc.service.mentor_schemas import MentorMatchRequest, MentorMatchResponse
from recsvc.service.problems import problem_responses
from recsvc.service.routes.core import require_core

__all__ = ["router"]

router = APIRouter(tags=["people"], dependencies=[ApiKeyDep])


def _list_limits(body: MentorMatchRequest, limit: int) -> list[dict[str, Any]]:
    lists = {
        "mentee_ids": len(body.mentee_ids),
        "mentors": len(body.mentors),
        "skill_ids": len(body.skill_ids),
    }
    return [
        {
            "field": name,
            "loc": ["body", name],
            "msg": f"List should have at most {limit} items (RECSVC_MAX_LIST_ITEMS)",
            "type": "too_long",
        }
        for name, n in lists.items()
        if n > limit
    ]


@router.post(
    "/mentors/match",
    summary="Match mentees with mentors who proved what they need",
    response_model=MentorMatchResponse,
    responses={
        200: {"description": "The stable matching pairing the most mentees, then need."},
        **problem_responses(401, 403, 413, 422, 500, 503),
    },
)
async def match_mentors(body: MentorMatchRequest, served: ServedDep, events: EventsDep) -> Response:
    """Pair each mentee with a mentor who proved, in a recent test, a skill the mentee needs.

    A mentor qualifies on a skill when their tested level reaches what the mentee's role
    or target role needs and is at least `min_lead` levels above the mentee's estimated
    level. Mentees prefer mentors who meet more of their weighted skill gap; mentors take
    anyone they qualify for. The answer pairs as many mentees as any matching can, then meets
    the most need, every capacity held, and is stable (no mentee would rather have a mentor
    with a free seat); `summary` shows the most need a matching pairing fewer could meet.
    Mentors come from the bundle's `mentors` table (opted in) and from `mentors` in the
    request. People erased on a data-protection request are neither mentees nor mentors.
    """
    errors = _list_limits(body, served.settings.max_list_items)
    if errors:
        raise limit_problem(errors)
    recommender = require_core(served)
    erased = await anyio.to_thread.run_sync(erased_check, events)
    query = mentoring.MentorQuery(
        mentee_ids=tuple(body.mentee_ids),
        mentors=tuple(mentoring.MentorOffer(m.employee_id, m.capacity) for m in body.mentors),
        use_mentor_table=body.use_mentor_table,
        skill_ids=tuple(body.skill_ids),
        min_lead=body.min_lead,
        skills_per_pair=body.skills_per_pair,
        erased=erased,
    )
    # one skill state per mentee: milliseconds per hundred, so off the event loop
    result = await anyio.to_thread.run_sync(partial(mentoring.match_mentors, recommender, query))
    mentees = len(dict.fromkeys(body.mentee_ids))
    return json_response(
        {
            "model_version": recommender.model_version,
            "request_id": served.request_id,
            "pairs": [asdict(p) for p in result.pairs],
            "unmatched": [asdict(u) for u in result.unmatched],
            "mentors": [asdict(m) for m in result.mentors],
            "summary": {
                "mentees": mentees,
                "matched": len(result.pairs),
                "need_met": result.need_met,
                "most_need_met": result.most_need_met,
                "matched_at_most_need": result.matched_at_most_need,
                "unstable_pairs": result.unstable_pairs,
            },
            "warnings": [asdict(w) for w in result.warnings],
        }
    )
