"""What kind of data the trainer was given: the regime it found and what it had to skip.

The same trainer meets steady organisations (everyone with years of history), cohort data
(people arriving in waves with short bursts of history) and bare LMS exports (only
enrolments and content). The summary, the manifest and ``GET /model`` say which it found, so
a data scientist can tell why a model was chosen and what the bundle cannot do.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from recsvc.dataset import Dataset
from recsvc.features.confidence import STATUS_CODES
from recsvc.training.holdout import Holdout

__all__ = [
    "GLOBAL_CUT_SHARE",
    "SKIPPED_WITHOUT",
    "describe_regime",
    "regime_text",
    "skipped_stages",
]

#: the share of latest enrolments a global time cut would hold out (the diagnosis below)
GLOBAL_CUT_SHARE = 0.15
#: below this share of a global cut's held-out enrolments coming from people with earlier
#: history, the data arrives in waves: a global cut would validate mostly newcomers
WAVES_BELOW = 0.5

#: capability -> what the trainer leaves out without it
SKIPPED_WITHOUT: dict[str, str] = {
    "skills": "skill state, learning value and strategic weights (no skills/content_skills)",
    "skill_gaps": "role skill gaps and the role prior (needs employees with roles, role_skills)",
    "roles": "popular-in-role and role popularity features (no employees with roles)",
    "assessments": "assessed skill evidence and course-test gains (no assessments)",
    "prerequisites": "prerequisite rules (no prerequisites)",
    "career_paths": "career paths (no career_paths)",
}


def skipped_stages(capabilities: Iterable[str]) -> dict[str, str]:
    """What was skipped for lack of data, keyed by the missing capability."""
    have = set(capabilities)
    return {cap: why for cap, why in SKIPPED_WITHOUT.items() if cap not in have}


def _quantiles(values: np.ndarray) -> dict[str, float]:
    if len(values) == 0:
        return {"p10": 0.0, "median": 0.0, "p90": 0.0}
    p10, median, p90 = np.percentile(values, [10, 50, 90])
    return {"p10": float(p10), "median": float(median), "p90": float(p90)}


def describe_regime(dataset: Dataset, holdout: Holdout | None = None) -> dict[str, Any]:
    """Employees with history, history lengths, what a global cut would hold out, and (with a
    ``holdout``) the validation protocol and how many employees each slice has."""
    en = dataset.enrolments
    positive = en.status != STATUS_CODES["dropped"]
    keys = np.unique(
        en.employee_idx[positive].astype(np.int64) * dataset.n_items + en.content_idx[positive]
    )
    per_employee = np.bincount(keys // max(dataset.n_items, 1), minlength=dataset.n_employees)
    with_history = per_employee[per_employee > 0]
    warm_share = float("nan")
    if len(en):
        cut = float(np.quantile(en.day, 1.0 - GLOBAL_CUT_SHARE))
        before = np.zeros(dataset.n_employees, dtype=bool)
        before[en.employee_idx[en.day < cut]] = True
        later = en.employee_idx[en.day >= cut]
        warm_share = float(before[later].mean()) if len(later) else float("nan")
    shape = "waves" if warm_share < WAVES_BELOW else "steady"
    found: dict[str, Any] = {
        "shape": shape,
        "employees": int(dataset.n_employees),
        "employees_with_history": int(len(with_history)),
        "history_items": _quantiles(with_history),
        "global_cut_warm_share": round(warm_share, 4) if np.isfinite(warm_share) else None,
        "interactions_only": not {"skills", "roles", "assessments"} & set(dataset.capabilities),
    }
    if holdout is None:
        return found
    return {
        **found,
        "protocol": holdout.protocol,
        "protocol_description": holdout.describe(),
        "validation_employees": {
            "warm_tune": int(len(holdout.tune_users)),
            "warm_eval": int(len(holdout.eval_users)),
            "cold_tune": int(len(holdout.cold_tune_users)),
            "cold_eval": int(len(holdout.cold_eval_users)),
        },
    }


def regime_text(regime: dict[str, Any] | None) -> str:
    """One sentence naming the data regime (shape, history lengths, global-cut diagnosis)."""
    if not regime:
        return "n/a"
    hist = regime["history_items"]
    warm = regime.get("global_cut_warm_share")
    cut = f"{warm:.0%}" if warm is not None else "n/a"
    kind = "interactions only" if regime.get("interactions_only") else "full data contract"
    return (
        f"{regime['shape']} ({kind}); {regime['employees_with_history']:,} of "
        f"{regime['employees']:,} employees have history, distinct items per person median "
        f"{hist['median']:.0f} (p10 {hist['p10']:.0f}, p90 {hist['p90']:.0f}); of a global "
        f"{GLOBAL_CUT_SHARE:.0%} time cut's held-out enrolments, {cut} come from people with "
        "earlier history"
    )
