"""GET /model: which bundle is served, what it can do and how it scored offline."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from recsvc.service.convert import json_response
from recsvc.service.deps import ApiKeyDep, HolderDep
from recsvc.service.problems import problem_responses
from recsvc.service.schemas import ModelInfo
from recsvc.service.state import ReloadFailure

__all__ = ["failure_payload", "router"]

router = APIRouter(tags=["model"], dependencies=[ApiKeyDep])


def failure_payload(failure: ReloadFailure | None) -> dict[str, Any] | None:
    """The ReloadError document for the last refused bundle, if any."""
    if failure is None:
        return None
    return {"version": failure.version, "detail": failure.detail, "at": failure.at.isoformat()}


def _listed(value: Any) -> list[str]:
    if isinstance(value, set | frozenset):
        return sorted(str(v) for v in value)
    return [str(v) for v in value or ()]


@router.get(
    "/model",
    summary="The model bundle being served",
    response_model=ModelInfo,
    responses=problem_responses(401, 403, 500, 503),
)
async def model_info(holder: HolderDep) -> Response:
    """Version, creation time, capabilities, parameters and offline metrics of the bundle.

    `last_reload_error` shows the last bundle that was refused (the served one is unchanged).
    """
    recommender = holder.require()
    loaded = holder.loaded
    assert loaded is not None  # require() succeeded
    manifest = recommender.manifest
    created_at = getattr(manifest, "created_at", None)
    return json_response(
        {
            "version": recommender.model_version,
            "created_at": created_at.isoformat() if created_at is not None else None,
            "schema_version": getattr(manifest, "schema_version", None),
            "capabilities": _listed(recommender.capabilities),
            "metrics": dict(getattr(manifest, "metrics", {}) or {}),
            "params": dict(getattr(manifest, "params", {}) or {}),
            "row_counts": dict(getattr(manifest, "row_counts", {}) or {}),
            "loaded_at": loaded.loaded_at.isoformat(),
            "last_reload_error": failure_payload(holder.last_failure),
        }
    )
