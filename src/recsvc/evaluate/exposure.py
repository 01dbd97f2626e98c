"""Equal access: each audit group's exposure to high-value learning relative to its need.

For an employee with list ``L`` (top k), *exposure* is the learning value the list shows,
weighted by position (``sum_r value(L_r) / log2(r + 1)``, r from 1), and *need* the weighted
skill gap the bundle estimates (``sum_s weight_s * gap_s``). A group's *exposure ratio* is its
exposure per unit of need over everyone's:

    ratio_g = (sum_g exposure / sum_g need) / (sum_all exposure / sum_all need)

1.0 is parity; the floor's band is [``LOW``, ``HIGH``]. Groups with fewer than
:data:`recsvc.evaluate.fairness.MIN_GROUP` employees are listed but not judged.

:func:`calibrate_floor` raises the emphasis (:mod:`recsvc.recommend.exposure_floor`) of the
group furthest below parity, a step at a time, until every judged group of every audit
attribute is in the band (or that group is at full emphasis: the band is out of the floor's
reach, and the audit says so); a person's emphasis is the largest of their groups'. The audit
reports the ratios without and with the floor and what it costs in need value (the sample's
true need value when its truth is given, else the estimated learning value shown).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from recsvc.evaluate.fairness import MIN_GROUP
from recsvc.privacy import MIN_GROUP as PEER_FLOOR
from recsvc.recommend.exposure_floor import FLOOR_POOL, emphasise_value

__all__ = ["HIGH", "LOW", "MAX_LOSS", "ExposureAudit", "Pools", "calibrate_floor"]

LOW, HIGH = 0.8, 1.25
#: largest acceptable loss of need value for the floor (share of the unfloored total)
MAX_LOSS = 0.02
#: emphasis is raised in steps of this size
STEP = 0.1
F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Pools:
    """Per employee: the policy's pool (``FLOOR_POOL * k`` items in its order) and need.

    ``true_value(u, positions)`` gives the true need value of a list (positions into u's
    pool) when a sample's truth is known; None otherwise.
    """

    k: int
    scores: list[F64]
    values: list[F64]
    need: F64
    true_value: Callable[[int, npt.NDArray[np.int64]], float] | None = None

    def lists(self, emphasis: F64) -> list[npt.NDArray[np.int64]]:
        return [
            emphasise_value(s, v, self.k, float(a))[0]
            for s, v, a in zip(self.scores, self.values, emphasis, strict=True)
        ]

    def exposure(self, lists: list[npt.NDArray[np.int64]]) -> F64:
        out = np.zeros(len(lists))
        for u, pos in enumerate(lists):
            shown = self.values[u][pos]
            out[u] = float((shown / np.log2(np.arange(len(shown)) + 2.0)).sum())
        return out

    def need_value(self, lists: list[npt.NDArray[np.int64]]) -> float:
        """Summed true need value (else estimated learning value shown) of the lists."""
        if self.true_value is not None:
            vals = [self.true_value(u, pos) for u, pos in enumerate(lists)]
            return float(np.nansum(vals))
        return float(sum(self.values[u][pos].sum() for u, pos in enumerate(lists)))


@dataclass
class GroupExposure:
    group: str
    n: int
    need: float
    ratio_before: float
    ratio_after: float
    emphasis: float


@dataclass
class ExposureAudit:
    """Ratios per audit attribute and group without and with the floor, and the cost."""

    groups: dict[str, list[GroupExposure]] = field(default_factory=dict)
    in_band_before: bool = True
    in_band_after: bool = True
    need_value_before: float = float("nan")
    need_value_after: float = float("nan")
    truth: bool = False
    steps: int = 0
    band: tuple[float, float] = (LOW, HIGH)

    @property
    def loss(self) -> float:
        """Share of need value the floor gives up (negative: it gained)."""
        if not self.need_value_before:
            return float("nan")
        return 1.0 - self.need_value_after / self.need_value_before

    def to_dict(self) -> dict[str, object]:
        return {
            "band": list(self.band),
            "in_band_before": self.in_band_before,
            "in_band_after": self.in_band_after,
            "need_value_before": _finite(self.need_value_before),
            "need_value_after": _finite(self.need_value_after),
            "need_value_is_true": self.truth,
            "need_value_loss": _finite(self.loss),
            "max_loss": MAX_LOSS,
            "steps": self.steps,
            "attributes": {
                a: [{k: _finite(v) for k, v in vars(g).items()} for g in rows]
                for a, rows in self.groups.items()
            },
        }


def _finite(value: object) -> object:
    """NaN and infinities as None (JSON has no NaN)."""
    return None if isinstance(value, float) and not np.isfinite(value) else value


def _ratios(labels: npt.NDArray[np.object_], exposure: F64, need: F64) -> dict[str, float]:
    overall = exposure.sum() / need.sum() if need.sum() > 0 else float("nan")
    out = {}
    for name in sorted({str(x) for x in labels}):
        member = labels == name
        if member.sum() < MIN_GROUP or need[member].sum() <= 0 or not overall:
            out[name] = float("nan")
            continue
        out[name] = float(exposure[member].sum() / need[member].sum() / overall)
    return out


def _in_band(ratios: Mapping[str, Mapping[str, float]], band: tuple[float, float]) -> bool:
    judged = [r for per in ratios.values() for r in per.values() if np.isfinite(r)]
    return all(band[0] <= r <= band[1] for r in judged)


def calibrate_floor(
    pools: Pools,
    labels: Mapping[str, npt.NDArray[np.object_]],
    *,
    band: tuple[float, float] = (LOW, HIGH),
    max_steps: int = 100,
) -> tuple[ExposureAudit, F64]:
    """The audit and each employee's emphasis (aligned with ``pools``; see module doc).

    ``labels[attribute]`` is each pooled employee's group; ``band`` the accepted ratios.
    """
    if not 0.0 < band[0] <= 1.0 <= band[1]:
        raise ValueError(f"the exposure band must contain 1.0 (parity), got {band}")
    n = len(pools.scores)
    alpha: dict[tuple[str, str], float] = {}
    before_lists = pools.lists(np.zeros(n))
    before_exp = pools.exposure(before_lists)
    before = {a: _ratios(g, before_exp, pools.need) for a, g in labels.items()}
    emphasis, ratios, steps = np.zeros(n), before, 0
    while not _in_band(ratios, band) and steps < max_steps:
        judged = [(r, a, g) for a, per in ratios.items() for g, r in per.items() if np.isfinite(r)]
        # raise the group furthest below parity; once it is at full emphasis, raising any
        # other group only lowers its ratio further: the band cannot be reached
        _, a, g = min(judged)
        if alpha.get((a, g), 0.0) >= 1.0:
            break
        alpha[(a, g)] = min(1.0, alpha.get((a, g), 0.0) + STEP)
        emphasis = np.zeros(n)
        for (attr, group), value in alpha.items():
            emphasis = np.where(labels[attr] == group, np.maximum(emphasis, value), emphasis)
        ratios = {at: _ratios(lab, pools.exposure(pools.lists(emphasis)), pools.need)
                  for at, lab in labels.items()}  # fmt: skip
        steps += 1
    after_lists = pools.lists(emphasis)
    audit = ExposureAudit(
        in_band_before=_in_band(before, band),
        in_band_after=_in_band(ratios, band),
        need_value_before=pools.need_value(before_lists),
        need_value_after=pools.need_value(after_lists),
        truth=pools.true_value is not None,
        steps=steps,
        band=band,
    )
    for attr, lab in labels.items():
        audit.groups[attr] = [
            GroupExposure(
                group=g,
                n=int((lab == g).sum()),
                need=float(pools.need[lab == g].sum())
                if (lab == g).sum() >= PEER_FLOOR
                else np.nan,
                ratio_before=before[attr][g],
                ratio_after=ratios[attr][g],
                emphasis=alpha.get((attr, g), 0.0),
            )
            for g in before[attr]
        ]
    return audit, emphasis


__all__ += ["GroupExposure", "FLOOR_POOL"]
