"""A/B variants over the HTTP adapter: sticky assignment, attribution, reload, readiness."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from recsvc.attribution import parse_recommendation_id
from recsvc.errors import BundleIntegrityError
from recsvc.keys import hash_api_key
from recsvc.service.schemas import ModelInfo


class TwoFolders:
    """Variant folders a and b: LATEST names <folder><n>; a version in ``broken`` fails."""

    def __init__(self, make: Callable[[str], Any]) -> None:
        self.make = make
        self.generation = {"a": 1, "b": 1}
        self.broken: set[str] = set()

    def latest(self, models_dir: Path) -> str:
        return f"{models_dir.name}{self.generation[models_dir.name]}"

    def load(self, path: Path) -> Any:
        if path.name in self.broken:
            raise BundleIntegrityError(f"checksum mismatch in {path}")
        return self.make(path.name)


@pytest.fixture
def folders(fake_recommender) -> TwoFolders:
    return TwoFolders(fake_recommender)


def _variants(tmp_path: Path) -> str:
    return f"control:0.5:{tmp_path / 'a'},candidate:0.5:{tmp_path / 'b'}"


@pytest.fixture
def ab(tmp_path: Path, folders: TwoFolders, build_client):
    return build_client(
        folders.load,
        folders.latest,
        variants=_variants(tmp_path),
        admin_key=hash_api_key(ADMIN_KEY),
    )


EMPLOYEES = [f"E{i:04d}" for i in range(200)]
ADMIN_KEY = "variants-admin-key-0123456789"


def test_each_employee_sticks_to_a_variant_and_the_id_names_it(ab):
    seen: dict[str, str] = {}
    for employee in EMPLOYEES:
        answer = ab.post("/recommend", json={"employee_id": employee, "k": 2}).json()
        variant, version = answer["variant"], answer["model_version"]
        assert (variant, version) in {("control", "a1"), ("candidate", "b1")}
        assert parse_recommendation_id(answer["recommendation_id"]) == (variant, version)
        seen[employee] = variant
    share = list(seen.values()).count("candidate") / len(seen)
    assert 0.35 < share < 0.65  # half of them, give or take chance
    again = [ab.post("/recommend", json={"employee_id": e}).json()["variant"] for e in EMPLOYEES]
    assert again == [seen[e] for e in EMPLOYEES]
    batch = ab.post(
        "/recommend/batch", json={"requests": [{"employee_id": e} for e in EMPLOYEES[:40]]}
    )
    results = batch.json()["results"]
    assert [r["variant"] for r in results] == [seen[e] for e in EMPLOYEES[:40]]
    assert {r["model_version"] for r in results} == {"a1", "b1"}
    metrics = ab.get("/metrics").text
    assert 'recsvc_variant_model_info{variant="control",version="a1"} 1.0' in metrics
    assert 'recsvc_variant_model_info{variant="candidate",version="b1"} 1.0' in metrics
    assert 'recsvc_variant_recommendations_total{variant="candidate"}' in metrics


def test_model_lists_every_variant(ab):
    info = ModelInfo.model_validate(ab.get("/model").json())
    assert info.version == "a1"  # the primary (first) variant
    assert [(v.name, v.share, v.model_version) for v in info.variants] == [
        ("control", 0.5, "a1"),
        ("candidate", 0.5, "b1"),
    ]


def test_each_variant_reloads_and_keeps_its_last_good_bundle(ab, folders):
    candidate = next(e for e in EMPLOYEES if _variant(ab, e) == "candidate")
    folders.generation = {"a": 2, "b": 2}
    folders.broken.add("b2")
    refused = ab.post("/admin/reload", headers={"X-Admin-Key": ADMIN_KEY})
    assert refused.status_code == 409
    assert "variant candidate" in refused.json()["detail"]
    # the control moved on; the candidate keeps serving its last good bundle
    assert [v["model_version"] for v in ab.get("/model").json()["variants"]] == ["a2", "b1"]
    assert ab.post("/recommend", json={"employee_id": candidate}).json()["model_version"] == "b1"
    folders.broken.clear()
    ok = ab.post("/admin/reload", headers={"X-Admin-Key": ADMIN_KEY})
    assert ok.status_code == 200
    assert [(v["name"], v["status"]) for v in ok.json()["variants"]] == [
        ("control", "unchanged"),
        ("candidate", "reloaded"),
    ]
    assert ab.post("/recommend", json={"employee_id": candidate}).json()["model_version"] == "b2"


def _variant(client, employee: str) -> str:
    variant: str = client.post("/recommend", json={"employee_id": employee}).json()["variant"]
    return variant


def test_not_ready_until_every_variant_has_a_bundle(tmp_path, folders, build_client):
    folders.broken.add("b1")
    client = build_client(folders.load, folders.latest, variants=_variants(tmp_path))
    ready = client.get("/ready")
    assert ready.status_code == 503
    assert "candidate" in ready.json()["detail"] and "checksum" in ready.json()["detail"]
    answers = {e: client.post("/recommend", json={"employee_id": e}) for e in EMPLOYEES[:40]}
    codes = {r.status_code for r in answers.values()}
    assert codes == {200, 503}  # the control answers; the candidate cannot yet
    batch = client.post(
        "/recommend/batch", json={"requests": [{"employee_id": e} for e in EMPLOYEES[:40]]}
    ).json()["results"]
    for employee, result in zip(EMPLOYEES[:40], batch, strict=True):
        if answers[employee].status_code == 503:
            assert result["error"]["status"] == 503
        else:
            assert result["variant"] == "control"
