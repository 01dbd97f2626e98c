"""Hostile input: every odd body or parameter gets a clear 4xx, in bounded memory."""

from __future__ import annotations

import json
import tracemalloc

import orjson
import pytest

from recsvc.service.schemas import Problem

PROBLEM = "application/problem+json"


def post_raw(client, body: bytes, path: str = "/recommend", **headers: str):
    return client.post(path, content=body, headers={"content-type": "application/json", **headers})


def assert_clear_4xx(response, status: int = 422) -> dict:
    """A problem document (valid JSON, documented shape) with the status."""
    assert response.status_code == status, response.text[:300]
    assert response.headers["content-type"] == PROBLEM
    body = orjson.loads(response.content)  # strict UTF-8 JSON: no lone surrogates slipped out
    Problem.model_validate(body)
    assert body["detail"]
    return body


def test_deeply_nested_body_is_422_not_a_crash(client):
    depth = 100_000  # 200 kB of brackets, under the 256 KiB body limit
    body = b'{"employee_id": "E001", "context": ' + b"[" * depth + b"]" * depth + b"}"
    problem = assert_clear_4xx(post_raw(client, body))
    assert problem["errors"][0]["type"] == "json_invalid"
    assert "nested too deeply" in problem["detail"]


def test_non_utf8_body_is_422_naming_the_encoding(client):
    problem = assert_clear_4xx(post_raw(client, b'{"employee_id": "\xff\xfe\x80"}'))
    assert problem["errors"][0]["type"] == "json_invalid"
    assert "UTF-8" in problem["detail"]


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (b'{"employee_id": "E001", "k": NaN}', "k"),
        (b'{"employee_id": "E001", "k": Infinity}', "k"),
        (b'{"employee_id": "E001", "k": 1e400}', "k"),
        (b'{"employee_id": "E001", "diversity": NaN}', "diversity"),
        (b'{"employee_id": "E001", "diversity": -Infinity}', "diversity"),
        (b'{"employee_id": "E001", "context": {"time_budget_minutes": Infinity}}', "context"),
        (
            b'{"employee_id": "E001", "context": {"recent_assessments": '
            b'[{"skill_id": "S1", "level": NaN}]}}',
            "context.recent_assessments.0.level",
        ),
        (b'{"employee_id": "E001", "filters": {"max_duration_minutes": NaN}}', "filters"),
    ],
)
def test_nan_and_infinity_are_refused(client, raw, field):
    problem = assert_clear_4xx(post_raw(client, raw))
    assert any(e["field"].startswith(field) for e in problem["errors"])


@pytest.mark.parametrize(
    ("k", "status"),
    [(-1, 422), (0, 422), (101, 422), (10**20, 422), ("5", 422), (5.5, 422), (True, 422)],
)
def test_negative_enormous_or_mistyped_k_is_422(client, k, status):
    # json.dumps writes ints of any size (orjson stops at 64 bits)
    body = b'{"employee_id": "E001", "k": ' + json.dumps(k).encode() + b"}"
    problem = assert_clear_4xx(post_raw(client, body), status=status)
    assert [e["field"] for e in problem["errors"]] == ["k"]


def test_a_number_too_long_to_parse_is_422(client):
    body = b'{"employee_id": "E001", "k": ' + b"9" * 5000 + b"}"
    problem = assert_clear_4xx(post_raw(client, body))
    assert problem["errors"][0]["type"] == "json_invalid"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"employee_id": 12345}, "employee_id"),
        ({"employee_id": ["E001"]}, "employee_id"),
        ({"employee_id": None}, "employee_id"),
        ({"employee_id": "E001", "explain": "yes"}, "explain"),
        ({"employee_id": "E001", "diversity": False}, "diversity"),
        ({"employee_id": "E001", "context": "senior"}, "context"),
        ({"employee_id": "E001", "context": {"recent_content_ids": "C001"}}, "context"),
        ({"employee_id": "E001", "filters": {"formats": [1, 2]}}, "filters.formats.0"),
        ({"employee_id": "x" * 129}, "employee_id"),
        ({"employee_id": "E001", "context": {"recent_content_ids": ["x" * 129]}}, "context"),
        ({"employee_id": "E001", "filters": {"languages": ["x" * 17]}}, "filters.languages.0"),
    ],
)
def test_wrong_types_and_lengths_are_422_naming_the_field(client, body, field):
    problem = assert_clear_4xx(post_raw(client, orjson.dumps(body)))
    assert any(e["field"].startswith(field) for e in problem["errors"]), problem["errors"]


def test_top_level_json_that_is_not_an_object_is_422(client):
    for raw in (b"[]", b'"E001"', b"null", b"42", b"true"):
        assert_clear_4xx(post_raw(client, raw))


def test_wrong_content_type_is_422(client):
    response = post_raw(
        client, b"employee_id=E001", **{"content-type": "application/x-www-form-urlencoded"}
    )
    assert_clear_4xx(response)


def test_lone_surrogates_are_refused_and_never_break_the_answer(client):
    # a lone surrogate is legal JSON text but not a string any id can be
    problem = assert_clear_4xx(post_raw(client, b'{"employee_id": "E\\ud800"}'))
    assert problem["errors"][0]["field"] == "employee_id"
    # as a field name too: refused before any echo of it
    problem = assert_clear_4xx(post_raw(client, b'{"employee_id": "E001", "\\udfff": 1}'))
    assert problem["errors"][0]["type"] == "string_unicode"


def test_unknown_field_names_are_echoed_cut_short(client):
    name = "\u202e" + "y" * 5000
    problem = assert_clear_4xx(post_raw(client, orjson.dumps({"employee_id": "E001", name: 1})))
    [error] = problem["errors"]
    assert error["type"] == "extra_forbidden"
    assert error["field"] == name[:64] + "..."


@pytest.mark.parametrize(
    "odd_id",
    [
        "E\u200b001",  # zero-width space
        "\u202eE001",  # right-to-left override
        "E001\U0001f600",  # emoji, outside the BMP
        "E\u0000001",  # NUL
        "\ufeffE001",  # BOM inside the string
        "e\u0301",  # combining accent
    ],
)
def test_unicode_oddities_in_ids_are_just_unknown_ids(client, odd_id):
    """Odd but valid Unicode is an id like any other: cold start, echoed back exactly."""
    response = post_raw(client, orjson.dumps({"employee_id": odd_id}))
    assert response.status_code == 200
    answer = orjson.loads(response.content)
    assert answer["employee_id"] == odd_id
    assert answer["strategy"] == "cold_start_popularity"


def test_thousands_of_ids_are_422_per_list_within_the_body_limit(make_client):
    client = make_client(max_body_bytes=1024 * 1024)
    many = [f"C{i:05d}" for i in range(5000)]
    body = {
        "employee_id": "E001",
        "context": {"recent_content_ids": many, "formats": ["course"] * 1500},
        "filters": {"exclude_content_ids": many},
    }
    problem = assert_clear_4xx(post_raw(client, orjson.dumps(body)))
    assert {e["field"] for e in problem["errors"]} == {
        "context.recent_content_ids",
        "context.formats",
        "filters.exclude_content_ids",
    }
    batch = {"requests": [{"employee_id": f"E{i}"} for i in range(600)]}
    problem = assert_clear_4xx(post_raw(client, orjson.dumps(batch), "/recommend/batch"))
    assert problem["errors"][0]["field"] == "requests"


def test_thousands_of_invalid_entries_give_a_bounded_error_list(make_client):
    client = make_client(max_body_bytes=1024 * 1024)
    bad = ["hologram"] * 20_000
    body = {
        "employee_id": "E001",
        "filters": {"formats": bad, "languages": [""] * 20_000},
        "context": {"formats": bad, "recent_content_ids": [""] * 20_000},
        **{f"extra_{i}": i for i in range(200)},
    }
    response = post_raw(client, orjson.dumps(body))
    problem = assert_clear_4xx(response)
    # each list stops at its first bad entry; the answer names at most 50 fields
    assert len(problem["errors"]) == 50 and "204 invalid fields" in problem["detail"]
    assert {"filters.formats.0", "context.recent_content_ids.0"} <= {
        e["field"] for e in problem["errors"]
    }
    assert len(response.content) < 32 * 1024


def test_a_lying_content_length_is_413_before_reading(client):
    response = post_raw(client, b'{"employee_id": "E001"}', **{"content-length": str(10**12)})
    assert_clear_4xx(response, status=413)


@pytest.mark.parametrize(
    "url",
    [
        "/content/C001/similar?k=-1",
        "/content/C001/similar?k=0",
        "/content/C001/similar?k=NaN",
        "/content/C001/similar?k=1e3",
        "/content/C001/similar?k=999999999999999999999999",
        "/content/C001/similar?k=101",
        "/content/" + "x" * 5000 + "/similar",
        "/employees/E001/skill-gaps?target_role_id=" + "r" * 200,
        "/employees/E001/skill-gaps?target_role_id=",
    ],
)
def test_hostile_query_and_path_parameters_are_422(client, url):
    assert_clear_4xx(client.get(url))


@pytest.mark.parametrize(
    "url",
    ["/content/%00/similar", "/content/%ED%A0%80/similar", "/employees/%FF%FE/skill-gaps"],
)
def test_odd_bytes_in_paths_are_4xx_not_5xx(client, url):
    response = client.get(url)
    assert 400 <= response.status_code < 500
    orjson.loads(response.content)


def test_hostile_requests_stay_in_bounded_memory(make_client):
    """A burst of the worst bodies allowed costs a few MiB of Python memory, not hundreds."""
    client = make_client()
    depth = 100_000
    bodies = [
        b'{"employee_id": "E001", "context": ' + b"[" * depth + b"]" * depth + b"}",
        b'{"employee_id": "E001", "filters": {"formats": [' + b'"x",' * 60_000 + b'"x"]}}',
        b'{"employee_id": "E001", "k": ' + b"9" * 200_000 + b"}",
    ]
    post_raw(client, bodies[0])  # warm-up: first-call allocations are not the point
    tracemalloc.start()
    try:
        for _ in range(3):
            for body in bodies:
                response = post_raw(client, body)
                assert 400 <= response.status_code < 500
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024 * 1024, f"peak {peak / 2**20:.0f} MiB"
