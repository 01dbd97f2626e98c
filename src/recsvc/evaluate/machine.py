"""Describe the machine and software a result came from, so figures can be compared honestly."""

from __future__ import annotations

import os
import platform
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path

__all__ = ["LIBRARIES", "describe_machine"]

LIBRARIES = ("recsvc", "numpy", "scipy", "pandas", "scikit-learn", "implicit", "matplotlib")


def _proc_field(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def describe_machine(now: datetime | None = None) -> dict[str, object]:
    """CPU model, cores, RAM, OS, Python and library versions, BLAS threads, and the date."""
    mem = _proc_field("/proc/meminfo", "MemTotal")
    ram_gib = round(int(mem.split()[0]) / 1024**2, 1) if mem else None
    cpu = _proc_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown"
    return {
        "date": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": ram_gib,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "unset"),
        "libraries": {name: _version(name) for name in LIBRARIES},
    }
