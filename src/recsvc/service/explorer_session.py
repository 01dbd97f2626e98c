"""Who may see the explorer: the admin key, sent as a header or exchanged for a cookie.

A browser cannot add ``X-Admin-Key`` to the links it follows, so the login form takes the
key once and answers with a session cookie: ``<expiry>.<hmac>``, an HMAC-SHA256 of the
expiry keyed by the admin key's digest. Any replica with the same ``RECSVC_ADMIN_KEY``
can check it without shared state, the key itself is never stored in the browser, and
changing the admin key ends every session. The cookie is HttpOnly, SameSite=Strict, scoped
to ``/explorer`` and Secure when the request came over HTTPS.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from fastapi import Request

from recsvc.service.security import KeyRing

__all__ = [
    "COOKIE",
    "SESSION_SECONDS",
    "is_admin",
    "new_session",
    "session_valid",
]

COOKIE = "recsvc_explorer"
#: a session lasts a working day
SESSION_SECONDS = 8 * 3600


def _sign(secret: bytes, expiry: int) -> str:
    return hmac.new(secret, f"explorer:{expiry}".encode(), hashlib.sha256).hexdigest()


def new_session(secret: bytes, *, now: float | None = None) -> str:
    """A cookie value valid for :data:`SESSION_SECONDS`."""
    expiry = int(now if now is not None else time.time()) + SESSION_SECONDS
    return f"{expiry}.{_sign(secret, expiry)}"


def session_valid(secret: bytes, value: str | None, *, now: float | None = None) -> bool:
    """Whether ``value`` is an unexpired session signed with ``secret``."""
    if not value or value.count(".") != 1:
        return False
    expiry_text, signature = value.split(".")
    if not expiry_text.isdigit() or len(expiry_text) > 12:
        return False
    expiry = int(expiry_text)
    if expiry < (now if now is not None else time.time()):
        return False
    return hmac.compare_digest(signature, _sign(secret, expiry))


def is_admin(request: Request, secret: bytes) -> bool:
    """The request carries the admin key (``X-Admin-Key``) or a valid session cookie."""
    presented = request.headers.get("x-admin-key")
    if presented:
        ring: KeyRing = request.app.state.admin_keys
        name = ring.match(presented)
        if name is not None:
            request.state.key_name = name
            return True
        return False
    if session_valid(secret, request.cookies.get(COOKIE)):
        request.state.key_name = "explorer"
        return True
    return False
