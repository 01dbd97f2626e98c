"""Load a bundle read-only: check schema version, sizes and checksums, mmap arrays."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from recsvc.bundle.manifest import (
    MANIFEST_NAME,
    NAME_PATTERN,
    Manifest,
    parse_manifest,
    sha256_file,
)
from recsvc.bundle.versions import latest_version
from recsvc.errors import BundleError, BundleIntegrityError, BundleNotFoundError

__all__ = ["Bundle", "read_bundle", "read_manifest", "resolve_bundle_dir", "verify_bundle"]

logger = logging.getLogger(__name__)

_T = TypeVar("_T")

_SUFFIX = {"array": ".npy", "table": ".parquet", "json": ".json"}
_CSR_PARTS = ("data", "indices", "indptr")
_HINT = "run `recsvc train` first, or point RECSVC_MODELS_DIR at a models folder"


@dataclass(frozen=True, eq=False)
class Bundle:
    """A loaded bundle. Arrays are read-only memory maps; treat tables as read-only too."""

    path: Path
    manifest: Manifest
    arrays: Mapping[str, np.ndarray]
    tables: Mapping[str, pd.DataFrame]
    documents: Mapping[str, Any]

    @property
    def version(self) -> str:
        """The bundle's version, as named in its manifest and folder."""
        return self.manifest.version

    def has(self, name: str) -> bool:
        """Whether the bundle holds an array, table or document called ``name``."""
        return name in self.arrays or name in self.tables or name in self.documents

    def array(self, name: str) -> np.ndarray:
        """The array ``name``; a missing one means the bundle lacks a capability."""
        return self._get(self.arrays, name, "array")

    def table(self, name: str) -> pd.DataFrame:
        """The table ``name``."""
        return self._get(self.tables, name, "table")

    def document(self, name: str) -> Any:
        """The JSON document ``name``."""
        return self._get(self.documents, name, "document")

    def sparse(self, prefix: str) -> Any:
        """The CSR matrix stored by :func:`~recsvc.bundle.write.sparse_to_arrays`, on the mmaps."""
        import scipy.sparse as sp

        shape = self.array(f"{prefix}_shape")
        if shape.shape != (2,):
            raise BundleIntegrityError(
                f"bundle {self.version}: array '{prefix}_shape' must hold two values"
            )
        data, indices, indptr = (self.array(f"{prefix}_{part}") for part in _CSR_PARTS)
        n_rows, n_cols = int(shape[0]), int(shape[1])
        consistent = (
            min(n_rows, n_cols) >= 0
            and indptr.shape == (n_rows + 1,)
            and indices.shape == data.shape == (int(indptr[-1]),)
            and (indices.size == 0 or (indices.min() >= 0 and indices.max() < n_cols))
        )
        if not consistent:  # scipy's cheap check misses out-of-range indices
            raise BundleIntegrityError(
                f"bundle {self.version}: sparse matrix '{prefix}' has inconsistent arrays "
                f"for shape {n_rows}x{n_cols}; retrain the bundle"
            )
        return sp.csr_matrix((data, indices, indptr), shape=(n_rows, n_cols), copy=False)

    def _get(self, store: Mapping[str, _T], name: str, what: str) -> _T:
        try:
            return store[name]
        except KeyError:
            known = ", ".join(sorted(store)) or "none"
            raise BundleIntegrityError(
                f"bundle {self.version} has no {what} {name!r} (it has: {known}); "
                "retrain with a recsvc that writes it"
            ) from None


def resolve_bundle_dir(path: Path) -> Path:
    """The bundle folder meant by ``path``: a bundle itself, or a models folder's latest.

    Raises
    ------
    BundleNotFoundError
        Nothing at ``path``, or a models folder without any complete bundle.
    """
    path = Path(path)
    if not path.exists():
        raise BundleNotFoundError(f"no bundle at {path}: the folder does not exist; {_HINT}")
    if not path.is_dir():
        raise BundleNotFoundError(f"{path} is not a folder; give a bundle or models folder")
    if (path / MANIFEST_NAME).is_file():
        return path
    version = latest_version(path)
    if version is None:
        raise BundleNotFoundError(f"no bundle in {path} (no LATEST, no version folder); {_HINT}")
    bundle_dir = path / version
    if not (bundle_dir / MANIFEST_NAME).is_file():
        raise BundleNotFoundError(
            f"{path / 'LATEST'} names version {version}, but {bundle_dir} holds no "
            f"{MANIFEST_NAME}; restore it, fix LATEST or retrain"
        )
    return bundle_dir


def read_manifest(path: Path) -> Manifest:
    """The manifest of the bundle at ``path`` (bundle or models folder), schema checked."""
    where = resolve_bundle_dir(path) / MANIFEST_NAME
    try:
        raw = where.read_bytes()
    except OSError as exc:
        raise _unreadable(where, exc) from exc
    return parse_manifest(raw, where)


def verify_bundle(path: Path) -> Manifest:
    """Check a bundle fully (schema version, every file's size and sha256) without loading it.

    Used by ``recsvc bundle verify DIR`` and by the service before it swaps bundles.
    """
    bundle_dir = resolve_bundle_dir(path)
    manifest = read_manifest(bundle_dir)
    _check_files(bundle_dir, manifest, checksums=True)
    listed = set(manifest.files) | {MANIFEST_NAME}
    extra = sorted(name for name in os.listdir(bundle_dir) if name not in listed)
    if extra:
        logger.warning("bundle %s holds unlisted files, ignored: %s", manifest.version, extra)
    return manifest


def read_bundle(path: Path, *, verify: bool = True) -> Bundle:
    """Load the bundle at ``path`` (bundle folder, or models folder via ``LATEST``).

    The schema version and file sizes are always checked; ``verify`` adds the sha256 of
    every file (a full read, which the service does before serving). Only files listed in the
    manifest are read, and nothing is written, so a read-only user can load a bundle.

    Raises
    ------
    BundleNotFoundError, BundleSchemaError, BundleIntegrityError, BundleError
        Missing, from another schema version, damaged, or unreadable.
    """
    bundle_dir = resolve_bundle_dir(path)
    manifest = read_manifest(bundle_dir)
    _check_files(bundle_dir, manifest, checksums=verify)
    arrays: dict[str, np.ndarray] = {}
    tables: dict[str, pd.DataFrame] = {}
    documents: dict[str, Any] = {}
    for file_name, entry in manifest.files.items():
        name = file_name.removesuffix(_SUFFIX[entry.kind])
        file_path = bundle_dir / file_name
        if entry.kind == "array":
            arrays[name] = _load_array(file_path, manifest.version)
        elif entry.kind == "table":
            tables[name] = _load_table(file_path, manifest.version)
        else:
            documents[name] = _load_json(file_path, manifest.version)
    logger.info("loaded bundle %s from %s (verified=%s)", manifest.version, bundle_dir, verify)
    return Bundle(
        path=bundle_dir,
        manifest=manifest,
        arrays=MappingProxyType(arrays),
        tables=MappingProxyType(tables),
        documents=MappingProxyType(documents),
    )


def _check_files(bundle_dir: Path, manifest: Manifest, *, checksums: bool) -> None:
    """Every listed file has a safe name, exists and has its size (and sha256)."""
    for file_name, entry in manifest.files.items():
        stem, dot, suffix = file_name.rpartition(".")
        if not dot or NAME_PATTERN.fullmatch(stem) is None or f".{suffix}" != _SUFFIX[entry.kind]:
            raise BundleIntegrityError(
                f"bundle {manifest.version} lists {file_name!r} as {entry.kind}, which is not "
                "a valid bundle file name; the manifest is damaged: retrain"
            )
        file_path = bundle_dir / file_name
        try:
            size = file_path.stat().st_size
            if size != entry.bytes:
                raise BundleIntegrityError(
                    f"bundle {manifest.version}: {file_name} has {size} bytes, the manifest "
                    f"says {entry.bytes} (truncated or replaced); restore the bundle or retrain"
                )
            if checksums and sha256_file(file_path) != entry.sha256:
                raise BundleIntegrityError(
                    f"bundle {manifest.version}: {file_name} does not match its sha256 (changed "
                    "after it was written); restore the bundle or retrain"
                )
        except FileNotFoundError as exc:
            raise BundleIntegrityError(
                f"bundle {manifest.version}: {file_name} is missing; restore the bundle or retrain"
            ) from exc
        except OSError as exc:
            raise _unreadable(file_path, exc) from exc


def _load_array(path: Path, version: str) -> np.ndarray:
    """Memory-map one ``.npy`` read-only; never unpickle."""
    try:
        array: np.ndarray = np.load(path, mmap_mode="r", allow_pickle=False)
    except (ValueError, EOFError) as exc:  # truncated, bad header, or an object array
        raise BundleIntegrityError(
            f"bundle {version}: {path.name} is not a readable .npy array ({exc}); "
            "restore the bundle or retrain"
        ) from exc
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    return array


def _load_table(path: Path, version: str) -> pd.DataFrame:
    """Read one Parquet file into pandas, keeping the dtypes it was written with."""
    try:
        frame: pd.DataFrame = pq.read_table(path).to_pandas()
    except pa.ArrowInvalid as exc:
        raise BundleIntegrityError(
            f"bundle {version}: {path.name} is not a readable Parquet file ({exc}); "
            "restore the bundle or retrain"
        ) from exc
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    return frame


def _load_json(path: Path, version: str) -> Any:
    """Read one JSON document."""
    try:
        return orjson.loads(path.read_bytes())
    except orjson.JSONDecodeError as exc:
        raise BundleIntegrityError(
            f"bundle {version}: {path.name} is not valid JSON ({exc}); restore it or retrain"
        ) from exc
    except OSError as exc:
        raise _unreadable(path, exc) from exc


def _unreadable(path: Path, exc: OSError) -> BundleError:
    """A clear error for a file the process may not read."""
    return BundleError(
        f"cannot read {path}: {exc.strerror or exc}; check that the service user may read "
        "the models folder"
    )
