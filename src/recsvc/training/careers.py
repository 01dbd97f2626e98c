"""Career facts for the bundle: declared paths, k-anonymous observed moves, locations.

Moves come from ``role_history``: consecutive rows of one person with different roles. A
move's count is the number of distinct people who made it, and only moves made by at least
:data:`~recsvc.privacy.MIN_GROUP` people are stored (with the median
days spent in the earlier role before moving): the bundle never holds a count that could
point at one person. The current role's start is the latest history row in that role (else
the hire date).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from recsvc import contract as c
from recsvc.dataset import Dataset, id_values, to_days
from recsvc.privacy import MIN_GROUP

__all__ = ["CareerArrays", "career_arrays"]

IntArray = npt.NDArray[np.int32]


@dataclass(frozen=True)
class CareerArrays:
    """Roles x roles matrices (from-role rows) and per-employee arrays."""

    paths: sp.csr_matrix  # declared career path weights
    moves: sp.csr_matrix  # people who made the move (only groups >= MIN_GROUP)
    move_days: sp.csr_matrix  # median days in the earlier role before the move (same pattern)
    role_start: npt.NDArray[np.float64]  # day the current role started (NaN: unknown)
    location: IntArray  # index into ``locations`` (-1: unknown)
    locations: tuple[str, ...]


def _paths(dataset: Dataset) -> sp.csr_matrix:
    n_r = len(dataset.roles)
    cp = dataset.tables.get(c.CAREER_PATHS)
    if cp is None or len(cp) == 0:
        return sp.csr_matrix((n_r, n_r), dtype=np.float32)
    a = dataset.roles.indices(id_values(cp["from_role_id"]))
    b = dataset.roles.indices(id_values(cp["to_role_id"]))
    w = cp["weight"].astype("float64").fillna(1.0).to_numpy(np.float64)
    ok = (a >= 0) & (b >= 0) & (a != b) & (w > 0)
    m = sp.csr_matrix((w[ok].astype(np.float32), (a[ok], b[ok])), shape=(n_r, n_r))
    m.sum_duplicates()
    return m


def _history(dataset: Dataset) -> pd.DataFrame:
    """Rows (employee, role, day) with known ids, sorted by employee then start."""
    rh = dataset.tables.get(c.ROLE_HISTORY)
    if rh is None or len(rh) == 0:
        return pd.DataFrame({"employee": [], "role": [], "day": []})
    frame = pd.DataFrame(
        {
            "employee": dataset.employees.indices(id_values(rh["employee_id"])),
            "role": dataset.roles.indices(id_values(rh["role_id"])),
            "day": to_days(rh["started_at"]),
        }
    )
    frame = frame[(frame["employee"] >= 0) & (frame["role"] >= 0) & np.isfinite(frame["day"])]
    ordered: pd.DataFrame = frame.sort_values(["employee", "day"], kind="stable")
    return ordered.reset_index(drop=True)


def _moves(history: pd.DataFrame, n_r: int) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    empty = sp.csr_matrix((n_r, n_r), dtype=np.float32)
    if len(history) < 2:
        return empty, empty.copy()
    e, r, d = (history[k].to_numpy() for k in ("employee", "role", "day"))
    step = (e[1:] == e[:-1]) & (r[1:] != r[:-1])
    moves = pd.DataFrame(
        {
            "src": r[:-1][step],
            "dst": r[1:][step],
            "who": e[1:][step],
            "days": (d[1:] - d[:-1])[step],
        }
    )
    stats = moves.groupby(["src", "dst"]).agg(people=("who", "nunique"), days=("days", "median"))
    stats = stats[stats["people"] >= MIN_GROUP].reset_index()
    src = stats["src"].to_numpy(np.int64)
    dst = stats["dst"].to_numpy(np.int64)
    count = sp.csr_matrix((stats["people"].to_numpy(np.float32), (src, dst)), shape=(n_r, n_r))
    days = sp.csr_matrix(
        (np.maximum(stats["days"].to_numpy(np.float32), 1e-3), (src, dst)), shape=(n_r, n_r)
    )
    return count, days


def _role_start(dataset: Dataset, history: pd.DataFrame, role: IntArray) -> npt.NDArray[np.float64]:
    out = np.full(dataset.n_employees, np.nan)
    emp = dataset.tables.get(c.EMPLOYEES)
    if emp is not None and len(emp) and "hire_date" in emp.columns:
        rows = dataset.employees.indices(id_values(emp["employee_id"]))
        ok = rows >= 0
        out[rows[ok]] = to_days(emp["hire_date"])[ok]
    if len(history):
        e = history["employee"].to_numpy(np.int64)
        same = history["role"].to_numpy(np.int64) == role[e]
        latest = history[same].groupby("employee")["day"].max()
        out[latest.index.to_numpy(np.int64)] = latest.to_numpy(np.float64)
    return out


def _locations(dataset: Dataset) -> tuple[IntArray, tuple[str, ...]]:
    location = np.full(dataset.n_employees, -1, dtype=np.int32)
    emp = dataset.tables.get(c.EMPLOYEES)
    if emp is None or len(emp) == 0:
        return location, ()
    rows = dataset.employees.indices(id_values(emp["employee_id"]))
    values = id_values(emp["location"])
    locations = tuple(sorted({v for v in values if v}))
    pos = {name: i for i, name in enumerate(locations)}
    location[rows] = [pos.get(v, -1) if v else -1 for v in values]
    return location, locations


def career_arrays(dataset: Dataset, role: IntArray) -> CareerArrays:
    """Everything next roles and audiences need beyond the skill model (``role``: per employee)."""
    history = _history(dataset)
    moves, days = _moves(history, len(dataset.roles))
    location, locations = _locations(dataset)
    return CareerArrays(
        paths=_paths(dataset),
        moves=moves,
        move_days=days,
        role_start=_role_start(dataset, history, role),
        location=location,
        locations=locations,
    )
