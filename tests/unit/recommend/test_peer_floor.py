"""The peer floor: no figure in any answer comes from, or can be differenced down to, fewer
than 5 people. An attacker collects every share quoted in every answer (asking as each role)
and tries to single people out by differencing the organisation's figure and the roles'."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from recsvc import contract as c
from recsvc.bundle import read_bundle
from recsvc.privacy import MIN_GROUP, check_min_group, publishable_groups
from recsvc.recommend import Recommender
from recsvc.recommend.query import Context, Query
from recsvc.train import train_tables


def smallest_derivable_group(groups: list[np.ndarray], n_people: int, below: int) -> int | None:
    """Size of the smallest non-empty set of people (under ``below``) whose total is a linear
    combination of the published groups' totals (None: no such set)."""
    if not groups:
        return None
    m = np.vstack(groups).astype(np.float64)
    for size in range(1, below):
        for members in itertools.combinations(range(n_people), size):
            target = np.zeros(n_people)
            target[list(members)] = 1.0
            coef, *_ = np.linalg.lstsq(m.T, target, rcond=None)
            if np.allclose(m.T @ coef, target, atol=1e-8):
                return size
    return None


def test_differencing_random_nested_groups_never_isolates_fewer_than_the_floor() -> None:
    rng = np.random.default_rng(0)
    for _ in range(60):
        sizes = rng.integers(0, 8, rng.integers(1, 4))
        outside = int(rng.integers(0, 3))
        n = int(sizes.sum()) + outside
        if n < MIN_GROUP or n > 13:
            continue
        ok = publishable_groups(sizes, MIN_GROUP, outside=outside)
        members = np.repeat(np.arange(len(sizes)), sizes)
        groups = [np.ones(n)]  # the organisation
        groups += [np.r_[members == g, np.zeros(outside, bool)] for g in np.flatnonzero(ok)]
        assert smallest_derivable_group(groups, n, MIN_GROUP) is None, (sizes, outside, ok)
        # a naive service quoting every non-empty group would give some people away
        naive = groups + [np.r_[members == g, np.zeros(outside, bool)] for g in np.flatnonzero(~ok)]
        if (0 < sizes).any() and ((0 < sizes) & (sizes < MIN_GROUP)).any():
            assert smallest_derivable_group(naive, n, MIN_GROUP) is not None


def test_the_floor_cannot_be_configured_below_five() -> None:
    assert check_min_group(7) == 7
    with pytest.raises(ValueError, match="at least 5"):
        check_min_group(4)
    with pytest.raises(ValueError, match="at least 5"):
        publishable_groups([10, 10], 3)


def _org_with_a_lone_manager(
    make_tiny_tables: Callable[..., dict[str, pd.DataFrame]],
) -> dict[str, pd.DataFrame]:
    """Five analysts, five scientists and one manager: the manager's activity is the
    organisation's figure minus the other two roles' figures, if all three are quoted."""
    tables = make_tiny_tables(n_per_role=5)
    gone = {f"manager_{n:03d}" for n in range(1, 5)}
    out = {}
    for name, frame in tables.items():
        out[name] = (
            frame[~frame["employee_id"].isin(gone)].reset_index(drop=True)
            if "employee_id" in frame.columns
            else frame
        )
    return out


@pytest.fixture(scope="module")
def lone_manager_org(
    make_tiny_tables: Callable[..., dict[str, pd.DataFrame]],
) -> dict[str, pd.DataFrame]:
    return _org_with_a_lone_manager(make_tiny_tables)


@pytest.fixture(scope="module")
def lone_manager_bundle(
    tmp_path_factory: pytest.TempPathFactory, lone_manager_org: dict[str, pd.DataFrame]
) -> Path:
    out = tmp_path_factory.mktemp("peer-floor-models")
    return train_tables(lone_manager_org, out, seed=3, time_budget_s=1.0).bundle_path


def _published(rec: Recommender, people: pd.DataFrame) -> dict[str, dict[str, float]]:
    """Every share any answer quotes: {group ('*' = everyone, else a role): {item: share}}."""
    seen: dict[str, dict[str, float]] = {}
    for _, person in people.iterrows():
        for role in ("analyst", "scientist", "manager"):
            for objective in ("need", "engagement"):
                answer = rec.recommend(
                    Query(
                        str(person["employee_id"]),
                        k=20,
                        context=Context(role_id=role),
                        objective=objective,
                        diversity=0.0,
                    )
                )
                for item in answer.items:
                    for reason in item.reasons:
                        if reason.code == "popular_in_role":
                            group = str(reason.details["role_id"])
                        elif reason.code == "popular" and "share" in reason.details:
                            group = "*"
                        else:
                            continue
                        seen.setdefault(group, {})[item.content_id] = reason.details["share"]
    return seen


def test_answers_never_let_a_lone_colleague_be_singled_out(
    lone_manager_bundle: Path, lone_manager_org: dict[str, pd.DataFrame]
) -> None:
    rec = Recommender.from_bundle(read_bundle(lone_manager_bundle))
    people = lone_manager_org[c.EMPLOYEES]
    published = _published(rec, people)
    assert published, "the answers quote no peer figure at all: nothing was tried"
    assert "manager" not in published  # one person
    assert "scientist" in published
    assert "analyst" not in published  # dropped: else the rest would be one manager
    n = len(people)
    role_of = people["role_id"].astype(str).to_numpy()
    # worst case: the organisation's figure is known too (other answers quote it)
    groups = [np.ones(n)] + [(role_of == g).astype(float) for g in published if g != "*"]
    assert smallest_derivable_group(groups, n, MIN_GROUP) is None
    # what a service without the floor would quote (every role and everyone) gives them away
    naive = [np.ones(n)] + [(role_of == r).astype(float) for r in np.unique(role_of)]
    assert smallest_derivable_group(naive, n, MIN_GROUP) == 1


def test_a_higher_floor_quotes_no_role_of_five(
    lone_manager_bundle: Path, lone_manager_org: dict[str, pd.DataFrame]
) -> None:
    rec = Recommender.from_bundle(read_bundle(lone_manager_bundle), peer_min_group=6)
    published = _published(rec, lone_manager_org[c.EMPLOYEES])
    assert not set(published) & {"analyst", "scientist", "manager"}
    with pytest.raises(ValueError, match="at least 5"):
        Recommender.from_bundle(read_bundle(lone_manager_bundle), peer_min_group=3)
