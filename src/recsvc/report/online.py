"""``recsvc report online``: click-through, enrolment and completion per variant and model.

Read from stored events alone (the service keeps no log of what it served): an impression
event that quotes a ``recommendation_id`` (see :mod:`recsvc.attribution`) is one shown item
of a known variant and bundle version. Each shown item (recommendation id x content) counts
once; it is *clicked*, *enrolled* or *completed* when an event of that kind quotes the same
recommendation id and item, or, when the LMS sends the outcome without an id (completions
often come weeks later), when it is the same employee's same item within
``window_days`` after an impression (the latest such impression gets it: last touch).
Rates are per shown item, with 95% Wilson intervals; they treat shown items as independent,
so with few employees behind many impressions the intervals are too narrow.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
from rich.console import Console
from rich.table import Table
from scipy.stats import binomtest

from recsvc.events.model import CLICK, COMPLETE, ENROL, IMPRESSION
from recsvc.events.store import EVENT_COLUMNS, EventStore

__all__ = ["OnlineReport", "analyse_online", "run_online_report", "wilson"]

OUTCOMES = {"click": CLICK, "enrol": ENROL, "complete": COMPLETE}
KEY = ["recommendation_id", "content_id"]


def wilson(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval of a proportion (NaN, NaN without trials)."""
    if trials == 0:
        return float("nan"), float("nan")
    ci = binomtest(successes, trials).proportion_ci(confidence_level=confidence, method="wilson")
    return float(ci.low), float(ci.high)


@dataclass(frozen=True)
class OnlineReport:
    """One row per (variant, model_version) and what could not be attributed."""

    rows: list[dict[str, Any]]
    impressions_unattributed: int
    outcomes_unattributed: dict[str, int]
    window_days: float


def _read(store: EventStore) -> pd.DataFrame:
    kinds = (IMPRESSION, CLICK, ENROL, COMPLETE)
    rows = [row for chunk in store.iter_chunks(kinds=kinds) for row in chunk]
    return pd.DataFrame.from_records(rows, columns=list(EVENT_COLUMNS))


def _reached(
    shown: pd.DataFrame, outcome: pd.DataFrame, window: pd.Timedelta
) -> tuple[pd.Series, int]:
    """Which shown items the outcome events reached, and how many outcomes reached none."""
    quoted = outcome[outcome["recommendation_id"].notna()]
    pairs = set(zip(quoted["recommendation_id"], quoted["content_id"], strict=True))
    loose = outcome[outcome["recommendation_id"].isna()].sort_values("occurred_at")
    unmatched = int(len(quoted)) - int(
        quoted.set_index(KEY).index.isin(shown.set_index(KEY).index).sum()
    )
    if len(loose):
        touches = shown.sort_values("occurred_at")
        matched = pd.merge_asof(
            loose[["employee_id", "content_id", "occurred_at"]],
            touches[["employee_id", "content_id", "occurred_at", "recommendation_id"]],
            on="occurred_at",
            by=["employee_id", "content_id"],
            direction="backward",
            tolerance=window,
        )
        found = matched["recommendation_id"].notna()
        unmatched += int((~found).sum())
        pairs |= set(
            zip(
                matched.loc[found, "recommendation_id"],
                matched.loc[found, "content_id"],
                strict=True,
            )
        )
    hit = pd.Series(
        [
            pair in pairs
            for pair in zip(shown["recommendation_id"], shown["content_id"], strict=True)
        ],
        index=shown.index,
    )
    return hit, unmatched


def analyse_online(events: pd.DataFrame, *, window_days: float = 90.0) -> OnlineReport:
    """Rates per variant and model version from a frame of stored events."""
    at = pd.to_datetime(events["occurred_at"], errors="coerce")  # NaT: outside pandas' range
    events = events.assign(occurred_at=at)[at.notna()]
    impressions = events[events["kind"] == IMPRESSION]
    attributed = impressions[impressions["variant"].notna()]
    shown = (
        attributed.sort_values("occurred_at")
        .drop_duplicates(subset=KEY, keep="first")
        .reset_index(drop=True)
    )
    window = pd.Timedelta(days=window_days)
    unattributed: dict[str, int] = {}
    for name, kind in OUTCOMES.items():
        hit, unattributed[name] = _reached(shown, events[events["kind"] == kind], window)
        shown[name] = hit
    rows = []
    for (variant, version), group in shown.groupby(["variant", "model_version"], sort=True):
        n = len(group)
        row: dict[str, Any] = {
            "variant": variant,
            "model_version": version,
            "impressions": n,
            "employees": int(group["employee_id"].nunique()),
        }
        for name, label in (
            ("click", "ctr"),
            ("enrol", "enrolment_rate"),
            ("complete", "completion_rate"),
        ):
            k = int(group[name].sum())
            low, high = wilson(k, n)
            row[f"{name}s"] = k
            row[label] = k / n
            row[f"{label}_ci"] = [low, high]
        enrolled = int(group["enrol"].sum())
        finished = int((group["enrol"] & group["complete"]).sum())
        low, high = wilson(finished, enrolled)
        row["completion_per_enrolment"] = finished / enrolled if enrolled else None
        row["completion_per_enrolment_ci"] = [low, high] if enrolled else None
        rows.append(row)
    return OnlineReport(rows, int(len(impressions) - len(attributed)), unattributed, window_days)


def _pct(value: float | None, ci: list[float] | None) -> str:
    if value is None or ci is None:
        return "n/a"
    return f"{value:.1%} [{ci[0]:.1%}, {ci[1]:.1%}]"


def _table_rows(report: OnlineReport) -> list[list[str]]:
    return [
        [
            str(r["variant"]),
            str(r["model_version"]),
            f"{r['impressions']:,}",
            _pct(r["ctr"], r["ctr_ci"]),
            _pct(r["enrolment_rate"], r["enrolment_rate_ci"]),
            _pct(r["completion_rate"], r["completion_rate_ci"]),
            _pct(r["completion_per_enrolment"], r["completion_per_enrolment_ci"]),
        ]
        for r in report.rows
    ]


HEADERS = [
    "variant",
    "model version",
    "shown items",
    "click-through",
    "enrolment",
    "completion",
    "completion per enrolment",
]


def _markdown(report: OnlineReport, store: str) -> str:
    lines = [
        "# Online report: recommendations that led somewhere",
        "",
        f"From the events in {store}. Each item shown in an answer (an impression event "
        "quoting its `recommendation_id`) counts once; it is clicked, enrolled or completed "
        "when an event of that kind quotes the same id and item, or, without an id, is the "
        f"same employee's same item within {report.window_days:g} days after it was shown. "
        "Rates per shown item with 95% Wilson intervals (shown items taken as independent).",
        "",
        "| " + " | ".join(HEADERS) + " |",
        "|" + "---|" * len(HEADERS),
        *("| " + " | ".join(row) + " |" for row in _table_rows(report)),
        "",
        f"Impressions without a recsvc recommendation id (not attributed): "
        f"{report.impressions_unattributed:,}. Outcomes matched to no shown item: "
        + ", ".join(f"{k} {v:,}" for k, v in report.outcomes_unattributed.items())
        + ".",
        "",
    ]
    return "\n".join(lines)


def run_online_report(console: Console, *, events: str, out: Path, window_days: float) -> None:
    """Read the store at ``events``, print the table, write ``online.md`` and ``online.json``."""
    store = EventStore(events, create=False)
    try:
        report = analyse_online(_read(store), window_days=window_days)
        where = store.description.removeprefix("event store ")
    finally:
        store.dispose()
    table = Table(title="Online: per variant and model version (95% Wilson intervals)")
    for header in HEADERS:
        table.add_column(header, justify="left" if header in HEADERS[:2] else "right")
    for row in _table_rows(report):
        table.add_row(*row)
    console.print(table)
    if not report.rows:
        console.print("No impression events with a recommendation_id yet: nothing to attribute.")
    out.mkdir(parents=True, exist_ok=True)
    (out / "online.md").write_text(_markdown(report, where), encoding="utf-8")
    payload = {
        "store": where,
        "window_days": report.window_days,
        "rows": report.rows,
        "impressions_unattributed": report.impressions_unattributed,
        "outcomes_unattributed": report.outcomes_unattributed,
    }
    (out / "online.json").write_bytes(orjson.dumps(payload, option=orjson.OPT_INDENT_2))
    console.print(f"wrote {out / 'online.md'}, {out / 'online.json'}")
