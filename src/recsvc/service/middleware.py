"""Pure ASGI middleware: request ids, access log, metrics, the 500 catch-all and the body limit."""

from __future__ import annotations

import logging
import re
import time
import traceback
import uuid
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from recsvc.service.metrics import ServiceMetrics
from recsvc.service.problems import PROBLEM_MEDIA_TYPE, problem_body

__all__ = [
    "API_SECURITY_HEADERS",
    "DOCS_PATHS",
    "REQUEST_ID_HEADER",
    "BodyLimitMiddleware",
    "RepeatedQueryMiddleware",
    "RequestContextMiddleware",
    "route_template",
]

# Pure ASGI rather than BaseHTTPMiddleware: it costs microseconds per request and streams.

logger = logging.getLogger(__name__)
access_logger = logging.getLogger("recsvc.access")

REQUEST_ID_HEADER = "x-request-id"
_SANE_REQUEST_ID = re.compile(rb"^[A-Za-z0-9._:\-]{1,128}$")
UNMATCHED = "<unmatched>"

# Every answer is JSON (or Prometheus text) for programs, never a page: forbid sniffing,
# caching (answers hold personal recommendations), framing and any active content.
API_SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)
# /docs (only with RECSVC_DOCS=true) is FastAPI's Swagger UI page: its script and styles come
# from the jsDelivr CDN and it starts with an inline script, so it gets its own policy.
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect"})
_DOCS_SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
    (
        b"content-security-policy",
        b"default-src 'none'; script-src 'unsafe-inline' https://cdn.jsdelivr.net; "
        b"style-src 'unsafe-inline' https://cdn.jsdelivr.net; "
        b"img-src https://fastapi.tiangolo.com data:; "
        b"connect-src 'self'; frame-ancestors 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)


# The explorer's HTML pages (service.routes.explorer): this service's own style sheet,
# images and form targets only; no scripts anywhere.
EXPLORER_PREFIX = "/explorer"
_EXPLORER_SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"x-content-type-options", b"nosniff"),
    (b"cache-control", b"no-store"),
    (
        b"content-security-policy",
        b"default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        b"frame-ancestors 'none'",
    ),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
)


def security_headers(path: str) -> tuple[tuple[bytes, bytes], ...]:
    """The security headers of an answer on ``path``."""
    if path in DOCS_PATHS:
        return _DOCS_SECURITY_HEADERS
    if path == EXPLORER_PREFIX or path.startswith(EXPLORER_PREFIX + "/"):
        return _EXPLORER_SECURITY_HEADERS
    return API_SECURITY_HEADERS


async def send_problem(scope: Scope, send: Send, status: int, detail: str) -> None:
    """Answer with a problem document straight from middleware (no app involved)."""
    state = scope.get("state") or {}
    body = orjson.dumps(
        problem_body(status, detail, instance=scope["path"], request_id=state.get("request_id"))
    )
    headers = [
        (b"content-type", PROBLEM_MEDIA_TYPE.encode()),
        (b"content-length", str(len(body)).encode()),
    ]
    if status == 413:
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def route_template(routes: list[BaseRoute], scope: Scope) -> str:
    """The route path template that serves ``scope`` (bounded label values for metrics)."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    for candidate in routes:
        match, _ = candidate.matches(scope)
        if match is not Match.NONE:  # PARTIAL: the path matches, the method does not
            found = getattr(candidate, "path", None)
            return found if isinstance(found, str) else UNMATCHED
    return UNMATCHED


class RequestContextMiddleware:
    """Outermost layer: request id in, header out; one access line and metrics per request.

    Also the catch-all: an unexpected exception becomes a 500 problem without internals, and
    is logged server-side with the request id and traceback frames (file, line, function),
    but not the exception message or source lines, which may carry request data.
    """

    def __init__(self, app: ASGIApp, *, metrics: ServiceMetrics, routes: list[BaseRoute]) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope)
        state = scope.setdefault("state", {})
        state["request_id"] = request_id
        extra = [
            (b"x-request-id", request_id.encode()),
            *security_headers(scope["path"]),
        ]
        status = 500
        response_started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal status, response_started
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), *extra]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception as exc:
            route = route_template(self.routes, scope)
            frames = "".join(
                f"  {f.filename}:{f.lineno} in {f.name}\n"
                for f in traceback.extract_tb(exc.__traceback__)
            )
            logger.error(
                "unhandled %s on %s request_id=%s\n%s",
                type(exc).__name__,
                route,
                request_id,
                frames,
            )
            if not response_started:
                status = 500
                await send_problem(
                    scope,
                    send_wrapper,
                    500,
                    f"The server could not answer; quote request id {request_id} to support.",
                )
        finally:
            seconds = time.perf_counter() - started
            route = route_template(self.routes, scope)
            method = scope["method"]
            # the name of the key used (set by the key check), never the key itself
            key_name = state.get("key_name")
            self.metrics.observe(method, route, status, seconds, key_name)
            access_logger.info(
                "%s %s %d %.2fms request_id=%s key=%s",
                method,
                route,
                status,
                seconds * 1e3,
                request_id,
                key_name or "-",
            )


def _request_id(scope: Scope) -> str:
    """Honour a sane incoming X-Request-ID (bounded, plain charset), else a new uuid4 hex."""
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            raw: bytes = value
            if _SANE_REQUEST_ID.match(raw):
                return raw.decode("ascii")
            break
    return uuid.uuid4().hex


class BodyLimitMiddleware:
    """Refuse bodies over ``max_bytes`` with 413, counting bytes as they arrive.

    Content-Length is checked first to fail fast, but never trusted: chunked or lying clients
    are caught by the running count. The body (at most ``max_bytes``) is buffered and replayed
    to the app, which also means the app never sees a half-read oversized body.
    """

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        too_large = f"The body is larger than {self.max_bytes} bytes; send less (or fewer items)."
        for name, value in scope["headers"]:
            if name == b"content-length":
                if not value.isdigit() or int(value) > self.max_bytes:
                    await send_problem(scope, send, 413, too_large)
                    return
                break
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                # client went away before finishing the body: let the app see the disconnect
                await self.app(scope, _replay([], message, receive), send)
                return
            chunk: bytes = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await send_problem(scope, send, 413, too_large)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        await self.app(scope, _replay(chunks, None, receive), send)


def _replay(chunks: list[bytes], pending: Message | None, receive: Receive) -> Receive:
    """A receive callable that first returns the buffered body, then defers to the server."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            if pending is not None:
                return pending
            body: dict[str, Any] = {"type": "http.request", "body": b"".join(chunks)}
            body["more_body"] = False
            return body
        return await receive()

    return replay


class RepeatedQueryMiddleware:
    """Refuse a query parameter given twice (``?k=1&k=500``) with 422.

    Every query parameter of this API takes one value; the framework would silently keep
    the last one, so ``?language=en&language=xx`` would filter by ``xx`` without a word.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope.get("query_string"):
            names = [
                name
                for name, _ in parse_qsl(
                    scope["query_string"].decode("latin-1"), keep_blank_values=True
                )
            ]
            repeated = sorted({n for n in names if names.count(n) > 1})
            if repeated:
                shown = ", ".join(repr(n[:64]) for n in repeated[:5])
                await send_problem(
                    scope,
                    send,
                    422,
                    f"Query parameter(s) {shown} given more than once; send each once.",
                )
                return
        await self.app(scope, receive, send)
