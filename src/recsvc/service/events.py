"""The service's side of the event store: open it, and fold stored facts into each query.

Stored events newer than the served bundle (``manifest.params.events.through_seq``, set by
the trainer when it merged events) count for the employee's next answer exactly like the
request-time facts a client may send in ``context``: completions leave the list and count
as evidence, assessments update the skill state, dismissed (and since enrolled, in
progress or dropped) items stay away. An erased employee is answered as an unknown person:
nothing from the bundle about them is used.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import anyio.to_thread

from recsvc.errors import EventStoreError
from recsvc.events.model import EmployeeFacts
from recsvc.recommend.query import AssessmentUpdate, Query, Recommendations
from recsvc.service.problems import ProblemError

if TYPE_CHECKING:
    from recsvc.events.store import EventStore
    from recsvc.service.state import RecommenderLike

__all__ = [
    "ANONYMOUS",
    "EventsHolder",
    "answer_with_events",
    "erased_check",
    "recommend_batch_with_events",
    "recommend_with_events",
    "served_employee_id",
    "trained_through",
    "with_facts",
]

logger = logging.getLogger(__name__)

#: The id an erased employee is answered as: no employee has it (ids are 1-128 chars).
ANONYMOUS = ""
_RETRY_OPEN_S = 5.0


class EventsHolder:
    """Opens the store once (at start-up, retried at most every few seconds if it failed).

    ``None`` URL: events are off; :meth:`store` is then None and routes that need the store
    answer 404.
    """

    def __init__(self, url: str | None, *, opener: Callable[[str], EventStore] | None = None):
        self.url = url
        self._opener = opener
        self._store: EventStore | None = None
        self._failure: EventStoreError | None = None
        self._failed_at = 0.0
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.url is not None

    @property
    def is_local(self) -> bool:
        """A SQLite file: reading it takes ~0.1 ms and never waits on a network."""
        return self.url is not None and self.url.startswith("sqlite")

    def open(self) -> EventStore | None:
        """The store; EventStoreError while it cannot be opened.

        The first call (the lifespan's, in a worker thread) opens it. After a failure a
        request never waits for a retry (connecting can take seconds, and /recommend may run
        on the event loop): a background thread retries at most every few seconds and the
        request gets the last failure.
        """
        if self.url is None or self._store is not None:
            return self._store
        failure = self._failure
        if failure is not None:
            self._retry_soon()
            raise failure
        with self._lock:
            if self._store is None and self._failure is None:
                self._try_open()
        if self._store is None and self._failure is not None:
            raise self._failure
        return self._store

    def _try_open(self) -> None:
        assert self.url is not None
        try:
            if self._opener is not None:
                store = self._opener(self.url)
            else:
                from recsvc.events.store import EventStore

                store = EventStore(self.url)
        except EventStoreError as error:
            self._failure, self._failed_at = error, time.monotonic()
            logger.error("event store unavailable: %s", error)
            return
        self._store, self._failure = store, None
        logger.info("event store open: %s", store.description)

    def _retry_soon(self) -> None:
        if time.monotonic() - self._failed_at < _RETRY_OPEN_S or not self._lock.acquire(False):
            return
        self._failed_at = time.monotonic()  # one retry per interval, however many requests

        def retry() -> None:
            try:
                self._try_open()
            finally:
                self._lock.release()

        threading.Thread(target=retry, name="event-store-open", daemon=True).start()

    def require(self) -> EventStore:
        """The store for routes that exist only with events on (404 while off)."""
        store = self.open()
        if store is None:
            raise ProblemError(
                404, "Events are disabled on this service; the operator sets RECSVC_EVENTS_URL."
            )
        return store

    def close(self) -> None:
        if self._store is not None:
            self._store.dispose()
            self._store = None


def trained_through(recommender: RecommenderLike) -> int | None:
    """Last stored event the bundle was trained on (None: trained without events)."""
    params = getattr(recommender.manifest, "params", None)
    events = params.get("events") if isinstance(params, Mapping) else None
    seq = events.get("through_seq") if isinstance(events, Mapping) else None
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else None


def with_facts(query: Query, facts: EmployeeFacts, recommender: RecommenderLike) -> Query:
    """``query`` with stored facts added to what the request itself said."""
    if facts.erased:
        return replace(query, employee_id=ANONYMOUS)
    if facts.empty:
        return query
    ctx, flt = query.context, query.filters
    # an assessment of a skill newer than the bundle informs nothing yet: left out
    has_skill: Callable[[str], bool] = getattr(recommender, "has_skill", lambda _s: True)
    assessments = tuple(
        AssessmentUpdate(skill, level, source, _aware(at))
        for skill, level, source, at in facts.assessments
        if has_skill(skill)
    )
    # likewise content newer than the bundle: left out here, so the answer's warnings name
    # only what the request itself sent
    has_content: Callable[[str], bool] = getattr(recommender, "has_content", lambda _c: True)
    completed = [c for c in facts.completed if has_content(c)]
    excluded = [c for c in facts.excluded if has_content(c)]
    context = replace(
        ctx,
        recent_content_ids=tuple(dict.fromkeys((*ctx.recent_content_ids, *completed))),
        recent_assessments=(*ctx.recent_assessments, *assessments),
    )
    filters = replace(
        flt,
        exclude_content_ids=tuple(dict.fromkeys((*flt.exclude_content_ids, *excluded))),
    )
    return replace(query, context=context, filters=filters)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _answer(recs: Recommendations, query: Query) -> Recommendations:
    """The answer under the id that was asked for (an erased person is served anonymously)."""
    if recs.employee_id == query.employee_id:
        return recs
    return replace(recs, employee_id=query.employee_id)


def recommend_with_events(
    recommender: RecommenderLike, events: EventsHolder | None, query: Query
) -> Recommendations:
    """One recommendation, shaped by the employee's stored events (one short read)."""
    store = events.open() if events is not None else None
    if store is None:
        return recommender.recommend(query)
    facts = store.facts_for(query.employee_id, after_seq=trained_through(recommender))
    return _answer(recommender.recommend(with_facts(query, facts, recommender)), query)


async def answer_with_events(
    recommender: RecommenderLike, events: EventsHolder | None, query: Query
) -> Recommendations:
    """:func:`recommend_with_events` for a route: inline for a SQLite store (its read costs
    less than a hop to a worker thread), in a worker thread when the store is across a
    network, so a slow or unreachable database never stalls the event loop."""
    if events is None or not events.enabled or events.is_local:
        return recommend_with_events(recommender, events, query)
    return await anyio.to_thread.run_sync(recommend_with_events, recommender, events, query)


def recommend_batch_with_events(
    recommender: RecommenderLike, events: EventsHolder | None, queries: Sequence[Query]
) -> list[Recommendations]:
    """Like :func:`recommend_with_events` for a batch, with one read for all employees."""
    store = events.open() if events is not None else None
    if store is None:
        return recommender.recommend_batch(queries)
    facts = store.facts_for_many(
        [q.employee_id for q in queries], after_seq=trained_through(recommender)
    )
    shaped = [with_facts(q, facts[q.employee_id], recommender) for q in queries]
    answers = recommender.recommend_batch(shaped)
    return [_answer(recs, q) for recs, q in zip(answers, queries, strict=True)]


def erased_check(events: EventsHolder | None) -> Callable[[str], bool]:
    """A predicate "was this employee erased?" over one read of the erasure list.

    For answers about many people at once (teams, mentor matching): an erased person is
    left out of them as if the model did not know them.
    """
    store = events.open() if events is not None else None
    if store is None:
        return lambda _employee_id: False
    keys = store.erased_keys()
    if not keys:
        return lambda _employee_id: False
    from recsvc.events.model import erasure_key

    return lambda employee_id: erasure_key(employee_id) in keys


def served_employee_id(events: EventsHolder | None, employee_id: str) -> str:
    """``employee_id``, or :data:`ANONYMOUS` when that person was erased."""
    store = events.open() if events is not None else None
    if store is not None and store.is_erased(employee_id):
        return ANONYMOUS
    return employee_id
