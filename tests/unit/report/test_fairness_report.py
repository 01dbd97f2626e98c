"""`recsvc report fairness` end to end on a small generated organisation."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from recsvc.cli import app
from recsvc.evaluate.exposure_report import FAIRNESS_PLOTS
from recsvc.sample import generate_sample, write_sample
from recsvc.train import train_tables

pytestmark = pytest.mark.slow  # trains a bundle


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    data = tmp_path_factory.mktemp("fair-data")
    sample = generate_sample(250, seed=4)
    write_sample(sample, data, fmt="parquet")
    models = tmp_path_factory.mktemp("fair-models")
    train_tables(sample.tables, models, seed=4, time_budget_s=1.0)
    return data, models


def test_the_report_audits_every_group_and_writes_the_floor(
    trained: tuple[Path, Path], tmp_path: Path
) -> None:
    data, models = trained
    out, floor = tmp_path / "fair", tmp_path / "floor.json"
    # a band this tight makes the floor work on a fair sample too
    args = ["report", "fairness", "--data", str(data), "--models", str(models)]
    args += ["--out", str(out), "--ground-truth", str(data / "ground_truth")]
    args += ["--band-low", "0.97", "--band-high", "1.03", "--floor-out", str(floor)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    doc = orjson.loads((out / "fairness.json").read_bytes())
    assert set(doc["attributes"]) == {"audit_gender", "audit_age_band"}
    assert doc["band"] == [0.97, 1.03] and doc["need_value_is_true"]
    for name in FAIRNESS_PLOTS:
        assert (out / name).stat().st_size > 0
    emphasis = orjson.loads(floor.read_bytes())["emphasis"]
    raised = {
        g["group"]
        for rows in doc["attributes"].values()
        for g in rows
        if g["emphasis"] and g["emphasis"] > 0
    }
    assert bool(emphasis) == bool(raised)
    assert all(0.0 < a <= 1.0 for a in emphasis.values())
    assert "Equal access" in (out / "fairness.md").read_text(encoding="utf-8")


def test_data_without_audit_columns_is_a_clear_error(
    trained: tuple[Path, Path], tmp_path: Path
) -> None:
    import pandas as pd

    data, models = trained
    plain = tmp_path / "plain"
    plain.mkdir()
    for f in data.glob("*.parquet"):
        frame = pd.read_parquet(f)
        frame = frame[[c for c in frame.columns if not c.startswith("audit_")]]
        frame.to_parquet(plain / f.name)
    args = ["report", "fairness", "--data", str(plain), "--models", str(models)]
    result = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "o")])
    assert result.exit_code != 0
    assert "audit_" in result.output
