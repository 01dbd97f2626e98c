"""Samples shared by the generator tests: generated once per session, small enough for CI."""

from __future__ import annotations

import pytest

from recsvc.sample import SampleOrganisation, generate_sample

SMALL_EMPLOYEES = 800
SMALL_SEED = 11


@pytest.fixture(scope="session")
def small_sample() -> SampleOrganisation:
    return generate_sample(SMALL_EMPLOYEES, seed=SMALL_SEED)


@pytest.fixture(scope="session")
def signal_sample() -> SampleOrganisation:
    """Larger, for statistical checks that need enough rows to be stable."""
    return generate_sample(3000, seed=5)
