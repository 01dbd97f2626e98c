"""EvaluationResult: every figure of one run, the verdict on the hybrid, and a terminal summary."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from recsvc.evaluate.baselines import CEILING
from recsvc.evaluate.fairness import ParityTable
from recsvc.evaluate.measures import Estimate, ModelScores, paired_difference
from recsvc.evaluate.skill_state import SkillStateRow

__all__ = ["BASELINES", "CEILING", "CEILING_SHARE", "MODEL_NOTES", "EvaluationResult"]
#: the engagement ranking should reach this share of the ceiling's nDCG
CEILING_SHARE = 0.98

#: what each row of the report is, in report order
MODEL_NOTES: dict[str, str] = {
    "popularity": "most taken items overall",
    "popular_in_role": "most taken by people in the same role",
    "item_knn": "item-kNN on co-enrolments (cosine or BM25, tuned by the trainer)",
    "als": "implicit ALS alone (tuned by the trainer)",
    "bpr": "implicit BPR alone (tuned by the trainer)",
    "ease": "EASE alone (tuned by the trainer)",
    CEILING: "REFERENCE, not a model: the best single candidate with its settings tuned on "
    "the test split itself",
    "hybrid": "what the service returns (objective need): learning value first, weighted by "
    "the calibrated chance to take and finish; rules, MMR diversity",
    "hybrid-balanced": "the service with objective balanced: mean of scaled value and chance",
    "hybrid-engagement": "the service with objective engagement: the chance to take it alone",
    "engagement-ranking": "the engagement model the trainer chose, alone: objective "
    "engagement without MMR diversity, over the single candidates' items (refreshers allowed)",
    "hybrid-skills": "hybrid without the strategic-skill feature of the engagement model",
    "hybrid-content": "hybrid without content similarity",
    "hybrid-cf": "hybrid without ALS/BPR and EASE scores",
    "hybrid-ranker": "hybrid with equal weights instead of the learned ranker",
    "hybrid-diversity": "hybrid without MMR re-ranking (diversity 0)",
    "hybrid-oracle": "DIAGNOSTIC, not a model: ranker fitted on the test period (a ceiling)",
    "need-oracle": "REFERENCE, not a model: knows the true levels and gains; greedy best "
    "true need value among the allowed items",
}
BASELINES = ("popularity", "popular_in_role", "item_knn", "als", "bpr", "ease")


@dataclass(frozen=True)
class EvaluationResult:
    """One evaluation run. ``scores`` holds every available model; ``unavailable`` says why
    the others are n/a; ``comparisons[m][metric]`` is the paired difference hybrid - m."""

    k: int
    split: str
    meta: dict[str, Any]
    scores: dict[str, ModelScores]
    unavailable: dict[str, str]
    comparisons: dict[str, dict[str, Estimate]]
    fairness: list[ParityTable]
    cold: dict[str, ModelScores] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    #: "hybrid / popular_in_role" and "hybrid / need-oracle" ratios of need value@k
    need_ratios: dict[str, Estimate] = field(default_factory=dict)
    #: skill-state accuracy: all pairs, then one row per evidence kind
    skill_state: list[SkillStateRow] = field(default_factory=list)

    @property
    def has_truth(self) -> bool:
        return any(f"need_value@{self.k}" in s.estimates for s in self.scores.values())

    @property
    def headline(self) -> str:
        return f"ndcg@{self.k}"

    def ordered(self) -> list[str]:
        """Every model name (available or not) in report order."""
        known = [m for m in MODEL_NOTES if m in self.scores or m in self.unavailable]
        return known + [m for m in self.scores if m not in MODEL_NOTES]

    def verdict(self) -> list[str]:
        """Is the hybrid ahead of each baseline on the headline metric, beyond noise?"""
        if "hybrid" not in self.scores:
            return ["no hybrid result"]
        metric = self.headline
        hy = self.scores["hybrid"].estimates[metric]
        lines = []
        for name in BASELINES:
            if name not in self.scores:
                continue
            other = self.scores[name].estimates[metric]
            diff = self.comparisons[name][metric]
            if hy.mean > other.mean and not hy.overlaps(other):
                word = "ahead, CIs do not overlap"
            elif diff.low > 0:
                word = "ahead by a paired difference whose CI excludes 0, but the CIs overlap"
            elif diff.high < 0:
                word = "BEHIND (paired difference CI below 0)"
            else:
                word = "not distinguishable from noise"
            lines.append(
                f"hybrid vs {name}: {metric} {hy.mean:.4f} vs {other.mean:.4f}, "
                f"difference {diff.mean:+.4f} [{diff.low:+.4f}, {diff.high:+.4f}]: {word}"
            )
        return lines

    def selection_check(self) -> list[str]:
        """Does the engagement ranking the trainer chose hold against each single candidate
        and the test-tuned ceiling (means and CIs on the same employees)?"""
        metric = self.headline
        lines = []
        for served in ("engagement-ranking", "hybrid-engagement", "hybrid"):
            if served not in self.scores:
                continue
            hy = self.scores[served].estimates[metric]
            singles = [n for n in BASELINES if n in self.scores]
            best = max(singles, key=lambda n: self.scores[n].estimates[metric].mean)
            top = self.scores[best].estimates[metric]
            ok = "yes" if hy.mean >= top.mean else "NO"
            settings = self.meta.get("settings", {})
            diff = paired_difference(
                self.scores[served],
                self.scores[best],
                metric,
                seed=int(settings.get("seed", 0)),
                n_boot=int(settings.get("n_boot", 1000)),
            )
            lines.append(
                f"{served} >= every single candidate: {ok} ({hy.mean:.4f} [{hy.low:.4f}, "
                f"{hy.high:.4f}] vs best single {best} {top.mean:.4f} [{top.low:.4f}, "
                f"{top.high:.4f}]; paired difference {diff.mean:+.4f} "
                f"[{diff.low:+.4f}, {diff.high:+.4f}])"
            )
            if CEILING in self.scores:
                ceiling = self.scores[CEILING].estimates[metric].mean
                share = hy.mean / ceiling if ceiling > 0 else float("nan")
                ok = "yes" if share >= CEILING_SHARE else "NO"
                lines.append(
                    f"{served} >= {CEILING_SHARE:.2f} x ceiling: {ok} ({share:.3f} x {ceiling:.4f})"
                )
        return lines

    def ahead_of_every_baseline(self) -> bool:
        """True when the hybrid beats every available baseline with non-overlapping CIs."""
        if "hybrid" not in self.scores:
            return False
        hy = self.scores["hybrid"].estimates[self.headline]
        others = [self.scores[n].estimates[self.headline] for n in BASELINES if n in self.scores]
        return all(hy.mean > o.mean and not hy.overlaps(o) for o in others)

    def summary_columns(self) -> list[str]:
        return [
            "model",
            f"nDCG@{self.k} [95% CI]",
            f"recall@{self.k}",
            f"MAP@{self.k}",
            "coverage",
            "novelty",
            f"gap closure@{self.k}",
        ]

    def summary_rows(self) -> list[list[str]]:
        """One row of short strings per model, for a rich table on the terminal."""
        rows = []
        for name in self.ordered():
            if name not in self.scores:
                rows.append([name, self.unavailable.get(name, "n/a"), "", "", "", "", ""])
                continue
            s = self.scores[name]
            e = s.estimates
            rows.append(
                [
                    name,
                    fmt_ci(e[self.headline]),
                    fmt(e[f"recall@{self.k}"].mean),
                    fmt(e[f"map@{self.k}"].mean),
                    fmt(s.coverage, 3),
                    fmt(e["novelty"].mean, 2),
                    fmt(e["gap_closure"].mean, 3),
                ]
            )
        return rows

    def to_dict(self) -> dict[str, Any]:
        """Everything, JSON-ready (NaN becomes null)."""
        models: dict[str, Any] = {}
        for name in self.ordered():
            if name not in self.scores:
                models[name] = {"available": False, "note": self.unavailable.get(name, "")}
                continue
            s = self.scores[name]
            models[name] = {
                "available": True,
                "description": MODEL_NOTES.get(name, ""),
                "metrics": {key: e.to_dict() for key, e in s.estimates.items()},
                "coverage": s.coverage,
                "by_k": {metric: {str(k): v for k, v in d.items()} for metric, d in s.by_k.items()},
                "popularity_curve": list(s.popularity_curve),
                "hybrid_minus_this": {
                    key: e.to_dict() for key, e in self.comparisons.get(name, {}).items()
                },
            }
        out: dict[str, Any] = _clean(
            {
                "k": self.k,
                "split": self.split,
                "meta": self.meta,
                "verdict": self.verdict(),
                "hybrid_ahead_of_every_baseline": self.ahead_of_every_baseline(),
                "models": models,
                "fairness": [t.to_dict() for t in self.fairness],
                "need": self._need_dict(),
                "cold_start": {
                    name: {key: e.to_dict() for key, e in s.estimates.items()}
                    for name, s in self.cold.items()
                },
            }
        )
        return out

    def _need_dict(self) -> dict[str, Any] | None:
        """The "Need (against the sample's truth)" section; None without ground truth."""
        if not self.has_truth:
            return None
        k = self.k
        keys = (f"need_value@{k}", f"waste@{k}", "gap_closure_true")
        return {
            "models": {
                name: {key: self.scores[name].estimates[key].to_dict() for key in keys}
                for name in self.ordered()
                if name in self.scores
            },
            "ratios": {name: e.to_dict() for name, e in self.need_ratios.items()},
            "skill_state": [r.to_dict() for r in self.skill_state],
        }


def fmt(value: float, digits: int = 4) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def fmt_ci(e: Estimate, digits: int = 4) -> str:
    if not np.isfinite(e.mean):
        return "n/a"
    return f"{e.mean:.{digits}f} [{e.low:.{digits}f}, {e.high:.{digits}f}]"


def _clean(value: Any) -> Any:
    """Floats that are not finite become None; numpy scalars become Python numbers."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value
