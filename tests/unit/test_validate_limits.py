"""Id rules (bad_id), formula injection, huge cells (too_long) and safe messages."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import unicodedata
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recsvc.ingest import load_tables
from recsvc.validate.limits import (
    MAX_ID_CHARS,
    MAX_TEXT_CHARS,
    char_lengths,
    id_problems,
    printable,
)

ENROLMENTS = "employee_id,content_id,enrolled_at\nE1,C1,2024-01-01\n"


def write(folder: Path, **tables: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in {"enrolments": ENROLMENTS, **tables}.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8", newline="")
    return folder


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("ok-id_1.2:x@y", None),
        ("Kurs 101", None),  # an inner space is fine
        ("  padded  ", None),  # surrounding spaces are trimmed, as for every id
        ("Ünïcødé-😀", None),
        ("x" * MAX_ID_CHARS, None),
        ("x" * (MAX_ID_CHARS + 1), "is longer than 128 characters"),
        ("../etc/passwd", "path separator"),
        ("a/b", "path separator"),
        ("a\\b", "path separator"),
        ("..", "path separator"),
        ("=HYPERLINK(1)", "spreadsheets run as a formula"),
        ("+1", "spreadsheets run as a formula"),
        ("-1", "spreadsheets run as a formula"),
        ("@SUM(A1)", "spreadsheets run as a formula"),
        ('"a\tb"', "control, format or invisible"),
        ('"a\nb"', "control, format or invisible"),
        ("a\x1b[2Jb", "control, format or invisible"),
        ("a\u202eb", "control, format or invisible"),  # right-to-left override
        ("a\u200bb", "control, format or invisible"),  # zero-width space
        ("a\u00a0b", "control, format or invisible"),  # no-break space
    ],
)
def test_id_rules(tmp_path: Path, raw: str, problem: str | None) -> None:
    content = f"content_id,title\nC1,Python\n{raw},Other\n"
    loaded = load_tables(write(tmp_path, content=content), max_bad_share=1.0)
    kept = loaded.tables["content"]["content_id"].tolist()
    issues = [i for i in loaded.report.issues if i.code == "bad_id"]
    if problem is None:
        assert kept == ["C1", raw.strip().strip('"')] and not issues
        return
    assert kept == ["C1"]  # content_id is required: the row is dropped
    (issue,) = issues
    assert (issue.table, issue.row, issue.column, issue.severity) == (
        "content",
        3,
        "content_id",
        "error",
    )
    assert problem in issue.message and "is not a usable content_id" in issue.message
    assert (
        "\n" not in issue.message and "\x1b" not in issue.message and "\u202e" not in issue.message
    )


def test_bad_optional_id_is_blanked_and_the_row_kept(tmp_path: Path) -> None:
    employees = "employee_id,role_id,manager_id\nE1,../admin,=cmd|' /C calc'!A0\n"
    roles = "role_id,title\n../admin,Admin\nR1,Dev\n"
    loaded = load_tables(
        write(tmp_path, content="content_id,title\nC1,Go\n", employees=employees, roles=roles),
        max_bad_share=1.0,
    )
    row = loaded.tables["employees"].iloc[0]
    assert row["employee_id"] == "E1" and row.isna()[["role_id", "manager_id"]].all()
    found = {(i.table, i.column, i.severity) for i in loaded.report.issues if i.code == "bad_id"}
    assert found == {
        ("roles", "role_id", "error"),
        ("employees", "role_id", "warning"),
        ("employees", "manager_id", "warning"),
    }
    assert loaded.tables["roles"]["role_id"].tolist() == ["R1"]


def test_formula_text_is_kept_as_plain_text(tmp_path: Path) -> None:
    payloads = ["=1+2", "+SUM(A1)", "-2", "@cmd", "\tx", "\r=1"]
    rows = "".join(f'C{i},"{p}","{p}"\n' for i, p in enumerate(payloads))
    loaded = load_tables(write(tmp_path, content="content_id,title,description\n" + rows))
    content = loaded.tables["content"]
    assert content["title"].tolist() == payloads and content["description"].tolist() == payloads
    assert not loaded.report.issues or all(i.code == "extra_column" for i in loaded.report.issues)


def test_ten_megabyte_cells_are_cut_or_refused_with_small_messages(tmp_path: Path) -> None:
    big = "é" + "x" * (10 << 20)
    content = (
        "content_id,title,description,duration_minutes,published_at,format\n"
        f"C1,Go,{big},{big},{big},{big}\n"
        f"{big},Too long an id,,,,\n"
        f"C2,{big},,,,\n"
    )
    loaded = load_tables(write(tmp_path, content=content), max_bad_share=1.0)
    table = loaded.tables["content"]
    assert table["content_id"].tolist() == ["C2"]  # C1: bad format; the big id: bad_id
    assert table["title"].str.len().tolist() == [MAX_TEXT_CHARS]
    codes = {(i.code, i.column) for i in loaded.report.issues}
    assert {
        ("too_long", "description"),
        ("too_long", "title"),
        ("bad_type", "duration_minutes"),
        ("bad_timestamp", "published_at"),
        ("bad_enum", "format"),
        ("bad_id", "content_id"),
    } <= codes
    assert loaded.report.tables["content"].truncated == 2
    report = json.dumps(loaded.report.to_dict())
    assert len(report) < 20_000  # values and messages are clipped, whatever the data
    assert all(len(i.message) < 400 for i in loaded.report.issues)


def test_a_ten_megabyte_cell_costs_bounded_memory(tmp_path: Path) -> None:
    big = "x" * (10 << 20)
    write(tmp_path, content=f"content_id,title,description\nC1,Go,{big}\nC2,{big},{big}\n")
    script = textwrap.dedent(
        f"""
        import resource, sys
        from recsvc.ingest import load_tables
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        load_tables({str(tmp_path)!r})
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print((after - before) // 1024)
        """
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert int(out.stdout.strip()) < 300  # MiB for 30 MiB of cells (file read, parse, cut)


# ids with any character: the vectorised check agrees with a plain-Python reading of the rule
ODD_SPACES = {"\u00a0", "\u1680", "\u202f", "\u205f", "\u3000", *map(chr, range(0x2000, 0x200B))}


def reference_problem(text: str) -> bool:
    if len(text) > MAX_ID_CHARS or "/" in text or "\\" in text:
        return True
    if text and (set(text) == {"."} or text[0] in "=+-@"):
        return True
    return any(
        unicodedata.category(ch) in ("Cc", "Cf", "Co", "Zl", "Zp") or ch in ODD_SPACES
        for ch in text
    )


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.text(st.characters(exclude_categories=("Cs", "Cn")), max_size=12),
            st.text("ab./\\=+-@ \t\u200b", max_size=6),
            st.text("x", min_size=MAX_ID_CHARS - 1, max_size=MAX_ID_CHARS + 2),
        ),
        max_size=20,
    ),
    st.integers(0, 3),
)
def test_vectorised_id_check_matches_the_rule(texts: list[str], offset: int) -> None:
    array = pa.array(["pad"] * offset + texts + [None], pa.string()).slice(offset)
    flagged = np.logical_or.reduce(list(id_problems(array).values()))
    assert flagged.tolist() == [reference_problem(t) for t in texts] + [False]
    lengths = char_lengths(array, 3)
    assert lengths.tolist() == [len(t) if len(t.encode()) > 3 else 0 for t in texts] + [0]


def test_printable_escapes_and_clips() -> None:
    assert printable("a\x1b[2J\u202eb\n") == "a\\x1b[2J\\u202eb\\n"
    assert printable("x" * 100, 10) == "xxxxxxx..."
    assert printable("Ünïcødé 📚") == "Ünïcødé 📚"
