"""Map request schemas to the core's value objects (enforcing configured limits) and back."""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import orjson
from starlette.responses import Response

from recsvc.attribution import DEFAULT_VARIANT, new_recommendation_id
from recsvc.config import ServeSettings
from recsvc.recommend import query as q
from recsvc.service import schemas as s
from recsvc.service.problems import ProblemError

__all__ = [
    "Loc",
    "check_limits",
    "json_response",
    "limit_problem",
    "recommendations_payload",
    "to_query",
]

Loc = tuple[str | int, ...]


def _too_long(loc: Loc, limit: int) -> dict[str, Any]:
    return {
        "field": ".".join(str(p) for p in loc[1:]),
        "loc": list(loc),
        "msg": f"List should have at most {limit} items (RECSVC_MAX_LIST_ITEMS)",
        "type": "too_long",
    }


def check_limits(
    body: s.RecommendRequest, settings: ServeSettings, loc: Loc
) -> list[dict[str, Any]]:
    """Errors for limits that depend on settings (so they cannot live in the static schema)."""
    errors: list[dict[str, Any]] = []
    if body.k is not None and body.k > settings.max_k:
        errors.append(
            {
                "field": ".".join(str(p) for p in (*loc[1:], "k")),
                "loc": [*loc, "k"],
                "msg": f"Input should be less than or equal to {settings.max_k} (RECSVC_MAX_K)",
                "type": "less_than_equal",
            }
        )
    limit = settings.max_list_items
    lists: list[tuple[Loc, int]] = []
    if body.context is not None:
        ctx = body.context
        lists.append(((*loc, "context", "formats"), len(ctx.formats)))
        lists.append(((*loc, "context", "recent_content_ids"), len(ctx.recent_content_ids)))
        lists.append(((*loc, "context", "recent_assessments"), len(ctx.recent_assessments)))
        if ctx.project is not None:
            lists.append(((*loc, "context", "project", "skill_ids"), len(ctx.project.skill_ids)))
    if body.filters is not None:
        lists.append(
            ((*loc, "filters", "exclude_content_ids"), len(body.filters.exclude_content_ids))
        )
        lists.append(((*loc, "filters", "languages"), len(body.filters.languages)))
        lists.append(((*loc, "filters", "formats"), len(body.filters.formats)))
    errors.extend(_too_long(where, limit) for where, n in lists if n > limit)
    return errors


def limit_problem(errors: list[dict[str, Any]]) -> ProblemError:
    """The 422 for settings-dependent limits, shaped like schema validation errors."""
    shown = "; ".join(f"{e['field']} ({e['msg']})" for e in errors[:5])
    return ProblemError(
        422,
        f"{len(errors)} invalid field(s): {shown}",
        slug="validation-error",
        title="Request validation failed",
        errors=errors,
    )


def to_query(body: s.RecommendRequest, settings: ServeSettings) -> q.Query:
    """The core's Query for a validated request, with defaults from settings."""
    ctx = body.context
    context = q.Context()
    if ctx is not None:
        project = None
        if ctx.project is not None:
            project = q.Project(skill_ids=tuple(ctx.project.skill_ids), text=ctx.project.text)
        context = q.Context(
            role_id=ctx.role_id,
            target_role_id=ctx.target_role_id,
            project=project,
            time_budget_minutes=ctx.time_budget_minutes,
            formats=tuple(ctx.formats),
            language=ctx.language,
            recent_content_ids=tuple(ctx.recent_content_ids),
            recent_assessments=tuple(
                q.AssessmentUpdate(a.skill_id, a.level, a.source, a.assessed_at)
                for a in ctx.recent_assessments
            ),
        )
    filters = q.Filters()
    if body.filters is not None:
        f = body.filters
        filters = q.Filters(
            exclude_content_ids=tuple(f.exclude_content_ids),
            formats=tuple(f.formats),
            max_duration_minutes=f.max_duration_minutes,
            languages=tuple(f.languages),
        )
    return q.Query(
        employee_id=body.employee_id,
        k=body.k if body.k is not None else settings.default_k,
        context=context,
        filters=filters,
        explain=body.explain,
        diversity=body.diversity if body.diversity is not None else settings.diversity,
        objective=body.objective,
        include_refreshers=body.include_refreshers,
    )


def _wire_shaped() -> bool:
    """True when the core's item and reason dataclasses have exactly the response's fields.

    Then orjson serialises them as they are (the same bytes as building dicts, ~20 us less per
    answer); if the core ever grows a field the schema lacks, answers are built field by field
    instead, so nothing undocumented leaks (a test asserts this stays True).
    """
    return [f.name for f in fields(q.RecommendedItem)] == list(s.Item.model_fields) and [
        f.name for f in fields(q.Reason)
    ] == list(s.Reason.model_fields)


_WIRE_SHAPED = _wire_shaped()


def _item_payload(item: q.RecommendedItem) -> dict[str, Any]:
    return {
        "content_id": item.content_id,
        "title": item.title,
        "format": item.format,
        "duration_minutes": item.duration_minutes,
        "score": item.score,
        "rank": item.rank,
        "reasons": [{"code": r.code, "text": r.text, "details": r.details} for r in item.reasons],
        "learning_value": item.learning_value,
        "engagement": item.engagement,
    }


def recommendations_payload(
    recs: q.Recommendations, request_id: str, variant: str = DEFAULT_VARIANT
) -> dict[str, Any]:
    """The RecommendResponse document as data for orjson (serialised once, not revalidated).

    Each answer gets a fresh recommendation id naming ``variant`` and the bundle version, so
    events quoting it can be attributed without the service keeping a log.
    """
    items: Any = recs.items if _WIRE_SHAPED else [_item_payload(item) for item in recs.items]
    return {
        "employee_id": recs.employee_id,
        "recommendation_id": new_recommendation_id(variant, recs.model_version),
        "variant": variant,
        "model_version": recs.model_version,
        "request_id": request_id,
        "strategy": recs.strategy,
        "items": items,
        "warnings": [{"code": w.code, "field": w.field, "text": w.text} for w in recs.warnings],
    }


def json_response(payload: Any, status_code: int = 200) -> Response:
    """Serialise once with orjson (numpy scalars allowed), skipping response-model revalidation.

    The route still declares its response model, so the spec documents the shape; tests
    validate real answers against it.
    """
    body = orjson.dumps(payload, option=orjson.OPT_SERIALIZE_NUMPY)
    return Response(body, status_code=status_code, media_type="application/json")
