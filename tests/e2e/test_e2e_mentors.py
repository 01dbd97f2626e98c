"""POST /mentors/match over real HTTP on a hand-made organisation (``people_org.py``).

Known answers: ``analyst_a`` needs SQL and ``analyst_p`` proved SQL 5 in a recent test, so
they pair on SQL; nobody is matched to a mentor who did not opt in (in the mentors table or
the request); a mentor's capacity holds when several mentees want the same mentor, and
the one whose need is larger wins while the other is told the mentors are full.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from need_orgs import NeedOrg
from people_org import analyst_team

from recsvc.config import ServeSettings
from recsvc.service.app import create_app
from recsvc.service.mentor_schemas import MentorMatchResponse
from uvicorn_thread import serve_in_thread

pytestmark = pytest.mark.e2e

Json = dict[str, Any]


@dataclass
class Served:
    org: NeedOrg
    client: httpx.Client


@pytest.fixture(scope="module")
def served(people_models: tuple[NeedOrg, Path]) -> Iterator[Served]:
    org, models = people_models
    settings = ServeSettings(models_dir=models, reload_interval_s=0, events_url=None)
    base_url, server, thread = serve_in_thread(create_app(settings), name="uvicorn-people")
    try:
        with httpx.Client(base_url=base_url, timeout=30) as client:
            yield Served(org, client)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def match(served: Served, **body: Any) -> Json:
    response = served.client.post("/mentors/match", json=body)
    assert response.status_code == 200, response.text
    answer: Json = response.json()
    MentorMatchResponse.model_validate(answer)
    return answer


def test_the_mentee_gets_the_mentor_who_proved_the_skill_they_need(served: Served) -> None:
    answer = match(served, mentee_ids=[served.org.employee_a])
    assert [(p["mentee_id"], p["mentor_id"]) for p in answer["pairs"]] == [
        (served.org.employee_a, served.org.employee_p)
    ]
    pair = answer["pairs"][0]
    sql = {s["skill_id"]: s for s in pair["skills"]}["sql"]
    assert sql["mentor_level"] == 5.0
    assert sql["required_level"] == 3.0
    assert sql["mentee_level"] < 3.0
    assert "SQL" in pair["explanation"] and served.org.employee_p in pair["explanation"]
    assert answer["summary"] == {
        "mentees": 1,
        "matched": 1,
        "need_met": pair["need_met"],
        "most_need_met": pair["need_met"],
        "matched_at_most_need": 1,
        "unstable_pairs": 0,
    }
    # the table listed analyst_00 as not offering: only analyst_p was considered
    assert [m["mentor_id"] for m in answer["mentors"]] == [served.org.employee_p]


def test_nobody_is_matched_without_an_opt_in(served: Served) -> None:
    answer = match(served, mentee_ids=[served.org.employee_a], use_mentor_table=False)
    assert answer["pairs"] == []
    assert answer["unmatched"][0]["reason"] == "no_qualified_mentor"
    # opting in through the request works, and overrides the table's "not offering now"
    answer = match(
        served,
        mentee_ids=[served.org.employee_a],
        use_mentor_table=False,
        mentors=[{"employee_id": served.org.employee_p, "capacity": 1}],
    )
    assert [p["mentor_id"] for p in answer["pairs"]] == [served.org.employee_p]


def test_capacity_holds_and_the_larger_need_wins(served: Served) -> None:
    # who else among the analysts could analyst_p help, and how much, one at a time
    alone = {}
    for mentee in analyst_team(served.org):
        if mentee == served.org.employee_p:
            continue
        pairs = match(served, mentee_ids=[mentee])["pairs"]
        if pairs:
            alone[mentee] = pairs[0]["need_met"]
    assert len(alone) >= 2, alone
    answer = match(served, mentee_ids=list(alone))
    assert len(answer["pairs"]) == 1  # analyst_p has one seat
    winner = answer["pairs"][0]["mentee_id"]
    assert alone[winner] == max(alone.values())
    assert {u["reason"] for u in answer["unmatched"]} == {"mentors_full"}
    assert answer["summary"]["unstable_pairs"] == 0
    # two seats: the two largest needs
    two = match(
        served,
        mentee_ids=list(alone),
        mentors=[{"employee_id": served.org.employee_p, "capacity": 2}],
    )
    top_two = sorted(alone, key=lambda m: -alone[m])[:2]
    assert sorted(p["mentee_id"] for p in two["pairs"]) == sorted(top_two)


def test_unknown_ids_warn_and_an_empty_list_is_a_clear_422(served: Served) -> None:
    answer = match(
        served,
        mentee_ids=["nobody", served.org.employee_a, served.org.employee_a],
        mentors=[{"employee_id": "ghost", "capacity": 1}],
    )
    assert answer["unmatched"][0] == {
        "mentee_id": "nobody",
        "reason": "unknown_employee",
        "explanation": "Not in the model: no skill state.",
    }
    assert [(w["code"], w["field"]) for w in answer["warnings"]] == [
        ("unknown_employee", "mentors.0.employee_id"),
        ("unknown_employee", "mentee_ids.0"),
        ("duplicate", "mentee_ids.2"),
    ]
    assert answer["summary"]["mentees"] == 2
    # an unknown skill is left out with a warning; the known one still counts
    focused = match(served, mentee_ids=[served.org.employee_a], skill_ids=["S?", "sql"])
    assert [w["code"] for w in focused["warnings"]] == ["unknown_skill"]
    assert [s["skill_id"] for s in focused["pairs"][0]["skills"]] == ["sql"]
    empty = served.client.post("/mentors/match", json={"mentee_ids": []})
    assert empty.status_code == 422
