"""Rank the same allowed items for every evaluated employee with every model, side by side."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from recsvc.evaluate.baselines import Baseline, UserView
from recsvc.evaluate.closure import (
    GroundTruth,
    as_lookup,
    estimated_closure,
    gap_profile,
    true_closure,
)
from recsvc.evaluate.variants import Variant, serve_variant
from recsvc.metrics import FloatArray
from recsvc.models.base import top_k
from recsvc.recommend.candidates import build_signals
from recsvc.recommend.engine import Recommender
from recsvc.recommend.query import Context, Query, Recommendations
from recsvc.recommend.rules import allowed_items
from recsvc.recommend.state import ModelState

__all__ = ["RankedLists", "rank_all"]

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True)
class RankedLists:
    """Top-k and wide lists (-1 padded) per model, and gap closure per model and employee.

    ``top_k[m]`` is exactly what model ``m`` shows at k (for the hybrid and its variants:
    ``Recommender.recommend``'s answer); ``wide[m]`` is the list at ``width`` for the
    metric-by-k curves. Closure arrays
    are NaN for employees without a gap.
    """

    users: IntArray
    k: int
    width: int
    top_k: dict[str, IntArray]
    wide: dict[str, IntArray]
    closure: dict[str, FloatArray]
    true_closure: dict[str, FloatArray]
    strategies: tuple[str, ...]

    @property
    def models(self) -> list[str]:
        return list(self.top_k)


def rank_all(
    rec: Recommender,
    users: IntArray,
    baselines: Sequence[Baseline],
    variants: Sequence[Variant],
    *,
    k: int,
    width: int,
    truth: GroundTruth | None = None,
    on_user: Callable[[], None] = lambda: None,
) -> RankedLists:
    """Lists of every available model for ``users`` (employee indices of ``rec.state``).

    Baselines rank the items the service's business rules allow for that employee; the
    hybrid and its variants are answers of ``Recommender.recommend`` itself (one request at
    k and one at ``width``: MMR pools depend on k, so the longer list is not a prefix).
    """
    state = rec.state
    level = as_lookup(state.content_skill_level)
    base = [b for b in baselines if b.scores is not None]
    served = [(v, serve_variant(rec, v)) for v in variants if v.ranker is not None]
    names = [b.name for b in base] + [v.name for v, _ in served]
    n = len(users)
    top = {m: np.full((n, k), -1, dtype=np.int64) for m in names}
    wide = {m: np.full((n, width), -1, dtype=np.int64) for m in names}
    closure = {m: np.full(n, np.nan) for m in names}
    true_c = {m: np.full(n, np.nan) for m in names} if truth is not None else {}
    strategies = []
    for row, u in enumerate(users):
        employee_id = state.employees.id_of(int(u))
        query = Query(employee_id, k=k, explain=False)
        signals = build_signals(state, employee_id, Context())
        allowed = np.flatnonzero(allowed_items(state, signals, query)).astype(np.int64)
        view = UserView(int(u), signals, allowed)
        lists: dict[str, tuple[IntArray, IntArray]] = {}
        for b in base:
            assert b.scores is not None
            best = allowed[top_k(b.scores(view)[allowed], width)]
            lists[b.name] = (best[:k], best)
        for v, recommender in served:
            answers = [
                recommender.recommend(replace(query, k=kk, diversity=v.diversity))
                for kk in (k, width)
            ]
            short, long_ = (_indices(state, a) for a in answers)
            lists[v.name] = (short, long_)
            if v.name == "hybrid":
                strategies.append(answers[0].strategy)
        profile = gap_profile(state, signals)
        for m, (short, long_) in lists.items():
            top[m][row, : len(short)] = short
            wide[m][row, : len(long_)] = long_
            if profile.has_gap:
                closure[m][row] = estimated_closure(profile, short, level)
                if truth is not None:
                    true_c[m][row] = true_closure(profile, int(u), short, truth, level)
        on_user()
    return RankedLists(users, k, width, top, wide, closure, true_c, tuple(strategies))


def _indices(state: ModelState, answer: Recommendations) -> IntArray:
    return np.array([state.content.index_of(i.content_id) for i in answer.items], dtype=np.int64)
