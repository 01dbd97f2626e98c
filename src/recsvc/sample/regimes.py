"""Data regimes of the sample: the shapes of customer data model selection must survive.

``default`` is a steady organisation: long tenures, everyone active over the whole window,
skills, roles and assessments. ``cohort`` is people arriving in waves (onboarding rounds,
cohort programmes), each active only for a short burst after arriving, so a global time cut
holds out mostly people with little or no earlier history. ``interactions-only`` keeps only
what a bare LMS export has, ``enrolments`` and ``content``: no skills, roles, employees or
assessments for the trainer to lean on.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Literal, get_args

import numpy as np

from recsvc.contract import CONTENT, ENROLMENTS
from recsvc.sample.people import People
from recsvc.sample.timeline import N_STEPS, STEP, WINDOW_START

__all__ = [
    "BURST_STEPS",
    "INTERACTION_TABLES",
    "REGIMES",
    "WAVES",
    "Regime",
    "check_regime",
    "cohort_people",
]

Regime = Literal["default", "cohort", "interactions-only"]
REGIMES: tuple[str, ...] = get_args(Regime)
#: arrival waves over the two-year window (the last one starts two months before the end)
WAVES = 8
#: months each person is active after arriving
BURST_STEPS = 2
#: the tables an interactions-only export keeps
INTERACTION_TABLES = (CONTENT, ENROLMENTS)


def check_regime(regime: str) -> Regime:
    """The regime name, or a ValueError naming the valid ones."""
    if regime not in REGIMES:
        raise ValueError(f"unknown regime {regime!r}: use one of {', '.join(REGIMES)}")
    return regime  # type: ignore[return-value]


def cohort_people(rng: np.random.Generator, people: People) -> People:
    """Hire everyone in one of ``WAVES`` waves and squeeze their activity into a burst.

    Waves start at month boundaries, so each person is active for exactly ``BURST_STEPS``
    simulated months; they take about half the default two-year count of items, all inside
    the burst, so histories are short and dense, as in a cohort programme.
    """
    n = people.n_employees
    wave_steps = np.rint(np.linspace(0, N_STEPS - BURST_STEPS, WAVES)).astype(np.int64)
    wave = rng.integers(0, WAVES, n)
    hired = WINDOW_START + wave_steps[wave] * STEP
    active_until = hired + BURST_STEPS * STEP - 1
    employees = people.employees.copy()
    employees["hire_date"] = hired
    return replace(
        people,
        employees=employees,
        hired=hired.astype(np.int64),
        active_until=active_until.astype(np.int64),
        rate=people.rate * (N_STEPS / BURST_STEPS) * 0.5,
    )
