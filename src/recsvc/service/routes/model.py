"""GET /model: which bundle is served, what it can do and how it scored offline."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.responses import Response

from recsvc.service.convert import json_response
from recsvc.service.deps import ApiKeyDep, VariantsDep
from recsvc.service.problems import problem_responses
from recsvc.service.schemas import ModelInfo
from recsvc.service.state import ReloadFailure
from recsvc.service.variants import Variants

__all__ = ["failure_payload", "router", "variants_payload"]

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
async def model_info(variants: VariantsDep) -> Response:
    """Version, creation time, capabilities, parameters and offline metrics of the bundle.

    `last_reload_error` shows the last bundle that was refused (the served one is unchanged).
    With A/B variants (RECSVC_VARIANTS) the top level describes the primary (first) variant
    and `variants` lists every variant's share and bundle.
    """
    holder = variants.primary.holder
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
            "variants": variants_payload(variants),
        }
    )


def variants_payload(variants: Variants) -> list[dict[str, Any]]:
    """Each variant's name, share and bundle (version null while none is loaded)."""
    total = sum(v.share for v in variants.all)
    out = []
    for v in variants.all:
        loaded = v.holder.loaded
        out.append(
            {
                "name": v.name,
                "share": round(v.share / total, 6),
                "model_version": loaded.recommender.model_version if loaded else None,
                "loaded_at": loaded.loaded_at.isoformat() if loaded else None,
                "last_reload_error": failure_payload(v.holder.last_failure),
            }
        )
    return out
