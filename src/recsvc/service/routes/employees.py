"""GET /employees/{employee_id}/skill-gaps: an employee's gaps against a role, with content."""

from __future__ import annotations

from dataclasses import replace
from functools import partial
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from recsvc.errors import UnknownEmployeeError
from recsvc.recommend.query import SkillGapReport
from recsvc.service.convert import json_response
from recsvc.service.deps import ApiKeyDep, ServedDep
from recsvc.service.events import EventsHolder, served_employee_id
from recsvc.service.problems import problem_responses
from recsvc.service.schemas import SkillGapsResponse
from recsvc.service.state import RecommenderLike

__all__ = ["router"]

router = APIRouter(tags=["employees"], dependencies=[ApiKeyDep])

EmployeePath = Annotated[
    str,
    Path(min_length=1, max_length=128, description="Employee id.", examples=["E000012"]),
]
TargetRoleQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=128,
        description="Role to measure against; default the employee's target role in the "
        "bundle. A role the model does not know is ignored, with a warning.",
        examples=["R058"],
    ),
]
RoleQuery = Annotated[
    str | None,
    Query(
        min_length=1,
        max_length=128,
        description="Current role; default the employee's role in the bundle. A role the "
        "model does not know is ignored, with a warning.",
        examples=["R036"],
    ),
]


def _skill_gaps(
    recommender: RecommenderLike,
    events: EventsHolder | None,
    employee_id: str,
    *,
    target_role_id: str | None,
    role_id: str | None,
    content_per_gap: int,
) -> SkillGapReport:
    """The recommender's report; an erased employee is someone the model does not know."""
    served_id = served_employee_id(events, employee_id)
    if served_id != employee_id and role_id is None:
        raise UnknownEmployeeError(
            f"employee {employee_id!r} is not in the model; pass role_id to see the gaps of "
            "someone new in that role"
        )
    report = recommender.skill_gap_report(
        served_id,
        target_role_id=target_role_id,
        role_id=role_id,
        content_per_gap=content_per_gap,
    )
    return replace(report, employee_id=employee_id)


@router.get(
    "/employees/{employee_id}/skill-gaps",
    summary="Skill gaps of an employee against a role",
    response_model=SkillGapsResponse,
    responses={
        200: {
            "description": "Gaps, most important first.",
            "links": {
                "SimilarToGapContent": {
                    "operationId": "similar",
                    "parameters": {"content_id": "$response.body#/gaps/0/content_ids/0"},
                    "description": "Content similar to the first item suggested for the top gap.",
                }
            },
        },
        **problem_responses(401, 403, 404, 422, 500, 503),
    },
)
async def skill_gaps(
    employee_id: EmployeePath,
    served: ServedDep,
    target_role_id: TargetRoleQuery = None,
    role_id: RoleQuery = None,
) -> Response:
    """Current level, required level and gap per skill, with the content that would close it.

    Gaps are measured against the target role and the current role: the ones given, else
    the employee's in the bundle; `role_id` and `target_role_id` in the answer name the
    roles used. A role the model does not know is ignored (as if not given) and named in
    `warnings`. 404 when the bundle does not know the employee and no known `role_id` is
    given.
    """
    _, recommender = served.variant_for(employee_id)  # the bundle that answers them
    # a few ms of numpy per call: run it off the event loop
    report = await anyio.to_thread.run_sync(
        partial(
            _skill_gaps,
            recommender,
            served.events,
            employee_id,
            target_role_id=target_role_id,
            role_id=role_id,
            content_per_gap=served.settings.content_per_gap,
        )
    )
    return json_response(
        {
            "employee_id": employee_id,
            "role_id": report.role_id,
            "target_role_id": report.target_role_id,
            "model_version": recommender.model_version,
            "request_id": served.request_id,
            "gaps": [
                {
                    "skill_id": g.skill_id,
                    "skill_name": g.skill_name,
                    "current_level": g.current_level,
                    "required_level": g.required_level,
                    "gap": g.gap,
                    "weight": g.weight,
                    "content_ids": list(g.content_ids),
                    "level_uncertainty": g.level_uncertainty,
                    "evidence": g.evidence,
                }
                for g in report.gaps
            ],
            "warnings": [
                {"code": w.code, "field": w.field, "text": w.text} for w in report.warnings
            ],
        }
    )
