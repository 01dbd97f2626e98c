"""The bundle manifest: what a bundle holds, where it came from, and the checksum of each file."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any, Literal

import orjson
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationError

from recsvc.errors import BundleIntegrityError, BundleSchemaError

__all__ = [
    "BUNDLE_SCHEMA_VERSION",
    "MANIFEST_NAME",
    "NAME_PATTERN",
    "FileEntry",
    "FileKind",
    "Manifest",
    "check_name",
    "dump_json",
    "parse_manifest",
    "sha256_file",
    "to_jsonable",
]

#: Layout version of a bundle on disk. Bump it when a reader of the old layout would misread
#: the new one; readers refuse any other version instead of guessing.
BUNDLE_SCHEMA_VERSION: int = 2

MANIFEST_NAME = "manifest.json"

#: Names of arrays, tables and documents: lower-case words only, so a name can never be a path.
NAME_PATTERN = re.compile(r"[a-z0-9_]+")

FileKind = Literal["array", "table", "json"]

_BLOCK = 1 << 20  # stream checksums in 1 MiB blocks: arrays may be larger than free memory
_JSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY


class FileEntry(BaseModel):
    """Size and sha256 of one bundle file, and how to load it."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    bytes: int = Field(ge=0)
    kind: FileKind


class Manifest(BaseModel):
    """Everything a reader needs to trust and interpret a bundle, in ``manifest.json``.

    Unknown keys are ignored: a writer of the same ``schema_version`` may add optional
    information without breaking older readers. Any other schema version is refused by
    :func:`parse_manifest` before this model ever sees the data.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    schema_version: int
    version: str
    created_at: AwareDatetime
    recsvc_version: str
    data_fingerprint: str
    row_counts: dict[str, int]
    capabilities: list[str]
    params: dict[str, Any]
    metrics: dict[str, Any]
    library_versions: dict[str, str]
    files: dict[str, FileEntry]

    def to_json_bytes(self) -> bytes:
        """Serialise as the indented UTF-8 JSON stored in ``manifest.json``."""
        return self.model_dump_json(indent=2).encode() + b"\n"


def check_name(name: str, what: str) -> str:
    """Return ``name`` if it is a safe file stem, else raise ``ValueError``.

    Names become file names inside the bundle; anything but ``[a-z0-9_]+`` could escape
    the folder (``../``), hide a file (``.x``) or differ only by case on some file systems.
    """
    if not isinstance(name, str) or NAME_PATTERN.fullmatch(name) is None:
        raise ValueError(
            f"invalid {what} name {name!r}: use lower-case letters, digits and '_' only"
        )
    return name


def to_jsonable(value: Any, what: str) -> Any:
    """Round-trip ``value`` through JSON so it holds only plain Python JSON values.

    numpy scalars and arrays become numbers and lists, tuples become lists, and NaN or
    infinity become ``None`` (JSON has no such numbers). What comes back is exactly what a
    reader will see, so a manifest built from it compares equal to the one read back.
    """
    return orjson.loads(dump_json(value, what))


def dump_json(value: Any, what: str) -> bytes:
    """Serialise ``value`` as compact UTF-8 JSON, converting numpy values; name it on failure."""
    try:
        return orjson.dumps(value, default=_json_default, option=_JSON_OPTIONS)
    except TypeError as exc:
        raise TypeError(f"{what} is not JSON-serialisable: {exc}") from exc


def _json_default(value: Any) -> Any:
    """Convert what orjson cannot serialise natively, or refuse it."""
    import numpy as np

    if isinstance(value, np.ndarray | np.generic):
        return value.tolist()
    if isinstance(value, Path):
        return value.as_posix()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"type {type(value).__name__} cannot be stored as JSON")


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks so memory stays flat for large arrays."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def parse_manifest(raw: bytes, where: Path) -> Manifest:
    """Parse ``manifest.json`` bytes, refusing other schema versions with a clear message.

    The schema version is checked on the raw JSON first, so a manifest from a newer recsvc
    is reported as "upgrade recsvc" rather than as a confusing field error.
    """
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BundleIntegrityError(
            f"{where} is not valid JSON ({exc}); the bundle is damaged: retrain or restore it"
        ) from exc
    if not isinstance(data, dict):
        raise BundleIntegrityError(f"{where} does not hold a JSON object; retrain the bundle")
    found = data.get("schema_version")
    if not isinstance(found, int) or isinstance(found, bool):
        raise BundleIntegrityError(
            f"{where} has no integer schema_version; it is not a recsvc bundle manifest"
        )
    writer = data.get("recsvc_version", "unknown")
    if found > BUNDLE_SCHEMA_VERSION:
        raise BundleSchemaError(
            f"bundle {where.parent} was written by recsvc {writer} with schema {found}; "
            f"this recsvc reads schema {BUNDLE_SCHEMA_VERSION}: upgrade recsvc"
        )
    if found < BUNDLE_SCHEMA_VERSION:
        raise BundleSchemaError(
            f"bundle {where.parent} was written by recsvc {writer} with old schema {found}; "
            f"this recsvc reads schema {BUNDLE_SCHEMA_VERSION}: retrain with `recsvc train`"
        )
    try:
        return Manifest.model_validate(data)
    except ValidationError as exc:
        raise BundleIntegrityError(
            f"{where} does not match bundle schema {BUNDLE_SCHEMA_VERSION}: "
            f"{exc.error_count()} problem(s), first: {_first_error(exc)}; retrain the bundle"
        ) from exc


def _first_error(exc: ValidationError) -> str:
    """One readable line for the first validation problem."""
    first = exc.errors()[0]
    location = ".".join(str(part) for part in first["loc"])
    return f"{location}: {first['msg']}"
