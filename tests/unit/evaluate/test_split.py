"""Splits: nothing from the test side leaks into training, and the right pairs are relevant."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from evaluate_helpers import clean, day

from recsvc import contract as c
from recsvc.dataset import build_dataset, id_values
from recsvc.evaluate import make_split
from recsvc.evaluate.split import time_based_split, user_random_split
from recsvc.features.confidence import STATUS_CODES
from recsvc.sample.organisation import SampleOrganisation


def _tiny() -> dict[str, pd.DataFrame]:
    """Twenty enrolments on days 0..19: the latest 15% (days 17-19) are the test period."""
    content = clean(
        c.CONTENT,
        pd.DataFrame(
            {
                "content_id": list("abcdefg"),
                "title": list("abcdefg"),
                "published_at": [day(-50)] * 6 + [day(17)],  # g appears in the test period
            }
        ),
    )
    rows = [  # (employee, item, day, status)
        ("u1", "a", 0, "completed"), ("u1", "b", 1, "completed"), ("u1", "c", 2, "completed"),
        ("u2", "a", 3, "completed"), ("u2", "b", 4, "dropped"), ("u2", "c", 5, "completed"),
        ("u3", "a", 6, "completed"), ("u3", "d", 7, "completed"), ("u3", "e", 8, "completed"),
        ("u4", "b", 9, "completed"), ("u4", "d", 10, "completed"), ("u4", "e", 11, "completed"),
        ("u1", "d", 12, "completed"), ("u2", "d", 13, "completed"), ("u3", "b", 14, "completed"),
        ("u4", "a", 15, "completed"), ("u1", "e", 16, "completed"),
        ("u1", "f", 17, "completed"),  # new item for u1: relevant
        ("u2", "b", 18, "completed"),  # dropped before, taken now: relevant
        ("u5", "g", 19, "completed"),  # nobody knew u5 before: cold start
    ]  # fmt: skip
    enrol = pd.DataFrame(rows, columns=["employee_id", "content_id", "day", "status"])
    enrol["enrolled_at"] = [day(d) for d in enrol["day"]]
    return {c.CONTENT: content, c.ENROLMENTS: clean(c.ENROLMENTS, enrol)}


def _pairs(dataset, matrix) -> set[tuple[str, str]]:  # type: ignore[no-untyped-def]
    coo = matrix.tocoo()
    return {
        (dataset.employees.id_of(int(e)), dataset.content.id_of(int(i)))
        for e, i in zip(coo.row, coo.col, strict=True)
    }


def test_time_split_trains_on_the_past_and_tests_on_new_items_only() -> None:
    dataset = build_dataset(_tiny())
    split = time_based_split(dataset)
    train = split.train
    assert split.cutoff_day is not None
    assert train.enrolments.day.max() < split.cutoff_day <= dataset.enrolments.day.max()
    assert len(train.enrolments) == 17
    assert _pairs(dataset, split.relevant) == {("u1", "f"), ("u2", "b"), ("u5", "g")}
    assert [dataset.employees.id_of(int(u)) for u in split.users] == ["u1", "u2"]
    assert [dataset.employees.id_of(int(u)) for u in split.cold_users] == ["u5"]
    # the catalogue as it was at the cut-off: g did not exist yet
    content = train.tables[c.CONTENT].set_index("content_id")
    assert not bool(content.loc["g", "active"]) and bool(content.loc["a", "active"])
    assert "time-based" in split.describe()


def test_user_random_split_holds_out_pairs_and_nothing_of_them_stays(
    organisation: SampleOrganisation,
) -> None:
    dataset = build_dataset(organisation.tables)
    split = user_random_split(dataset, test_share=0.2, seed=3)
    n = dataset.n_items
    train_keys = set(
        (
            split.train.enrolments.employee_idx.astype(np.int64) * n
            + split.train.enrolments.content_idx
        ).tolist()
    )
    held = split.relevant.tocoo()
    held_keys = set((held.row.astype(np.int64) * n + held.col).tolist())
    assert held_keys and not held_keys & train_keys
    # about a fifth of each employee's items, and everyone keeps something to learn from
    per_user = np.diff(split.relevant.indptr)
    kept = np.diff(split.seen.indptr)
    tested = per_user > 0
    assert (kept[tested] >= 1).all()
    share = per_user[tested].sum() / (per_user[tested].sum() + kept[tested].sum())
    assert 0.15 < share < 0.3
    # course tests tied to a held-out item would give it away: they are gone
    a = split.train.tables[c.ASSESSMENTS]
    e = dataset.employees.indices(id_values(a["employee_id"])).astype(np.int64)
    i = dataset.content.indices(id_values(a["content_id"])).astype(np.int64)
    assert not set((e[i >= 0] * n + i[i >= 0]).tolist()) & held_keys
    assert len(a) < len(dataset.tables[c.ASSESSMENTS])
    assert "random" in split.describe()


def test_user_random_split_is_seeded(organisation: SampleOrganisation) -> None:
    dataset = build_dataset({k: organisation.tables[k] for k in c.REQUIRED_TABLES})
    a = make_split(dataset, "user-random", seed=1)
    b = make_split(dataset, "user-random", seed=1)
    other = make_split(dataset, "user-random", seed=2)
    assert (a.relevant != b.relevant).nnz == 0
    assert (a.relevant != other.relevant).nnz > 0
    assert np.array_equal(a.users, b.users)


def test_unknown_split_is_refused() -> None:
    with pytest.raises(ValueError, match="split must be"):
        make_split(build_dataset(_tiny()), "random")  # type: ignore[arg-type]


def test_employee_split_tests_each_warm_employee_on_their_latest_items() -> None:
    dataset = build_dataset(_tiny())
    split = make_split(dataset, seed=1)  # the default: the trainer's protocol
    assert split.kind == "employee" and "per-employee" in split.describe()
    # u1 took a b c d e f on days 0, 1, 2, 12, 16, 17: the latest 20% (two items) are tested
    held = {i for e, i in _pairs(dataset, split.relevant) if e == "u1"}
    u1 = dataset.employees.index_of("u1")
    if u1 in split.users:
        assert held == {"e", "f"}
        kept = split.train.enrolments.day[split.train.enrolments.employee_idx == u1]
        assert len(kept) == 4
    en = dataset.enrolments
    taken = en.status != STATUS_CODES["dropped"]  # a drop before the cut stays (u2's b)
    for u in split.users:  # nothing of a warm employee from their cut on is in training
        mine = split.train.enrolments.employee_idx == u
        lo, hi = split.relevant.indptr[u], split.relevant.indptr[u + 1]
        test_items = split.relevant.indices[lo:hi]
        first_test = en.day[
            (en.employee_idx == u) & taken & np.isin(en.content_idx, test_items)
        ].min()
        assert (split.train.enrolments.day[mine] < first_test).all()
    assert not np.isin(split.train.enrolments.employee_idx, split.cold_users).any()
