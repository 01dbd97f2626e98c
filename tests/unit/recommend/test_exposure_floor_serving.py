"""The exposure floor while serving: configured per employee, off by default."""

from __future__ import annotations

from pathlib import Path

import pytest

from recsvc.bundle import read_bundle
from recsvc.recommend import Recommender
from recsvc.recommend.exposure_floor import FLOOR_POOL
from recsvc.recommend.query import Query


def test_an_emphasised_employee_gets_the_pool_by_learning_value(tiny_bundle_dir: Path) -> None:
    bundle = read_bundle(tiny_bundle_dir)
    plain = Recommender.from_bundle(bundle)
    employee = "analyst_000"
    floored = Recommender.from_bundle(bundle, exposure_floor={"emphasis": {employee: 1.0}})
    pool = plain.recommend(Query(employee, k=5 * FLOOR_POOL, diversity=0.0)).items
    got = floored.recommend(Query(employee, k=5, diversity=0.0)).items
    best = sorted(pool, key=lambda i: -i.learning_value)[:5]
    assert [i.learning_value for i in got] == [i.learning_value for i in best]
    scores = [i.score for i in got]
    assert scores == sorted(scores, reverse=True) and 0.0 <= min(scores) <= max(scores) <= 1.0
    # everyone else: exactly the policy's list
    other = "analyst_001"
    assert [i.content_id for i in floored.recommend(Query(other, k=5)).items] == [
        i.content_id for i in plain.recommend(Query(other, k=5)).items
    ]


def test_a_bad_floor_document_is_refused_with_the_employee_named(tiny_bundle_dir: Path) -> None:
    bundle = read_bundle(tiny_bundle_dir)
    with pytest.raises(ValueError, match="analyst_000"):
        Recommender.from_bundle(bundle, exposure_floor={"emphasis": {"analyst_000": 2.0}})
    with pytest.raises(ValueError, match="emphasis"):
        Recommender.from_bundle(bundle, exposure_floor={"nothing": 1})


def test_the_service_loader_reads_the_floor_file(tiny_bundle_dir: Path, tmp_path: Path) -> None:
    from recsvc.service.state import default_loader

    floor = tmp_path / "floor.json"
    floor.write_text('{"band": [0.8, 1.25], "emphasis": {"analyst_000": 0.5}}', encoding="utf-8")
    rec = default_loader(tiny_bundle_dir, exposure_floor_file=floor)
    assert isinstance(rec, Recommender) and rec.exposure_floor is not None
    assert rec.exposure_floor.of(rec.state.employees.get("analyst_000")) == 0.5
    assert default_loader(tiny_bundle_dir).exposure_floor is None  # type: ignore[attr-defined]
    floor.write_text("{not json", encoding="utf-8")
    with pytest.raises(ValueError, match="floor.json"):
        default_loader(tiny_bundle_dir, exposure_floor_file=floor)
