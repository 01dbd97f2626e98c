"""API keys (401 missing, 403 wrong, constant-time digests, never logged) and the admin key."""

from __future__ import annotations

import logging

import pytest
from pydantic import SecretStr

from recsvc.service.security import KeyRing

KEY_A = "alpha-key-0123456789"
KEY_B = "bravo-key-0123456789"
ADMIN = "admin-key-0123456789"
PROTECTED = [
    ("POST", "/recommend", {"employee_id": "E001"}),
    ("POST", "/recommend/batch", {"requests": [{"employee_id": "E001"}]}),
    ("GET", "/employees/E001/skill-gaps", None),
    ("GET", "/content/C001/similar", None),
    ("GET", "/model", None),
]


@pytest.fixture
def keyed(make_client):
    return make_client(api_keys=f"{KEY_A},{KEY_B}", admin_key=ADMIN)


@pytest.mark.parametrize(("method", "path", "body"), PROTECTED)
def test_protected_routes_need_a_valid_key(keyed, method, path, body):
    missing = keyed.request(method, path, json=body)
    assert missing.status_code == 401
    assert missing.headers["content-type"] == "application/problem+json"
    assert "www-authenticate" in missing.headers
    wrong = keyed.request(method, path, json=body, headers={"X-API-Key": "not-" + KEY_A})
    assert wrong.status_code == 403
    good = keyed.request(method, path, json=body, headers={"X-API-Key": KEY_B})
    assert good.status_code == 200
    bearer = keyed.request(method, path, json=body, headers={"Authorization": f"Bearer {KEY_A}"})
    assert bearer.status_code == 200


@pytest.mark.parametrize("path", ["/health", "/ready", "/metrics"])
def test_probes_stay_open(keyed, path):
    assert keyed.get(path).status_code == 200


def test_keys_never_reach_logs_or_answers(keyed, caplog):
    caplog.set_level(logging.DEBUG)
    keyed.post("/recommend", json={"employee_id": "E001"}, headers={"X-API-Key": KEY_A})
    wrong = keyed.post(
        "/recommend", json={"employee_id": "E001"}, headers={"X-API-Key": KEY_A[:-1]}
    )
    text = "\n".join(r.getMessage() for r in caplog.records)
    assert caplog.records  # the access log did write
    assert KEY_A not in text and KEY_A[:-1] not in text and KEY_A[:-1] not in wrong.text


def test_keyring_compares_digests():
    ring = KeyRing([SecretStr(KEY_A), SecretStr(KEY_B)])
    assert ring.enabled and ring.accepts(KEY_A) and ring.accepts(KEY_B)
    assert not ring.accepts(KEY_A + "x") and not ring.accepts("")
    assert KEY_A.encode() not in repr(vars(ring)).encode()
    assert not KeyRing([]).enabled


def test_admin_reload_is_404_without_an_admin_key(client):
    response = client.post("/admin/reload")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_admin_reload_needs_the_admin_key(keyed, store):
    assert keyed.post("/admin/reload").status_code == 401
    assert keyed.post("/admin/reload", headers={"X-Admin-Key": KEY_A}).status_code == 403
    ok = keyed.post("/admin/reload", headers={"X-Admin-Key": ADMIN})
    assert ok.status_code == 200
    assert ok.json() == {"status": "unchanged", "model_version": "v1", "previous_version": "v1"}
    store.version = "v2"
    ok = keyed.post("/admin/reload", headers={"X-Admin-Key": ADMIN})
    assert ok.json() == {"status": "reloaded", "model_version": "v2", "previous_version": "v1"}
    answer = keyed.post("/recommend", json={"employee_id": "E001"}, headers={"X-API-Key": KEY_A})
    assert answer.json()["model_version"] == "v2"


def test_admin_reload_refuses_a_broken_bundle_and_keeps_serving(keyed, store):
    store.version = "v2"
    store.broken.add("v2")
    refused = keyed.post("/admin/reload", headers={"X-Admin-Key": ADMIN})
    assert refused.status_code == 409
    assert refused.json()["type"] == "urn:recsvc:problem:bundle-refused"
    assert "checksum mismatch" in refused.json()["detail"]
    ready = keyed.get("/ready").json()
    assert ready["model_version"] == "v1"
    assert ready["last_reload_error"]["version"] == "v2"
    served = keyed.post("/recommend", json={"employee_id": "E001"}, headers={"X-API-Key": KEY_A})
    assert served.json()["model_version"] == "v1"
