"""Hostile and broken CSV files: the loader keeps good rows or raises a recsvc error naming the
file; never another exception, never a hang (property-based, with hypothesis)."""

from __future__ import annotations

import csv
import io
import tempfile
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recsvc.errors import DataContractError, DataSourceError, DataValidationError
from recsvc.ingest import load_tables
from recsvc.ingest.files import find_nul
from recsvc.validate import LoadedData
from recsvc.validate.limits import MAX_ID_CHARS, id_problems

RECSVC_ERRORS = (DataContractError, DataSourceError, DataValidationError)
ENROLMENTS = b"employee_id,content_id,enrolled_at\nE1,C0,2024-01-01\n"
# small and bounded: the whole module runs in a few seconds on a 2-core CI machine
FAST = settings(
    max_examples=60,
    deadline=None,  # no time budget per example (CI speed varies); examples stay small
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# any character except NUL (files with NUL are refused whole; tested on their own below)
CELL = st.text(st.characters(exclude_characters="\x00", codec="utf-8"), max_size=30)


def load_folder(files: dict[str, bytes]) -> LoadedData | Exception:
    """Load a folder holding ``files``; return the data or the recsvc error raised."""
    with tempfile.TemporaryDirectory() as folder:
        for name, data in files.items():
            (Path(folder) / name).write_bytes(data)
        try:
            return load_tables(folder, max_bad_share=1.0, chunksize=7)
        except RECSVC_ERRORS as exc:
            return exc


def check_outcome(outcome: LoadedData | Exception, file_name: str) -> LoadedData | None:
    if isinstance(outcome, Exception):
        assert file_name in str(outcome), str(outcome)
        return None
    for table in outcome.tables.values():
        for column in table.columns:
            if column.endswith("_id"):
                ids = pa.array(table[column].dropna().to_numpy(dtype=object), pa.string())
                assert not any(mask.any() for mask in id_problems(ids).values())
    return outcome


def csv_bytes(rows: list[list[str]]) -> tuple[bytes, list[int]]:
    """The file and the byte offset where each row ends."""
    data, ends = b"", []
    for row in rows:
        out = io.StringIO()
        csv.writer(out, lineterminator="\n", quoting=csv.QUOTE_ALL).writerow(row)
        data += out.getvalue().encode("utf-8")
        ends.append(len(data))
    return data, ends


@FAST
@given(st.binary(max_size=400), st.booleans())
def test_arbitrary_bytes(data: bytes, after_header: bool) -> None:
    content = b"content_id,title\n" + data if after_header else data
    check_outcome(
        load_folder({"content.csv": content, "enrolments.csv": ENROLMENTS}), "content.csv"
    )


@FAST
@given(
    extra_names=st.lists(CELL, max_size=3),
    titles=st.lists(CELL.filter(lambda t: t.strip() != ""), min_size=1, max_size=5),
    garbage=st.lists(st.lists(CELL, min_size=1, max_size=6), max_size=8),
)
def test_arbitrary_text_in_cells_and_headers_keeps_the_good_rows(
    extra_names: list[str], titles: list[str], garbage: list[list[str]]
) -> None:
    header = ["content_id", "title", *extra_names]
    width = len(header)
    good = [[f"C{i}", t, *[""] * (width - 2)] for i, t in enumerate(titles)]
    bad = [(row + [""] * width)[:width] for row in garbage]
    data, _ends = csv_bytes([header, *good, *bad])
    loaded = check_outcome(
        load_folder({"content.csv": data, "enrolments.csv": ENROLMENTS}), "content.csv"
    )
    assert loaded is not None  # quoted, NUL-free UTF-8 with the required columns: loads
    content = loaded.tables["content"].set_index("content_id")["title"]
    for i, title in enumerate(titles):  # good rows come first, so they win over duplicates
        assert content[f"C{i}"] == title  # text is kept as written, formulas included


ROWS = [
    ["content_id", "title", "description"],
    *[[f"C{i}", f"Ünïcødé títle {i} 📚", f'multi-line\n"quoted", {i}'] for i in range(12)],
]
FULL, ROW_ENDS = csv_bytes(ROWS)


@FAST
@given(st.integers(min_value=0, max_value=len(FULL) - 1))
def test_truncated_file_keeps_complete_rows_or_says_so(cut: int) -> None:
    outcome = load_folder({"content.csv": FULL[:cut], "enrolments.csv": ENROLMENTS})
    loaded = check_outcome(outcome, "content.csv")
    if loaded is None:
        return
    content = loaded.tables["content"].set_index("content_id")
    complete = [row for row, end in zip(ROWS[1:], ROW_ENDS[1:], strict=True) if end <= cut]
    for content_id, title, description in complete:
        assert content.loc[content_id, "title"] == title
        assert content.loc[content_id, "description"] == description


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (FULL[: FULL.index("📚".encode()) + 2], "ends in the middle of a character"),
        (FULL[: FULL.index(b'"multi') + 3], "quoted field is never closed"),
    ],
)
def test_truncation_messages(data: bytes, message: str) -> None:
    outcome = load_folder({"content.csv": data, "enrolments.csv": ENROLMENTS})
    assert isinstance(outcome, DataContractError) and message in str(outcome)
    assert "content.csv" in str(outcome)


@FAST
@given(st.integers(min_value=0, max_value=len(FULL) - 1))
def test_a_nul_byte_anywhere_refuses_the_file_with_its_place(at: int) -> None:
    data = FULL[:at] + b"\x00" + FULL[at:]
    outcome = load_folder({"content.csv": data, "enrolments.csv": ENROLMENTS})
    assert isinstance(outcome, DataContractError)
    assert "content.csv in CSV folder" in str(outcome)
    line = FULL[:at].count(b"\n") + 1
    if 0x80 <= FULL[at] < 0xC0:  # the NUL split a multi-byte character
        lead = at - 1
        while 0x80 <= FULL[lead] < 0xC0:
            lead -= 1
        assert f"not valid UTF-8 at byte {lead} (line {line}" in str(outcome)
    else:
        assert f"NUL byte at byte {at} (line {line})" in str(outcome)


def test_utf16_without_bom_is_diagnosed(tmp_path: Path) -> None:
    (tmp_path / "content.csv").write_bytes("content_id,title\nC0,Go\n".encode("utf-16-le"))
    (tmp_path / "enrolments.csv").write_bytes(ENROLMENTS)
    with pytest.raises(DataContractError, match="NUL byte at byte 1 .*looks UTF-16 encoded"):
        load_tables(tmp_path)


def test_find_nul_across_read_blocks(tmp_path: Path) -> None:
    path = tmp_path / "x.csv"
    path.write_bytes(b"a\n" * (1 << 20) + b"\x00")
    assert find_nul(path) == (2 << 20, (1 << 20) + 1)
    path.write_bytes(b"a\n")
    assert find_nul(path) is None


def test_row_with_more_fields_than_the_header_is_refused_wherever_it_is(tmp_path: Path) -> None:
    (tmp_path / "enrolments.csv").write_bytes(ENROLMENTS)
    for text, line in (("C0,Go, fast\nC1,x\n", 2), ("C0,Go\nC1,x\nC2,Go, fast\n", 4)):
        (tmp_path / "content.csv").write_text("content_id,title\n" + text, encoding="utf-8")
        with pytest.raises(DataContractError, match=rf"content\.csv .*line {line}"):
            load_tables(tmp_path)


def test_quoted_header_names_with_separators_do_not_shift_columns(tmp_path: Path) -> None:
    (tmp_path / "enrolments.csv").write_bytes(ENROLMENTS)
    header = 'title,"notes\nand, more",x\u2028y,z\x0cw,content_id\n'
    (tmp_path / "content.csv").write_text(header + "Go,n,a,b,C0\n", encoding="utf-8")
    loaded = load_tables(tmp_path)
    assert loaded.tables["content"][["content_id", "title"]].values.tolist() == [["C0", "Go"]]
    extra = loaded.report.tables["content"].extra_columns
    assert extra == ["notes\nand, more", "x\u2028y", "z\x0cw"]
    # the human summary escapes what a terminal would interpret
    assert not any("\n" in line or "\x0c" in line for line in loaded.report.summary_rows())


@pytest.mark.parametrize("where", ["header", "cell"])
def test_very_long_lines_load_in_bounded_time(tmp_path: Path, where: str) -> None:
    long = "x" * (3 << 20)
    (tmp_path / "enrolments.csv").write_bytes(ENROLMENTS)
    if where == "header":
        text = f"content_id,{long},title\nC0,a,Go\n"
    else:
        text = f"content_id,title\nC0,Go\n{long[: MAX_ID_CHARS + 1]},x\n"
    (tmp_path / "content.csv").write_text(text, encoding="utf-8")
    loaded = load_tables(tmp_path, max_bad_share=1.0)
    assert loaded.tables["content"]["content_id"].tolist() == ["C0"]
    assert len(str(loaded.report.to_dict())) < 10_000
