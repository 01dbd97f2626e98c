"""Damaged, missing, foreign or half-written bundles are refused with a clear error."""

from __future__ import annotations

import errno
import os
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd
import pyarrow.parquet as pq
import pytest

from recsvc.bundle import Manifest, read_bundle, verify_bundle, write_bundle
from recsvc.bundle.manifest import sha256_file
from recsvc.errors import (
    BundleError,
    BundleIntegrityError,
    BundleNotFoundError,
    BundleSchemaError,
)


def write_small(models_dir: Path, **overrides: Any) -> Manifest:
    kwargs: dict[str, Any] = {
        "arrays": {"factors": np.arange(1000, dtype=np.float32).reshape(100, 10)},
        "tables": {"content": pd.DataFrame({"content_id": ["a", "b"], "minutes": [5, 10]})},
        "documents": {"config": {"k": 10}},
        "data_fingerprint": "fp",
        "row_counts": {"content": 2},
        "capabilities": ["cf"],
        "params": {},
        "metrics": {},
    }
    kwargs.update(overrides)
    return write_bundle(models_dir, **kwargs)


def visible_state(models_dir: Path) -> tuple[list[str], str | None]:
    """Folder names and LATEST content: what a reader could see."""
    latest = models_dir / "LATEST"
    return sorted(p.name for p in models_dir.iterdir()), (
        latest.read_text() if latest.exists() else None
    )


def rewrite_manifest(folder: Path, **changes: Any) -> None:
    path = folder / "manifest.json"
    data = orjson.loads(path.read_bytes())
    data.update(changes)
    path.write_bytes(orjson.dumps(data))


# ---------------------------------------------------------------- damaged files


def test_tampered_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    manifest = write_small(tmp_path)
    target = tmp_path / manifest.version / "factors.npy"
    raw = bytearray(target.read_bytes())
    raw[-1] ^= 0xFF  # same size, different content
    target.write_bytes(bytes(raw))

    with pytest.raises(BundleIntegrityError, match=r"factors\.npy does not match its sha256"):
        verify_bundle(tmp_path)
    with pytest.raises(BundleIntegrityError, match=r"factors\.npy"):
        read_bundle(tmp_path)
    # without verification only sizes are checked: the fast path trusts same-size files
    assert read_bundle(tmp_path, verify=False).array("factors")[-1, -1] != 999.0


@pytest.mark.parametrize("verify", [True, False])
def test_truncated_npy_is_refused_even_without_verification(tmp_path: Path, verify: bool) -> None:
    manifest = write_small(tmp_path)
    target = tmp_path / manifest.version / "factors.npy"
    target.write_bytes(target.read_bytes()[:-100])

    with pytest.raises(BundleIntegrityError, match=r"factors\.npy has \d+ bytes.*truncated"):
        read_bundle(tmp_path, verify=verify)


def test_truncated_npy_behind_a_consistent_manifest_is_still_refused(tmp_path: Path) -> None:
    """A writer bug could record a short file's own checksum; np.load must still catch it."""
    manifest = write_small(tmp_path)
    folder = tmp_path / manifest.version
    target = folder / "factors.npy"
    target.write_bytes(target.read_bytes()[:-100])
    files = orjson.loads((folder / "manifest.json").read_bytes())["files"]
    files["factors.npy"].update(sha256=sha256_file(target), bytes=target.stat().st_size)
    rewrite_manifest(folder, files=files)

    with pytest.raises(BundleIntegrityError, match=r"factors\.npy is not a readable \.npy"):
        read_bundle(tmp_path)


@pytest.mark.parametrize(
    ("name", "damage", "message"),
    [
        ("content.parquet", b"not parquet at all", "not a readable Parquet"),
        ("config.json", b"{not json", "not valid JSON"),
    ],
)
def test_unreadable_table_or_document_is_refused(
    tmp_path: Path, name: str, damage: bytes, message: str
) -> None:
    manifest = write_small(tmp_path)
    folder = tmp_path / manifest.version
    (folder / name).write_bytes(damage)
    files = orjson.loads((folder / "manifest.json").read_bytes())["files"]
    files[name].update(sha256=sha256_file(folder / name), bytes=len(damage))
    rewrite_manifest(folder, files=files)

    with pytest.raises(BundleIntegrityError, match=message):
        read_bundle(tmp_path)


def test_missing_file_is_refused_naming_the_file(tmp_path: Path) -> None:
    manifest = write_small(tmp_path)
    (tmp_path / manifest.version / "content.parquet").unlink()

    with pytest.raises(BundleIntegrityError, match=r"content\.parquet is missing"):
        read_bundle(tmp_path, verify=False)


def test_unlisted_files_are_ignored(tmp_path: Path) -> None:
    manifest = write_small(tmp_path)
    (tmp_path / manifest.version / "stray.npy").write_bytes(b"junk")

    assert verify_bundle(tmp_path) == manifest
    assert not read_bundle(tmp_path).has("stray")


@pytest.mark.parametrize(
    "file_name", ["../escape.npy", "factors.parquet", "Factors.npy", "factors", ".hidden.npy"]
)
def test_manifest_listing_an_unsafe_file_name_is_refused(tmp_path: Path, file_name: str) -> None:
    manifest = write_small(tmp_path)
    folder = tmp_path / manifest.version
    files = orjson.loads((folder / "manifest.json").read_bytes())["files"]
    files[file_name] = files.pop("factors.npy")
    rewrite_manifest(folder, files=files)

    with pytest.raises(BundleIntegrityError, match="not a valid bundle file name"):
        read_bundle(tmp_path)


# ---------------------------------------------------------------- manifest and schema


def test_manifest_from_a_newer_schema_says_upgrade(tmp_path: Path) -> None:
    manifest = write_small(tmp_path)
    rewrite_manifest(tmp_path / manifest.version, schema_version=3, recsvc_version="9.0.0")

    with pytest.raises(BundleSchemaError, match=r"recsvc 9\.0\.0 with schema 3.*upgrade recsvc"):
        read_bundle(tmp_path)
    with pytest.raises(BundleSchemaError):
        read_bundle(tmp_path, verify=False)
    with pytest.raises(BundleSchemaError):
        verify_bundle(tmp_path)


def test_manifest_from_an_older_schema_says_retrain(tmp_path: Path) -> None:
    manifest = write_small(tmp_path)
    rewrite_manifest(tmp_path / manifest.version, schema_version=0)

    with pytest.raises(BundleSchemaError, match="old schema 0.*recsvc train"):
        read_bundle(tmp_path)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{truncated", "not valid JSON"),
        (b"[1, 2]", "does not hold a JSON object"),
        (b'{"schema_version": "1"}', "no integer schema_version"),
        (b'{"schema_version": 2, "version": "v"}', "does not match bundle schema 2"),
    ],
)
def test_broken_manifest_is_an_integrity_error(tmp_path: Path, raw: bytes, message: str) -> None:
    manifest = write_small(tmp_path)
    (tmp_path / manifest.version / "manifest.json").write_bytes(raw)

    with pytest.raises(BundleIntegrityError, match=message):
        read_bundle(tmp_path)


# ---------------------------------------------------------------- not found


def test_missing_folder_says_train_first(tmp_path: Path) -> None:
    with pytest.raises(BundleNotFoundError, match=r"does not exist.*recsvc train"):
        read_bundle(tmp_path / "nowhere")


def test_empty_models_folder_is_not_found(tmp_path: Path) -> None:
    (tmp_path / ".tmp-20260101T000000Z-abc-1234").mkdir()  # a writer's leftovers do not count
    with pytest.raises(BundleNotFoundError, match="no LATEST, no version folder"):
        read_bundle(tmp_path)


def test_file_instead_of_folder_is_not_found(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(BundleNotFoundError, match="not a folder"):
        read_bundle(tmp_path / "file")


def test_latest_naming_a_missing_version_is_not_found(tmp_path: Path) -> None:
    write_small(tmp_path)
    (tmp_path / "LATEST").write_text("20990101T000000Z-gone\n")
    with pytest.raises(BundleNotFoundError, match="names version 20990101T000000Z-gone"):
        read_bundle(tmp_path)


@pytest.mark.parametrize("content", ["../elsewhere", "", ".tmp-x", "a/b"])
def test_latest_with_a_path_trick_is_refused(tmp_path: Path, content: str) -> None:
    write_small(tmp_path)
    (tmp_path / "LATEST").write_text(content)
    with pytest.raises(BundleIntegrityError, match="not a bundle version"):
        read_bundle(tmp_path)


# ---------------------------------------------------------------- failures while writing


def test_disk_full_at_rename_publishes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_small(tmp_path)
    before = visible_state(tmp_path)

    def full(*args: Any) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "rename", full)
    with pytest.raises(BundleError, match="disk full while writing bundle.*nothing was published"):
        write_small(tmp_path)
    monkeypatch.undo()
    assert visible_state(tmp_path) == before  # no new folder, no .tmp-*, same LATEST


def test_disk_full_while_saving_an_array_publishes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_small(tmp_path)
    before = visible_state(tmp_path)
    real_save = np.save
    calls = []

    def save_then_fail(*args: Any, **kwargs: Any) -> None:
        calls.append(1)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        real_save(*args, **kwargs)

    monkeypatch.setattr(np, "save", save_then_fail)
    arrays = {"a": np.zeros(3), "b": np.ones(3)}
    with pytest.raises(BundleError, match="disk full") as caught:
        write_small(tmp_path, arrays=arrays)
    monkeypatch.undo()
    assert isinstance(caught.value.__cause__, OSError)
    assert visible_state(tmp_path) == before


def test_other_errors_mid_write_propagate_and_publish_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_small(tmp_path)
    before = visible_state(tmp_path)

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("parquet writer crashed")

    monkeypatch.setattr(pq, "write_table", broken)
    with pytest.raises(RuntimeError, match="parquet writer crashed"):
        write_small(tmp_path)
    monkeypatch.undo()
    assert visible_state(tmp_path) == before


def test_failure_to_update_latest_rolls_the_new_version_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_small(tmp_path)
    before = visible_state(tmp_path)

    def refuse(*args: Any) -> None:
        raise OSError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(BundleError, match="Permission denied; nothing was published"):
        write_small(tmp_path)
    monkeypatch.undo()
    assert visible_state(tmp_path) == before


def test_unwritable_models_dir_is_a_bundle_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(BundleError, match="could not write bundle.*nothing was published"):
        write_small(blocker / "models")


# ---------------------------------------------------------------- refused inputs


def test_object_arrays_are_refused_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="dtype object, which needs pickle"):
        write_small(tmp_path / "m", arrays={"ids": np.array(["a", None], dtype=object)})
    with pytest.raises(TypeError, match="must be a numpy array"):
        write_small(tmp_path / "m", arrays={"ids": [1, 2]})
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize("name", ["../up", "Upper", "a.b", "", "a-b", "a/b", "manifest"])
def test_bad_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="name"):
        write_small(tmp_path, arrays={name: np.zeros(2)})
    assert list(tmp_path.iterdir()) == []


def test_one_name_for_two_kinds_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'content' is used by a array and a table"):
        write_small(tmp_path, arrays={"content": np.zeros(2)})


@pytest.mark.parametrize("version", ["../v", "LATEST", ".hidden", "a/b", "x..y", ""])
def test_bad_versions_are_refused(tmp_path: Path, version: str) -> None:
    with pytest.raises(ValueError, match="invalid bundle version"):
        write_small(tmp_path, version=version)


def test_existing_version_is_never_overwritten(tmp_path: Path) -> None:
    write_small(tmp_path, version="v1")
    before = visible_state(tmp_path)
    with pytest.raises(BundleError, match="v1 already exists"):
        write_small(tmp_path, version="v1", documents={"config": {"k": 99}})
    assert visible_state(tmp_path) == before
    assert read_bundle(tmp_path).document("config") == {"k": 10}


def test_protected_columns_never_enter_a_bundle(tmp_path: Path) -> None:
    frame = pd.DataFrame({"employee_id": ["e1"], "audit_gender": ["x"]})
    with pytest.raises(ValueError, match="protected columns.*audit_gender"):
        write_small(tmp_path, tables={"employees": frame})


def test_tables_and_documents_that_cannot_be_stored_are_refused(tmp_path: Path) -> None:
    mixed = pd.DataFrame({"x": [1, "a", 2.5]})
    with pytest.raises(TypeError, match="table 'mixed' cannot be stored as Parquet"):
        write_small(tmp_path, tables={"mixed": mixed})
    with pytest.raises(TypeError, match="document 'doc' is not JSON-serialisable"):
        write_small(tmp_path, documents={"doc": {"when": object()}})
    with pytest.raises(TypeError, match="params is not JSON-serialisable"):
        write_small(tmp_path, params={"f": lambda: None})
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "target",
    ["recsvc.bundle.read.sha256_file", "numpy.load", "pyarrow.parquet.read_table"],
)
def test_unreadable_files_say_check_permissions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    write_small(tmp_path)

    def denied(*args: Any, **kwargs: Any) -> None:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(target, denied)
    with pytest.raises(BundleError, match="Permission denied; check that the service user"):
        read_bundle(tmp_path)


def test_unreadable_latest_says_check_permissions(tmp_path: Path) -> None:
    (tmp_path / "LATEST").mkdir()  # reading it fails with an OS error other than "missing"
    with pytest.raises(BundleError, match="cannot read .*LATEST"):
        read_bundle(tmp_path)


def test_inconsistent_sparse_arrays_are_an_integrity_error(tmp_path: Path) -> None:
    arrays = {
        "m_data": np.ones(2),
        "m_indices": np.array([0, 5], dtype=np.int32),  # column 5 in a 2-column matrix
        "m_indptr": np.array([0, 1, 2], dtype=np.int32),
        "m_shape": np.array([2, 2], dtype=np.int64),
        "bad_shape": np.array([2, 2, 2], dtype=np.int64),
        "short_data": np.ones(1),
        "short_indices": np.array([0, 1], dtype=np.int32),
        "short_indptr": np.array([0, 1, 2], dtype=np.int32),
        "short_shape": np.array([2, 2], dtype=np.int64),
    }
    write_small(tmp_path, arrays=arrays)
    bundle = read_bundle(tmp_path)
    with pytest.raises(BundleIntegrityError, match="sparse matrix 'm' has inconsistent arrays"):
        bundle.sparse("m")
    with pytest.raises(BundleIntegrityError, match="'bad_shape' must hold two values"):
        bundle.sparse("bad")
    with pytest.raises(BundleIntegrityError, match="sparse matrix 'short' has inconsistent"):
        bundle.sparse("short")


def test_non_frames_are_refused_and_path_like_values_become_json(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        write_small(tmp_path, tables={"t": {"a": [1]}})
    matrix = np.arange(6).reshape(2, 3)
    manifest = write_small(
        tmp_path,
        params={"path": Path("data") / "x.csv", "tags": {"b", "a"}, "cols": matrix[:, 1]},
    )
    assert manifest.params == {"path": "data/x.csv", "tags": ["a", "b"], "cols": [1, 4]}
