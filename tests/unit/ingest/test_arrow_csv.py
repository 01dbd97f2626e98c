"""pyarrow CSV reading: every bad value reported with file, line and column; malformed rows,
unclosed quotes and rows longer than a read block handled with the same guarantees."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from recsvc.errors import DataContractError
from recsvc.ingest import load_tables
from recsvc.validate.limits import MAX_TEXT_CHARS

CONTENT = "content_id,title\nC1,Python\nC2,SQL\n"
ENROLMENTS_HEADER = "employee_id,content_id,enrolled_at,status,progress,rating\n"
ENROLMENTS = ENROLMENTS_HEADER + "E1,C1,2024-01-01,completed,,\n"


def folder(tmp_path: Path, **files: str) -> Path:
    out = tmp_path / "data"
    out.mkdir(exist_ok=True)
    for name, text in {"content.csv": CONTENT, **files}.items():
        (out / name).write_text(text, encoding="utf-8")
    return out


def test_bad_values_in_several_columns_each_named_with_line_and_column(tmp_path: Path) -> None:
    rows = [
        "E1,C1,2024-01-01T10:00:00Z,completed,1,5",  # line 2: good
        "=cmd,C1,2024-01-02,completed,1,",  # line 3: formula id, dropped
        "E3,C1,yesterday,completed,,",  # line 4: bad timestamp in a required column
        "E4,C2,2024-01-03,finished,,",  # line 5: unknown status, dropped
        "E5,C2,2024-01-04,in_progress,1.5,x",  # line 6: two optional values blanked
        "E6,C9,2024-01-05,enrolled,,",  # line 7: unknown content, dropped
        " E7 ,C2,2024-01-06 ,Dropped,0.25,4.5",  # line 8: good once stripped
    ]
    data = folder(tmp_path, **{"enrolments.csv": ENROLMENTS_HEADER + "\n".join(rows) + "\n"})
    loaded = load_tables(data, max_bad_share=1.0)
    issues = [
        (i.table, i.row, i.column, i.code, i.severity, i.value)
        for i in loaded.report.issues
        if i.table == "enrolments"
    ]
    assert sorted(issues, key=lambda i: (i[1], i[2])) == [
        ("enrolments", 3, "employee_id", "bad_id", "error", "=cmd"),
        ("enrolments", 4, "enrolled_at", "bad_timestamp", "error", "yesterday"),
        ("enrolments", 5, "status", "bad_enum", "error", "finished"),
        ("enrolments", 6, "progress", "out_of_range", "warning", "1.5"),
        ("enrolments", 6, "rating", "bad_type", "warning", "x"),
        ("enrolments", 7, "content_id", "unknown_reference", "error", "C9"),
    ]
    stats = loaded.report.tables["enrolments"]
    assert (stats.read, stats.kept, stats.rejected, stats.blanked) == (7, 3, 4, 2)
    table = loaded.tables["enrolments"]
    assert table["employee_id"].tolist() == ["E1", "E5", "E7"]
    assert table["status"].tolist() == ["completed", "in_progress", "dropped"]
    assert table["progress"].tolist()[0] == 1.0 and pd.isna(table["progress"].tolist()[1])
    assert table["progress"].tolist()[2] == 0.25 and table["rating"].tolist()[2] == 4.5
    assert table["enrolled_at"].tolist()[2] == pd.Timestamp("2024-01-06", tz="UTC")
    assert str(table["employee_id"].dtype) == "string"


def test_results_do_not_depend_on_chunk_size(tmp_path: Path) -> None:
    rows = [
        f"E{i % 7},C{1 + i % 3},2024-01-{1 + i % 28:02d},completed,0.5,{i % 6}" for i in range(50)
    ]
    data = folder(tmp_path, **{"enrolments.csv": ENROLMENTS_HEADER + "\n".join(rows) + "\n"})
    whole = load_tables(data, max_bad_share=1.0)
    pieces = load_tables(data, max_bad_share=1.0, chunksize=4)
    pd.testing.assert_frame_equal(whole.tables["enrolments"], pieces.tables["enrolments"])
    whole_report, pieces_report = whole.report.to_dict(), pieces.report.to_dict()
    by_place = lambda i: (i["row"], i["column"])  # noqa: E731 - chunks list issues in turn
    assert sorted(whole_report.pop("issues"), key=by_place) == sorted(
        pieces_report.pop("issues"), key=by_place
    )
    assert whole_report == pieces_report
    assert len(whole.tables["enrolments"]) == 50 - 16  # C3 (unknown) dropped; rating 0 blanked


@pytest.mark.parametrize(("extra", "fields"), [("C3", 1), ("C3,Go,fast", 3)])
def test_a_row_of_the_wrong_width_refuses_the_file_naming_its_line(
    tmp_path: Path, extra: str, fields: int
) -> None:
    # far past the first read block, where rows are parsed on several threads
    rows = "".join(f"C{i},title {i}\n" for i in range(10, 400_000))
    data = folder(tmp_path, **{"content.csv": CONTENT + rows + extra + "\nC4,Go\n"})
    (data / "enrolments.csv").write_text(ENROLMENTS, encoding="utf-8")
    with pytest.raises(DataContractError) as caught:
        load_tables(data)
    message = str(caught.value)
    assert "content.csv in CSV folder" in message
    assert f"the row at line {400_000 - 10 + 4} has {fields} field" in message
    assert "the header 2" in message and "Nothing from this file was used" in message


def test_line_numbers_count_records_after_a_multi_line_field(tmp_path: Path) -> None:
    content = 'content_id,title,difficulty\nC1,"two\nlines",2\nC2,SQL,9\n'
    data = folder(tmp_path, **{"content.csv": content, "enrolments.csv": ENROLMENTS})
    loaded = load_tables(data, max_bad_share=1.0)
    (issue,) = [i for i in loaded.report.issues if i.code == "out_of_range"]
    assert (issue.table, issue.row, issue.column, issue.value) == ("content", 3, "difficulty", "9")
    assert loaded.tables["content"]["title"].tolist() == ["two\nlines", "SQL"]


def test_a_quote_never_closed_is_refused_a_quote_inside_a_field_is_text(tmp_path: Path) -> None:
    data = folder(
        tmp_path,
        **{"content.csv": CONTENT + 'C3,"Go\n', "enrolments.csv": ENROLMENTS},
    )
    with pytest.raises(DataContractError, match=r"content\.csv .*quoted field is never closed"):
        load_tables(data)
    (data / "content.csv").write_text(CONTENT + 'C3,5" screens\n', encoding="utf-8")
    loaded = load_tables(data)
    assert loaded.tables["content"]["title"].tolist() == ["Python", "SQL", '5" screens']


def test_a_row_longer_than_a_read_block_loads(tmp_path: Path) -> None:
    long = "word " * (2 << 20)  # 10 MiB in one field
    content = f'content_id,title,description\nC1,Python,"{long}"\nC2,SQL,short\n'
    data = folder(tmp_path, **{"content.csv": content, "enrolments.csv": ENROLMENTS})
    loaded = load_tables(data)
    table = loaded.tables["content"]
    assert table["content_id"].tolist() == ["C1", "C2"]
    assert table["description"].tolist() == [long[:MAX_TEXT_CHARS], "short"]
    (issue,) = [i for i in loaded.report.issues if i.code == "too_long"]
    assert (issue.row, issue.column) == (2, "description")


def test_typed_parquet_columns_give_what_their_text_gives(tmp_path: Path) -> None:
    import datetime as dt

    import pyarrow as pa
    import pyarrow.parquet as pq

    stamps = [
        dt.datetime(2024, 1, 2, 3, 4, 5),
        dt.datetime(9999, 1, 1),
        None,
        dt.datetime(2024, 5, 6),
    ]
    typed = tmp_path / "typed"
    typed.mkdir()
    pq.write_table(
        pa.table({"content_id": ["C1", "C2"], "title": ["Python", "SQL"]}),
        typed / "content.parquet",
    )
    columns = {
        "employee_id": pa.array(["E1", "E2", "E3", "E4"]),
        "content_id": pa.array(["C1", "C2", "C1", "C2"]),
        "enrolled_at": pa.array(stamps, pa.timestamp("us")),  # naive: UTC
        "progress": pa.array([0.5, float("nan"), 2.0, None]),
        "rating": pa.array([5, 1, 3, 9], pa.uint8()),  # integers in a float column
    }
    pq.write_table(pa.table(columns), typed / "enrolments.parquet")
    text = tmp_path / "text"
    text.mkdir()
    (text / "content.csv").write_text(CONTENT, encoding="utf-8")
    (text / "enrolments.csv").write_text(
        "employee_id,content_id,enrolled_at,progress,rating\n"
        "E1,C1,2024-01-02T03:04:05,0.5,5\n"
        "E2,C2,9999-01-01T00:00:00,nan,1\n"
        "E3,C1,,2.0,3\n"
        "E4,C2,2024-05-06T00:00:00,,9\n",
        encoding="utf-8",
    )
    from_parquet = load_tables(typed, max_bad_share=1.0)
    from_csv = load_tables(text, max_bad_share=1.0)
    pd.testing.assert_frame_equal(from_parquet.tables["enrolments"], from_csv.tables["enrolments"])
    # Parquet rows are ordinals, CSV rows file lines (header = line 1)
    issues = [(i.row, i.column, i.code, i.severity) for i in from_parquet.report.issues]
    shifted = [(i.row - 1, i.column, i.code, i.severity) for i in from_csv.report.issues]
    assert issues == shifted
    assert [i[:3] for i in issues] == [
        (3, "enrolled_at", "missing_value"),
        (2, "enrolled_at", "bad_timestamp"),  # past what nanoseconds can hold
        (2, "progress", "bad_type"),  # NaN
        (3, "progress", "out_of_range"),
        (4, "rating", "out_of_range"),
    ]


def test_a_short_row_after_a_row_longer_than_a_block_is_named(tmp_path: Path) -> None:
    long = "x" * (5 << 20)
    content = f'content_id,title,description\nC1,Python,"{long}"\nC2,SQL\nC3,Go,ok\n'
    data = folder(tmp_path, **{"content.csv": content, "enrolments.csv": ENROLMENTS})
    with pytest.raises(DataContractError, match=r"content\.csv .*row at line 3 has 2 fields"):
        load_tables(data)
