"""Recommendation ids round-trip the variant and model version that served them."""

from __future__ import annotations

import pytest

from recsvc.attribution import Attribution, new_recommendation_id, parse_recommendation_id


def test_an_id_names_its_variant_and_model_version() -> None:
    rid = new_recommendation_id("treatment-b", "20261126T185300Z-1a2b3c4-9f8e7d")
    assert parse_recommendation_id(rid) == Attribution(
        "treatment-b", "20261126T185300Z-1a2b3c4-9f8e7d"
    )


def test_ids_are_unique() -> None:
    assert len({new_recommendation_id("default", "v1") for _ in range(1000)}) == 1000


@pytest.mark.parametrize("variant", ["", "Upper", "a:b", "x" * 40])
def test_a_bad_variant_name_is_refused(variant: str) -> None:
    with pytest.raises(ValueError, match="variant"):
        new_recommendation_id(variant, "v1")


def test_a_bad_model_version_is_refused() -> None:
    with pytest.raises(ValueError, match="model version"):
        new_recommendation_id("default", "a:b")


@pytest.mark.parametrize("text", ["", "r1:default:v1", "r2:default:v1:0123456789abcdef", "x"])
def test_foreign_ids_parse_to_none(text: str) -> None:
    assert parse_recommendation_id(text) is None
