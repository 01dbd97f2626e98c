"""build_dataset indexes clean tables deterministically and cuts time splits correctly."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from recsvc import contract as c
from recsvc.dataset import build_dataset
from recsvc.features.confidence import ConfidenceParams
from recsvc.ids import IdIndex


def _tables(statuses: list[str]) -> dict[str, pd.DataFrame]:
    n = len(statuses)
    content = pd.DataFrame(
        {
            "content_id": pd.array(["b", "a", "c"], dtype="string"),
            "title": pd.array(["B", "A", "C"], dtype="string"),
        }
    )
    enrol = pd.DataFrame(
        {
            "employee_id": pd.array(["u2"] * n, dtype="string"),
            "content_id": pd.array(["a", "b", "c", "a"][:n], dtype="string"),
            "enrolled_at": pd.to_datetime([f"2024-01-0{i + 1}" for i in range(n)], utc=True),
            "status": pd.array(statuses, dtype="string"),
            "rating": pd.array([np.nan] * n, dtype="float64"),
        }
    )
    employees = pd.DataFrame({"employee_id": pd.array(["u1"], dtype="string")})
    return {c.CONTENT: content, c.ENROLMENTS: enrol, c.EMPLOYEES: employees}


def test_ids_are_sorted_and_employees_are_the_union() -> None:
    ds = build_dataset(_tables(["completed", "dropped", "enrolled"]))
    assert ds.content.ids == ("a", "b", "c")
    assert ds.employees.ids == ("u1", "u2")
    assert ds.as_of == ds.enrolments.day.max()


def test_confidence_orders_statuses_and_dropped_counts_against() -> None:
    ds = build_dataset(_tables(["completed", "dropped", "in_progress"]))
    conf = ds.confidence(ConfidenceParams(half_life_days=0, alpha=2.0)).toarray()[1]
    a, b, cc = conf
    assert a > cc > 1.0 > 0 > b  # completed > in progress > (absent) > dropped


def test_completed_and_before_split() -> None:
    ds = build_dataset(_tables(["completed", "completed", "enrolled"]))
    assert ds.completed().toarray()[1].tolist() == [1.0, 1.0, 0.0]
    cut = ds.before(ds.enrolments.day[1])
    assert len(cut.enrolments) == 1
    assert len(ds.between(ds.enrolments.day[1])) == 2
    assert cut.content == ds.content  # same indices on both sides of a split


def test_two_table_dataset_has_only_base_capabilities() -> None:
    tables = _tables(["completed"])
    del tables[c.EMPLOYEES]
    ds = build_dataset(tables)
    assert ds.capabilities == {"collaborative", "content_similarity", "popularity"}


@given(
    st.lists(
        st.text(min_size=1, max_size=8).filter(lambda s: s != "<NA>" and not s.endswith("\x00")),
        max_size=30,
    )
)
def test_id_index_round_trips(values: list[str]) -> None:
    index = IdIndex.from_values(values)
    assert list(index.ids) == sorted(set(values))
    for v in values:
        assert index.id_of(index.index_of(v)) == v
    assert index.get("missing-" + "x" * 9) == -1
    assert IdIndex(list(index.to_array())) == index


def test_id_codes_match_the_index_row_by_row() -> None:
    import numpy as np
    import pandas as pd

    from recsvc.dataset import id_codes, id_values
    from recsvc.ids import IdIndex

    index = IdIndex(["E2", "E1", "C9"])  # any order: codes follow the index, not sorting
    column = pd.Series(["E1", None, "nope", "C9", "E2", "E1", pd.NA, ""], dtype="string")
    codes = id_codes(index, column)
    assert codes.dtype == np.int64
    assert codes.tolist() == index.indices(id_values(column)).tolist()
    assert codes.tolist() == [1, -1, -1, 2, 0, 1, -1, -1]


@given(
    st.lists(st.text(max_size=6), min_size=1, max_size=20, unique=True),
    st.lists(st.one_of(st.none(), st.text(max_size=6)), max_size=40),
)
def test_arrow_codes_equal_one_lookup_per_value(ids: list[str], values: list[str | None]) -> None:
    import pyarrow as pa

    from recsvc.dataset import id_codes

    index = IdIndex(ids)
    expected = [index.get(v) for v in values]
    assert index.codes(pa.array(values, type=pa.string())).tolist() == expected
    assert index.indices(values).tolist() == expected  # a list: the Arrow path
    assert index.indices(iter(values)).tolist() == expected  # any iterable: one by one
    for dtype in ("string", pd.StringDtype("pyarrow"), object):
        assert id_codes(index, pd.Series(values, dtype=dtype)).tolist() == expected


def test_status_codes_from_names_missing_means_completed() -> None:
    from recsvc.features.confidence import STATUS_CODES

    tables = _tables(["enrolled", "dropped", "in_progress", "completed"])
    tables[c.ENROLMENTS].loc[1, "status"] = pd.NA
    ds = build_dataset(tables)
    by_day = dict(zip(ds.enrolments.day.tolist(), ds.enrolments.status.tolist(), strict=True))
    days = sorted(by_day)
    assert [by_day[d] for d in days] == [
        STATUS_CODES["enrolled"],
        STATUS_CODES["completed"],
        STATUS_CODES["in_progress"],
        STATUS_CODES["completed"],
    ]
