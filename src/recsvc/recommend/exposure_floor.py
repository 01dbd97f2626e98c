"""The exposure floor: re-rank a list toward learning value for people whose group is short of it.

Equal access means every group gets about as much exposure to high-value learning as its
need warrants. When an audit finds a group under-exposed (see
:mod:`recsvc.evaluate.exposure`), its members get an *emphasis* ``a`` in [0, 1]: their list
is re-ranked, after the policy, from the policy's wider pool (``FLOOR_POOL * k`` items) by

    (1 - a) * policy score + a * learning value / the pool's largest value

so ``a = 0`` is the policy's own list and ``a = 1`` the pool by learning value alone. The
floor reads no protected attribute: it gets one number per employee (their emphasis),
calibrated offline and off unless configured.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recsvc.ids import IdIndex
from recsvc.recommend.policy import Ranked

__all__ = ["FLOOR_POOL", "ExposureFloor", "emphasise_value", "rerank"]

#: the re-ranking chooses from this many times k of the policy's best items
FLOOR_POOL = 3


def emphasise_value(
    scores: npt.ArrayLike, values: npt.ArrayLike, k: int, emphasis: float
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Positions (into the pool, given in the policy's order) of the re-ranked top ``k``,
    and their new scores (in [0, 1] when the policy's are, never rising down the list).

    With ``emphasis`` 0 the first ``k`` positions unchanged; ties keep the policy's order.
    """
    s = np.asarray(scores, dtype=np.float64)
    v = np.asarray(values, dtype=np.float64)
    a = float(np.clip(emphasis, 0.0, 1.0))
    if a == 0.0 or len(s) == 0:
        head = np.arange(min(k, len(s)), dtype=np.int64)
        return head, s[head]
    top = float(v.max())
    key = (1.0 - a) * s + a * (v / top if top > 0 else v)
    order = np.argsort(-key, kind="stable")[:k].astype(np.int64)
    return order, key[order]


def rerank(ranked: Ranked, value: npt.ArrayLike, k: int, emphasis: float) -> Ranked:
    """The policy's pool (``ranked``, about ``FLOOR_POOL * k`` items) re-ranked to ``k``."""
    pool = np.asarray(ranked.items, dtype=np.int64)
    pos, key = emphasise_value(ranked.scores, np.asarray(value)[pool], k, emphasis)
    return Ranked(pool[pos], key.astype(np.float32), np.asarray(ranked.has_value)[pos])


@dataclass(frozen=True)
class ExposureFloor:
    """Emphasis per employee index (0 for everyone not listed)."""

    emphasis: npt.NDArray[np.float32]

    @classmethod
    def from_document(cls, doc: Mapping[str, object], employees: IdIndex) -> ExposureFloor:
        """From ``{"emphasis": {employee_id: a}}`` (what ``recsvc report fairness`` writes).

        Employees the bundle does not know are skipped; a value outside [0, 1] is an error.
        """
        raw = doc.get("emphasis")
        if not isinstance(raw, Mapping):
            raise ValueError("exposure floor: 'emphasis' must map employee ids to numbers")
        out = np.zeros(len(employees), dtype=np.float32)
        for employee_id, value in raw.items():
            if not isinstance(value, int | float) or not 0.0 <= float(value) <= 1.0:
                raise ValueError(
                    f"exposure floor: emphasis of {employee_id!r} must be in [0, 1], got {value!r}"
                )
            u = employees.get(str(employee_id))
            if u >= 0:
                out[u] = float(value)
        return cls(out)

    def of(self, employee: int) -> float:
        return float(self.emphasis[employee]) if 0 <= employee < len(self.emphasis) else 0.0
