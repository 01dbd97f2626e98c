"""Write a bundle atomically: temp folder, fsync, rename into ``<version>/``, ``LATEST`` last."""

from __future__ import annotations

import errno
import logging
import os
import secrets
import shutil
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

import recsvc
from recsvc.bundle.manifest import (
    BUNDLE_SCHEMA_VERSION,
    MANIFEST_NAME,
    FileEntry,
    FileKind,
    Manifest,
    check_name,
    dump_json,
    sha256_file,
    to_jsonable,
)
from recsvc.bundle.versions import (
    TEMP_PREFIX,
    check_version,
    fsync_dir,
    new_version,
    write_latest,
)
from recsvc.contract import AUDIT_PREFIX
from recsvc.errors import BundleError

__all__ = ["sparse_to_arrays", "write_bundle"]

logger = logging.getLogger(__name__)

_LIBRARIES = ("numpy", "pandas", "pyarrow", "scipy", "scikit-learn", "implicit", "pydantic")
_RESERVED = frozenset({"manifest"})  # manifest.json is the bundle's own file
_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


def sparse_to_arrays(prefix: str, matrix: Any) -> dict[str, np.ndarray]:
    """Split a sparse matrix into the CSR arrays a bundle stores, for ``Bundle.sparse(prefix)``.

    Returns ``<prefix>_data``, ``<prefix>_indices``, ``<prefix>_indptr`` and
    ``<prefix>_shape`` (int64, two values); the caller merges them into ``arrays``.
    Duplicate entries are summed (on a copy) so the stored matrix is canonical.
    """
    import scipy.sparse as sp

    check_name(prefix, "sparse matrix prefix")
    if not sp.issparse(matrix):
        raise TypeError(f"sparse matrix {prefix!r} must be a scipy.sparse matrix or array")
    csr = sp.csr_matrix(matrix)
    if not csr.has_canonical_format:
        csr = csr.copy()
        csr.sum_duplicates()
    return {
        f"{prefix}_data": np.asarray(csr.data),
        f"{prefix}_indices": np.asarray(csr.indices),
        f"{prefix}_indptr": np.asarray(csr.indptr),
        f"{prefix}_shape": np.asarray(csr.shape, dtype=np.int64),
    }


def write_bundle(
    models_dir: Path,
    *,
    arrays: Mapping[str, np.ndarray],
    tables: Mapping[str, pd.DataFrame],
    documents: Mapping[str, Any],
    data_fingerprint: str,
    row_counts: Mapping[str, int],
    capabilities: Sequence[str],
    params: Mapping[str, Any],
    metrics: Mapping[str, Any],
    version: str | None = None,
) -> Manifest:
    """Write a complete bundle to ``models_dir/<version>/`` and point ``LATEST`` at it.

    Everything is checked and serialised before the first byte is written, then written into
    ``models_dir/.tmp-<version>-<random>/`` (files fsynced, ``manifest.json`` last), renamed
    into place and finally announced through ``LATEST``. Readers therefore see the old
    bundle or the new one, never a part of one.

    Parameters
    ----------
    arrays
        Saved as ``<name>.npy`` without pickle; object arrays are refused.
    tables
        Saved as ``<name>.parquet``; columns starting with ``audit_`` are refused because the
        service must never receive protected attributes.
    documents
        Saved as ``<name>.json``; numpy values are converted and NaN becomes ``null``.
    version
        Folder name; by default :func:`new_version`.

    Raises
    ------
    ValueError, TypeError
        A bad name, an object array, a table or document that cannot be stored.
    BundleError
        The disk filled up or another OS error struck; nothing was published, the temp
        folder is gone and ``LATEST`` is unchanged.
    """
    created_at = datetime.now(UTC)
    version = new_version(created_at) if version is None else check_version(version)
    writers = _prepare(arrays, tables, documents)
    fields = {
        "data_fingerprint": str(data_fingerprint),
        "row_counts": {str(k): int(v) for k, v in row_counts.items()},
        "capabilities": [str(c) for c in capabilities],
        "params": to_jsonable(dict(params), "params"),
        "metrics": to_jsonable(dict(metrics), "metrics"),
    }
    models_dir = Path(models_dir)
    tmp = models_dir / f"{TEMP_PREFIX}{version}-{secrets.token_hex(4)}"
    try:
        models_dir.mkdir(parents=True, exist_ok=True)
        os.mkdir(tmp, 0o755)  # not mkdtemp: its 0700 would lock out a service user
        files = {name: _write_file(tmp / name, kind, write) for name, (kind, write) in writers}
        manifest = Manifest(
            schema_version=BUNDLE_SCHEMA_VERSION,
            version=version,
            created_at=created_at,
            recsvc_version=recsvc.__version__,
            library_versions=_library_versions(),
            files=files,
            **fields,
        )
        with open(tmp / MANIFEST_NAME, "wb") as fh:
            fh.write(manifest.to_json_bytes())
            _sync(fh)
        fsync_dir(tmp)
        target = models_dir / version
        if os.path.lexists(target):
            raise BundleError(
                f"bundle version {version} already exists in {models_dir}; choose another version"
            )
        os.rename(tmp, target)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise _os_error(exc, models_dir) from exc
        raise
    _publish(models_dir, target)
    total = sum(entry.bytes for entry in files.values())
    logger.info(
        "wrote bundle %s (%d files, %.1f MiB) to %s", version, len(files), total / 2**20, target
    )
    return manifest


_Writer = Callable[[BinaryIO], None]


def _prepare(
    arrays: Mapping[str, np.ndarray],
    tables: Mapping[str, pd.DataFrame],
    documents: Mapping[str, Any],
) -> list[tuple[str, tuple[FileKind, _Writer]]]:
    """Check every input and turn it into a file writer, before anything touches the disk."""
    seen: dict[str, str] = {}
    writers: list[tuple[str, tuple[FileKind, _Writer]]] = []
    for what, names in (("array", arrays), ("table", tables), ("document", documents)):
        for name in names:
            check_name(name, what)
            if name in _RESERVED:
                raise ValueError(f"{what} name {name!r} is reserved; choose another name")
            if name in seen:
                raise ValueError(f"name {name!r} is used by a {seen[name]} and a {what}")
            seen[name] = what
    for name, array in arrays.items():
        writers.append((f"{name}.npy", ("array", _array_writer(name, array))))
    for name, frame in tables.items():
        writers.append((f"{name}.parquet", ("table", _table_writer(name, frame))))
    for name, document in documents.items():
        payload = dump_json(document, f"document {name!r}")
        writers.append((f"{name}.json", ("json", _bytes_writer(payload))))
    return writers


def _array_writer(name: str, array: np.ndarray) -> _Writer:
    """Writer for one ``.npy`` file; refuses what would need pickle to load."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"array {name!r} must be a numpy array, got {type(array).__name__}")
    if array.dtype.hasobject:
        raise TypeError(
            f"array {name!r} has dtype {array.dtype}, which needs pickle to load; store "
            "strings as a fixed-width unicode array (np.str_) or in a table instead"
        )

    def write(fh: BinaryIO) -> None:
        np.save(fh, array, allow_pickle=False)

    return write


def _table_writer(name: str, frame: pd.DataFrame) -> _Writer:
    """Writer for one Parquet file; the Arrow conversion happens now, so errors come early."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"table {name!r} must be a pandas DataFrame, got {type(frame).__name__}")
    protected = [str(c) for c in frame.columns if str(c).startswith(AUDIT_PREFIX)]
    if protected:
        raise ValueError(
            f"table {name!r} has protected columns {protected}; audit_ attributes are for "
            "fairness audits only and must not be shipped in a bundle"
        )
    try:
        table = pa.Table.from_pandas(frame)
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError) as exc:
        raise TypeError(f"table {name!r} cannot be stored as Parquet: {exc}") from exc

    def write(fh: BinaryIO) -> None:
        pq.write_table(table, fh)

    return write


def _bytes_writer(payload: bytes) -> _Writer:
    """Writer for bytes serialised in advance."""

    def write(fh: BinaryIO) -> None:
        fh.write(payload)

    return write


def _write_file(path: Path, kind: FileKind, write: _Writer) -> FileEntry:
    """Write, fsync and checksum one file."""
    with open(path, "wb") as fh:
        write(fh)
        _sync(fh)
    return FileEntry(sha256=sha256_file(path), bytes=path.stat().st_size, kind=kind)


def _sync(fh: BinaryIO) -> None:
    """Push a file's bytes to disk before the rename makes it visible."""
    fh.flush()
    os.fsync(fh.fileno())


def _publish(models_dir: Path, target: Path) -> None:
    """Flush the rename, then update ``LATEST``; undo the rename if that fails."""
    try:
        fsync_dir(models_dir)
        write_latest(models_dir, target.name)
    except BaseException as exc:
        doomed = models_dir / f"{TEMP_PREFIX}rollback-{target.name}-{secrets.token_hex(4)}"
        try:
            os.rename(target, doomed)
        finally:
            shutil.rmtree(doomed, ignore_errors=True)
        if isinstance(exc, OSError):
            raise _os_error(exc, models_dir) from exc
        raise


def _os_error(exc: OSError, models_dir: Path) -> BundleError:
    """A BundleError saying what went wrong and that nothing became visible."""
    if exc.errno in _DISK_FULL:
        return BundleError(
            f"disk full while writing bundle to {models_dir}; nothing was published "
            "(free some space, e.g. `prune_versions`, and train again)"
        )
    reason = exc.strerror or str(exc)
    return BundleError(
        f"could not write bundle to {models_dir}: {reason}; nothing was published "
        "(check that the folder exists and is writable)"
    )


def _library_versions() -> dict[str, str]:
    """Versions of the libraries that produced the arrays, for reproducing a bundle."""
    versions = {"python": sys.version.split()[0]}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions
