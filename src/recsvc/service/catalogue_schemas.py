"""Pydantic schemas of the discovery answers: roles, skills and content the model knows.

Examples are real ids of the default sample (``recsvc sample --employees 2000 --seed 42``).
"""

from __future__ import annotations

from pydantic import BaseModel, Field

__all__ = [
    "ContentDetail",
    "ContentListResponse",
    "ContentResponse",
    "ContentSkillOut",
    "RoleListResponse",
    "RoleOut",
    "RoleSkillOut",
    "SkillListResponse",
    "SkillOut",
]


class _Page(BaseModel):
    model_version: str = Field(description="Bundle version whose ids these are.")
    request_id: str = Field(description="Request id.")
    total: int = Field(ge=0, description="Matches in all (every page).", examples=[41])
    offset: int = Field(ge=0, description="Index of the first match on this page.")
    limit: int = Field(ge=1, description="Most matches per page.", examples=[50])
    next_offset: int | None = Field(
        description="offset of the next page; null on the last one.", examples=[50]
    )


class RoleSkillOut(BaseModel):
    """A skill a role requires."""

    skill_id: str = Field(description="Skill id.", examples=["S07"])
    name: str = Field(description="Skill name.", examples=["Critical Thinking"])
    required_level: float = Field(description="Level the role requires (0-5).", examples=[3.5])
    importance: float = Field(description="How much it matters to the role (0-1).")


class RoleOut(BaseModel):
    """A role of the job architecture."""

    role_id: str = Field(description="Role id.", examples=["R001"])
    title: str = Field(description="Role title.", examples=["Chief Executives"])
    family: str | None = Field(description="Role family, if given.", examples=["Management"])
    level: int | None = Field(description="Level in the job architecture, if given.")
    skills: list[RoleSkillOut] = Field(description="Skills the role requires.")


class RoleListResponse(_Page):
    """Roles the served model knows (use them as role_id / target_role_id)."""

    roles: list[RoleOut] = Field(description="This page's roles.")


class SkillOut(BaseModel):
    """A skill of the taxonomy."""

    skill_id: str = Field(description="Skill id.", examples=["S01"])
    name: str = Field(description="Skill name.", examples=["Reading Comprehension"])
    category: str | None = Field(
        description="Category, if given.", examples=["Basic Content Skills"]
    )
    parent_id: str | None = Field(description="Broader skill, if any.")
    strategic_weight: float = Field(description="Weight the organisation gives it (0-1).")


class SkillListResponse(_Page):
    """Skills the served model knows (use them in project.skill_ids and assessments)."""

    skills: list[SkillOut] = Field(description="This page's skills.")


class ContentSkillOut(BaseModel):
    """A skill an item teaches."""

    skill_id: str = Field(description="Skill id.", examples=["S41"])
    name: str = Field(description="Skill name.", examples=["Data Visualisation"])
    level: int | None = Field(description="Level it teaches to (1-5), if given.", examples=[3])
    weight: float = Field(description="How much of the item is about it (0-1).")


class ContentDetail(BaseModel):
    """A catalogue item with its metadata."""

    content_id: str = Field(description="Content id.", examples=["C00001"])
    title: str = Field(
        description="Title.", examples=["Foundations of Python: automation scripts (podcast)"]
    )
    description: str | None = Field(description="Description, if given.")
    format: str | None = Field(description="Format, if known.", examples=["podcast"])
    duration_minutes: float | None = Field(description="Length, if known.", examples=[72.0])
    difficulty: int | None = Field(description="1 (intro) to 5, if given.", examples=[1])
    language: str | None = Field(description="Language tag, if known.", examples=["en"])
    provider: str | None = Field(description="Provider, if given.", examples=["Udemy Business"])
    url: str | None = Field(description="Link to the item, if the catalogue gives one.")
    active: bool = Field(description="False for retired items (never recommended).")
    skills: list[ContentSkillOut] = Field(description="Skills it teaches.")


class ContentListResponse(_Page):
    """Catalogue items the served model knows, in id order."""

    items: list[ContentDetail] = Field(description="This page's items.")


class ContentResponse(ContentDetail):
    """One catalogue item."""

    model_version: str = Field(description="Bundle version that answered.")
    request_id: str = Field(description="Request id.")
