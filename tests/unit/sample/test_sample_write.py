"""Written samples read back to the same values in CSV, Parquet and SQLite."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy

from recsvc.contract import CLEAN_DTYPES, TABLE_ORDER, TABLES, ColumnKind
from recsvc.sample import SampleOrganisation, generate_sample, write_sample
from recsvc.sample.write import GROUND_TRUTH_DIR

ISO_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")


@pytest.fixture(scope="module")
def tiny() -> SampleOrganisation:
    return generate_sample(200, seed=21, n_content=120)


def coerce(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """What a loader would do: contract dtypes from whatever the file gave back."""
    out = frame.copy()
    for col in out.columns:
        spec = TABLES[name].by_name.get(col)
        kind = spec.kind if spec else ColumnKind.TEXT
        if kind == ColumnKind.TIMESTAMP:
            out[col] = pd.to_datetime(out[col], utc=True, format="ISO8601")
        elif kind == ColumnKind.BOOL:
            truth = {"true": True, "false": False, "1": True, "0": False}
            out[col] = out[col].astype(str).str.lower().map(truth).astype("boolean")
        else:
            out[col] = out[col].astype(CLEAN_DTYPES[kind])  # type: ignore[call-overload]
    return out


def read_back(fmt: str, source: str, name: str) -> pd.DataFrame:
    if fmt == "csv":
        frame = pd.read_csv(Path(source) / f"{name}.csv", dtype=str, keep_default_na=False)
        return frame.mask(frame == "")
    if fmt == "parquet":
        return pd.read_parquet(Path(source) / f"{name}.parquet")
    engine = sqlalchemy.create_engine(source)
    try:
        with engine.connect() as connection:
            return pd.read_sql_table(name, connection)
    finally:
        engine.dispose()


@pytest.mark.parametrize("fmt", ["csv", "parquet", "sqlite"])
def test_tables_round_trip(tmp_path: Path, tiny: SampleOrganisation, fmt: str) -> None:
    source = write_sample(tiny, tmp_path / "org", fmt)  # type: ignore[arg-type]
    for name in TABLE_ORDER:
        back = coerce(name, read_back(fmt, source, name))
        pd.testing.assert_frame_equal(back, tiny.tables[name], check_exact=False, rtol=1e-9)


def test_the_returned_source_is_the_folder_or_a_sqlite_url(
    tmp_path: Path, tiny: SampleOrganisation
) -> None:
    assert write_sample(tiny, tmp_path / "c", "csv") == str(tmp_path / "c")
    assert sorted(p.name for p in (tmp_path / "c").glob("*.csv")) == sorted(
        f"{n}.csv" for n in TABLE_ORDER
    )
    url = write_sample(tiny, tmp_path / "s", "sqlite")
    assert url == f"sqlite:///{(tmp_path / 's' / 'recsvc.sqlite').resolve()}"
    # writing again replaces the database instead of appending to it
    assert write_sample(tiny, tmp_path / "s", "sqlite") == url
    assert len(read_back("sqlite", url, "enrolments")) == len(tiny.tables["enrolments"])


def test_csv_timestamps_are_iso_8601_utc_text(tmp_path: Path, tiny: SampleOrganisation) -> None:
    write_sample(tiny, tmp_path, "csv")
    text = pd.read_csv(tmp_path / "enrolments.csv", dtype=str)
    assert text["enrolled_at"].str.fullmatch(ISO_UTC).all()
    assert text["completed_at"].dropna().str.fullmatch(ISO_UTC).all()


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_ground_truth_is_written_apart_with_a_readme(
    tmp_path: Path, tiny: SampleOrganisation, fmt: str
) -> None:
    write_sample(tiny, tmp_path, fmt)  # type: ignore[arg-type]
    truth = tmp_path / GROUND_TRUTH_DIR
    assert {p.stem for p in truth.glob("*.parquet")} == set(tiny.ground_truth)
    readme = (truth / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}.parquet`" in readme for name in tiny.ground_truth)
    assert not any(name in TABLE_ORDER for name in tiny.ground_truth)
    back = pd.read_parquet(truth / "true_skill_levels.parquet")
    assert len(back) == len(tiny.ground_truth["true_skill_levels"])


def test_an_unknown_format_is_refused(tmp_path: Path, tiny: SampleOrganisation) -> None:
    with pytest.raises(ValueError, match="csv, parquet or sqlite"):
        write_sample(tiny, tmp_path, "xlsx")  # type: ignore[arg-type]
