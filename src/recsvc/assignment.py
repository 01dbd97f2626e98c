"""Sticky A/B assignment: which variant serves an employee, the same on every replica.

The variant is a pure function of the employee id, a salt and the configured shares, so
no state is kept or shared: every replica, and every restart, assigns the same person to
the same variant (their experience stays consistent and their events stay attributable).
Changing the salt reshuffles everyone; changing the shares moves as few people as the
cumulative split allows (those whose hash falls between the old and the new boundary).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

__all__ = ["assign_variant", "bucket"]

_SCALE = float(1 << 64)


def bucket(employee_id: str, salt: str) -> float:
    """A uniform number in [0, 1) fixed by the employee id and the salt (sha256)."""
    digest = hashlib.sha256(f"{salt}\x00{employee_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def assign_variant(employee_id: str, shares: Sequence[tuple[str, float]], salt: str) -> str:
    """The variant of ``employee_id``: ``shares`` are (name, positive weight), in order.

    Weights are relative (0.9 and 0.1, or 90 and 10); a variant gets that fraction of
    employees, by where their bucket falls on the cumulative split.
    """
    if not shares:
        raise ValueError("no variants to assign to")
    total = sum(weight for _, weight in shares)
    if not total > 0:
        raise ValueError("variant shares must add up to more than 0")
    point = bucket(employee_id, salt) * total
    edge = 0.0
    for name, weight in shares:
        edge += weight
        if point < edge:
            return name
    return shares[-1][0]  # float rounding at the very top
