"""Discovery over real uvicorn: the roles, skills and content a trained bundle knows."""

from __future__ import annotations

import pytest

from recsvc.service.catalogue_schemas import (
    ContentListResponse,
    ContentResponse,
    RoleListResponse,
    SkillListResponse,
)

pytestmark = pytest.mark.e2e


def test_roles_list_every_role_with_its_metadata_a_page_at_a_time(http, trained):
    roles = trained.tables["roles"].set_index("role_id")
    first = http.get("/roles", params={"limit": 5})
    assert first.status_code == 200, first.text
    page = RoleListResponse.model_validate(first.json())
    assert page.model_version == trained.version
    assert page.total == len(roles) and page.next_offset == 5
    seen = [r.role_id for r in page.roles]
    offset = page.next_offset
    while offset is not None:
        more = RoleListResponse.model_validate(
            http.get("/roles", params={"limit": 5, "offset": offset}).json()
        )
        seen += [r.role_id for r in more.roles]
        offset = more.next_offset
    assert seen == sorted(roles.index)  # every role once, in id order
    role = page.roles[0]
    assert role.title == roles.loc[role.role_id, "title"]
    assert role.family == roles.loc[role.role_id, "family"]
    required = trained.tables["role_skills"]
    required = required[required["role_id"] == role.role_id]
    assert {s.skill_id for s in role.skills} == set(required["skill_id"])
    family = role.family
    assert family is not None
    only = RoleListResponse.model_validate(
        http.get("/roles", params={"family": family.upper(), "limit": 500}).json()
    )
    assert only.total == int((roles["family"] == family).sum())


def test_skills_filter_by_category_and_text(http, trained):
    skills = trained.tables["skills"].set_index("skill_id")
    category = str(skills["category"].dropna().iloc[0])
    page = SkillListResponse.model_validate(
        http.get("/skills", params={"category": category, "limit": 500}).json()
    )
    assert {s.skill_id for s in page.skills} == set(skills.index[skills["category"] == category])
    name = str(skills["name"].iloc[0])
    found = SkillListResponse.model_validate(
        http.get("/skills", params={"q": name[:5].lower()}).json()
    )
    assert skills.index[0] in {s.skill_id for s in found.skills}


def test_content_lists_and_shows_items_with_their_metadata(http, trained):
    content = trained.tables["content"].set_index("content_id")
    taught = trained.tables["content_skills"]
    skill = str(taught["skill_id"].iloc[0])
    listed = http.get("/content", params={"skill_id": skill, "language": "en", "limit": 500})
    assert listed.status_code == 200, listed.text
    page = ContentListResponse.model_validate(listed.json())
    teaching = set(taught.loc[taught["skill_id"] == skill, "content_id"])
    english = set(content.index[content["language"].str.startswith("en")])
    assert {i.content_id for i in page.items} == teaching & english
    item_id = page.items[0].content_id
    response = http.get(f"/content/{item_id}")
    assert response.status_code == 200
    item = ContentResponse.model_validate(response.json())
    row = content.loc[item_id]
    assert (item.title, item.format, item.provider) == (
        row["title"],
        row["format"],
        row["provider"],
    )
    assert item.difficulty == int(row["difficulty"]) and item.language == row["language"]
    assert item.duration_minutes == pytest.approx(float(row["duration_minutes"]))
    assert skill in {s.skill_id for s in item.skills}
    assert item.url == row["url"] and item.url is not None and item.url.startswith("https://")
    linkless = content.index[content["url"].isna()][0]  # mentoring and projects have none
    assert ContentResponse.model_validate(http.get(f"/content/{linkless}").json()).url is None
    retired = ContentListResponse.model_validate(
        http.get("/content", params={"active": "false", "limit": 500}).json()
    )
    assert {i.content_id for i in retired.items} == set(content.index[~content["active"]])
    missing = http.get("/content/C-created-yesterday")
    assert missing.status_code == 404
    assert "GET /content" in missing.json()["detail"]
    assert http.get("/content", params={"limit": 0}).status_code == 422
