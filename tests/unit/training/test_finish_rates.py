"""Completion rate per level step: many drops lower a bin's rate, shrunk toward the overall."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

from recsvc import contract as c
from recsvc.dataset import build_dataset
from recsvc.features.skills import content_skill_matrices
from recsvc.recommend.finish import N_BINS
from recsvc.training.completion import SHRINK, finish_rates

NOW = pd.Timestamp("2024-06-01", tz="UTC")


def test_a_bin_with_many_drops_has_a_lower_rate_shrunk_toward_the_overall() -> None:
    # ten people at sql 2: "easy" teaches sql 2 (step 0), "hard" sql 5 (step 3);
    # "plain" has no skill; "u" was never assessed
    people = [f"a{i}" for i in range(10)]
    rows = [(p, "easy", "completed") for p in people]
    rows += [(p, "hard", "completed" if i < 2 else "dropped") for i, p in enumerate(people)]
    rows += [("a0", "hard", "in_progress")]  # not ended: ignored
    rows += [(p, "plain", "completed") for p in people[:4]]
    rows += [("u", "hard", "dropped")]  # level unknown: the last bin
    en = pd.DataFrame(rows, columns=["employee_id", "content_id", "status"])
    en["enrolled_at"] = NOW
    items = ["easy", "hard", "plain"]
    ds = build_dataset(
        {
            c.CONTENT: pd.DataFrame({"content_id": items, "title": items}),
            c.ENROLMENTS: en,
            c.SKILLS: pd.DataFrame({"skill_id": ["sql"], "name": ["SQL"]}),
            c.CONTENT_SKILLS: pd.DataFrame(
                {
                    "content_id": ["easy", "hard"],
                    "skill_id": ["sql"] * 2,
                    "level": [2, 5],
                    "weight": [1.0, 1.0],
                }
            ),
        }
    )
    weight, level = content_skill_matrices(ds)
    e = ds.employees.indices(people)
    assessed = sp.csr_matrix(
        (np.full(10, 2.0), (e, np.zeros(10, dtype=np.int64))), shape=(ds.n_employees, 1)
    )
    rates = finish_rates(ds, assessed, weight, level)
    assert rates.shape == (N_BINS,)
    overall = 16 / 25  # 10 + 2 + 4 finished of 25 ended
    assert rates[6] == pytest.approx((10 + SHRINK * overall) / (10 + SHRINK))  # step 0: 0.76
    assert rates[12] == pytest.approx((2 + SHRINK * overall) / (10 + SHRINK))  # step 3: 0.493
    assert rates[13] == pytest.approx((4 + SHRINK * overall) / (5 + SHRINK))  # 0.672
    assert 2 / 10 < rates[12] < overall < rates[6]
    empty_bins = np.setdiff1d(np.arange(N_BINS), [6, 12, 13])
    np.testing.assert_allclose(rates[empty_bins], overall, rtol=1e-6)
