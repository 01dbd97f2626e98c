"""The operator's limits written into the OpenAPI spec, so what it promises is what is taken.

Limits such as RECSVC_MAX_K are settings, so they cannot live in the static pydantic
schemas; they are checked after parsing (a 422 naming the setting). Without them in the
spec, a request the spec calls valid (k = 500) would be refused: clients and schema
fuzzers could not tell. Here each one becomes the ``maximum`` / ``maxItems`` of its field
in the app's spec, from the app's own settings (openapi.yaml holds the defaults).
"""

from __future__ import annotations

from typing import Any

from recsvc.config import ServeSettings

__all__ = ["PARAMETER_LIMITS", "SCHEMA_LIMITS", "apply_limits"]

#: (component schema, property) -> (JSON schema keyword, ServeSettings field)
SCHEMA_LIMITS: dict[tuple[str, str], tuple[str, str]] = {
    ("RecommendRequest", "k"): ("maximum", "max_k"),
    ("Context", "formats"): ("maxItems", "max_list_items"),
    ("Context", "recent_content_ids"): ("maxItems", "max_list_items"),
    ("Context", "recent_assessments"): ("maxItems", "max_list_items"),
    ("Project", "skill_ids"): ("maxItems", "max_list_items"),
    ("Filters", "exclude_content_ids"): ("maxItems", "max_list_items"),
    ("Filters", "languages"): ("maxItems", "max_list_items"),
    ("Filters", "formats"): ("maxItems", "max_list_items"),
    ("BatchRecommendRequest", "requests"): ("maxItems", "max_batch_size"),
    ("MentorMatchRequest", "mentee_ids"): ("maxItems", "max_list_items"),
    ("MentorMatchRequest", "mentors"): ("maxItems", "max_list_items"),
    ("MentorMatchRequest", "skill_ids"): ("maxItems", "max_list_items"),
    ("EventBatch", "events"): ("maxItems", "max_event_batch"),
}
#: (path, method, query parameter) -> (JSON schema keyword, ServeSettings field)
PARAMETER_LIMITS: dict[tuple[str, str, str], tuple[str, str]] = {
    ("/content/{content_id}/similar", "get", "k"): ("maximum", "max_k"),
}


def _set(schema: dict[str, Any], keyword: str, value: int) -> None:
    """Set ``keyword`` on the schema, or on each non-null branch of an optional one."""
    branches = schema.get("anyOf")
    if branches:
        for branch in branches:
            if branch.get("type") != "null":
                branch[keyword] = value
    else:
        schema[keyword] = value


def apply_limits(spec: dict[str, Any], settings: ServeSettings) -> list[str]:
    """Write the limits into ``spec`` in place; the names of the ones not found (for tests)."""
    missing = []
    schemas = spec.get("components", {}).get("schemas", {})
    for (name, prop), (keyword, setting) in SCHEMA_LIMITS.items():
        field = schemas.get(name, {}).get("properties", {}).get(prop)
        if field is None:
            missing.append(f"{name}.{prop}")
            continue
        _set(field, keyword, int(getattr(settings, setting)))
    for (path, method, param), (keyword, setting) in PARAMETER_LIMITS.items():
        operation = spec.get("paths", {}).get(path, {}).get(method, {})
        found = [p for p in operation.get("parameters", ()) if p.get("name") == param]
        if not found:
            missing.append(f"{method.upper()} {path} {param}")
            continue
        _set(found[0]["schema"], keyword, int(getattr(settings, setting)))
    return missing
