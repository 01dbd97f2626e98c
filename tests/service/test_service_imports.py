"""The service stays lean: importing the app pulls in no trainer code.

(sqlalchemy is allowed since the service writes events; the event store loads it when it
opens, in the lifespan.)
"""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = (
    "recsvc.ingest",
    "recsvc.validate",
    "recsvc.dataset",
    "recsvc.train",
    "recsvc.training",
    "recsvc.sample",
)


def test_importing_the_app_loads_no_trainer_modules():
    code = (
        "import sys, recsvc.service.app, recsvc.service.server, recsvc.service.state\n"
        "from recsvc.config import ServeSettings\n"
        "recsvc.service.app.create_app(ServeSettings())\n"
        f"bad = [m for m in sys.modules "
        f"if any(m == f or m.startswith(f + '.') for f in {FORBIDDEN!r})]\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "", f"service imports trainer code: {result.stdout}"


def test_settings_and_key_helpers_stay_light():
    """The CLI's `keys hash` and settings validation import no web framework."""
    code = (
        "import sys, recsvc.config, recsvc.keys\n"
        "print(','.join(m for m in ('fastapi', 'starlette', 'uvicorn', 'numpy') "
        "if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""
