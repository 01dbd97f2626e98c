"""Write the impact report: ``impact.md``, ``impact.json`` and three PNG plots.

Plot file names are stable (other pages, such as the explorer, link to them):
``IMPACT_PLOTS`` maps each to its caption.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd
from matplotlib.figure import Figure

from recsvc.evaluate.markdown import table
from recsvc.report.impact import INEFFECTIVE_SHARE, NOT_WORKING_SHARE, ImpactResult

__all__ = ["IMPACT_PLOTS", "TOP", "write_impact_report"]

#: items listed at each end (most and least effective)
TOP = 10
IMPACT_PLOTS: dict[str, str] = {
    "impact_items.png": "most and least effective items: gain one level below, 95% intervals",
    "impact_gain_per_hour.png": "gain per hour of learning, most and least efficient items",
    "impact_skills.png": "gain per skill over its items, 95% intervals; red: does not work",
}
_CHECKS = {
    "takers": "fewer takers with tests before and after than the peer floor",
    "controls": "fewer matched non-takers than the peer floor",
    "overlap": "too few takers have a comparable non-taker (level before within the caliper)",
    "balance": "matched non-takers' level before differs too much (standardised difference)",
    "level": "most takers were already near the level it teaches",
}


def _f(x: float, digits: int = 2) -> str:
    return "n/a" if not np.isfinite(x) else f"{x:.{digits}f}"


def _ci(row: pd.Series) -> str:
    return f"{_f(row['gain'])} [{_f(row['low'])}, {_f(row['high'])}]"


def _forest(ax: Any, frame: pd.DataFrame, value: str, label: str) -> None:
    y = np.arange(len(frame))[::-1]
    colours = ["#d62728" if bad else "#1f77b4" for bad in frame["ineffective"]]
    if value == "gain":
        g, lo, hi = (frame[k].to_numpy(np.float64) for k in ("gain", "low", "high"))
        ax.errorbar(g, y, xerr=np.vstack([g - lo, hi - g]), fmt="none", ecolor="#999999")
    ax.scatter(frame[value].to_numpy(np.float64), y, c=colours, zorder=3)
    labels = [
        f"{t[:38]} ({cid})" for t, cid in zip(frame["title"], frame["content_id"], strict=True)
    ]
    ax.set_yticks(y, labels)
    ax.axvline(0.0, color="#444444", linewidth=0.8)
    ax.set_xlabel(label)


def _ends(frame: pd.DataFrame, col: str) -> pd.DataFrame:
    ranked = frame.sort_values(col, ascending=False)
    if len(ranked) <= 2 * TOP:
        return ranked
    return pd.concat([ranked.head(TOP), ranked.tail(TOP)])


def _plots(result: ImpactResult, out: Path) -> None:
    shown = result.shown
    fig = Figure(figsize=(9, 8), layout="constrained")
    _forest(fig.add_subplot(), _ends(shown, "gain"), "gain", "levels gained (one level below)")
    fig.suptitle("Most and least effective items (red: flagged ineffective)")
    fig.savefig(out / "impact_items.png", dpi=100)

    fig = Figure(figsize=(9, 8), layout="constrained")
    per_hour = shown[np.isfinite(shown["gain_per_hour"])]
    _forest(fig.add_subplot(), _ends(per_hour, "gain_per_hour"), "gain_per_hour", "levels/hour")
    fig.suptitle("Gain per hour of learning")
    fig.savefig(out / "impact_gain_per_hour.png", dpi=100)

    fig = Figure(figsize=(9, max(3.0, 0.3 * len(result.skills) + 1.5)), layout="constrained")
    ax = fig.add_subplot()
    sk = result.skills.sort_values("gain")
    y = np.arange(len(sk))
    g, lo, hi = (sk[k].to_numpy(np.float64) for k in ("gain", "low", "high"))
    ax.barh(
        y,
        g,
        xerr=np.vstack([g - lo, hi - g]),
        color=["#d62728" if bad else "#1f77b4" for bad in sk["not_working"]],
        capsize=2,
    )
    ax.set_yticks(y, list(sk["skill_name"]))
    ax.axvline(NOT_WORKING_SHARE * result.typical_gain, color="#444444", linestyle="--")
    ax.set_xlabel("levels gained per taker (dashed: half the typical item)")
    fig.suptitle("Gain per skill")
    fig.savefig(out / "impact_skills.png", dpi=100)


def _item_rows(frame: pd.DataFrame) -> list[list[str]]:
    return [
        [
            f"{r['title']} ({r['content_id']})",
            str(r["format"]),
            str(r["skill_name"]),
            _ci(r),
            _f(r["gain_per_hour"]),
            str(int(r["n_takers"])),
            str(int(r["n_controls"])),
            "yes" if r["ineffective"] else "",
        ]
        for _, r in frame.iterrows()
    ]


def _markdown(result: ImpactResult, truth: dict[str, float] | None) -> str:
    shown, items = result.shown, result.items
    head = ["item", "format", "skill", "gain [95% CI]", "per hour", "takers", "non-takers"]
    head.append("ineffective")
    lines = [
        "# Learning impact",
        "",
        "Gain = levels a learner one level below the level taught gains from the item, net of "
        "what matched people who never took it gained over the same time "
        "(difference-in-differences on course tests before and after). Shown only where "
        f"balance and overlap checks pass and at least {result.min_group} people are behind "
        f"every figure. {len(shown)} of {len(items)} items with course tests are shown; "
        f"typical item gain {_f(result.typical_gain)} levels. Flagged ineffective: gain under "
        f"{INEFFECTIVE_SHARE:.0%} of the typical gain of its format.",
        "",
        "![most and least effective](impact_items.png)",
        "",
        "## Most effective",
        "",
        *table(head, _item_rows(shown.sort_values("gain", ascending=False).head(TOP))),
        "",
        "## Least effective",
        "",
        *table(head, _item_rows(shown.sort_values("gain").head(TOP))),
        "",
        "## Gain per hour of learning",
        "",
        "![gain per hour](impact_gain_per_hour.png)",
        "",
        *table(head, _item_rows(shown.sort_values("gain_per_hour", ascending=False).head(TOP))),
        "",
        "## Skills where the catalogue does not work",
        "",
        f"Pooled over each skill's shown items (weighted by takers); does not work: even the "
        f"upper end of the interval is under {NOT_WORKING_SHARE:.0%} of the typical item gain.",
        "",
        "![gain per skill](impact_skills.png)",
        "",
    ]
    bad = result.skills[result.skills["not_working"]]
    lines += table(
        ["skill", "items", "takers", "gain [95% CI]", "flagged items"],
        [
            [
                f"{r['skill_name']} ({r['skill_id']})",
                str(r["items"]),
                str(r["takers"]),
                _ci(r),
                str(r["ineffective_items"]),
            ]
            for _, r in bad.iterrows()
        ]
        or [["(none)", "", "", "", ""]],
    )
    failed = items.loc[~items["shown"], "failed"].str.split(",").explode()
    lines += ["", "## Not shown, and why", ""]
    lines += table(
        ["check failed", "items", "meaning"],
        [[k, str(int((failed == k).sum())), v] for k, v in _CHECKS.items()],
    )
    if truth is not None:
        lines += ["", "## Against the sample's truth", ""]
        lines += table(["measure", "value"], [[k, _f(v, 3)] for k, v in truth.items()])
    return "\n".join(lines) + "\n"


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    records = frame.to_dict(orient="records")
    return [
        {str(k): (None if isinstance(v, float) and not np.isfinite(v) else v) for k, v in r.items()}
        for r in records
    ]


def write_impact_report(
    result: ImpactResult, out: Path, truth: dict[str, float] | None = None
) -> list[Path]:
    """Write the report files into ``out``; returns their paths."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _plots(result, out)
    doc = {
        "min_group": result.min_group,
        "typical_gain": result.typical_gain,
        "items": _records(result.items),
        "skills": _records(result.skills),
        "truth_check": truth,
        "plots": IMPACT_PLOTS,
    }
    (out / "impact.json").write_bytes(
        orjson.dumps(doc, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY)
    )
    (out / "impact.md").write_text(_markdown(result, truth), encoding="utf-8")
    return [out / "impact.md", out / "impact.json", *(out / name for name in IMPACT_PLOTS)]
