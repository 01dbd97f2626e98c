"""A training run that fails while writing publishes nothing and leaves the last good bundle."""

from __future__ import annotations

import errno
from pathlib import Path

import numpy as np
import pytest

from recsvc.bundle import latest_version, list_versions, verify_bundle
from recsvc.errors import BundleError, DataContractError
from recsvc.sample import generate_sample, write_sample
from recsvc.train import train


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> str:
    return write_sample(generate_sample(150, seed=11), tmp_path_factory.mktemp("d"), "parquet")


def test_disk_full_while_writing_keeps_the_previous_bundle(
    source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = train(source, tmp_path, seed=1, tune_trials=1)
    real_save = np.save
    calls = 0

    def save_until_the_disk_fills(*args: object, **kwargs: object) -> None:
        nonlocal calls
        calls += 1
        if calls > 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_save(*args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(np, "save", save_until_the_disk_fills)
    with pytest.raises(BundleError, match="disk full"):
        train(source, tmp_path, seed=2, tune_trials=1)

    assert list_versions(tmp_path) == [first.manifest.version]
    assert latest_version(tmp_path) == first.manifest.version
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp")] == []
    verify_bundle(tmp_path)


def test_bad_source_writes_nothing(tmp_path: Path) -> None:
    empty = tmp_path / "data"
    empty.mkdir()
    (empty / "content.csv").write_text("content_id,title\n", encoding="utf-8")
    (empty / "enrolments.csv").write_text("employee_id,content_id,enrolled_at\n", encoding="utf-8")
    models = tmp_path / "models"
    with pytest.raises(DataContractError):
        train(str(empty), models, tune_trials=1)
    assert not models.exists() or list_versions(models) == []
