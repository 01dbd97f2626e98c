"""FastBodyRoute: answer well-formed JSON bodies without FastAPI's per-request dependency solving.

Why: with the recommendation core under 1 ms, FastAPI's generic request handling (content-type
parsing through ``email.message``, ``json.loads`` then python-mode validation, and solving four
dependencies per call) cost about as much as the core itself. For an endpoint of the shape
``async def f(body: Model, served: ServedDep)`` (plus the router's API-key dependency) the
happy path here reads the body once, validates it with ``Model.model_validate_json`` (pydantic's
own JSON parser, no intermediate dicts), checks the key with the same scheme objects and calls
the endpoint directly.

Anything unusual (a body the schema refuses, a content type other than ``application/json``, a
missing or wrong key, no bundle yet, dependency overrides) is handed, untouched, to the handler
FastAPI built for the route, so every error answer stays exactly the documented one. A JSON
body ``model_validate_json`` accepts is one FastAPI's path accepts with an equal value (tested),
so both paths give the same answers; the spec is generated from the route as before.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from fastapi import routing as fastapi_routing
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.types import Scope

from recsvc.errors import RecsvcError
from recsvc.service.deps import get_served
from recsvc.service.problems import ProblemError
from recsvc.service.security import check_api_key, require_api_key

__all__ = ["FastBodyRoute", "FastPlan", "is_json_request", "plan_for"]

Handler = Callable[[Request], Coroutine[Any, Any, Response]]

# FastAPI >= 0.120 builds one handler per inclusion of a router, with the includer's
# dependencies merged into an "effective" route it publishes in this context variable while
# calling get_route_handler. Older versions copy the route instead (then self.dependant is it).
_EFFECTIVE_ROUTE = getattr(fastapi_routing, "_effective_route_context_var", None)

# request attributes that, when an endpoint declares them, the fast path cannot supply
_SPECIAL_PARAMS = (
    "request_param_name",
    "websocket_param_name",
    "http_connection_param_name",
    "response_param_name",
    "background_tasks_param_name",
    "security_scopes_param_name",
)


@dataclass(frozen=True, slots=True)
class FastPlan:
    """How to call an endpoint directly: its body schema and parameter names."""

    call: Callable[..., Awaitable[Response]]
    model: type[BaseModel]
    body_name: str
    served_name: str
    checks_key: bool


def plan_for(dependant: Dependant) -> FastPlan | None:
    """A plan for ``async def f(<body>: Model, <served>: ServedDep)``, else None (no fast path).

    The only dependencies allowed are ``get_served`` and the router-level ``require_api_key``;
    any other parameter or dependency means FastAPI's handler does all the work.
    """
    call = dependant.call
    if call is None or not inspect.iscoroutinefunction(call):
        return None
    if (
        dependant.path_params
        or dependant.query_params
        or dependant.header_params
        or dependant.cookie_params
        or len(dependant.body_params) != 1
        or any(getattr(dependant, name, None) for name in _SPECIAL_PARAMS)
    ):
        return None
    body = dependant.body_params[0]
    model = body.field_info.annotation
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return None
    served_name: str | None = None
    checks_key = False
    for sub in dependant.dependencies:
        if sub.call is get_served and sub.name and served_name is None:
            served_name = sub.name
        elif sub.call is require_api_key and sub.name is None and not checks_key:
            checks_key = True
        else:
            return None
    if served_name is None:
        return None
    return FastPlan(call, model, body.name, served_name, checks_key)


def is_json_request(scope: Scope) -> bool:
    """True when the (first) Content-Type is exactly ``application/json`` (any parameters).

    Narrower than FastAPI's test (which also takes ``+json`` types and, with
    strict_content_type off, none): everything else simply takes FastAPI's path.
    """
    for name, value in scope["headers"]:
        if name == b"content-type":
            media_type: bytes = value.split(b";", 1)[0].strip().lower()
            return media_type == b"application/json"
    return False


def _fast_handler(plan: FastPlan, fallback: Handler) -> Handler:
    async def handler(request: Request) -> Response:
        if request.app.dependency_overrides or not is_json_request(request.scope):
            return await fallback(request)
        try:
            raw = await request.body()
            body = plan.model.model_validate_json(raw)
            if plan.checks_key:
                await check_api_key(request)
            served = await get_served(request)
        except (ValidationError, ProblemError, HTTPException, RecsvcError, ClientDisconnect):
            # FastAPI's handler answers it in its own order and words (422, 401/403, 503...)
            return await fallback(request)
        return await plan.call(**{plan.body_name: body, plan.served_name: served})

    return handler


def _effective_dependant(route: APIRoute) -> Dependant:
    context = _EFFECTIVE_ROUTE.get() if _EFFECTIVE_ROUTE is not None else None
    if context is not None and getattr(context, "original_route", None) is route:
        dependant: Dependant = context.dependant
        return dependant
    return route.dependant


class FastBodyRoute(APIRoute):
    """An APIRoute with a direct path for valid JSON bodies; see the module docstring.

    Use as ``APIRouter(route_class=FastBodyRoute)``: routes without the fast shape keep
    FastAPI's handler unchanged, so the route class is safe for a whole router.
    """

    def get_route_handler(self) -> Handler:
        fallback = super().get_route_handler()
        plan = plan_for(_effective_dependant(self))
        return fallback if plan is None else _fast_handler(plan, fallback)
