"""Next roles, plans and audiences over real HTTP (uvicorn on loopback) on the careers org.

The organisation and its known answers: ``tests/careers_org.py``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from careers_org import ANA, PRO, SENIOR_DAYS, careers_org
from recsvc.config import ServeSettings
from recsvc.keys import hash_api_key
from recsvc.service.app import create_app
from recsvc.service.career_schemas import AudienceResponse, NextRolesResponse, PlanResponse
from uvicorn_thread import serve_in_thread

pytestmark = pytest.mark.e2e

API_KEY = "careers-api-key-0123456789"
Json = dict[str, Any]


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from recsvc.training.pipeline import train_tables

    models: Path = tmp_path_factory.mktemp("careers-e2e-models")
    train_tables(careers_org().tables, models, seed=42, time_budget_s=1)
    settings = ServeSettings(
        models_dir=models, api_keys=f"careers:{hash_api_key(API_KEY)}", reload_interval_s=0
    )
    server: uvicorn.Server
    thread: threading.Thread
    base_url, server, thread = serve_in_thread(create_app(settings), name="uvicorn-careers")
    try:
        with httpx.Client(base_url=base_url, headers={"X-API-Key": API_KEY}, timeout=30) as c:
            yield c
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def test_next_roles_over_http(client: httpx.Client) -> None:
    r = client.get(f"/employees/{ANA}/next-roles", params={"k": 2})
    assert r.status_code == 200, r.text
    body: Json = r.json()
    NextRolesResponse.model_validate(body)
    assert body["role_id"] == "analyst"
    senior = body["roles"][0]
    assert senior["role_id"] == "senior" and senior["likelihood"] == pytest.approx(0.875, abs=1e-3)
    assert senior["readiness"] == pytest.approx(8 / 13, abs=0.01)
    assert senior["people_moved"] == len(SENIOR_DAYS)
    assert body["roles"][1]["people_moved"] is None  # three people: not shown


def test_next_roles_errors_are_problems(client: httpx.Client) -> None:
    r = client.get("/employees/nobody/next-roles")
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("application/problem+json")
    assert "role_id" in r.json()["detail"]
    r = client.get("/employees/nobody/next-roles", params={"role_id": "astronaut"})
    assert r.status_code == 404 and r.json()["errors"][0]["field"] == "role_id"
    r = client.get(f"/employees/{ANA}/next-roles", params={"k": 0})
    assert r.status_code == 422
    r = client.get("/employees/nobody/next-roles", params={"role_id": "junior"})
    assert r.status_code == 200 and r.json()["roles"][0]["role_id"] == "analyst"
    assert httpx.get(f"{client.base_url}/employees/{ANA}/next-roles").status_code == 401


def test_plan_over_http(client: httpx.Client) -> None:
    body = {
        "employee_id": ANA,
        "goal": {"target_role_id": "senior"},
        "weekly_minutes": 120,
        "horizon_weeks": 4,
    }
    r = client.post("/plan", json=body)
    assert r.status_code == 200, r.text
    plan: Json = r.json()
    PlanResponse.model_validate(plan)
    assert {i["content_id"] for i in plan["items"]} == {"comms2", "python3", "stats3"}
    assert all(w["minutes"] <= 120 for w in plan["calendar"])
    assert [m["level"] for m in plan["milestones"]] == [2, 3, 3]
    assert plan["readiness_after"] > plan["readiness_before"]


@pytest.mark.parametrize(
    ("goal", "field"),
    [
        ({"target_role_id": "astronaut"}, "goal.target_role_id"),
        ({"skills": [{"skill_id": "juggling", "level": 2}]}, "goal.skills"),
    ],
)
def test_plan_unknown_goal_ids_are_404(client: httpx.Client, goal: Json, field: str) -> None:
    r = client.post("/plan", json={"employee_id": ANA, "goal": goal, "weekly_minutes": 60})
    assert r.status_code == 404, r.text
    assert r.json()["errors"][0]["field"] == field


def test_plan_request_validation(client: httpx.Client) -> None:
    two_goals = {"target_role_id": "senior", "my_role": True}
    for bad in (
        {"employee_id": ANA, "goal": two_goals, "weekly_minutes": 60},
        {"employee_id": ANA, "goal": {}, "weekly_minutes": 60},
        {"employee_id": ANA, "goal": {"my_role": True}, "weekly_minutes": 0},
    ):
        r = client.post("/plan", json=bad)
        assert r.status_code == 422, (bad, r.text)
    r = client.post(
        "/plan", json={"employee_id": "nobody", "goal": {"my_role": True}, "weekly_minutes": 60}
    )
    assert r.status_code == 404


def test_audience_over_http(client: httpx.Client) -> None:
    r = client.post("/audience", json={"content_id": "stats4", "limit": 5})
    assert r.status_code == 200, r.text
    body: Json = r.json()
    AudienceResponse.model_validate(body)
    ids = [m["employee_id"] for m in body["members"]]
    assert PRO not in ids and len(ids) == min(5, body["total"])
    values = [m["learning_value"] for m in body["members"]]
    assert values == sorted(values, reverse=True)
    assert all(g["count"] >= 5 for groups in body["counts"].values() for g in groups)
    r = client.post(
        "/audience",
        json={"skill_id": "stats", "filters": {"manager_id": "manager_00"}, "offset": 2},
    )
    assert r.status_code == 200 and r.json()["offset"] == 2


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"content_id": "nope"}, 404),
        ({"skill_id": "nope"}, 404),
        ({"content_id": "stats4", "skill_id": "stats"}, 422),
        ({}, 422),
        ({"skill_id": "stats", "limit": 0}, 422),
    ],
)
def test_audience_bad_requests(client: httpx.Client, body: Json, status: int) -> None:
    r = client.post("/audience", json=body)
    assert r.status_code == status, r.text
    assert r.headers["content-type"].startswith("application/problem+json")
