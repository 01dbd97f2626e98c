"""Regenerate the per-table column reference in docs/data-contract.md from recsvc.contract.

Usage: ``python tools/gen_contract_doc.py`` (rewrites the generated part in place) or
``python tools/gen_contract_doc.py --check`` (exit 1 when the document is out of date).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from recsvc.contract import TABLE_ORDER, TABLES, ColumnKind, ColumnSpec, TableSpec

__all__ = ["BEGIN", "DOC", "END", "main", "render_tables", "update"]

DOC = Path(__file__).resolve().parents[1] / "docs" / "data-contract.md"
BEGIN = "<!-- BEGIN GENERATED: tools/gen_contract_doc.py -->"
END = "<!-- END GENERATED -->"

_TYPES = {
    ColumnKind.ID: "id (text)",
    ColumnKind.TEXT: "text",
    ColumnKind.INT: "integer",
    ColumnKind.FLOAT: "number",
    ColumnKind.BOOL: "boolean",
    ColumnKind.TIMESTAMP: "timestamp (ISO 8601)",
    ColumnKind.ENUM: "one of a list",
}


def _allowed(col: ColumnSpec) -> str:
    parts = []
    if col.allowed:
        parts.append(", ".join(f"`{v}`" for v in col.allowed))
    if col.minimum is not None and col.maximum is not None:
        parts.append(f"{col.minimum:g} to {col.maximum:g}")
    elif col.minimum is not None:
        parts.append(f">= {col.minimum:g}")
    elif col.maximum is not None:
        parts.append(f"<= {col.maximum:g}")
    if col.kind is ColumnKind.BOOL:
        parts.append("true/false, 1/0, yes/no")
    if col.description:
        parts.append(col.description)
    return "; ".join(parts)


def _default(col: ColumnSpec) -> str:
    if col.default is None:
        return ""
    if isinstance(col.default, bool):
        return f"`{str(col.default).lower()}`"
    return f"`{col.default}`" if col.default != "" else '`""` (empty)'


def _table(spec: TableSpec) -> list[str]:
    need = "**required**" if spec.required else "optional"
    key = ", ".join(f"`{k}`" for k in spec.primary_key) or "none (rows may repeat)"
    lines = [
        f"### `{spec.name}` ({need})",
        "",
        spec.description,
        "",
        f"- Enables: {spec.enables}",
        f"- Primary key: {key}",
        "",
        "| column | type | required | allowed values / range | default | references |",
        "|---|---|---|---|---|---|",
    ]
    for col in spec.columns:
        ref = f"`{col.references}`" if col.references else ""
        lines.append(
            f"| `{col.name}` | {_TYPES[col.kind]} | {'yes' if col.required else 'no'} | "
            f"{_allowed(col)} | {_default(col)} | {ref} |"
        )
    if spec.allow_audit_columns:
        lines.append(
            "| `audit_*` | text | no | protected attributes for fairness audits only; "
            "never model features | | |"
        )
    return [*lines, ""]


def render_tables() -> str:
    """The generated part: one section per table, in dependency order."""
    lines = [BEGIN, ""]
    for name in TABLE_ORDER:
        lines += _table(TABLES[name])
    return "\n".join([*lines, END])


def update(text: str) -> str:
    """``text`` with its generated part replaced by the current contract."""
    start, end = text.index(BEGIN), text.index(END) + len(END)
    return text[:start] + render_tables() + text[end:]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the doc is out of date")
    args = parser.parse_args(argv)
    text = DOC.read_text(encoding="utf-8")
    fresh = update(text)
    if args.check:
        if fresh != text:
            sys.stderr.write(f"{DOC} is out of date: run python tools/gen_contract_doc.py\n")
            return 1
        return 0
    DOC.write_text(fresh, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
