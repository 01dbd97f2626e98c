"""Learning impact: what each item and each skill's content really teaches, with intervals.

Per item, the difference-in-differences gain of :mod:`recsvc.training.did` (course tests of
takers against matched non-takers), standardised to a learner one level below the level it
teaches, with its 95% interval, shown only when its balance and overlap checks pass. Items
are *flagged ineffective* when the estimate is under ``INEFFECTIVE_SHARE`` of the typical
gain of items of the same format (a video is compared with videos); skills are pooled over
their shown items, and a skill's catalogue *does not work* when even the upper end of its
pooled interval is under half the typical item gain.

Figures come only from groups of at least ``min_group`` people (never below 5): an item with
fewer takers is listed with the checks it failed and no numbers, so no figure is one
person's test result.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from recsvc import contract as c
from recsvc.dataset import build_dataset, id_values
from recsvc.evaluate.fairness import strip_audit
from recsvc.features.skills import SkillParams, calibrate_sources, content_skill_matrices
from recsvc.privacy import check_min_group
from recsvc.training.assemble import SIGMA
from recsvc.training.did import estimate_item_gains
from recsvc.training.gains import course_test_gains, gain_curve

__all__ = [
    "INEFFECTIVE_SHARE",
    "MIN_FORMAT_ITEMS",
    "ImpactResult",
    "analyse_impact",
    "truth_check",
]

#: an item teaching under this share of its format's typical gain is flagged ineffective
INEFFECTIVE_SHARE = 0.25
#: fewest shown items of a format to take that format's typical gain (else all items')
MIN_FORMAT_ITEMS = 5
#: a skill's catalogue does not work when its pooled upper bound is under this share of
#: the typical item gain
NOT_WORKING_SHARE = 0.5
_Z = 1.959963984540054


@dataclass(frozen=True)
class ImpactResult:
    """Per item and per skill learning gains, and what was checked."""

    items: pd.DataFrame  # one row per (item, skill) with course tests
    skills: pd.DataFrame  # one row per skill with at least one shown item
    typical_gain: float  # median shown item gain (levels, one level below)
    min_group: int

    @property
    def shown(self) -> pd.DataFrame:
        return self.items[self.items["shown"]]


def _names(tables: Mapping[str, pd.DataFrame], table: str, key: str, col: str) -> dict[Any, str]:
    frame = tables.get(table)
    if frame is None or col not in frame.columns:
        return {}
    return dict(zip(id_values(frame[key]), frame[col].astype("string").fillna(""), strict=True))


def _flag_ineffective(items: pd.DataFrame) -> pd.Series:
    shown = items[items["shown"]]
    overall = float(shown["gain"].median()) if len(shown) else float("nan")
    grouped = shown.groupby("format")["gain"]
    medians = grouped.median()[grouped.size() >= MIN_FORMAT_ITEMS]
    typical = items["format"].map(medians).astype("float64").fillna(overall)
    return items["shown"] & (items["gain"] < INEFFECTIVE_SHARE * typical)


def _skills(items: pd.DataFrame, typical: float) -> pd.DataFrame:
    """Per skill: takers-weighted gain of its shown items and a pooled 95% interval."""
    shown = items[items["shown"]]
    rows = []
    for (skill_id, name), grp in shown.groupby(["skill_id", "skill_name"], sort=True):
        n = grp["n_takers"].to_numpy(np.float64)
        share = n / n.sum()
        gain = float((share * grp["gain"]).sum())
        se = float(np.sqrt((share**2 * grp["se"] ** 2).sum()))
        rows.append(
            {
                "skill_id": skill_id,
                "skill_name": name,
                "items": len(grp),
                "takers": int(n.sum()),
                "gain": gain,
                "low": gain - _Z * se,
                "high": gain + _Z * se,
                "ineffective_items": int(grp["ineffective"].sum()),
            }
        )
    columns = ["skill_id", "skill_name", "items", "takers", "gain", "low", "high"]
    out = pd.DataFrame(rows, columns=[*columns, "ineffective_items"])
    out["not_working"] = out["high"] < NOT_WORKING_SHARE * typical
    return out


def analyse_impact(tables: Mapping[str, pd.DataFrame], *, min_group: int = 5) -> ImpactResult:
    """Learning gains per item and skill from clean contract tables (see module doc)."""
    check_min_group(min_group)
    model_tables = strip_audit(tables)
    dataset = build_dataset(model_tables)
    _, level = content_skill_matrices(dataset)
    source_bias = calibrate_sources(model_tables.get(c.ASSESSMENTS), SkillParams()).source_bias
    curve = gain_curve(course_test_gains(dataset, level), SIGMA)
    _, est = estimate_item_gains(dataset, level, source_bias, curve, min_group=min_group)
    content = model_tables[c.CONTENT]
    titles = _names(model_tables, c.CONTENT, "content_id", "title")
    formats = _names(model_tables, c.CONTENT, "content_id", "format")
    duration = (
        pd.to_numeric(content["duration_minutes"], errors="coerce").tolist()
        if "duration_minutes" in content.columns
        else [np.nan] * len(content)
    )
    minutes = dict(zip(id_values(content["content_id"]), duration, strict=True))
    skill_names = _names(model_tables, c.SKILLS, "skill_id", "name")
    items = est.assign(
        content_id=[dataset.content.id_of(int(i)) for i in est["i"]],
        skill_id=[dataset.skills.id_of(int(s)) for s in est["s"]],
    )
    items["title"] = items["content_id"].map(titles).fillna("")
    items["format"] = items["content_id"].map(formats).fillna("")
    items["skill_name"] = items["skill_id"].map(skill_names).fillna(items["skill_id"])
    hours = items["content_id"].map(minutes).astype("float64") / 60.0
    items["hours"] = hours
    items["gain_per_hour"] = np.where(hours > 0, items["gain"] / hours, np.nan)
    items["ineffective"] = _flag_ineffective(items)
    # no figures from fewer than min_group takers: their numbers would be a few people's tests
    few = items["n_takers"] < min_group
    hidden = ["taker_change", "att", "gain", "low", "high", "se", "gain_per_hour", "smd"]
    items.loc[few, hidden] = np.nan
    items = items.drop(columns=["i", "s"])
    typical = float(items.loc[items["shown"], "gain"].median())
    return ImpactResult(items, _skills(items, typical), typical, min_group)


def truth_check(result: ImpactResult, ground_truth: Path) -> dict[str, float]:
    """How the shown estimates compare with a sample's hidden truth (``ground_truth/``).

    coverage: share of shown 95% intervals containing the true gain; ineffective_recall:
    share of the generator's ineffective items among the shown that are flagged;
    ineffective_precision: share of flagged items that the generator made ineffective.
    """
    path = Path(ground_truth) / "content_effectiveness.parquet"
    if not path.is_file():
        raise FileNotFoundError(f"{path} not found: pass a sample's ground_truth/ folder")
    truth = pd.read_parquet(path)
    m = result.shown.merge(truth, on=["content_id", "skill_id"], how="inner")
    if len(m) == 0:
        return {"items": 0.0}
    covered = (m["low"] <= m["true_gain"]) & (m["true_gain"] <= m["high"])
    bad = m["ineffective_y"] if "ineffective_y" in m.columns else m["ineffective"]
    flagged = m["ineffective_x"] if "ineffective_x" in m.columns else m["ineffective"]
    return {
        "items": float(len(m)),
        "coverage": float(covered.mean()),
        "mean_error": float((m["gain"] - m["true_gain"]).mean()),
        "ineffective_items": float(bad.sum()),
        "ineffective_recall": float(flagged[bad].mean()) if bad.any() else float("nan"),
        "ineffective_precision": float(bad[flagged].mean()) if flagged.any() else float("nan"),
    }
