"""create_app(settings): the FastAPI app with its lifespan, routers, middleware and problems."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial
from typing import Any

import anyio
import anyio.to_thread
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi

from recsvc import __version__
from recsvc.config import ServeSettings
from recsvc.errors import EventStoreError
from recsvc.service.events import EventsHolder
from recsvc.service.metrics import ServiceMetrics
from recsvc.service.middleware import (
    BodyLimitMiddleware,
    RepeatedQueryMiddleware,
    RequestContextMiddleware,
)
from recsvc.service.problems import install_problem_handlers
from recsvc.service.routes import ROUTERS
from recsvc.service.schemas import Problem
from recsvc.service.security import KeyRing
from recsvc.service.spec_limits import apply_limits
from recsvc.service.state import Latest, Loader, default_latest, default_loader
from recsvc.service.variants import Variants

__all__ = ["API_DESCRIPTION", "create_app", "create_app_from_env"]

logger = logging.getLogger(__name__)

API_DESCRIPTION = """\
Learning recommendations for employees, from their skills, role, target role and current work.

* **Authentication**: when the operator sets `RECSVC_API_KEYS` (names and sha256 digests of
  the keys), every route except `/health`, `/ready` and `/metrics` needs a key in `X-API-Key`
  (or `Authorization: Bearer <key>`): 401 without one, 403 with a wrong one.
* **Errors** are RFC 9457 `application/problem+json` documents with `type`, `title`,
  `status`, `detail`, `instance`, `request_id`; 422 answers add `errors`, naming each field.
* **Limits** (operator settings): body size `RECSVC_MAX_BODY_BYTES` (256 KiB, else 413),
  `k` up to `RECSVC_MAX_K` (100), id lists up to `RECSVC_MAX_LIST_ITEMS` (1000), batches up
  to `RECSVC_MAX_BATCH_SIZE` (500). Types are strict (`"5"` is not 5) and `NaN`/`Infinity`
  are refused.
* **Request ids**: send `X-Request-ID` (1-128 of `A-Za-z0-9._:-`) to correlate, or get a new
  one; it comes back in the `X-Request-ID` header and in every body.
* The service is stateless: any replica can answer any request. Facts newer than the model
  (completed content, assessments, dismissals) are sent once to `POST /events` (stored in
  the shared event store, `RECSVC_EVENTS_URL`) and shape the employee's next answer; they
  may also go in the request's `context` and count for that request.
"""


def _openapi(app: FastAPI) -> dict[str, Any]:
    """The spec, plus the Problem schema every error response refers to, and the limits."""
    if app.openapi_schema is None:
        spec = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
            tags=app.openapi_tags,
        )
        schemas = spec.setdefault("components", {}).setdefault("schemas", {})
        problem = Problem.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(problem.pop("$defs", {}))
        schemas["Problem"] = problem
        apply_limits(spec, app.state.settings)
        app.openapi_schema = spec
    return app.openapi_schema


def create_app(
    settings: ServeSettings,
    *,
    loader: Loader | None = None,
    latest: Latest = default_latest,
) -> FastAPI:
    """Build the app; nothing is loaded until the lifespan runs (under uvicorn or TestClient).

    ``loader`` and ``latest`` are injectable so tests can serve a fake or a broken bundle;
    by default bundles are opened by ``default_loader`` with the settings' fallback language.
    """
    if loader is None:
        loader = partial(
            default_loader,
            fallback_language=settings.fallback_language,
            peer_min_group=settings.peer_min_group,
            exposure_floor_file=settings.exposure_floor_file,
        )
    metrics = ServiceMetrics()
    events = EventsHolder(settings.events_url)
    variants = Variants.from_settings(settings, loader=loader, latest=latest, metrics=metrics)
    holder = variants.primary.holder

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not settings.api_keys:
            logger.warning("RECSVC_API_KEYS is unset: the API is open to anyone who reaches it")
        for variant, outcome in await variants.reload_all(force=True):
            if outcome.status == "refused":
                logger.warning(
                    "variant %s starts without a model bundle; /ready answers 503 until one loads",
                    variant.name,
                )
        try:
            await anyio.to_thread.run_sync(events.open)
        except EventStoreError:
            logger.warning("starting without the event store; retried on each request")
        try:
            async with anyio.create_task_group() as tasks:
                if settings.reload_interval_s > 0:
                    tasks.start_soon(variants.poll_forever, settings.reload_interval_s)
                yield
                tasks.cancel_scope.cancel()
        finally:
            events.close()

    app = FastAPI(
        title="recsvc",
        # off by default: openapi.yaml is the published spec; RECSVC_DOCS=true serves the UI
        docs_url="/docs" if settings.docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.docs else None,
        version=__version__,
        description=API_DESCRIPTION,
        lifespan=lifespan,
        # operationIds are the route function names (recommend, skill_gaps, ...): stable and
        # readable in generated clients
        generate_unique_id_function=lambda route: route.name,
        openapi_tags=[
            {"name": "recommendations", "description": "Ranked learning items."},
            {"name": "employees", "description": "Skill gaps of employees."},
            {"name": "content", "description": "The catalogue and similar content."},
            {
                "name": "catalogue",
                "description": "Roles and skills the served model knows (ids to send).",
            },
            {"name": "people", "description": "Mentor matching and team skills."},
            {"name": "model", "description": "The model bundle being served."},
            {"name": "events", "description": "What happened in the LMS, and erasure."},
            {"name": "operations", "description": "Probes, metrics and hot reload."},
        ],
    )
    app.state.settings = settings
    app.state.holder = holder  # the primary variant's
    app.state.variants = variants
    app.state.metrics = metrics
    app.state.events = events
    app.state.api_keys = KeyRing(settings.api_keys)
    app.state.admin_keys = KeyRing([settings.admin_key] if settings.admin_key else [])
    for router in ROUTERS:
        app.include_router(router)
    install_problem_handlers(app)
    # added last = outermost: the request context sees every answer, including 413s
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RepeatedQueryMiddleware)
    if settings.cors_origins:
        # only listed origins, no cookies; preflights are answered before the key check
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.cors_origins),
            allow_methods=["GET", "POST"],
            allow_headers=["Content-Type", "X-API-Key", "Authorization", "X-Request-ID"],
            expose_headers=["X-Request-ID"],
            allow_credentials=False,
            max_age=600,
        )
    # the routers' own routes, to name the template of requests refused before routing
    api_routes = [route for router in ROUTERS for route in router.routes]
    app.add_middleware(RequestContextMiddleware, metrics=metrics, routes=api_routes)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]
    return app


def create_app_from_env() -> FastAPI:
    """uvicorn factory (``--factory``): settings from ``RECSVC_*``, so every worker builds one."""
    return create_app(ServeSettings())
