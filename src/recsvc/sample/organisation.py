"""Assemble a whole sample organisation: contract tables plus separate ground truth."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from recsvc.contract import (
    ASSESSMENT_SOURCES,
    ASSESSMENTS,
    AUDIT_PREFIX,
    CAREER_PATHS,
    CLEAN_DTYPES,
    CONTENT,
    CONTENT_SKILLS,
    EMPLOYEES,
    ENROLMENT_STATUSES,
    ENROLMENTS,
    MENTORS,
    PREREQUISITES,
    ROLE_HISTORY,
    ROLE_SKILLS,
    ROLES,
    SKILLS,
    TABLE_ORDER,
    TABLES,
    ColumnKind,
)
from recsvc.sample.activity import Activity, simulate_activity
from recsvc.sample.careers import make_role_history
from recsvc.sample.catalogue import Catalogue, make_catalogue
from recsvc.sample.mentors import make_mentors
from recsvc.sample.people import People, make_people, optional_ids
from recsvc.sample.regimes import INTERACTION_TABLES, Regime, check_regime, cohort_people
from recsvc.sample.taxonomy import load_taxonomy

__all__ = [
    "FLOAT_DECIMALS",
    "SampleOrganisation",
    "conform",
    "default_content_count",
    "generate_sample",
]

logger = logging.getLogger(__name__)

FLOAT_DECIMALS = 4
"""Floats are rounded so CSV, Parquet and SQLite hold the same values."""


@dataclass(frozen=True)
class SampleOrganisation:
    """Contract tables (name -> frame in contract column order and clean dtypes, plus
    ``audit_`` columns on employees) and ground truth the trainer must never read."""

    tables: dict[str, pd.DataFrame]
    ground_truth: dict[str, pd.DataFrame]
    seed: int | None = None
    regime: str = "default"


def default_content_count(n_employees: int) -> int:
    """A quarter of the headcount, at least 300 and at most 20,000 items."""
    return int(np.clip(n_employees // 4, 300, 20_000))


def _timestamps(seconds: npt.NDArray[np.generic]) -> pd.Series:
    values = np.asarray(seconds, dtype=np.int64).astype("datetime64[s]").astype("datetime64[ns]")
    values[np.asarray(seconds) < 0] = np.datetime64("NaT")
    return pd.Series(values).dt.tz_localize("UTC")


def conform(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Contract column order and clean dtypes; floats rounded; audit columns kept last."""
    spec = TABLES[name]
    out: dict[str, pd.Series] = {}
    for col in spec.columns:
        values = frame[col.name]
        dtype = CLEAN_DTYPES[col.kind]
        if col.kind == ColumnKind.TIMESTAMP:
            out[col.name] = _timestamps(values.to_numpy())
            continue
        if col.kind == ColumnKind.FLOAT:
            values = pd.Series(np.round(values.to_numpy(dtype=float), FLOAT_DECIMALS))
        out[col.name] = pd.Series(values.to_numpy(), dtype=dtype)
    for audit in (c for c in frame.columns if c.startswith(AUDIT_PREFIX)):
        out[audit] = pd.Series(frame[audit].to_numpy(), dtype="string")
    return pd.DataFrame(out)


def _activity_tables(
    tax_skill_ids: npt.NDArray[np.object_],
    cat: Catalogue,
    people: People,
    act: Activity,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    emp_ids = people.employees["employee_id"].to_numpy(dtype=object)
    item_ids = cat.content["content_id"].to_numpy(dtype=object)
    e = act.enrolments
    order = np.lexsort((e["enrolled_at"], e["employee"]))
    enrolments = pd.DataFrame(
        {
            "employee_id": emp_ids[e["employee"][order]],
            "content_id": item_ids[e["item"][order]],
            "enrolled_at": e["enrolled_at"][order],
            "status": np.array(ENROLMENT_STATUSES, dtype=object)[e["status"][order]],
            "completed_at": e["completed_at"][order],
            "progress": e["progress"][order],
            "score": e["score"][order],
            "rating": e["rating"][order],
        }
    )
    a = act.assessments
    order = np.lexsort((a["assessed_at"], a["employee"]))
    item = np.asarray(a["item"])[order].astype(np.int64)
    assessments = pd.DataFrame(
        {
            "employee_id": emp_ids[a["employee"][order]],
            "skill_id": tax_skill_ids[a["skill"][order]],
            "level": a["level"][order],
            "assessed_at": a["assessed_at"][order],
            "source": np.array(ASSESSMENT_SOURCES, dtype=object)[a["source"][order]],
            "content_id": optional_ids(item_ids, item),
        }
    )
    return enrolments, assessments


def _ground_truth(
    tax_skill_ids: npt.NDArray[np.object_],
    categories: tuple[str, ...],
    cat: Catalogue,
    people: People,
    act: Activity,
    relevant: npt.NDArray[np.bool_],
) -> dict[str, pd.DataFrame]:
    emp_ids = people.employees["employee_id"].to_numpy(dtype=object)
    keep = relevant | (np.abs(act.final_levels - people.levels) > 1e-9)
    rows, cols = np.nonzero(keep)
    n, k = people.interests.shape
    return {
        "true_skill_levels": pd.DataFrame(
            {
                "employee_id": pd.Categorical(emp_ids[rows]),
                "skill_id": pd.Categorical(tax_skill_ids[cols]),
                "level_at_start": np.round(people.levels[rows, cols], FLOAT_DECIMALS),
                "level": np.round(act.final_levels[rows, cols], FLOAT_DECIMALS),
            }
        ),
        "content_effectiveness": cat.effectiveness.copy(),
        "employee_interests": pd.DataFrame(
            {
                "employee_id": pd.Categorical(np.repeat(emp_ids, k)),
                "category": pd.Categorical(np.tile(np.array(categories, dtype=object), n)),
                "weight": np.round(people.interests.ravel(), FLOAT_DECIMALS),
            }
        ),
        "employee_latent": pd.DataFrame(
            {
                "employee_id": emp_ids,
                "taste_cluster": people.cluster,
                "enrolment_rate": np.round(people.rate, FLOAT_DECIMALS),
            }
        ),
    }


def generate_sample(
    n_employees: int = 2000,
    *,
    seed: int = 42,
    n_content: int | None = None,
    regime: Regime = "default",
) -> SampleOrganisation:
    """Generate a deterministic sample organisation: the same arguments give the same data.

    Parts draw from independent streams of one seed, so e.g. a catalogue change does not
    reshuffle the people. ``regime`` picks the data shape (see :mod:`recsvc.sample.regimes`).
    """
    regime = check_regime(regime)
    if n_employees < 1:
        raise ValueError(f"n_employees must be at least 1, got {n_employees}")
    n_items = default_content_count(n_employees) if n_content is None else n_content
    if n_items < 1:
        raise ValueError(f"n_content must be at least 1, got {n_items}")
    started = time.perf_counter()
    # spawn keys are positional: a new stream leaves the earlier ones (and their data) as is
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(6)]
    tax = load_taxonomy()
    cat = make_catalogue(streams[0], tax, n_items)
    people = make_people(streams[1], tax, n_employees)
    if regime == "cohort":
        people = cohort_people(streams[3], people)
    act = simulate_activity(streams[2], tax, cat, people)
    skill_ids = tax.skills["skill_id"].to_numpy(dtype=object)
    enrolments, assessments = _activity_tables(skill_ids, cat, people, act)
    raw = {
        ROLES: tax.roles,
        SKILLS: tax.skills,
        CONTENT: cat.content,
        EMPLOYEES: people.employees,
        MENTORS: make_mentors(
            streams[4], people.employees["employee_id"].to_numpy(dtype=object), act.final_levels
        ),
        CONTENT_SKILLS: cat.content_skills,
        ROLE_SKILLS: tax.role_skills,
        ENROLMENTS: enrolments,
        ASSESSMENTS: assessments,
        CAREER_PATHS: tax.career_paths,
        PREREQUISITES: cat.prerequisites,
        ROLE_HISTORY: make_role_history(streams[5], tax, people),
    }
    kept = INTERACTION_TABLES if regime == "interactions-only" else TABLE_ORDER
    tables = {name: conform(name, raw[name]) for name in TABLE_ORDER if name in kept}
    relevant = tax.importance[people.role] > 0
    has_target = people.target >= 0
    relevant[has_target] |= tax.importance[people.target[has_target]] > 0
    truth = _ground_truth(skill_ids, tax.categories, cat, people, act, relevant)
    logger.info(
        "generated a %s sample: %d employees, %d items, %d enrolments in %.1f s",
        regime,
        n_employees,
        n_items,
        len(enrolments),
        time.perf_counter() - started,
    )
    return SampleOrganisation(tables=tables, ground_truth=truth, seed=seed, regime=regime)
