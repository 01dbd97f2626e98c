"""The careers organisation (``tests/careers_org.py``), trained once per session."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from careers_org import CareersOrg, careers_org
from recsvc.bundle import read_bundle
from recsvc.recommend import Recommender
from recsvc.train import train_tables


@pytest.fixture(scope="session")
def org() -> CareersOrg:
    return careers_org()


@pytest.fixture(scope="session")
def careers_recommender(org: CareersOrg, tmp_path_factory: pytest.TempPathFactory) -> Recommender:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    models: Path = tmp_path_factory.mktemp("careers-models")
    result = train_tables(org.tables, models, seed=42, time_budget_s=1)
    return Recommender.from_bundle(read_bundle(result.bundle_path))
