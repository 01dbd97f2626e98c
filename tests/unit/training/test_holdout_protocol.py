"""The per-employee holdout: nothing from an employee's cut on reaches training."""

from __future__ import annotations

import numpy as np
import pytest

from recsvc import contract as c
from recsvc.dataset import Dataset, build_dataset, id_values, to_days
from recsvc.features.confidence import STATUS_CODES
from recsvc.sample import generate_sample
from recsvc.training.holdout import EMPLOYEE_HOLDOUT_SHARE, employee_split, make_holdout


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return build_dataset(generate_sample(400, seed=12).tables)


def _first_days(d: Dataset, u: int) -> dict[int, float]:
    en = d.enrolments
    mine = (en.employee_idx == u) & (en.status != STATUS_CODES["dropped"])
    out: dict[int, float] = {}
    for item, day in zip(en.content_idx[mine], en.day[mine], strict=True):
        out[int(item)] = min(out.get(int(item), np.inf), float(day))
    return out


def test_warm_employees_are_validated_on_their_own_latest_items(dataset: Dataset) -> None:
    h = employee_split(dataset, seed=3)
    assert h.protocol == "employee" and h.ok and h.cold_ok
    train = h.train.enrolments
    for u in np.concatenate([h.tune_users, h.eval_users])[:80]:
        first = _first_days(dataset, int(u))
        lo, hi = h.relevant.indptr[u], h.relevant.indptr[u + 1]
        held = [int(i) for i in h.relevant.indices[lo:hi]]
        kept = train.day[train.employee_idx == u]
        assert len(kept) > 0  # warm: history before the cut
        cut = min(first[i] for i in held)
        assert kept.max() < cut  # nothing from the cut on, dropped enrolments included
        assert all(first[i] >= cut for i in held)
        assert len(held) <= np.ceil(EMPLOYEE_HOLDOUT_SHARE * len(first))


def test_cold_slice_has_no_history_and_assessments_stop_at_the_cut(dataset: Dataset) -> None:
    h = employee_split(dataset, seed=3)
    cold = np.concatenate([h.cold_tune_users, h.cold_eval_users])
    assert not np.isin(h.train.enrolments.employee_idx, cold).any()
    assert not np.intersect1d(cold, np.concatenate([h.tune_users, h.eval_users])).size
    a = h.train.tables[c.ASSESSMENTS]
    emp = dataset.employees.indices(id_values(a["employee_id"]))
    days = to_days(a["assessed_at"])
    for u in h.eval_users[:50]:
        lo, hi = h.relevant.indptr[u], h.relevant.indptr[u + 1]
        first = _first_days(dataset, int(u))
        cut = min(first[int(i)] for i in h.relevant.indices[lo:hi])
        assert (days[emp == u] < cut).all()
    assert not np.isin(emp, cold).any()


def test_the_same_seed_gives_the_same_holdout_and_the_time_protocol_stays(
    dataset: Dataset,
) -> None:
    a, b = employee_split(dataset, seed=5), employee_split(dataset, seed=5)
    assert np.array_equal(a.tune_users, b.tune_users)
    assert (a.relevant != b.relevant).nnz == 0
    t = make_holdout(dataset, "time", seed=5)
    assert t.protocol == "time"
    assert (t.train.enrolments.day < t.start_day).all()
    with pytest.raises(ValueError, match="protocol must be"):
        make_holdout(dataset, "random", seed=5)  # type: ignore[arg-type]


@pytest.mark.parametrize("protocol", ["employee", "time"])
def test_the_trainer_samples_its_slices_and_says_from_how_many(
    dataset: Dataset, protocol: str
) -> None:
    """Capped slices are seeded samples of the uncapped ones; the evaluation population is
    kept so the validation can state what its sample stands for."""
    whole = make_holdout(dataset, protocol, seed=5, max_users=10**9, max_eval_users=10**9)  # type: ignore[arg-type]
    small = make_holdout(dataset, protocol, seed=5, max_users=20, max_eval_users=10)  # type: ignore[arg-type]
    assert len(small.tune_users) == 20 and len(small.eval_users) == 10
    assert np.isin(small.tune_users, whole.tune_users).all()
    assert np.isin(small.eval_users, whole.eval_users).all()
    assert small.eval_population == (len(whole.eval_users), len(whole.cold_eval_users))
    assert (
        len(whole.eval_users) > 10 and not np.intersect1d(small.tune_users, whole.eval_users).size
    )
