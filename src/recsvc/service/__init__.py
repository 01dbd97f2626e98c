"""The stateless HTTP service: FastAPI app over the recommendation core and a model bundle."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["create_app", "create_app_from_env"]

if TYPE_CHECKING:
    from recsvc.service.app import create_app, create_app_from_env


def __getattr__(name: str) -> Any:
    """Import the app lazily, so light modules (keys, for settings and the CLI) stay light."""
    if name in __all__:
        from recsvc.service import app

        return getattr(app, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
