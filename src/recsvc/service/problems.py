"""RFC 9457 problem+json: every error, domain or HTTP, becomes one shape here, in one place."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from recsvc.errors import (
    BundleError,
    EventStoreError,
    RecsvcError,
    UnknownContentError,
    UnknownEmployeeError,
    UnknownRoleError,
    UnknownSkillError,
)

__all__ = [
    "PROBLEM_MEDIA_TYPE",
    "ProblemError",
    "domain_problem",
    "field_errors",
    "install_problem_handlers",
    "problem_body",
    "problem_response",
    "problem_responses",
]

logger = logging.getLogger(__name__)

PROBLEM_MEDIA_TYPE = "application/problem+json"
_TYPE_PREFIX = "urn:recsvc:problem:"

# domain errors that reach a handler (routes turn request-field errors into 422 first)
_DOMAIN_STATUS: tuple[tuple[type[RecsvcError], int, str, str], ...] = (
    (UnknownContentError, 404, "unknown-content", "Unknown content"),
    (UnknownEmployeeError, 404, "unknown-employee", "Unknown employee"),
    (UnknownRoleError, 422, "unknown-role", "Unknown role"),
    (UnknownSkillError, 422, "unknown-skill", "Unknown skill"),
    (BundleError, 503, "no-model", "No model loaded"),
    (EventStoreError, 503, "events-unavailable", "Event store unavailable"),
)

# a body with thousands of bad entries gets the first ones named, not a megabyte of errors
_MAX_FIELD_ERRORS = 50

_SLUG_BY_STATUS = {
    400: "bad-request",
    401: "unauthorized",
    403: "forbidden",
    404: "not-found",
    405: "method-not-allowed",
    409: "conflict",
    413: "body-too-large",
    422: "validation-error",
    500: "internal-error",
    503: "unavailable",
}


class ProblemError(Exception):
    """Raised by service code to answer with a problem; ``detail`` must hold no secrets."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        slug: str | None = None,
        title: str | None = None,
        headers: Mapping[str, str] | None = None,
        errors: Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.slug = slug or _SLUG_BY_STATUS.get(status, "error")
        self.title = title or HTTPStatus(status).phrase
        self.headers = dict(headers or {})
        self.errors = list(errors) if errors is not None else None


def problem_body(
    status: int,
    detail: str,
    *,
    instance: str,
    request_id: str | None,
    slug: str | None = None,
    title: str | None = None,
    errors: Sequence[Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Build the problem document (used by handlers and by pure ASGI middleware)."""
    body: dict[str, Any] = {
        "type": _TYPE_PREFIX + (slug or _SLUG_BY_STATUS.get(status, "error")),
        "title": title or HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        "instance": instance,
        "request_id": request_id,
    }
    if errors is not None:
        body["errors"] = list(errors)
    return body


def problem_response(
    request: Request,
    status: int,
    detail: str,
    *,
    slug: str | None = None,
    title: str | None = None,
    headers: Mapping[str, str] | None = None,
    errors: Sequence[Mapping[str, Any]] | None = None,
) -> Response:
    """Render a problem for ``request`` with its request id."""
    request_id = getattr(request.state, "request_id", None)
    body = problem_body(
        status,
        detail,
        instance=request.url.path,
        request_id=request_id,
        slug=slug,
        title=title,
        errors=errors,
    )
    return Response(
        orjson.dumps(body), status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers
    )


_MAX_LOC_PART = 64


def _loc_part(part: Any) -> str | int:
    """A location part safe to echo: unknown field names come from the client, so they are
    cut short and any character JSON cannot carry (lone surrogates) is escaped."""
    if isinstance(part, int):
        return part
    text = str(part)
    if len(text) > _MAX_LOC_PART:
        text = text[:_MAX_LOC_PART] + "..."
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def field_errors(raw: Sequence[Any]) -> list[dict[str, Any]]:
    """Pydantic/FastAPI errors -> our field list; the offending input is never echoed."""
    out: list[dict[str, Any]] = []
    for error in raw[:_MAX_FIELD_ERRORS]:
        loc = [_loc_part(part) for part in error.get("loc", ())]
        path = loc[1:] if loc and loc[0] in ("body", "query", "path", "header") else loc
        out.append(
            {
                "field": ".".join(str(p) for p in path) or "body",
                "loc": loc,
                "msg": str(error.get("msg", "invalid value")),
                "type": str(error.get("type", "value_error")),
            }
        )
    return out


def _validation_detail(errors: Sequence[Mapping[str, Any]], total: int) -> str:
    shown = "; ".join(f"{e['field']} ({e['msg']})" for e in errors[:5])
    more = f"; and {total - 5} more" if total > 5 else ""
    noun = "field" if total == 1 else "fields"
    return f"{total} invalid {noun}: {shown}{more}"


def _body_problem(msg: str, kind: str) -> list[dict[str, Any]]:
    return [{"field": "body", "loc": ["body"], "msg": msg, "type": kind}]


def _line_column(body: bytes, offset: int) -> tuple[int, int]:
    """1-based line and column of character ``offset`` in a UTF-8 body."""
    text = body.decode("utf-8", "replace")[:offset]
    return text.count("\n") + 1, offset - (text.rfind("\n") + 1) + 1


async def _whole_body_errors(request: Request, raw: Sequence[Any]) -> list[dict[str, Any]] | None:
    """The error for a body that is not JSON, or not sent as JSON; None for field errors.

    FastAPI reports broken JSON at ("body", <character offset>), which reads as a field
    named "33", and a body without a JSON content type as "Input should be a valid
    dictionary", which hides the cause: both are said plainly here.
    """
    first = raw[0] if raw else {}
    if first.get("type") == "json_invalid":
        loc = first.get("loc", ())
        why = str((first.get("ctx") or {}).get("error", "invalid JSON"))
        where = ""
        if len(loc) == 2 and isinstance(loc[1], int):
            line, column = _line_column(await request.body(), loc[1])
            where = f" at line {line}, column {column}"
        return _body_problem(f"The body is not valid JSON{where}: {why}.", "json_invalid")
    content_type = request.headers.get("content-type", "")
    is_json = "json" in content_type.split(";", 1)[0].lower()
    if not is_json and any(tuple(e.get("loc", ())) == ("body",) for e in raw):
        sent = (
            f"it was sent as {content_type.split(';', 1)[0]!r}"
            if content_type
            else ("it was sent without a Content-Type")
        )
        return _body_problem(
            f"Send the body as JSON with Content-Type: application/json ({sent}).",
            "content_type",
        )
    return None


async def _on_validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    raw = exc.errors()
    whole = await _whole_body_errors(request, raw)
    if whole is not None:
        return problem_response(
            request,
            422,
            whole[0]["msg"],
            title="Request validation failed",
            errors=whole,
        )
    errors = field_errors(raw)
    return problem_response(
        request,
        422,
        _validation_detail(errors, len(raw)),
        title="Request validation failed",
        errors=errors,
    )


async def _on_problem(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ProblemError)
    return problem_response(
        request,
        exc.status,
        exc.detail,
        slug=exc.slug,
        title=exc.title,
        headers=exc.headers,
        errors=exc.errors,
    )


def _unparseable_body(cause: BaseException) -> str:
    """Why FastAPI could not parse a JSON body (it answers a bare 400 for these)."""
    if isinstance(cause, UnicodeDecodeError):
        return "The body is not UTF-8 text; send UTF-8 encoded JSON."
    if isinstance(cause, RecursionError):
        return "The body is nested too deeply; send the documented JSON shape."
    if isinstance(cause, ValueError):
        return "The body holds a value JSON parsing refused (e.g. a number too long)."
    return "The body is not valid JSON."


async def _on_http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    cause = exc.__cause__
    if exc.status_code == 400 and cause is not None:
        # a body FastAPI could not decode: answer like any other malformed JSON (422), so
        # clients handle one status for "fix the body"
        message = _unparseable_body(cause)
        return problem_response(
            request,
            422,
            message,
            title="Request validation failed",
            errors=[{"field": "body", "loc": ["body"], "msg": message, "type": "json_invalid"}],
        )
    detail = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No route {request.url.path}; openapi.yaml lists the endpoints."
    return problem_response(request, exc.status_code, detail, headers=exc.headers)


def domain_problem(exc: Exception) -> ProblemError:
    """The problem answering a domain error (500, without internals, for anything else)."""
    for kind, status, slug, title in _DOMAIN_STATUS:
        if isinstance(exc, kind):
            headers = {"Retry-After": "5"} if status == 503 else None
            detail = str(exc)
            if isinstance(exc, EventStoreError):
                # the database's name and error stay in the log, not with the client
                logger.error("event store error: %s", exc)
                detail = "The event store is unreachable; retry shortly."
            return ProblemError(status, detail, slug=slug, title=title, headers=headers)
    logger.error("unmapped error %s", type(exc).__name__)
    return ProblemError(500, "The server could not answer; try again later.")


async def _on_domain(request: Request, exc: Exception) -> Response:
    return await _on_problem(request, domain_problem(exc))


def install_problem_handlers(app: FastAPI) -> None:
    """Register the handlers; unexpected exceptions are answered by the request middleware."""
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(ProblemError, _on_problem)
    app.add_exception_handler(StarletteHTTPException, _on_http)
    app.add_exception_handler(RecsvcError, _on_domain)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries documenting problem answers of a route."""
    descriptions = {
        401: "API keys are enabled and none was sent (X-API-Key or Authorization: Bearer).",
        403: "The key sent is not valid.",
        404: "The resource does not exist.",
        409: "The candidate bundle was refused; the previous one keeps serving.",
        413: "The body is larger than RECSVC_MAX_BODY_BYTES.",
        422: "The request is malformed; `errors` names each invalid field.",
        500: "Unexpected server error (no internals are disclosed).",
        503: "No model bundle is loaded yet, or the event store is unreachable.",
    }
    schema = {"$ref": "#/components/schemas/Problem"}
    return {
        status: {
            "description": descriptions[status],
            "content": {PROBLEM_MEDIA_TYPE: {"schema": schema}},
        }
        for status in statuses
    }
