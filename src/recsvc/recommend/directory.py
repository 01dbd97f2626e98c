"""Who manages whom and who offers to mentor: per-employee arrays carried in the bundle.

The trainer reads ``employees.manager_id`` and the optional ``mentors`` table (employee_id,
capacity, opt_in) into three arrays aligned with the bundle's employee index; the service
reads them for team views and mentor matching. A bundle written before these arrays
existed still loads: everyone then has no manager on record and nobody has offered to
mentor (a request can still opt mentors in).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from recsvc.errors import BundleIntegrityError
from recsvc.ids import IdIndex

__all__ = ["DIRECTORY_ARRAYS", "DEFAULT_MENTOR_CAPACITY", "Directory"]

IntArray = npt.NDArray[np.int32]
BoolArray = npt.NDArray[np.bool_]

#: bundle array names (all shaped like the employee index)
DIRECTORY_ARRAYS = ("employee_manager", "mentor_capacity", "mentor_opt_in")
#: mentees a mentor takes when the mentors table gives no capacity
DEFAULT_MENTOR_CAPACITY = 1


@dataclass(frozen=True, eq=False)
class Directory:
    """Per employee index: manager index (-1: none), mentor capacity (-1: not in the
    mentors table) and whether the mentors table says they opted in."""

    manager: IntArray
    mentor_capacity: IntArray
    mentor_opt_in: BoolArray

    @classmethod
    def empty(cls, n_employees: int) -> Directory:
        return cls(
            manager=np.full(n_employees, -1, np.int32),
            mentor_capacity=np.full(n_employees, -1, np.int32),
            mentor_opt_in=np.zeros(n_employees, bool),
        )

    @classmethod
    def from_tables(
        cls, employees: IdIndex, people: pd.DataFrame | None, mentors: pd.DataFrame | None
    ) -> Directory:
        """Build from clean ``employees`` and ``mentors`` tables (either may be absent).

        Managers and mentors unknown to ``employees`` are ignored (validation has already
        reported them); a mentor listed twice keeps the last row.
        """
        out = cls.empty(len(employees))
        if people is not None and "manager_id" in people.columns:
            who = employees.indices(people["employee_id"].astype("string").fillna(""))
            boss = employees.indices(people["manager_id"].astype("string").fillna(""))
            ok = (who >= 0) & (boss >= 0) & (who != boss)
            out.manager[who[ok]] = boss[ok]
        if mentors is not None and len(mentors):
            who = employees.indices(mentors["employee_id"].astype("string").fillna(""))
            capacity = (
                mentors["capacity"].astype("Int64").fillna(DEFAULT_MENTOR_CAPACITY).to_numpy()
                if "capacity" in mentors.columns
                else np.full(len(mentors), DEFAULT_MENTOR_CAPACITY)
            )
            opt_in = (
                mentors["opt_in"].astype("boolean").fillna(True).to_numpy(dtype=bool)
                if "opt_in" in mentors.columns
                else np.ones(len(mentors), bool)
            )
            ok = who >= 0
            out.mentor_capacity[who[ok]] = np.asarray(capacity, np.int64)[ok].astype(np.int32)
            out.mentor_opt_in[who[ok]] = opt_in[ok]
        return out

    @classmethod
    def from_bundle(cls, bundle: Any, n_employees: int) -> Directory:
        """Read the arrays, or an empty directory when the bundle has none."""
        if not all(bundle.has(name) for name in DIRECTORY_ARRAYS):
            return cls.empty(n_employees)
        out = cls(
            manager=np.asarray(bundle.array("employee_manager"), np.int32),
            mentor_capacity=np.asarray(bundle.array("mentor_capacity"), np.int32),
            mentor_opt_in=np.asarray(bundle.array("mentor_opt_in"), bool),
        )
        shapes = {name: len(a) for name, a in out.to_arrays().items()}
        if set(shapes.values()) != {n_employees}:
            raise BundleIntegrityError(
                f"bundle {bundle.version}: directory arrays {shapes} do not match its "
                f"{n_employees} employees; retrain the bundle"
            )
        return out

    def to_arrays(self) -> dict[str, npt.NDArray[Any]]:
        return {
            "employee_manager": self.manager,
            "mentor_capacity": self.mentor_capacity,
            "mentor_opt_in": self.mentor_opt_in,
        }

    def reports_of(self, manager_idx: int) -> npt.NDArray[np.int64]:
        """Direct reports of one manager (employee indices, ascending)."""
        return np.flatnonzero(self.manager == manager_idx).astype(np.int64)

    def offered_mentors(self) -> dict[int, int]:
        """Employee index -> capacity of everyone the mentors table opted in."""
        who = np.flatnonzero(self.mentor_opt_in & (self.mentor_capacity > 0))
        return {int(e): int(self.mentor_capacity[e]) for e in who}

    @property
    def n_managers(self) -> int:
        return int(len(np.unique(self.manager[self.manager >= 0])))
