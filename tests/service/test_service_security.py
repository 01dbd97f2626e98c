"""API keys (401 missing, 403 wrong, hashed, named, never logged), the admin key, security
headers, CORS (off unless configured) and /docs (off unless configured)."""

from __future__ import annotations

import logging

import pytest

from recsvc.keys import hash_api_key

KEY_A = "alpha-key-0123456789"
KEY_B = "bravo-key-0123456789"
ADMIN = "admin-key-0123456789"
API_KEYS = f"lms:{hash_api_key(KEY_A)},hr-portal:{hash_api_key(KEY_B)}"
PROTECTED = [
    ("POST", "/recommend", {"employee_id": "E001"}),
    ("POST", "/recommend/batch", {"requests": [{"employee_id": "E001"}]}),
    ("GET", "/employees/E001/skill-gaps", None),
    ("GET", "/content/C001/similar", None),
    ("GET", "/model", None),
]


@pytest.fixture
def keyed(make_client):
    return make_client(api_keys=API_KEYS, admin_key=f"ops:{hash_api_key(ADMIN)}")


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


def test_key_names_reach_logs_and_metrics_but_keys_never_do(keyed, caplog):
    caplog.set_level(logging.DEBUG)
    keyed.post("/recommend", json={"employee_id": "E001"}, headers={"X-API-Key": KEY_A})
    keyed.get("/model", headers={"Authorization": f"Bearer {KEY_B}"})
    keyed.get("/model", headers={"X-API-Key": KEY_B})
    keyed.post("/admin/reload", headers={"X-Admin-Key": ADMIN})
    lines = [r.getMessage() for r in caplog.records if r.name == "recsvc.access"]
    assert any("/recommend 200" in line and "key=lms" in line for line in lines)
    assert any("/admin/reload 200" in line and "key=ops" in line for line in lines)
    metrics = keyed.get("/metrics").text
    assert 'recsvc_api_key_requests_total{key="lms"} 1.0' in metrics
    assert 'recsvc_api_key_requests_total{key="hr-portal"} 2.0' in metrics
    everything = "\n".join(r.getMessage() for r in caplog.records) + metrics
    for secret in (KEY_A, KEY_B, ADMIN, hash_api_key(KEY_A), hash_api_key(ADMIN)):
        assert secret not in everything


def test_admin_reload_is_404_without_an_admin_key(client):
    response = client.post("/admin/reload")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_admin_reload_needs_the_admin_key(keyed, store):
    assert keyed.post("/admin/reload").status_code == 401
    assert keyed.post("/admin/reload", headers={"X-Admin-Key": KEY_A}).status_code == 403
    ok = keyed.post("/admin/reload", headers={"X-Admin-Key": ADMIN})
    assert ok.status_code == 200
    same = {"status": "unchanged", "model_version": "v1", "previous_version": "v1"}
    assert ok.json() == {**same, "variants": [{"name": "default", **same}]}
    store.version = "v2"
    ok = keyed.post("/admin/reload", headers={"X-Admin-Key": ADMIN})
    swap = {"status": "reloaded", "model_version": "v2", "previous_version": "v1"}
    assert ok.json() == {**swap, "variants": [{"name": "default", **swap}]}
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


@pytest.mark.parametrize(
    ("method", "path"), [("GET", "/health"), ("POST", "/recommend"), ("GET", "/nowhere")]
)
def test_every_answer_carries_security_headers(client, method, path):
    response = client.request(method, path, json={"employee_id": "E001"})
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "no-store"
    assert (
        response.headers["content-security-policy"] == "default-src 'none'; frame-ancestors 'none'"
    )
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["referrer-policy"] == "no-referrer"
    assert "server" not in response.headers


def test_cors_is_off_by_default(client):
    preflight = client.request(
        "OPTIONS",
        "/recommend",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers
    simple = client.post(
        "/recommend", json={"employee_id": "E001"}, headers={"Origin": "https://evil.example"}
    )
    assert simple.status_code == 200 and "access-control-allow-origin" not in simple.headers


def test_cors_allows_only_the_listed_origins(make_client):
    client = make_client(api_keys=API_KEYS, cors_origins="https://lms.example.com")
    ask = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-api-key"}
    ok = client.request(
        "OPTIONS", "/recommend", headers={"Origin": "https://lms.example.com", **ask}
    )
    assert ok.status_code == 200  # answered before the key check, as browsers need
    assert ok.headers["access-control-allow-origin"] == "https://lms.example.com"
    assert "access-control-allow-credentials" not in ok.headers
    refused = client.request(
        "OPTIONS", "/recommend", headers={"Origin": "https://evil.example", **ask}
    )
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    answer = client.post(
        "/recommend",
        json={"employee_id": "E001"},
        headers={"Origin": "https://lms.example.com", "X-API-Key": KEY_A},
    )
    assert answer.headers["access-control-allow-origin"] == "https://lms.example.com"
    assert "x-request-id" in answer.headers["access-control-expose-headers"].lower()


def test_docs_are_off_unless_enabled(client, make_client):
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert client.get(path).status_code == 404
    docs = make_client(docs=True)
    page = docs.get("/docs")
    assert page.status_code == 200 and "swagger" in page.text.lower()
    policy = page.headers["content-security-policy"]
    assert "https://cdn.jsdelivr.net" in policy and "frame-ancestors 'none'" in policy
    assert docs.get("/openapi.json").json()["info"]["title"] == "recsvc"
    assert docs.get("/redoc").status_code == 404
