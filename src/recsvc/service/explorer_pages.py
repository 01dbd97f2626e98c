"""The explorer's pages, rendered from the domain's answers (no HTTP here, no numpy)."""

from __future__ import annotations

from collections.abc import Sequence

from recsvc.people.profile import EmployeeProfile
from recsvc.people.team import TeamSkills
from recsvc.recommend.careers.plan import Plan
from recsvc.recommend.query import Recommendations
from recsvc.service.explorer_html import Html, cell, link, page, table, url

__all__ = [
    "employee_page",
    "index_page",
    "login_page",
    "missing_page",
    "plan_page",
    "reports_page",
    "team_page",
]


def _section(title: str, body: Html, *, test_id: str = "") -> Html:
    marker = f' data-testid="{test_id}"' if test_id else ""
    return Html(f"<section{marker}><h2>{cell(title)}</h2>{body}</section>")


def _empty(text: str) -> Html:
    return Html(f'<p class="empty">{cell(text)}</p>')


def _level(level: float, sd: float) -> Html:
    return Html(f"{cell(level)} &plusmn; {cell(sd)}")


def index_page(
    examples: Sequence[str], teams: Sequence[tuple[str, int]], employee_ids: Sequence[str]
) -> str:
    options = "".join(f'<option value="{cell(e)}">' for e in employee_ids)
    picker = Html(
        f'<form method="get" action="{url("employee")}">'
        '<label>Employee id <input name="employee_id" list="employees" required '
        'data-testid="employee-input"></label> '
        f'<datalist id="employees">{options}</datalist>'
        '<button type="submit" data-testid="employee-go">Show</button></form>'
        + (
            "<p>For example: "
            + ", ".join(link(url("employees", e), e, test_id="example-employee") for e in examples)
            + "</p>"
            if examples
            else ""
        )
    )
    team_rows = [(link(url("teams", m), m), n) for m, n in teams]
    return page(
        "recsvc explorer",
        _section("Pick an employee", picker),
        _section(
            "Pick a team",
            table(["manager", "direct reports"], team_rows) if team_rows else _empty("No teams."),
        ),
        subtitle="Skill states, gaps, recommendations and team views, read-only.",
    )


def _skills_table(profile: EmployeeProfile) -> Html:
    rows = [
        (s.skill_name, _level(s.level, s.level_sd), s.evidence, s.required or None, s.gap or None)
        for s in profile.skills
    ]
    if not rows:
        return _empty("Nothing is known or required about this person's skills.")
    return table(
        ["skill", "estimated level ± sd", "evidence", "required", "gap"], rows, test_id="skills"
    )


def _recs_table(recs: Recommendations) -> Html:
    rows = [
        (
            item.rank,
            item.title,
            item.format,
            item.learning_value,
            item.engagement,
            Html("<br>".join(cell(r.text) for r in item.reasons)),
        )
        for item in recs.items
    ]
    if not rows:
        return _empty("No recommendations.")
    return table(
        ["#", "title", "format", "learning value", "engagement", "why"],
        rows,
        test_id="recommendations",
    )


def _facts(profile: EmployeeProfile) -> Html:
    manager = (
        link(url("teams", profile.manager_id), profile.manager_id, test_id="manager-team")
        if profile.manager_id
        else None
    )
    rows = [
        ("role", profile.role),
        ("target role", profile.target_role),
        ("department", profile.department),
        ("manager (their team)", manager),
    ]
    if profile.team_size:
        rows.append(
            (
                "manages",
                link(url("teams", profile.employee_id), f"{profile.team_size} direct reports"),
            )
        )
    return table(["", ""], rows)


def employee_page(profile: EmployeeProfile, recs: Recommendations) -> str:
    plan = link(url("employees", profile.employee_id, "plan"), "Development plan", test_id="plan")
    return page(
        f"Employee {profile.employee_id}",
        _facts(profile),
        Html(f"<p>{plan}</p>"),
        _section("Skill state", _skills_table(profile), test_id="skill-state"),
        _section(f"Recommendations ({recs.strategy})", _recs_table(recs)),
        subtitle="Levels run 0-5; ± is the standard deviation of the estimate.",
    )


def _plan_body(plan: Plan) -> Html:
    summary = table(
        ["", ""],
        [
            ("goal", f"the level role {plan.goal_role_id} requires" if plan.goal_role_id else None),
            ("weekly budget", f"{plan.weekly_minutes:g} minutes"),
            ("length", f"{plan.weeks} week(s), {plan.total_minutes:g} minutes of learning"),
            ("readiness", f"{plan.readiness_before:.0%} now, {plan.readiness_after:.0%} after"),
            ("gap closed", f"{plan.gap_closed:g} of {plan.gap_total:g} (weighted levels)"),
        ],
        test_id="plan-summary",
    )
    milestones = [
        (m.week, f"{m.skill_name} level {m.level}", f"{m.readiness_after:.0%}")
        for m in plan.milestones
    ]
    items = [
        (
            i.title,
            f"{i.duration_minutes:g}" + (" (estimated)" if i.duration_estimated else ""),
            f"{i.start_week}-{i.end_week}" if i.end_week != i.start_week else i.start_week,
            ", ".join(f"{skill} {level}" for skill, level in i.reaches),
        )
        for i in plan.items
    ]
    open_gaps = [(g.skill_name, g.level_after, g.required_level, g.reason) for g in plan.open_gaps]
    parts = [
        summary,
        Html("<h3>Milestones</h3>"),
        table(["week", "reached", "readiness after"], milestones, test_id="milestones")
        if milestones
        else _empty("No milestone within the budget."),
        Html("<h3>Items in order</h3>"),
        table(["title", "minutes", "weeks", "reaches"], items, test_id="plan-items")
        if items
        else _empty("Nothing to take."),
    ]
    if open_gaps:
        parts += [
            Html("<h3>Still open after the plan</h3>"),
            table(["skill", "level after", "required", "why"], open_gaps),
        ]
    return Html("".join(parts))


def plan_page(
    profile: EmployeeProfile, plan: Plan | None, note: str | None, weekly_minutes: float
) -> str:
    back = link(url("employees", profile.employee_id), f"Back to {profile.employee_id}")
    budget = Html(
        f'<form method="get" action="{url("employees", profile.employee_id, "plan")}">'
        f'<label>Minutes a week <input name="weekly_minutes" type="number" min="1" '
        f'max="10080" value="{cell(weekly_minutes)}"></label> '
        '<button type="submit">Plan</button></form>'
    )
    body = (
        _plan_body(plan)
        if plan is not None
        else Html(f'<p class="note" data-testid="plan-missing">{cell(note)}</p>')
    )
    return page(
        f"Development plan of {profile.employee_id}",
        _facts(profile),
        Html(f"<p>{back}</p>"),
        budget,
        _section("Plan", body, test_id="plan"),
        subtitle="Toward the target role (else their own role), within the weekly budget; "
        "the same plan as POST /plan.",
    )


def team_page(team: TeamSkills) -> str:
    if team.withheld:
        body = Html(f'<p class="note" data-testid="withheld">{cell(team.withheld)}</p>')
        return page(f"Team of {team.manager_id}", body, subtitle=f"{team.team_size} people")
    gaps = [
        (g.skill_name, g.members_needing,
         f"fewer than {team.min_group_size}" if g.members_with_gap is None else g.members_with_gap,
         g.mean_level, g.mean_required, g.mean_gap)
        for g in team.gaps
    ]  # fmt: skip
    ready = [(r.title, r.members, f"{r.mean_readiness:.0%}", r.ready) for r in team.readiness]
    items = [(i.title, i.members, i.learning_value) for i in team.items]
    note = (
        f"Every figure is over at least {team.min_group_size} people; "
        f"{team.skills_withheld} skill(s) and {team.target_roles_withheld} target role(s) "
        "shared by fewer members are left out."
    )
    return page(
        f"Team of {team.manager_id}",
        _section(
            "Skill gaps",
            table(
                [
                    "skill",
                    "members needing",
                    "with a gap",
                    "mean level",
                    "mean required",
                    "mean gap",
                ],
                gaps,
                test_id="team-gaps",
            )
            if gaps
            else _empty("No gaps shared by enough members."),
        ),  # fmt: skip
        _section(
            "Readiness for target roles",
            table(["role", "members", "mean readiness", "ready"], ready)
            if ready
            else _empty("No target role is shared by enough members."),
        ),
        _section(
            "Most valuable content for the team",
            table(["title", "members", "learning value"], items) if items else _empty("None."),
        ),
        Html(f"<p>{cell(note)}</p>"),
        subtitle=f"{team.team_size} direct reports",
    )


def reports_page(plots: Sequence[tuple[str, str]], where: str | None) -> str:
    if where is None:
        body = _empty(
            "No report folder is configured: set RECSVC_REPORT_DIR to the folder `recsvc "
            "report impact`, `recsvc report fairness` and `recsvc report skills` write to."
        )
    elif not plots:
        body = _empty(f"No plots in the report folder yet: run `recsvc report ... --out {where}`.")
    else:
        body = Html(
            "".join(
                f'<figure><img src="{cell(url("reports", name))}" alt="{cell(caption)}">'
                f"<figcaption>{cell(caption)}</figcaption></figure>"
                for name, caption in plots
            )
        )
    return page("Impact and fairness", _section("Plots", body, test_id="plots"))


def missing_page(text: str) -> str:
    return page("Not found", Html(f'<p class="note">{cell(text)}</p><p>{link(url(), "Back")}</p>'))


def login_page(error: str | None = None) -> str:
    message = f'<p class="note">{cell(error)}</p>' if error else ""
    form = Html(
        f'{message}<form method="post" action="{url("login")}">'
        '<label>Admin key <input type="password" name="key" required autocomplete="off">'
        '</label> <button type="submit">Sign in</button></form>'
    )
    return page("Sign in", form, subtitle="The explorer is open to holders of the admin key.")
