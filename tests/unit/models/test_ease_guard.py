"""EASE is fitted only where the catalogue's size and the machine's memory allow it."""

from __future__ import annotations

from recsvc.models.ease import EASE_MAX_ITEMS, ease_bytes, ease_skip_reason

GIB = 2**30


def test_too_many_items_is_skipped_for_time_whatever_the_memory() -> None:
    reason = ease_skip_reason(EASE_MAX_ITEMS + 1, available=1024 * GIB)
    assert reason is not None and "cubic" in reason and "10,000" in reason


def test_too_little_memory_is_skipped_and_says_how_much_is_needed() -> None:
    assert ease_bytes(5_000) == 800_000_000
    reason = ease_skip_reason(5_000, available=GIB)
    assert reason is not None
    assert "0.7 GiB" in reason and "1.0 GiB available" in reason


def test_enough_memory_or_unknown_memory_fits() -> None:
    assert ease_skip_reason(5_000, available=2 * GIB) is None
    assert ease_skip_reason(EASE_MAX_ITEMS, available=None) is None
    assert ease_skip_reason(100) is None  # 0.3 MiB: any machine has that
