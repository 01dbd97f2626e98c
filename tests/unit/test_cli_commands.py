"""Each CLI command does its job on a small sample and maps failures to clear exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from recsvc.cli import EXIT_BUNDLE, EXIT_DATA, app

runner = CliRunner()


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("cli") / "sample"
    result = runner.invoke(app, ["sample", "--employees", "120", "--seed", "7", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


def test_sample_writes_every_table_and_ground_truth_apart(sample_dir: Path) -> None:
    assert {p.stem for p in sample_dir.glob("*.csv")} >= {"content", "enrolments", "employees"}
    assert any((sample_dir / "ground_truth").glob("*.parquet"))


def test_validate_prints_counts_and_writes_the_json_report(
    sample_dir: Path, tmp_path: Path
) -> None:
    report = tmp_path / "report.json"
    result = runner.invoke(app, ["validate", "--data", str(sample_dir), "--report", str(report)])
    assert result.exit_code == 0, result.output
    assert "enrolments" in result.output
    assert json.loads(report.read_text())["ok"] is True


def test_validate_of_a_missing_folder_is_a_data_error_without_traceback(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", "--data", str(tmp_path / "nowhere")])
    assert result.exit_code == EXIT_DATA
    assert "Traceback" not in result.output


def test_train_then_verify_the_bundle(sample_dir: Path, tmp_path: Path) -> None:
    models = tmp_path / "models"
    args = ["train", "--data", str(sample_dir), "--out", str(models), "--tune-trials", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "hybrid" in result.output
    out = " ".join(result.output.split())  # rich wraps long lines
    assert "Data regime: steady" in out and "Validation protocol: per-employee" in out
    assert "Selected: warm:" in out and "cold-start slice" in out
    assert "(blend - " in out and ", SE " in out  # the decision's margin and its noise
    assert "Item effectiveness: measured on " in out and "(item, skill) pairs" in out
    version = (models / "LATEST").read_text().strip()
    verified = runner.invoke(app, ["bundle", "verify", str(models)])
    assert verified.exit_code == 0, verified.output
    assert version in verified.output

    manifest = models / version / "manifest.json"
    npy = next(p for p in (models / version).glob("*.npy"))
    npy.write_bytes(npy.read_bytes()[:-8])
    broken = runner.invoke(app, ["bundle", "verify", str(models)])
    assert broken.exit_code == EXIT_BUNDLE
    assert npy.name in broken.output
    assert manifest.exists()


def test_sample_regimes_and_training_on_an_interactions_only_export(tmp_path: Path) -> None:
    data = tmp_path / "bare"
    made = runner.invoke(
        app,
        ["sample", "--employees", "150", "--seed", "3", "--out", str(data)]
        + ["--regime", "interactions-only"],
    )
    assert made.exit_code == 0, made.output
    assert {p.stem for p in data.glob("*.csv")} == {"content", "enrolments"}
    args = ["train", "--data", str(data), "--out", str(tmp_path / "m"), "--time-budget", "2"]
    trained = runner.invoke(app, args)
    assert trained.exit_code == 0, trained.output
    out = " ".join(trained.output.split())
    assert "(interactions only)" in out
    assert "skipped: skill state" in out and "skipped: assessed skill evidence" in out
    assert "Item effectiveness" not in out  # no item teaches a known skill
    bad = runner.invoke(app, ["sample", "--out", str(tmp_path / "x"), "--regime", "waves"])
    assert bad.exit_code != 0


def test_bundle_verify_of_a_missing_folder(tmp_path: Path) -> None:
    result = runner.invoke(app, ["bundle", "verify", str(tmp_path / "none")])
    assert result.exit_code == EXIT_BUNDLE


@pytest.mark.parametrize(
    ("args", "missing", "extra"),
    [
        (["train", "--data", "x"], "sklearn", "train"),
        (["evaluate", "--data", "x"], "implicit", "train"),
        (["serve"], "fastapi", "serve"),
    ],
)
def test_a_command_without_its_extra_names_the_extra_to_install(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, args: list[str], missing: str, extra: str
) -> None:
    """E.g. `recsvc train` inside the service image, which installs only [serve]."""
    import importlib.util

    find_spec = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == missing else find_spec(name)
    )
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, args)
    assert result.exit_code != 0
    assert f"pip install 'recsvc[{extra}]'" in " ".join(result.output.split())
    assert not (tmp_path / "models").exists()
