"""Prometheus metrics per route template, request ids, and access logs free of personal data."""

from __future__ import annotations

import logging
import re

from recsvc.keys import hash_api_key

SECRET_EMPLOYEE = "E-jane-doe-4711"


def test_metrics_use_route_templates_and_model_info(client):
    client.post("/recommend", json={"employee_id": SECRET_EMPLOYEE})
    client.get(f"/employees/{SECRET_EMPLOYEE}/skill-gaps")
    client.get("/content/C001/similar")
    client.get("/no/such/route")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert SECRET_EMPLOYEE not in text and "C001" not in text and "/no/such" not in text
    assert re.search(
        r'recsvc_http_requests_total\{method="POST",route="/recommend",status="200"\} 1\.0', text
    )
    assert 'route="/employees/{employee_id}/skill-gaps",status="404"' in text
    assert 'route="/content/{content_id}/similar",status="200"' in text
    assert 'route="<unmatched>",status="404"' in text
    assert (
        'recsvc_http_request_duration_seconds_bucket{le="0.005",method="POST",route="/recommend"}'
        in text
    )
    assert 'recsvc_model_info{version="v1"} 1.0' in text
    assert "recsvc_model_loaded 1.0" in text
    assert 'recsvc_bundle_reloads_total{outcome="success"} 1.0' in text
    assert 'recsvc_recommendations_total{strategy="cold_start_popularity"} 1.0' in text


def test_model_info_follows_a_reload(make_client, store):
    client = make_client(admin_key=hash_api_key("admin-key-0123456789"))
    store.version = "v2"
    client.post("/admin/reload", headers={"X-Admin-Key": "admin-key-0123456789"})
    text = client.get("/metrics").text
    assert 'recsvc_model_info{version="v2"} 1.0' in text
    assert 'version="v1"' not in text


def test_413_is_counted_under_its_route(make_client):
    client = make_client(max_body_bytes=1024)
    client.post("/recommend", content=b"x" * 2000, headers={"content-type": "application/json"})
    assert 'route="/recommend",status="413"' in client.get("/metrics").text


def test_request_id_is_honoured_when_sane_else_replaced(client):
    given = client.get("/health", headers={"X-Request-ID": "lms-run.7:abc"})
    assert given.headers["x-request-id"] == "lms-run.7:abc"
    for bad in ("a" * 129, "has space", "semi;colon"):
        answer = client.post(
            "/recommend", json={"employee_id": "E001"}, headers={"X-Request-ID": bad}
        )
        assert re.fullmatch(r"[0-9a-f]{32}", answer.headers["x-request-id"])
        assert answer.json()["request_id"] == answer.headers["x-request-id"]


def test_access_log_has_route_status_and_id_but_no_personal_data(client, caplog):
    caplog.set_level(logging.INFO, logger="recsvc")
    client.post(
        "/recommend", json={"employee_id": SECRET_EMPLOYEE}, headers={"X-Request-ID": "r-1"}
    )
    client.get(f"/employees/{SECRET_EMPLOYEE}/skill-gaps", headers={"X-Request-ID": "r-2"})
    access = [r.getMessage() for r in caplog.records if r.name == "recsvc.access"]
    assert len(access) == 2
    assert re.fullmatch(r"POST /recommend 200 [0-9.]+ms request_id=r-1 key=-", access[0])
    assert access[1].startswith("GET /employees/{employee_id}/skill-gaps 404 ")
    everything = "\n".join(r.getMessage() for r in caplog.records)
    assert SECRET_EMPLOYEE not in everything
