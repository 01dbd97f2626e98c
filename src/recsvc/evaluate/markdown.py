"""Markdown pieces the evaluation reports share: tables and paired differences with CIs."""

from __future__ import annotations

import numpy as np

from recsvc.evaluate.measures import Estimate

__all__ = ["difference", "table"]


def table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Lines of a Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    return lines + ["| " + " | ".join(r) + " |" for r in rows]


def difference(e: Estimate | None, digits: int = 4) -> str:
    """A paired difference with its CI, starred when the CI excludes 0."""
    if e is None or e.n == 0 or not np.isfinite(e.mean):
        return "n/a"
    mark = " *" if e.low > 0 or e.high < 0 else ""
    return f"{e.mean:+.{digits}f} [{e.low:+.{digits}f}, {e.high:+.{digits}f}]{mark}"
