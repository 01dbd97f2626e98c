"""Reuse a generated sample while the generator is unchanged (run_all's ``sample`` step).

Generating the 1,000,000-employee sample takes minutes (8 min at load 11 on the shared
2-core machine) and gives byte-identical tables for the same code, seed and numpy. So the
step stamps the folder it wrote with a key (employees, seed, a hash of the generator's code
and data, numpy's version) and the figures it measured; a later run with the same key reuses
the folder and reports those figures, marked as reused. ``--fresh-sample`` regenerates.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

__all__ = ["STAMP", "generator_key", "remember", "reusable"]

ROOT = Path(__file__).resolve().parents[1]
STAMP = "generator.json"
#: what the generated tables depend on: the generator, the contract it conforms to, its data
SOURCES = ("src/recsvc/sample", "src/recsvc/contract.py", "src/recsvc/data")

Result = dict[str, Any]


def generator_key(employees: int, seed: int, root: Path = ROOT) -> Result:
    """What a sample folder's tables depend on."""
    import numpy

    digest = hashlib.sha256()
    for source in SOURCES:
        path = root / source
        files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
        for file in (f for f in files if "__pycache__" not in f.parts):
            digest.update(file.relative_to(root).as_posix().encode() + b"\0")
            digest.update(file.read_bytes())
    return {
        "employees": employees,
        "seed": seed,
        "generator_sha256": digest.hexdigest(),
        "numpy": numpy.__version__,
    }


def reusable(folder: Path, key: Result) -> Result | None:
    """The stamp of ``folder`` if it holds a complete sample made with ``key``, else None."""
    try:
        stamp = json.loads((folder / STAMP).read_text())
    except (OSError, ValueError):
        return None
    if stamp.get("key") != key or not (folder / "parquet").is_dir():
        return None
    return dict(stamp)


def remember(folder: Path, key: Result, figures: Result, step: Result) -> None:
    """Stamp a freshly written sample folder with its key and measured figures."""
    stamp = {"key": key, "figures": figures, "step": step}
    (folder / STAMP).write_text(json.dumps(stamp, indent=2) + "\n")
