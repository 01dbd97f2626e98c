"""openapi.yaml stays equal to the app's spec, and documents every answer an LMS can get."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

import pytest
import yaml

from recsvc import contract
from recsvc.recommend.query import OBJECTIVES
from recsvc.service import schemas
from recsvc.service.spec import OPENAPI_FILE, render_openapi

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def spec() -> dict:
    return yaml.safe_load(render_openapi())


def test_committed_openapi_yaml_matches_the_app():
    committed = (ROOT / OPENAPI_FILE).read_text(encoding="utf-8")
    assert committed == render_openapi(), (
        "openapi.yaml is stale: run python tools/export_openapi.py"
    )


def test_every_operation_is_described_and_documents_its_errors(spec):
    for path, operations in spec["paths"].items():
        for method, op in operations.items():
            where = f"{method.upper()} {path}"
            assert op.get("summary") and op.get("description"), where
            responses = op["responses"]
            assert "200" in responses, where
            assert "500" in responses, where
            for status, response in responses.items():
                if status.startswith(("4", "5")):
                    content = response["content"]
                    assert list(content) == ["application/problem+json"], where
                    assert content["application/problem+json"]["schema"] == {
                        "$ref": "#/components/schemas/Problem"
                    }
            protected = path not in ("/health", "/ready", "/metrics", "/admin/reload")
            if protected:
                assert {"401", "403"} <= set(responses), where
            if op.get("requestBody") or any(p["in"] != "header" for p in op.get("parameters", [])):
                assert "422" in responses, where
            if method == "post" and path.startswith("/recommend"):
                assert "413" in responses, where


def test_every_schema_field_is_described(spec):
    for name, schema in spec["components"]["schemas"].items():
        assert schema.get("description"), name
        for field, prop in schema.get("properties", {}).items():
            assert prop.get("description"), f"{name}.{field}"


def test_examples_are_valid_requests(spec):
    examples = spec["components"]["schemas"]["RecommendRequest"]["examples"]
    assert len(examples) >= 2
    for example in examples:
        schemas.RecommendRequest.model_validate(example)
    for example in spec["components"]["schemas"]["BatchRecommendRequest"]["examples"]:
        schemas.BatchRecommendRequest.model_validate(example)
    for example in spec["components"]["schemas"]["Problem"]["examples"]:
        schemas.Problem.model_validate(example)


def test_formats_match_the_data_contract(spec):
    assert get_args(schemas.Format) == contract.CONTENT_FORMATS
    enum = spec["components"]["schemas"]["Filters"]["properties"]["formats"]["items"]["enum"]
    assert tuple(enum) == contract.CONTENT_FORMATS


def test_objectives_match_the_core(spec):
    assert get_args(schemas.Objective) == OBJECTIVES
    objective = spec["components"]["schemas"]["RecommendRequest"]["properties"]["objective"]
    assert tuple(objective["enum"]) == OBJECTIVES and objective["default"] == "need"


def test_answer_fields_of_the_core_are_documented(spec):
    item = spec["components"]["schemas"]["Item"]["properties"]
    assert (item["score"]["minimum"], item["score"]["maximum"]) == (0, 1)
    assert item["learning_value"]["minimum"] == 0
    assert (item["engagement"]["minimum"], item["engagement"]["maximum"]) == (0, 1)
    gap = spec["components"]["schemas"]["SkillGap"]["properties"]
    assert {"level_uncertainty", "evidence"} <= set(gap)
    strategy = spec["components"]["schemas"]["RecommendResponse"]["properties"]["strategy"]
    assert "cold_start_target_role" in strategy["description"]
    code = spec["components"]["schemas"]["Reason"]["properties"]["code"]["description"]
    assert "fill_in" in code and "dropped_before" in code


def test_security_schemes_are_documented(spec):
    schemes = spec["components"]["securitySchemes"]
    assert schemes["ApiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": schemes["ApiKey"]["description"],
    }
    assert schemes["Bearer"]["scheme"] == "bearer"
    assert schemes["AdminKey"]["name"] == "X-Admin-Key"


def test_settings_limits_are_in_the_spec_so_valid_means_accepted(make_client):
    from recsvc.service.spec_limits import apply_limits

    client = make_client(default_k=5, max_k=7, max_list_items=3, max_batch_size=2)
    spec = client.app.openapi()
    schemas = spec["components"]["schemas"]
    k = [b for b in schemas["RecommendRequest"]["properties"]["k"]["anyOf"] if b["type"] != "null"]
    assert k[0]["maximum"] == 7
    assert schemas["Context"]["properties"]["recent_content_ids"]["maxItems"] == 3
    assert schemas["BatchRecommendRequest"]["properties"]["requests"]["maxItems"] == 2
    assert apply_limits(spec, client.app.state.settings) == []  # every limit found its field
    # and the service holds to them: one above is refused, the limit itself taken
    assert client.post("/recommend", json={"employee_id": "E001", "k": 8}).status_code == 422
    assert client.post("/recommend", json={"employee_id": "E001", "k": 7}).status_code == 200
