"""API-key and admin-key checks: keys known only as sha256 digests, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from recsvc.keys import KeyEntry
from recsvc.service.problems import ProblemError

__all__ = ["KeyRing", "require_admin_key", "require_api_key"]

# auto_error=False: we answer 401/403 as problem+json ourselves; the schemes document the spec
_api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    scheme_name="ApiKey",
    description="A key whose sha256 is in RECSVC_API_KEYS (only when API keys are enabled).",
)
_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="Bearer",
    description="Same keys as X-API-Key, sent as Authorization: Bearer <key>.",
)
_admin_header = APIKeyHeader(
    name="X-Admin-Key",
    auto_error=False,
    scheme_name="AdminKey",
    description="The key whose sha256 is RECSVC_ADMIN_KEY; the admin endpoint answers 404 "
    "while it is unset.",
)


class KeyRing:
    """Digests of the accepted keys, each with a name; raw keys are never held or logged.

    A presented key is hashed once and compared with ``hmac.compare_digest`` against every
    stored digest, without stopping at a match, so the time taken does not depend on which
    key (or how much of one) matched.
    """

    def __init__(self, entries: Iterable[KeyEntry]) -> None:
        self._entries = tuple(entries)

    @property
    def enabled(self) -> bool:
        return bool(self._entries)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(entry.name for entry in self._entries)

    def match(self, presented: str) -> str | None:
        """The name of the key ``presented`` is, or None."""
        candidate = hashlib.sha256(presented.encode("utf-8", "surrogatepass")).digest()
        found: str | None = None
        for entry in self._entries:
            if hmac.compare_digest(candidate, entry.digest):
                found = entry.name
        return found


def _unauthorized(detail: str) -> ProblemError:
    return ProblemError(401, detail, headers={"WWW-Authenticate": 'Bearer realm="recsvc"'})


async def require_api_key(
    request: Request,
    api_key: Annotated[str | None, Depends(_api_key_header)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    """Pass when keys are disabled or a valid key came in X-API-Key or a Bearer token."""
    ring: KeyRing = request.app.state.api_keys
    if not ring.enabled:
        return
    presented = api_key or (bearer.credentials if bearer is not None else None)
    if not presented:
        raise _unauthorized("Send an API key in the X-API-Key header or as a Bearer token.")
    name = ring.match(presented)
    if name is None:
        raise ProblemError(403, "The API key is not valid; ask the operator for a key.")
    # the key's name (never the key) goes into the access log and the per-key metric
    request.state.key_name = name


async def require_admin_key(
    request: Request, admin_key: Annotated[str | None, Depends(_admin_header)]
) -> None:
    """404 while no admin key is configured (the endpoint does not exist), else 401/403."""
    ring: KeyRing = request.app.state.admin_keys
    if not ring.enabled:
        raise ProblemError(404, "Admin endpoints are disabled; set RECSVC_ADMIN_KEY to enable.")
    if not admin_key:
        raise _unauthorized("Send the admin key in the X-Admin-Key header.")
    name = ring.match(admin_key)
    if name is None:
        raise ProblemError(403, "The admin key is not valid.")
    request.state.key_name = name
