"""EventStore: events and erasures in SQL (SQLite file or PostgreSQL), committed before ack.

The service keeps no state of its own: every replica (and the trainer) reads the same
database, so what one replica acknowledged shapes the next answer of any other. SQLite runs
in WAL mode with ``synchronous=FULL`` (a commit is on disk before ``POST /events``
answers) and takes its write lock at ``BEGIN IMMEDIATE``, so concurrent writers queue on
the busy timeout instead of failing halfway through a transaction.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, Connection, Engine
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from recsvc.errors import EventStoreError
from recsvc.events.model import (
    CLICK,
    DISMISS,
    EVENT_KINDS,
    IMPRESSION,
    EmployeeFacts,
    Event,
    FactEvent,
    erasure_key,
    fold_facts,
)
from recsvc.events.tables import ERASURES, EVENTS, METADATA

__all__ = ["EVENT_COLUMNS", "AppendResult", "EventStore"]

logger = logging.getLogger(__name__)

EVENT_COLUMNS: tuple[str, ...] = tuple(c.name for c in EVENTS.columns)
#: kinds that change what the next answer holds (impressions and clicks only count)
_FACT_KINDS = tuple(k for k in EVENT_KINDS if k not in (IMPRESSION, CLICK))
#: at most this many of one employee's newest fact events shape one answer
MAX_FACT_EVENTS = 5000
_WRITE = "recsvc_write"


@dataclass(frozen=True)
class AppendResult:
    """What one append did: new events stored, retries recognised, erased people's events."""

    stored: int
    duplicate_keys: tuple[str, ...]
    discarded_erased: int


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _as_datetime(value: Any) -> datetime:
    """A stored timestamp as naive UTC datetime (SQLite's driver hands back text)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=None) if value.tzinfo is None else value
    return datetime.fromisoformat(str(value))


@dataclass(frozen=True)
class _Compiled:
    """A Core statement compiled once for one dialect, bound per call to DBAPI parameters."""

    sql: str
    compiled: Any

    @classmethod
    def of(cls, statement: sa.Select[Any], engine: Engine) -> _Compiled:
        compiled = statement.compile(dialect=engine.dialect)
        return cls(str(compiled), compiled)

    def bind(self, values: dict[str, Any]) -> tuple[str, Any]:
        params = self.compiled.construct_params(values)
        if self.compiled.positional:
            return self.sql, tuple(params[name] for name in self.compiled.positiontup)
        return self.sql, params


@dataclass(frozen=True)
class _Lookup:
    """The two statements of :meth:`EventStore.facts_for`."""

    erased: _Compiled
    events: _Compiled

    @classmethod
    def of(cls, engine: Engine) -> _Lookup:
        c = EVENTS.c
        erased = sa.select(ERASURES.c.employee_key).where(
            ERASURES.c.employee_key == sa.bindparam("employee_key", "", type_=sa.String)
        )
        events = (
            sa.select(c.seq, c.kind, c.content_id, c.skill_id, c.level, c.source, c.occurred_at)
            .where(
                (c.employee_id == sa.bindparam("employee_id", "", type_=sa.String))
                # constants written into the SQL: an expanding IN could not be compiled once
                & sa.and_(*(c.kind != sa.literal_column(f"'{k}'") for k in (IMPRESSION, CLICK)))
                & (
                    (c.seq > sa.bindparam("after_seq", 0, type_=sa.BigInteger))
                    | (c.kind == sa.literal_column(f"'{DISMISS}'"))
                )
            )
            .order_by(c.seq.desc())
            .limit(MAX_FACT_EVENTS)
        )
        return cls(_Compiled.of(erased, engine), _Compiled.of(events, engine))


class EventStore:
    """Events and the erasure list in one database reached by a SQLAlchemy URL.

    Tables are created when missing (unless ``create`` is false: readers such as the trainer
    never change a database they only read). Every failure is an :class:`EventStoreError` naming the
    database (password masked) and what failed.
    """

    def __init__(
        self,
        url: str,
        *,
        connect_timeout_s: int = 10,
        statement_timeout_ms: int = 10_000,
        pool_size: int = 8,
        create: bool = True,
    ) -> None:
        try:
            parsed = sa.make_url(url)
        except (ArgumentError, ValueError):
            raise EventStoreError(
                "RECSVC_EVENTS_URL is not a SQLAlchemy URL; use sqlite:///path/events.sqlite "
                "or postgresql+psycopg://user:password@host/db"
            ) from None
        self.description = f"event store {parsed.render_as_string(hide_password=True)}"
        self._password = parsed.password
        self.backend = parsed.get_backend_name()
        if self.backend == "sqlite":
            self._check_sqlite_path(parsed, must_exist=not create)
            self.engine = self._sqlite_engine(parsed, statement_timeout_ms, writer=create)
        elif self.backend == "postgresql":
            self.engine = self._postgres_engine(
                parsed, connect_timeout_s, statement_timeout_ms, pool_size
            )
        else:
            raise EventStoreError(
                f"{self.description}: {self.backend} is not supported; use sqlite:/// or "
                "postgresql+psycopg://"
            )
        self._insert = sqlite.insert if self.backend == "sqlite" else postgresql.insert
        self._lookup = _Lookup.of(self.engine)
        if create:
            self._create_tables()

    # -- opening -------------------------------------------------------------------------
    def _check_sqlite_path(self, url: URL, *, must_exist: bool) -> None:
        database = url.database or ""
        if database in ("", ":memory:") or database.startswith("file:"):
            raise EventStoreError(
                f"{self.description}: events need a SQLite file shared by every worker "
                "(sqlite:///relative/events.sqlite or sqlite:////absolute/events.sqlite)"
            )
        if must_exist and not Path(database).is_file():
            raise EventStoreError(f"{self.description}: SQLite file {database} does not exist")
        folder = Path(database).resolve().parent
        if not folder.is_dir():
            raise EventStoreError(
                f"{self.description}: folder {folder} does not exist; create it or point "
                "RECSVC_EVENTS_URL elsewhere"
            )

    def _sqlite_engine(self, url: URL, statement_timeout_ms: int, *, writer: bool) -> Engine:
        engine = sa.create_engine(url, connect_args={"timeout": statement_timeout_ms / 1000})

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # we send BEGIN ourselves (below)
            if not writer:
                return  # a reader leaves the file's journal mode as it found it
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _on_begin(conn: Connection) -> None:
            # a writer takes the lock up front: a deferred transaction that reads and then
            # writes can fail with "database is locked" without waiting for the timeout
            # (readers send no BEGIN: each SELECT reads one consistent snapshot by itself,
            # and a per-request read skips two statements)
            if conn.get_execution_options().get(_WRITE, False):
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine

    def _postgres_engine(
        self, url: URL, connect_timeout_s: int, statement_timeout_ms: int, pool_size: int
    ) -> Engine:
        args: dict[str, Any] = {}
        if url.get_driver_name() in ("psycopg", "psycopg2"):
            # give up connecting in time, notice a silent server within about a minute
            args = {
                "connect_timeout": connect_timeout_s,
                "keepalives": 1,
                "keepalives_idle": 30,
                "keepalives_interval": 10,
                "keepalives_count": 3,
            }
            for name in url.query:  # the URL's own settings win
                args.pop(name, None)
        try:
            engine = sa.create_engine(
                url,
                connect_args=args,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_pre_ping=True,  # a restarted server costs one retry, not an error
            )
        except (NoSuchModuleError, ModuleNotFoundError) as exc:
            raise EventStoreError(f"{self.description}: no driver for this URL ({exc})") from None

        @sa.event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute(f"SET statement_timeout = {int(statement_timeout_ms)}")
            cursor.close()
            dbapi_connection.commit()

        return engine

    def _create_tables(self) -> None:
        for attempt in (1, 2):
            try:
                METADATA.create_all(self.engine, checkfirst=True)
                return
            except SQLAlchemyError as exc:
                # two workers starting together may race to create the same table
                if attempt == 2:
                    raise self._error("creating the tables", exc) from None

    def _error(self, what: str, exc: Exception) -> EventStoreError:
        text = str(getattr(exc, "orig", None) or exc).strip()
        first = text.splitlines()[0] if text else type(exc).__name__
        if self._password:
            first = first.replace(self._password, "***")
        return EventStoreError(f"{self.description}: {what} failed ({first})")

    @contextmanager
    def _writing(self, what: str) -> Iterator[Connection]:
        """One write transaction, committed on leaving (the caller answers after that)."""
        try:
            with self.engine.connect() as conn:
                conn = conn.execution_options(**{_WRITE: True})
                with conn.begin():
                    yield conn
        except SQLAlchemyError as exc:
            raise self._error(what, exc) from None

    @contextmanager
    def _reading(self, what: str) -> Iterator[Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
        except SQLAlchemyError as exc:
            raise self._error(what, exc) from None

    def has_tables(self) -> bool:
        """True when the database holds the events table (a store was opened on it)."""
        with self._reading("reading the table list") as conn:
            return bool(sa.inspect(conn).has_table(EVENTS.name))

    def dispose(self) -> None:
        """Close pooled connections (the app's lifespan calls this on shutdown)."""
        self.engine.dispose()

    # -- writing -------------------------------------------------------------------------
    def append(self, events: Sequence[Event]) -> AppendResult:
        """Store a batch in one transaction; an idempotency key already stored is skipped.

        Events of erased employees are not stored. Returns only after the commit.
        """
        if not events:
            return AppendResult(0, (), 0)
        now = _utcnow()
        with self._writing("storing events") as conn:
            erased = self._erased_among(conn, {e.employee_id for e in events})
            rows = [
                {**asdict(e), "received_at": now} for e in events if e.employee_id not in erased
            ]
            stored: set[str] = set()
            if rows:
                statement = (
                    self._insert(EVENTS)
                    .on_conflict_do_nothing(index_elements=["idempotency_key"])
                    .returning(EVENTS.c.idempotency_key)
                )
                stored = set(conn.execute(statement, rows).scalars())
        counts = Counter(r["idempotency_key"] for r in rows)
        duplicates = tuple(
            key for key, n in counts.items() for _ in range(n - (1 if key in stored else 0))
        )
        return AppendResult(len(stored), duplicates, len(events) - len(rows))

    def erase(self, employee_id: str) -> int:
        """Forget an employee: delete their events and add them to the erasure list.

        Idempotent; returns how many events were deleted.
        """
        with self._writing("erasing an employee") as conn:
            conn.execute(
                self._insert(ERASURES)
                .values(employee_key=erasure_key(employee_id), erased_at=_utcnow())
                .on_conflict_do_nothing(index_elements=["employee_key"])
            )
            deleted = conn.execute(sa.delete(EVENTS).where(EVENTS.c.employee_id == employee_id))
        return int(deleted.rowcount)

    # -- reading -------------------------------------------------------------------------
    @staticmethod
    def _erased_among(conn: Connection, employee_ids: set[str]) -> set[str]:
        by_key = {erasure_key(e): e for e in employee_ids}
        found = conn.execute(
            sa.select(ERASURES.c.employee_key).where(ERASURES.c.employee_key.in_(list(by_key)))
        ).scalars()
        return {by_key[k] for k in found}

    def is_erased(self, employee_id: str) -> bool:
        with self._reading("reading the erasure list") as conn:
            return bool(self._erased_among(conn, {employee_id}))

    def erased_keys(self) -> frozenset[str]:
        """sha256 keys of every erased employee (see :func:`recsvc.events.erasure_key`)."""
        with self._reading("reading the erasure list") as conn:
            return frozenset(conn.execute(sa.select(ERASURES.c.employee_key)).scalars())

    def _fact_query(self, employee_ids: list[str], after_seq: int | None) -> sa.Select[Any]:
        c = EVENTS.c
        where = c.employee_id.in_(employee_ids) & c.kind.in_(_FACT_KINDS)
        if after_seq is not None:
            # what the bundle learned from stays out; dismissals are no training data
            where &= (c.seq > after_seq) | (c.kind == DISMISS)
        return sa.select(
            c.employee_id,
            c.seq,
            c.kind,
            c.content_id,
            c.skill_id,
            c.level,
            c.source,
            c.occurred_at,
        ).where(where)

    def facts_for(self, employee_id: str, *, after_seq: int | None = None) -> EmployeeFacts:
        """What the next answer for ``employee_id`` must reflect: newer events and erasure.

        ``after_seq`` is the last event the served bundle was trained on (None: none were).
        """
        (erased,), rows = self._one_employee(employee_id, after_seq)
        events = [
            FactEvent(seq, kind, content, skill, level, source, _as_datetime(at))
            for seq, kind, content, skill, level, source, at in reversed(rows)
        ]
        return fold_facts([] if erased else events, erased=bool(erased))

    def _one_employee(
        self, employee_id: str, after_seq: int | None
    ) -> tuple[tuple[int], list[tuple[Any, ...]]]:
        """The per-request read on a pooled DBAPI connection, with statements compiled once.

        This runs for every /recommend, so it skips what SQLAlchemy's execute adds per
        statement: measured 1.8 ms down to 0.14 ms per lookup (SQLite, loaded 2-core box).
        """
        values: dict[str, Any] = {
            "employee_id": employee_id,
            "employee_key": erasure_key(employee_id),
            "after_seq": -1 if after_seq is None else after_seq,
        }
        raw = None
        try:
            raw = self.engine.raw_connection()
            cursor = raw.cursor()
            try:
                cursor.execute(*self._lookup.erased.bind(values))
                erased = (len(cursor.fetchall()),)
                cursor.execute(*self._lookup.events.bind(values))
                rows = [tuple(row) for row in cursor.fetchall()]
            finally:
                cursor.close()
            raw.rollback()  # nothing was written; ends the driver's implicit transaction
        except self.engine.dialect.loaded_dbapi.Error as exc:
            if raw is not None:
                raw.invalidate()
                raw = None
            raise self._error("reading events", exc) from None
        finally:
            if raw is not None:
                raw.close()
        return erased, rows

    def facts_for_many(
        self, employee_ids: Sequence[str], *, after_seq: int | None = None
    ) -> dict[str, EmployeeFacts]:
        """:meth:`facts_for` of several employees in two statements (for batches)."""
        ids = list(dict.fromkeys(employee_ids))
        query = self._fact_query(ids, after_seq).order_by(EVENTS.c.seq.desc())
        if len(ids) == 1:
            query = query.limit(MAX_FACT_EVENTS)
        with self._reading("reading events") as conn:
            erased = self._erased_among(conn, set(ids))
            rows = conn.execute(query).all()
        per: dict[str, list[FactEvent]] = {e: [] for e in ids}
        for row in reversed(rows):
            per[row.employee_id].append(
                FactEvent(
                    row.seq,
                    row.kind,
                    row.content_id,
                    row.skill_id,
                    row.level,
                    row.source,
                    row.occurred_at,
                )
            )
        return {e: fold_facts([] if e in erased else per[e], erased=e in erased) for e in ids}

    def max_seq(self) -> int | None:
        """The newest event's ``seq`` (None while empty): the trainer's watermark."""
        with self._reading("reading events") as conn:
            value = conn.execute(sa.select(sa.func.max(EVENTS.c.seq))).scalar()
        return None if value is None else int(value)

    def count(self, **where: str) -> int:
        """Stored events, optionally only those whose columns equal the given values."""
        query = sa.select(sa.func.count()).select_from(EVENTS)
        for name, value in where.items():
            query = query.where(EVENTS.c[name] == value)
        with self._reading("counting events") as conn:
            return int(conn.execute(query).scalar_one())

    def iter_chunks(
        self,
        *,
        kinds: Sequence[str] | None = None,
        through_seq: int | None = None,
        chunksize: int = 100_000,
    ) -> Iterator[list[dict[str, Any]]]:
        """Stored events in store order, as row mappings with :data:`EVENT_COLUMNS`."""
        query = sa.select(EVENTS).order_by(EVENTS.c.seq)
        if kinds is not None:
            query = query.where(EVENTS.c.kind.in_(list(kinds)))
        if through_seq is not None:
            query = query.where(EVENTS.c.seq <= through_seq)
        with self._reading("reading events") as conn:
            result = conn.execution_options(stream_results=True).execute(query)
            while rows := result.mappings().fetchmany(chunksize):
                yield [dict(r) for r in rows]
