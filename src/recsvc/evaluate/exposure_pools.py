"""Collect what the exposure audit needs from a served recommender: pools, need, true value."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt

from recsvc.evaluate.closure import GroundTruth, gap_profile
from recsvc.evaluate.exposure import Pools
from recsvc.evaluate.need import NeedView, TeachTable, need_view, true_levels
from recsvc.recommend import Recommender
from recsvc.recommend.candidates import build_signals
from recsvc.recommend.exposure_floor import FLOOR_POOL
from recsvc.recommend.query import Context, Query

__all__ = ["build_pools"]


def build_pools(
    rec: Recommender,
    users: npt.ArrayLike,
    *,
    k: int,
    truth: GroundTruth | None = None,
    on_user: Callable[[], None] = lambda: None,
) -> Pools:
    """Each employee's need-first pool of ``FLOOR_POOL * k`` items, as the service ranks it."""
    st = rec.state
    teach = TeachTable.build(st.content_skill_level, truth) if truth is not None else None
    scores: list[npt.NDArray[np.float64]] = []
    values: list[npt.NDArray[np.float64]] = []
    items: list[npt.NDArray[np.int64]] = []
    views: list[NeedView | None] = []
    need = []
    for u in np.asarray(users, dtype=np.int64).tolist():
        employee_id = st.employees.id_of(u)
        answer = rec.recommend(Query(employee_id, k=FLOOR_POOL * k, explain=False))
        scores.append(np.array([i.score for i in answer.items], dtype=np.float64))
        values.append(np.array([i.learning_value for i in answer.items], dtype=np.float64))
        items.append(st.content.indices([i.content_id for i in answer.items]))
        signals = build_signals(st, employee_id, Context())
        need.append(float((signals.need.skill_factor() * signals.need.gap).sum()))
        if truth is not None and teach is not None:
            level, _ = true_levels(truth, u, signals.current)
            views.append(need_view(gap_profile(st, signals), level, teach))
        on_user()

    true_value = None
    if truth is not None:

        def true_value(row: int, positions: npt.NDArray[np.int64]) -> float:
            view = views[row]
            return view.value(items[row][positions]) if view is not None else float("nan")

    return Pools(k, scores, values, np.asarray(need, dtype=np.float64), true_value)
