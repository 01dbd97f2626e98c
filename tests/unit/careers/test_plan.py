"""Development plans on the careers org: known choices, prerequisites, budgets, estimates."""

from __future__ import annotations

import pytest

from careers_org import ANA, JUN, CareersOrg
from recsvc import contract as c
from recsvc.errors import UnknownEmployeeError, UnknownRoleError, UnknownSkillError
from recsvc.recommend import Recommender
from recsvc.recommend.careers.plan import Goal, Plan


def check_plan_rules(org: CareersOrg, plan: Plan, employee_id: str, proven: set[str]) -> None:
    """Prerequisites before, weekly budget kept, nothing completed or proven planned."""
    pre = org.tables[c.PREREQUISITES]
    needs: dict[str, set[str]] = {}
    for a, b in zip(pre["content_id"], pre["requires_content_id"], strict=True):
        needs.setdefault(str(a), set()).add(str(b))
    en = org.tables[c.ENROLMENTS]
    done = set(en.loc[en["employee_id"] == employee_id, "content_id"].astype(str))
    order = [i.content_id for i in plan.items]
    for k, cid in enumerate(order):
        assert cid not in done and cid not in proven
        for req in needs.get(cid, set()):
            assert req in order[:k] or req in done or req in proven, (cid, req, order)
    assert all(week.minutes <= plan.weekly_minutes + 1e-6 for week in plan.calendar)
    assert sum(w.minutes for w in plan.calendar) == pytest.approx(plan.total_minutes, abs=0.5)
    assert plan.total_minutes <= plan.weekly_minutes * plan.horizon_weeks + 1e-6
    weeks = [m.week for m in plan.milestones]
    assert weeks == sorted(weeks)
    readiness = [plan.readiness_before] + [m.readiness_after for m in plan.milestones]
    assert readiness == sorted(readiness) and readiness[-1] == pytest.approx(plan.readiness_after)


# what ana's tests prove (SQL 3, Statistics 2, Python 2, Communication 1): levels 1 up to it
ANA_PROVEN = {"sql1", "sql2", "sql3", "stats1", "stats2", "python1", "python2", "comms1"}


def test_the_best_plan_within_four_weeks_of_two_hours(
    org: CareersOrg, careers_recommender: Recommender
) -> None:
    plan = careers_recommender.plan(
        ANA, Goal(target_role_id="senior"), weekly_minutes=120, horizon_weeks=4
    )
    # 480 minutes: Communication 2 (120), Python 3 (180) and Statistics 3 (180), one level up
    # each, deliver about a level each; any plan with SQL 4 or Statistics 4 (240 each)
    # delivers less
    assert {i.content_id for i in plan.items} == {"comms2", "python3", "stats3"}
    stats = careers_recommender.state.skills.index_of("stats")
    level = float(
        careers_recommender.careers.levels(
            careers_recommender.state.employees.index_of(ANA),
            careers_recommender.state.roles.index_of("analyst"),
            careers_recommender.state.roles.index_of("senior"),
        )[stats]
    )
    # each course one level up is expected to teach most of a level (the default gain
    # curve): gap closed by expected levels is close to 1 + 1 + 1
    assert 2.8 <= plan.gap_closed <= 3.0
    # consistent with readiness (every skill weighs 1; senior requires 4 + 4 + 3 + 2 = 13)
    assert plan.gap_closed == pytest.approx(
        13 * (plan.readiness_after - plan.readiness_before), abs=2e-3
    )
    assert plan.optimality_gap == 0.0 and plan.expected_gap_closed > 0
    stats_gap = next(g for g in plan.open_gaps if g.skill_id == "stats")
    assert level < stats_gap.level_after < 4.0
    assert [(m.skill_id, m.level) for m in plan.milestones] == [
        ("comms", 2),
        ("python", 3),
        ("stats", 3),
    ]
    assert {(g.skill_id, g.reason) for g in plan.open_gaps} == {("sql", "time"), ("stats", "time")}
    check_plan_rules(org, plan, ANA, ANA_PROVEN)


def test_with_time_enough_the_plan_reaches_the_role(
    org: CareersOrg, careers_recommender: Recommender
) -> None:
    plan = careers_recommender.plan(ANA, Goal(target_role_id="senior"), weekly_minutes=240)
    assert plan.readiness_after == pytest.approx(1.0)
    assert not plan.open_gaps
    assert [i.content_id for i in plan.items].index("stats3") < [
        i.content_id for i in plan.items
    ].index("stats4")
    check_plan_rules(org, plan, ANA, ANA_PROVEN)


def test_prerequisites_come_along_and_first(
    org: CareersOrg, careers_recommender: Recommender
) -> None:
    plan = careers_recommender.plan(JUN, Goal(target_role_id="analyst"), weekly_minutes=90)
    order = [i.content_id for i in plan.items]
    assert "sql3" in order and order.index("sql2") < order.index("sql3")
    check_plan_rules(org, plan, JUN, {"sql1", "stats1"})


@pytest.mark.parametrize("weekly", [45, 60, 100, 150, 500])
def test_never_more_than_the_weekly_budget(
    org: CareersOrg, careers_recommender: Recommender, weekly: int
) -> None:
    for goal in (Goal(target_role_id="senior"), Goal(my_role=True), Goal(target_role_id="manager")):
        plan = careers_recommender.plan(ANA, goal, weekly_minutes=weekly, horizon_weeks=6)
        check_plan_rules(org, plan, ANA, ANA_PROVEN)


def test_items_without_duration_get_an_estimate(careers_recommender: Recommender) -> None:
    plan = careers_recommender.plan(ANA, Goal(skills=(("comms", 3.0),)), weekly_minutes=200)
    by_id = {i.content_id: i for i in plan.items}
    # a plan climbs: comms2 then comms3 (comms4 may follow for the uncertain rest)
    assert {"comms2", "comms3"} <= set(by_id) <= {"comms2", "comms3", "comms4"}
    assert [i.content_id for i in plan.items][:2] == ["comms2", "comms3"]
    assert by_id["comms3"].duration_estimated and not by_id["comms2"].duration_estimated
    assert by_id["comms3"].duration_minutes == pytest.approx(180.0)  # median of the courses


def test_bad_goals_are_clear_errors(careers_recommender: Recommender) -> None:
    with pytest.raises(UnknownSkillError, match="goal skill"):
        careers_recommender.plan(ANA, Goal(skills=(("juggling", 2.0),)), weekly_minutes=60)
    with pytest.raises(UnknownRoleError, match="target_role_id"):
        careers_recommender.plan(ANA, Goal(target_role_id="astronaut"), weekly_minutes=60)
    with pytest.raises(UnknownEmployeeError, match="role_id"):
        careers_recommender.plan("nobody", Goal(my_role=True), weekly_minutes=60)
    newcomer = careers_recommender.plan(
        "nobody", Goal(my_role=True), weekly_minutes=60, role_id="junior"
    )
    assert newcomer.items and newcomer.goal_role_id == "junior"
