"""Typed external ids and IdIndex, the mapping between string ids and contiguous row indices."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, NewType

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = ["ContentId", "EmployeeId", "IdIndex", "RoleId", "SkillId"]

EmployeeId = NewType("EmployeeId", str)
ContentId = NewType("ContentId", str)
SkillId = NewType("SkillId", str)
RoleId = NewType("RoleId", str)


class IdIndex:
    """Immutable bijection between external string ids and row indices ``0..n-1``.

    Built from sorted unique ids so that the same data always gives the same indices, which
    keeps matrices, bundles and rankings reproducible.
    """

    __slots__ = ("_arrow", "_ids", "_pos")

    def __init__(self, ids: Sequence[str]) -> None:
        ids_t = tuple(str(i) for i in ids)
        pos = {v: i for i, v in enumerate(ids_t)}
        if len(pos) != len(ids_t):
            raise ValueError("IdIndex ids must be unique")
        self._ids = ids_t
        self._pos = pos
        self._arrow: pa.Array | None = None

    @classmethod
    def from_values(cls, *columns: Iterable[object]) -> IdIndex:
        """Sorted unique non-missing ids found in any of ``columns``."""
        seen: set[str] = set()
        for col in columns:
            for v in col:
                if v is None or v is np.nan or (isinstance(v, float) and np.isnan(v)):
                    continue
                s = str(v)
                if s and s != "<NA>":
                    seen.add(s)
        return cls(sorted(seen))

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, item: object) -> bool:
        return item in self._pos

    def __eq__(self, other: object) -> bool:
        return isinstance(other, IdIndex) and self._ids == other._ids

    def __hash__(self) -> int:
        return hash(self._ids)

    def __repr__(self) -> str:
        return f"IdIndex(n={len(self._ids)})"

    @property
    def ids(self) -> tuple[str, ...]:
        """All ids in index order."""
        return self._ids

    def index_of(self, id_: str) -> int:
        """Row index of ``id_``; raises KeyError for unknown ids."""
        return self._pos[id_]

    def get(self, id_: str | None, default: int = -1) -> int:
        """Row index of ``id_`` or ``default`` when it is unknown or missing."""
        if id_ is None:
            return default
        return self._pos.get(id_, default)

    def id_of(self, idx: int) -> str:
        """External id at row ``idx``."""
        return self._ids[idx]

    def indices(self, ids: Iterable[object], default: int = -1) -> npt.NDArray[np.int64]:
        """Vectorised :meth:`get`: unknown or missing ids map to ``default``.

        A list of strings (and None) is looked up in one Arrow hash join; anything else
        one value at a time.
        """
        if isinstance(ids, list):
            import pyarrow as pa

            try:
                values = pa.array(ids, type=pa.string())
            except (pa.ArrowInvalid, pa.ArrowTypeError):
                pass
            else:
                return self.codes(values, default)
        pos = self._pos
        return np.fromiter(
            (pos.get(str(v), default) if v is not None else default for v in ids),
            dtype=np.int64,
        )

    def codes(self, values: pa.Array | pa.ChunkedArray, default: int = -1) -> npt.NDArray[np.int64]:
        """Row indices of an Arrow string column, hashed in C++ (null or unknown: ``default``).

        This is how a whole column of ids becomes integer codes once, when the dataset is
        built; later stages work on the codes.
        """
        import pyarrow as pa
        import pyarrow.compute as pc

        if self._arrow is None:
            self._arrow = pa.array(self._ids, type=pa.string())
        if not pa.types.is_string(values.type):
            values = values.cast(pa.string())
        found = pc.fill_null(pc.index_in(values, value_set=self._arrow), default)
        return np.asarray(found.to_numpy(zero_copy_only=False), dtype=np.int64)

    def to_array(self) -> npt.NDArray[np.str_]:
        """Ids as a fixed-width unicode array (how bundles store them, no pickle needed)."""
        if not self._ids:
            return np.array([], dtype="<U1")
        return np.array(self._ids, dtype=np.str_)
