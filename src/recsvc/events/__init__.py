"""LMS events: the store the service writes and reads, the facts they add to a request.

:mod:`~recsvc.events.model` holds the event and fact types (no SQL), :mod:`~.store` the
SQL store (SQLAlchemy Core: SQLite file by default, PostgreSQL for shared replicas).
Import :class:`~recsvc.events.store.EventStore` from its module: it loads sqlalchemy.
"""

from recsvc.events.model import (
    ASSESSMENT,
    CLICK,
    COMPLETE,
    DISMISS,
    DROP,
    ENROL,
    ENROLMENT_KINDS,
    EVENT_KINDS,
    IMPRESSION,
    PROGRESS,
    EmployeeFacts,
    Event,
    erasure_key,
)

__all__ = [
    "ASSESSMENT",
    "CLICK",
    "COMPLETE",
    "DISMISS",
    "DROP",
    "ENROL",
    "ENROLMENT_KINDS",
    "EVENT_KINDS",
    "IMPRESSION",
    "PROGRESS",
    "EmployeeFacts",
    "Event",
    "erasure_key",
]
