"""Property: a body pydantic's JSON parser accepts, FastAPI's json.loads path accepts as equal.

This is what lets the fast route validate with ``model_validate_json`` and hand everything it
refuses to FastAPI's handler: it never accepts a body the documented path would refuse.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

from recsvc.service.schemas import BatchRecommendRequest, RecommendRequest

_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, 1, 5, 10, 0.5, 1.0, 100, 101, "5", "en", "course", "video", "self"]),
    st.sampled_from(["2024-01-02", "2024-01-02T03:04:05Z", "2024-13-01", "1700000000", " x"]),
    st.text(max_size=8),
)
_json = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=8,
)


def _mostly(valid: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Valid values three times in four, anything JSON otherwise (to probe the edges)."""
    return st.sampled_from([True, True, True, False]).flatmap(lambda ok: valid if ok else _json)


_id = _mostly(st.text(min_size=1, max_size=10))
_ids = _mostly(st.lists(_id, max_size=3))
_number = _mostly(
    st.one_of(st.floats(min_value=0, max_value=2e5, allow_nan=False), st.integers(-5, 2 * 10**5))
)
_formats = _mostly(st.lists(_mostly(st.sampled_from(["course", "video", "podcast"])), max_size=3))
_when = _mostly(
    st.one_of(
        st.none(),
        st.datetimes().map(lambda d: d.isoformat()),
        st.dates().map(lambda d: d.isoformat()),
        st.datetimes().map(lambda d: d.isoformat() + "Z"),
    )
)
_assessment = st.fixed_dictionaries(
    {"skill_id": _id},
    optional={
        "level": _number,
        "source": _mostly(st.sampled_from(["test", "manager", "peer", "self"])),
        "assessed_at": _when,
    },
)
_context = st.fixed_dictionaries(
    {},
    optional={
        "role_id": _id,
        "target_role_id": _id,
        "project": _mostly(
            st.fixed_dictionaries({}, optional={"skill_ids": _ids, "text": _mostly(st.text())})
        ),
        "time_budget_minutes": _number,
        "formats": _formats,
        "language": _mostly(st.text(max_size=20)),
        "recent_content_ids": _ids,
        "recent_assessments": _mostly(st.lists(_assessment, max_size=2)),
    },
)
_request = st.fixed_dictionaries(
    {"employee_id": _id},
    optional={
        "k": _mostly(st.integers(-1, 10**20)),
        "context": _mostly(_context),
        "filters": _mostly(
            st.fixed_dictionaries(
                {},
                optional={
                    "exclude_content_ids": _ids,
                    "formats": _formats,
                    "max_duration_minutes": _number,
                    "languages": _ids,
                },
            )
        ),
        "explain": _mostly(st.booleans()),
        "diversity": _mostly(st.floats(min_value=-0.5, max_value=1.5)),
    },
)


def _encodings(document: Any) -> st.SearchStrategy[bytes]:
    """The document as JSON bytes, ASCII-escaped or raw UTF-8 (surrogates escaped either way)."""
    escaped = json.dumps(document).encode()
    raw = json.dumps(document, ensure_ascii=False).encode("utf-8", "backslashreplace")
    return st.sampled_from([escaped, raw, escaped + b" ", escaped[:-1]])


def _check(model: type[BaseModel], raw: bytes) -> None:
    try:
        fast = model.model_validate_json(raw)
    except ValidationError:
        return  # refused: the fast route hands the body to FastAPI's handler
    official = TypeAdapter(model).validate_python(json.loads(raw))  # what FastAPI does
    assert official == fast


@settings(max_examples=400, deadline=None)
@given(_request.flatmap(_encodings))
def test_recommend_request(raw):
    _check(RecommendRequest, raw)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(_request, min_size=0, max_size=3).map(lambda r: {"requests": r}).flatmap(_encodings)
)
def test_batch_request(raw):
    _check(BatchRecommendRequest, raw)


@pytest.mark.parametrize(
    "raw",
    [
        b'{"employee_id":"E1","employee_id":"E2"}',
        b'{"employee_id":"E1","k":10000000000000000000000}',
        b'{"employee_id":"E1","diversity":1}',
        b'{"employee_id":"a\\u0000b"}',
        b'{"employee_id":"E1","context":{"recent_assessments":[{"skill_id":"S","level":2,'
        b'"assessed_at":"2024-01-01T10:00:00.1234567+01:00"}]}}',
    ],
)
def test_known_accepted_bodies_are_equal_both_ways(raw):
    fast = RecommendRequest.model_validate_json(raw)
    assert fast == TypeAdapter(RecommendRequest).validate_python(json.loads(raw))
