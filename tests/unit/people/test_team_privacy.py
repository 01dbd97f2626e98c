"""Teams are shown only when the organisation minus every shown team singles no one out."""

from __future__ import annotations

import itertools

import numpy as np

from recsvc.privacy import (
    MIN_GROUP,
    known_groups,
    nested_difference_safe,
    publishable_beside,
    publishable_groups,
)


def test_people_in_no_team_count_toward_the_remainder() -> None:
    # a team of 9 and a team of 3: showing the 9 would let "organisation minus 9" reveal 3
    assert publishable_groups([9, 3], 5).tolist() == [False, False]
    # with 80 people outside every team the remainder is 83: the 9 can be shown
    assert publishable_groups([9, 3], 5, outside=80).tolist() == [True, False]
    # two people outside and no small team: a remainder of 2 hides the smallest team too
    assert publishable_groups([9, 6], 5, outside=2).tolist() == [True, False]


def derivable_below(sets: list[np.ndarray], below: int = MIN_GROUP) -> list[tuple[int, ...]]:
    """Sets of 1 to ``below - 1`` people whose total is a linear combination of ``sets``'."""
    m = np.vstack(sets).astype(np.float64)
    projector = np.linalg.pinv(m) @ m
    n = m.shape[1]
    combos = [c for size in range(1, below) for c in itertools.combinations(range(n), size)]
    x = np.zeros((len(combos), n))
    for row, c in enumerate(combos):
        x[row, list(c)] = 1.0
    hit = np.isclose(x @ projector, x, atol=1e-8).all(axis=1)
    return [c for c, h in zip(combos, hit, strict=True) if h]


def shown_sets(labels: np.ndarray, shown: np.ndarray) -> list[np.ndarray]:
    return [labels == g for g in np.flatnonzero(shown)]


def test_a_role_minus_its_one_team_is_withheld() -> None:
    # analysts 0-9, nine of them (1-9) one manager's team; six others (10-15) in no team
    roles = np.r_[np.zeros(10, np.int64), np.ones(6, np.int64)]
    teams = np.r_[-1, np.zeros(9, np.int64), np.full(6, -1)]
    assert publishable_groups([9], MIN_GROUP, outside=7).tolist() == [True]
    assert publishable_groups([10, 6], MIN_GROUP).tolist() == [True, True]
    naive = [np.ones(16, bool), roles == 0, roles == 1, teams == 0]
    assert derivable_below(naive) == [(0,)]  # what the floor within groupings allowed
    known_teams = known_groups(teams, np.array([True]))
    assert not nested_difference_safe(roles, 0, [known_teams])  # analysts minus the team
    # the organisation minus the team (0 and 10-15) minus the others' role is 0 as well
    assert not nested_difference_safe(roles, 1, [known_teams])
    assert publishable_beside(roles, [teams]).tolist() == [False, False]
    kept = [np.ones(16, bool), teams == 0]
    assert derivable_below(kept) == []


def test_a_department_minus_its_teams_is_withheld() -> None:
    # department 0: two teams of 6 (0-5, 6-11) and person 12 in a team of one;
    # department 1: eight people in no team (13-20)
    departments = np.r_[np.zeros(13, np.int64), np.ones(8, np.int64)]
    teams = np.r_[np.zeros(6, np.int64), np.ones(6, np.int64), 2, np.full(8, -1)]
    shown_teams = publishable_groups([6, 6, 1], MIN_GROUP, outside=8)
    assert shown_teams.tolist() == [True, True, False]
    naive = [np.ones(21, bool), *shown_sets(teams, shown_teams), departments == 0]
    assert derivable_below(naive) == [(12,)]  # department 0 minus its two teams
    assert publishable_beside(departments, [teams]).tolist() == [False, False]
    kept = [np.ones(21, bool), *shown_sets(teams, shown_teams)]
    assert derivable_below(kept) == []


def test_no_one_is_singled_out_by_teams_departments_and_roles_together() -> None:
    """Random organisations: teams shown by the floor within teams, departments and roles
    beside each other and the teams (as the skills report does); an attacker holding the
    organisation's figure and every shown group's finds no set of 1 to 4 people."""
    rng = np.random.default_rng(1)
    tried = 0
    for _ in range(120):
        n = int(rng.integers(10, 15))
        teams = rng.integers(-1, int(rng.integers(1, 4)), n)
        if rng.random() < 0.5:  # departments made of teams, as in most organisations
            departments = np.where(teams >= 0, teams // 2, rng.integers(-1, 2, n))
        else:
            departments = rng.integers(-1, 3, n)
        roles = rng.integers(-1, int(rng.integers(1, 4)), n)
        team_sizes = np.bincount(teams[teams >= 0], minlength=1)
        shown_teams = publishable_groups(team_sizes, MIN_GROUP, outside=int((teams < 0).sum()))
        published = [np.ones(n, bool), *shown_sets(teams, shown_teams)]
        published += shown_sets(departments, publishable_beside(departments, [roles, teams]))
        published += shown_sets(roles, publishable_beside(roles, [departments, teams]))
        tried += len(published) > 2
        assert derivable_below(published) == [], (teams, departments, roles)
    assert tried > 30
