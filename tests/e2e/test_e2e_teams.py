"""GET /teams/{manager_id}/skills and `recsvc report skills` on a hand-made organisation.

Known answers (``people_org.py``): the analyst lead's nine reports all need SQL, Excel and
Data visualisation, and the team's figures for those skills agree with each member's own
``/employees/{id}/skill-gaps``; the five analysts targeting the Data Scientist role get a
readiness row that agrees with their gaps against that role; the two targeting Team
Manager, and the skills only they need, are withheld (under five people); a team of three
gets its size and no figures. The skills report names Communication (every item retired)
and Leadership (taught only to level 2, needed at 3) as catalogue gaps.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from need_orgs import ROLES, NeedOrg
from people_org import (
    ANALYST_LEAD,
    SCIENCE_LEAD,
    SCIENTIST_TARGETS,
    analyst_team,
)
from typer.testing import CliRunner

from recsvc.cli import app as cli
from recsvc.config import ServeSettings
from recsvc.service.app import create_app
from recsvc.service.team_schemas import TeamSkillsResponse
from uvicorn_thread import serve_in_thread

pytestmark = pytest.mark.e2e

Json = dict[str, Any]


@pytest.fixture(scope="module")
def client(people_models: tuple[NeedOrg, Path]) -> Iterator[httpx.Client]:
    _, models = people_models
    settings = ServeSettings(models_dir=models, reload_interval_s=0, events_url=None)
    base_url, server, thread = serve_in_thread(create_app(settings), name="uvicorn-teams")
    try:
        with httpx.Client(base_url=base_url, timeout=30) as http:
            yield http
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def get(client: httpx.Client, path: str) -> Json:
    response = client.get(path)
    assert response.status_code == 200, response.text
    answer: Json = response.json()
    return answer


def test_team_gaps_agree_with_each_members_own_gaps(
    client: httpx.Client, people_models: tuple[NeedOrg, Path]
) -> None:
    org, _ = people_models
    team = get(client, f"/teams/{ANALYST_LEAD}/skills")
    TeamSkillsResponse.model_validate(team)
    assert team["team_size"] == 9 and team["withheld"] is None
    by_skill = {g["skill_id"]: g for g in team["gaps"]}
    assert {"sql", "excel", "viz"} <= set(by_skill)
    for skill in ("sql", "excel", "viz", "python", "stats"):
        if skill not in by_skill:
            continue
        gaps = []
        for member in analyst_team(org):
            own = get(client, f"/employees/{member}/skill-gaps")["gaps"]
            gaps.append(next((g["gap"] for g in own if g["skill_id"] == skill), 0.0))
        needing = [g for m, g in zip(analyst_team(org), gaps, strict=True)
                   if skill in ROLES["analyst"][1] or m in SCIENTIST_TARGETS]  # fmt: skip
        row = by_skill[skill]
        assert row["members_needing"] == len(needing)
        with_gap = sum(g >= 0.5 for g in needing)
        assert row["members_with_gap"] == (with_gap if with_gap == 0 or with_gap >= 5 else None)
        assert row["mean_gap"] == pytest.approx(sum(needing) / len(needing), abs=2e-3)
    assert all(g["members_needing"] >= 5 for g in team["gaps"])
    # Leadership and Communication: only the two who target Team Manager need them
    assert not {"lead", "comms"} & set(by_skill)
    assert team["skills_withheld"] >= 2
    # items only when in at least 5 members' lists (Python and Statistics: the 5 targeting
    # the Data Scientist role); no small count anywhere
    assert team["items"] and all(i["members"] >= 5 for i in team["items"])
    assert all(
        g["members_with_gap"] in (None, 0) or g["members_with_gap"] >= 5 for g in team["gaps"]
    )


def test_readiness_for_a_target_role_shared_by_five(client: httpx.Client) -> None:
    team = get(client, f"/teams/{ANALYST_LEAD}/skills")
    assert [r["role_id"] for r in team["readiness"]] == ["scientist"]
    row = team["readiness"][0]
    assert row["members"] == len(SCIENTIST_TARGETS)
    assert team["target_roles_withheld"] == 1  # manager: two members
    required = ROLES["scientist"][1]
    readiness, ready = [], 0
    for member in SCIENTIST_TARGETS:
        own = get(client, f"/employees/{member}/skill-gaps?role_id=scientist")["gaps"]
        gap = {g["skill_id"]: g["gap"] for g in own}
        missing = sum(imp * min(gap.get(s, 0.0), lv) for s, (lv, imp) in required.items())
        readiness.append(1 - missing / sum(imp * lv for lv, imp in required.values()))
        ready += all(gap.get(s, 0.0) < 0.5 for s in required)
    assert row["mean_readiness"] == pytest.approx(sum(readiness) / len(readiness), abs=2e-3)
    assert row["ready"] == ready


def test_a_small_team_gets_its_size_only_and_unknown_managers_404(client: httpx.Client) -> None:
    team = get(client, f"/teams/{SCIENCE_LEAD}/skills")
    assert team["team_size"] == 3
    assert "at least 5" in team["withheld"]
    assert team["gaps"] == team["readiness"] == team["items"] == []
    missing = client.get("/teams/nobody/skills")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


def test_skills_report_names_the_catalogue_gaps(
    people_models: tuple[NeedOrg, Path], tmp_path: Path
) -> None:
    _, models = people_models
    result = CliRunner().invoke(
        cli,
        ["report", "skills", "--models", str(models), "--out", str(tmp_path), "--min-group", "5"],
    )
    assert result.exit_code == 0, result.output
    report = orjson.loads((tmp_path / "skills.json").read_bytes())
    gaps = {g["skill_id"]: g for g in report["catalogue_gaps"]}
    assert set(gaps) == {"comms", "lead"}
    assert gaps["comms"]["kind"] == "no_content" and gaps["comms"]["retired_items"] == 5
    assert gaps["lead"]["kind"] == "below_level" and gaps["lead"]["highest_level_taught"] == 2
    assert all(g["people_with_gap"] >= 5 for g in gaps.values())
    assert [d["group_id"] for d in report["by_role"]]  # roles of 30 people are shown
    assert "Communication" in (tmp_path / "skills.md").read_text(encoding="utf-8")
    assert (tmp_path / "skills_by_department.png").stat().st_size > 1000
