"""Events over real uvicorn, on SQLite and PostgreSQL: they shape the next answer, retries
store once, retraining learns from them, and erasure holds across restarts and retraining."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pytest

from conftest import ADMIN_KEY, StartServer
from event_stores import BACKENDS, store_url
from recsvc.events.store import EventStore

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

AT = "2026-12-01T10:00:00Z"


@dataclass(frozen=True)
class Org:
    source: str
    models: Path
    employee: str  # has history in the bundle


@pytest.fixture(scope="module")
def org(tmp_path_factory: pytest.TempPathFactory) -> Org:
    """A sample written as Parquet and a bundle trained from it (retrained by some tests)."""
    from recsvc.sample import generate_sample, write_sample
    from recsvc.train import train

    sample = generate_sample(300, seed=11)
    source = write_sample(sample, tmp_path_factory.mktemp("data"), "parquet")
    models = tmp_path_factory.mktemp("models")
    train(source, models, seed=42, tune_trials=1)
    enrolments = sample.tables["enrolments"]
    employee = str(enrolments.loc[enrolments["status"] == "completed", "employee_id"].iloc[0])
    return Org(source, models, employee)


@pytest.fixture(params=BACKENDS)
def events_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with store_url(request.param, tmp_path) as url:
        yield url


def event(key: str, kind: str, employee: str, **fields: Any) -> dict[str, Any]:
    return {
        "idempotency_key": key,
        "kind": kind,
        "employee_id": employee,
        "occurred_at": AT,
        **fields,
    }


def recommend(client: Any, employee: str, **body: Any) -> dict[str, Any]:
    answer = client.post("/recommend", json={"employee_id": employee, "k": 8, **body})
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def ids(answer: dict[str, Any]) -> list[str]:
    return [item["content_id"] for item in answer["items"]]


def skill_of(answer: dict[str, Any]) -> str:
    """A skill some recommended item would close a gap in."""
    for item in answer["items"]:
        for reason in item["reasons"]:
            if "skill_id" in reason.get("details", {}):
                return str(reason["details"]["skill_id"])
    raise AssertionError("no skill-gap reason in the answer")


def test_stored_events_shape_the_next_answer_as_request_facts_would(
    org: Org, events_url: str, serve: StartServer
) -> None:
    live = serve(org.models, events_url=events_url)
    plain = serve(org.models, events_url="")  # events off: facts only from the request
    with live.client() as http, plain.client() as other:
        before = recommend(http, org.employee)
        done, dismissed, skill = ids(before)[0], ids(before)[1], skill_of(before)
        posted = http.post(
            "/events",
            json={
                "events": [
                    event("e1", "complete", org.employee, content_id=done, score=0.9),
                    event("e2", "dismiss", org.employee, content_id=dismissed),
                    event("e3", "assessment", org.employee, skill_id=skill, level=5.0),
                    event("e4", "impression", org.employee, content_id=ids(before)[2]),
                ]
            },
        )
        assert posted.status_code == 200, posted.text
        assert posted.json()["stored"] == 4
        after = recommend(http, org.employee)
        assert done not in ids(after) and dismissed not in ids(after)
        assert after["strategy"] == "personalised_folded_in"
        # exactly what a client sending the same facts in the request would get
        sent = recommend(
            other,
            org.employee,
            context={
                "recent_content_ids": [done],
                "recent_assessments": [
                    {"skill_id": skill, "level": 5.0, "source": "test", "assessed_at": AT}
                ],
            },
            filters={"exclude_content_ids": [dismissed]},
        )
        assert after["items"] == sent["items"]
        # another employee's answer is untouched
        assert recommend(http, "E000002")["items"] == recommend(other, "E000002")["items"]


def test_a_retried_batch_is_stored_once(org: Org, events_url: str, serve: StartServer) -> None:
    live = serve(org.models, events_url=events_url)
    batch = {
        "events": [
            event(f"retry-{i}", "click", org.employee, content_id=f"C{i:05d}") for i in range(50)
        ]
    }
    with live.client() as http:
        first, second = http.post("/events", json=batch), http.post("/events", json=batch)
    assert (first.json()["stored"], first.json()["duplicates"]) == (50, 0)
    assert (second.json()["stored"], second.json()["duplicates"]) == (0, 50)
    store = EventStore(events_url)
    try:
        assert store.count() == 50
    finally:
        store.dispose()


def test_a_retrain_learns_the_events_and_the_service_stops_reapplying_them(
    org: Org, events_url: str, serve: StartServer, tmp_path: Path
) -> None:
    from recsvc.train import train

    models = tmp_path / "models"
    live = serve(org.models, events_url=events_url)
    with live.client() as http:
        before = recommend(http, org.employee)
        done, started = ids(before)[0], ids(before)[1]
        http.post(
            "/events",
            json={
                "events": [
                    event("r1", "enrol", org.employee, content_id=done),
                    event("r2", "complete", org.employee, content_id=done, score=0.7),
                    event("r3", "enrol", org.employee, content_id=started),
                ]
            },
        ).raise_for_status()
    result = train(org.source, models, seed=42, tune_trials=1, events=events_url)
    merged = result.manifest.params["events"]
    assert merged["events_read"] == 3
    assert merged["enrolments_added"] + merged["enrolments_updated"] == 2
    store = EventStore(events_url)
    try:
        assert merged["through_seq"] == store.max_seq()
    finally:
        store.dispose()
    retrained = serve(models, events_url=events_url)
    with retrained.client() as http:
        after = recommend(http, org.employee)
    # both items are now in the bundle's own history, so nothing is folded in again
    assert after["strategy"] == "personalised"
    assert done not in ids(after) and started not in ids(after)


def test_erasure_holds_across_restart_reload_and_retraining(
    org: Org, events_url: str, serve: StartServer, tmp_path: Path
) -> None:
    from recsvc.bundle import read_bundle
    from recsvc.train import train

    live = serve(org.models, events_url=events_url)
    who = org.employee
    with live.client() as http:
        assert recommend(http, who)["strategy"].startswith("personalised")
        http.post(
            "/events", json={"events": [event("x1", "click", who, content_id="C00001")]}
        ).raise_for_status()
        refused = http.delete(f"/employees/{who}")
        assert refused.status_code == 401  # needs the admin key
        erased = http.delete(f"/employees/{who}", headers={"X-Admin-Key": ADMIN_KEY})
        assert erased.status_code == 200, erased.text
        assert erased.json()["events_deleted"] == 1
        answer = recommend(http, who)
        assert answer["employee_id"] == who and answer["strategy"] == "cold_start_popularity"
        assert http.get(f"/employees/{who}/skill-gaps").status_code == 404
        late = http.post(
            "/events", json={"events": [event("x2", "click", who, content_id="C00002")]}
        )
        assert late.json()["discarded_erased"] == 1
        reloaded = http.post("/admin/reload", headers={"X-Admin-Key": ADMIN_KEY})
        assert reloaded.status_code == 200
        assert recommend(http, who)["strategy"] == "cold_start_popularity"
    live.stop()
    restarted = serve(org.models, events_url=events_url)
    with restarted.client() as http:
        assert recommend(http, who)["strategy"] == "cold_start_popularity"
        assert http.get(f"/employees/{who}/skill-gaps").status_code == 404
    models = tmp_path / "models"
    result = train(org.source, models, seed=42, tune_trials=1, events=events_url)
    assert result.manifest.params["events"]["erased_employees_left_out"] == 1
    bundle = read_bundle(models)
    employees = [str(e) for e in bundle.arrays["employee_ids"]]
    assert who not in employees and len(employees) > 0


def test_the_online_report_attributes_events_to_the_answer_that_showed_them(
    org: Org, events_url: str, serve: StartServer, tmp_path: Path
) -> None:
    from rich.console import Console

    from recsvc.report.online import run_online_report

    live = serve(org.models, events_url=events_url)
    with live.client() as http:
        answer = recommend(http, org.employee)
        rid = answer["recommendation_id"]
        shown = [
            event(
                f"imp-{i}",
                "impression",
                org.employee,
                content_id=item["content_id"],
                recommendation_id=rid,
                position=item["rank"],
            )
            for i, item in enumerate(answer["items"])
        ]
        first = answer["items"][0]["content_id"]
        outcomes = [
            event("clk", "click", org.employee, content_id=first, recommendation_id=rid),
            event("enr", "enrol", org.employee, content_id=first, recommendation_id=rid),
        ]
        http.post("/events", json={"events": shown + outcomes}).raise_for_status()
    run_online_report(Console(width=200), events=events_url, out=tmp_path, window_days=90)
    (row,) = orjson.loads((tmp_path / "online.json").read_bytes())["rows"]
    assert (row["variant"], row["model_version"]) == (answer["variant"], answer["model_version"])
    assert (row["impressions"], row["clicks"], row["enrols"]) == (len(answer["items"]), 1, 1)
