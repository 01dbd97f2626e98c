"""Per-item and per-employee lookup arrays (formats, languages, durations, roles, names)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from recsvc import contract as c
from recsvc.dataset import Dataset, Enrolments, id_codes, id_values, to_days
from recsvc.language import primary_language

__all__ = [
    "ContentAttributes",
    "binary_matrix",
    "content_attributes",
    "employee_attributes",
    "employee_languages",
    "names",
    "prerequisite_matrix",
]

IntArray = npt.NDArray[np.int32]


@dataclass(frozen=True)
class ContentAttributes:
    titles: tuple[str, ...]
    languages: tuple[str, ...]
    content_format: npt.NDArray[np.int8]
    content_language: IntArray
    content_duration: npt.NDArray[np.float32]
    content_active: npt.NDArray[np.bool_]
    item_age_days: npt.NDArray[np.float32]


def _codes(values: list[str | None]) -> tuple[IntArray, tuple[str, ...]]:
    names_ = tuple(sorted({v for v in values if v}))
    pos = {n: i for i, n in enumerate(names_)}
    return np.array([pos.get(v, -1) if v else -1 for v in values], dtype=np.int32), names_


def binary_matrix(
    rows: npt.NDArray[np.integer], cols: npt.NDArray[np.integer], shape: tuple[int, int]
) -> sp.csr_matrix:
    """0/1 CSR with one entry per distinct (row, col)."""
    m = sp.csr_matrix((np.ones(len(rows), np.float32), (rows, cols)), shape=shape)
    m.sum_duplicates()
    m.data[:] = 1.0
    return m


def content_attributes(dataset: Dataset, en: Enrolments) -> ContentAttributes:
    """Codes and values per item; age counts from publication, else the first enrolment."""
    n_i = dataset.n_items
    cdf = dataset.tables[c.CONTENT]
    rows = id_codes(dataset.content, cdf["content_id"])
    fmt = np.full(n_i, -1, dtype=np.int8)
    fmt_vals = id_values(cdf["format"]) if "format" in cdf.columns else [None] * len(cdf)
    fmt[rows] = [c.CONTENT_FORMATS.index(v) if v in c.CONTENT_FORMATS else -1 for v in fmt_vals]
    lang_codes, languages = _codes(
        id_values(cdf["language"]) if "language" in cdf.columns else [None] * len(cdf)
    )
    lang = np.full(n_i, -1, dtype=np.int32)
    lang[rows] = lang_codes
    duration = np.full(n_i, np.nan, dtype=np.float32)
    if "duration_minutes" in cdf.columns:
        duration[rows] = (
            cdf["duration_minutes"].astype("float64").to_numpy(np.float64, na_value=np.nan)
        )
    active = np.ones(n_i, dtype=bool)
    if "active" in cdf.columns:
        active[rows] = cdf["active"].astype("boolean").fillna(True).to_numpy(dtype=bool)
    titles = [""] * n_i
    for i, t in zip(rows, cdf["title"].astype("string").fillna("").tolist(), strict=True):
        titles[i] = t
    first_seen = np.full(n_i, np.nan)
    if len(en):
        first_seen = pd.Series(en.day).groupby(en.content_idx).min().reindex(range(n_i)).to_numpy()
    published = np.full(n_i, np.nan)
    if "published_at" in cdf.columns:
        published[rows] = to_days(cdf["published_at"])
    start = np.where(np.isfinite(published), published, first_seen)
    age = np.nan_to_num(dataset.as_of - start, nan=0.0).clip(0).astype(np.float32)
    return ContentAttributes(tuple(titles), languages, fmt, lang, duration, active, age)


def employee_attributes(dataset: Dataset) -> tuple[IntArray, IntArray, IntArray, tuple[str, ...]]:
    """Role, target role and department index per employee (-1 unknown), department names.

    Only these columns are read: ``audit_*`` columns never reach a model.
    """
    n_u = dataset.n_employees
    role = np.full(n_u, -1, dtype=np.int32)
    target = np.full(n_u, -1, dtype=np.int32)
    dept = np.full(n_u, -1, dtype=np.int32)
    departments: tuple[str, ...] = ()
    emp = dataset.tables.get(c.EMPLOYEES)
    if emp is not None and len(emp):
        rows = id_codes(dataset.employees, emp["employee_id"])
        role[rows] = id_codes(dataset.roles, emp["role_id"])
        target[rows] = id_codes(dataset.roles, emp["target_role_id"])
        codes, departments = _codes(id_values(emp["department"]))
        dept[rows] = codes
    return role, target, dept, departments


def employee_languages(dataset: Dataset) -> npt.NDArray[np.str_]:
    """Each employee's language as a primary BCP 47 subtag ("" when unknown)."""
    out = [""] * dataset.n_employees
    emp = dataset.tables.get(c.EMPLOYEES)
    if emp is not None and len(emp) and "language" in emp.columns:
        rows = id_codes(dataset.employees, emp["employee_id"])
        for row, tag in zip(rows.tolist(), id_values(emp["language"]), strict=True):
            if row >= 0:
                out[row] = primary_language(tag)
    return np.asarray(out, dtype=np.str_)


def prerequisite_matrix(dataset: Dataset) -> sp.csr_matrix:
    """Items x items: row i marks what i requires."""
    n_i = dataset.n_items
    pr = dataset.tables.get(c.PREREQUISITES)
    if pr is None or len(pr) == 0:
        return sp.csr_matrix((n_i, n_i), dtype=np.float32)
    a = id_codes(dataset.content, pr["content_id"])
    b = id_codes(dataset.content, pr["requires_content_id"])
    ok = (a >= 0) & (b >= 0) & (a != b)
    return binary_matrix(a[ok], b[ok], (n_i, n_i))


def names(dataset: Dataset) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Skill names and role titles in index order (for reasons)."""
    skill_names = [""] * len(dataset.skills)
    sk = dataset.tables.get(c.SKILLS)
    if sk is not None:
        for sid, name in zip(
            id_values(sk["skill_id"]), sk["name"].astype("string").fillna(""), strict=True
        ):
            if sid is not None and sid in dataset.skills:
                skill_names[dataset.skills.index_of(sid)] = str(name)
    role_titles = [""] * len(dataset.roles)
    rt = dataset.tables.get(c.ROLES)
    if rt is not None:
        for rid, title in zip(
            id_values(rt["role_id"]), rt["title"].astype("string").fillna(""), strict=True
        ):
            if rid is not None and rid in dataset.roles:
                role_titles[dataset.roles.index_of(rid)] = str(title)
    return tuple(skill_names), tuple(role_titles)
