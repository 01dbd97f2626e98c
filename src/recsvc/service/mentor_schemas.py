"""Pydantic schemas of POST /mentors/match: strict request, documented answer."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from recsvc.service.request_schemas import STRICT_BODY, WholeInt
from recsvc.service.schemas import RequestWarning

__all__ = [
    "MentorLoad",
    "MentorMatchRequest",
    "MentorMatchResponse",
    "MentorMatchSummary",
    "MentorOffer",
    "MentorPair",
    "PairSkill",
    "UnmatchedMentee",
]

ListedId = Annotated[str, StringConstraints(min_length=1, max_length=128)]


class MentorOffer(BaseModel):
    """Someone who opts in to mentor through this request."""

    model_config = STRICT_BODY

    employee_id: ListedId = Field(description="Employee id of the mentor.", examples=["E000012"])
    capacity: WholeInt = Field(1, ge=0, le=50, description="Most mentees they take (0: none now).")


class MentorMatchRequest(BaseModel):
    """Mentees to pair with mentors who have proven what they need."""

    model_config = STRICT_BODY

    mentee_ids: list[ListedId] = Field(
        min_length=1,
        fail_fast=True,
        description="Employees to find mentors for (one or many; at most "
        "RECSVC_MAX_LIST_ITEMS). Unknown ids are reported in `unmatched` and `warnings`.",
        examples=[["E000501", "E000502", "E000503"]],
    )
    mentors: list[MentorOffer] = Field(
        default_factory=list,
        fail_fast=True,
        description="People opting in to mentor through this request, on top of the "
        "bundle's mentors table; an entry here overrides the table's capacity and opt-in.",
        examples=[[{"employee_id": "E000012", "capacity": 2}]],
    )
    use_mentor_table: bool = Field(
        True,
        description="Also consider everyone the bundle's mentors table opted in (false: "
        "only the mentors listed in this request).",
    )
    skill_ids: list[ListedId] = Field(
        default_factory=list,
        fail_fast=True,
        description="Mentor only these skills (default: every skill with a gap); ids the "
        "model does not know are left out with a warning.",
        examples=[["S44"]],
    )
    min_lead: float = Field(
        1.0,
        ge=0,
        le=5,
        description="Levels a mentor's proven level must be above the mentee's estimated "
        "level (besides reaching the level the mentee's role needs).",
    )
    skills_per_pair: WholeInt = Field(
        3, ge=1, le=10, description="Skills one mentorship focuses on (the largest needs)."
    )


class PairSkill(BaseModel):
    """One skill a mentorship covers."""

    skill_id: str = Field(description="Skill id.", examples=["S44"])
    skill_name: str = Field(description="Skill name.", examples=["Generative AI"])
    mentee_level: float = Field(description="Mentee's estimated level (0-5).", examples=[1.6])
    mentee_level_uncertainty: float = Field(
        ge=0, description="Standard deviation of mentee_level.", examples=[0.8]
    )
    required_level: float = Field(
        description="Level the mentee's role or target role needs.", examples=[2.5]
    )
    mentor_level: float = Field(
        description="Level a recent test proved for the mentor.", examples=[4.1]
    )
    need_met: float = Field(
        ge=0, description="Mentee's weighted gap on this skill.", examples=[1.1]
    )


class MentorPair(BaseModel):
    """A mentee and their mentor, with why."""

    mentee_id: str = Field(description="Employee id of the mentee.", examples=["E000501"])
    mentor_id: str = Field(description="Employee id of the mentor.", examples=["E000012"])
    need_met: float = Field(
        ge=0, description="Weighted gap of the mentee on the pair's skills.", examples=[1.1]
    )
    skills: list[PairSkill] = Field(description="Skills covered, largest need first.")
    explanation: str = Field(description="Why this pair, in a sentence or two.")


class UnmatchedMentee(BaseModel):
    """A mentee left without a mentor, and why."""

    mentee_id: str = Field(description="Employee id of the mentee.", examples=["E000503"])
    reason: Literal["unknown_employee", "no_need", "no_qualified_mentor", "mentors_full"] = Field(
        description="unknown_employee (not in the model), no_need (no open skill gap), "
        "no_qualified_mentor (nobody proved a needed skill well enough), mentors_full "
        "(the mentors who could help are full, and no other use of their seats pairs more mentees)."
    )
    explanation: str = Field(description="The same, in a sentence.")


class MentorLoad(BaseModel):
    """A mentor considered, with seats and mentees assigned."""

    mentor_id: str = Field(description="Employee id of the mentor.", examples=["E000012"])
    capacity: int = Field(ge=0, description="Mentees they take.")
    assigned: int = Field(ge=0, description="Mentees this matching gave them.")


class MentorMatchSummary(BaseModel):
    """The matching as a whole, and what pairing the most mentees first costs in need."""

    mentees: int = Field(ge=0, description="Distinct mentees asked about.")
    matched: int = Field(ge=0, description="Mentees given a mentor.")
    need_met: float = Field(ge=0, description="Need met by all pairs.")
    most_need_met: float = Field(
        ge=0,
        description="The most need any matching could meet, even one pairing fewer mentees "
        "(this answer pairs the most mentees first, then meets the most need).",
    )
    matched_at_most_need: int = Field(
        ge=0, description="Mentees the matching of most_need_met pairs."
    )
    unstable_pairs: int = Field(
        ge=0,
        description="Mentees who would rather have a mentor with a free seat than their "
        "match or nobody (mentors take anyone they qualify for; checked on every answer: 0).",
    )


class MentorMatchResponse(BaseModel):
    """A stable matching pairing the most mentees, then meeting the most need."""

    model_version: str = Field(description="Bundle version that answered.")
    request_id: str = Field(description="Request id.")
    pairs: list[MentorPair] = Field(description="Pairs, in request order of the mentees.")
    unmatched: list[UnmatchedMentee] = Field(description="Mentees left without a mentor.")
    mentors: list[MentorLoad] = Field(description="Every mentor considered.")
    summary: MentorMatchSummary = Field(description="The matching as a whole.")
    warnings: list[RequestWarning] = Field(
        description="Parts of the request not used: unknown_employee (a mentee or mentor "
        "not in the model), unknown_skill (a skill_ids entry), duplicate (a mentee listed "
        "again)."
    )
