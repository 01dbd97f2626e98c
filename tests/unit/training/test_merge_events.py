"""Merging stored events into the contract tables: each dedup rule, erasure, unknown ids."""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import pytest

from contract_frames import clean
from recsvc.events import Event
from recsvc.events.store import EventStore
from recsvc.training.events import merge_events


def at(day: int) -> datetime:
    return datetime(2026, 3, day, 9, 0)


@pytest.fixture
def tables() -> dict[str, pd.DataFrame]:
    return {
        "content": clean(
            "content", pd.DataFrame({"content_id": ["C1", "C2", "C3", "C4"], "title": list("abcd")})
        ),
        "employees": clean(
            "employees",
            pd.DataFrame({"employee_id": ["E1", "E2", "E3"], "manager_id": [None, "E1", "E1"]}),
        ),
        "skills": clean("skills", pd.DataFrame({"skill_id": ["S1"], "name": ["Python"]})),
        "enrolments": clean(
            "enrolments",
            pd.DataFrame(
                {
                    "employee_id": ["E1", "E1", "E2"],
                    "content_id": ["C1", "C2", "C1"],
                    "enrolled_at": [
                        "2026-03-01T09:00:00Z",
                        "2026-03-01T09:00:00Z",
                        "2026-03-01T09:00:00Z",
                    ],
                    "status": ["in_progress", "completed", "completed"],
                    "completed_at": [None, "2026-03-05T09:00:00Z", "2026-03-02T09:00:00Z"],
                    "progress": [0.3, 1.0, 1.0],
                }
            ),
        ),
        "assessments": clean(
            "assessments",
            pd.DataFrame(
                {
                    "employee_id": ["E1"],
                    "skill_id": ["S1"],
                    "level": [2.0],
                    "assessed_at": ["2026-03-01T09:00:00Z"],
                }
            ),
        ),
    }


def merged(tables, events, tmp_path, erase=()):
    store = EventStore(f"sqlite:///{tmp_path / 'events.sqlite'}")
    store.append(events)
    for who in erase:
        store.erase(who)
    try:
        return merge_events(tables, store)
    finally:
        store.dispose()


def rows(frame: pd.DataFrame, employee: str, content: str) -> pd.DataFrame:
    return frame[(frame["employee_id"] == employee) & (frame["content_id"] == content)]


def test_each_enrolment_rule(tables, tmp_path) -> None:
    out, summary = merged(
        tables,
        [
            # E1/C1 was in progress in the base: a later completion advances that row
            Event("1", "complete", "E1", at(10), content_id="C1", score=0.9),
            # E1/C2 was completed on the 5th: a repeat completion before that adds nothing
            Event("2", "complete", "E1", at(4), content_id="C2"),
            # E2/C1 ended on the 2nd: enrolling again later is a new enrolment
            Event("3", "enrol", "E2", at(20), content_id="C1"),
            # E3/C3 is new: enrol then drop fold into one dropped enrolment
            Event("4", "enrol", "E3", at(6), content_id="C3"),
            Event("5", "drop", "E3", at(8), content_id="C3"),
            # unknown content and unknown employees are left out, like invalid rows
            Event("6", "complete", "E3", at(6), content_id="C99"),
            Event("7", "complete", "E99", at(6), content_id="C1"),
            # impressions and clicks are no enrolments
            Event("8", "click", "E3", at(6), content_id="C4"),
        ],
        tmp_path,
    )
    enrol = out["enrolments"]
    advanced = rows(enrol, "E1", "C1")
    assert len(advanced) == 1
    assert advanced["status"].iloc[0] == "completed" and advanced["score"].iloc[0] == 0.9
    assert len(rows(enrol, "E1", "C2")) == 1
    again = rows(enrol, "E2", "C1").sort_values("enrolled_at")
    assert again["status"].tolist() == ["completed", "enrolled"]
    (dropped,) = rows(enrol, "E3", "C3").itertuples()
    assert dropped.status == "dropped" and dropped.enrolled_at == pd.Timestamp(at(6), tz="UTC")
    assert rows(enrol, "E3", "C4").empty
    assert enrol.dtypes.to_dict() == tables["enrolments"].dtypes.to_dict()
    assert (summary["enrolments_added"], summary["enrolments_updated"]) == (2, 1)
    assert summary["enrolments_known"] == 1


def test_assessments_are_added_once(tables, tmp_path) -> None:
    out, summary = merged(
        tables,
        [
            Event("1", "assessment", "E1", at(1), skill_id="S1", level=2.0, source="test"),
            Event("2", "assessment", "E1", at(9), skill_id="S1", level=3.5, source="test"),
            Event("3", "assessment", "E1", at(9), skill_id="S1", level=3.5, source="test"),
            Event("4", "assessment", "E1", at(9), skill_id="S9", level=3.0, source="test"),
        ],
        tmp_path,
    )
    assert out["assessments"]["level"].tolist() == [2.0, 3.5]
    assert summary["assessments_added"] == 1


def test_erased_employees_leave_every_table(tables, tmp_path) -> None:
    out, summary = merged(
        tables, [Event("1", "complete", "E1", at(10), content_id="C3")], tmp_path, erase=["E1"]
    )
    for name in ("employees", "enrolments", "assessments"):
        assert "E1" not in set(out[name]["employee_id"])
    assert out["employees"]["manager_id"].isna().all()  # E1 managed the others
    assert summary["erased_employees_left_out"] == 1
    assert len(out["enrolments"]) == 1  # E2's own row stays
