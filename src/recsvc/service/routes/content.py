"""GET /content/{content_id}/similar: items like one content item."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from recsvc.service.convert import json_response, limit_problem
from recsvc.service.deps import ApiKeyDep, ServedDep
from recsvc.service.problems import problem_responses
from recsvc.service.schemas import SimilarResponse

__all__ = ["router"]

router = APIRouter(tags=["content"], dependencies=[ApiKeyDep])


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
    content_id: Annotated[
        str, Path(min_length=1, max_length=128, description="Content id.", examples=["C00123"])
    ],
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
