"""Pydantic schemas of the career endpoints: next roles, development plans and audiences."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

from recsvc.service.request_schemas import STRICT_BODY, WholeInt, whole_number

__all__ = [
    "AudienceFiltersBody",
    "AudienceMember",
    "AudienceRequest",
    "AudienceResponse",
    "GroupCountBody",
    "GoalSkill",
    "GoalSkillLevel",
    "Milestone",
    "NextRole",
    "NextRolesResponse",
    "OpenGap",
    "PlanGoal",
    "PlanRequest",
    "PlanResponse",
    "PlannedItem",
    "PlannedWeek",
    "RoleGap",
]


class RoleGap(BaseModel):
    """A skill where the person is below what a role requires."""

    skill_id: str = Field(description="Skill id.", examples=["S07"])
    skill_name: str = Field(description="Skill name.", examples=["Critical Thinking"])
    current_level: float = Field(description="Estimated current level (0-5).", examples=[2.1])
    required_level: float = Field(description="Level the role requires (0-5).", examples=[3.4])
    gap: float = Field(description="required_level - current_level.", examples=[1.3])
    weight: float = Field(
        description="Need weight: importance x (1 + strategic weight).", examples=[0.8]
    )


class NextRole(BaseModel):
    """One likely next role."""

    role_id: str = Field(description="Role id.", examples=["R009"])
    title: str = Field(description="Role title.")
    likelihood: float = Field(
        ge=0,
        le=1,
        description="Chance of this move among the moves from the current role: declared "
        "career paths (worth 10 observed moves) blended with observed moves.",
        examples=[0.42],
    )
    sources: list[str] = Field(
        description="Where the move is known from: career_path (declared), observed_moves "
        "(role_history, groups of 5 or more).",
        examples=[["career_path", "observed_moves"]],
    )
    readiness: float = Field(
        ge=0,
        le=1,
        description="Share of the role's weighted skill requirement already met.",
        examples=[0.78],
    )
    gaps: list[RoleGap] = Field(description="Skills to close, largest weighted gap first.")
    people_moved: int | None = Field(
        description="How many people made this move; null when fewer than 5 did (never "
        "shown for smaller groups) or no role history is known.",
        examples=[12],
    )
    typical_months: float | None = Field(
        description="Median months people spent in the current role before this move; null "
        "whenever people_moved is.",
        examples=[26.5],
    )


class NextRolesResponse(BaseModel):
    """Likely next roles of one employee, most likely first."""

    employee_id: str = Field(description="Employee id.", examples=["E000001"])
    role_id: str | None = Field(description="Current role the moves start from.")
    role_title: str | None = Field(description="Its title.")
    months_in_role: float | None = Field(
        description="Months in the current role (from role_history, else hire date); null "
        "when unknown or when role_id was given.",
    )
    model_version: str = Field(description="Bundle version that answered.")
    request_id: str = Field(description="Request id.")
    roles: list[NextRole] = Field(description="Next roles, most likely first.")


class GoalSkill(BaseModel):
    """A skill and the level to reach."""

    model_config = STRICT_BODY

    skill_id: str = Field(min_length=1, max_length=128, description="Skill id.", examples=["S07"])
    level: float = Field(gt=0, le=5, description="Level to reach (0-5].", examples=[3])


class PlanGoal(BaseModel):
    """What the plan aims at: exactly one of target_role_id, skills or my_role."""

    # the spec says "exactly one" too, so a schema-valid goal is one the service accepts
    model_config = ConfigDict(
        **STRICT_BODY,
        json_schema_extra={
            "oneOf": [
                {
                    "required": ["target_role_id"],
                    "properties": {"target_role_id": {"type": "string"}},
                },
                {"required": ["skills"], "properties": {"skills": {"type": "array"}}},
                {"required": ["my_role"], "properties": {"my_role": {"const": True}}},
            ]
        },
    )

    target_role_id: str | None = Field(
        default=None, min_length=1, max_length=128, description="A role to grow into."
    )
    skills: list[GoalSkill] | None = Field(
        default=None, min_length=1, max_length=200, description="Skills with levels to reach."
    )
    my_role: bool = Field(default=False, description="The employee's own role's levels.")

    @model_validator(mode="after")
    def _exactly_one(self) -> PlanGoal:
        given = [self.target_role_id is not None, self.skills is not None, self.my_role]
        if sum(given) != 1:
            raise ValueError("set exactly one of target_role_id, skills or my_role: true")
        return self


class PlanRequest(BaseModel):
    """A development plan request."""

    model_config = ConfigDict(
        **STRICT_BODY,
        json_schema_extra={
            "examples": [
                {
                    "employee_id": "E000005",
                    "goal": {"target_role_id": "R068"},
                    "weekly_minutes": 120,
                    "horizon_weeks": 12,
                }
            ]
        },
    )

    employee_id: str = Field(
        min_length=1, max_length=128, description="Employee id.", examples=["E000005"]
    )
    goal: PlanGoal = Field(description="What to plan toward.")
    weekly_minutes: float = Field(
        gt=0, le=10_080, description="Learning time per week, in minutes.", examples=[120]
    )
    # bounds inside the Annotated, so the spec keeps them on the optional integer
    horizon_weeks: Annotated[int, Field(ge=1, le=520), BeforeValidator(whole_number)] | None = (
        Field(
            default=None,
            description="Weeks the plan may span (default 52); the plan fits weekly_minutes x "
            "horizon_weeks.",
            examples=[12],
        )
    )
    role_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=128,
        description="Current role, for an employee the bundle does not know (or to override).",
    )


class GoalSkillLevel(BaseModel):
    """A skill level (a milestone)."""

    skill_id: str = Field(description="Skill id.")
    level: int = Field(description="Level reached.")


class PlannedItem(BaseModel):
    """One item of the plan, in the order to take it."""

    content_id: str = Field(description="Content id.", examples=["C00042"])
    title: str = Field(description="Content title.")
    duration_minutes: float = Field(description="Minutes (an estimate where flagged).")
    duration_estimated: bool = Field(
        description="The catalogue has no duration: the median of the item's format is used."
    )
    start_week: int = Field(ge=1, description="Week the item starts (1 = the first week).")
    end_week: int = Field(ge=1, description="Week it ends.")
    reaches: list[GoalSkillLevel] = Field(description="Milestones this item reaches.")


class Milestone(BaseModel):
    """One skill level reached (a progress bar step or a badge)."""

    skill_id: str = Field(description="Skill id.")
    skill_name: str = Field(description="Skill name.")
    level: int = Field(description="Level reached.")
    week: int = Field(description="Week it is reached (the expected level passes it).")
    readiness_after: float = Field(ge=0, le=1, description="Readiness for the goal after it.")
    content_ids: list[str] = Field(
        description="Items done since the previous milestone, in order, this one's last."
    )


class PlannedWeek(BaseModel):
    """One week of the calendar."""

    week: int = Field(description="Week number, 1 = the first.")
    minutes: float = Field(description="Learning minutes that week (at most weekly_minutes).")
    content_ids: list[str] = Field(description="Items worked on that week.")


class OpenGap(BaseModel):
    """A goal skill still below its level after the plan."""

    skill_id: str = Field(description="Skill id.")
    skill_name: str = Field(description="Skill name.")
    level_after: float = Field(description="Level after the plan.")
    required_level: float = Field(description="Level the goal asks for.")
    reason: str = Field(
        description="time (the budget runs out first: items left out teach it) or no_content "
        "(no further allowed item teaches it)."
    )


class PlanResponse(BaseModel):
    """A development plan: milestones, ordered items and a calendar of weeks."""

    employee_id: str = Field(description="Employee id.")
    goal_role_id: str | None = Field(description="Role aimed at (null for a skills goal).")
    weekly_minutes: float = Field(description="Learning minutes per week, as asked.")
    horizon_weeks: int = Field(description="Weeks the plan could span.")
    total_minutes: float = Field(description="Minutes of all planned items.")
    weeks: int = Field(description="Calendar weeks the plan takes.")
    readiness_before: float = Field(
        ge=0, le=1, description="Share of the goal's weighted requirement met now."
    )
    readiness_after: float = Field(ge=0, le=1, description="The same after the plan.")
    gap_total: float = Field(description="Weighted gap to the goal now.")
    gap_closed: float = Field(
        description="Weighted gap the plan closes, by the expected levels (readiness_after)."
    )
    expected_gap_closed: float = Field(
        description="What the plan maximises: its learning value, the weighted gap closed in "
        "expectation over the uncertain current level (items' gains add up per skill, capped "
        "by the gap left)."
    )
    optimality_gap: float = Field(
        ge=0,
        le=1,
        description="Proven bound on the relative distance to the best possible plan: this "
        "plan closes at least 1 - optimality_gap of what the best one would (the bound is "
        "the program's linear relaxation, or HiGHS's when it branched).",
    )
    model_version: str = Field(description="Bundle version that answered.")
    request_id: str = Field(description="Request id.")
    milestones: list[Milestone] = Field(description="Skill levels reached, in order.")
    items: list[PlannedItem] = Field(description="Items in the order to take them.")
    calendar: list[PlannedWeek] = Field(description="Minutes and items per week.")
    open_gaps: list[OpenGap] = Field(description="Goal skills still short after the plan.")


class AudienceFiltersBody(BaseModel):
    """Who to consider (all given filters apply)."""

    model_config = STRICT_BODY

    department: str | None = Field(default=None, max_length=256, description="Department name.")
    role_id: str | None = Field(default=None, max_length=128, description="Current role id.")
    location: str | None = Field(default=None, max_length=256, description="Location name.")
    manager_id: str | None = Field(
        default=None, max_length=128, description="Only people reporting to this manager."
    )
    indirect_reports: bool = Field(
        default=False, description="With manager_id: everyone under them, not only direct reports."
    )


class AudienceRequest(BaseModel):
    """Who needs a content item or a skill: exactly one of content_id and skill_id."""

    model_config = ConfigDict(
        **STRICT_BODY,
        json_schema_extra={
            # exactly one of the two, in the spec as well as in the validator below
            "oneOf": [
                {"required": ["content_id"], "properties": {"content_id": {"type": "string"}}},
                {"required": ["skill_id"], "properties": {"skill_id": {"type": "string"}}},
            ],
            "examples": [
                {"content_id": "C00042", "filters": {"department": "Technology"}, "limit": 20},
                {"skill_id": "S07", "offset": 20, "limit": 20},
            ],
        },
    )

    content_id: str | None = Field(
        default=None, min_length=1, max_length=128, description="Content to target."
    )
    skill_id: str | None = Field(
        default=None, min_length=1, max_length=128, description="Skill to target."
    )
    filters: AudienceFiltersBody | None = Field(default=None, description="Narrow the audience.")
    offset: WholeInt = Field(default=0, ge=0, le=1_000_000, description="Members to skip (paging).")
    limit: WholeInt = Field(default=50, ge=1, le=1000, description="Members per page.")

    @model_validator(mode="after")
    def _exactly_one(self) -> AudienceRequest:
        if (self.content_id is None) == (self.skill_id is None):
            raise ValueError("set exactly one of content_id or skill_id")
        return self


class AudienceMember(BaseModel):
    """One person in the audience."""

    employee_id: str = Field(description="Employee id.")
    role_id: str | None = Field(description="Current role.")
    department: str | None = Field(description="Department.")
    location: str | None = Field(description="Location.")
    learning_value: float = Field(
        ge=0, description="What the item (or closing the skill) is worth to them: need first."
    )
    gap: float = Field(ge=0, description="Need-weighted gap on the skill(s) in question.")


class GroupCountBody(BaseModel):
    """People of the audience in one group."""

    name: str = Field(description="Group name (empty: unknown).")
    count: int = Field(ge=5, description="People (groups are shown only from 5 people).")


class AudienceResponse(BaseModel):
    """The audience, most in need first, one page of it, with counts by group."""

    content_id: str | None = Field(description="Content targeted.")
    skill_id: str | None = Field(description="Skill targeted.")
    model_version: str = Field(description="Bundle version that answered.")
    request_id: str = Field(description="Request id.")
    total: int = Field(description="People in the whole audience.")
    offset: int = Field(description="Members skipped.")
    members: list[AudienceMember] = Field(description="This page, largest learning value first.")
    counts: dict[str, list[GroupCountBody]] = Field(
        description="Audience by department, role and location (only publishable groups)."
    )
    not_shown: dict[str, int] = Field(
        description="Per grouping, people in groups too small to show (or that would let a "
        "small group be derived)."
    )
    warnings: list[str] = Field(description="Filter values that match nobody in the model.")
