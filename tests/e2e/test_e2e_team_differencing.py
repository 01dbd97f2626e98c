"""The peer floor across groupings: a team's figures beside the skills report's.

With eight ordinary people per role, ``analyst_00`` manages the nine other analysts: the
analysts' figure on an analyst skill (skills report, by role or department) minus their
team's (team view) would be ``analyst_00`` alone. An attacker collects every per-skill
figure the team views of every manager and the skills report publish, knowing who is in
each group and which roles need which skill, and tries every set of 1 to 4 people:
none may be a linear combination of the published groups.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import numpy as np
import pytest
from people_org import ANALYST_LEAD, people_org

from recsvc.bundle import read_bundle
from recsvc.people.needs import group_needs, needing
from recsvc.people.org_skills import org_skills
from recsvc.people.team import team_skills
from recsvc.privacy import MIN_GROUP
from recsvc.recommend import Recommender

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def rec(tmp_path_factory: pytest.TempPathFactory) -> Recommender:
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    from recsvc.training.pipeline import train_tables

    models = tmp_path_factory.mktemp("differencing-models")
    train_tables(people_org(per_role=8).tables, models, seed=42, tune_trials=1)
    return Recommender.from_bundle(read_bundle(Path(models)))


def derivable_below(sets: list[np.ndarray], below: int) -> list[tuple[int, ...]]:
    """Sets of 1 to ``below - 1`` people whose total is a linear combination of ``sets``'."""
    if not sets:
        return []
    m = np.vstack(sets).astype(np.float64)
    projector = np.linalg.pinv(m) @ m  # onto the row space of the published groups
    people = np.flatnonzero(m.any(axis=0))
    found = []
    for size in range(1, below):
        for members in itertools.combinations(people.tolist(), size):
            x = np.zeros(m.shape[1])
            x[list(members)] = 1.0
            if np.allclose(x @ projector, x, atol=1e-8):
                found.append(members)
    return found


def published_sets(rec: Recommender) -> dict[str, list[np.ndarray]]:
    """Per skill id: the people each published figure on that skill is over (the skills
    report's roles and departments, every manager's team view)."""
    st = rec.state
    org = org_skills(rec)
    members = {
        **{
            g.group_id: np.asarray(st.employee_role) == st.roles.get(g.group_id)
            for g in org.by_role
        },
        **{
            g.group_id: np.asarray(st.employee_department) == st.departments.index(g.group_id)
            for g in org.by_department
        },
    }
    out: dict[str, list[np.ndarray]] = {}
    for group in (*org.by_role, *org.by_department):
        for skill in group.gaps:
            about = needing(rec, st.skills.get(skill.skill_id))
            out.setdefault(skill.skill_id, []).append(members[group.group_id] & about)
    boss = rec.directory.manager
    for manager in np.unique(boss[boss >= 0]).tolist():
        team = boss == manager
        for skill in team_skills(rec, st.employees.id_of(manager)).gaps:
            about = needing(rec, st.skills.get(skill.skill_id))
            out.setdefault(skill.skill_id, []).append(team & about)
    for skill_id, sets in out.items():  # worst case: the organisation's figure is known too
        sets.append(needing(rec, st.skills.get(skill_id)))
    return out


def naive_sets(rec: Recommender, skill: int) -> list[np.ndarray]:
    """What the floor within each grouping alone allowed on one skill: every role,
    department and team with at least 5 people needing it, and the organisation."""
    st = rec.state
    about = needing(rec, skill)
    sets = [about]
    for labels in (st.employee_role, st.employee_department, rec.directory.manager):
        labels = np.asarray(labels)
        for g in np.unique(labels[labels >= 0]).tolist():
            if ((labels == g) & about).sum() >= MIN_GROUP:
                sets.append((labels == g) & about)
    return sets


def test_nobody_can_be_singled_out_across_teams_roles_and_departments(
    rec: Recommender,
) -> None:
    published = published_sets(rec)
    assert published, "nothing published: nothing was tried"
    for skill_id, sets in published.items():
        assert derivable_below(sets, MIN_GROUP) == [], skill_id


def test_without_the_check_the_role_minus_the_team_is_the_lead(rec: Recommender) -> None:
    st = rec.state
    lead = st.employees.get(ANALYST_LEAD)
    exposed = {
        st.skills.id_of(s)
        for s in range(len(st.skills))
        if (lead,) in derivable_below(naive_sets(rec, s), 2)
    }
    assert exposed, "the floor within groupings already hid the lead: the test proves nothing"
    view = team_skills(rec, ANALYST_LEAD)
    assert view.withheld is None
    shown_by_team = {g.skill_id for g in view.gaps} & exposed
    assert shown_by_team, "the team view shows none of those skills: nothing was tried"
    # the team view keeps them; the skills report gives way on those skills
    org = org_skills(rec)
    analysts = [
        g for g in (*org.by_role, *org.by_department) if g.group_id in {"analyst", "d_analyst"}
    ]
    assert analysts, "the report shows no analyst group at all"
    for group in analysts:
        assert not shown_by_team & {s.skill_id for s in group.gaps}, group.group_id


def test_needing_agrees_with_the_skill_state(rec: Recommender) -> None:
    everyone = group_needs(rec, range(len(rec.state.employees)))
    for skill in range(len(rec.state.skills)):
        assert (needing(rec, skill) == (everyone.required[:, skill] > 0)).all(), skill
