"""recsvc report online: rates per variant and model from stored events, known answers."""

from __future__ import annotations

from datetime import datetime, timedelta

import orjson
import pytest
from rich.console import Console

from recsvc.events import Event
from recsvc.events.store import EventStore
from recsvc.report.online import analyse_online, run_online_report, wilson

T0 = datetime(2026, 3, 1, 9, 0)


def rid(variant: str, n: int) -> str:
    return f"r1:{variant}:20260301T000000Z-abc1234-000001:{n:016x}"


def shown(store_events: list[Event], variant: str, n: int, employee: str, content: str) -> str:
    r = rid(variant, n)
    store_events.append(
        Event(
            f"imp-{variant}-{n}",
            "impression",
            employee,
            T0,
            content_id=content,
            recommendation_id=r,
            variant=variant,
            model_version="20260301T000000Z-abc1234-000001",
            position=1,
        )
    )
    return r


@pytest.fixture
def store(tmp_path) -> EventStore:
    events: list[Event] = []
    for n in range(100):
        r = shown(events, "control", n, f"E{n:03d}", "C1")
        if n < 20:
            events.append(
                Event(f"clk-c-{n}", "click", f"E{n:03d}", T0, content_id="C1", recommendation_id=r)
            )
        if n < 10:
            events.append(
                Event(f"enr-c-{n}", "enrol", f"E{n:03d}", T0, content_id="C1", recommendation_id=r)
            )
        if n < 5:
            # completions sent later without the id: matched to the impression (last touch)
            events.append(
                Event(
                    f"cmp-c-{n}", "complete", f"E{n:03d}", T0 + timedelta(days=30), content_id="C1"
                )
            )
    for n in range(50):
        r = shown(events, "treatment", n, f"F{n:03d}", "C2")
        if n < 25:
            events.append(
                Event(f"clk-t-{n}", "click", f"F{n:03d}", T0, content_id="C2", recommendation_id=r)
            )
    # a repeated impression of the same shown item counts once; a completion long after
    # any impression, and an impression without one of our ids, are not attributed
    events.append(
        Event(
            "imp-dup",
            "impression",
            "E000",
            T0,
            content_id="C1",
            recommendation_id=rid("control", 0),
            variant="control",
            model_version="20260301T000000Z-abc1234-000001",
        )
    )
    events.append(Event("late", "complete", "E050", T0 + timedelta(days=400), content_id="C1"))
    events.append(
        Event("foreign", "impression", "E001", T0, content_id="C9", recommendation_id="lms-own-id")
    )
    opened = EventStore(f"sqlite:///{tmp_path / 'events.sqlite'}")
    opened.append(events)
    return opened


def test_rates_per_variant_with_wilson_intervals(store: EventStore, tmp_path) -> None:
    out = tmp_path / "online"
    url = store.engine.url.render_as_string(hide_password=False)
    run_online_report(Console(width=200), events=url, out=out, window_days=90)
    payload = orjson.loads((out / "online.json").read_bytes())
    rows = {r["variant"]: r for r in payload["rows"]}
    control, treatment = rows["control"], rows["treatment"]
    assert (control["impressions"], control["clicks"], control["enrols"], control["completes"]) == (
        100,
        20,
        10,
        5,
    )
    assert control["ctr"] == pytest.approx(0.20)
    assert control["ctr_ci"] == pytest.approx(list(wilson(20, 100)))
    assert control["completion_per_enrolment"] == pytest.approx(0.5)
    assert (treatment["impressions"], treatment["ctr"]) == (50, pytest.approx(0.5))
    assert treatment["completion_per_enrolment"] is None
    assert payload["impressions_unattributed"] == 1
    assert payload["outcomes_unattributed"]["complete"] == 1
    assert "| control |" in (out / "online.md").read_text(encoding="utf-8")


def test_the_wilson_interval_matches_its_closed_form() -> None:
    import math

    p, n, z = 0.2, 100, 1.959963984540054
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    assert wilson(20, 100) == pytest.approx((centre - half, centre + half), abs=1e-9)
    assert all(math.isnan(v) for v in wilson(0, 0))  # no trials, no interval


def test_no_impressions_gives_an_empty_report(tmp_path) -> None:
    import pandas as pd

    from recsvc.events.store import EVENT_COLUMNS

    report = analyse_online(pd.DataFrame(columns=list(EVENT_COLUMNS)))
    assert report.rows == [] and report.impressions_unattributed == 0
