"""Small formatting helpers shared by run_all's report and scaling analysis."""

from __future__ import annotations

import math
from typing import Any

__all__ = ["fmt", "get", "md_table", "pair"]

Result = dict[str, Any]


def get(d: Result, *keys: str) -> Any:
    for key in keys:
        if not isinstance(d, dict) or key not in d:
            return None
        d = d[key]
    return d


def fmt(value: Any, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def md_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def pair(d: Any, p50: str = "p50_ms") -> str:
    if not isinstance(d, dict):
        return "n/a"
    return f"{fmt(d.get(p50), 2)} / {fmt(d.get('p99_ms', d.get('p99')), 2)}"
