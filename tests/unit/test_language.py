"""Primary language subtags."""

from __future__ import annotations

import pytest

from recsvc.language import primary_language


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("en-GB", "en"),
        ("EN_us", "en"),
        (" de ", "de"),
        ("zh-Hant-TW", "zh"),
        ("fr", "fr"),
        ("", ""),
        (None, ""),
    ],
)
def test_primary_language(tag: str | None, expected: str) -> None:
    assert primary_language(tag) == expected
