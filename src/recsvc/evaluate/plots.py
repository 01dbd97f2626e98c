"""PNG plots of an evaluation: by model, by k, popularity curve, gap closure, exposure by group.

Figures are built with matplotlib's object API (``Figure``, no pyplot): no display, no global
state, and the Agg renderer is used for PNG whatever the configured backend.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from recsvc.evaluate.measures import CURVE_POINTS, Estimate
from recsvc.evaluate.result import BASELINES, EvaluationResult

__all__ = ["PLOTS", "plot_names", "write_plots"]

#: file name -> what the plot shows (the report's captions)
PLOTS: dict[str, str] = {
    "metric_by_model.png": "nDCG@k per model with 95% bootstrap CIs",
    "metric_by_k.png": "nDCG and recall at k = 1..20",
    "popularity_curve.png": "share of recommendations spent on the most popular items",
    "gap_closure.png": "skill-gap closure@k per model with 95% CIs",
    "exposure_by_group.png": "nDCG@k of the hybrid per audit group with 95% CIs",
}


def _colour(name: str) -> str:
    if name == "hybrid":
        return "#d62728"
    if name.startswith("hybrid"):
        return "#ff9896"
    return "#7f7f7f" if name in BASELINES else "#1f77b4"


#: one distinct colour per model in line plots (tab10 without its red, kept for the hybrid)
_LINE_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                 "#bcbd22", "#17becf")  # fmt: skip


def _line_style(index: int, name: str) -> dict[str, object]:
    if name == "hybrid":
        return {"color": "#d62728", "linewidth": 2.5}
    return {
        "color": _LINE_COLOURS[index % len(_LINE_COLOURS)],
        "linewidth": 1.0,
        "linestyle": "--" if name.startswith("hybrid-") else "-",
    }


def _bars(ax: Axes, names: list[str], estimates: list[Estimate], title: str) -> None:
    y = np.arange(len(names))
    means = np.array([e.mean for e in estimates])
    err = np.array([[e.mean - e.low for e in estimates], [e.high - e.mean for e in estimates]])
    ax.barh(
        y,
        np.nan_to_num(means),
        xerr=np.nan_to_num(err),
        color=[_colour(n) for n in names],
        capsize=3,
    )
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)


def _by_model(result: EvaluationResult, path: Path) -> None:
    names = [n for n in result.ordered() if n in result.scores]
    fig = Figure(figsize=(7, 0.4 * len(names) + 1.5))
    ax = fig.add_subplot()
    _bars(
        ax,
        names,
        [result.scores[n].estimates[result.headline] for n in names],
        f"nDCG@{result.k} (95% bootstrap CI over employees)",
    )
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def _by_k(result: EvaluationResult, path: Path) -> None:
    fig = Figure(figsize=(11, 4.5))
    for i, metric in enumerate(("ndcg", "recall")):
        ax = fig.add_subplot(1, 2, i + 1)
        names = [n for n in result.ordered() if n in result.scores]
        for j, name in enumerate(names):
            curve = result.scores[name].by_k[metric]
            ks = sorted(curve)
            style = _line_style(j, name)
            ax.plot(ks, [curve[k] for k in ks], marker="o", markersize=3, label=name, **style)  # type: ignore[arg-type]
        ax.set_xlabel("k")
        ax.set_title(f"{metric}@k")
        ax.grid(alpha=0.3)
    fig.axes[-1].legend(fontsize=7, loc="best")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def _popularity(result: EvaluationResult, path: Path) -> None:
    fig = Figure(figsize=(6, 5))
    ax = fig.add_subplot()
    ax.plot(CURVE_POINTS, CURVE_POINTS, linestyle=":", color="black", label="uniform")
    names = [n for n in result.ordered() if n in result.scores]
    for j, name in enumerate(names):
        if not name.startswith("hybrid-"):
            style = _line_style(j, name)
            ax.plot(CURVE_POINTS, result.scores[name].popularity_curve, label=name, **style)  # type: ignore[arg-type]
    ax.set_xlabel("most popular share of the catalogue (training popularity)")
    ax.set_ylabel(f"share of top-{result.k} slots")
    ax.set_title("Concentration on popular items")
    ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def _closure(result: EvaluationResult, path: Path) -> bool:
    names = [n for n in result.ordered() if n in result.scores]
    keys = [
        key
        for key in ("gap_closure", "gap_closure_true")
        if any(
            np.isfinite(result.scores[n].estimates[key].mean)
            for n in names
            if key in result.scores[n].estimates
        )
    ]
    if not keys:
        return False
    fig = Figure(figsize=(6 * len(keys), 0.4 * len(names) + 1.5))
    for i, key in enumerate(keys):
        ax = fig.add_subplot(1, len(keys), i + 1)
        label = "estimated levels" if key == "gap_closure" else "true levels and gains"
        _bars(
            ax,
            names,
            [result.scores[n].estimates[key] for n in names],
            f"gap closure@{result.k} ({label})",
        )
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return True


def _exposure(result: EvaluationResult, path: Path) -> bool:
    tables = [t for t in result.fairness if t.model == "hybrid" and t.metric == result.headline]
    if not tables:
        return False
    fig = Figure(figsize=(6 * len(tables), 4))
    for i, table in enumerate(tables):
        ax = fig.add_subplot(1, len(tables), i + 1)
        rows = list(table.rows)
        _bars(
            ax,
            [f"{r.group} (n={r.n})" for r in rows],
            [Estimate(r.mean, r.low, r.high, r.n) for r in rows],
            f"{table.attribute}: hybrid nDCG@{result.k}, max/min {table.ratio:.2f}",
        )
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    return True


def plot_names(result: EvaluationResult) -> list[str]:
    """The plots this result has data for (gap closure and exposure need skills / audits)."""
    names = ["metric_by_model.png", "metric_by_k.png", "popularity_curve.png"]
    closure = [s.estimates["gap_closure"].mean for s in result.scores.values()]
    if any(np.isfinite(v) for v in closure):
        names.append("gap_closure.png")
    if any(t.model == "hybrid" and t.metric == result.headline for t in result.fairness):
        names.append("exposure_by_group.png")
    return names


def write_plots(result: EvaluationResult, out_dir: Path) -> list[Path]:
    """Write every plot the data allows; returns the files written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in (
        ("metric_by_model.png", _by_model),
        ("metric_by_k.png", _by_k),
        ("popularity_curve.png", _popularity),
    ):
        draw(result, out_dir / name)
        written.append(out_dir / name)
    for name, maybe in (("gap_closure.png", _closure), ("exposure_by_group.png", _exposure)):
        path = out_dir / name
        if maybe(result, path):
            written.append(path)
        elif path.exists():
            path.unlink()  # a stale plot from an earlier run must not pass for this one's
    return written
