"""The event store on SQLite and PostgreSQL: idempotent appends, facts, erasure, errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from event_stores import BACKENDS, store_url
from recsvc.errors import EventStoreError
from recsvc.events import Event
from recsvc.events.store import EventStore

AT = datetime(2026, 3, 2, 9, 0)


@pytest.fixture(params=BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[EventStore]:
    with store_url(request.param, tmp_path) as url:
        opened = EventStore(url)
        yield opened
        opened.dispose()


def complete(key: str, employee: str = "E1", content: str = "C1") -> Event:
    return Event(key, "complete", employee, AT, content_id=content, score=0.8)


def test_a_retried_batch_is_stored_once(store: EventStore) -> None:
    batch = [complete("k1"), complete("k2", content="C2"), complete("k1")]
    first = store.append(batch)
    again = store.append(batch)
    assert (first.stored, first.duplicate_keys) == (2, ("k1",))
    assert (again.stored, sorted(again.duplicate_keys)) == (0, ["k1", "k1", "k2"])
    assert store.count() == 2


def test_facts_reflect_completions_assessments_and_dismissals(store: EventStore) -> None:
    store.append(
        [
            complete("c1"),
            Event("a1", "assessment", "E1", AT, skill_id="S1", level=4.0, source="test"),
            Event("d1", "dismiss", "E1", AT, content_id="C7"),
            Event("e1", "enrol", "E1", AT, content_id="C8"),
            Event("i1", "impression", "E1", AT, content_id="C9"),
            complete("other", employee="E2", content="C5"),
        ]
    )
    facts = store.facts_for("E1")
    assert facts.completed == ("C1",)
    assert facts.excluded == ("C7", "C8")  # impressions change nothing
    assert facts.assessments == (("S1", 4.0, "test", AT),)
    assert store.facts_for("E3").empty


def test_events_the_bundle_was_trained_on_are_not_applied_again(store: EventStore) -> None:
    store.append([complete("c1"), Event("d1", "dismiss", "E1", AT, content_id="C7")])
    through = store.max_seq()
    store.append([complete("c2", content="C2")])
    facts = store.facts_for("E1", after_seq=through)
    assert facts.completed == ("C2",)
    assert facts.excluded == ("C7",)  # dismissals are no training data: always applied


def test_erasure_deletes_events_and_refuses_new_ones(store: EventStore) -> None:
    store.append([complete("c1"), complete("c2", content="C2"), complete("x", employee="E2")])
    assert store.erase("E1") == 2
    assert store.erase("E1") == 0  # idempotent
    assert store.is_erased("E1") and not store.is_erased("E2")
    assert store.facts_for("E1").erased
    result = store.append([complete("c3"), complete("y", employee="E2", content="C3")])
    assert (result.stored, result.discarded_erased) == (1, 1)
    assert store.count(employee_id="E1") == 0
    # the list holds hashes, never the id itself
    assert "E1" not in store.erased_keys() and len(store.erased_keys()) == 1


def test_erasure_survives_reopening(store: EventStore) -> None:
    store.erase("E1")
    url = store.engine.url.render_as_string(hide_password=False)
    store.dispose()
    reopened = EventStore(url)
    try:
        assert reopened.is_erased("E1")
    finally:
        reopened.dispose()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "not a SQLAlchemy URL"),
        ("sqlite://", "SQLite file"),
        ("sqlite:////nonexistent-folder/events.sqlite", "does not exist"),
        ("mysql://u:secret@h/db", "not supported"),
    ],
)
def test_a_bad_url_is_named_without_its_password(url: str, message: str) -> None:
    with pytest.raises(EventStoreError, match=message) as caught:
        EventStore(url)
    assert "secret" not in str(caught.value)


def test_an_unreachable_postgres_is_a_clear_error() -> None:
    with pytest.raises(EventStoreError, match="creating the tables failed") as caught:
        EventStore("postgresql+psycopg://u:secret@127.0.0.1:1/db", connect_timeout_s=2)
    assert "secret" not in str(caught.value)
