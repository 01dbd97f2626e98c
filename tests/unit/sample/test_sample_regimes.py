"""Sample regimes: cohort waves with short bursts of history, and interactions-only exports."""

from __future__ import annotations

import pandas as pd
import pytest

from recsvc import contract as c
from recsvc.dataset import build_dataset
from recsvc.sample import generate_sample
from recsvc.sample.regimes import BURST_STEPS, WAVES
from recsvc.sample.timeline import DAY, STEP
from recsvc.training.holdout import employee_split
from recsvc.training.regime import describe_regime

N = 600


@pytest.fixture(scope="module")
def cohort() -> dict[str, pd.DataFrame]:
    return generate_sample(N, seed=7, regime="cohort").tables


def test_cohort_people_arrive_in_waves_and_are_active_only_briefly(
    cohort: dict[str, pd.DataFrame],
) -> None:
    employees = cohort[c.EMPLOYEES]
    hired = employees.set_index("employee_id")["hire_date"]
    assert hired.nunique() <= WAVES
    en = cohort[c.ENROLMENTS]
    since_hire = en["enrolled_at"] - hired.reindex(en["employee_id"]).reset_index(drop=True)
    assert (since_hire >= pd.Timedelta(0)).all()
    # a burst of BURST_STEPS months; times of day may run into the next morning
    assert (since_hire < pd.Timedelta(seconds=BURST_STEPS * STEP + DAY)).all()


def test_a_global_cut_on_cohort_data_holds_out_mostly_newcomers(
    cohort: dict[str, pd.DataFrame],
) -> None:
    steady = build_dataset(generate_sample(N, seed=7).tables)
    waves = build_dataset(cohort)
    found = {
        name: describe_regime(d, employee_split(d, seed=1))
        for name, d in (("steady", steady), ("waves", waves))
    }
    assert found["steady"]["shape"] == "steady"
    assert found["steady"]["global_cut_warm_share"] > 0.8
    assert found["waves"]["shape"] == "waves"
    assert found["waves"]["global_cut_warm_share"] < 0.5
    assert found["waves"]["history_items"]["median"] < found["steady"]["history_items"]["median"]


def test_interactions_only_has_just_enrolments_and_content() -> None:
    sample = generate_sample(200, seed=3, regime="interactions-only")
    assert set(sample.tables) == {c.CONTENT, c.ENROLMENTS}
    full = generate_sample(200, seed=3)
    pd.testing.assert_frame_equal(sample.tables[c.ENROLMENTS], full.tables[c.ENROLMENTS])
    regime = describe_regime(
        build_dataset(sample.tables), employee_split(build_dataset(sample.tables), seed=1)
    )
    assert regime["interactions_only"] is True


def test_the_default_regime_is_unchanged_by_the_regime_option() -> None:
    a = generate_sample(150, seed=9, n_content=80)
    b = generate_sample(150, seed=9, n_content=80, regime="default")
    for name, frame in a.tables.items():
        pd.testing.assert_frame_equal(frame, b.tables[name])


def test_an_unknown_regime_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="unknown regime 'waves'.*cohort"):
        generate_sample(50, seed=1, regime="waves")  # type: ignore[arg-type]
