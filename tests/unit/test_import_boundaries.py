"""Import rules hold: data moves one way, and each heavy library stays in its module.

Everything is read from the source with ``ast`` (nothing is imported), so lazy imports and
imports under ``TYPE_CHECKING`` count like any other.
"""

from __future__ import annotations

import ast
from collections import defaultdict
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

# (importer, imported) pairs of top-level parts that point the wrong way: settings and key
# parsing sit below the service, and validation checks what ingest reads (ingest's
# load_tables calls validate, so validate never imports ingest; the Source protocol it
# types against lives in recsvc.source)
UPWARD_IMPORTS = (
    ("config", "service"),
    ("keys", "service"),
    ("keys", "config"),
    ("validate", "ingest"),
    ("source", "ingest"),
    ("source", "validate"),
)

# Import cycles between top-level parts that exist today and are to be untangled, each with
# its exact members: a new cycle, or a known one that grows, fails the test, and so does an
# entry here once its cycle is gone (delete the entry then). dataset builds confidence
# weights with features.confidence while features.skills reads the Dataset.
KNOWN_CYCLES: frozenset[frozenset[str]] = frozenset({frozenset({"dataset", "features"})})


def module_name(path: Path) -> str:
    """``src/recsvc/a/b.py`` -> ``recsvc.a.b``; a package's ``__init__.py`` -> the package."""
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported_modules(path: Path) -> set[str]:
    """Absolute names a file imports (at any depth, including lazy imports).

    ``from a import b`` gives both ``a`` and ``a.b`` (``b`` may be a module); relative
    imports are resolved against the file's package.
    """
    package = module_name(path)
    if path.name != "__init__.py":
        package = package.rpartition(".")[0]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, *([node.module] if node.module else [])])
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
    return names


def package_files(*parts: str) -> list[Path]:
    return sorted((PACKAGE.joinpath(*parts)).rglob("*.py"))


def top_level_parts() -> set[str]:
    """recsvc's top-level modules and subpackages: ``config``, ``keys``, ``service``, ..."""
    return {
        path.stem if path.is_file() else path.name
        for path in PACKAGE.iterdir()
        if (path.suffix == ".py" and path.stem != "__init__") or (path / "__init__.py").is_file()
    }


def part_of(module: str, parts: set[str]) -> str | None:
    """The top-level part a ``recsvc.*`` module name belongs to, else None."""
    pieces = module.split(".")
    if pieces[0] != "recsvc" or len(pieces) < 2 or pieces[1] not in parts:
        return None
    return pieces[1]


def import_graph() -> dict[str, dict[str, set[str]]]:
    """importer part -> imported part -> files (relative to the package) behind that edge."""
    parts = top_level_parts()
    graph: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in package_files():
        source = part_of(module_name(path), parts)
        if source is None:
            continue  # recsvc/__init__.py itself
        for name in imported_modules(path):
            target = part_of(name, parts)
            if target is not None and target != source:
                graph[source][target].add(str(path.relative_to(PACKAGE)))
    return graph


def cycles(graph: dict[str, dict[str, set[str]]]) -> set[frozenset[str]]:
    """Groups of two or more parts that all reach each other (strongly connected)."""
    reach: dict[str, set[str]] = {}
    for start in graph:
        seen: set[str] = set()
        todo = [start]
        while todo:
            for nxt in graph.get(todo.pop(), {}):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        reach[start] = seen
    return {
        frozenset({a, *(b for b in reach[a] if a in reach.get(b, set()))})
        for a in graph
        if any(a in reach.get(b, set()) for b in reach[a])
    }


@pytest.mark.parametrize("area", REQUEST_TIME)
def test_request_time_code_never_imports_trainer_code(area: str) -> None:
    offenders = {
        f"{path.relative_to(PACKAGE)} imports {name}"
        for path in package_files(area)
        for name in imported_modules(path)
        if name.startswith(TRAINER_ONLY)
    }
    assert not offenders


def test_only_the_sql_modules_import_sqlalchemy() -> None:
    """The SQL loader, the sample writer and the event store (its tables and its queries)."""
    importers = {
        str(path.relative_to(PACKAGE))
        for path in package_files()
        if any(name.split(".")[0] == "sqlalchemy" for name in imported_modules(path))
    }
    assert importers <= {"ingest/sql.py", "sample/write.py", "events/store.py", "events/tables.py"}


def test_no_pickle_anywhere() -> None:
    offenders = {
        str(path.relative_to(PACKAGE))
        for path in package_files()
        if imported_modules(path) & {"pickle", "joblib", "cloudpickle", "dill"}
        or "allow_pickle=True" in path.read_text(encoding="utf-8")
    }
    assert not offenders


def test_the_import_graph_is_read() -> None:
    """Guards the checks below against a graph that is silently empty."""
    graph = import_graph()
    assert "recommend" in graph["service"] and "validate" in graph["ingest"]


def test_no_import_cycles_between_top_level_parts() -> None:
    graph = import_graph()
    found = cycles(graph)
    edges = {
        f"{a} -> {b}: {sorted(graph[a][b])}"
        for group in found - KNOWN_CYCLES
        for a in sorted(group)
        for b in sorted(group & set(graph[a]))
    }
    assert not found - KNOWN_CYCLES, "import cycle(s):\n" + "\n".join(sorted(edges))
    assert not KNOWN_CYCLES - found, "gone from the code; delete from KNOWN_CYCLES"


@pytest.mark.parametrize(("importer", "imported"), UPWARD_IMPORTS)
def test_no_upward_imports(importer: str, imported: str) -> None:
    assert importer in top_level_parts() and imported in top_level_parts()
    offenders = import_graph().get(importer, {}).get(imported, set())
    assert not offenders, f"{importer} must not import {imported}: {sorted(offenders)}"
