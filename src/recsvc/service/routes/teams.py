"""GET /teams/{manager_id}/skills: an adapter from HTTP to :mod:`recsvc.people.team`."""

from __future__ import annotations

from dataclasses import asdict
from functools import partial
from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Path, Query
from starlette.responses import Response

from recsvc.people import team as teams
from recsvc.service.convert import json_response
from recsvc.service.deps import ApiKeyDep, EventsDep, ServedDep
from recsvc.service.events import erased_check
from recsvc.service.problems import problem_responses
from recsvc.service.routes.core import require_core
from recsvc.service.team_schemas import TeamSkillsResponse

__all__ = ["router"]

router = APIRouter(tags=["people"], dependencies=[ApiKeyDep])

ManagerPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=128,
        description="Employee id of the manager (the manager_id of their reports).",
        examples=["E000340"],
    ),
]
TopQuery = Annotated[
    int, Query(ge=1, le=50, description="Skills and items to list.", examples=[10])
]


@router.get(
    "/teams/{manager_id}/skills",
    summary="Skill gaps, readiness and top content of a manager's team",
    response_model=TeamSkillsResponse,
    responses={
        200: {"description": "Aggregates over the manager's direct reports."},
        **problem_responses(401, 403, 404, 422, 500, 503),
    },
)
async def team_skills(
    manager_id: ManagerPath, served: ServedDep, events: EventsDep, top: TopQuery = 10
) -> Response:
    """The team's aggregate skill gaps, readiness for target roles and most valuable content.

    The team is the manager's direct reports. Every figure is an aggregate over at least
    `RECSVC_PEER_MIN_GROUP` (5) people: a smaller team gets only its size, and skills or
    target roles fewer members share are withheld (and counted). 404 when the bundle does
    not know the manager. People erased on a data-protection request are left out.
    """
    recommender = require_core(served)
    erased = await anyio.to_thread.run_sync(erased_check, events)
    team = await anyio.to_thread.run_sync(
        partial(
            teams.team_skills,
            recommender,
            manager_id,
            min_group_size=served.settings.peer_min_group,
            top=top,
            erased=erased,
        )
    )
    return json_response(
        {
            "manager_id": team.manager_id,
            "model_version": recommender.model_version,
            "request_id": served.request_id,
            "team_size": team.team_size,
            "min_group_size": team.min_group_size,
            "withheld": team.withheld,
            "gaps": [asdict(g) for g in team.gaps],
            "skills_withheld": team.skills_withheld,
            "readiness": [asdict(r) for r in team.readiness],
            "target_roles_withheld": team.target_roles_withheld,
            "items": [asdict(i) for i in team.items],
        }
    )
