"""docs/data-contract.md documents every contract table and column, and is up to date."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from recsvc import contract as c
from recsvc.validate import Code

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "data-contract.md"


def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "gen_contract_doc", ROOT / "tools" / "gen_contract_doc.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_generated_part_is_current() -> None:
    text = DOC.read_text(encoding="utf-8")
    assert generator().update(text) == text, "run: python tools/gen_contract_doc.py"


def test_every_table_column_and_code_is_documented() -> None:
    text = DOC.read_text(encoding="utf-8")
    sections = {part.split("`")[0]: part for part in text.split("### `")[1:]}
    assert set(sections) == set(c.TABLES)
    for table in c.TABLES.values():
        for column in table.columns:
            assert f"| `{column.name}` |" in sections[table.name], (table.name, column.name)
    for code in Code:
        assert f"`{code.value}`" in text, code
    for value in (*c.ENROLMENT_STATUSES, *c.CONTENT_FORMATS, *c.ASSESSMENT_SOURCES):
        assert f"`{value}`" in text
