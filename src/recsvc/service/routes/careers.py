"""GET /employees/{employee_id}/next-roles: likely next roles with readiness, gaps and moves."""

from __future__ import annotations

from dataclasses import asdict
from functools import partial
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Query
from starlette.responses import Response

from recsvc.errors import UnknownRoleError
from recsvc.service.career_schemas import NextRolesResponse
from recsvc.service.convert import json_response
from recsvc.service.deps import ApiKeyDep, ServedDep
from recsvc.service.problems import problem_responses
from recsvc.service.routes.employees import EmployeePath
from recsvc.service.routes.plan import unknown_id_problem

__all__ = ["MAX_NEXT_ROLES", "router"]

router = APIRouter(tags=["careers"], dependencies=[ApiKeyDep])

#: the most next roles one call returns
MAX_NEXT_ROLES = 20


@router.get(
    "/employees/{employee_id}/next-roles",
    summary="Likely next roles of an employee",
    response_model=NextRolesResponse,
    responses={
        200: {
            "description": "Next roles, most likely first.",
            "links": {
                "SkillGapsForNextRole": {
                    "operationId": "skill_gaps",
                    "parameters": {
                        "employee_id": "$request.path.employee_id",
                        "target_role_id": "$response.body#/roles/0/role_id",
                    },
                    "description": "The employee's gaps against the most likely next role.",
                }
            },
        },
        **problem_responses(401, 403, 404, 422, 500, 503),
    },
)
async def next_roles(
    employee_id: EmployeePath,
    served: ServedDep,
    k: Annotated[
        int, Query(ge=1, le=MAX_NEXT_ROLES, description="Roles wanted (1-20).", examples=[3])
    ] = 3,
    role_id: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=128,
            description="Start from this role instead of the employee's role in the bundle "
            "(required for an employee the bundle does not know).",
            examples=["R001"],
        ),
    ] = None,
) -> Response:
    """Likely next roles from the employee's role, each with readiness, gaps and moves.

    Moves come from declared career paths and observed role histories. `readiness` is the
    share of the role's weighted skill requirement already met; `people_moved` and
    `typical_months` are shown only when at least 5 people made the move. 404 when the
    bundle does not know the employee and no `role_id` is given.
    """
    recommender = served.recommender
    try:
        answer = await anyio.to_thread.run_sync(
            partial(recommender.next_roles, employee_id, k, role_id=role_id)
        )
    except UnknownRoleError as error:
        raise unknown_id_problem(error, "role_id", "unknown_role", "query") from error
    return json_response(
        {
            "employee_id": answer.employee_id,
            "role_id": answer.role_id,
            "role_title": answer.role_title,
            "months_in_role": answer.months_in_role,
            "model_version": recommender.model_version,
            "request_id": served.request_id,
            "roles": [
                {**asdict(r), "sources": list(r.sources), "gaps": [asdict(g) for g in r.gaps]}
                for r in answer.roles
            ],
        }
    )
