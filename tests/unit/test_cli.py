"""The command line reads well and fails cleanly."""

from __future__ import annotations

import subprocess
import sys

from typer.testing import CliRunner

from recsvc import __version__
from recsvc.cli import app

runner = CliRunner()


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("sample", "validate", "train", "serve", "demo", "bundle"):
        assert command in result.output


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert __version__ in result.output


def test_help_does_not_import_heavy_modules() -> None:
    heavy = "('pandas', 'sklearn', 'sqlalchemy', 'implicit')"
    code = f"import sys; import recsvc.cli; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
