"""Known answers of the "need first" ranking policy, over real HTTP on a hand-made organisation.

The policy: items teaching a skill about one level above the person's estimated level, for a
skill their role, target role or project requires above that level, have learning value and
come first (reason ``skill_gap_role`` / ``skill_gap_target_role`` / ``skill_gap_project``);
items without learning value only fill the list (reason ``fill_in``); items that only teach
what the person has proven by a recent test are left out unless ``include_refreshers``;
newcomers get entry-level content for their role's (or target role's) gaps. Every item has a
``score`` in [0, 1] (non-increasing with rank), a ``learning_value`` >= 0 and an
``engagement`` in [0, 1]; ``objective`` is ``need`` (default), ``balanced`` or ``engagement``.

The organisation and why each answer is right: ``need_orgs.py``. One bundle is trained for the
module and served by real uvicorn on loopback.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from need_orgs import NeedOrg, generic_videos_org

from recsvc.config import ServeSettings
from recsvc.keys import hash_api_key
from recsvc.service.app import create_app
from uvicorn_thread import serve_in_thread

pytestmark = pytest.mark.e2e

API_KEY = "need-first-api-key-0123456789"
OBJECTIVES = ("need", "balanced", "engagement")
GAP_CODES = ("skill_gap_role", "skill_gap_target_role", "skill_gap_project")
NEW_HIRE = "new-hire-never-seen"

Json = dict[str, Any]


@dataclass
class Served:
    org: NeedOrg
    client: httpx.Client


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """Train the generic-videos organisation once and serve it for the whole module."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from recsvc.training.pipeline import train_tables

    org = generic_videos_org()
    models: Path = tmp_path_factory.mktemp("need-first-models")
    train_tables(org.tables, models, seed=42, tune_trials=1)
    values: dict[str, Any] = {
        "models_dir": models,
        "api_keys": f"need:{hash_api_key(API_KEY)}",
        "reload_interval_s": 0,
    }
    server: uvicorn.Server
    thread: threading.Thread
    base_url, server, thread = serve_in_thread(
        create_app(ServeSettings(**values)), name="uvicorn-need-first"
    )
    try:
        with httpx.Client(base_url=base_url, headers={"X-API-Key": API_KEY}, timeout=30) as client:
            yield Served(org, client)
    finally:
        server.should_exit = True
        thread.join(timeout=30)


# --- helpers ------------------------------------------------------------------------------


def recommend(served: Served, employee_id: str, **body: Any) -> Json:
    response = served.client.post("/recommend", json={"employee_id": employee_id, **body})
    assert response.status_code == 200, response.text
    answer: Json = response.json()
    return answer


def items_of(answer: Json) -> list[Json]:
    items: list[Json] = answer["items"]
    return items


def ids_of(answer: Json) -> list[str]:
    return [str(item["content_id"]) for item in items_of(answer)]


def codes_of(item: Json) -> list[str]:
    return [str(reason["code"]) for reason in item["reasons"]]


def gap_reason(item: Json) -> Json | None:
    """The item's first reason whose code starts with ``skill_gap``, if any."""
    for reason in item["reasons"]:
        if str(reason["code"]).startswith("skill_gap"):
            found: Json = reason
            return found
    return None


def show(answer: Json) -> str:
    """One line per item, for failure messages."""
    lines = [f"strategy={answer.get('strategy')}"]
    for item in items_of(answer):
        lines.append(
            f"  #{item['rank']} {item['content_id']:<14} score={item['score']!r} "
            f"lv={item.get('learning_value', '<missing>')!r} "
            f"eng={item.get('engagement', '<missing>')!r} reasons={codes_of(item)}"
        )
    return "\n".join(lines)


def is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def value_of(item: Json, answer: Json) -> float:
    """The item's learning_value, failing clearly when the answer lacks it."""
    assert "learning_value" in item, f"item without learning_value:\n{show(answer)}"
    value = item["learning_value"]
    assert is_number(value), f"learning_value {value!r} is not a number"
    return float(value)


def role_skill_levels(org: NeedOrg, content_id: str, role_id: str) -> list[int]:
    """Levels at which an item teaches skills the role requires (empty: none of them)."""
    required = org.required(role_id)
    taught = org.taught().get(content_id, {})
    return [level for skill, level in taught.items() if skill in required]


# --- 1. generic videos: the analyst's SQL gap beats what everyone watched -----------------


def test_analyst_first_gets_sql_one_level_above_not_the_popular_videos(served: Served) -> None:
    org = served.org
    answer = recommend(served, org.employee_a, k=10)
    items = items_of(answer)
    assert items, show(answer)
    first = items[0]
    assert first["content_id"] == "sql3", f"expected sql3 first:\n{show(answer)}"
    reason = gap_reason(first)
    assert reason is not None, f"sql3 without a skill_gap reason:\n{show(answer)}"
    details = reason["details"]
    assert details["skill_id"] == "sql"
    assert details["teaches_level"] == 3
    assert details["required_level"] == 3
    assert 1.5 <= details["current_level"] <= 2.5, details
    sql3_rank = first["rank"]
    for item in items:
        if item["content_id"] in org.generic_ids:
            assert item["rank"] > sql3_rank, show(answer)


def test_generic_videos_only_fill_the_list_after_every_item_with_value(served: Served) -> None:
    org = served.org
    answer = recommend(served, org.employee_a, k=20)
    items = items_of(answer)
    values = {item["content_id"]: value_of(item, answer) for item in items}
    assert values.get("sql3", 0.0) > 0, f"sql3 closes A's SQL gap:\n{show(answer)}"
    last = max((item for item in items if values[item["content_id"]] > 0), key=lambda i: i["rank"])
    for item in items:
        cid = item["content_id"]
        if cid in org.generic_ids:
            assert values[cid] == 0, f"no role needs {cid}:\n{show(answer)}"
            assert item["rank"] > last["rank"], (
                f"generic video {cid} (#{item['rank']}) ranks above {last['content_id']} "
                f"(#{last['rank']}, learning_value {values[last['content_id']]}):\n{show(answer)}"
            )
            assert "fill_in" in codes_of(item), show(answer)


@pytest.mark.parametrize(
    ("employee", "context"),
    [
        ("analyst_a", None),
        ("analyst_a", {"target_role_id": "scientist"}),
        ("analyst_p", None),
        ("analyst_00", None),
        ("scientist_03", None),
        ("manager_07", None),
        (NEW_HIRE, {"role_id": "manager"}),
    ],
)
def test_items_with_value_come_first_and_the_rest_are_fill_ins(
    served: Served, employee: str, context: Json | None
) -> None:
    body: Json = {"k": 20}
    if context is not None:
        body["context"] = context
    answer = recommend(served, employee, **body)
    first_fill_in: Json | None = None
    for item in items_of(answer):
        value = value_of(item, answer)
        where = f"#{item['rank']} {item['content_id']}"
        assert value >= 0, show(answer)
        if value > 0:
            assert "fill_in" not in codes_of(item), (
                f"{where} is a fill_in but has learning_value {value}:\n{show(answer)}"
            )
            assert first_fill_in is None, (
                f"{where} (learning_value {value}) comes after the fill-in "
                f"#{first_fill_in['rank']} {first_fill_in['content_id']}:\n{show(answer)}"
            )
            reason = gap_reason(item)
            assert reason is not None and reason["code"] in GAP_CODES, show(answer)
        else:
            first_fill_in = first_fill_in or item
            assert "fill_in" in codes_of(item), f"{where} has no value:\n{show(answer)}"


# --- 2. target role: the list moves to the target role's gap -------------------------------


def test_target_role_puts_its_gap_first_one_level_above(served: Served) -> None:
    org = served.org
    answer = recommend(served, org.employee_a, k=10, context={"target_role_id": "scientist"})
    first = items_of(answer)[0]
    assert first["content_id"] == "python2", f"expected python2 first:\n{show(answer)}"
    reason = gap_reason(first)
    assert reason is not None and reason["code"] == "skill_gap_target_role", show(answer)
    details = reason["details"]
    assert details["skill_id"] == "python"
    assert details["teaches_level"] == 2
    assert details["required_level"] == 3
    assert 0.5 <= details["current_level"] <= 1.5, details


# --- 3. new hires: entry-level content for their role's gaps -------------------------------


def test_new_hire_by_role_gets_entry_level_content_for_that_role(served: Served) -> None:
    org = served.org
    tops: dict[str, list[str]] = {}
    for role in ("analyst", "manager"):
        answer = recommend(served, NEW_HIRE, k=5, context={"role_id": role})
        assert answer["strategy"] == "cold_start_role", show(answer)
        items = items_of(answer)
        assert len(items) == 5, show(answer)
        for item in items[:3]:
            levels = role_skill_levels(org, item["content_id"], role)
            assert levels, f"{item['content_id']} teaches nothing {role} needs:\n{show(answer)}"
            assert max(levels) <= 2, f"not entry level for a new {role}:\n{show(answer)}"
        reason = gap_reason(items[0])
        assert reason is not None and reason["code"] == "skill_gap_role", show(answer)
        # entry level first: no role item at level 4-5 above one at level 1-2
        top = {
            i["rank"]: max(role_skill_levels(org, i["content_id"], role), default=0) for i in items
        }
        entry = [rank for rank, level in top.items() if 1 <= level <= 2]
        advanced = [rank for rank, level in top.items() if level >= 4]
        if entry and advanced:
            assert max(entry) < min(advanced), show(answer)
        tops[role] = ids_of(answer)
    assert tops["analyst"] != tops["manager"]
    assert set(tops["analyst"]) != set(tops["manager"])


def test_new_hire_with_only_a_target_role(served: Served) -> None:
    org = served.org
    answer = recommend(served, NEW_HIRE, k=5, context={"target_role_id": "scientist"})
    assert answer["strategy"] == "cold_start_target_role", show(answer)
    first = items_of(answer)[0]
    levels = role_skill_levels(org, first["content_id"], "scientist")
    assert levels and max(levels) <= 2, show(answer)
    reason = gap_reason(first)
    assert reason is not None and reason["code"] == "skill_gap_target_role", show(answer)


# --- 4. proven skills: refreshers stay out unless asked for --------------------------------


@pytest.mark.parametrize("employee", ["analyst_a", "analyst_p"])
def test_items_teaching_only_proven_skills_are_left_out(served: Served, employee: str) -> None:
    org = served.org
    refreshers = org.refreshers(employee)
    assert refreshers, "the organisation gives this employee refreshers to leave out"
    answer = recommend(served, employee, k=100)
    assert items_of(answer), show(answer)
    assert not set(ids_of(answer)) & refreshers, show(answer)


def test_proficient_analyst_sees_nothing_that_only_teaches_their_role_skills(
    served: Served,
) -> None:
    org = served.org
    employee = org.employee_p
    role_skills = set(org.required("analyst"))
    proven = org.proven(employee)
    assert all(proven.get(s, 0) >= lv for s, lv in org.required("analyst").items())
    taught = org.taught()
    answer = recommend(served, employee, k=100)
    for item in items_of(answer):
        skills = set(taught.get(item["content_id"], {}))
        assert not (skills and skills <= role_skills), show(answer)


def test_refreshers_come_back_when_asked_for(served: Served) -> None:
    org = served.org
    employee = org.employee_p
    answer = recommend(served, employee, k=100, include_refreshers=True)
    returned = set(ids_of(answer))
    assert returned & org.refreshers(employee), show(answer)
    assert not returned & org.taken(employee), show(answer)


# --- 5. scores, learning value and engagement on every objective ---------------------------

REQUESTS: list[tuple[str, Json]] = [
    ("analyst_a", {}),
    ("analyst_a", {"context": {"target_role_id": "scientist"}}),
    ("analyst_p", {}),
    ("analyst_00", {}),
    ("manager_07", {}),
    (NEW_HIRE, {"context": {"role_id": "scientist"}}),
    (NEW_HIRE, {}),
]


@pytest.mark.parametrize("objective", [None, *OBJECTIVES])
def test_scores_are_in_unit_interval_and_non_increasing(
    served: Served, objective: str | None
) -> None:
    for employee, extra in REQUESTS:
        body: Json = {"k": 20, **extra}
        if objective is not None:
            body["objective"] = objective
        answer = recommend(served, employee, **body)
        items = items_of(answer)
        assert items, show(answer)
        assert [item["rank"] for item in items] == list(range(1, len(items) + 1))
        scores = [item["score"] for item in items]
        assert all(is_number(s) and 0.0 <= s <= 1.0 for s in scores), show(answer)
        assert all(a >= b for a, b in zip(scores, scores[1:], strict=False)), show(answer)


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_every_item_has_learning_value_and_engagement(served: Served, objective: str) -> None:
    for employee, extra in REQUESTS:
        answer = recommend(served, employee, k=20, objective=objective, **extra)
        for item in items_of(answer):
            assert value_of(item, answer) >= 0, show(answer)
            assert "engagement" in item, f"item without engagement:\n{show(answer)}"
            engagement = item["engagement"]
            assert is_number(engagement) and 0.0 <= engagement <= 1.0, show(answer)


def test_objective_need_and_no_refreshers_are_the_defaults(served: Served) -> None:
    employee = served.org.employee_a
    default = recommend(served, employee, k=20)
    explicit = recommend(served, employee, k=20, objective="need", include_refreshers=False)
    assert [(i["content_id"], i["score"]) for i in items_of(default)] == [
        (i["content_id"], i["score"]) for i in items_of(explicit)
    ]
