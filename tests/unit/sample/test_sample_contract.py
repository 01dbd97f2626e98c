"""Every generated table conforms to the data contract: columns, dtypes, values, keys."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from recsvc.contract import (
    AUDIT_PREFIX,
    CLEAN_DTYPES,
    EMPLOYEES,
    ENROLMENTS,
    TABLE_ORDER,
    TABLES,
    ColumnKind,
)
from recsvc.sample import SampleOrganisation, generate_sample
from recsvc.sample.timeline import REFERENCE

REFERENCE_TS = pd.Timestamp(REFERENCE, unit="s", tz="UTC")
# id column name ending -> readable prefixed id
ID_PATTERNS = {
    "employee_id": r"E\d{6}",
    "manager_id": r"E\d{6}",
    "content_id": r"C\d{5}",
    "skill_id": r"S\d{2}",
    "parent_id": r"S\d{2}",
    "role_id": r"R\d{3}",
}


def id_pattern(column: str) -> str:
    return next(p for end, p in ID_PATTERNS.items() if column.endswith(end))


def test_every_contract_table_is_present_in_dependency_order(
    small_sample: SampleOrganisation,
) -> None:
    assert tuple(small_sample.tables) == TABLE_ORDER
    assert all(len(frame) > 0 for frame in small_sample.tables.values())


@pytest.mark.parametrize("name", TABLE_ORDER)
def test_columns_and_dtypes_match_the_contract(small_sample: SampleOrganisation, name: str) -> None:
    frame = small_sample.tables[name]
    spec = TABLES[name]
    extra = [c for c in frame.columns if c not in spec.column_names]
    assert tuple(frame.columns[: len(spec.columns)]) == spec.column_names
    if name == EMPLOYEES:
        assert extra == ["audit_gender", "audit_age_band"]
        assert all(c.startswith(AUDIT_PREFIX) for c in extra)
    else:
        assert extra == []
    for col in spec.columns:
        assert str(frame[col.name].dtype) == CLEAN_DTYPES[col.kind], col.name


@pytest.mark.parametrize("name", TABLE_ORDER)
def test_values_respect_required_allowed_and_ranges(
    small_sample: SampleOrganisation, name: str
) -> None:
    frame = small_sample.tables[name]
    for col in TABLES[name].columns:
        values = frame[col.name]
        if col.required:
            assert values.notna().all(), col.name
        present = values.dropna()
        if col.kind == ColumnKind.ENUM:
            assert set(present) <= set(col.allowed), col.name
        if col.kind == ColumnKind.ID:
            assert (present.str.len() > 0).all(), col.name
            assert present.str.fullmatch(id_pattern(col.name)).all(), col.name
        if col.minimum is not None:
            assert (present >= col.minimum).all(), col.name
        if col.maximum is not None:
            assert (present <= col.maximum).all(), col.name
        if col.kind == ColumnKind.TIMESTAMP:
            assert (present <= REFERENCE_TS).all(), col.name
        if col.kind == ColumnKind.FLOAT:
            assert np.allclose(present, present.round(4)), col.name


@pytest.mark.parametrize("name", [n for n in TABLE_ORDER if TABLES[n].primary_key])
def test_primary_keys_are_unique(small_sample: SampleOrganisation, name: str) -> None:
    frame = small_sample.tables[name]
    assert not frame.duplicated(list(TABLES[name].primary_key)).any()


def test_every_foreign_key_resolves(small_sample: SampleOrganisation) -> None:
    tables = small_sample.tables
    for name in TABLE_ORDER:
        for col in TABLES[name].columns:
            if col.references is None:
                continue
            target = TABLES[col.references]
            keys = set(tables[col.references][target.primary_key[0]])
            values = set(tables[name][col.name].dropna())
            assert values <= keys, f"{name}.{col.name} -> {col.references}"


def test_enrolment_times_are_consistent(small_sample: SampleOrganisation) -> None:
    tables = small_sample.tables
    e = tables[ENROLMENTS].merge(tables["content"], on="content_id")
    e = e.merge(tables[EMPLOYEES], on="employee_id")
    assert (e["enrolled_at"] >= e["published_at"]).all()
    assert (e["enrolled_at"] >= e["hire_date"]).all()
    done = e["status"] == "completed"
    assert e.loc[done, "completed_at"].notna().all()
    assert e.loc[~done, "completed_at"].isna().all()
    assert (e.loc[done, "completed_at"] >= e.loc[done, "enrolled_at"]).all()
    assert (e.loc[done, "progress"] == 1.0).all()
    assert (e.loc[e["status"] == "enrolled", "progress"] == 0.0).all()
    assert e.loc[e["score"].notna(), "status"].eq("completed").all()
    span = e["enrolled_at"].max() - e["enrolled_at"].min()
    assert pd.Timedelta(days=600) < span <= pd.Timedelta(days=731)


def test_catalogue_has_mixed_formats_languages_and_some_retired_items(
    small_sample: SampleOrganisation,
) -> None:
    content = small_sample.tables["content"]
    assert content["format"].nunique() == 8
    assert content["language"].value_counts(normalize=True)["en"] > 0.6
    assert set(content["language"]) == {"en", "de", "fr", "es"}
    assert 0.0 < (~content["active"]).mean() < 0.1
    medians = content.groupby("format")["duration_minutes"].median()
    assert medians["video"] < 20 < medians["course"] < medians["classroom"] <= medians["project"]


def test_prerequisites_require_easier_older_items_on_the_same_skill(
    small_sample: SampleOrganisation,
) -> None:
    tables = small_sample.tables
    primary = (
        tables["content_skills"].sort_values("weight").drop_duplicates("content_id", keep="last")
    )
    info = primary.merge(tables["content"], on="content_id").set_index("content_id")
    pre = tables["prerequisites"]
    assert len(pre) > 0
    after, before = info.loc[pre["content_id"]], info.loc[pre["requires_content_id"]]
    assert (after["skill_id"].to_numpy() == before["skill_id"].to_numpy()).all()
    assert (after["level"].to_numpy() > before["level"].to_numpy()).all()
    assert (after["published_at"].to_numpy() > before["published_at"].to_numpy()).all()


def test_managers_form_one_tree_rooted_at_the_chief_executive(
    small_sample: SampleOrganisation,
) -> None:
    emp = small_sample.tables[EMPLOYEES].set_index("employee_id")
    roots = emp.index[emp["manager_id"].isna()]
    assert list(roots) == ["E000001"]
    manager = emp["manager_id"].to_dict()
    for start in emp.index[:: max(1, len(emp) // 100)]:
        seen, node = set(), start
        while node is not None and not pd.isna(node):
            assert node not in seen
            seen.add(node)
            node = manager[node]
        assert "E000001" in seen
    dept = emp["department"]
    has_boss = emp["manager_id"].notna() & (emp["manager_id"] != "E000001")
    bosses = emp.loc[has_boss, "manager_id"]
    assert (dept[has_boss].to_numpy() == dept.loc[bosses].to_numpy()).all()


def test_target_roles_are_career_path_successors(small_sample: SampleOrganisation) -> None:
    emp = small_sample.tables[EMPLOYEES]
    paths = small_sample.tables["career_paths"]
    with_target = emp.dropna(subset=["target_role_id"])
    assert 0.2 < len(with_target) / len(emp) < 0.4
    moves = set(zip(paths["from_role_id"], paths["to_role_id"], strict=True))
    pairs = zip(with_target["role_id"], with_target["target_role_id"], strict=True)
    assert all(pair in moves for pair in pairs)


def test_content_count_defaults_and_override() -> None:
    assert len(generate_sample(40, seed=1).tables["content"]) == 300
    assert len(generate_sample(40, seed=1, n_content=57).tables["content"]) == 57


def test_a_single_employee_organisation_is_valid() -> None:
    org = generate_sample(1, seed=3, n_content=30)
    assert list(org.tables[EMPLOYEES]["employee_id"]) == ["E000001"]
    assert org.tables[EMPLOYEES]["manager_id"].isna().all()


@pytest.mark.parametrize("kwargs", [{"n_employees": 0}, {"n_employees": 5, "n_content": 0}])
def test_impossible_sizes_are_refused(kwargs: dict[str, int]) -> None:
    with pytest.raises(ValueError, match="at least 1"):
        generate_sample(**kwargs)
