"""Sticky A/B assignment: deterministic, in proportion to the shares, and stable under change."""

from __future__ import annotations

from pathlib import Path

import pytest

from recsvc.assignment import assign_variant, bucket
from recsvc.config import ServeSettings, VariantSpec, parse_variants

PEOPLE = [f"E{i:06d}" for i in range(20_000)]


def test_the_same_person_always_gets_the_same_variant():
    shares = [("control", 0.5), ("candidate", 0.5)]
    first = [assign_variant(e, shares, "s1") for e in PEOPLE[:500]]
    assert first == [assign_variant(e, shares, "s1") for e in PEOPLE[:500]]
    # another salt is another shuffle
    other = [assign_variant(e, shares, "s2") for e in PEOPLE[:500]]
    assert 0.3 < sum(a != b for a, b in zip(first, other, strict=True)) / 500 < 0.7


def test_variants_get_their_share_of_people():
    shares = [("control", 90), ("candidate", 10)]  # relative weights
    got = [assign_variant(e, shares, "recsvc") for e in PEOPLE]
    share = got.count("candidate") / len(got)
    assert share == pytest.approx(0.10, abs=0.01)  # binomial sd is 0.002 here
    assert 0 <= min(bucket(e, "x") for e in PEOPLE) and max(bucket(e, "x") for e in PEOPLE) < 1


def test_growing_a_variant_moves_only_the_people_it_needs():
    before = [assign_variant(e, [("control", 0.9), ("candidate", 0.1)], "s") for e in PEOPLE]
    after = [assign_variant(e, [("control", 0.8), ("candidate", 0.2)], "s") for e in PEOPLE]
    moved = [(a, b) for a, b in zip(before, after, strict=True) if a != b]
    assert set(moved) == {("control", "candidate")}  # nobody leaves the candidate
    assert len(moved) / len(PEOPLE) == pytest.approx(0.10, abs=0.01)


def test_variants_setting_parses_and_names_what_is_wrong(tmp_path: Path):
    parsed = parse_variants("control:0.9:models/a, candidate:0.1:C:/models/b")
    assert parsed == (
        VariantSpec("control", 0.9, Path("models/a")),
        VariantSpec("candidate", 0.1, Path("C:/models/b")),  # a folder may hold colons
    )
    settings = ServeSettings(variants="a:1:x,b:3:y")
    assert [v.name for v in settings.variants] == ["a", "b"]
    for bad in ("Control:1:x", "a:0:x", "a:-1:x", "a:one:x", "a:1:", "a:1:x,a:1:y", "a:nan:x"):
        with pytest.raises(ValueError, match="RECSVC_VARIANTS"):
            parse_variants(bad)
