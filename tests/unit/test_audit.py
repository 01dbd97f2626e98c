""".ci/audit.sh verdicts, driven by a fake pip-audit: fixable fails, network trouble only warns."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / ".ci" / "audit.sh"

# Stands in for pip-audit: records its arguments, writes the report it is given, exits as told.
FAKE_PIP_AUDIT = """\
import json, os, sys
args = sys.argv[1:]
with open(os.environ["FAKE_ARGS"], "w") as handle:
    json.dump(args, handle)
if os.environ.get("FAKE_REPORT"):
    with open(args[args.index("--output") + 1], "w") as handle:
        handle.write(os.environ["FAKE_REPORT"])
sys.stderr.write(os.environ.get("FAKE_STDERR", ""))
sys.exit(int(os.environ.get("FAKE_EXIT", "0")))
"""


def _dep(name: str, *vulns: tuple[str, list[str]]) -> dict[str, Any]:
    found = [{"id": vid, "fix_versions": fixes, "aliases": []} for vid, fixes in vulns]
    return {"name": name, "version": "1.0", "vulns": found}


def _audit(
    tmp_path: Path,
    *,
    report: dict[str, Any] | None,
    exit_code: int = 0,
    stderr: str = "",
    ignore: str | None = None,
) -> tuple[subprocess.CompletedProcess[str], list[str]]:
    fake = tmp_path / "fake_pip_audit.py"
    fake.write_text(FAKE_PIP_AUDIT, encoding="utf-8")
    ignore_file = tmp_path / "audit-ignore.txt"
    if ignore is not None:
        ignore_file.write_text(ignore, encoding="utf-8")
    env = {
        **os.environ,
        "PIP_AUDIT": f"{sys.executable} {fake}",
        "PYTHON": sys.executable,
        "AUDIT_WORK": str(tmp_path / "work"),
        "AUDIT_IGNORE": str(ignore_file),
        "FAKE_ARGS": str(tmp_path / "args.json"),
        "FAKE_REPORT": json.dumps(report) if report is not None else "",
        "FAKE_EXIT": str(exit_code),
        "FAKE_STDERR": stderr,
    }
    result = subprocess.run(["bash", str(SCRIPT)], env=env, capture_output=True, text=True)
    args = json.loads((tmp_path / "args.json").read_text(encoding="utf-8"))
    return result, args


def test_clean_report_passes_and_audits_the_lock_without_pip(tmp_path: Path) -> None:
    result, args = _audit(tmp_path, report={"dependencies": [_dep("numpy"), _dep("fastapi")]})
    assert result.returncode == 0, result.stderr
    assert "2 of 2 locked packages audited, no fixable vulnerabilities" in result.stdout
    assert args[args.index("--requirement") + 1] == "requirements/service.lock"
    assert "--disable-pip" in args and args[args.index("--format") + 1] == "json"


def test_vulnerability_with_a_fix_fails_and_names_the_fix(tmp_path: Path) -> None:
    report = {"dependencies": [_dep("numpy", ("PYSEC-1", ["1.1"])), _dep("fastapi")]}
    result, _ = _audit(tmp_path, report=report, exit_code=1)
    assert result.returncode == 1
    assert "numpy==1.0: PYSEC-1 (fixed in 1.1)" in result.stderr
    assert "--upgrade-package" in result.stderr


def test_vulnerability_without_a_fix_only_warns(tmp_path: Path) -> None:
    result, _ = _audit(tmp_path, report={"dependencies": [_dep("rich", ("GHSA-x", []))]})
    assert result.returncode == 0
    assert "WARNING: audit: rich==1.0: GHSA-x (no fixed release yet)" in result.stderr


def test_packages_the_service_cannot_answer_for_are_reported_not_hidden(tmp_path: Path) -> None:
    skipped = {"name": "click", "skip_reason": "Dependency not found on PyPI"}
    result, _ = _audit(tmp_path, report={"dependencies": [skipped, _dep("numpy")]})
    assert result.returncode == 0
    assert "1 of 2 packages NOT audited (click)" in result.stderr
    assert "1 of 2 locked packages audited" in result.stdout


def test_nothing_audited_is_said_plainly(tmp_path: Path) -> None:
    skipped = [{"name": n, "skip_reason": "Dependency not found on PyPI"} for n in "abc"]
    result, _ = _audit(tmp_path, report={"dependencies": skipped})
    assert result.returncode == 0
    assert "3 of 3 packages NOT audited (a, b, c)" in result.stderr
    assert "no locked package could be audited" in result.stdout


def test_unreachable_service_warns_and_passes(tmp_path: Path) -> None:
    stderr = "requests.exceptions.ConnectionError: Max retries exceeded with url: /x\n"
    result, _ = _audit(tmp_path, report=None, exit_code=1, stderr=stderr)
    assert result.returncode == 0
    assert "could not be reached; dependencies NOT audited" in result.stderr


def test_any_other_audit_failure_fails(tmp_path: Path) -> None:
    stderr = "pip_audit: error: requirement is not pinned: numpy>=1\n"
    result, _ = _audit(tmp_path, report=None, exit_code=2, stderr=stderr)
    assert result.returncode == 1
    assert "requirement is not pinned" in result.stderr


def test_accepted_risks_from_the_ignore_file_reach_pip_audit(tmp_path: Path) -> None:
    ignore = "GHSA-aaaa  # no network path to the parser in our use\n\n# comment only\nPYSEC-2\n"
    result, args = _audit(tmp_path, report={"dependencies": []}, ignore=ignore)
    assert result.returncode == 0, result.stderr
    ignored = [args[i + 1] for i, arg in enumerate(args) if arg == "--ignore-vuln"]
    assert ignored == ["GHSA-aaaa", "PYSEC-2"]


@pytest.mark.parametrize("script", [".ci/audit.sh", "tools/lock_requirements.sh"])
def test_scripts_are_executable_bash(script: str) -> None:
    path = ROOT / script
    assert os.access(path, os.X_OK), f"chmod +x {script}"
    assert subprocess.run(["bash", "-n", str(path)], capture_output=True).returncode == 0
