"""POST /events and DELETE /employees/{id} through the app (fake recommender, real store)."""

from __future__ import annotations

from typing import Any, get_args

import pytest

from recsvc.events import EVENT_KINDS
from recsvc.keys import hash_api_key
from recsvc.service.event_schemas import EventKind

ADMIN = "admin-key-for-erasure-tests"
AT = "2026-12-01T10:00:00Z"


def event(key: str, kind: str, employee: str = "E001", **fields: Any) -> dict[str, Any]:
    return {
        "idempotency_key": key,
        "kind": kind,
        "employee_id": employee,
        "occurred_at": AT,
        **fields,
    }


def served_queries(client) -> list[Any]:
    return client.app.state.holder.loaded.recommender.calls


def test_the_schema_lists_every_event_kind() -> None:
    assert get_args(EventKind) == EVENT_KINDS


def test_stored_events_reach_the_next_query(client) -> None:
    posted = client.post(
        "/events",
        json={
            "events": [
                event("a", "complete", content_id="C001", score=0.5),
                event("b", "dismiss", content_id="C002"),
                event("c", "enrol", content_id="C003"),
                event("d", "assessment", skill_id="S1", level=4.0, source="manager"),
                event("e", "click", content_id="C004"),
                event("f", "complete", employee="E002", content_id="C005"),
            ]
        },
    )
    assert posted.status_code == 200, posted.text
    assert posted.json()["stored"] == 6
    answer = client.post("/recommend", json={"employee_id": "E001", "k": 5}).json()
    assert [i["content_id"] for i in answer["items"]][:2] == ["C004", "C005"]
    query = served_queries(client)[-1]
    assert query.context.recent_content_ids == ("C001",)
    assert set(query.filters.exclude_content_ids) == {"C002", "C003"}
    (assessment,) = query.context.recent_assessments
    assert (assessment.skill_id, assessment.level, assessment.source) == ("S1", 4.0, "manager")


def test_request_facts_and_stored_facts_add_up(client) -> None:
    client.post("/events", json={"events": [event("a", "dismiss", content_id="C002")]})
    client.post(
        "/recommend",
        json={
            "employee_id": "E001",
            "context": {"recent_content_ids": ["C009"]},
            "filters": {"exclude_content_ids": ["C008"]},
        },
    )
    query = served_queries(client)[-1]
    assert query.context.recent_content_ids == ("C009",)
    assert query.filters.exclude_content_ids == ("C008", "C002")


def test_batch_entries_each_get_their_own_events(client) -> None:
    client.post(
        "/events",
        json={
            "events": [
                event("a", "complete", content_id="C001"),
                event("b", "complete", employee="E002", content_id="C003"),
            ]
        },
    )
    answer = client.post(
        "/recommend/batch",
        json={"requests": [{"employee_id": "E001", "k": 3}, {"employee_id": "E002", "k": 3}]},
    )
    first, second = answer.json()["results"]
    assert "C001" not in [i["content_id"] for i in first["items"]]
    assert "C003" not in [i["content_id"] for i in second["items"]]
    assert "C003" in [i["content_id"] for i in first["items"]]


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (event("a", "progress", content_id="C001"), "events.0.progress.progress"),
        (event("a", "assessment", level=3.0), "events.0.assessment.skill_id"),
        (event("a", "click", content_id="C001", score=0.5), "events.0.click.score"),
        (event("a", "complete", content_id="C001", score=1.5), "events.0.complete.score"),
        (event("a", "watched", content_id="C001"), "events.0"),
        ({"kind": "click", "employee_id": "E001", "content_id": "C1"}, "events.0.click"),
        ({**event("a", "click", content_id="C1"), "occurred_at": 0}, "events.0.click.occurred_at"),
    ],
)
def test_a_malformed_event_refuses_the_batch_naming_it(client, bad, field) -> None:
    answer = client.post("/events", json={"events": [bad, event("ok", "click", content_id="C001")]})
    assert answer.status_code == 422
    assert any(e["field"].startswith(field) for e in answer.json()["errors"]), answer.json()
    assert client.app.state.events.open().count() == 0  # nothing of a refused batch


def test_batches_are_bounded_by_the_setting(make_client) -> None:
    client = make_client(max_event_batch=2)
    batch = {"events": [event(str(i), "click", content_id="C001") for i in range(3)]}
    answer = client.post("/events", json=batch)
    assert answer.status_code == 422
    assert "RECSVC_MAX_EVENT_BATCH" in answer.json()["errors"][0]["msg"]


def test_with_events_off_the_routes_say_so_and_recommend_still_works(make_client) -> None:
    client = make_client(events_url="", admin_key=hash_api_key(ADMIN))
    assert (
        client.post("/events", json={"events": [event("a", "click", content_id="C1")]}).status_code
        == 404
    )
    erase = client.request("DELETE", "/employees/E001", headers={"X-Admin-Key": ADMIN})
    assert erase.status_code == 404
    assert client.post("/recommend", json={"employee_id": "E001"}).status_code == 200


def test_an_unreachable_store_is_a_503_that_names_no_database(make_client) -> None:
    client = make_client(events_url="postgresql+psycopg://u:hunter2@127.0.0.1:1/secretdb")
    posted = client.post("/events", json={"events": [event("a", "click", content_id="C1")]})
    assert posted.status_code == 503 and posted.headers["Retry-After"] == "5"
    assert "hunter2" not in posted.text and "secretdb" not in posted.text
    assert client.post("/recommend", json={"employee_id": "E001"}).status_code == 503
    assert client.get("/health").status_code == 200


def test_erasure_needs_the_admin_key_and_then_forgets_the_person(make_client) -> None:
    assert make_client().request("DELETE", "/employees/E001").status_code == 404  # no admin key
    client = make_client(admin_key=hash_api_key(ADMIN))
    client.post("/events", json={"events": [event("a", "complete", content_id="C001")]})
    assert client.request("DELETE", "/employees/E001").status_code == 401
    assert (
        client.request("DELETE", "/employees/E001", headers={"X-Admin-Key": "wrong"}).status_code
        == 403
    )
    erased = client.request("DELETE", "/employees/E001", headers={"X-Admin-Key": ADMIN})
    assert erased.status_code == 200
    assert erased.json()["events_deleted"] == 1 and erased.json()["erased"] is True
    answer = client.post("/recommend", json={"employee_id": "E001"}).json()
    assert answer["employee_id"] == "E001"
    assert answer["strategy"] == "cold_start_popularity"
    assert served_queries(client)[-1].employee_id == ""  # the core never saw the id
    assert client.get("/employees/E001/skill-gaps").status_code == 404
    late = client.post("/events", json={"events": [event("b", "click", content_id="C001")]})
    assert late.json()["discarded_erased"] == 1


def test_a_store_that_comes_back_is_reopened_without_blocking_requests(monkeypatch) -> None:
    import time

    from recsvc.errors import EventStoreError
    from recsvc.service import events as service_events

    monkeypatch.setattr(service_events, "_RETRY_OPEN_S", 0.05)
    attempts: list[float] = []

    class Opened:
        description = "event store postgresql://h/db"

    opened = Opened()

    def opener(url: str) -> Any:
        attempts.append(time.monotonic())
        if len(attempts) < 3:
            raise EventStoreError("down")
        return opened

    holder = service_events.EventsHolder("postgresql://h/db", opener=opener)
    with pytest.raises(EventStoreError):
        holder.open()  # the first attempt (the lifespan's) waits for the answer
    assert not holder.is_local
    deadline = time.monotonic() + 10
    result = None
    while result is None and time.monotonic() < deadline:
        try:
            result = holder.open()  # later calls never wait: a background retry runs
        except EventStoreError:
            time.sleep(0.01)
    assert result is opened
    assert len(attempts) == 3
