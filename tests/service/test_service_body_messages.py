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
