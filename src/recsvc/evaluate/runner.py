"""Rank the same allowed items for every evaluated employee with every model, side by side."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
import numpy.typing as npt

from recsvc.evaluate.baselines import Baseline, UserView
from recsvc.evaluate.closure import GroundTruth, as_lookup, estimated_closure, gap_profile
from recsvc.evaluate.need import TeachTable, need_view, true_levels
from recsvc.evaluate.skill_state import SkillPairs
from recsvc.evaluate.variants import Variant, serve_variant
from recsvc.metrics import FloatArray
from recsvc.models.base import top_k
from recsvc.recommend.candidates import UserSignals, build_signals
from recsvc.recommend.engine import Recommender
from recsvc.recommend.query import Context, Query, Recommendations
from recsvc.recommend.rules import allowed_items
from recsvc.recommend.state import ModelState

__all__ = ["NEED_ORACLE", "RankedLists", "rank_all"]

IntArray = npt.NDArray[np.int64]

#: the reference list that knows the truth (only with ground truth): not a model
NEED_ORACLE = "need-oracle"


@dataclass(frozen=True)
class RankedLists:
    """Top-k and wide lists (-1 padded) per model, and gap closure per model and employee.

    ``top_k[m]`` is exactly what model ``m`` shows at k (for the hybrid and its variants:
    ``Recommender.recommend``'s answer); ``wide[m]`` is the list at ``width`` for the
    metric-by-k curves. Closure arrays are NaN for employees without a gap. With ground
    truth, ``need_value`` (weighted levels) and ``true_closure`` are NaN without a true gap,
    ``waste`` is NaN for an empty list, and ``skill_pairs`` holds the estimate (mean, sd,
    evidence) and the true level of every required skill with a known truth.
    """

    users: IntArray
    k: int
    width: int
    top_k: dict[str, IntArray]
    wide: dict[str, IntArray]
    closure: dict[str, FloatArray]
    true_closure: dict[str, FloatArray]
    strategies: tuple[str, ...]
    need_value: dict[str, FloatArray] = field(default_factory=dict)
    waste: dict[str, FloatArray] = field(default_factory=dict)
    skill_pairs: SkillPairs | None = None

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
    teach = TeachTable.build(state.content_skill_level, truth) if truth is not None else None
    base = [b for b in baselines if b.scores is not None]
    served = [(v, serve_variant(rec, v)) for v in variants if v.ranker is not None]
    names = [b.name for b in base] + [v.name for v, _ in served]
    names += [NEED_ORACLE] if teach is not None else []
    n = len(users)
    top = {m: np.full((n, k), -1, dtype=np.int64) for m in names}
    wide = {m: np.full((n, width), -1, dtype=np.int64) for m in names}
    closure = {m: np.full(n, np.nan) for m in names}
    keys = ("true_closure", "need_value", "waste") if teach is not None else ()
    need = {key: {m: np.full(n, np.nan) for m in names} for key in keys}
    pairs: list[SkillPairs] = []
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
                recommender.recommend(
                    replace(
                        query,
                        k=kk,
                        diversity=v.diversity,
                        objective=v.objective,
                        include_refreshers=v.include_refreshers,
                    )
                )
                for kk in (k, width)
            ]
            short, long_ = (_indices(state, a) for a in answers)
            lists[v.name] = (short, long_)
            if v.name == "hybrid":
                strategies.append(answers[0].strategy)
        profile = gap_profile(state, signals)
        if truth is not None and teach is not None:
            true_level, known = true_levels(truth, int(u), signals.current)
            nv = need_view(profile, true_level, teach)
            best = nv.oracle(allowed, width)
            lists[NEED_ORACLE] = (best[:k], best)
            for m, (short, _) in lists.items():
                need["true_closure"][m][row] = nv.closure(short)
                need["need_value"][m][row] = nv.value(short)
                need["waste"][m][row] = nv.waste(short)
            pairs.append(_skill_pairs(signals, profile.skills[known[profile.skills]], true_level))
        for m, (short, long_) in lists.items():
            top[m][row, : len(short)] = short
            wide[m][row, : len(long_)] = long_
            if profile.has_gap:
                closure[m][row] = estimated_closure(profile, short, level)
        on_user()
    return RankedLists(
        users,
        k,
        width,
        top,
        wide,
        closure,
        need.get("true_closure", {}),
        tuple(strategies),
        need_value=need.get("need_value", {}),
        waste=need.get("waste", {}),
        skill_pairs=SkillPairs.concat(pairs) if teach is not None else None,
    )


def _skill_pairs(
    signals: UserSignals, skills: IntArray, true_level: npt.NDArray[np.float32]
) -> SkillPairs:
    """The request-time estimate of ``skills`` (level, sd, evidence) next to the truth."""
    return SkillPairs(
        mean=np.asarray(signals.current[skills], dtype=np.float64),
        sd=np.asarray(signals.level_sd[skills], dtype=np.float64),
        true=np.asarray(true_level[skills], dtype=np.float64),
        evidence=np.asarray(signals.evidence[skills], dtype=np.int8),
    )


def _indices(state: ModelState, answer: Recommendations) -> IntArray:
    return np.array([state.content.index_of(i.content_id) for i in answer.items], dtype=np.int64)
