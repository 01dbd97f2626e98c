"""The report's "Need (against the sample's truth)" section: need value, waste, skill state.

Kept apart from ``report`` so the section that only exists with ground truth can grow
(new need metrics) without touching the general report.
"""

from __future__ import annotations

from recsvc.evaluate.markdown import difference, table
from recsvc.evaluate.result import MODEL_NOTES, EvaluationResult, fmt, fmt_ci
from recsvc.evaluate.runner import NEED_ORACLE

__all__ = ["need_section"]

INTRO = """\
Judged with the sample's hidden truth (`ground_truth/`), which no model sees: true skill
levels at each employee's cut, replayed from the start of the sample's window through the
items they completed before it (the bundle's estimate where a skill has none), and each
item's true gain per skill. An item adds `true gain x room` on every skill it teaches, with
`room = clip(taught level + 0.5 - level, 0, 1)`, the generator's own rule.
"""


def _metric_lines(k: int) -> list[str]:
    return [
        f"- **need value@{k}**: the weighted skill levels the top {k} would really add where "
        "the employee's roles need them (per skill the summed true gains, capped by the true "
        "gap, weighted importance x (1 + strategic weight)), averaged over employees with a "
        "true gap.",
        f"- **waste@{k}**: the share of the top {k} that teaches nothing new under the truth "
        "(on every skill an item teaches the learner is already past it or its true gain is 0).",
        f"- **true gap closure@{k}**: need value@{k} divided by the employee's whole weighted "
        "true gap.",
        f"- **{NEED_ORACLE}** is a reference that knows the truth, not a model: per employee it "
        f"greedily picks up to {k} allowed items by added need value (stopping when nothing "
        f"adds any), so it bounds need value@{k}.",
    ]


SKILL_STATE_LINES = [
    "- **MAE / RMSE**: mean absolute and root-mean-square error of the estimated level "
    "against the true level, in levels.",
    "- **AUC pass@L**: how well `P = 1 - Phi((L - mean) / sd)` ranks the pairs whose true "
    "level is at least L above the others, pooled over L = 1..5 (1 perfect, 0.5 chance).",
    "- **ECE pass@L**: expected calibration error of the same P, the size-weighted mean gap "
    "between predicted and observed pass rates over 10 equal-width bins (0 = calibrated).",
]


def _models(result: EvaluationResult) -> list[str]:
    k = result.k
    header = [
        "model",
        "what it is",
        f"need value@{k} [95% CI]",
        f"hybrid - model, need value@{k} (paired)",
        f"waste@{k}",
        f"true gap closure@{k}",
    ]
    rows = []
    for name in result.ordered():
        if name not in result.scores:
            continue
        e = result.scores[name].estimates
        diff = result.comparisons.get(name, {}).get(f"need_value@{k}")
        rows.append(
            [
                f"**{name}**" if name == "hybrid" else name,
                MODEL_NOTES.get(name, ""),
                fmt_ci(e[f"need_value@{k}"], 3),
                "-" if name == "hybrid" else difference(diff, 3),
                fmt_ci(e[f"waste@{k}"], 3),
                fmt_ci(e["gap_closure_true"], 3),
            ]
        )
    return table(header, rows)


def _skill_state(result: EvaluationResult) -> list[str]:
    rows = result.skill_state
    if not rows or rows[0].n == 0:
        return ["No evaluated employee has a true level on a skill their roles require."]
    lines = [
        f"Over {rows[0].n} pairs (evaluated employee, skill their role or target role "
        "requires) with a true level: the served estimate at the split (`signals.current`, its "
        "sd `signals.level_sd`, and what it rests on, `signals.evidence`), against the true "
        "level at the same cut.",
        "",
        *SKILL_STATE_LINES,
        "",
    ]
    cells = [
        [r.group, str(r.n), fmt(r.mae, 3), fmt(r.rmse, 3), fmt(r.auc, 3), fmt(r.ece, 3)]
        for r in rows
    ]
    if len(rows) == 1:
        lines += ["The estimator does not report evidence kinds: no breakdown by evidence.", ""]
    header = ["estimate rests on", "pairs", "MAE", "RMSE", "AUC pass@L", "ECE pass@L"]
    return lines + table(header, cells)


def need_section(result: EvaluationResult) -> list[str]:
    """Markdown lines of the section (with its heading); empty without ground truth."""
    if not result.has_truth:
        return []
    k = result.k
    ratios = [
        f"- {name}, need value@{k}: {fmt_ci(e, 2)} (paired bootstrap over {e.n} employees)"
        for name, e in result.need_ratios.items()
    ]
    return [
        "## Need (against the sample's truth)",
        "",
        INTRO,
        *_metric_lines(k),
        "",
        *_models(result),
        "",
        *ratios,
        "",
        "### Skill-state accuracy",
        "",
        *_skill_state(result),
        "",
    ]
