"""GET /roles and GET /skills: the ids the served model knows, to send in requests."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.responses import Response

from recsvc.recommend.catalogue import Page
from recsvc.service.catalogue_schemas import RoleListResponse, SkillListResponse
from recsvc.service.convert import json_response
from recsvc.service.deps import ApiKeyDep, ServedDep
from recsvc.service.problems import problem_responses
from recsvc.service.routes.core import require_core

__all__ = ["LimitQuery", "OffsetQuery", "TextQuery", "page_payload", "router"]

router = APIRouter(tags=["catalogue"], dependencies=[ApiKeyDep])

LimitQuery = Annotated[int, Query(ge=1, le=500, description="Most matches per page (1-500).")]
OffsetQuery = Annotated[
    int,
    Query(ge=0, le=1_000_000_000, description="Matches to skip (next_offset of the last page)."),
]
TextQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=200,
        description="Case-insensitive text the id or name/title contains.",
    ),
]


def page_payload(page: Page[Any], key: str, model_version: str, request_id: str) -> dict[str, Any]:
    """A paginated answer: the page's items under ``key``, with totals and the next offset."""
    return {
        "model_version": model_version,
        "request_id": request_id,
        "total": page.total,
        "offset": page.offset,
        "limit": page.limit,
        "next_offset": page.next_offset,
        key: [asdict(item) for item in page.items],
    }


@router.get(
    "/roles",
    summary="Roles the served model knows",
    response_model=RoleListResponse,
    responses=problem_responses(401, 403, 422, 500, 503),
)
async def list_roles(
    served: ServedDep,
    family: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=128,
            description="Only this role family (exact, any case).",
            examples=["Management"],
        ),
    ] = None,
    q: TextQuery = None,
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> Response:
    """Roles (id, title, family, level, required skills), in id order, a page at a time.

    These are the ids `context.role_id`, `context.target_role_id` and `/skill-gaps`
    understand; a role newer than the last training is not listed (and is ignored, with a
    warning, where a request names it).
    """
    recommender = require_core(served)
    page = recommender.catalogue.roles(family=family, q=q, offset=offset, limit=limit)
    return json_response(page_payload(page, "roles", recommender.model_version, served.request_id))


@router.get(
    "/skills",
    summary="Skills the served model knows",
    response_model=SkillListResponse,
    responses=problem_responses(401, 403, 422, 500, 503),
)
async def list_skills(
    served: ServedDep,
    category: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=128,
            description="Only this category (exact, any case).",
            examples=["Basic Content Skills"],
        ),
    ] = None,
    q: TextQuery = None,
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> Response:
    """Skills (id, name, category, parent, strategic weight), in id order, a page at a time.

    These are the ids `context.project.skill_ids` and `context.recent_assessments`
    understand.
    """
    recommender = require_core(served)
    page = recommender.catalogue.skills(category=category, q=q, offset=offset, limit=limit)
    return json_response(page_payload(page, "skills", recommender.model_version, served.request_id))
