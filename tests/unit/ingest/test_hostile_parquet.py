"""Hostile and broken Parquet files: good rows kept, or a recsvc error naming the file; never a
pyarrow exception (property-based, with hypothesis)."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recsvc.errors import DataContractError, DataSourceError, DataValidationError
from recsvc.ingest import load_tables
from recsvc.validate import LoadedData

RECSVC_ERRORS = (DataContractError, DataSourceError, DataValidationError)
FAST = settings(
    max_examples=60,
    deadline=None,  # no time budget per example (CI speed varies); examples stay small
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def parquet_bytes(table: pa.Table, **options: object) -> bytes:
    out = io.BytesIO()
    pq.write_table(table, out, **options)
    return out.getvalue()


ENROLMENTS = parquet_bytes(
    pa.table({"employee_id": ["E1"], "content_id": ["C1"], "enrolled_at": ["2024-01-01"]})
)
GOOD = parquet_bytes(
    pa.table(
        {
            "content_id": [f"C{i}" for i in range(300)],
            "title": [f"Tïtle {i} 📚" for i in range(300)],
            "duration_minutes": [float(i) for i in range(300)],
        }
    ),
    row_group_size=50,
)


def load_folder(content: bytes) -> LoadedData | Exception:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "content.parquet").write_bytes(content)
        (Path(folder) / "enrolments.parquet").write_bytes(ENROLMENTS)
        try:
            return load_tables(folder, max_bad_share=1.0, chunksize=64)
        except RECSVC_ERRORS as exc:
            assert "content.parquet" in str(exc), str(exc)
            return exc


@FAST
@given(st.binary(max_size=300), st.booleans())
def test_garbage_bytes(data: bytes, magic: bool) -> None:
    load_folder(b"PAR1" + data + b"PAR1" if magic else data)


@FAST
@given(st.lists(st.tuples(st.integers(0, len(GOOD) - 1), st.integers(0, 255)), max_size=8))
def test_corrupted_bytes_of_a_valid_file(flips: list[tuple[int, int]]) -> None:
    data = bytearray(GOOD)
    for at, value in flips:
        data[at] = value
    outcome = load_folder(bytes(data))
    if not flips and isinstance(outcome, LoadedData):
        assert len(outcome.tables["content"]) == 300


@FAST
@given(st.integers(0, len(GOOD) - 1))
def test_truncated_file(cut: int) -> None:
    outcome = load_folder(GOOD[:cut])
    assert isinstance(outcome, DataContractError)  # the footer is at the end: always refused


NAMES = st.text(st.characters(codec="utf-8"), max_size=12)
VALUES = st.lists(st.one_of(st.none(), st.text(st.characters(codec="utf-8"), max_size=20)))


@FAST
@given(st.lists(NAMES, max_size=3, unique=True), st.data())
def test_arbitrary_names_and_values_keep_the_good_rows(
    names: list[str], data: st.DataObject
) -> None:
    names = [n for n in names if n.strip().lower() not in ("content_id", "title")]
    n_bad = data.draw(st.integers(0, 5))
    columns: dict[str, list[str | None]] = {
        "content_id": ["C1", "C2", *data.draw(st.lists(NAMES, min_size=n_bad, max_size=n_bad))],
        "title": ['=HYPERLINK("x")', "@SUM(A1)", *[data.draw(NAMES) for _ in range(n_bad)]],
    }
    for name in names:
        columns[name] = data.draw(
            st.lists(st.none() | NAMES, min_size=n_bad + 2, max_size=n_bad + 2)
        )
    outcome = load_folder(parquet_bytes(pa.table(columns)))
    assert isinstance(outcome, LoadedData), outcome  # strings of any kind are fine in Parquet
    titles = outcome.tables["content"].set_index("content_id")["title"]
    assert titles["C1"] == '=HYPERLINK("x")' and titles["C2"] == "@SUM(A1)"  # plain text


def test_binary_column_that_is_not_utf8_is_refused_by_name(tmp_path: Path) -> None:
    table = pa.table({"content_id": ["C1"], "title": pa.array([b"\xff\xfe"], pa.binary())})
    outcome = load_folder(parquet_bytes(table))
    assert isinstance(outcome, DataContractError)
    assert "column 'title' holds bytes that are not UTF-8 text" in str(outcome)


@pytest.mark.parametrize("cut", [8, len(GOOD) // 2, len(GOOD) - 9])
def test_corrupt_data_pages_name_the_row(cut: int) -> None:
    data = bytearray(GOOD)
    data[cut : cut + 64] = b"\xff" * 64  # smash a page, the footer, or the first page
    outcome = load_folder(bytes(data))
    assert isinstance(outcome, DataContractError)
    assert "content.parquet" in str(outcome) and "\n" not in str(outcome)
