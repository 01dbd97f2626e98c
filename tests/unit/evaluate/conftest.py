"""A small generated organisation, written once per session, and hand-made tiny tables."""

from __future__ import annotations

from pathlib import Path

import pytest

from recsvc.sample import generate_sample, write_sample
from recsvc.sample.organisation import SampleOrganisation


@pytest.fixture(autouse=True)
def one_blas_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """implicit warns (an error here) when OpenBLAS may use several threads."""
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")


@pytest.fixture(scope="session")
def organisation() -> SampleOrganisation:
    return generate_sample(250, seed=11)


@pytest.fixture(scope="session")
def sample_dir(organisation: SampleOrganisation, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sample")
    write_sample(organisation, folder, fmt="parquet")
    return folder
