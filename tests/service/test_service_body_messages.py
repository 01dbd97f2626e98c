"""Bodies that are not JSON, or not sent as JSON, get a problem saying exactly that."""

from __future__ import annotations

import pytest


def _problem(response) -> dict:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


def test_malformed_json_names_the_body_and_where_not_a_character_offset(client):
    body = b'{"employee_id": "E001",\n  "k": 3,,\n}'
    problem = _problem(
        client.post("/recommend", content=body, headers={"content-type": "application/json"})
    )
    (error,) = problem["errors"]
    assert error["field"] == "body" and error["loc"] == ["body"]
    assert error["type"] == "json_invalid"
    assert "line 2" in error["msg"] and "column" in error["msg"]
    assert "line 2" in problem["detail"]


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_a_body_not_sent_as_json_says_to_send_json(client, content_type):
    headers = {"content-type": content_type} if content_type else {}
    problem = _problem(
        client.post("/recommend", content=b'{"employee_id": "E001"}', headers=headers)
    )
    assert "Content-Type: application/json" in problem["detail"]
    assert problem["errors"][0]["field"] == "body"
    assert problem["errors"][0]["type"] == "content_type"
    assert "valid dictionary" not in problem["detail"]  # not pydantic's misleading words


def test_numbers_are_taken_as_the_schema_reads_them(client):
    # JSON Schema calls 5.0 an integer: taken as 5; 5.5 and "5" stay refused
    answer = client.post("/recommend", json={"employee_id": "E001", "k": 5.0})
    assert answer.status_code == 200 and len(answer.json()["items"]) == 5
    for k in (5.5, "5"):
        assert client.post("/recommend", json={"employee_id": "E001", "k": k}).status_code == 422
    # a date-time is ISO 8601 text, as the spec says, not epoch seconds
    epoch = {"skill_id": "S1", "level": 2, "assessed_at": 0}
    body = {"employee_id": "E001", "context": {"recent_assessments": [epoch]}}
    problem = _problem(client.post("/recommend", json=body))
    assert problem["errors"][0]["field"] == "context.recent_assessments.0.assessed_at"
    iso = {**epoch, "assessed_at": "2026-01-05T10:00:00Z"}
    body = {"employee_id": "E001", "context": {"recent_assessments": [iso]}}
    assert client.post("/recommend", json=body).status_code == 200


def test_a_query_parameter_given_twice_is_refused_not_silently_overridden(client):
    response = client.get("/content/C001/similar", params=[("k", "1"), ("k", "500")])
    assert response.status_code == 422
    assert "'k' given more than once" in response.json()["detail"]
    assert client.get("/content/C001/similar", params={"k": 2}).status_code == 200
