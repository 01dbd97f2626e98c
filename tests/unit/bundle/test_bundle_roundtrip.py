"""A bundle reads back exactly what was written: arrays (mmapped), tables, JSON, manifest."""

from __future__ import annotations

import builtins
import dataclasses
import io
import os
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from recsvc.bundle import (
    BUNDLE_SCHEMA_VERSION,
    FileEntry,
    Manifest,
    read_bundle,
    read_manifest,
    sparse_to_arrays,
    verify_bundle,
    write_bundle,
)
from recsvc.bundle.manifest import parse_manifest, sha256_file
from recsvc.errors import BundleIntegrityError


def sample_arrays() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    return {
        "item_factors": rng.standard_normal((50, 8)).astype(np.float32),
        "user_idx": np.arange(7, dtype=np.int64),
        "flags": np.array([True, False, True]),
        "content_ids": np.array(["c1", "c-2", "çé"], dtype=np.str_),
        "fortran": np.asfortranarray(rng.standard_normal((4, 3))),
        "cube": np.arange(24, dtype=np.int16).reshape(2, 3, 4),
        "empty": np.zeros((0, 8), dtype=np.float32),
    }


def sample_table() -> pd.DataFrame:
    """Columns with each clean dtype of the data contract, missing values included."""
    return pd.DataFrame(
        {
            "content_id": pd.array(["c1", "c2", None], dtype="string"),
            "duration_minutes": pd.array([30, None, 5], dtype="Int64"),
            "active": pd.array([True, None, False], dtype="boolean"),
            "published_at": pd.to_datetime(
                np.array(
                    ["2024-01-02T03:04:05.123456789Z", "NaT", "2020-02-29T00:00:00.000000001Z"]
                ),
                utc=True,
            ),
            "score": [0.5, np.nan, 1.0],
        }
    )


def write_sample(models_dir: Path, **overrides: Any) -> Manifest:
    kwargs: dict[str, Any] = {
        "arrays": sample_arrays(),
        "tables": {"content": sample_table()},
        "documents": {"config": {"k": 10, "weights": [0.5, 0.25], "name": "als"}},
        "data_fingerprint": "sha256:abc",
        "row_counts": {"enrolments": 120, "content": 3},
        "capabilities": ["cf", "skills"],
        "params": {"factors": 8},
        "metrics": {"ndcg@10": 0.25},
    }
    kwargs.update(overrides)
    return write_bundle(models_dir, **kwargs)


def test_round_trip_returns_equal_arrays_tables_documents_and_manifest(tmp_path: Path) -> None:
    manifest = write_sample(tmp_path)
    bundle = read_bundle(tmp_path)

    assert bundle.version == manifest.version
    assert bundle.path == tmp_path / manifest.version
    assert bundle.manifest == manifest
    for name, original in sample_arrays().items():
        loaded = bundle.array(name)
        assert isinstance(loaded, np.memmap), name
        assert not loaded.flags.writeable, name
        assert loaded.dtype == original.dtype, name
        np.testing.assert_array_equal(loaded, original)
    assert bundle.array("fortran").flags.f_contiguous
    pd.testing.assert_frame_equal(bundle.table("content"), sample_table())
    assert bundle.document("config") == {"k": 10, "weights": [0.5, 0.25], "name": "als"}
    assert bundle.has("content") and bundle.has("config") and bundle.has("item_factors")
    assert not bundle.has("missing")


def test_manifest_records_every_file_with_its_checksum(tmp_path: Path) -> None:
    manifest = write_sample(tmp_path)
    folder = tmp_path / manifest.version

    assert manifest.schema_version == BUNDLE_SCHEMA_VERSION
    assert manifest.created_at.tzinfo is not None
    assert manifest.row_counts == {"enrolments": 120, "content": 3}
    assert manifest.capabilities == ["cf", "skills"]
    assert {"numpy", "pandas", "pyarrow", "python"} <= set(manifest.library_versions)
    on_disk = {p.name for p in folder.iterdir()} - {"manifest.json"}
    assert set(manifest.files) == on_disk
    assert manifest.files["content.parquet"].kind == "table"
    assert manifest.files["config.json"].kind == "json"
    for name, entry in manifest.files.items():
        assert entry.sha256 == sha256_file(folder / name)
        assert entry.bytes == (folder / name).stat().st_size
    assert verify_bundle(tmp_path) == manifest
    assert read_manifest(folder) == manifest


def test_numpy_values_in_params_metrics_and_documents_become_plain_json(tmp_path: Path) -> None:
    manifest = write_sample(
        tmp_path,
        params={"alpha": np.float32(0.5), "factors": np.int64(8), "grid": (1, 2)},
        metrics={"ndcg@10": np.float64(0.25), "undefined": float("nan")},
        documents={"weights": {"w": np.arange(3, dtype=np.int32), "b": np.bool_(True)}},
    )
    bundle = read_bundle(tmp_path)

    assert manifest.params == {"alpha": 0.5, "factors": 8, "grid": [1, 2]}
    assert manifest.metrics == {"ndcg@10": 0.25, "undefined": None}
    assert bundle.manifest == manifest
    assert bundle.document("weights") == {"w": [0, 1, 2], "b": True}


def test_sparse_round_trip_is_built_on_the_memory_maps(tmp_path: Path) -> None:
    matrix = sp.random(40, 30, density=0.1, format="csr", dtype=np.float32, random_state=1)
    empty = sp.csr_matrix((5, 0), dtype=np.float32)
    write_sample(
        tmp_path,
        arrays={**sparse_to_arrays("interactions", matrix), **sparse_to_arrays("none", empty)},
    )
    bundle = read_bundle(tmp_path)

    loaded = bundle.sparse("interactions")
    assert isinstance(loaded, sp.csr_matrix)
    assert loaded.shape == (40, 30) and loaded.dtype == np.float32
    assert (loaded != matrix).nnz == 0
    assert np.shares_memory(loaded.data, bundle.array("interactions_data"))
    assert bundle.sparse("none").shape == (5, 0)


def test_sparse_to_arrays_canonicalises_without_touching_the_input() -> None:
    data, indices, indptr = np.array([1.0, 2.0, 5.0]), np.array([2, 2, 0]), np.array([0, 2, 3])
    messy = sp.csr_matrix((data, indices, indptr), shape=(2, 3))  # duplicate entry in row 0
    assert not messy.has_canonical_format
    arrays = sparse_to_arrays("m", messy)

    assert arrays["m_shape"].tolist() == [2, 3] and arrays["m_shape"].dtype == np.int64
    assert arrays["m_indices"].tolist() == [2, 0]
    rebuilt = sp.csr_matrix(
        (arrays["m_data"], arrays["m_indices"], arrays["m_indptr"]), shape=(2, 3)
    )
    assert rebuilt.toarray().tolist() == [[0, 0, 3.0], [5.0, 0, 0]]
    assert messy.indices.tolist() == [2, 2, 0] and messy.data.tolist() == [1.0, 2.0, 5.0]
    with pytest.raises(TypeError, match="scipy.sparse"):
        sparse_to_arrays("m", np.eye(2))
    with pytest.raises(ValueError, match="invalid sparse matrix prefix"):
        sparse_to_arrays("../m", messy)


def test_bundle_is_immutable_after_load(tmp_path: Path) -> None:
    write_sample(tmp_path)
    bundle = read_bundle(tmp_path)

    with pytest.raises(dataclasses.FrozenInstanceError):
        bundle.manifest = bundle.manifest  # type: ignore[misc]
    with pytest.raises(TypeError):
        bundle.arrays["item_factors"] = np.zeros(1)  # type: ignore[index]
    with pytest.raises(ValueError, match="read-only"):
        bundle.array("item_factors")[0, 0] = 1.0
    with pytest.raises(BundleIntegrityError, match="no array 'nope'.*item_factors"):
        bundle.array("nope")
    with pytest.raises(BundleIntegrityError, match="no table 'x'"):
        bundle.table("x")
    with pytest.raises(BundleIntegrityError, match="no document 'x'"):
        bundle.document("x")


def test_published_files_are_readable_by_other_users(tmp_path: Path) -> None:
    old_umask = os.umask(0o022)
    try:
        manifest = write_sample(tmp_path / "models")
    finally:
        os.umask(old_umask)
    models = tmp_path / "models"
    paths = [models / "LATEST", models / manifest.version, *(models / manifest.version).iterdir()]
    for path in paths:
        mode = path.stat().st_mode
        assert mode & stat.S_IROTH, path
        if path.is_dir():
            assert mode & stat.S_IXOTH, path


def test_a_read_only_reader_can_load_and_verify(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading opens nothing for writing: chmod read-only (enforced for non-root) and a trap."""
    manifest = write_sample(tmp_path)
    folder = tmp_path / manifest.version
    for path in [*folder.iterdir(), tmp_path / "LATEST"]:
        path.chmod(0o444)
    folder.chmod(0o555)
    tmp_path.chmod(0o555)
    real_open, real_os_open = builtins.open, os.open

    def guarded_open(file: Any, mode: str = "r", *args: Any, **kwargs: Any) -> Any:
        assert not set(mode) & set("wax+"), f"opened {file} with mode {mode}"
        return real_open(file, mode, *args, **kwargs)

    def guarded_os_open(path: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        assert not flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT), f"os.open({path}) for writing"
        return real_os_open(path, flags, *args, **kwargs)

    try:
        monkeypatch.setattr(builtins, "open", guarded_open)
        monkeypatch.setattr(io, "open", guarded_open)
        monkeypatch.setattr(os, "open", guarded_os_open)
        bundle = read_bundle(tmp_path, verify=True)
        assert verify_bundle(tmp_path) == manifest
        np.testing.assert_array_equal(bundle.array("user_idx"), np.arange(7))
    finally:
        monkeypatch.undo()
        tmp_path.chmod(0o755)
        folder.chmod(0o755)


# ---------------------------------------------------------------- manifest (hypothesis)

json_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53), max_value=2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=10)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=10,
)
names = st.from_regex(r"[a-z0-9_]{1,12}", fullmatch=True)
entries = st.builds(
    FileEntry,
    sha256=st.from_regex(r"[0-9a-f]{64}", fullmatch=True),
    bytes=st.integers(min_value=0, max_value=2**40),
    kind=st.sampled_from(["array", "table", "json"]),
)
manifests = st.builds(
    Manifest,
    schema_version=st.just(BUNDLE_SCHEMA_VERSION),
    version=st.from_regex(r"[0-9A-Za-z][0-9A-Za-z._-]{0,30}", fullmatch=True),
    created_at=st.datetimes(
        min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
    ),
    recsvc_version=st.text(max_size=10),
    data_fingerprint=st.text(max_size=20),
    row_counts=st.dictionaries(names, st.integers(min_value=0, max_value=2**40)),
    capabilities=st.lists(names, max_size=4),
    params=st.dictionaries(st.text(max_size=8), json_values, max_size=4),
    metrics=st.dictionaries(st.text(max_size=8), json_values, max_size=4),
    library_versions=st.dictionaries(names, st.text(max_size=8), max_size=3),
    files=st.dictionaries(names.map(lambda n: n + ".npy"), entries, max_size=4),
)


@settings(max_examples=60, deadline=None)
@given(manifest=manifests)
def test_manifest_json_round_trip(manifest: Manifest) -> None:
    assert parse_manifest(manifest.to_json_bytes(), Path("manifest.json")) == manifest


@given(manifest=manifests)
@settings(max_examples=20, deadline=None)
def test_unknown_manifest_keys_of_the_same_schema_are_ignored(manifest: Manifest) -> None:
    import orjson

    data = orjson.loads(manifest.to_json_bytes())
    data["added_later"] = {"anything": [1, 2]}
    assert parse_manifest(orjson.dumps(data), Path("manifest.json")) == manifest
