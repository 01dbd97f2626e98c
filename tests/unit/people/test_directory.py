"""Directory: managers and volunteer mentors read from clean tables, aligned to employees."""

from __future__ import annotations

import pandas as pd
import pytest

from contract_frames import clean
from recsvc import contract as c
from recsvc.errors import BundleIntegrityError
from recsvc.ids import IdIndex
from recsvc.recommend.directory import Directory


def test_managers_and_mentors_are_aligned_and_unknown_ids_ignored() -> None:
    employees = IdIndex(["a", "b", "c", "d"])
    people = clean(
        c.EMPLOYEES,
        pd.DataFrame(
            {"employee_id": ["a", "b", "c", "d"], "manager_id": [None, "a", "a", "ghost"]}
        ),
    )
    mentors = clean(
        c.MENTORS,
        pd.DataFrame(
            {
                "employee_id": ["b", "c", "ghost"],
                "capacity": [2, None, 5],
                "opt_in": [True, False, True],
            }
        ),
    )
    d = Directory.from_tables(employees, people, mentors)
    assert d.manager.tolist() == [-1, 0, 0, -1]
    assert d.reports_of(0).tolist() == [1, 2]
    assert d.mentor_capacity.tolist() == [-1, 2, 1, -1]  # c's missing capacity: the default 1
    assert d.offered_mentors() == {1: 2}  # c listed but not offering
    assert d.n_managers == 1


def test_a_bundle_without_directory_arrays_has_nobody_and_a_wrong_shape_is_refused() -> None:
    class FakeBundle:
        version = "v"

        def __init__(self, arrays: dict[str, object]) -> None:
            self.arrays = arrays

        def has(self, name: str) -> bool:
            return name in self.arrays

        def array(self, name: str) -> object:
            return self.arrays[name]

    empty = Directory.from_bundle(FakeBundle({}), 3)
    assert empty.offered_mentors() == {} and empty.manager.tolist() == [-1, -1, -1]
    with pytest.raises(BundleIntegrityError, match="retrain"):
        Directory.from_bundle(FakeBundle(Directory.empty(2).to_arrays()), 3)
