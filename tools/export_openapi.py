"""Regenerate openapi.yaml at the repository root from the app; `--check` fails when stale."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from recsvc.service.spec import OPENAPI_FILE, render_openapi

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    """Write the spec, or with ``--check`` exit 1 when the committed file is out of date."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if openapi.yaml is stale")
    args = parser.parse_args(argv)
    target = ROOT / OPENAPI_FILE
    fresh = render_openapi()
    if args.check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != fresh:
            sys.stderr.write(f"{OPENAPI_FILE} is stale; run: python tools/export_openapi.py\n")
            return 1
        return 0
    target.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
