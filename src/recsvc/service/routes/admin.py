"""POST /admin/reload: load the bundle LATEST names now, behind RECSVC_ADMIN_KEY."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from recsvc.service.convert import json_response
from recsvc.service.deps import AdminKeyDep, VariantsDep
from recsvc.service.problems import ProblemError, problem_responses
from recsvc.service.schemas import ReloadResponse

__all__ = ["router"]

router = APIRouter(tags=["operations"], dependencies=[AdminKeyDep])


@router.post(
    "/admin/reload",
    summary="Reload the model bundle now",
    response_model=ReloadResponse,
    responses=problem_responses(401, 403, 404, 409, 500),
)
async def reload(variants: VariantsDep) -> Response:
    """Verify and swap in the bundle `models/LATEST` names, while requests keep being served.

    Needs `X-Admin-Key: $RECSVC_ADMIN_KEY`; answers 404 while no admin key is set, so the
    endpoint is invisible unless enabled. A bundle that fails verification is refused with
    409 and the previous one keeps serving. A version refused before is retried. With A/B
    variants every variant's folder is reloaded; the top level describes the primary one.
    """
    outcomes = await variants.reload_all(force=True)
    refused = [(v, o) for v, o in outcomes if o.status == "refused"]
    if refused:
        named = "; ".join(
            o.detail if len(outcomes) == 1 else f"variant {v.name}: {o.detail}" for v, o in refused
        )
        raise ProblemError(
            409,
            f"The bundle was refused and the previous one keeps serving: {named}",
            slug="bundle-refused",
            title="Bundle refused",
        )
    primary = outcomes[0][1]
    return json_response(
        {
            "status": primary.status,
            "model_version": primary.model_version,
            "previous_version": primary.previous_version,
            "variants": [
                {
                    "name": v.name,
                    "status": o.status,
                    "model_version": o.model_version,
                    "previous_version": o.previous_version,
                }
                for v, o in outcomes
            ],
        }
    )
