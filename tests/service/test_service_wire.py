"""Answers serialised straight from the core's dataclasses, and cached metric children."""

from __future__ import annotations

import re
from dataclasses import fields

import numpy as np
import orjson

from recsvc.recommend.query import Reason, Recommendations, RecommendedItem
from recsvc.service import convert
from recsvc.service.metrics import ServiceMetrics
from recsvc.service.schemas import Item, RecommendResponse
from recsvc.service.schemas import Reason as ReasonSchema

RECS = Recommendations(
    "E001",
    "v1",
    "personalised",
    (
        RecommendedItem(
            "C001",
            "Python \u00e9t\u00e9",
            "course",
            90.0,
            np.float32(0.75).item(),
            1,
            (Reason("skill_gap", "Builds Python.", {"level": np.float32(2.5), "ids": ["S1"]}),),
            learning_value=np.float32(1.25).item(),
            engagement=0.375,
        ),
        RecommendedItem("C002", "Talk", None, None, 0.5, 2),
    ),
)


def test_core_dataclasses_have_exactly_the_response_fields():
    # if the core grows a field, answers fall back to field-by-field dicts (slower, no leak)
    assert [f.name for f in fields(RecommendedItem)] == list(Item.model_fields)
    assert [f.name for f in fields(Reason)] == list(ReasonSchema.model_fields)
    assert convert._WIRE_SHAPED is True


def test_direct_serialisation_equals_field_by_field_and_matches_the_schema(monkeypatch):
    monkeypatch.setattr(convert, "new_recommendation_id", lambda variant, version: "r1:x:v1:0")
    direct = convert.json_response(convert.recommendations_payload(RECS, "rid")).body
    monkeypatch.setattr(convert, "_WIRE_SHAPED", False)
    by_field = convert.json_response(convert.recommendations_payload(RECS, "rid")).body
    assert direct == by_field
    document = orjson.loads(direct)
    assert RecommendResponse.model_validate(document).model_dump(mode="json") == document
    assert document["items"][0]["reasons"][0]["details"] == {"level": 2.5, "ids": ["S1"]}
    assert document["items"][1] == {
        "content_id": "C002",
        "title": "Talk",
        "format": None,
        "duration_minutes": None,
        "score": 0.5,
        "rank": 2,
        "reasons": [],
        "learning_value": 0.0,
        "engagement": 0.0,
    }
    assert document["items"][0]["learning_value"] == 1.25
    assert document["items"][0]["engagement"] == 0.375


def _sample(text: str, name: str, labels: str) -> float:
    match = re.search(rf"^{name}\{{{labels}\}} (\S+)$", text, re.MULTILINE)
    assert match, f"{name}{{{labels}}} missing"
    return float(match.group(1))


def test_observe_counts_every_request_under_its_own_labels():
    metrics = ServiceMetrics()
    for seconds in (0.0004, 0.003, 0.02):
        metrics.observe("POST", "/recommend", 200, seconds)
    metrics.observe("POST", "/recommend", 422, 0.001, "lms")
    metrics.observe("GET", "/health", 200, 0.0001)
    text = metrics.render().decode()
    requests = "recsvc_http_requests_total"
    assert _sample(text, requests, 'method="POST",route="/recommend",status="200"') == 3
    assert _sample(text, requests, 'method="POST",route="/recommend",status="422"') == 1
    assert _sample(text, requests, 'method="GET",route="/health",status="200"') == 1
    count = "recsvc_http_request_duration_seconds_count"
    assert _sample(text, count, 'method="POST",route="/recommend"') == 4
    bucket = "recsvc_http_request_duration_seconds_bucket"
    assert _sample(text, bucket, 'le="0.001",method="POST",route="/recommend"') == 2
    assert _sample(text, "recsvc_api_key_requests_total", 'key="lms"') == 1
