"""API keys as data: make and hash a key, parse the ``name:sha256hex`` entries operators set.

Free of web imports, so the CLI (``recsvc keys hash``) and settings validation stay cheap.
The service never holds a raw key: operators configure digests, and a presented key is
hashed and compared against every digest in constant time (see
``recsvc.service.security.KeyRing``). Lives at the top of the package so ``config`` need not
import from ``service``.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field

__all__ = [
    "MIN_KEY_LENGTH",
    "KeyEntry",
    "generate_api_key",
    "hash_api_key",
    "parse_key_entries",
    "parse_key_entry",
]

# Shorter keys are guessable; hash_api_key refuses them rather than make an unsafe digest.
MIN_KEY_LENGTH = 16

# names go into logs and a metrics label: short, plain, bounded
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_HEX = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class KeyEntry:
    """One accepted key: a name for logs and metrics, and the sha256 digest of the key."""

    name: str
    digest: bytes = field(repr=False)


def _check_key(key: str) -> None:
    if len(key) < MIN_KEY_LENGTH:
        raise ValueError(f"an API key needs at least {MIN_KEY_LENGTH} characters")
    if not key.isascii() or not key.isprintable() or " " in key:
        raise ValueError("an API key must be printable ASCII without spaces")


def hash_api_key(key: str) -> str:
    """The sha256 hex digest to put in ``RECSVC_API_KEYS`` (as ``name:digest``).

    Raises ``ValueError`` for a short or oddly formed key; the message never echoes it.
    """
    _check_key(key)
    return hashlib.sha256(key.encode("ascii")).hexdigest()


def generate_api_key() -> str:
    """A new random key (256 bits, URL-safe); hand it to the client, store only its hash."""
    return secrets.token_urlsafe(32)


def parse_key_entry(text: str, *, variable: str, default_name: str | None = None) -> KeyEntry:
    """Parse ``name:sha256hex`` (or a bare digest when ``default_name`` is given).

    Plain keys are refused on purpose: the service only ever stores digests. Messages name
    the variable and the entry's position, never its value.
    """
    name, sep, digest = text.strip().rpartition(":")
    if not sep and default_name is None:
        raise ValueError(
            f"each entry of {variable} is name:sha256hex (e.g. lms:<64 hex digits>); store "
            "the hash of a key, made with `recsvc keys hash`, never the key itself"
        )
    if not sep:
        name = default_name or ""
    digest = digest.lower()
    if not _NAME.fullmatch(name):
        raise ValueError(
            f"each entry of {variable} is name:sha256hex, with a name of letters, digits, "
            "'.', '_' or '-' (at most 64)"
        )
    if not _HEX.fullmatch(digest):
        raise ValueError(
            f"the entry named {name!r} in {variable} is not a sha256 hex digest (64 hex "
            "digits); store the hash of the key, made with `recsvc keys hash`, never the key"
        )
    return KeyEntry(name, bytes.fromhex(digest))


def parse_key_entries(text: str, *, variable: str) -> tuple[KeyEntry, ...]:
    """Parse a comma-separated list of ``name:sha256hex``; names must be unique."""
    entries = tuple(
        parse_key_entry(part, variable=variable) for part in text.split(",") if part.strip()
    )
    names = [e.name for e in entries]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ValueError(f"key names in {variable} must be unique; repeated: {duplicates}")
    return entries
