"""GET /health (alive), GET /ready (a bundle is loaded) and GET /metrics (Prometheus)."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

from recsvc.attribution import DEFAULT_VARIANT
from recsvc.service.convert import json_response
from recsvc.service.deps import MetricsDep, VariantsDep
from recsvc.service.metrics import CONTENT_TYPE_LATEST
from recsvc.service.problems import ProblemError, problem_responses
from recsvc.service.routes.model import failure_payload
from recsvc.service.schemas import HealthResponse, ReadyResponse

__all__ = ["router"]

# open on purpose (no API key): probes and scrapers call these
router = APIRouter(tags=["operations"])

_HEALTH = b'{"status":"ok"}'


@router.get(
    "/health",
    summary="Liveness: the process answers",
    response_model=HealthResponse,
    responses=problem_responses(500),
)
async def health() -> Response:
    """Always 200 while the process runs, bundle or not (use /ready for traffic)."""
    return Response(_HEALTH, media_type="application/json")


@router.get(
    "/ready",
    summary="Readiness: a bundle is loaded",
    response_model=ReadyResponse,
    responses=problem_responses(500, 503),
)
async def ready(variants: VariantsDep) -> Response:
    """200 once every variant has a bundle, 503 until then; shows the last refused bundle.

    With A/B variants a replica is ready only when it can answer every employee.
    """
    missing = variants.missing()
    if missing:
        failures = [
            f"{v.name}: {v.holder.last_failure.detail}"
            for v in variants.all
            if v.name in missing and v.holder.last_failure is not None
        ]
        why = f" Last attempt: {'; '.join(failures)}" if failures else ""
        which = "" if missing == [DEFAULT_VARIANT] else f" (variants {', '.join(missing)})"
        raise ProblemError(
            503,
            f"No model bundle is loaded yet{which}.{why}",
            slug="no-model",
            title="No model loaded",
            headers={"Retry-After": "5"},
        )
    holder = variants.primary.holder
    loaded = holder.loaded
    assert loaded is not None  # not missing
    return json_response(
        {
            "status": "ready",
            "model_version": loaded.recommender.model_version,
            "last_reload_error": failure_payload(holder.last_failure),
        }
    )


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text exposition format: request counts and latency "
            "histograms per route template, recsvc_model_info{version}, reload outcomes.",
            "content": {CONTENT_TYPE_LATEST: {"schema": {"type": "string"}}},
        },
        **problem_responses(500),
    },
)
async def metrics(service_metrics: MetricsDep) -> Response:
    """Counters and histograms for scraping; label values are route templates, never ids."""
    return Response(service_metrics.render(), media_type=CONTENT_TYPE_LATEST)
