"""The README's main command runs every stage, prints a real answer with reasons, and ends."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.e2e


def test_demo_runs_end_to_end_and_stops_the_service(tmp_path: Path) -> None:
    models = tmp_path / "models"
    command = [sys.executable, "-m", "recsvc", "demo", "--workdir", str(tmp_path / "work")]
    command += ["--models", str(models), "--employees", "150", "--tune-trials", "1"]
    env = {**os.environ, "COLUMNS": "200"}
    done = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    for stage in ("Sample organisation", "Load and validate", "Train", "Serve and ask"):
        assert stage in out
    assert "strategy personalised" in out
    assert "Demo complete" in out
    assert (models / "LATEST").read_text().strip() in out
    assert "(skill_gap_" in out or "(popular_in_role)" in out or "(similar_to_completed)" in out
