"""One test per kind of bad input: the exact error or issue, and the good rows survive."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from recsvc import contract as c
from recsvc.errors import DataContractError, DataValidationError
from recsvc.ingest import load_tables
from recsvc.validate import Issue, LoadedData, TooManyBadRowsError, ValidationReport

CONTENT = "content_id,title,format,difficulty\nC1,Python,course,2\nC2,SQL,video,3\n"
ENROLMENTS = (
    "employee_id,content_id,enrolled_at,status\n"
    "E1,C1,2024-01-01,completed\n"
    "E2,C2,2024-01-02,enrolled\n"
)


def write(folder: Path, tables: dict[str, str | bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        data = text.encode("utf-8") if isinstance(text, str) else text
        (folder / f"{name}.csv").write_bytes(data)
    return folder


def load(
    tmp_path: Path, max_bad_share: float = 1.0, chunksize: int = 200_000, **tables: str | bytes
) -> LoadedData:
    base: dict[str, str | bytes] = {"content": CONTENT, "enrolments": ENROLMENTS}
    base.update(tables)
    return load_tables(
        write(tmp_path / "data", base), max_bad_share=max_bad_share, chunksize=chunksize
    )


def found(
    report: ValidationReport, code: str
) -> list[tuple[str, int | None, str | None, str, str | None]]:
    return [
        (i.table, i.row, i.column, i.severity, i.value) for i in report.issues if i.code == code
    ]


def ids(frame: pd.DataFrame, column: str) -> list[str]:
    return frame[column].tolist()


def test_clean_tables_have_contract_columns_dtypes_and_defaults(tmp_path: Path) -> None:
    employees = "employee_id,role_id,audit_gender\nE1,,f\nE2,,\n"
    loaded = load(tmp_path, employees=employees)
    for name, table in loaded.tables.items():
        spec = c.TABLES[name]
        audit = ["audit_gender"] if name == c.EMPLOYEES else []
        assert list(table.columns) == [*spec.column_names, *audit]
        for col in spec.columns:
            assert str(table[col.name].dtype) == c.CLEAN_DTYPES[col.kind], (name, col.name)
        assert isinstance(table.index, pd.RangeIndex)
    content = loaded.tables[c.CONTENT]
    assert content["active"].tolist() == [True, True]  # default
    assert content["description"].tolist() == ["", ""]  # default
    assert content["difficulty"].tolist() == [2, 3]
    enrolments = loaded.tables[c.ENROLMENTS]
    assert enrolments["enrolled_at"].tolist() == [
        pd.Timestamp("2024-01-01", tz="UTC"),
        pd.Timestamp("2024-01-02", tz="UTC"),
    ]
    assert loaded.tables[c.EMPLOYEES]["audit_gender"].dtype == "string"
    assert loaded.report.ok and not loaded.report.counts
    assert set(loaded.report.missing_tables) == set(c.TABLES) - {
        c.CONTENT,
        c.ENROLMENTS,
        c.EMPLOYEES,
    }


def test_missing_required_table_is_a_contract_error(tmp_path: Path) -> None:
    folder = write(tmp_path / "data", {"content": CONTENT})
    with pytest.raises(DataContractError, match=r"required table\(s\) enrolments missing"):
        load_tables(folder)


def test_missing_required_column_names_the_file_and_column(tmp_path: Path) -> None:
    bad = "employee_id,content_id,status\nE1,C1,completed\n"
    with pytest.raises(
        DataContractError, match=r"enrolments\.csv .*required column\(s\) enrolled_at missing"
    ):
        load(tmp_path, enrolments=bad)


def test_column_names_match_case_insensitively(tmp_path: Path) -> None:
    loaded = load(tmp_path, enrolments="Employee_ID, Content_Id ,ENROLLED_AT\nE1,C1,2024-01-01\n")
    assert ids(loaded.tables[c.ENROLMENTS], "employee_id") == ["E1"]


def test_wrong_type_in_required_column_drops_and_in_optional_blanks(tmp_path: Path) -> None:
    roles = "role_id,title\nR1,Engineer\n"
    skills = "skill_id,name\nS1,Python\n"
    role_skills = "role_id,skill_id,required_level\nR1,S1,three\nR1,S1,3\n"
    content = CONTENT + "C3,Go,course,hard\n"
    loaded = load(tmp_path, roles=roles, skills=skills, role_skills=role_skills, content=content)
    assert found(loaded.report, "bad_type") == [
        ("content", 4, "difficulty", "warning", "hard"),
        ("role_skills", 2, "required_level", "error", "three"),
    ]
    assert ids(loaded.tables[c.CONTENT], "content_id") == ["C1", "C2", "C3"]
    assert loaded.tables[c.CONTENT]["difficulty"].isna().tolist() == [False, False, True]
    assert loaded.tables[c.ROLE_SKILLS]["required_level"].tolist() == [3.0]
    assert loaded.report.tables["role_skills"].rejected == 1


def test_unparseable_timestamp_drops_the_row(tmp_path: Path) -> None:
    bad = ENROLMENTS + "E3,C1,2024-02-30,completed\nE4,C2,01/02/2024,completed\n"
    loaded = load(tmp_path, enrolments=bad)
    assert found(loaded.report, "bad_timestamp") == [
        ("enrolments", 4, "enrolled_at", "error", "2024-02-30"),
        ("enrolments", 5, "enrolled_at", "error", "01/02/2024"),
    ]
    assert ids(loaded.tables[c.ENROLMENTS], "employee_id") == ["E1", "E2"]
    assert loaded.report.tables["enrolments"].rejected == 2


def test_out_of_range_required_drops_optional_blanks(tmp_path: Path) -> None:
    enrolments = (
        "employee_id,content_id,enrolled_at,rating,progress\n"
        "E1,C1,2024-01-01,7,0.5\n"
        "E2,C2,2024-01-02,4,1.5\n"
    )
    skills = "skill_id,name\nS1,Python\n"
    assessments = "employee_id,skill_id,level,assessed_at\nE1,S1,6,2024-01-01\nE1,S1,2,2024-01-01\n"
    loaded = load(tmp_path, enrolments=enrolments, skills=skills, assessments=assessments)
    assert found(loaded.report, "out_of_range") == [
        ("enrolments", 3, "progress", "warning", "1.5"),  # contract column order
        ("enrolments", 2, "rating", "warning", "7"),
        ("assessments", 2, "level", "error", "6"),
    ]
    enrol = loaded.tables[c.ENROLMENTS]
    assert enrol["rating"].isna().tolist() == [True, False]
    assert enrol["progress"].isna().tolist() == [False, True]
    assert loaded.tables[c.ASSESSMENTS]["level"].tolist() == [2.0]
    message = next(i.message for i in loaded.report.issues if i.column == "rating")
    assert "outside the allowed range 1 to 5" in message


def test_unknown_status_drops_the_row_and_lists_allowed_values(tmp_path: Path) -> None:
    bad = ENROLMENTS + "E3,C1,2024-01-03,refunded\nE4,C1,2024-01-03,In_Progress\n"
    loaded = load(tmp_path, enrolments=bad)
    assert found(loaded.report, "bad_enum") == [("enrolments", 4, "status", "error", "refunded")]
    issue = next(i for i in loaded.report.issues if i.code == "bad_enum")
    assert "enrolled, in_progress, completed, dropped" in issue.message
    enrol = loaded.tables[c.ENROLMENTS]
    assert ids(enrol, "employee_id") == ["E1", "E2", "E4"]
    assert enrol["status"].tolist() == ["completed", "enrolled", "in_progress"]


def test_duplicate_ids_keep_the_first_occurrence(tmp_path: Path) -> None:
    content = CONTENT + "C1,Python again,video,1\n"
    loaded = load(tmp_path, content=content)
    assert found(loaded.report, "duplicate_key") == [("content", 4, "content_id", "error", "C1")]
    dup = next(i for i in loaded.report.issues if i.code == "duplicate_key")
    assert dup.key == "C1"
    table = loaded.tables[c.CONTENT]
    assert table["title"].tolist() == ["Python", "SQL"]


def test_duplicate_composite_keys_across_chunks(tmp_path: Path) -> None:
    skills = "skill_id,name\nS1,Python\nS2,SQL\n"
    cs = "content_id,skill_id,level\nC1,S1,1\nC1,S2,2\nC2,S1,3\nC1,S1,4\n"
    loaded = load(tmp_path, skills=skills, content_skills=cs, chunksize=2)
    assert found(loaded.report, "duplicate_key") == [
        ("content_skills", 5, "content_id/skill_id", "error", "C1/S1")
    ]
    assert loaded.tables[c.CONTENT_SKILLS]["level"].tolist() == [1, 2, 3]


def test_unknown_references_to_employees_content_skills_roles(tmp_path: Path) -> None:
    employees = "employee_id,role_id,manager_id\nE1,R1,\nE2,R9,E1\nE3,,E7\n"
    roles = "role_id,title\nR1,Engineer\n"
    skills = "skill_id,name,parent_id\nS1,Python,\nS2,Pandas,S1\nS3,Odd,S9\n"
    cs = "content_id,skill_id\nC1,S1\nC1,S8\nC9,S1\n"
    rs = "role_id,skill_id,required_level\nR1,S1,3\nR7,S1,2\n"
    enrolments = ENROLMENTS + "E8,C1,2024-01-03,completed\nE1,C8,2024-01-03,completed\n"
    loaded = load(
        tmp_path,
        employees=employees,
        roles=roles,
        skills=skills,
        content_skills=cs,
        role_skills=rs,
        enrolments=enrolments,
    )
    assert sorted(found(loaded.report, "unknown_reference")) == sorted(
        [
            ("skills", 4, "parent_id", "warning", "S9"),
            ("employees", 3, "role_id", "warning", "R9"),
            ("employees", 4, "manager_id", "warning", "E7"),
            ("content_skills", 3, "skill_id", "error", "S8"),
            ("content_skills", 4, "content_id", "error", "C9"),
            ("role_skills", 3, "role_id", "error", "R7"),
            ("enrolments", 4, "employee_id", "error", "E8"),
            ("enrolments", 5, "content_id", "error", "C8"),
        ]
    )
    t = loaded.tables
    assert ids(t[c.EMPLOYEES], "employee_id") == ["E1", "E2", "E3"]
    assert t[c.EMPLOYEES]["role_id"].isna().tolist() == [False, True, True]
    assert t[c.EMPLOYEES]["manager_id"].tolist()[:2] == [pd.NA, "E1"]
    assert t[c.SKILLS]["parent_id"].isna().tolist() == [True, False, True]
    assert ids(t[c.CONTENT_SKILLS], "skill_id") == ["S1"]
    assert ids(t[c.ROLE_SKILLS], "role_id") == ["R1"]
    assert ids(t[c.ENROLMENTS], "employee_id") == ["E1", "E2"]


def test_references_are_not_checked_when_the_parent_table_is_absent(tmp_path: Path) -> None:
    enrolments = ENROLMENTS + "E8,C1,2024-01-03,completed\n"  # no employees table
    loaded = load(tmp_path, enrolments=enrolments)
    assert len(loaded.tables[c.ENROLMENTS]) == 3
    assert not found(loaded.report, "unknown_reference")


def test_missing_required_value_and_bad_order(tmp_path: Path) -> None:
    bad = (
        "employee_id,content_id,enrolled_at,completed_at\n"
        "E1,C1,2024-01-05,2024-01-06\n"
        ",C1,2024-01-05,\n"
        "E2,C2,2024-01-05,2024-01-04T23:59:59Z\n"
    )
    loaded = load(tmp_path, enrolments=bad)
    assert found(loaded.report, "missing_value") == [
        ("enrolments", 3, "employee_id", "error", None)
    ]
    assert [i[:4] for i in found(loaded.report, "bad_order")] == [
        ("enrolments", 4, "completed_at", "error")
    ]
    assert ids(loaded.tables[c.ENROLMENTS], "employee_id") == ["E1"]


def test_extra_columns_are_reported_not_fatal(tmp_path: Path) -> None:
    content = "content_id,title,internal_code,audit_x\nC1,Python,77,a\nC2,SQL,78,b\n"
    loaded = load(tmp_path, content=content)
    assert [
        (i.table, i.column, i.severity) for i in loaded.report.issues if i.code == "extra_column"
    ] == [
        ("content", "internal_code", "info"),
        ("content", "audit_x", "info"),  # audit_ columns are kept only on employees
    ]
    assert "internal_code" not in loaded.tables[c.CONTENT].columns
    assert loaded.report.tables["content"].rejected == 0
    assert loaded.report.tables["content"].extra_columns == ["internal_code", "audit_x"]


def test_empty_required_table_is_a_contract_error(tmp_path: Path) -> None:
    with pytest.raises(
        DataContractError, match=r"enrolments\.csv .*no rows; enrolments is required"
    ):
        load(tmp_path, enrolments="employee_id,content_id,enrolled_at\n")


def test_empty_optional_table_is_treated_as_absent(tmp_path: Path) -> None:
    loaded = load(
        tmp_path, employees="employee_id,role_id\n", enrolments=ENROLMENTS + "E9,C1,2024-01-01,\n"
    )
    assert c.EMPLOYEES not in loaded.tables
    assert c.EMPLOYEES in loaded.report.missing_tables
    assert found(loaded.report, "empty_table") == [("employees", None, None, "warning", None)]
    assert len(loaded.tables[c.ENROLMENTS]) == 3  # no employees table -> no reference check


@pytest.mark.parametrize("content", ["", "\n\n"])
def test_empty_file_is_a_contract_error(tmp_path: Path, content: str) -> None:
    with pytest.raises(DataContractError, match=r"content\.csv .*empty"):
        load(tmp_path, content=content)


@pytest.mark.parametrize(("sep", "label"), [(";", ";"), ("\t", "tab")])
def test_wrong_delimiter_is_named(tmp_path: Path, sep: str, label: str) -> None:
    text = ENROLMENTS.replace(",", sep)
    with pytest.raises(
        DataContractError,
        match=rf"enrolments\.csv .*looks {label}-delimited, recsvc expects comma-separated CSV",
    ):
        load(tmp_path, enrolments=text)


def test_partly_wrong_delimiter_hint_on_missing_column(tmp_path: Path) -> None:
    text = "employee_id,content_id;enrolled_at\nE1,C1;2024-01-01\n"
    with pytest.raises(DataContractError, match=r"enrolled_at missing.*looks ;-delimited"):
        load(tmp_path, enrolments=text)


def test_bom_loads_like_plain_utf8(tmp_path: Path) -> None:
    plain = load(tmp_path / "a").tables
    bom = load(
        tmp_path / "b",
        content=CONTENT.encode("utf-8-sig"),
        enrolments=ENROLMENTS.encode("utf-8-sig"),
    ).tables
    for name in plain:
        pd.testing.assert_frame_equal(plain[name], bom[name])


def test_non_utf8_names_file_line_and_byte(tmp_path: Path) -> None:
    latin = (CONTENT + "C3,Café,course,1\n").encode("latin-1")
    offset = latin.index(b"\xe9")
    with pytest.raises(
        DataContractError,
        match=rf"content\.csv in CSV folder .*: not valid UTF-8 at byte {offset} \(line 4",
    ):
        load(tmp_path, content=latin)


def test_non_utf8_in_header(tmp_path: Path) -> None:
    with pytest.raises(DataContractError, match=r"not valid UTF-8 at byte 0 \(line 1"):
        load(tmp_path, content="\ufeffcontent_id,title\nC1,x\n".encode("utf-16"))


def test_share_of_bad_rows_above_threshold_stops_with_report(tmp_path: Path) -> None:
    bad = ENROLMENTS + "E3,C1,never,completed\nE4,C1,soon,completed\n"  # 2 of 4 bad
    with pytest.raises(TooManyBadRowsError) as caught:
        load(tmp_path / "a", max_bad_share=0.25, enrolments=bad)
    error = caught.value
    assert isinstance(error, DataValidationError)
    message = str(error)
    assert "enrolments.csv in CSV folder" in message and "2 of 4 rows bad (50.0%)" in message
    assert "bad_timestamp in enrolled_at (2)" in message
    assert "--max-bad-share" in message
    assert error.report.counts == {("enrolments", "bad_timestamp"): 2}
    assert not error.report.ok
    loaded = load(tmp_path / "b", max_bad_share=0.5, enrolments=bad)  # at the limit: fine
    assert ids(loaded.tables[c.ENROLMENTS], "employee_id") == ["E1", "E2"]


def test_issue_list_is_capped_but_counts_are_exact(tmp_path: Path) -> None:
    rows = "".join(f"E{i},C1,2024-01-01,completed,9\n" for i in range(1500))
    loaded = load(tmp_path, enrolments="employee_id,content_id,enrolled_at,status,rating\n" + rows)
    assert loaded.report.counts == {("enrolments", "out_of_range"): 1500}
    assert len(found(loaded.report, "out_of_range")) == 1000
    out = loaded.report.write_json(tmp_path / "reports" / "report.json")
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["counts"] == [
        {
            "table": "enrolments",
            "code": "out_of_range",
            "column": "rating",
            "severity": "warning",
            "count": 1500,
        }
    ]
    assert data["tables"]["enrolments"]["blanked"] == 1500
    assert len(data["issues"]) == 1000


def test_small_chunks_give_the_same_result(tmp_path: Path) -> None:
    bad = (
        ENROLMENTS + "E3,C1,never,completed\nE3,C9,2024-01-01,completed\nE5,C1,2024-01-04,dropped\n"
    )
    content = CONTENT + "C1,dup,course,1\n"
    big = load(tmp_path / "a", enrolments=bad, content=content)
    small = load(tmp_path / "b", enrolments=bad, content=content, chunksize=1)
    for name in big.tables:
        pd.testing.assert_frame_equal(big.tables[name], small.tables[name])

    def order(i: Issue) -> tuple[str, int, str, str]:
        return (i.table, i.row or 0, i.column or "", i.code)

    assert sorted(big.report.issues, key=order) == sorted(small.report.issues, key=order)
    assert big.report.counts == small.report.counts


def test_invalid_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="max_bad_share"):
        load(tmp_path / "a", max_bad_share=1.5)
    with pytest.raises(ValueError, match="chunksize"):
        load(tmp_path / "b", chunksize=0)
