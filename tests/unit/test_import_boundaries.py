"""Import rules hold: data moves one way, and each heavy library stays in its module."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "recsvc"
TRAINER_ONLY = (
    "recsvc.ingest",
    "recsvc.validate",
    "recsvc.dataset",
    "recsvc.train",
    "recsvc.sample",
)
REQUEST_TIME = ("service", "recommend")


def imported_modules(path: Path) -> set[str]:
    """Absolute module names a file imports (at any depth, including lazy imports)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def package_files(*parts: str) -> list[Path]:
    return sorted((PACKAGE.joinpath(*parts)).rglob("*.py"))


@pytest.mark.parametrize("area", REQUEST_TIME)
def test_request_time_code_never_imports_trainer_code(area: str) -> None:
    offenders = {
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in package_files(area)
        for name in imported_modules(path)
        if name.startswith(TRAINER_ONLY)
    }
    assert not offenders


def test_only_the_sql_loader_imports_sqlalchemy() -> None:
    importers = {
        str(path.relative_to(PACKAGE))
        for path in package_files()
        if any(name.split(".")[0] == "sqlalchemy" for name in imported_modules(path))
    }
    assert importers <= {"ingest/sql.py", "sample/write.py"}


def test_no_pickle_anywhere() -> None:
    offenders = {
        str(path.relative_to(PACKAGE))
        for path in package_files()
        if imported_modules(path) & {"pickle", "joblib", "cloudpickle", "dill"}
        or "allow_pickle=True" in path.read_text(encoding="utf-8")
    }
    assert not offenders
