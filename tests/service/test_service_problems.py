"""Every error is RFC 9457 problem+json, names what to fix and never leaks internals."""

from __future__ import annotations

import pytest

from recsvc.service.schemas import Problem

PROBLEM = "application/problem+json"


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    Problem.model_validate(body)
    assert body["status"] == status
    assert body["request_id"] == response.headers["x-request-id"]
    assert body["instance"] == response.request.url.path
    return body


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "employee_id"),
        ({"employee_id": ""}, "employee_id"),
        ({"employee_id": "E001", "k": 0}, "k"),
        ({"employee_id": "E001", "k": "ten"}, "k"),
        ({"employee_id": "E001", "colour": "red"}, "colour"),
        ({"employee_id": "E001", "filters": {"formats": ["hologram"]}}, "filters.formats.0"),
        (
            {"employee_id": "E001", "context": {"time_budget_minutes": -5}},
            "context.time_budget_minutes",
        ),
        (
            {
                "employee_id": "E001",
                "context": {"recent_assessments": [{"skill_id": "S1", "level": 9}]},
            },
            "context.recent_assessments.0.level",
        ),
    ],
)
def test_malformed_body_is_422_naming_the_field(client, body, field):
    problem = assert_problem(client.post("/recommend", json=body), 422)
    assert problem["type"] == "urn:recsvc:problem:validation-error"
    assert [e["field"] for e in problem["errors"]] == [field]
    assert field in problem["detail"]


def test_invalid_json_is_422_and_never_echoes_input(client):
    secret = "E-private-123"
    response = client.post(
        "/recommend",
        content=b'{"employee_id": "' + secret.encode() + b'", ',
        headers={"content-type": "application/json"},
    )
    problem = assert_problem(response, 422)
    assert problem["errors"][0]["type"] == "json_invalid"
    assert secret not in response.text


def test_unknown_route_and_wrong_method(client):
    missing = assert_problem(client.get("/nowhere"), 404)
    assert "/nowhere" in missing["detail"]
    wrong = client.get("/recommend")
    assert_problem(wrong, 405)
    assert wrong.headers["allow"] == "POST"


def test_body_over_limit_is_413_by_content_length(make_client):
    client = make_client(max_body_bytes=2048)
    big = {"employee_id": "E001", "context": {"project": {"text": "x" * 3000}}}
    problem = assert_problem(client.post("/recommend", json=big), 413)
    assert "2048" in problem["detail"]
    assert client.post("/recommend", json={"employee_id": "E001"}).status_code == 200


def test_body_over_limit_is_413_when_streamed_without_length(make_client):
    client = make_client(max_body_bytes=2048)

    async def chunks():
        for _ in range(10):
            yield b" " * 512  # JSON whitespace: would parse if it were let through

    response = client.post(
        "/recommend", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert_problem(response, 413)


def test_unexpected_error_is_500_without_internals(client, caplog):
    def explode(query):
        raise RuntimeError("secret internals: db password hunter2 for E001")

    client.app.state.holder.require().recommend = explode
    response = client.post("/recommend", json={"employee_id": "E001"})
    problem = assert_problem(response, 500)
    assert "hunter2" not in response.text and "Traceback" not in response.text
    assert problem["request_id"] in problem["detail"]
    # logged server-side with the request id and frames, but not the message (may hold data)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "RuntimeError" in logged and problem["request_id"] in logged
    assert "hunter2" not in logged and "E001" not in logged


def test_no_bundle_is_503_until_one_loads(make_client, store):
    store.version = None
    client = make_client()
    problem = assert_problem(client.post("/recommend", json={"employee_id": "E001"}), 503)
    assert problem["type"] == "urn:recsvc:problem:no-model"
    assert client.get("/health").status_code == 200
    ready = assert_problem(client.get("/ready"), 503)
    assert "BundleNotFoundError" in ready["detail"]
    assert_problem(client.get("/model"), 503)
