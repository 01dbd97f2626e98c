"""CSV, Parquet, SQLite and PostgreSQL sources load the same data to identical clean tables."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest
from org_data import write_csv, write_parquet, write_sql

from recsvc import contract as c
from recsvc.errors import DataSourceError
from recsvc.ingest import load_tables, open_source
from recsvc.validate import LoadedData


def assert_same(expected: LoadedData, actual: LoadedData, *, ordered: bool = True) -> None:
    """Equal clean tables; ``ordered=False`` where the writer did not keep the row order."""
    assert set(actual.tables) == set(expected.tables)
    for name, table in expected.tables.items():
        other = actual.tables[name]
        if not ordered:
            table, other = (
                t.sort_values(list(t.columns)).reset_index(drop=True) for t in (table, other)
            )
        pd.testing.assert_frame_equal(table, other, obj=f"{name} ({actual.source_description})")
    assert actual.report.counts == expected.report.counts


def test_file_sources_and_sqlite_load_identical_tables(
    tmp_path: Path, org: dict[str, pd.DataFrame]
) -> None:
    url = f"sqlite:///{tmp_path / 'org.db'}"
    write_sql(org, url)
    csv = load_tables(write_csv(org, tmp_path / "csv"))
    assert set(csv.tables) == set(c.TABLES)
    for other in (write_parquet(org, tmp_path / "parquet"), url):
        assert_same(csv, load_tables(other, chunksize=7))
    # and the values are the ones written, not merely equal across sources
    content, source = csv.tables[c.CONTENT], org[c.CONTENT]
    assert content["duration_minutes"].tolist() == source["duration_minutes"].tolist()
    assert content["published_at"].tolist() == source["published_at"].tolist()
    assert content["description"].tolist() == source["description"].tolist()
    assert content["active"].tolist() == source["active"].tolist()
    enrol = csv.tables[c.ENROLMENTS]
    assert enrol["completed_at"].isna().tolist() == source_na(org[c.ENROLMENTS]["completed_at"])
    assert csv.tables[c.EMPLOYEES]["audit_gender"].tolist()[:3] == ["f", "m", pd.NA]
    assert csv.report.ok and not csv.report.counts


def source_na(series: pd.Series) -> list[bool]:
    return series.isna().tolist()


@pytest.mark.postgres
def test_postgres_loads_identical_tables(
    tmp_path: Path, org: dict[str, pd.DataFrame], postgres_url: tuple[str, str]
) -> None:
    url, schema = postgres_url
    write_sql(org, url.split("?")[0], schema=schema)
    csv = load_tables(write_csv(org, tmp_path / "csv"))
    pg = load_tables(url, chunksize=50)
    assert_same(csv, pg)
    assert "***" in pg.source_description and ":recsvc@" not in pg.source_description


@pytest.mark.postgres
def test_postgres_unknown_password_never_printed(postgres_url: tuple[str, str]) -> None:
    url, _schema = postgres_url
    wrong = url.replace("recsvc:recsvc@", "recsvc:s3cr3t-pw@", 1)
    if wrong == url:
        pytest.skip("test URL does not use the recsvc:recsvc credentials of .ci/postgres.sh")
    with pytest.raises(DataSourceError) as caught:
        open_source(wrong)
    assert "s3cr3t-pw" not in str(caught.value)
    assert "***" in str(caught.value)


@pytest.mark.skipif(
    importlib.util.find_spec("recsvc.sample") is None, reason="recsvc.sample not available"
)
def test_sample_written_every_way_loads_identically(tmp_path: Path) -> None:
    from recsvc.sample import generate_sample, write_sample

    sample = generate_sample(60, seed=3)
    loaded = [
        load_tables(write_sample(sample, tmp_path / fmt, fmt))
        for fmt in ("csv", "parquet", "sqlite")
    ]
    for other in loaded[1:]:
        assert_same(loaded[0], other)


@pytest.mark.postgres
@pytest.mark.skipif(
    importlib.util.find_spec("recsvc.sample") is None, reason="recsvc.sample not available"
)
def test_sample_in_postgres_loads_like_csv(tmp_path: Path, postgres_url: tuple[str, str]) -> None:
    from recsvc.sample import generate_sample, write_sample

    url, schema = postgres_url
    sample = generate_sample(60, seed=3)
    write_sql(dict(sample.tables), url.split("?")[0], schema=schema)
    csv = load_tables(write_sample(sample, tmp_path / "csv", "csv"))
    # pandas.to_sql into PostgreSQL does not always keep the frame's row order: compare as sets
    assert_same(csv, load_tables(url), ordered=False)


@pytest.mark.slow
def test_two_million_enrolments_load(tmp_path: Path) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.csv as pa_csv

    n, rng = 2_000_000, np.random.default_rng(1)
    folder = tmp_path / "big"
    folder.mkdir()
    content_ids = np.char.add("C", np.arange(5000).astype(str))
    pa_csv.write_csv(
        pa.table({"content_id": content_ids, "title": content_ids}), folder / "content.csv"
    )
    seconds = rng.integers(1_600_000_000, 1_700_000_000, n).astype("datetime64[s]")
    enrolled = pa.array(seconds).cast(pa.string())
    table = pa.table(
        {
            "employee_id": np.char.add("E", rng.integers(0, 40_000, n).astype(str)),
            "content_id": content_ids[rng.integers(0, 5000, n)],
            "enrolled_at": enrolled,
            "status": np.array(c.ENROLMENT_STATUSES)[rng.integers(0, 4, n)],
            "progress": rng.random(n).round(3),
            "rating": rng.integers(1, 6, n),
        }
    )
    pa_csv.write_csv(table, folder / "enrolments.csv")
    loaded = load_tables(folder)
    assert len(loaded.tables[c.ENROLMENTS]) == n
