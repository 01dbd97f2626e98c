"""Merge stored LMS events into the clean contract tables before training, deduplicated.

Enrolment events (enrol, progress, complete, drop) of one employee and item fold into one
enrolment: the latest known state of it. When the base tables already hold that enrolment
(an LMS export that caught up), the base row is kept and only advanced by newer events
(in progress -> completed, say); events no newer than the base row add nothing, and an
enrolment started after the base row's end is a new row. Assessment events become
assessment rows unless the same assessment is already there. Erased employees (the store's
erasure list) leave every table. The summary goes into the bundle's manifest
(``params.events``); its ``through_seq`` tells the service which events the bundle holds.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from recsvc.contract import ASSESSMENTS, CONTENT, EMPLOYEES, ENROLMENTS, SKILLS
from recsvc.events.model import (
    ASSESSMENT,
    COMPLETE,
    DROP,
    ENROL,
    ENROLMENT_KINDS,
    PROGRESS,
    erasure_key,
)
from recsvc.events.store import EVENT_COLUMNS, EventStore

__all__ = ["merge_events", "open_events"]

logger = logging.getLogger(__name__)

_STATUS = {ENROL: "enrolled", PROGRESS: "in_progress", DROP: "dropped", COMPLETE: "completed"}
_TERMINAL = ("completed", "dropped")


def open_events(url: str, *, required: bool) -> EventStore | None:
    """The store at ``url`` for reading; None when ``required`` is false and it has none."""
    store = EventStore(url, create=False)
    if store.has_tables():
        return store
    store.dispose()
    if required:
        from recsvc.errors import EventStoreError

        raise EventStoreError(f"{store.description}: no events table (nothing was stored yet?)")
    return None


def _read(store: EventStore, through: int) -> pd.DataFrame:
    kinds = (*ENROLMENT_KINDS, ASSESSMENT)
    rows = [row for chunk in store.iter_chunks(kinds=kinds, through_seq=through) for row in chunk]
    frame = pd.DataFrame.from_records(rows, columns=list(EVENT_COLUMNS))
    # times pandas cannot hold (before 1677 or after 2262) inform no model: left out
    at = pd.to_datetime(frame["occurred_at"], errors="coerce")
    frame["occurred_at"] = at.dt.tz_localize("UTC")
    return frame[at.notna()]


def _drop_erased(
    tables: dict[str, pd.DataFrame], erased: frozenset[str]
) -> tuple[dict[str, pd.DataFrame], int]:
    """Every row of an erased employee leaves; a manager who was erased is blanked."""
    if not erased:
        return tables, 0
    ids: set[str] = set()
    for frame in tables.values():
        for col in ("employee_id", "manager_id"):
            if col in frame.columns:
                ids.update(frame[col].dropna().unique().tolist())
    gone = {i for i in ids if erasure_key(i) in erased}
    if not gone:
        return tables, 0
    out = {}
    for name, frame in tables.items():
        if "employee_id" in frame.columns:
            frame = frame[~frame["employee_id"].isin(gone)]
        if "manager_id" in frame.columns:
            frame = frame.assign(
                manager_id=frame["manager_id"].mask(frame["manager_id"].isin(gone))
            )
        out[name] = frame.reset_index(drop=True)
    return out, len(gone)


def _known(frame: pd.DataFrame, tables: Mapping[str, pd.DataFrame]) -> pd.Series:
    """Events whose ids the clean tables know (the same references validation enforces)."""
    ok = pd.Series(True, index=frame.index)
    if EMPLOYEES in tables:
        ok &= frame["employee_id"].isin(tables[EMPLOYEES]["employee_id"])
    return ok


def _fold_enrolments(events: pd.DataFrame) -> pd.DataFrame:
    """One enrolment per employee and item: first event, furthest status, best progress."""
    ev = events.sort_values(["occurred_at", "seq"])
    rows = []
    for (employee, content), group in ev.groupby(["employee_id", "content_id"], sort=False):
        kinds = group["kind"].to_numpy()
        completes = group[kinds == COMPLETE]
        lifecycle = group[kinds != COMPLETE]
        if len(completes):
            status = "completed"
            completed_at = completes["occurred_at"].iloc[0]
            scores = completes["score"].dropna()
            score = float(scores.iloc[-1]) if len(scores) else np.nan
            progress = 1.0
        else:
            status = _STATUS[str(lifecycle["kind"].iloc[-1])]
            completed_at, score = pd.NaT, np.nan
            progress = float(group["progress"].max()) if group["progress"].notna().any() else np.nan
        rows.append(
            {
                "employee_id": employee,
                "content_id": content,
                "enrolled_at": group["occurred_at"].iloc[0],
                "status": status,
                "completed_at": completed_at,
                "progress": progress,
                "score": score,
                "last_at": group["occurred_at"].iloc[-1],
                "has_enrol": bool((kinds == ENROL).any()),
            }
        )
    return pd.DataFrame(rows)


def _latest_rows(base: pd.DataFrame) -> dict[tuple[str, str], tuple[int, Any, str]]:
    """(employee, item) -> (row position, when it last changed, status) of its latest row."""
    ends = base["completed_at"].fillna(base["enrolled_at"]).tolist()
    latest: dict[tuple[str, str], tuple[int, Any, str]] = {}
    order = np.argsort(base["enrolled_at"].to_numpy(), kind="stable")
    employees, items = base["employee_id"].tolist(), base["content_id"].tolist()
    statuses = base["status"].tolist()
    for i in order.tolist():
        latest[(employees[i], items[i])] = (i, ends[i], statuses[i])
    return latest


def _merge_enrolments(
    base: pd.DataFrame, folded: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, int]]:
    counts = {"enrolments_added": 0, "enrolments_updated": 0, "enrolments_known": 0}
    if folded.empty:
        return base, counts
    latest = _latest_rows(base)
    columns = {name: base[name].to_numpy(copy=True) for name in base.columns}
    added = []
    for row in folded.to_dict("records"):
        known = latest.get((row["employee_id"], row["content_id"]))
        if known is None:
            added.append(row)
            counts["enrolments_added"] += 1
            continue
        i, known_end, known_status = known
        if row["last_at"] <= known_end:
            counts["enrolments_known"] += 1  # the base already has all of it
        elif row["has_enrol"] and row["enrolled_at"] > known_end and known_status in _TERMINAL:
            added.append(row)  # taken again after the base row ended
            counts["enrolments_added"] += 1
        elif known_status != "completed":
            columns["status"][i] = row["status"]
            if row["status"] == "completed":
                columns["completed_at"][i] = row["completed_at"]
                columns["score"][i] = row["score"]
            if not np.isnan(row["progress"]):
                columns["progress"][i] = np.nanmax([columns["progress"][i], row["progress"]])
            counts["enrolments_updated"] += 1
        else:
            counts["enrolments_known"] += 1  # completed again without enrolling: a repeat
    merged = _conform(pd.DataFrame(columns), base)
    if added:
        extra = _conform(pd.DataFrame(added).reindex(columns=list(base.columns)), base)
        merged = pd.concat([merged, extra], ignore_index=True)
    return merged, counts


def _conform(frame: pd.DataFrame, like: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``like``'s dtypes (timestamps as UTC, even when all missing)."""
    out = {}
    for name, dtype in like.dtypes.items():
        if isinstance(dtype, pd.DatetimeTZDtype):
            out[name] = pd.to_datetime(frame[name], utc=True)
        else:
            out[name] = frame[name].astype(dtype)
    return pd.DataFrame(out, index=frame.index)


def _merge_assessments(
    base: pd.DataFrame | None, events: pd.DataFrame, skills: pd.DataFrame | None
) -> tuple[pd.DataFrame | None, int]:
    if events.empty or skills is None:
        return base, 0
    rows = events[events["skill_id"].isin(skills["skill_id"])]
    new = pd.DataFrame(
        {
            "employee_id": rows["employee_id"].to_numpy(),
            "skill_id": rows["skill_id"].to_numpy(),
            "level": rows["level"].astype("float64").to_numpy(),
            "assessed_at": rows["occurred_at"].reset_index(drop=True),  # keeps UTC dtype
            "source": rows["source"].fillna("test").to_numpy(),
            "content_id": rows["content_id"].to_numpy(),
        }
    )
    key = ["employee_id", "skill_id", "assessed_at", "level"]
    if base is not None:
        merged = pd.concat([base, _conform(new, base)], ignore_index=True)
    else:
        merged = new.astype(
            dict.fromkeys(("employee_id", "skill_id", "source", "content_id"), "string")
        )
    before = len(base) if base is not None else 0
    merged = merged.drop_duplicates(subset=key, keep="first").reset_index(drop=True)
    return merged, len(merged) - before


def merge_events(
    tables: Mapping[str, pd.DataFrame], store: EventStore
) -> tuple[dict[str, pd.DataFrame], dict[str, Any]]:
    """Clean tables with the store's events merged in, and a summary for the manifest."""
    through = store.max_seq()
    out, n_erased = _drop_erased(dict(tables), store.erased_keys())
    summary: dict[str, Any] = {
        "store": store.description.removeprefix("event store "),
        "through_seq": through,
        "erased_employees_left_out": n_erased,
    }
    if through is None:
        return out, {**summary, "events_read": 0}
    events = _read(store, through)
    events = events[_known(events, out)]
    enrol = events[events["kind"].isin(ENROLMENT_KINDS)]
    enrol = enrol[enrol["content_id"].isin(out[CONTENT]["content_id"])]
    merged, counts = _merge_enrolments(out[ENROLMENTS], _fold_enrolments(enrol))
    out[ENROLMENTS] = merged
    assessments, n_assessed = _merge_assessments(
        out.get(ASSESSMENTS), events[events["kind"] == ASSESSMENT], out.get(SKILLS)
    )
    if assessments is not None:
        out[ASSESSMENTS] = assessments
    summary.update(
        events_read=int(len(events)),
        **counts,
        assessments_added=n_assessed,
    )
    logger.info("merged events: %s", summary)
    return out, summary
