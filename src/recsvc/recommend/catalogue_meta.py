"""Catalogue metadata ranking does not need: provider, difficulty, links, role families...

The model state keeps only what ranking needs (titles, format, duration, language, skills
taught); the rest travels in three small bundle tables the trainer writes (``content_meta``,
``role_meta``, ``skill_meta``), rows in index order. A bundle written before they existed
still loads: those fields are then null.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from recsvc.errors import BundleIntegrityError
from recsvc.ids import IdIndex
from recsvc.recommend.state import ModelState

__all__ = ["META_TABLES", "CatalogueMeta"]

#: bundle table names, and the columns each carries beside its id (in index order)
META_TABLES: dict[str, tuple[str, tuple[str, ...]]] = {
    "content_meta": ("content_id", ("difficulty", "provider", "url", "description")),
    "role_meta": ("role_id", ("family", "level")),
    "skill_meta": ("skill_id", ("category", "parent_id")),
}


def _column(frame: pd.DataFrame | None, ids: IdIndex, key: str, name: str) -> list[Any]:
    """``frame[name]`` in ``ids`` order (None where missing, unknown or empty)."""
    out: list[Any] = [None] * len(ids)
    if frame is None or name not in frame.columns or key not in frame.columns:
        return out
    idx = ids.indices(frame[key].astype("string").fillna(""))
    present = frame[name].notna().tolist()
    for i, value, here in zip(idx.tolist(), frame[name].tolist(), present, strict=True):
        if i >= 0 and here and value != "":
            out[i] = value.item() if isinstance(value, np.generic) else value
    return out


@dataclass(frozen=True, eq=False)
class CatalogueMeta:
    """Per index row of content, roles and skills: the metadata ranking does not need."""

    columns: Mapping[str, Mapping[str, list[Any]]]  # table -> column -> values in index order

    @classmethod
    def empty(cls, state: ModelState) -> CatalogueMeta:
        return cls.from_tables(state.content, state.roles, state.skills, {})

    @classmethod
    def from_tables(
        cls,
        content: IdIndex,
        roles: IdIndex,
        skills: IdIndex,
        tables: Mapping[str, pd.DataFrame | None],
    ) -> CatalogueMeta:
        """From the clean contract tables (``content``, ``roles``, ``skills``), any absent."""
        sources = {"content_meta": "content", "role_meta": "roles", "skill_meta": "skills"}
        indices = {"content_meta": content, "role_meta": roles, "skill_meta": skills}
        columns: dict[str, dict[str, list[Any]]] = {}
        for table, (key, names) in META_TABLES.items():
            frame = tables.get(sources[table])
            columns[table] = {n: _column(frame, indices[table], key, n) for n in names}
        return cls(columns)

    @classmethod
    def from_bundle(cls, bundle: Any, state: ModelState) -> CatalogueMeta:
        """Read the tables, or empty metadata when the bundle predates them."""
        if not all(bundle.has(name) for name in META_TABLES):
            return cls.empty(state)
        indices = {
            "content_meta": state.content,
            "role_meta": state.roles,
            "skill_meta": state.skills,
        }
        columns: dict[str, dict[str, list[Any]]] = {}
        for table, (key, names) in META_TABLES.items():
            frame = bundle.table(table)
            ids = frame[key].astype(str).tolist() if key in frame.columns else None
            if ids != list(indices[table].ids):
                raise BundleIntegrityError(
                    f"bundle {bundle.version}: table {table} does not list the model's "
                    f"{key}s in order; retrain the bundle"
                )
            columns[table] = {n: _column(frame, indices[table], key, n) for n in names}
        return cls(columns)

    def to_tables(self, state: ModelState) -> dict[str, pd.DataFrame]:
        """The bundle tables (id column first, rows in index order)."""
        indices = {
            "content_meta": state.content,
            "role_meta": state.roles,
            "skill_meta": state.skills,
        }
        out = {}
        for table, (key, names) in META_TABLES.items():
            data: dict[str, Any] = {key: list(indices[table].ids)}
            for n in names:
                data[n] = pd.array(
                    self.columns[table][n],
                    dtype="Int64" if n in ("difficulty", "level") else "string",
                )
            out[table] = pd.DataFrame(data)
        return out
