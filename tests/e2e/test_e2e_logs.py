"""Log output of a real server over every endpoint holds no personal data and no keys."""

from __future__ import annotations

import logging

import pytest

from recsvc.keys import hash_api_key

pytestmark = pytest.mark.e2e


def test_logs_hold_no_ids_free_text_or_keys(serve, trained, keys, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)  # everything any logger would write, uvicorn's included
    tables = trained.tables
    employee = str(tables["enrolments"]["employee_id"].iloc[0])
    content = str(tables["content"]["content_id"].iloc[3])
    role = str(tables["roles"]["role_id"].iloc[2])
    skill = str(tables["skills"]["skill_id"].iloc[1])
    secret_text = "Confidential merger project Bluebird"
    live = serve(trained.models_dir)
    with live.client() as client:
        body = {
            "employee_id": employee,
            "k": 5,
            "context": {
                "target_role_id": role,
                "project": {"skill_ids": [skill], "text": secret_text},
                "recent_content_ids": [content],
            },
        }
        assert client.post("/recommend", json=body).status_code == 200
        assert client.post("/recommend/batch", json={"requests": [body]}).status_code == 200
        assert client.get(f"/employees/{employee}/skill-gaps").status_code == 200
        assert client.get(f"/content/{content}/similar").status_code == 200
        # errors log too: unknown ids, bad bodies, wrong keys
        client.post("/recommend", json={**body, "context": {"target_role_id": "R-" + employee}})
        client.post("/recommend", content=b'{"employee_id": "' + employee.encode() + b'"')
        client.get(f"/employees/NOBODY-{employee}/skill-gaps")
        client.get("/model", headers={"X-API-Key": keys["api"] + "-wrong"})
    with live.client(headers={"X-Admin-Key": keys["admin"]}) as admin:
        admin.post("/admin/reload")
    # the server's records (the test's own httpx client logs the URLs it calls)
    server = [r for r in caplog.records if not r.name.startswith(("httpx", "httpcore"))]
    logged = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in server)
    assert "/recommend 200" in logged and "key=e2e" in logged  # the access log did write
    for personal in (employee, content, role, skill, secret_text, "Bluebird"):
        assert personal not in logged, personal
    for secret in (keys["api"], keys["admin"], hash_api_key(keys["api"])):
        assert secret not in logged
