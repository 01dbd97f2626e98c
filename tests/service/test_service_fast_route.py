"""The fast route answers exactly like FastAPI's own handler, and is the path valid bodies take."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import fastapi.routing
import orjson
import pytest
from fastapi import APIRouter, FastAPI, Request

from recsvc.keys import hash_api_key
from recsvc.service import fast_route
from recsvc.service.deps import ApiKeyDep, Served, ServedDep, get_served
from recsvc.service.fast_route import FastBodyRoute, is_json_request, plan_for
from recsvc.service.routes.recommend import router as recommend_router
from recsvc.service.schemas import RecommendRequest

KEY = "k" * 24
API_KEYS = f"lms:{hash_api_key(KEY)}"
JSON = {"Content-Type": "application/json", "X-Request-ID": "req-1"}

# (headers, body) pairs covering the happy path and every reason to leave it
CASES: list[tuple[dict[str, str], bytes]] = [
    (JSON, b'{"employee_id":"E001","k":3}'),
    (JSON, b'{"employee_id":"E002","k":2,"explain":false,"diversity":0.5}'),
    (JSON, b'{"employee_id":"new","filters":{"exclude_content_ids":["C000","C001"]}}'),
    (JSON, b'{"employee_id":"E001","context":{"recent_content_ids":["C002"],"formats":["video"]}}'),
    (JSON, b'{"employee_id":"E001","objective":"engagement","include_refreshers":true}'),
    (JSON, b'{"employee_id":"E001","objective":"balanced","include_refreshers":false}'),
    (JSON, b'{"employee_id":"E001","objective":"clicks"}'),
    (JSON, b'{"employee_id":"E001","objective":null}'),
    (JSON, b'{"employee_id":"E001","include_refreshers":"true"}'),
    (JSON, b'{"employee_id":"E001","include_refreshers":1}'),
    ({**JSON, "Content-Type": "application/json; charset=utf-8"}, b'{"employee_id":"E001"}'),
    ({**JSON, "Content-Type": "application/problem+json"}, b'{"employee_id":"E001"}'),
    ({**JSON, "Content-Type": "text/plain"}, b'{"employee_id":"E001"}'),
    ({"X-Request-ID": "req-1"}, b'{"employee_id":"E001"}'),
    (JSON, b""),
    (JSON, b"not json"),
    (JSON, b'{"employee_id":"E001"} trailing'),
    (JSON, b'\xef\xbb\xbf{"employee_id":"E001"}'),
    (JSON, '{"employee_id":"E001"}'.encode("utf-16")),
    (JSON, b'{"employee_id":"\\ud800"}'),
    (JSON, b'{"employee_id":"E001","k":"5"}'),
    (JSON, b'{"employee_id":"E001","k":5.0}'),
    (JSON, b'{"employee_id":"E001","k":1000}'),
    (JSON, b'{"employee_id":"E001","diversity":NaN}'),
    (JSON, b'{"employee_id":"E001","surprise":1}'),
    (JSON, b'{"employee_id":"E001","employee_id":"E002"}'),
    (JSON, b'{"employee_id":"E001","context":{"target_role_id":"R9"}}'),
    (JSON, b'{"employee_id":"E001","context":{"project":{"skill_ids":["S9"]}}}'),
    (JSON, b"[" * 5000 + b"]" * 5000),
]
KEY_HEADERS: list[dict[str, str]] = [
    {},
    {"X-API-Key": KEY},
    {"X-API-Key": "wrong" * 5},
    {"Authorization": f"Bearer {KEY}"},
    {"Authorization": f"Basic {KEY}"},
]


def _client(make_client, monkeypatch, *, fast: bool, **overrides: Any):
    """An app whose fast path is on or off (routes build their handlers in create_app)."""
    with monkeypatch.context() as patch:
        if not fast:
            patch.setattr(fast_route, "plan_for", lambda dependant: None)
        return make_client(**overrides)


def _answer(response) -> tuple[int, str | None, Any]:
    try:
        body = response.json()
    except ValueError:
        body = response.text
    if isinstance(body, dict):
        # recommendation ids are fresh per answer by design: compare what they name only
        for answer in [body, *body.get("results", ())]:
            if "recommendation_id" in answer:
                answer["recommendation_id"] = answer["recommendation_id"].rsplit(":", 1)[0]
    return response.status_code, response.headers.get("content-type"), body


@pytest.fixture
def pair(make_client, monkeypatch, request):
    overrides = getattr(request, "param", {})
    fast = _client(make_client, monkeypatch, fast=True, **overrides)
    slow = _client(make_client, monkeypatch, fast=False, **overrides)
    return fast, slow


@pytest.mark.parametrize(("headers", "body"), CASES)
def test_answers_equal_fastapis_own_handler(pair, headers, body):
    fast, slow = pair
    got = fast.post("/recommend", headers=headers, content=body)
    want = slow.post("/recommend", headers=headers, content=body)
    assert _answer(got) == _answer(want)


@pytest.mark.parametrize("pair", [{"api_keys": API_KEYS}], indirect=True)
@pytest.mark.parametrize("key_headers", KEY_HEADERS)
@pytest.mark.parametrize("body", [b'{"employee_id":"E001","k":2}', b'{"k":2}', b"{bad"])
def test_key_checks_equal_fastapis_own_handler(pair, key_headers, body):
    fast, slow = pair
    headers = {**JSON, **key_headers}
    got = fast.post("/recommend", headers=headers, content=body)
    want = slow.post("/recommend", headers=headers, content=body)
    assert _answer(got) == _answer(want)
    valid_key = key_headers in ({"X-API-Key": KEY}, {"Authorization": f"Bearer {KEY}"})
    if body.startswith(b'{"employee_id"'):
        assert got.status_code == (200 if valid_key else 401 if not key_headers else 403) or (
            key_headers == {"Authorization": f"Basic {KEY}"} and got.status_code == 401
        )


def test_batch_answers_equal_fastapis_own_handler(pair):
    fast, slow = pair
    for body in (
        b'{"requests":[{"employee_id":"E001","k":2},{"employee_id":"E002"}]}',
        b'{"requests":[]}',
        b'{"requests":[{"employee_id":"E001","context":{"role_id":"R9"}}]}',
    ):
        got = fast.post("/recommend/batch", headers=JSON, content=body)
        assert _answer(got) == _answer(slow.post("/recommend/batch", headers=JSON, content=body))


def test_no_bundle_falls_back_to_the_503(make_client, store):
    store.version = None
    client = make_client()
    response = client.post("/recommend", headers=JSON, content=b'{"employee_id":"E001"}')
    assert response.status_code == 503
    assert response.json()["request_id"] == "req-1"


@pytest.fixture
def solved(monkeypatch) -> list[int]:
    """Counts FastAPI's dependency solving, which only its own handler does."""
    calls: list[int] = []
    original = fastapi.routing.solve_dependencies

    async def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return await original(*args, **kwargs)

    monkeypatch.setattr(fastapi.routing, "solve_dependencies", counting)
    return calls


def test_valid_bodies_skip_fastapis_dependency_solving(client, solved):
    response = client.post("/recommend", headers=JSON, content=b'{"employee_id":"E001","k":2}')
    assert response.status_code == 200
    assert [i["content_id"] for i in response.json()["items"]] == ["C001", "C002"]
    assert solved == []
    refused = client.post("/recommend", headers=JSON, content=b'{"employee_id":"E001","k":0}')
    assert refused.status_code == 422
    assert solved == [1]


def test_fast_path_maps_objective_and_refreshers_like_fastapis(pair):
    fast, slow = pair
    body = b'{"employee_id":"E001","objective":"balanced","include_refreshers":true}'
    for client in (fast, slow):
        assert client.post("/recommend", headers=JSON, content=body).status_code == 200
    got = fast.app.state.holder.require().calls[-1]
    want = slow.app.state.holder.require().calls[-1]
    assert got == want
    assert (got.objective, got.include_refreshers) == ("balanced", True)


def test_dependency_overrides_are_honoured(client, store, solved):
    other = store.load(Path("override"))

    async def other_served(request: Request) -> Served:
        served = await get_served(request)
        return Served(other, served.settings, served.metrics, served.request_id)

    client.app.dependency_overrides[get_served] = other_served
    response = client.post("/recommend", headers=JSON, content=b'{"employee_id":"E001"}')
    assert response.status_code == 200
    assert response.json()["model_version"] == "override"
    assert solved == [1]


def test_core_runs_on_the_event_loop_thread(make_client, store, monkeypatch):
    """Inline, not in a worker thread: measured 2x the throughput (see routes/recommend.py)."""
    threads: list[int] = []
    load = store.load

    def recording_load(path: Path) -> Any:
        recommender = load(path)
        inner = recommender.recommend

        def recommend(query: Any) -> Any:
            threads.append(threading.get_ident())
            return inner(query)

        recommender.recommend = recommend
        return recommender

    monkeypatch.setattr(store, "load", recording_load)
    client = make_client()
    loop_thread = client._portal.call(threading.get_ident)
    assert client.post("/recommend", json={"employee_id": "E001"}).status_code == 200
    assert threads == [loop_thread]


def test_plan_for_takes_only_the_fast_shape():
    plans = {route.path: plan_for(route.dependant) for route in recommend_router.routes}
    assert plans["/recommend"] is not None and plans["/recommend"].model is RecommendRequest
    assert plans["/recommend"].checks_key and plans["/recommend"].served_name == "served"
    assert plans["/recommend/batch"] is not None

    router = APIRouter(route_class=FastBodyRoute, dependencies=[ApiKeyDep])

    @router.post("/sync")
    def sync_endpoint(body: RecommendRequest, served: ServedDep) -> None: ...

    @router.post("/query")
    async def with_query(body: RecommendRequest, served: ServedDep, q: int = 1) -> None: ...

    @router.post("/no-served")
    async def without_served(body: RecommendRequest) -> None: ...

    @router.post("/two-bodies")
    async def two_bodies(a: RecommendRequest, b: RecommendRequest, served: ServedDep) -> None: ...

    @router.post("/plain-body")
    async def plain_body(body: dict[str, int], served: ServedDep) -> None: ...

    assert [plan_for(route.dependant) for route in router.routes] == [None] * 5
    FastAPI().include_router(router)  # routes without the shape keep working as APIRoutes


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ([(b"content-type", b"application/json")], True),
        ([(b"content-type", b"Application/JSON ; charset=utf-8")], True),
        ([(b"content-type", b"application/jsonx")], False),
        ([(b"content-type", b"application/vnd.api+json")], False),
        ([(b"content-type", b"text/json"), (b"content-type", b"application/json")], False),
        ([], False),
    ],
)
def test_is_json_request(headers, expected):
    assert is_json_request({"headers": headers}) is expected


def test_response_bytes_are_one_orjson_document(client):
    response = client.post("/recommend", headers=JSON, content=b'{"employee_id":"E002","k":1}')
    assert orjson.loads(response.content) == response.json()
    assert response.headers["content-length"] == str(len(response.content))
