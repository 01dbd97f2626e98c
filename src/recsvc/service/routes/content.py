"""GET /content, GET /content/{content_id} (the catalogue) and GET /content/{id}/similar."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from recsvc.service.catalogue_schemas import ContentListResponse, ContentResponse
from recsvc.service.convert import json_response, limit_problem
from recsvc.service.deps import ApiKeyDep, ServedDep
from recsvc.service.problems import problem_responses
from recsvc.service.request_schemas import Format
from recsvc.service.routes.catalogue import LimitQuery, OffsetQuery, TextQuery, page_payload
from recsvc.service.routes.core import require_core
from recsvc.service.schemas import SimilarResponse

__all__ = ["router"]

router = APIRouter(tags=["content"], dependencies=[ApiKeyDep])

ContentPath = Annotated[
    str, Path(min_length=1, max_length=128, description="Content id.", examples=["C00001"])
]


@router.get(
    "/content",
    summary="The catalogue the served model knows",
    response_model=ContentListResponse,
    responses=problem_responses(401, 403, 422, 500, 503),
)
async def list_content(
    served: ServedDep,
    format: Annotated[Format | None, Query(description="Only this format.")] = None,
    language: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=16,
            description="Only this language (en finds en-GB).",
            examples=["en"],
        ),
    ] = None,
    skill_id: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=128,
            description="Only items teaching this skill.",
            examples=["S41"],
        ),
    ] = None,
    provider: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=128,
            description="Only this provider (exact, any case).",
            examples=["Udemy Business"],
        ),
    ] = None,
    difficulty: Annotated[
        int | None, Query(ge=1, le=5, description="Only this difficulty.")
    ] = None,
    active: Annotated[
        bool | None, Query(description="Only active (true) or retired (false) items.")
    ] = None,
    q: TextQuery = None,
    limit: LimitQuery = 50,
    offset: OffsetQuery = 0,
) -> Response:
    """Catalogue items with their metadata (format, duration, difficulty, language,
    provider, link, skills taught), matching every filter given, in id order.

    These are the ids `context.recent_content_ids` and `filters.exclude_content_ids`
    understand; content newer than the last training is not listed.
    """
    recommender = require_core(served)
    page = recommender.catalogue.content(
        format=format,
        language=language,
        skill_id=skill_id,
        provider=provider,
        difficulty=difficulty,
        active=active,
        q=q,
        offset=offset,
        limit=limit,
    )
    return json_response(page_payload(page, "items", recommender.model_version, served.request_id))


@router.get(
    "/content/{content_id}",
    summary="One catalogue item with its metadata",
    response_model=ContentResponse,
    responses={
        200: {
            "description": "The item.",
            "links": {
                "SimilarToThisItem": {
                    "operationId": "similar",
                    "parameters": {"content_id": "$response.body#/content_id"},
                    "description": "Content similar to this item.",
                }
            },
        },
        **problem_responses(401, 403, 404, 422, 500, 503),
    },
)
async def content_item(content_id: ContentPath, served: ServedDep) -> Response:
    """Format, duration, difficulty, language, provider, link and skills taught of one item;
    404 for content the model does not know (GET /content lists the known ones)."""
    recommender = require_core(served)
    info = recommender.catalogue.content_item(content_id)
    return json_response(
        {
            **asdict(info),
            "model_version": recommender.model_version,
            "request_id": served.request_id,
        }
    )


@router.get(
    "/content/{content_id}/similar",
    summary="Content similar to one item",
    response_model=SimilarResponse,
    responses={
        200: {
            "description": "Similar items, most similar first.",
            "links": {
                "SimilarToFirstItem": {
                    "operationId": "similar",
                    "parameters": {"content_id": "$response.body#/items/0/content_id"},
                    "description": "Walk on: content similar to the most similar item.",
                }
            },
        },
        **problem_responses(401, 403, 404, 422, 500, 503),
    },
)
async def similar(
    content_id: ContentPath,
    served: ServedDep,
    k: Annotated[int, Query(ge=1, description="Items wanted, at most RECSVC_MAX_K (100).")] = 10,
) -> Response:
    """Items most similar to `content_id` (text and skills), most similar first; 404 if unknown."""
    settings, recommender = served.settings, served.recommender
    if k > settings.max_k:
        raise limit_problem(
            [
                {
                    "field": "k",
                    "loc": ["query", "k"],
                    "msg": f"Input should be less than or equal to {settings.max_k} (RECSVC_MAX_K)",
                    "type": "less_than_equal",
                }
            ]
        )
    items = recommender.similar(content_id, k)
    return json_response(
        {
            "content_id": content_id,
            "model_version": recommender.model_version,
            "request_id": served.request_id,
            "items": [
                {"content_id": i.content_id, "title": i.title, "score": i.score} for i in items
            ],
        }
    )
