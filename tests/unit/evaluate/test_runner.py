"""rank_all: every model ranks the same allowed items; known lists for the simple models."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp

from recsvc.dataset import build_dataset
from recsvc.evaluate.baselines import fit_baselines
from recsvc.evaluate.closure import GroundTruth, as_lookup, gap_profile, true_closure
from recsvc.evaluate.need import truth_at_cut
from recsvc.evaluate.runner import NEED_ORACLE, RankedLists, rank_all
from recsvc.evaluate.split import time_based_split
from recsvc.evaluate.variants import hybrid_variants
from recsvc.models.base import top_k
from recsvc.recommend import Context, Query, Recommender
from recsvc.recommend.candidates import build_signals
from recsvc.recommend.rules import allowed_items
from recsvc.sample.organisation import SampleOrganisation
from recsvc.training.fit import fit_hybrid

K, WIDTH = 5, 8


@dataclass
class Ranked:
    rec: Recommender
    lists: RankedLists
    truth: GroundTruth


@pytest.fixture(scope="module")
def ranked(organisation: SampleOrganisation, sample_dir: Path) -> Ranked:
    split = time_based_split(build_dataset(organisation.tables), seed=1)
    fitted = fit_hybrid(split.train, seed=1, tune_trials=1)
    rec = Recommender(fitted.state)
    baselines = fit_baselines(fitted, rec.state)
    variants = hybrid_variants(fitted, seed=1)
    truth = GroundTruth.read(sample_dir / "ground_truth", rec.state)
    lists = rank_all(rec, split.users[:40], baselines, variants, k=K, width=WIDTH, truth=truth)
    return Ranked(rec, lists, truth)


def _allowed(rec: Recommender, u: int) -> np.ndarray:
    eid = rec.state.employees.id_of(int(u))
    signals = build_signals(rec.state, eid, Context())
    return np.flatnonzero(allowed_items(rec.state, signals, Query(eid, k=K)))


def test_popularity_lists_are_the_most_popular_allowed_items(ranked: Ranked) -> None:
    pop = np.asarray(ranked.rec.state.pop_all, dtype=np.float32)
    for row, u in enumerate(ranked.lists.users):
        allowed = _allowed(ranked.rec, int(u))
        expected = allowed[top_k(pop[allowed], WIDTH)]
        np.testing.assert_array_equal(ranked.lists.wide["popularity"][row], expected)
        np.testing.assert_array_equal(ranked.lists.top_k["popularity"][row], expected[:K])


def test_no_model_shows_what_the_rules_forbid(ranked: Ranked) -> None:
    for row, u in enumerate(ranked.lists.users):
        allowed = set(_allowed(ranked.rec, int(u)).tolist())
        for name in ranked.lists.models:
            shown = ranked.lists.wide[name][row]
            shown = shown[shown >= 0]
            assert set(shown.tolist()) <= allowed, name
            assert len(set(shown.tolist())) == len(shown), name  # no repeats


def test_hybrid_row_is_the_service_answer(ranked: Ranked) -> None:
    state = ranked.rec.state
    for row, u in enumerate(ranked.lists.users[:10]):
        answer = ranked.rec.recommend(Query(state.employees.id_of(int(u)), k=K))
        ids = [state.content.index_of(i.content_id) for i in answer.items]
        assert ranked.lists.top_k["hybrid"][row].tolist() == ids


def test_each_ablation_is_served_with_its_own_weights(ranked: Ranked) -> None:
    """Variants are answers of real Recommenders; only the ranker (or diversity) differs."""
    lists = ranked.lists
    assert set(lists.models) >= {"hybrid-skills", "hybrid-content", "hybrid-cf", "hybrid-ranker"}
    for name in ("hybrid-content", "hybrid-cf", "hybrid-ranker"):
        assert (lists.top_k[name] != lists.top_k["hybrid"]).any(), name
    # diversity 0 keeps the relevance order, so MMR can only move items within the pool
    state = ranked.rec.state
    for row, u in enumerate(lists.users[:10]):
        answer = ranked.rec.recommend(Query(state.employees.id_of(int(u)), k=K, diversity=0.0))
        scores = [i.score for i in answer.items]
        assert scores == sorted(scores, reverse=True)
        assert lists.top_k["hybrid-diversity"][row].tolist() == [
            state.content.index_of(i.content_id) for i in answer.items
        ]


def test_closure_is_defined_for_employees_with_a_gap(ranked: Ranked) -> None:
    closure = ranked.lists.closure["hybrid"]
    assert np.isfinite(closure).sum() > 0
    finite = closure[np.isfinite(closure)]
    assert ((finite >= 0) & (finite <= 1)).all()


def test_true_closure_matches_the_reference_implementation(ranked: Ranked) -> None:
    """The vectorised need path gives what ``true_closure`` gives, list by list."""
    state = ranked.rec.state
    level = as_lookup(state.content_skill_level)
    lists = ranked.lists
    checked = 0
    for row, u in enumerate(lists.users[:15]):
        signals = build_signals(state, state.employees.id_of(int(u)), Context())
        profile = gap_profile(state, signals)
        for name in ("hybrid", "popularity", NEED_ORACLE):
            got = lists.true_closure[name][row]
            want = true_closure(profile, int(u), lists.top_k[name][row], ranked.truth, level)
            if np.isnan(want):
                assert np.isnan(got) or not profile.has_gap
                continue
            assert got == pytest.approx(want, abs=1e-5), name
            checked += 1
    assert checked > 0


def _dense(m: np.ndarray | sp.spmatrix) -> np.ndarray:
    return m if isinstance(m, np.ndarray) else m.toarray()


def test_replaying_every_completion_gives_the_samples_final_levels(
    organisation: SampleOrganisation, sample_dir: Path, ranked: Ranked
) -> None:
    """The cut-time truth rests on replaying completions; over the whole data it must land
    where the generator did."""
    state = ranked.rec.state
    replayed = truth_at_cut(sample_dir / "ground_truth", state, build_dataset(organisation.tables))
    known = _dense(ranked.truth.known) > 0
    start, final, got = (
        _dense(m)[known] for m in (ranked.truth.start_levels, ranked.truth.levels, replayed.levels)
    )
    moved = np.abs(final - start)
    assert (moved > 0.01).mean() > 0.2  # the sample's people really learnt
    assert np.abs(final - got).mean() < 0.05 * moved.mean()


def test_need_oracle_leads_on_need_and_wastes_nothing(ranked: Ranked) -> None:
    lists = ranked.lists
    oracle = lists.need_value[NEED_ORACLE]
    assert np.isfinite(oracle).sum() > 0
    for name in lists.models:
        assert np.nanmean(oracle) >= np.nanmean(lists.need_value[name]), name
        waste = lists.waste[name][np.isfinite(lists.waste[name])]
        assert ((waste >= 0) & (waste <= 1)).all()
    assert np.nansum(lists.waste[NEED_ORACLE]) == 0.0
    # the oracle's list at k is the prefix of its longer list (greedy is prefix-consistent)
    np.testing.assert_array_equal(lists.top_k[NEED_ORACLE], lists.wide[NEED_ORACLE][:, :K])


def test_skill_pairs_hold_required_skills_with_a_true_level(ranked: Ranked) -> None:
    pairs = ranked.lists.skill_pairs
    assert pairs is not None and len(pairs.mean) > len(ranked.lists.users)
    assert len(pairs.mean) == len(pairs.sd) == len(pairs.true) == len(pairs.evidence)
    assert (pairs.sd > 0).all() and ((pairs.true >= 0) & (pairs.true <= 5)).all()
    assert set(np.unique(pairs.evidence).tolist()) <= {0, 1, 2, 3}
