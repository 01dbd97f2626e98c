"""POST /admin/reload: load the bundle LATEST names now, behind RECSVC_ADMIN_KEY."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from recsvc.service.convert import json_response
from recsvc.service.deps import AdminKeyDep, HolderDep
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
async def reload(holder: HolderDep) -> Response:
    """Verify and swap in the bundle `models/LATEST` names, while requests keep being served.

    Needs `X-Admin-Key: $RECSVC_ADMIN_KEY`; answers 404 while no admin key is set, so the
    endpoint is invisible unless enabled. A bundle that fails verification is refused with
    409 and the previous one keeps serving. A version refused before is retried.
    """
    outcome = await holder.reload(force=True)
    if outcome.status == "refused":
        raise ProblemError(
            409,
            f"The bundle was refused and the previous one keeps serving: {outcome.detail}",
            slug="bundle-refused",
            title="Bundle refused",
        )
    return json_response(
        {
            "status": outcome.status,
            "model_version": outcome.model_version,
            "previous_version": outcome.previous_version,
        }
    )
