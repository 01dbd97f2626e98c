"""The stateless HTTP service: FastAPI app over the recommendation core and a model bundle."""

from __future__ import annotations

from recsvc.service.app import create_app, create_app_from_env

__all__ = ["create_app", "create_app_from_env"]
