"""API-key and admin-key checks: keys kept only as sha256 digests, compared in constant time."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from pydantic import SecretStr

from recsvc.service.problems import ProblemError

__all__ = ["KeyRing", "require_admin_key", "require_api_key"]

# auto_error=False: we answer 401/403 as problem+json ourselves; the schemes document the spec
_api_key_header = APIKeyHeader(
    name="X-API-Key",
    auto_error=False,
    scheme_name="ApiKey",
    description="One of RECSVC_API_KEYS (only when API keys are enabled).",
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
    description="RECSVC_ADMIN_KEY; the admin endpoint answers 404 while it is unset.",
)


def _digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("utf-8")).digest()


class KeyRing:
    """Digests of the accepted keys. Raw keys are dropped after hashing and never logged.

    Comparing fixed-length digests with ``hmac.compare_digest`` over every stored key keeps
    the time independent of which key (or how much of one) matched.
    """

    def __init__(self, keys: Iterable[SecretStr]) -> None:
        self._digests = tuple(_digest(key.get_secret_value()) for key in keys)

    @property
    def enabled(self) -> bool:
        return bool(self._digests)

    def accepts(self, presented: str) -> bool:
        candidate = _digest(presented)
        matched = False
        for digest in self._digests:
            matched |= hmac.compare_digest(candidate, digest)
        return matched


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
    if not ring.accepts(presented):
        raise ProblemError(403, "The API key is not valid; check RECSVC_API_KEYS.")


async def require_admin_key(
    request: Request, admin_key: Annotated[str | None, Depends(_admin_header)]
) -> None:
    """404 while no admin key is configured (the endpoint does not exist), else 401/403."""
    ring: KeyRing = request.app.state.admin_keys
    if not ring.enabled:
        raise ProblemError(404, "Admin endpoints are disabled; set RECSVC_ADMIN_KEY to enable.")
    if not admin_key:
        raise _unauthorized("Send the admin key in the X-Admin-Key header.")
    if not ring.accepts(admin_key):
        raise ProblemError(403, "The admin key is not valid.")
