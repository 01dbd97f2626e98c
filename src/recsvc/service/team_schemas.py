"""Pydantic schemas of GET /teams/{manager_id}/skills."""

from __future__ import annotations

from pydantic import BaseModel, Field

__all__ = ["RoleReadiness", "TeamItem", "TeamSkillGap", "TeamSkillsResponse"]


class TeamSkillGap(BaseModel):
    """One skill over the team members who need it (at least min_group_size of them)."""

    skill_id: str = Field(description="Skill id.", examples=["S17"])
    skill_name: str = Field(description="Skill name.", examples=["Complex Problem Solving"])
    members_needing: int = Field(
        ge=0, description="Members whose role or target role requires the skill."
    )
    members_with_gap: int | None = Field(
        ge=0,
        description="Of those, members at least half a level below the requirement; null "
        "when 1 to min_group_size - 1 (a small count would point at a few people).",
    )
    mean_level: float = Field(description="Their mean estimated level (0-5).", examples=[1.9])
    mean_required: float = Field(description="Their mean required level.", examples=[3.2])
    mean_gap: float = Field(ge=0, description="Their mean gap, in levels.", examples=[1.3])
    weighted_gap: float = Field(
        ge=0,
        description="Gaps weighted by importance and strategic weight, summed over the "
        "members: the order of the list.",
    )


class RoleReadiness(BaseModel):
    """Readiness of the members who target one role (at least min_group_size of them)."""

    role_id: str = Field(description="Target role id.", examples=["R007"])
    title: str = Field(description="Role title.")
    members: int = Field(ge=0, description="Members targeting the role.")
    mean_readiness: float = Field(
        ge=0,
        le=1,
        description="Mean share of the role's requirements (weighted by importance) their "
        "estimated levels meet.",
    )
    ready: int = Field(
        ge=0, description="Members with no gap of half a level or more on the role's skills."
    )


class TeamItem(BaseModel):
    """Content most recommended across the team."""

    content_id: str = Field(description="Content id.", examples=["C00073"])
    title: str = Field(description="Content title.")
    members: int = Field(
        ge=0,
        description="Members whose top list holds it with learning value (items in fewer "
        "than min_group_size members' lists are not shown).",
    )
    learning_value: float = Field(ge=0, description="Learning value summed over them.")


class TeamSkillsResponse(BaseModel):
    """A manager's team: aggregates only, each over at least min_group_size people."""

    manager_id: str = Field(description="Manager's employee id.", examples=["E000340"])
    model_version: str = Field(description="Bundle version that answered.")
    request_id: str = Field(description="Request id.")
    team_size: int = Field(ge=0, description="Direct reports in the bundle.")
    min_group_size: int = Field(
        ge=5, description="Fewest people a figure is computed over (RECSVC_PEER_MIN_GROUP)."
    )
    withheld: str | None = Field(
        description="Why no figures are shown (a team smaller than min_group_size), else null."
    )
    gaps: list[TeamSkillGap] = Field(description="Largest summed weighted gap first.")
    skills_withheld: int = Field(
        ge=0, description="Skills needed by some, but fewer than min_group_size, members."
    )
    readiness: list[RoleReadiness] = Field(description="Per target role shared by enough members.")
    target_roles_withheld: int = Field(
        ge=0, description="Target roles fewer than min_group_size members share."
    )
    items: list[TeamItem] = Field(description="Largest summed learning value first.")
