"""Real uvicorn + a real trained bundle, called over HTTP the way an LMS would."""

from __future__ import annotations

import re

import httpx
import pytest

from recsvc.service.schemas import (
    BatchRecommendResponse,
    ModelInfo,
    RecommendResponse,
    SimilarResponse,
    SkillGapsResponse,
)

pytestmark = pytest.mark.e2e


def ask(http: httpx.Client, employee_id: str, **body) -> RecommendResponse:
    response = http.post("/recommend", json={"employee_id": employee_id, **body})
    assert response.status_code == 200, response.text
    return RecommendResponse.model_validate(response.json())


def ids_of(answer: RecommendResponse) -> list[str]:
    return [item.content_id for item in answer.items]


@pytest.fixture(scope="module")
def facts(trained) -> dict:
    t = trained.tables
    enrol = t["enrolments"]
    taken = enrol[enrol["status"].isin(["completed", "enrolled", "in_progress"])]
    by_employee = taken.groupby("employee_id")["content_id"].apply(set).to_dict()
    completed = enrol[enrol["status"] == "completed"].groupby("employee_id")["content_id"]
    content = t["content"].set_index("content_id")
    prereq = t["prerequisites"].groupby("content_id")["requires_content_id"].apply(set).to_dict()
    skills = t["content_skills"].groupby("content_id")["skill_id"].apply(set).to_dict()
    active_employees = sorted(by_employee, key=lambda e: -len(by_employee[e]))[:40]
    return {
        "taken": by_employee,
        "completed": completed.apply(set).to_dict(),
        "content": content,
        "retired": set(content.index[~content["active"].fillna(True).astype(bool)]),
        "prereq": prereq,
        "skills": skills,
        "employees": active_employees,
        "roles": list(t["roles"]["role_id"]),
    }


def test_known_employee_gets_explained_personalised_items(http, trained, facts):
    employee = facts["employees"][0]
    response = http.post("/recommend", json={"employee_id": employee, "k": 10})
    assert response.status_code == 200
    answer = RecommendResponse.model_validate(response.json())
    assert answer.model_version == trained.version
    assert answer.strategy == "personalised"
    assert len(answer.items) == 10 and [i.rank for i in answer.items] == list(range(1, 11))
    assert [i.score for i in answer.items] != []
    content = facts["content"]
    for item in answer.items:
        assert item.title == content.loc[item.content_id, "title"]
        assert item.format == content.loc[item.content_id, "format"]
        assert item.reasons, "every item carries at least one reason"
        assert all(r.code and r.text for r in item.reasons)
    assert answer.request_id == response.headers["x-request-id"]


def test_explain_false_gives_the_same_list_without_reasons(http, facts):
    """Reasons are built only when asked: the list is the same either way, only reasons go."""
    for employee in facts["employees"][:5]:
        asked = {"employee_id": employee, "k": 10}
        default = http.post("/recommend", json=asked)
        explained = http.post("/recommend", json={**asked, "explain": True})
        bare = http.post("/recommend", json={**asked, "explain": False})
        assert {default.status_code, explained.status_code, bare.status_code} == {200}
        with_reasons = default.json()["items"]
        assert with_reasons == explained.json()["items"]  # explain defaults to true
        assert with_reasons and all(item["reasons"] for item in with_reasons)
        without = bare.json()["items"]
        assert all(item["reasons"] == [] for item in without)
        assert [{**item, "reasons": []} for item in with_reasons] == without


def test_business_rules_hold_for_many_employees(http, facts):
    for employee in facts["employees"]:
        items = ids_of(ask(http, employee, k=20))
        assert not set(items) & facts["taken"][employee], "completed or current content returned"
        assert not set(items) & facts["retired"], "retired content returned"
        done = facts["completed"].get(employee, set())
        for content_id in items:
            assert facts["prereq"].get(content_id, set()) <= done, "prerequisite not met"


def test_request_filters_and_time_budget(http, facts):
    employee = facts["employees"][1]
    content = facts["content"]
    base = ids_of(ask(http, employee, k=10))
    answer = ask(http, employee, k=10, filters={"exclude_content_ids": base[:3]})
    assert not set(base[:3]) & set(ids_of(answer))
    videos = ask(http, employee, k=10, filters={"formats": ["video", "article"]})
    assert videos.items and {i.format for i in videos.items} <= {"video", "article"}
    short = ask(http, employee, k=10, filters={"max_duration_minutes": 30})
    assert short.items and all(i.duration_minutes <= 30 for i in short.items)
    language = content["language"].dropna().mode()[0]
    lang = ask(http, employee, k=10, filters={"languages": [language]})
    assert lang.items and all(content.loc[c, "language"] == language for c in ids_of(lang))
    budget = ask(http, employee, k=10, context={"time_budget_minutes": 120})
    assert budget.items and sum(i.duration_minutes for i in budget.items) <= 120


def test_fresh_history_in_the_request_changes_the_answer(http, facts):
    employee = facts["employees"][2]
    before = ids_of(ask(http, employee, k=10))
    after = ask(http, employee, k=10, context={"recent_content_ids": before[:3]})
    assert not set(before[:3]) & set(ids_of(after))
    assert after.strategy == "personalised_folded_in"
    assert ids_of(after) != before[3:] + ids_of(after)[7:], "the profile moved, not just a shift"


def test_answers_do_not_depend_on_earlier_requests(http, facts):
    employee = facts["employees"][3]
    first = ids_of(ask(http, employee, k=10))
    ask(http, employee, k=10, context={"recent_content_ids": first[:5]})
    ask(http, "someone-new", k=10)
    assert ids_of(ask(http, employee, k=10)) == first


def test_cold_start_by_role_and_by_popularity(http, facts):
    nobody = ask(http, "E-never-seen", k=10)
    assert nobody.strategy == "cold_start_popularity" and len(nobody.items) == 10
    role = facts["roles"][0]
    with_role = ask(http, "E-never-seen", k=10, context={"role_id": role})
    assert with_role.strategy == "cold_start_role" and len(with_role.items) == 10
    assert ids_of(with_role) != ids_of(nobody)


def test_diversity_spreads_skills_and_formats(http, facts):
    def spread(diversity: float) -> float:
        total = 0
        for employee in facts["employees"][:15]:
            items = ids_of(ask(http, employee, k=10, diversity=diversity))
            skills = set().union(*(facts["skills"].get(c, set()) for c in items))
            formats = {facts["content"].loc[c, "format"] for c in items}
            total += len(skills) + len(formats)
        return total / 15

    relevance_only, default, varied = spread(0.0), spread(0.3), spread(0.9)
    assert varied >= relevance_only
    # MMR re-ranks inside a tier only: when (nearly) every item of these lists has learning
    # value (everyone without a target role also grows toward their next role), the lists
    # can keep their skills and formats and change only their order, so require a change
    changed = any(
        ids_of(ask(http, e, k=10, diversity=0.0)) != ids_of(ask(http, e, k=10, diversity=0.9))
        for e in facts["employees"][:15]
    )
    assert varied > relevance_only or default > relevance_only or changed


def test_batch_equals_single_calls(http, facts):
    employees = facts["employees"][:5] + ["E-new"]
    response = http.post(
        "/recommend/batch", json={"requests": [{"employee_id": e, "k": 5} for e in employees]}
    )
    assert response.status_code == 200
    batch = BatchRecommendResponse.model_validate(response.json())
    assert [r.employee_id for r in batch.results] == employees
    for result, employee in zip(batch.results, employees, strict=True):
        assert ids_of(result) == ids_of(ask(http, employee, k=5))


def test_skill_gaps_similar_and_model(http, trained, facts):
    employee = facts["employees"][0]
    gaps = http.get(f"/employees/{employee}/skill-gaps")
    assert gaps.status_code == 200
    body = SkillGapsResponse.model_validate(gaps.json())
    assert body.gaps and all(
        g.gap > 0 and g.required_level > g.current_level - 1e-6 for g in body.gaps
    )
    assert any(g.content_ids for g in body.gaps)
    target = facts["roles"][-1]
    assert (
        http.get(f"/employees/{employee}/skill-gaps", params={"target_role_id": target}).status_code
        == 200
    )
    some_item = facts["content"].index[0]
    similar = SimilarResponse.model_validate(
        http.get(f"/content/{some_item}/similar", params={"k": 5}).json()
    )
    assert 0 < len(similar.items) <= 5 and some_item not in [i.content_id for i in similar.items]
    info = ModelInfo.model_validate(http.get("/model").json())
    assert info.version == trained.version and "collaborative" in info.capabilities
    assert info.row_counts["employees"] == 400
    regime = info.params["regime"]  # what the trainer found and how it validated
    assert regime["protocol"] == "employee" and regime["employees_with_history"] > 0
    assert regime["shape"] in ("steady", "waves")
    selection = info.params["selection"]  # the engagement model chosen per slice
    assert selection["warm"]["model"] in selection["warm"]["ndcg@10"]
    # the blend's paired margin over the best single candidate, and its standard error
    assert selection["warm"]["best_single"] in selection["warm"]["ndcg@10"]
    assert selection["warm"]["blend_margin_se"] > 0 and selection["warm"]["employees"] > 0


def test_error_answers_over_http(live, http, keys):
    anonymous = httpx.post(f"{live.base_url}/recommend", json={"employee_id": "E1"})
    assert anonymous.status_code == 401
    wrong = httpx.post(
        f"{live.base_url}/recommend",
        json={"employee_id": "E1"},
        headers={"X-API-Key": keys["api"] + "x"},
    )
    assert wrong.status_code == 403
    bad_k = http.post("/recommend", json={"employee_id": "E1", "k": 0})
    assert bad_k.status_code == 422
    assert bad_k.json()["errors"][0]["field"] == "k"
    assert http.get("/content/C-none/similar").status_code == 404
    assert http.get("/employees/E-none/skill-gaps").status_code == 404
    malformed = http.post("/recommend", content=b"{", headers={"content-type": "application/json"})
    assert malformed.status_code == 422
    for response in (anonymous, wrong, bad_k, malformed):
        assert response.headers["content-type"] == "application/problem+json"


def test_oversized_body_is_413_even_when_chunked(http):
    def stream():
        for _ in range(600):
            yield b" " * 1024  # 600 KiB of whitespace, no Content-Length

    response = http.post(
        "/recommend", content=stream(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


def test_metrics_over_http(http):
    http.post("/recommend", json={"employee_id": "E-metrics"})
    text = httpx.get(f"{http.base_url}/metrics").text
    assert 'route="/recommend"' in text and "E-metrics" not in text
    assert "recsvc_model_info{version=" in text


def test_ids_newer_than_the_model_are_ignored_with_warnings(http, trained, facts):
    employee = facts["employees"][1]
    plain = ask(http, employee, k=5)
    skill = sorted(facts["skills"][ids_of(plain)[0]])[0]
    body = {
        "k": 5,
        "context": {
            "role_id": "R-created-yesterday",
            "project": {"skill_ids": ["S-new", skill]},
            "recent_assessments": [{"skill_id": "S-new", "level": 3}],
            "recent_content_ids": ["C-new"],
        },
    }
    answer = ask(http, employee, **body)
    assert answer.items, "answered from what is known"
    assert [(w.code, w.field) for w in answer.warnings] == [
        ("unknown_role", "context.role_id"),
        ("unknown_skill", "context.project.skill_ids"),
        ("unknown_skill", "context.recent_assessments"),
        ("unknown_content", "context.recent_content_ids"),
    ]
    # the same answer as without the unknown parts (the project's known skill still counts)
    known = {"k": 5, "context": {"project": {"skill_ids": [skill]}}}
    assert ids_of(answer) == ids_of(ask(http, employee, **known))
    assert "GET /roles" in answer.warnings[0].text
    assert answer.recommendation_id.startswith(f"r1:default:{trained.version}:")
    gaps = http.get(f"/employees/{employee}/skill-gaps", params={"target_role_id": "R-new"})
    assert gaps.status_code == 200, gaps.text
    report = SkillGapsResponse.model_validate(gaps.json())
    assert report.warnings[0].code == "unknown_target_role"
    roles = trained.tables["employees"].set_index("employee_id")
    assert report.role_id == roles.loc[employee, "role_id"]  # the stored role, shown


def test_numbers_in_answers_carry_no_float32_noise(http, facts):
    # float32 values printed as doubles read 3.390000104904175: answers round them first
    employee = facts["employees"][2]
    first = ask(http, employee, k=5).items[0].content_id
    noisy = re.compile(r"\d\.\d{7,}")
    for response in (
        http.post("/recommend", json={"employee_id": employee, "k": 20}),
        http.get(f"/employees/{employee}/skill-gaps"),
        http.get(f"/content/{first}/similar", params={"k": 20}),
    ):
        assert response.status_code == 200
        assert noisy.findall(response.text) == [], response.request.url
