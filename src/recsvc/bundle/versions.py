"""Bundle version names, the ``LATEST`` pointer, listing and pruning of a models folder."""

from __future__ import annotations

import errno
import logging
import os
import re
import secrets
import shutil
import subprocess
import threading
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from recsvc.bundle.manifest import MANIFEST_NAME
from recsvc.errors import BundleError, BundleIntegrityError

__all__ = [
    "LATEST_NAME",
    "TEMP_PREFIX",
    "VERSION_PATTERN",
    "check_version",
    "fsync_dir",
    "latest_version",
    "list_versions",
    "new_version",
    "prune_versions",
    "write_latest",
]

logger = logging.getLogger(__name__)

LATEST_NAME = "LATEST"
#: Work folders of writers (and of pruning) start with this; readers never look inside them.
TEMP_PREFIX = ".tmp-"
#: A version is one path component that cannot be hidden, relative or the LATEST file.
VERSION_PATTERN = re.compile(r"[0-9A-Za-z][0-9A-Za-z._-]{0,127}")

_issued: set[str] = set()  # versions handed out by this process: uniqueness within a second
_issued_lock = threading.Lock()


def check_version(version: str) -> str:
    """Return ``version`` if it is a safe folder name, else raise ``ValueError``."""
    if (
        not isinstance(version, str)
        or VERSION_PATTERN.fullmatch(version) is None
        or version == LATEST_NAME
        or ".." in version
    ):
        raise ValueError(
            f"invalid bundle version {version!r}: use letters, digits, '.', '_' and '-' "
            "(starting with a letter or digit), as produced by new_version()"
        )
    return version


def new_version(now: datetime | None = None) -> str:
    """A new sortable, unique version name such as ``20261126T185300Z-1a2b3c4-9f8e7d``.

    The UTC timestamp comes first so that name order is time order. Then comes the short git
    sha of the code when known (``RECSVC_GIT_SHA`` or the source checkout) and six random hex
    digits, so two versions made in the same second, in one process or several, differ.
    """
    moment = datetime.now(UTC) if now is None else now
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)  # naive means UTC, as everywhere in recsvc
    stamp = moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    sha = _git_sha()
    prefix = f"{stamp}-{sha}" if sha else stamp
    with _issued_lock:
        while True:
            version = f"{prefix}-{secrets.token_hex(3)}"
            if version not in _issued:
                _issued.add(version)
                return version


@lru_cache(maxsize=1)
def _git_sha() -> str | None:
    """Short sha of the code's git checkout, or None (installed wheel, no git)."""
    from_env = os.environ.get("RECSVC_GIT_SHA", "").strip().lower()
    if from_env:
        return from_env[:7] if re.fullmatch(r"[0-9a-f]{7,40}", from_env) else None
    try:
        done = subprocess.run(
            ["git", "-C", str(Path(__file__).resolve().parent), "rev-parse", "--short=7", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    sha = done.stdout.strip()
    return sha if done.returncode == 0 and re.fullmatch(r"[0-9a-f]{7,40}", sha) else None


def list_versions(models_dir: Path) -> list[str]:
    """Versions in ``models_dir`` that look complete (a folder with a manifest), oldest first.

    Temporary and hidden folders are skipped, so a half-written bundle is never listed.
    """
    try:
        entries = list(os.scandir(models_dir))
    except (FileNotFoundError, NotADirectoryError):
        return []
    names = [
        entry.name
        for entry in entries
        if VERSION_PATTERN.fullmatch(entry.name)
        and entry.name != LATEST_NAME
        and entry.is_dir()
        and os.path.isfile(os.path.join(entry.path, MANIFEST_NAME))
    ]
    return sorted(names)


def latest_version(models_dir: Path) -> str | None:
    """The version ``LATEST`` names, else the newest listed version, else None.

    Raises
    ------
    BundleIntegrityError
        ``LATEST`` exists but does not hold a valid version name.
    """
    pointer = models_dir / LATEST_NAME
    try:
        text = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        versions = list_versions(models_dir)
        return versions[-1] if versions else None
    except OSError as exc:
        raise BundleError(
            f"cannot read {pointer}: {exc.strerror or exc}; check permissions"
        ) from exc
    try:
        return check_version(text)
    except ValueError as exc:
        raise BundleIntegrityError(
            f"{pointer} holds {text[:80]!r}, not a bundle version; "
            "write the wanted version into it or retrain"
        ) from exc


def write_latest(models_dir: Path, version: str) -> None:
    """Point ``LATEST`` at ``version`` atomically (temp file, fsync, ``os.replace``).

    The temp file is created world-readable (subject to umask) so a service running as
    another user can read the pointer after the replace.
    """
    check_version(version)
    tmp = models_dir / f"{TEMP_PREFIX}{LATEST_NAME}-{secrets.token_hex(4)}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        try:
            os.write(fd, f"{version}\n".encode())
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, models_dir / LATEST_NAME)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_dir(models_dir)


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries (renames, new files) to disk where the OS allows it."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    except OSError as exc:  # pragma: no cover - some file systems refuse fsync on folders
        if exc.errno not in (errno.EINVAL, errno.EBADF):
            raise
    finally:
        os.close(fd)


def prune_versions(
    models_dir: Path, keep: int = 5, *, stale_temp_after: timedelta = timedelta(days=1)
) -> list[str]:
    """Delete all but the newest ``keep`` versions; never the one ``LATEST`` names.

    Each removed folder is first renamed to a temporary name, so readers see a bundle
    either whole or not at all. Temporary folders older than ``stale_temp_after`` (left
    by a crashed writer) are removed too; younger ones may belong to a running writer.
    Returns the removed versions, oldest first.
    """
    if keep < 1:
        raise ValueError(f"keep must be at least 1, got {keep}")
    versions = list_versions(models_dir)
    protected = set(versions[-keep:])
    latest = latest_version(models_dir)
    if latest is not None:
        protected.add(latest)
    removed = []
    for version in versions:
        if version in protected:
            continue
        doomed = models_dir / f"{TEMP_PREFIX}prune-{version}-{secrets.token_hex(4)}"
        os.rename(models_dir / version, doomed)
        shutil.rmtree(doomed)
        removed.append(version)
        logger.info("pruned bundle %s from %s", version, models_dir)
    _remove_stale_temp(models_dir, stale_temp_after)
    return removed


def _remove_stale_temp(models_dir: Path, older_than: timedelta) -> None:
    """Remove writer leftovers (``.tmp-*``) not touched for ``older_than``."""
    cutoff = time.time() - older_than.total_seconds()
    for entry in os.scandir(models_dir):
        if not entry.name.startswith(TEMP_PREFIX):
            continue
        try:
            if entry.stat(follow_symlinks=False).st_mtime >= cutoff:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
        except FileNotFoundError:  # another pruner got there first
            continue
        logger.info("removed stale temporary %s from %s", entry.name, models_dir)
