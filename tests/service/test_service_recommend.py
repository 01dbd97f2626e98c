"""The HTTP adapter over a fake core: request mapping, limits, field-naming 422s, batch."""

from __future__ import annotations

import pytest

from recsvc.recommend.query import OBJECTIVES, AssessmentUpdate, Context, Filters, Project
from recsvc.service.schemas import BatchRecommendResponse, RecommendResponse, SkillGapsResponse

FAILING_EMPLOYEE = "E-FAILS"  # conftest's fake core raises for this one

PROBLEM = "application/problem+json"


def test_recommend_answers_the_contract_shape(client):
    response = client.post("/recommend", json={"employee_id": "E001"})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = RecommendResponse.model_validate(response.json())
    assert body.employee_id == "E001"
    assert body.model_version == "v1"
    assert body.strategy == "personalised"
    assert [item.rank for item in body.items] == list(range(1, 11))  # default k = 10
    assert "C000" not in [item.content_id for item in body.items]  # completed in the bundle
    assert body.items[0].reasons[0].code == "popular"
    assert body.request_id == response.headers["x-request-id"]


def test_every_request_field_reaches_the_core(client, store):
    body = {
        "employee_id": "E002",
        "k": 3,
        "context": {
            "role_id": "R1",
            "target_role_id": "R2",
            "project": {"skill_ids": ["S1"], "text": "data pipelines"},
            "time_budget_minutes": 120,
            "formats": ["video"],
            "language": "en",
            "recent_content_ids": ["C000", "C001"],
            "recent_assessments": [
                {
                    "skill_id": "S2",
                    "level": 3,
                    "source": "manager",
                    "assessed_at": "2025-01-02T00:00:00Z",
                }
            ],
        },
        "filters": {
            "exclude_content_ids": ["C002"],
            "formats": ["course"],
            "max_duration_minutes": 45,
            "languages": ["en", "de"],
        },
        "explain": False,
        "diversity": 0.7,
        "objective": "balanced",
        "include_refreshers": True,
    }
    response = client.post("/recommend", json=body)
    assert response.status_code == 200
    ids = [item["content_id"] for item in response.json()["items"]]
    assert ids == ["C003", "C004", "C005"]  # recent and excluded ids are gone
    assert all(item["reasons"] == [] for item in response.json()["items"])
    query = client.app.state.holder.require().calls[-1]
    assert query.k == 3 and query.diversity == 0.7 and query.explain is False
    assert query.context.project == Project(("S1",), "data pipelines")
    assert query.context.recent_content_ids == ("C000", "C001")
    assessment = query.context.recent_assessments[0]
    assert isinstance(assessment, AssessmentUpdate)
    assert (assessment.skill_id, assessment.level, assessment.source) == ("S2", 3, "manager")
    assert assessment.assessed_at is not None and assessment.assessed_at.year == 2025
    assert query.context.formats == ("video",) and query.context.time_budget_minutes == 120
    assert query.filters == Filters(("C002",), ("course",), 45, ("en", "de"))
    assert query.objective == "balanced" and query.include_refreshers is True


def test_defaults_come_from_settings(make_client):
    client = make_client(default_k=4, diversity=0.9)
    response = client.post("/recommend", json={"employee_id": "E001"})
    assert len(response.json()["items"]) == 4
    query = client.app.state.holder.require().calls[-1]
    assert query.diversity == 0.9 and query.context == Context() and query.filters == Filters()
    assert query.objective == "need" and query.include_refreshers is False


@pytest.mark.parametrize("objective", OBJECTIVES)
def test_every_objective_reaches_the_core(client, objective):
    response = client.post("/recommend", json={"employee_id": "E001", "objective": objective})
    assert response.status_code == 200
    assert client.app.state.holder.require().calls[-1].objective == objective


def test_items_carry_learning_value_and_engagement(client):
    response = client.post("/recommend", json={"employee_id": "E002", "k": 2})
    items = RecommendResponse.model_validate(response.json()).items
    assert [(i.learning_value, i.engagement) for i in items] == [(2.0, 0.5), (1.0, 0.5)]
    assert [i.score for i in items] == sorted((i.score for i in items), reverse=True)
    assert all(0 <= i.score <= 1 for i in items)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("objective", "relevance"),
        ("objective", "Need"),
        ("objective", ""),
        ("objective", None),
        ("objective", 1),
        ("objective", ["need"]),
        ("include_refreshers", "true"),
        ("include_refreshers", 1),
        ("include_refreshers", None),
    ],
)
def test_bad_objective_or_refreshers_flag_is_422_naming_the_field(client, field, value):
    response = client.post("/recommend", json={"employee_id": "E001", field: value})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    problem = response.json()
    assert problem["type"] == "urn:recsvc:problem:validation-error"
    assert [e["field"] for e in problem["errors"]] == [field]
    assert problem["errors"][0]["loc"] == ["body", field]
    batch = client.post(
        "/recommend/batch", json={"requests": [{"employee_id": "E001", field: value}]}
    )
    assert batch.status_code == 422
    assert [e["field"] for e in batch.json()["errors"]] == [f"requests.0.{field}"]


def test_bad_objective_error_lists_the_allowed_values(client):
    response = client.post("/recommend", json={"employee_id": "E001", "objective": "clicks"})
    message = response.json()["errors"][0]["msg"]
    assert all(repr(name) in message for name in OBJECTIVES), message


def test_unknown_employee_gets_cold_start_not_error(client):
    response = client.post("/recommend", json={"employee_id": "nobody-knows-me"})
    assert response.status_code == 200
    assert response.json()["strategy"] == "cold_start_popularity"
    assert len(response.json()["items"]) == 10


def test_k_above_configured_maximum_is_422_naming_k(make_client):
    client = make_client(max_k=5, default_k=5)
    assert client.post("/recommend", json={"employee_id": "E001", "k": 5}).status_code == 200
    response = client.post("/recommend", json={"employee_id": "E001", "k": 6})
    assert response.status_code == 422
    assert response.headers["content-type"] == PROBLEM
    assert [e["field"] for e in response.json()["errors"]] == ["k"]
    assert "RECSVC_MAX_K" in response.json()["errors"][0]["msg"]


def test_long_lists_are_422_naming_each_list(make_client):
    client = make_client(max_list_items=2)
    body = {
        "employee_id": "E001",
        "context": {"recent_content_ids": ["C001", "C002", "C003"]},
        "filters": {"exclude_content_ids": ["C004", "C005", "C006"]},
    }
    response = client.post("/recommend", json=body)
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"context.recent_content_ids", "filters.exclude_content_ids"}


def test_unknown_ids_answer_with_the_cores_warnings(client):
    body = {
        "employee_id": "E001",
        "context": {
            "role_id": "R1",
            "target_role_id": "R99",
            "recent_assessments": [{"skill_id": "S404", "level": 2}],
        },
    }
    response = client.post("/recommend", json=body)
    assert response.status_code == 200
    answer = RecommendResponse.model_validate(response.json())
    assert len(answer.items) == 10
    assert [(w.code, w.field) for w in answer.warnings] == [
        ("unknown_role", "context.target_role_id"),
        ("unknown_skill", "context"),
    ]
    assert "'R99'" in answer.warnings[0].text


def test_batch_keeps_order_and_gives_each_entry_its_request_id(client):
    body = {"requests": [{"employee_id": "E002", "k": 2}, {"employee_id": "E001", "k": 1}]}
    response = client.post("/recommend/batch", json=body, headers={"X-Request-ID": "digest-42"})
    assert response.status_code == 200
    batch = BatchRecommendResponse.model_validate(response.json())
    answers = [r for r in batch.results if isinstance(r, RecommendResponse)]
    assert [r.employee_id for r in answers] == ["E002", "E001"]
    assert [len(r.items) for r in answers] == [2, 1]
    assert batch.request_id == "digest-42"
    assert [r.request_id for r in answers] == ["digest-42.0", "digest-42.1"]
    # every answer its own id, naming the variant and bundle that served it
    assert len({r.recommendation_id for r in answers}) == 2
    assert all(r.recommendation_id.startswith("r1:default:v1:") for r in answers)


def test_batch_limits_and_errors_name_the_request(make_client):
    client = make_client(max_batch_size=2)
    too_many = {"requests": [{"employee_id": f"E{i}"} for i in range(3)]}
    response = client.post("/recommend/batch", json=too_many)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "requests"
    one_fails = {
        "requests": [
            {"employee_id": "E001", "context": {"role_id": "R9"}},
            {"employee_id": FAILING_EMPLOYEE},
            {"employee_id": "E002", "k": 1},
        ]
    }
    client = make_client()
    response = client.post("/recommend/batch", json=one_fails, headers={"X-Request-ID": "b"})
    assert response.status_code == 200  # the failing entry does not sink the others
    first, second, third = response.json()["results"]
    assert first["request_id"] == "b.0" and len(first["items"]) == 10
    assert first["warnings"][0]["field"] == "context.role_id"
    assert second["request_id"] == "b.1" and second["employee_id"] == FAILING_EMPLOYEE
    assert second["error"]["status"] == 500
    assert second["error"]["request_id"] == "b.1"
    assert "failed for this one" not in second["error"]["detail"]  # no internals
    assert third["request_id"] == "b.2" and len(third["items"]) == 1
    BatchRecommendResponse.model_validate(response.json())
    assert client.post("/recommend/batch", json={"requests": []}).status_code == 422


def test_skill_gaps(make_client):
    client = make_client(content_per_gap=1)
    response = client.get("/employees/E001/skill-gaps", params={"target_role_id": "R2"})
    assert response.status_code == 200
    gap = response.json()["gaps"][0]
    assert gap == {
        "skill_id": "S1",
        "skill_name": "Python",
        "current_level": 1.0,
        "required_level": 3.0,
        "gap": 2.0,
        "weight": 0.9,
        "content_ids": ["C001"],
        "level_uncertainty": 0.4,
        "evidence": "assessed",
    }
    assert response.json()["target_role_id"] == "R2"
    SkillGapsResponse.model_validate(response.json())


def test_skill_gaps_errors(client):
    unknown = client.get("/employees/E404/skill-gaps")
    assert unknown.status_code == 404
    assert unknown.json()["type"] == "urn:recsvc:problem:unknown-employee"
    unknown_role = client.get(
        "/employees/E001/skill-gaps", params={"role_id": "R1", "target_role_id": "X"}
    )
    assert unknown_role.status_code == 200
    report = SkillGapsResponse.model_validate(unknown_role.json())
    assert (report.role_id, report.target_role_id) == ("R1", None)
    assert [(w.code, w.field) for w in report.warnings] == [("unknown_role", "target_role_id")]


def test_similar(client):
    response = client.get("/content/C001/similar", params={"k": 3})
    assert response.status_code == 200
    assert [i["content_id"] for i in response.json()["items"]] == ["C000", "C002", "C003"]
    missing = client.get("/content/C999/similar")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == PROBLEM
    assert missing.json()["type"] == "urn:recsvc:problem:unknown-content"
    assert client.get("/content/C001/similar", params={"k": 101}).status_code == 422


def test_model_info(client):
    response = client.get("/model")
    assert response.status_code == 200
    info = response.json()
    assert info["version"] == "v1"
    assert info["capabilities"] == ["cf", "skills"]
    assert info["metrics"] == {"ndcg_at_10": 0.31}
    assert info["last_reload_error"] is None
