"""Model bundles: versioned folders of arrays, tables and JSON described by a manifest."""

from __future__ import annotations

from recsvc.bundle.manifest import (
    BUNDLE_SCHEMA_VERSION,
    FileEntry,
    Manifest,
)
from recsvc.bundle.read import Bundle, read_bundle, read_manifest, resolve_bundle_dir, verify_bundle
from recsvc.bundle.versions import latest_version, list_versions, new_version, prune_versions
from recsvc.bundle.write import sparse_to_arrays, write_bundle

__all__ = [
    "BUNDLE_SCHEMA_VERSION",
    "Bundle",
    "FileEntry",
    "Manifest",
    "latest_version",
    "list_versions",
    "new_version",
    "prune_versions",
    "read_bundle",
    "read_manifest",
    "resolve_bundle_dir",
    "sparse_to_arrays",
    "verify_bundle",
    "write_bundle",
]
