"""Erased people (DELETE /employees/{id}) leave team views and mentor matching at once."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from need_orgs import NeedOrg
from people_org import ANALYST_LEAD

from recsvc.config import ServeSettings
from recsvc.keys import hash_api_key
from recsvc.service.app import create_app
from uvicorn_thread import serve_in_thread

pytestmark = pytest.mark.e2e

ADMIN_KEY = "people-admin-key-0123456789"


def test_erased_people_are_left_out(people_models: tuple[NeedOrg, Path], tmp_path: Path) -> None:
    org, models = people_models
    settings = ServeSettings(
        models_dir=models,
        reload_interval_s=0,
        events_url=f"sqlite:///{tmp_path / 'events.sqlite'}",
        admin_key=hash_api_key(ADMIN_KEY),
    )
    base_url, server, thread = serve_in_thread(create_app(settings), name="uvicorn-erasure")
    try:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            before = client.get(f"/teams/{ANALYST_LEAD}/skills").json()
            pairs = client.post("/mentors/match", json={"mentee_ids": [org.employee_a]}).json()
            assert before["team_size"] == 9
            assert [p["mentor_id"] for p in pairs["pairs"]] == [org.employee_p]
            erase = client.delete(
                f"/employees/{org.employee_p}", headers={"X-Admin-Key": ADMIN_KEY}
            )
            assert erase.status_code == 200, erase.text
            after = client.get(f"/teams/{ANALYST_LEAD}/skills").json()
            assert after["team_size"] == 8
            pairs = client.post("/mentors/match", json={"mentee_ids": [org.employee_a]}).json()
            assert pairs["pairs"] == [] and pairs["mentors"] == []
            again = client.post("/mentors/match", json={"mentee_ids": [org.employee_p]}).json()
            assert again["unmatched"][0]["reason"] == "unknown_employee"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
