"""Which installed distributions only the trainer needs: [train] and [eval] minus what serving uses.

Read from the installed metadata (``make install`` installs every extra), following each
requirement's own requirements with the markers of the service image.
"""

from __future__ import annotations

import importlib.metadata
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# The image's interpreter and platform (tools/lock_requirements.sh resolves for the same).
IMAGE_MARKERS = {
    "python_version": "3.11",
    "python_full_version": "3.11.14",
    "sys_platform": "linux",
    "platform_system": "Linux",
    "platform_machine": "x86_64",
    "os_name": "posix",
    "implementation_name": "cpython",
    "platform_python_implementation": "CPython",
}


def requirements(*extras: str) -> list[Requirement]:
    """recsvc's own requirements: the core list ("core") and/or optional extras by name."""
    optional = PYPROJECT["project"]["optional-dependencies"]
    lines = [
        line
        for extra in extras
        for line in (PYPROJECT["project"]["dependencies"] if extra == "core" else optional[extra])
    ]
    return [Requirement(line) for line in lines]


def closure(roots: list[Requirement]) -> set[str]:
    """Canonical names of ``roots`` and everything they pull in, on the image's platform."""
    seen: set[str] = set()
    todo = [(r, frozenset(r.extras)) for r in roots]
    while todo:
        requirement, extras = todo.pop()
        name = canonicalize_name(requirement.name)
        if name == "recsvc":
            continue
        key = name + "[" + ",".join(sorted(extras)) + "]"
        if key in seen:
            continue
        seen.add(key)
        for line in importlib.metadata.requires(name) or []:
            dependency = Requirement(line)
            marker = dependency.marker
            if marker is None or any(
                marker.evaluate({**IMAGE_MARKERS, "extra": extra}) for extra in {"", *extras}
            ):
                todo.append((dependency, frozenset(dependency.extras)))
    return {key.partition("[")[0] for key in seen}


def trainer_only() -> set[str]:
    """Distributions [train] and [eval] pull in that the core and [serve] do not."""
    return closure(requirements("train", "eval")) - closure(requirements("core", "serve"))


def import_names(distributions: set[str]) -> set[str]:
    """Top-level module names the given installed distributions provide."""
    return {
        module
        for module, owners in importlib.metadata.packages_distributions().items()
        if any(canonicalize_name(owner) in distributions for owner in owners)
    }
