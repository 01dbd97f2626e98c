"""POST /audience: the employees who most need a content item or a skill."""

from __future__ import annotations

from dataclasses import asdict
from functools import partial

import anyio.to_thread
from fastapi import APIRouter
from starlette.responses import Response

from recsvc.errors import UnknownContentError, UnknownSkillError
from recsvc.recommend.careers.audience import AudienceFilters
from recsvc.service.career_schemas import AudienceRequest, AudienceResponse
from recsvc.service.convert import json_response
from recsvc.service.deps import ApiKeyDep, ServedDep
from recsvc.service.problems import problem_responses
from recsvc.service.routes.plan import unknown_id_problem

__all__ = ["router"]

router = APIRouter(tags=["careers"], dependencies=[ApiKeyDep])


@router.post(
    "/audience",
    summary="Employees who most need a content item or a skill",
    response_model=AudienceResponse,
    responses={
        200: {"description": "One page of the audience, most in need first."},
        **problem_responses(401, 403, 404, 413, 422, 500, 503),
    },
)
async def audience(body: AudienceRequest, served: ServedDep) -> Response:
    """Rank employees by the learning value of an item (or of closing a skill) for them.

    People who completed the item, are enrolled, or proved what it teaches (a recent test
    at or above its level) are left out, and so is anyone it would teach nothing. Counts by
    department, role and location are shown only for groups of at least 5 people.
    """
    recommender = served.recommender
    f = body.filters
    filters = AudienceFilters(**f.model_dump()) if f is not None else AudienceFilters()
    try:
        page = await anyio.to_thread.run_sync(
            partial(
                recommender.audience,
                content_id=body.content_id,
                skill_id=body.skill_id,
                filters=filters,
                offset=body.offset,
                limit=body.limit,
            )
        )
    except UnknownContentError as error:
        raise unknown_id_problem(error, "content_id", "unknown_content") from error
    except UnknownSkillError as error:
        raise unknown_id_problem(error, "skill_id", "unknown_skill") from error
    return json_response(
        {
            "content_id": body.content_id,
            "skill_id": body.skill_id,
            "model_version": recommender.model_version,
            "request_id": served.request_id,
            "total": page.total,
            "offset": page.offset,
            "members": [asdict(m) for m in page.members],
            "counts": {k: [{"name": n, "count": c} for n, c in v] for k, v in page.counts.items()},
            "not_shown": page.not_shown,
            "warnings": list(page.warnings),
        }
    )
