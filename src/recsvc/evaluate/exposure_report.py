"""Equal access report: exposure to high-value learning per audit group, without and with the
floor, and the floor's per-employee emphasis for the service (``RECSVC_EXPOSURE_FLOOR_FILE``).

Files (stable names): ``fairness.md``, ``fairness.json`` and ``FAIRNESS_PLOTS``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import orjson
from matplotlib.figure import Figure

from recsvc.evaluate.exposure import MAX_LOSS, ExposureAudit
from recsvc.evaluate.markdown import table

__all__ = ["FAIRNESS_PLOTS", "floor_document", "write_fairness_report"]

FAIRNESS_PLOTS: dict[str, str] = {
    "fairness_exposure.png": "exposure to high-value learning relative to need, per audit "
    "group, without and with the floor (band dashed)",
}


def _f(x: float, digits: int = 2) -> str:
    return "n/a" if not np.isfinite(x) else f"{x:.{digits}f}"


def _plot(audit: ExposureAudit, out: Path) -> None:
    rows = [(a, g) for a, groups in audit.groups.items() for g in groups]
    fig = Figure(figsize=(8, max(3.0, 0.35 * len(rows) + 1.5)), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(rows))[::-1]
    before = np.array([g.ratio_before for _, g in rows], dtype=np.float64)
    after = np.array([g.ratio_after for _, g in rows], dtype=np.float64)
    ax.barh(y + 0.2, np.nan_to_num(before), height=0.4, color="#7f7f7f", label="without floor")
    ax.barh(y - 0.2, np.nan_to_num(after), height=0.4, color="#1f77b4", label="with floor")
    for edge in audit.band:
        ax.axvline(edge, color="#d62728", linestyle="--", linewidth=1.0)
    ax.axvline(1.0, color="#444444", linewidth=0.8)
    ax.set_yticks(y, [f"{a.removeprefix('audit_')}: {g.group} (n={g.n})" for a, g in rows])
    ax.set_xlabel("exposure ratio (1 = parity; groups under 20 people not judged)")
    ax.legend(loc="lower right")
    fig.suptitle("Exposure to high-value learning relative to need")
    fig.savefig(out / "fairness_exposure.png", dpi=100)


def _markdown(audit: ExposureAudit) -> str:
    low, high = audit.band
    value_kind = "true need value (sample truth)" if audit.truth else "estimated learning value"
    lines = [
        "# Equal access: exposure to high-value learning",
        "",
        "Exposure = learning value shown in each person's top list, weighted by position; "
        "need = their weighted skill gap. A group's ratio is its exposure per unit of need "
        f"over everyone's (1 = parity); the floor's band is [{low}, {high}]. Groups under "
        "20 people are listed but not judged; under 5 they get no figures.",
        "",
        f"- within the band without the floor: **{'yes' if audit.in_band_before else 'no'}**; "
        f"with it: **{'yes' if audit.in_band_after else 'no'}** "
        f"({audit.steps} calibration steps)",
        f"- {value_kind} of all lists: {_f(audit.need_value_before)} without the floor, "
        f"{_f(audit.need_value_after)} with it: loss {_f(100 * audit.loss, 2)}% "
        f"(limit {100 * MAX_LOSS:.0f}%)",
        "",
        "![exposure ratios](fairness_exposure.png)",
        "",
    ]
    rows = []
    for attr, groups in audit.groups.items():
        for g in groups:
            hidden = g.n < 5
            rows.append(
                [
                    attr,
                    g.group,
                    str(g.n),
                    "" if hidden else _f(g.need, 1),
                    "" if hidden else _f(g.ratio_before),
                    "" if hidden else _f(g.ratio_after),
                    _f(g.emphasis, 1),
                ]
            )
    header = ["attribute", "group", "people", "need", "ratio without", "ratio with", "emphasis"]
    lines += table(header, rows)
    return "\n".join(lines) + "\n"


def floor_document(
    audit: ExposureAudit, employee_ids: list[str], emphasis: np.ndarray
) -> dict[str, object]:
    """What the service reads (RECSVC_EXPOSURE_FLOOR_FILE): emphasis per employee id (> 0)."""
    return {
        "band": list(audit.band),
        "emphasis": {
            e: round(float(a), 3) for e, a in zip(employee_ids, emphasis, strict=True) if a > 0
        },
    }


def write_fairness_report(audit: ExposureAudit, out: Path) -> list[Path]:
    """Write ``fairness.md``, ``fairness.json`` and the plot into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    _plot(audit, out)
    doc = {**audit.to_dict(), "plots": FAIRNESS_PLOTS}
    (out / "fairness.json").write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
    (out / "fairness.md").write_text(_markdown(audit), encoding="utf-8")
    return [out / "fairness.md", out / "fairness.json", *(out / p for p in FAIRNESS_PLOTS)]
