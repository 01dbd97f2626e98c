"""Version names sort by time and never collide; LATEST, listing and pruning behave."""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pytest

from recsvc.bundle import (
    latest_version,
    list_versions,
    new_version,
    prune_versions,
    read_bundle,
    write_bundle,
)
from recsvc.bundle.versions import _git_sha, write_latest
from recsvc.errors import BundleIntegrityError


def write_tiny(models_dir: Path, version: str | None = None, value: int = 0) -> str:
    manifest = write_bundle(
        models_dir,
        arrays={"value": np.array([value])},
        tables={},
        documents={},
        data_fingerprint="fp",
        row_counts={},
        capabilities=[],
        params={},
        metrics={},
        version=version,
    )
    return manifest.version


@pytest.fixture
def git_sha_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    _git_sha.cache_clear()
    yield monkeypatch
    monkeypatch.undo()
    _git_sha.cache_clear()


def test_version_starts_with_the_utc_second_and_sorts_by_time(
    git_sha_env: pytest.MonkeyPatch,
) -> None:
    git_sha_env.setenv("RECSVC_GIT_SHA", "1A2B3C4D5E6F")
    moment = datetime(2026, 11, 26, 18, 53, 0, tzinfo=UTC)
    version = new_version(moment)
    assert re.fullmatch(r"20261126T185300Z-1a2b3c4-[0-9a-f]{6}", version)
    later = new_version(moment + timedelta(seconds=1))
    assert sorted([later, version]) == [version, later]
    # other time zones are converted; naive times are taken as UTC
    plus_two = timezone(timedelta(hours=2))
    assert new_version(datetime(2026, 11, 26, 20, 53, tzinfo=plus_two)).startswith("20261126T1853")
    assert new_version(datetime(2026, 11, 26, 18, 53)).startswith("20261126T185300Z-")


def test_version_without_git_uses_random_hex(git_sha_env: pytest.MonkeyPatch) -> None:
    git_sha_env.setenv("RECSVC_GIT_SHA", "not-a-sha")
    version = new_version(datetime(2026, 1, 1, tzinfo=UTC))
    assert re.fullmatch(r"20260101T000000Z-[0-9a-f]{6}", version)


def test_versions_made_in_the_same_second_are_unique_across_threads() -> None:
    moment = datetime(2026, 1, 1, tzinfo=UTC)
    made: list[str] = []

    def make() -> None:
        made.extend(new_version(moment) for _ in range(500))

    threads = [threading.Thread(target=make) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(made) == 2000 and len(set(made)) == 2000


def test_concurrent_writers_publish_distinct_complete_bundles(tmp_path: Path) -> None:
    made: list[str] = []
    errors: list[BaseException] = []

    def write(value: int) -> None:
        try:
            made.append(write_tiny(tmp_path, value=value))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(made) == list_versions(tmp_path) and len(set(made)) == 6
    assert latest_version(tmp_path) in made
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
    values = {int(read_bundle(tmp_path / v).array("value")[0]) for v in made}
    assert values == set(range(6))


def test_latest_points_at_the_newest_write(tmp_path: Path) -> None:
    first = write_tiny(tmp_path, version="20260101T000000Z-a")
    second = write_tiny(tmp_path, version="20260102T000000Z-a")
    assert (tmp_path / "LATEST").read_text() == f"{second}\n"
    assert latest_version(tmp_path) == second
    assert read_bundle(tmp_path).version == second
    assert list_versions(tmp_path) == [first, second]


def test_listing_skips_temp_hidden_and_incomplete_folders(tmp_path: Path) -> None:
    done = write_tiny(tmp_path, version="20260101T000000Z-a")
    (tmp_path / ".tmp-20260105T000000Z-b-1234").mkdir()
    (tmp_path / "20260106T000000Z-no-manifest").mkdir()
    (tmp_path / "20260107T000000Z-file").write_text("x")
    assert list_versions(tmp_path) == [done]
    assert list_versions(tmp_path / "missing") == []


def test_without_latest_the_newest_complete_version_is_used(tmp_path: Path) -> None:
    assert latest_version(tmp_path) is None
    write_tiny(tmp_path, version="20260101T000000Z-a", value=1)
    write_tiny(tmp_path, version="20260103T000000Z-a", value=3)
    (tmp_path / "LATEST").unlink()
    (tmp_path / ".tmp-20260109T000000Z-a-0000").mkdir()
    assert latest_version(tmp_path) == "20260103T000000Z-a"
    assert int(read_bundle(tmp_path).array("value")[0]) == 3


def test_latest_with_garbage_is_an_integrity_error(tmp_path: Path) -> None:
    (tmp_path / "LATEST").write_text("../../etc")
    with pytest.raises(BundleIntegrityError, match="not a bundle version"):
        latest_version(tmp_path)


def test_prune_keeps_the_newest_and_never_the_latest(tmp_path: Path) -> None:
    versions = [write_tiny(tmp_path, version=f"2026010{day}T000000Z-a") for day in range(1, 7)]
    write_latest(tmp_path, versions[0])  # rolled back to the oldest on purpose

    removed = prune_versions(tmp_path, keep=2)

    assert removed == versions[1:4]
    assert list_versions(tmp_path) == [versions[0], *versions[4:]]
    assert latest_version(tmp_path) == versions[0]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
    assert prune_versions(tmp_path, keep=2) == []
    with pytest.raises(ValueError, match="keep must be at least 1"):
        prune_versions(tmp_path, keep=0)


def test_prune_removes_only_stale_temp_folders(tmp_path: Path) -> None:
    write_tiny(tmp_path)
    stale, fresh = tmp_path / ".tmp-old-1", tmp_path / ".tmp-new-2"
    stale_file = tmp_path / ".tmp-LATEST-3"
    for folder in (stale, fresh):
        folder.mkdir()
        (folder / "x.npy").write_bytes(b"x")
    stale_file.write_text("v")
    two_days_ago = time.time() - 2 * 86400
    os.utime(stale, (two_days_ago, two_days_ago))
    os.utime(stale_file, (two_days_ago, two_days_ago))

    prune_versions(tmp_path, keep=5)

    assert not stale.exists() and not stale_file.exists()
    assert fresh.exists()
