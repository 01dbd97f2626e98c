"""Next roles on a two-step career ladder with known likelihoods, readiness and move counts."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from careers_org import ANA, JUN, SENIOR_DAYS
from recsvc.errors import UnknownEmployeeError, UnknownRoleError
from recsvc.recommend import Context, Query, Recommender
from recsvc.recommend.careers.groups import MIN_GROUP, group_counts
from recsvc.recommend.careers.likelihood import most_likely_next, next_role_likelihood
from recsvc.recommend.careers.next_roles import DAYS_PER_MONTH


def test_likelihood_blends_declared_paths_with_observed_moves() -> None:
    paths = sp.csr_matrix(np.array([[0, 3.0, 1.0], [0, 0, 0], [0, 0, 0]]))
    moves = sp.csr_matrix(np.array([[0, 0, 10.0], [0, 0, 0], [5.0, 0, 0]]))
    like = next_role_likelihood(paths, moves).toarray()
    # role 0: 10 moves to 2; paths 3:1 worth 10 moves -> (10*[0,0,1] + 10*[0,.75,.25]) / 20
    np.testing.assert_allclose(like[0], [0, 0.375, 0.625])
    np.testing.assert_allclose(like[1], [0, 0, 0])  # nothing leads away
    np.testing.assert_allclose(like[2], [1, 0, 0])  # observed moves alone
    assert most_likely_next(next_role_likelihood(paths, moves)).tolist() == [2, -1, 0]


def test_group_counts_hide_groups_under_five() -> None:
    codes = np.array([0] * 7 + [1] * 4 + [2] * 5 + [-1] * 2)
    shown, hidden = group_counts(codes, ["a", "b", "c"])
    assert shown == [("a", 7), ("c", 5)]
    assert hidden == 6
    # three people left over could be told apart by differencing: a small group joins them
    shown, hidden = group_counts(np.array([0] * 7 + [1] * 3 + [2] * 6), ["a", "b", "c"])
    assert shown == [("a", 7)] and hidden == 9


def test_the_ladder_gives_the_right_next_role_and_readiness(
    careers_recommender: Recommender,
) -> None:
    answer = careers_recommender.next_roles(ANA, k=5)
    assert answer.role_id == "analyst"
    assert [r.role_id for r in answer.roles] == ["senior", "manager"]
    senior, manager = answer.roles
    assert senior.likelihood == pytest.approx(0.875, abs=1e-4)
    assert manager.likelihood == pytest.approx(0.125, abs=1e-4)
    # tests at SQL 3, Statistics 2, Python 2, Communication 1 against 4, 4, 3, 2; the role
    # prior of an analyst shrinks the Statistics estimate a little toward the analysts' level
    assert senior.readiness == pytest.approx(8 / 13, abs=0.01)
    required = {"sql": 4.0, "stats": 4.0, "python": 3.0, "comms": 2.0}
    met = {g.skill_id: g.current_level for g in senior.gaps}
    assert senior.readiness == pytest.approx(sum(met.values()) / sum(required.values()), abs=1e-3)
    assert [g.skill_id for g in senior.gaps][0] == "stats"  # the largest gap first
    assert {g.skill_id: g.gap for g in senior.gaps} == pytest.approx(
        {"stats": 2.0, "sql": 1.0, "python": 1.0, "comms": 1.0}, abs=0.1
    )
    assert senior.sources == ("career_path", "observed_moves")
    assert senior.people_moved == len(SENIOR_DAYS)
    assert senior.typical_months == pytest.approx(735 / DAYS_PER_MONTH, abs=0.1)
    # three people moved to manager: too few to count
    assert manager.people_moved is None and manager.typical_months is None
    assert manager.sources == ("career_path",)
    assert answer.months_in_role == pytest.approx(365 / DAYS_PER_MONTH, abs=0.1)


def test_small_groups_never_reach_the_bundle(careers_recommender: Recommender) -> None:
    st = careers_recommender.state
    assert st.role_moves.nnz == 1  # only analyst -> senior (6 people)
    assert (st.role_moves.data >= MIN_GROUP).all()
    junior = careers_recommender.next_roles(JUN, k=3)
    assert [r.role_id for r in junior.roles] == ["analyst"]
    assert junior.roles[0].likelihood == pytest.approx(1.0)
    assert junior.roles[0].people_moved is None  # four people: hidden


def test_unknown_employee_needs_a_role(careers_recommender: Recommender) -> None:
    with pytest.raises(UnknownEmployeeError, match="role_id"):
        careers_recommender.next_roles("nobody", k=3)
    with pytest.raises(UnknownRoleError):
        careers_recommender.next_roles("nobody", k=3, role_id="astronaut")
    answer = careers_recommender.next_roles("nobody", k=3, role_id="analyst")
    assert answer.roles[0].role_id == "senior" and answer.months_in_role is None


def test_without_a_target_role_recommendations_grow_toward_the_next_role(
    careers_recommender: Recommender,
) -> None:
    assert careers_recommender.state.role_next[
        careers_recommender.state.roles.index_of("analyst")
    ] == (careers_recommender.state.roles.index_of("senior"))
    answer = careers_recommender.recommend(Query(ANA, k=10))
    reasons = [r for item in answer.items for r in item.reasons]
    growth = [r for r in reasons if r.code == "skill_gap_next_role"]
    assert growth, [r.code for r in reasons]
    assert all(r.details["role_id"] == "senior" for r in growth)
    assert all("most likely next role" in r.text and "no target role" in r.text for r in growth)
    # a target role set by the caller is not a default: no next-role reasons then
    chosen = careers_recommender.recommend(
        Query(
            ANA,
            k=10,
            context=Context(target_role_id="manager"),
        )
    )
    assert not any(r.code == "skill_gap_next_role" for i in chosen.items for r in i.reasons)
