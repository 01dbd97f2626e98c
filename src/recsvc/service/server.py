"""run(settings): start uvicorn with the app factory, one BLAS thread per worker process."""

from __future__ import annotations

import logging
import os
from typing import Any

from recsvc.config import ServeSettings

__all__ = ["BLAS_THREAD_VARIABLES", "log_config", "run"]

logger = logging.getLogger(__name__)

# One BLAS thread per worker: measured, two threads halve the median but add 4-8 ms p99
# stalls; scale with processes. Set before numpy loads in any worker process.
BLAS_THREAD_VARIABLES = (
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def log_config(level: str) -> dict[str, Any]:
    """Logging for uvicorn and recsvc: one line per event on stderr, no access log from uvicorn.

    The service writes its own access line (route template, status, duration, request id),
    so uvicorn's, which holds raw paths with employee ids, stays off.
    """
    upper = level.upper()
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
        },
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "formatter": "plain",
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["stderr"], "level": upper, "propagate": False},
            "uvicorn.error": {"level": upper},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "recsvc": {"handlers": ["stderr"], "level": upper, "propagate": False},
        },
    }


def run(settings: ServeSettings) -> None:
    """Serve until interrupted. Workers re-read settings from ``RECSVC_*`` in their process,
    so the given settings are exported to the environment first."""
    import uvicorn

    for name in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    _export(settings)
    logger.info(
        "serving %s on %s:%d with %d worker(s)",
        settings.models_dir,
        settings.host,
        settings.port,
        settings.workers,
    )
    uvicorn.run(
        "recsvc.service.app:create_app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_config=log_config(settings.log_level),
        access_log=False,
        server_header=False,
        proxy_headers=False,
    )


def _export(settings: ServeSettings) -> None:
    """Write the effective settings to ``RECSVC_*`` so worker processes build the same app.

    Keys travel as the ``name:sha256hex`` digests they were configured as: never raw keys.
    None travels as an unset variable when that is the default, else as an empty one (which
    such settings read as None, e.g. RECSVC_FALLBACK_LANGUAGE).
    """
    for name, field in type(settings).model_fields.items():
        value = getattr(settings, name)
        variable = f"RECSVC_{name.upper()}"
        if value is None:
            if field.default is None:
                os.environ.pop(variable, None)
            else:
                os.environ[variable] = ""
            continue
        if name == "api_keys":
            text = ",".join(f"{key.name}:{key.digest.hex()}" for key in settings.api_keys)
        elif name == "admin_key":
            text = f"{value.name}:{value.digest.hex()}"
        elif name == "cors_origins":
            text = ",".join(settings.cors_origins)
        elif name == "variants":
            text = ",".join(f"{v.name}:{v.share!r}:{v.models_dir}" for v in settings.variants)
        else:
            text = str(value)
        os.environ[variable] = text
