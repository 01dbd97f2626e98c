"""Scaling analysis for run_all: ratios between sample sizes and why each figure grows so."""

from __future__ import annotations

import math
from typing import Any

from run_all_format import get, md_table

__all__ = ["SUPERLINEAR", "WHY", "million_section", "scaling_rows", "scaling_section"]

Result = dict[str, Any]

#: a figure "grows faster than the data" when its ratio beats the interaction growth by this
SUPERLINEAR = 1.25

#: why each figure scales as it does, from reading the code (shown beside the measurements)
WHY = {
    "load": "parses and checks every row of every table in chunks: linear in rows.",
    "dataset": "id indexes and sparse matrices built from the clean tables: linear in rows.",
    "features": (
        "three parts (see the breakdown): the one-off import of scikit-learn (2-3 s, constant), "
        "TF-IDF and skill matrices (linear in the catalogue's text) and the item-item kNN "
        "graph, quadratic in items. The sample's catalogue grows with headcount "
        "(`default_content_count`: employees / 4, clipped to 300..20,000), so 16x the items "
        "is 256x the item pairs; past the 20,000-item cap this stage stops growing with "
        "headcount."
    ),
    "kNN graph": (
        "`models/content.py: knn_graph` makes each block of item vectors dense (at most "
        "64 MiB) and multiplies it by the sparse item vectors, keeping the top 50 per row: "
        "items squared work, since common words make every block of similarities dense. "
        "Cheap up to a few thousand items, it is the bulk of `features` at 20,000; a real "
        "100k-item catalogue would need candidate blocking or an approximate index here "
        "(measured: brute-force kNN over 50k items took 38 s and 2.4 GiB)."
    ),
    "rest of content": "TF-IDF over titles, descriptions and skill names: linear in the text.",
    "scikit-learn import": "paid once by the first fit in a process: constant.",
    "tune": (
        "bounded by the tuning budget: random search stops at the deadline (a trial already "
        "running finishes) and scores trials on at most 30,000 sampled rows "
        "(`MAX_TUNE_ROWS`). More data means fewer trials, not more time."
    ),
    "fit": (
        "ALS/BPR fitted twice (holdout and full data), linear in interactions per iteration, "
        "within a fit budget (`training/mf_budget.py`: ~5 one-core microseconds per "
        "interaction, at least 20 s, for both fits, estimated from interactions x iterations "
        "x factors; BPR runs on one thread to stay reproducible, so at a million employees it"
        " cannot afford 10 epochs and is skipped; the manifest's `mf_budget` says what was "
        "cut). EASE inverts an items x items matrix (items cubed) but only up to 10,000 items"
        " (`EASE_MAX_ITEMS`) and only when its dense matrices (32 bytes x items squared) take"
        " at most half the available memory (`ease_skip_reason`, the manifest's `ease` says "
        "why it was skipped); at 20,000 items it is skipped, which keeps this stage near "
        "linear there, while samples of 10,000-40,000 employees pay the cubic cost."
    ),
    "rank": (
        "ranker examples for at most 1,000 tuning employees per slice (`MAX_TUNE_USERS`), "
        "each scoring every item: grows with the catalogue, not with headcount."
    ),
    "evaluate": (
        "every model ranks every item for at most 1,000 evaluation employees per slice "
        "(`MAX_EVAL_USERS`): grows with the catalogue, not with headcount."
    ),
    "write": "serialises and checksums the bundle: linear in its size.",
    "bundle": (
        "factors and histories are linear in employees and items, but EASE stores a dense "
        "items x items float32 matrix whenever it is on (<= 10,000 items): 6 MiB at 1,250 "
        "items, 400 MiB at 10,000."
    ),
    "service RSS": (
        "the service memory-maps the bundle's arrays, so its RSS follows the bundle size plus "
        "the request-time indexes built once per bundle."
    ),
    "training": "the sum of the stages above; its peak is the largest stage's peak.",
    "/recommend": (
        "with 16 wrk connections the p50 is mostly queueing (about connections / requests per "
        "second), so it follows the core latency below plus a fixed HTTP cost."
    ),
    "core p50": (
        "each request scores every item (factors, skill fit, popularity) before the top-k: "
        "linear in the catalogue, independent of headcount."
    ),
}


def _figures(size: Result) -> dict[str, float | None]:
    """The figures compared between sizes, by name."""
    out: dict[str, float | None] = (
        {f"{name} s": get(stage, "seconds") for name, stage in get(size, "train", "stages").items()}
        if get(size, "train", "stages")
        else {}
    )
    out["kNN graph s"] = get(size, "probe", "knn_graph_s")
    out["rest of content features s"] = get(size, "probe", "rest_of_content_s")
    out["training total s"] = get(size, "train", "total_s")
    out["training peak RSS MiB"] = get(size, "train", "process_peak_mib")
    out["bundle MiB"] = get(size, "train", "bundle_mib")
    out["service RSS MiB"] = get(size, "serve", "memory", "rss_mib")
    out["core p50 ms"] = get(size, "core", "groups", "known", "median")
    out["/recommend p50 ms"] = get(size, "serve", "recommend", "p50_ms")
    return out


def scaling_rows(small: Result, large: Result) -> list[tuple[str, float, float, bool]]:
    """(figure, ratio, exponent vs interactions, faster than linear) for two sizes."""
    growth = get(large, "train", "rows", "enrolments") or large["employees"]
    base = get(small, "train", "rows", "enrolments") or small["employees"]
    data = growth / base
    a, b = _figures(small), _figures(large)
    rows = []
    for name, before in a.items():
        after = b.get(name)
        if not before or not after or before <= 0 or after <= 0:
            continue
        ratio = after / before
        exponent = math.log(ratio) / math.log(data) if data > 1 else float("nan")
        rows.append((name, ratio, exponent, ratio > SUPERLINEAR * data))
    return rows


def _in_short(rows: list[tuple[str, float, float, bool]], data: float, items: float) -> str:
    """One generated paragraph: what grew with the data, what less, what faster."""
    stages = [(n, r, e, f) for n, r, e, f in rows if n.endswith(" s") and "total" not in n]
    total = next((r for n, r, _, _ in rows if n == "training total s"), None)
    if total is None:
        return (
            "Training did not finish at one of the two sizes: only the figures measured at "
            "both are compared.\n"
        )
    linear = [n[:-2] for n, _, e, f in stages if e >= 0.85 and not f]
    slower = [n[:-2] for n, _, e, f in stages if e < 0.85]
    faster = [
        f"{n[:-2]} (exponent {math.log(r) / items:.2f} against items)" for n, r, _, f in stages if f
    ]
    text = (
        f"In short: training as a whole took ×{total:.1f} the time for ×{data:.1f} the "
        f"enrolments. About linear: {', '.join(linear) or 'none'}. Slower than the data "
        f"(bounded by the tuning budget, employees capped at 1,000 per slice, or fixed costs): "
        f"{', '.join(slower) or 'none'}. "
    )
    return text + f"Faster than the data: {', '.join(faster) or 'none'}.\n"


def _why_key(figure: str) -> str | None:
    first = figure.split()[0]
    for key in WHY:
        if figure.startswith(key) or first == key:
            return key
    return None


def scaling_section(sizes: list[Result]) -> str:
    if len(sizes) < 2:
        return "Only one sample size was measured: no ratios to compare.\n"
    parts = []
    for small, large in zip(sizes, sizes[1:], strict=False):
        growth = {
            t: (get(large, "train", "rows", t) or 0) / max(1, get(small, "train", "rows", t) or 0)
            for t in ("enrolments", "content")
        }
        parts.append(
            f"### {small['employees']:,} → {large['employees']:,} employees\n\n"
            f"Data growth: employees ×{large['employees'] / small['employees']:.1f}, "
            f"enrolments ×{growth['enrolments']:.1f}, content items ×{growth['content']:.1f}. "
            f"A figure is called faster than linear when its ratio exceeds "
            f"{SUPERLINEAR}× the enrolment growth. Exponents are log(ratio) / log(growth) "
            "against the enrolments and against the catalogue (1 = linear, 2 = quadratic). "
            "A stage total can hide a part that grows fast behind a constant (the `features` "
            "stage behind the scikit-learn import), so the breakdown's parts are listed too.\n"
        )
        rows = scaling_rows(small, large)
        items = math.log(growth["content"]) if growth["content"] > 1 else float("nan")
        table = [
            [n, f"×{r:.2f}", f"{e:.2f}", f"{math.log(r) / items:.2f}"]
            + ["**faster than linear**" if fast else "linear or less"]
            for n, r, e, fast in rows
        ]
        header = ["figure", "ratio", "exponent (enrolments)", "exponent (items)", "verdict"]
        parts.append(md_table(header, table))
        parts.append("\n" + _in_short(rows, growth["enrolments"], items))
        fast = [n for n, _, _, s in rows if s]
        if fast:
            parts.append("\nWhy the figures that grow faster than the data do:\n")
            for name in fast:
                key = _why_key(name)
                parts.append(f"- **{name}**: {WHY[key] if key else 'not analysed yet.'}")
        else:
            parts.append("\nNo figure grew faster than the data between these sizes.")
        parts.append("")
    return "\n".join(parts)


#: stages whose work follows the catalogue (capped at 20,000 items in the sample) or the budget
CATALOGUE_BOUND = ("features", "tune", "rank", "evaluate")
MILLION = 1_000_000


def _linear_at(small: Result, large: Result, keys: tuple[str, ...], employees: int) -> float:
    """A figure at ``employees`` on the straight line through two measured sizes."""
    x0, x1 = small["employees"], large["employees"]
    y0, y1 = get(small, *keys), get(large, *keys)
    if not y0 or not y1 or x1 == x0:
        return float("nan")
    return float(y1 + (y1 - y0) * (employees - x1) / (x1 - x0))


def _million_estimate(sizes: list[Result]) -> str:
    """Extrapolate to 1M employees: stages from the largest size, memory on a straight line."""
    largest = sizes[-1]
    factor = MILLION / largest["employees"]
    stages = get(largest, "train", "stages") or {}
    rows, total = [], 0.0
    for name, st in stages.items():
        scale = 1.0 if name in CATALOGUE_BOUND else factor
        total += st["seconds"] * scale
        rows.append([name, f"{st['seconds']:,.1f}", f"×{scale:g}", f"{st['seconds'] * scale:,.0f}"])
    table = md_table(
        ["stage", f"{largest['employees']:,}: s", "scale", "1,000,000: s (estimate)"], rows
    )
    text = f"{table}\n\nEstimated training time: about {total / 60:,.0f} min."
    if len(sizes) >= 2:
        small = sizes[-2]
        figures = {
            "training peak RSS": ("train", "process_peak_mib"),
            "bundle": ("train", "bundle_mib"),
            "service RSS under load": ("serve", "memory", "rss_mib"),
        }
        guesses = [
            f"{name} ~{_linear_at(small, largest, keys, MILLION) / 1024:,.1f} GiB"
            for name, keys in figures.items()
        ]
        text += (
            " Memory on the straight line through the last two sizes (an upper bound: "
            "the catalogue no longer grows): " + ", ".join(guesses) + "."
        )
    return text + "\n"


def million_section(sizes: list[Result]) -> str:
    """How to run 1M employees, and an extrapolation when it was not measured."""
    if not sizes or any(s["employees"] >= MILLION for s in sizes):
        return ""
    largest = max(sizes, key=lambda s: int(s["employees"]))
    text = """## 1,000,000 employees (not measured in this run)

`make bench` includes it unless `BENCH_MAX=100000` leaves it out; `make bench-1m` runs it
alone. It takes long (the training estimate below, plus generating the sample the first time
and loading the bundle for the core and the service) and needs the memory estimated below.
What to expect, from the code and the scaling above: the sample's catalogue stops
growing at 20,000 items (from 80,000 employees on), so `features`, `rank` and `evaluate` and
the core latency stay at their 100,000-employee figures and `tune` at its budget, while
`load`, `dataset`, `fit`, `write`, the bundle and the service's memory grow about linearly
with the enrolments (10x).
"""
    if largest["employees"] < 80_000 or not get(largest, "train", "stages"):
        return text
    return f"{text}\nExtrapolated from the {largest['employees']:,}-employee run:\n\n" + (
        _million_estimate(sorted(sizes, key=lambda s: int(s["employees"])))
    )
