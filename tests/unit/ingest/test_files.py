"""CSV and Parquet folder sources: discovery, row numbers, chunking and unreadable files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from recsvc.errors import DataContractError, DataSourceError
from recsvc.ingest import Source, is_url, open_source
from recsvc.ingest.files import CsvFolderSource, ParquetFolderSource, locate_bad_utf8

CONTENT = "content_id,title\nC1,Python\nC2,SQL\nC3,Go\n"


def csv_folder(tmp_path: Path, **files: str) -> Path:
    folder = tmp_path / "csv"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def test_open_source_picks_the_kind_of_folder(tmp_path: Path) -> None:
    folder = csv_folder(
        tmp_path, **{"content.csv": CONTENT, "Enrolments.CSV": "a\n", "notes.csv": "x\n"}
    )
    source = open_source(folder)
    assert isinstance(source, CsvFolderSource) and isinstance(source, Source)
    assert source.table_names() == {"content", "enrolments"}  # notes.csv is not a contract table
    pq_folder = tmp_path / "pq"
    pq_folder.mkdir()
    pq.write_table(pa.table({"content_id": ["C1"]}), pq_folder / "content.parquet")
    assert isinstance(open_source(str(pq_folder)), ParquetFolderSource)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("missing", "does not exist"),
        ("file", "is not a folder"),
        ("empty", "holds no contract tables"),
        ("both", "both CSV and Parquet"),
    ],
)
def test_open_source_errors_name_the_folder(tmp_path: Path, setup: str, message: str) -> None:
    target = tmp_path / "data"
    if setup == "file":
        target.write_text("x", encoding="utf-8")
    elif setup in ("empty", "both"):
        target.mkdir()
        (target / "readme.txt").write_text("x", encoding="utf-8")
    if setup == "both":
        (target / "content.csv").write_text(CONTENT, encoding="utf-8")
        pq.write_table(pa.table({"content_id": ["C1"]}), target / "enrolments.parquet")
    with pytest.raises(DataSourceError, match=message) as caught:
        open_source(target)
    assert str(target) in str(caught.value)


def test_is_url() -> None:
    assert is_url("sqlite:///x.db") and is_url("postgresql+psycopg://u@h/db")
    assert not is_url("data/csv") and not is_url(Path("sqlite:///x"))


def test_csv_chunks_carry_file_line_numbers_and_strings(tmp_path: Path) -> None:
    text = 'content_id,title,duration_minutes\nC1,Python,10\nC2,,20\nC3,"Go, fast",\n'
    source = open_source(csv_folder(tmp_path, **{"content.csv": text}))
    chunks = list(source.iter_chunks("content", chunksize=2))
    assert [list(c.index) for c in chunks] == [[2, 3], [4]]
    frame = pd.concat(chunks)
    assert frame["title"].tolist()[0] == "Python" and pd.isna(frame["title"].tolist()[1])
    assert frame["title"].tolist()[2] == "Go, fast"
    assert frame["duration_minutes"].tolist()[:2] == ["10", "20"]  # strings, not numbers


def test_csv_selected_columns_in_any_order(tmp_path: Path) -> None:
    text = "a,content_id,title\n1,C1,Python\n"
    source = open_source(csv_folder(tmp_path, **{"content.csv": text}))
    (chunk,) = source.iter_chunks("content", columns=["title", "content_id"])
    assert chunk.to_dict("list") == {"content_id": ["C1"], "title": ["Python"]}


def test_csv_bom_is_not_part_of_the_first_column(tmp_path: Path) -> None:
    folder = tmp_path / "bom"
    folder.mkdir()
    (folder / "content.csv").write_bytes(CONTENT.encode("utf-8-sig"))
    source = open_source(folder)
    assert source.columns("content") == ["content_id", "title"]
    (chunk,) = source.iter_chunks("content")
    assert chunk["content_id"].tolist() == ["C1", "C2", "C3"]


def test_csv_row_with_too_many_fields_is_a_clear_error(tmp_path: Path) -> None:
    source = open_source(csv_folder(tmp_path, **{"content.csv": CONTENT + "C4,a,b\n"}))
    with pytest.raises(DataContractError, match=r"content\.csv .*cannot parse the CSV"):
        list(source.iter_chunks("content"))


def test_non_utf8_deep_in_a_big_file_names_offset_and_line(tmp_path: Path) -> None:
    rows = "".join(f"C{i},title {i}\n" for i in range(100_000))
    data = ("content_id,title\n" + rows).encode("utf-8") + b"C_bad,Caf\xe9\n"
    folder = tmp_path / "latin"
    folder.mkdir()
    (folder / "content.csv").write_bytes(data)
    assert locate_bad_utf8(folder / "content.csv") == (data.index(b"\xe9"), 100_002, b"\xe9\n")
    source = open_source(folder)
    with pytest.raises(DataContractError, match=r"line 100002"):
        list(source.iter_chunks("content", chunksize=30_000))


def test_multibyte_character_across_read_blocks_is_valid(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"a" * ((1 << 20) - 1) + "é\n".encode())
    assert locate_bad_utf8(path) == (-1, -1, b"")


def test_parquet_values_arrive_as_strings_with_ordinals(tmp_path: Path) -> None:
    folder = tmp_path / "pq"
    folder.mkdir()
    frame = pd.DataFrame(
        {
            "content_id": ["C1", "C2", "C3"],
            "duration_minutes": [0.1 + 0.2, None, 3.0],
            "difficulty": pd.array([1, None, 3], dtype="Int64"),
            "active": [True, False, True],
            "published_at": pd.to_datetime(
                pd.Series(["2024-01-01", None, "2024-01-02T03:04:05"]), utc=True, format="ISO8601"
            ),
            "format": pd.Categorical(["video", "course", "video"]),
        }
    )
    frame.to_parquet(folder / "content.parquet", index=False)
    source = open_source(folder)
    chunks = list(source.iter_chunks("content", chunksize=2))
    assert [list(c.index) for c in chunks] == [[1, 2], [3]]
    out = pd.concat(chunks)
    assert out["duration_minutes"].tolist() == ["0.30000000000000004", None, "3"]
    assert out["difficulty"].tolist() == ["1", None, "3"]
    assert out["active"].tolist() == ["true", "false", "true"]
    assert out["format"].tolist() == ["video", "course", "video"]
    assert out["published_at"].tolist()[1] is None


def test_unreadable_parquet_files(tmp_path: Path) -> None:
    folder = tmp_path / "pq"
    folder.mkdir()
    (folder / "content.parquet").write_bytes(b"")
    (folder / "enrolments.parquet").write_bytes(b"not parquet at all")
    pq.write_table(pa.table({"content_id": [["a", "b"]]}), folder / "roles.parquet")
    source = open_source(folder)
    with pytest.raises(DataContractError, match=r"content\.parquet .*empty"):
        source.columns("content")
    with pytest.raises(DataContractError, match=r"enrolments\.parquet .*not a readable Parquet"):
        source.columns("enrolments")
    with pytest.raises(
        DataContractError, match=r"roles\.parquet .*column 'content_id' has Parquet type list"
    ):
        list(source.iter_chunks("roles"))
