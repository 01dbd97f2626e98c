"""POST /plan: a development plan toward a goal, fitted to a weekly time budget."""

from __future__ import annotations

from dataclasses import asdict
from functools import partial
from typing import Any

import anyio.to_thread
from fastapi import APIRouter
from starlette.responses import Response

from recsvc.errors import UnknownRoleError, UnknownSkillError
from recsvc.recommend.careers.plan import Goal, Plan
from recsvc.service.career_schemas import PlanRequest, PlanResponse
from recsvc.service.convert import json_response
from recsvc.service.deps import ApiKeyDep, ServedDep
from recsvc.service.problems import ProblemError, problem_responses

__all__ = ["router", "unknown_id_problem"]

router = APIRouter(tags=["careers"], dependencies=[ApiKeyDep])


def unknown_id_problem(
    error: Exception, field: str, kind: str, where: str = "body"
) -> ProblemError:
    """404 naming the request field (in the body or query) that holds an unknown id.

    The request is well formed (a 422 would say it is not); what it asks about does not
    exist in the model: the role to plan toward, the skill or item to find an audience for.
    """
    message = str(error)
    errors = [{"field": field, "loc": [where, *field.split(".")], "msg": message, "type": kind}]
    return ProblemError(
        404, message, slug=kind.replace("_", "-"), title="Unknown id in request", errors=errors
    )


def _payload(plan: Plan) -> dict[str, Any]:
    out = asdict(plan)
    for item in out["items"]:
        item["reaches"] = [{"skill_id": s, "level": lv} for s, lv in item["reaches"]]
    return out


@router.post(
    "/plan",
    summary="Development plan toward a role or skills",
    response_model=PlanResponse,
    responses={
        200: {"description": "Milestones, items in order and a calendar of weeks."},
        **problem_responses(401, 403, 404, 413, 422, 500, 503),
    },
)
async def plan(body: PlanRequest, served: ServedDep) -> Response:
    """Plan learning toward a target role, skills with levels, or the employee's own role.

    Items are chosen for the most learning value within `weekly_minutes` x `horizon_weeks`
    (a mixed-integer program; `optimality_gap` bounds the distance to the best plan),
    ordered so prerequisites come first and levels are climbed in order, skipping what the
    person completed or proved; grouped into milestones (one per skill level reached, by
    expected level) with readiness after each, and laid on a calendar where no week holds
    more than `weekly_minutes`.
    """
    recommender = served.recommender
    g = body.goal
    goal = Goal(
        target_role_id=g.target_role_id,
        skills=tuple((s.skill_id, s.level) for s in g.skills or ()),
        my_role=g.my_role,
    )
    try:
        answer = await anyio.to_thread.run_sync(
            partial(
                recommender.plan,
                body.employee_id,
                goal,
                weekly_minutes=body.weekly_minutes,
                horizon_weeks=body.horizon_weeks,
                role_id=body.role_id,
            )
        )
    except UnknownSkillError as error:
        raise unknown_id_problem(error, "goal.skills", "unknown_skill") from error
    except UnknownRoleError as error:
        field = "role_id" if body.role_id and body.role_id in str(error) else "goal.target_role_id"
        if g.my_role and "no role" in str(error):
            field = "goal.my_role"
        raise unknown_id_problem(error, field, "unknown_role") from error
    payload = _payload(answer)
    payload["model_version"] = recommender.model_version
    payload["request_id"] = served.request_id
    return json_response(payload)
