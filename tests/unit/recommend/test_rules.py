"""Every business rule holds, including through request-time history."""

from __future__ import annotations

import pandas as pd

from recsvc import contract as c
from recsvc.recommend import Context, Filters, Query, Recommender

ALL = 40  # more than the catalogue: every allowed item comes back


def ids(rec: Recommender, query: Query) -> list[str]:
    return [i.content_id for i in rec.recommend(query).items]


def taken(tiny: dict[str, pd.DataFrame], employee: str, status: str | None = None) -> set[str]:
    e = tiny[c.ENROLMENTS]
    rows = e[e["employee_id"] == employee]
    if status:
        rows = rows[rows["status"] == status]
    return set(rows["content_id"].astype(str))


def test_completed_and_enrolled_content_never_comes_back(rec, tiny) -> None:
    for employee in ("analyst_000", "scientist_003", "manager_010"):
        got = set(ids(rec, Query(employee, k=ALL, diversity=0.0)))
        assert got and not got & taken(tiny, employee)


def test_recent_content_is_treated_as_completed(rec) -> None:
    before = ids(rec, Query("analyst_001", k=5))
    recent = Context(recent_content_ids=(before[0], "not-in-bundle"))
    answer = rec.recommend(Query("analyst_001", k=ALL, context=recent))
    assert before[0] not in [i.content_id for i in answer.items]
    assert "not-in-bundle" not in [i.content_id for i in answer.items]
    assert answer.strategy == "personalised_folded_in"


def test_retired_content_is_never_recommended(rec) -> None:
    for employee in ("manager_000", "nobody"):
        assert "lead5" not in ids(rec, Query(employee, k=ALL))


def test_prerequisites_must_be_completed_first(rec) -> None:
    newcomer = Query("nobody", k=ALL, context=Context(role_id="analyst"))
    assert "sql3" not in ids(rec, newcomer)
    ready = Query("nobody", k=ALL, context=Context(role_id="analyst", recent_content_ids=("sql2",)))
    assert "sql3" in ids(rec, ready)


def test_language_filters(rec) -> None:
    german = ids(rec, Query("nobody", k=ALL, context=Context(language="de")))
    assert german == ["xl5"]
    english = ids(rec, Query("nobody", k=ALL, filters=Filters(languages=("en",))))
    assert english and "xl5" not in english
    both = Query(
        "nobody", k=ALL, context=Context(language="de"), filters=Filters(languages=("en",))
    )
    assert ids(rec, both) == []


def test_format_filters(rec) -> None:
    got = rec.recommend(Query("nobody", k=ALL, filters=Filters(formats=("video",)))).items
    assert got and {i.format for i in got} == {"video"}
    both = Query(
        "nobody",
        k=ALL,
        context=Context(formats=("video", "article")),
        filters=Filters(formats=("article",)),
    )
    assert ids(rec, both) == ["new_sql"]


def test_duration_and_total_time_budget(rec) -> None:
    short = rec.recommend(Query("nobody", k=ALL, filters=Filters(max_duration_minutes=60))).items
    assert short and all(i.duration_minutes is not None and i.duration_minutes <= 60 for i in short)
    budget = rec.recommend(Query("nobody", k=ALL, context=Context(time_budget_minutes=100))).items
    total = sum(i.duration_minutes or 0 for i in budget)
    assert budget and total <= 100
    # greedy fill: nothing left out would still fit
    assert min(i.duration_minutes or 0 for i in short) > 100 - total or len(budget) >= 3


def test_excluded_ids_are_left_out(rec) -> None:
    first = ids(rec, Query("analyst_002", k=3))
    again = ids(rec, Query("analyst_002", k=3, filters=Filters(exclude_content_ids=(first[0],))))
    assert first[0] not in again
