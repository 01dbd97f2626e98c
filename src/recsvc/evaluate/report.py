"""Write an evaluation as Markdown (people), JSON (machines) and PNG plots, and docs from it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from recsvc.evaluate.fairness import MIN_GROUP
from recsvc.evaluate.markdown import difference, table
from recsvc.evaluate.need_report import need_section
from recsvc.evaluate.plots import PLOTS, plot_names, write_plots
from recsvc.evaluate.result import BASELINES, MODEL_NOTES, EvaluationResult, fmt, fmt_ci
from recsvc.training.regime import regime_text

__all__ = ["render_markdown", "write_docs", "write_reports"]


def _accuracy(result: EvaluationResult) -> list[str]:
    k = result.k
    header = [
        "model",
        "what it is",
        f"nDCG@{k}",
        f"recall@{k}",
        f"precision@{k}",
        f"MAP@{k}",
        f"hit rate@{k}",
        f"hybrid - model, nDCG@{k} (paired)",
    ]
    rows = []
    for name in result.ordered():
        if name not in result.scores:
            rows.append([name, result.unavailable.get(name, "n/a")] + ["n/a"] * 6)
            continue
        e = result.scores[name].estimates
        diff = result.comparisons.get(name, {}).get(f"ndcg@{k}")
        rows.append(
            [
                f"**{name}**" if name == "hybrid" else name,
                MODEL_NOTES.get(name, ""),
                fmt_ci(e[f"ndcg@{k}"]),
                fmt_ci(e[f"recall@{k}"]),
                fmt(e[f"precision@{k}"].mean),
                fmt(e[f"map@{k}"].mean),
                fmt(e[f"hit_rate@{k}"].mean),
                "-" if name == "hybrid" else difference(diff),
            ]
        )
    return table(header, rows)


def _beyond(result: EvaluationResult) -> list[str]:
    k = result.k
    truth = any("gap_closure_true" in s.estimates for s in result.scores.values())
    header = [
        "model",
        "catalogue coverage",
        "ILD skills",
        "ILD formats",
        "novelty (bits)",
        f"gap closure@{k}",
    ] + ([f"true gap closure@{k}"] if truth else [])
    rows = []
    for name in result.ordered():
        if name not in result.scores:
            continue
        s = result.scores[name]
        e = s.estimates
        row = [
            name,
            fmt(s.coverage, 3),
            fmt(e["ild_skills"].mean, 3),
            fmt(e["ild_formats"].mean, 3),
            fmt(e["novelty"].mean, 2),
            fmt_ci(e["gap_closure"], 3),
        ]
        if truth:
            row.append(fmt_ci(e["gap_closure_true"], 3))
        rows.append(row)
    return table(header, rows)


def _by_k(result: EvaluationResult) -> list[str]:
    names = [n for n in result.ordered() if n in result.scores]
    ks = sorted(result.scores[names[0]].by_k["ndcg"]) if names else []
    rows = [[n] + [fmt(result.scores[n].by_k["ndcg"][kk]) for kk in ks] for n in names]
    return table(["model"] + [f"nDCG@{kk}" for kk in ks], rows)


def _fairness(result: EvaluationResult) -> list[str]:
    if not result.fairness:
        return ["No `audit_` columns in the data: exposure parity cannot be measured."]
    lines = [
        "Among employees with something to find (test items for nDCG; a non-empty skill gap "
        f"for closure). Groups under {MIN_GROUP} employees are shown but not judged. "
        "Ratio = best group mean / worst group mean (1.00 = parity).",
        "",
    ]
    rows = []
    for t in result.fairness:
        groups = "; ".join(
            f"{r.group}: {fmt(r.mean, 3)} [{fmt(r.low, 3)}, {fmt(r.high, 3)}] (n={r.n})"
            for r in t.rows
        )
        rows.append(
            [
                t.attribute,
                t.model,
                t.metric,
                fmt(t.ratio, 2),
                "yes" if t.overlap else "**no**",
                groups,
            ]
        )
    lines += table(["attribute", "model", "metric", "max/min", "CIs overlap", "groups"], rows)
    floor = result.meta.get("exposure_floor")
    if isinstance(floor, dict):
        low, high = floor["band"]
        lines += [
            "",
            f"Equal access (exposure to high-value learning relative to need, band [{low}, "
            f"{high}]): within the band without the floor "
            f"**{'yes' if floor['in_band_before'] else 'no'}**, with it "
            f"**{'yes' if floor['in_band_after'] else 'no'}**; need value given up "
            f"{100 * (floor['need_value_loss'] or 0.0):.2f}%. Per group: `fairness.md` in the "
            "report folder.",
        ]
    return lines


def _cold(result: EvaluationResult) -> list[str]:
    if not result.cold:
        n = result.meta.get("data", {}).get("cold_start_employees", 0)
        return [f"{n} test employees had no training history: too few to report."]
    k = result.k
    rows = [
        [name, fmt_ci(s.estimates[f"ndcg@{k}"]), fmt_ci(s.estimates[f"recall@{k}"])]
        for name, s in result.cold.items()
    ]
    return table(["model", f"nDCG@{k}", f"recall@{k}"], rows)


def _details(result: EvaluationResult) -> list[str]:
    meta = result.meta
    hy = meta.get("hybrid", {})
    weights = ", ".join(f"{n} {w:+.2f}" for n, w in hy.get("ranker_weights", {}).items())
    stages = ", ".join(f"{n} {s:.1f} s" for n, s in meta.get("stages", {}).items())
    return [
        f"- Data: {json.dumps(meta.get('data', {}))}",
        f"- Hybrid hyper-parameters: {json.dumps(hy.get('hyperparams', {}))}",
        f"- Learned ranker weights (standardised): {weights}",
        f"- Strategies used by the served hybrid: {json.dumps(hy.get('strategies', {}))}",
        f"- Baseline settings: {json.dumps(meta.get('baselines', {}))}",
        f"- Settings: {json.dumps(meta.get('settings', {}))}",
        f"- Stages: {stages}; total {meta.get('seconds', 0)} s",
    ]


METHOD = """\
- **What is evaluated.** The hybrid is trained on the training part exactly as `recsvc train`
  trains (tuning, the choice of engagement model and the ranker use the trainer's own
  per-employee holdout *inside* the training part, see docs/model-selection.md), written
  as a real bundle, loaded back, and asked through `Recommender.recommend`, with the default
  diversity and every business rule; so is every ablation (only its ranker differs).
  Baselines rank the same allowed items (active, not already completed or in progress,
  prerequisites met).
- **Relevant items** are the test-period enrolments that were not dropped, minus items the
  employee had already taken in training. Evaluated employees have test items and some
  training history; employees without history are reported under cold start.
- **Confidence intervals** are percentile bootstraps over employees (95%). The paired column
  bootstraps the per-employee difference, which separates real differences from noise where
  two separate CIs overlap; `*` marks a paired CI that excludes 0.
- **Ablations** re-learn the ranker without the component's features (same examples), so
  they show what each component adds to the blend, not what a broken blend would lose.
- **Single candidates** (ALS, BPR, EASE, item-kNN) use the settings the trainer's Optuna
  search chose on its inner holdout; **ceiling (tuned on test)** is a reference, never a
  candidate: the same search scored on the test items themselves, its best model refitted
  on the training part.
- **hybrid-oracle** is a diagnostic, never a candidate: its ranker is fitted on the test
  period's own answers, so it bounds what re-weighting the same features could reach. When
  the ceiling itself sits inside a baseline's CI, better weights cannot separate them;
  only better features or more employees can.
- **Gap closure@k**: share of the weighted gap (role and target role requirements, weight
  importance x (1 + strategic weight)) the top k would close if completed. Estimated levels
  come from the bundle; true levels and gains only from a sample's ground truth.
- **Novelty** is the mean self-information (-log2 share of employees who took the item);
  ILD is the mean pairwise 1 - cosine of skill vectors or of formats; coverage is the share
  of the active catalogue recommended to at least one evaluated employee.
"""


def _margin(choice: dict[str, Any]) -> str:
    """The blend's paired margin over the best single candidate and its SE, when measured."""
    if "blend_margin" not in choice:
        return ""
    return (
        f" (learned blend - {choice['best_single']}: {choice['blend_margin']:+.4f}, "
        f"SE {choice['blend_margin_se']:.4f} over {choice['employees']} employees)"
    )


def _selection(result: EvaluationResult) -> list[str]:
    m = result.meta
    sel = m.get("selection", {})
    warm = sel.get("warm", {})
    cold = sel.get("cold", {})
    out = [
        "The trainer tunes every candidate with Optuna on its own inner holdout, then chooses "
        "the engagement ranking per slice by cross-fitted nDCG@10: the learned blend only when "
        "it beats the best single candidate by more than one standard error of the paired "
        "per-employee difference (see [model-selection.md](model-selection.md)). The served "
        "default (`hybrid`, objective need) ranks learning value first and uses this choice as "
        "its engagement part; `engagement-ranking` is that engagement part alone, "
        "`hybrid-engagement` the same with the service's default MMR diversity.",
        "",
        f"- Warm employees: chose **{warm.get('model', 'n/a')}**{_margin(warm)}; trainer's "
        "cross-fitted nDCG@10: "
        + ", ".join(f"{k} {v:.4f}" for k, v in dict(warm.get("ndcg@10", {})).items()),
        f"- Cold-start slice: chose **{cold.get('model', 'n/a')}**{_margin(cold)}"
        + (
            "; " + ", ".join(f"{k} {v:.4f}" for k, v in dict(cold.get("ndcg@10", {})).items())
            if cold.get("ndcg@10")
            else ""
        ),
        f"- Tuning budget reached: {m.get('tuning_budget_hit')}",
        "",
        *[f"- {line}" for line in result.selection_check()],
    ]
    return out


def render_markdown(result: EvaluationResult, *, images: bool = True) -> str:
    """The whole report; ``images=False`` replaces plot links with a pointer to reports/."""
    m = result.meta
    machine = m.get("machine", {})
    verdict = "**yes**" if result.ahead_of_every_baseline() else "**no** (see the lines below)"
    out = [
        "# Offline evaluation",
        "",
        f"Generated by `recsvc evaluate` on {machine.get('date', '?')} in {m.get('seconds')} s "
        "(do not edit by hand; rerun `make evaluate`).",
        "",
        f"- Split: {result.split}",
        f"- Data regime: {regime_text(m.get('regime'))}",
        f"- k = {result.k}; {m.get('data', {}).get('evaluated_employees')} employees evaluated; "
        f"baselines: {', '.join(b for b in BASELINES if b in result.scores)}",
        f"- Machine: {machine.get('cpu')}, {machine.get('cores')} cores, "
        f"{machine.get('ram_gib')} GiB RAM, {machine.get('os')}, Python {machine.get('python')}, "
        f"OPENBLAS_NUM_THREADS={machine.get('blas_threads')}",
        "- Libraries: "
        + ", ".join(f"{k} {v}" for k, v in dict(machine.get("libraries", {})).items()),
        "",
        "## Verdict",
        "",
        f"Hybrid ahead of every baseline on nDCG@{result.k} with non-overlapping CIs: {verdict}",
        "",
        *[f"- {line}" for line in result.verdict()],
        "",
        f"## Accuracy at k = {result.k}",
        "",
        *_accuracy(result),
        "",
        "## Model selection",
        "",
        *_selection(result),
        "",
        "## Beyond accuracy",
        "",
        *_beyond(result),
        "",
        *need_section(result),
        "## nDCG by k",
        "",
        *_by_k(result),
        "",
        "## Exposure parity across audit groups",
        "",
        *_fairness(result),
        "",
        "## Cold start (test employees without training history)",
        "",
        *_cold(result),
        "",
        "## Plots",
        "",
    ]
    for name in plot_names(result):
        caption = PLOTS[name]
        out.append(f"![{caption}]({name})" if images else f"- `reports/{name}`: {caption}")
    out += ["", "## Method", "", METHOD, "## Run details", "", *_details(result), ""]
    return "\n".join(out)


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=False, allow_nan=False) + "\n"


def write_reports(result: EvaluationResult, out_dir: Path) -> list[Path]:
    """``evaluation.md``, ``evaluation.json`` and the plots into ``out_dir``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    plots = write_plots(result, out_dir)
    md = out_dir / "evaluation.md"
    md.write_text(render_markdown(result), encoding="utf-8")
    js = out_dir / "evaluation.json"
    js.write_text(_json(result.to_dict()), encoding="utf-8")
    return [md, js, *plots]


def write_docs(result: EvaluationResult, path: Path) -> Path:
    """The same report for ``docs/evaluation.md`` (plots stay in ``reports/``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_markdown(result, images=False), encoding="utf-8")
    return path
