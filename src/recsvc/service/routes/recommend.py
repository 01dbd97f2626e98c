"""POST /recommend and POST /recommend/batch: adapters from HTTP to the recommendation core."""

from __future__ import annotations

import logging
from typing import Any

import anyio.to_thread
from fastapi import APIRouter
from starlette.responses import Response

from recsvc.errors import BundleError, RecsvcError
from recsvc.recommend.query import Query, Recommendations
from recsvc.service.convert import (
    check_limits,
    json_response,
    limit_problem,
    recommendations_payload,
    to_query,
)
from recsvc.service.deps import ApiKeyDep, Served, ServedDep
from recsvc.service.events import (
    EventsHolder,
    answer_with_events,
    recommend_batch_with_events,
    recommend_with_events,
)
from recsvc.service.problems import domain_problem, problem_body, problem_responses
from recsvc.service.schemas import (
    BatchRecommendRequest,
    BatchRecommendResponse,
    RecommendRequest,
    RecommendResponse,
)
from recsvc.service.state import RecommenderLike

__all__ = ["router"]

logger = logging.getLogger(__name__)

router = APIRouter(tags=["recommendations"], dependencies=[ApiKeyDep])

# Where the core runs, measured (bench_serve.py: wrk -c16, one worker, 2,000-employee bundle,
# 2 noisy cores). With the core at ~0.5 ms, handing it to a worker thread costs more than it
# saves: the event loop thread drops the GIL at every socket call and then waits up to a
# switch interval for the core's thread to give it back, so /recommend made 580-600 req/s
# (p99 76-89 ms) with the hop and 1,110 req/s (p99 48-51 ms) inline, in alternating runs.
# So a single recommendation runs inline on the event loop. Batches (up to 500 queries, i.e.
# hundreds of ms) and skill gaps still go to a thread, so they never stall other requests.
# If the core grows past a few ms again, measure both ways with bench_serve.py.


# OpenAPI links: what a client (and the stateful fuzzer) can ask next with this answer
_RECOMMEND_LINKS = {
    "SimilarToFirstItem": {
        "operationId": "similar",
        "parameters": {"content_id": "$response.body#/items/0/content_id"},
        "description": "Content similar to the first recommended item.",
    },
    "SkillGapsOfEmployee": {
        "operationId": "skill_gaps",
        "parameters": {"employee_id": "$request.body#/employee_id"},
        "description": "The skill gaps of the employee the items are for.",
    },
}


@router.post(
    "/recommend",
    summary="Recommend learning items for one employee",
    response_model=RecommendResponse,
    responses={
        200: {"description": "Ranked items, best first.", "links": _RECOMMEND_LINKS},
        **problem_responses(401, 403, 413, 422, 500, 503),
    },
)
async def recommend(body: RecommendRequest, served: ServedDep) -> Response:
    """Recommend the next learning items for one employee.

    Need first: with the default `objective` (need) every item with learning value for the
    person comes before every item without, ordered by learning value x the chance the
    person takes it; items without value only fill in, labelled `fill_in`. Each item carries
    its `learning_value` and `engagement`; `score` is in [0, 1] and never rises down the list.

    Business rules always hold: nothing completed (in the bundle or in
    `context.recent_content_ids`), no retired content, prerequisites respected, language,
    format, duration and time-budget filters; refreshers (only what a recent test proved)
    only with `include_refreshers`. `context.recent_content_ids` and
    `context.recent_assessments` are folded into the profile for this request only; facts
    sent once to `POST /events` count the same way for every later request. Unknown
    employees get a cold-start answer; `strategy` says which was used.
    """
    settings = served.settings
    errors = check_limits(body, settings, ("body",))
    if errors:
        raise limit_problem(errors)
    variant, recommender = served.variant_for(body.employee_id)
    recs = await answer_with_events(recommender, served.events, to_query(body, settings))
    served.metrics.strategies.labels(recs.strategy).inc()
    served.metrics.variant_answers.labels(variant).inc()
    return json_response(recommendations_payload(recs, served.request_id, variant))


def _answer_each(
    recommender: RecommenderLike, events: EventsHolder | None, queries: list[Query]
) -> list[Recommendations | Exception]:
    """Every query's answer, or the error that query alone raised.

    The batch call is tried first (one pass); only if it fails is each query answered on its
    own, so one bad entry never costs the others their answers.
    """
    try:
        return list(recommend_batch_with_events(recommender, events, queries))
    except Exception:  # find out which entries fail, and keep the others
        pass
    out: list[Recommendations | Exception] = []
    for query in queries:
        try:
            out.append(recommend_with_events(recommender, events, query))
        except Exception as error:
            if not isinstance(error, RecsvcError):
                logger.exception("batch entry failed unexpectedly")
            out.append(error)
    return out


def _answer_by_variant(
    served: Served, queries: list[Query]
) -> list[tuple[str, Recommendations | Exception]]:
    """Each query answered by its employee's variant (one batch call per variant), in order.

    Entries of a variant whose bundle is not loaded yet get that error (a 503 failure).
    """
    groups: dict[str, list[int]] = {}
    for index, query in enumerate(queries):
        groups.setdefault(served.variant_name(query.employee_id), []).append(index)
    out: dict[int, tuple[str, Recommendations | Exception]] = {}
    for name, indices in groups.items():
        answers: list[Recommendations | Exception]
        try:
            recommender = served.recommender_of(name)
        except BundleError as error:
            answers = [error] * len(indices)
        else:
            answers = _answer_each(recommender, served.events, [queries[i] for i in indices])
        for i, answer in zip(indices, answers, strict=True):
            out[i] = (name, answer)
    return [out[i] for i in range(len(queries))]


def _failure(error: Exception, entry: RecommendRequest, request_id: str) -> dict[str, Any]:
    """The BatchFailure document of one entry: the problem a single call would have got."""
    problem = domain_problem(error)
    return {
        "employee_id": entry.employee_id,
        "request_id": request_id,
        "error": problem_body(
            problem.status,
            problem.detail,
            instance="/recommend/batch",
            request_id=request_id,
            slug=problem.slug,
            title=problem.title,
            errors=problem.errors,
        ),
    }


@router.post(
    "/recommend/batch",
    summary="Recommend for many employees in one call",
    response_model=BatchRecommendResponse,
    responses=problem_responses(401, 403, 413, 422, 500, 503),
)
async def recommend_batch(body: BatchRecommendRequest, served: ServedDep) -> Response:
    """Recommend for many employees in one call (nightly digests); answers keep request order.

    At most `RECSVC_MAX_BATCH_SIZE` (default 500) requests; each follows the rules of
    `POST /recommend` and is answered on its own: a result is either an answer or a
    failure holding the problem that entry alone would have got, so one entry never costs
    the others their answers. Each result's `request_id` is `<batch id>.<index>`. A body
    that breaks the schema is refused as a whole (422 naming each bad entry). The work runs
    in a worker thread so other requests keep flowing.
    """
    settings, recommender = served.settings, served.recommender
    if len(body.requests) > settings.max_batch_size:
        raise limit_problem(
            [
                {
                    "field": "requests",
                    "loc": ["body", "requests"],
                    "msg": f"List should have at most {settings.max_batch_size} items "
                    "(RECSVC_MAX_BATCH_SIZE)",
                    "type": "too_long",
                }
            ]
        )
    errors = [
        e
        for i, one in enumerate(body.requests)
        for e in check_limits(one, settings, ("body", "requests", i))
    ]
    if errors:
        raise limit_problem(errors)
    queries = [to_query(one, settings) for one in body.requests]
    answers = await anyio.to_thread.run_sync(_answer_by_variant, served, queries)
    request_id = served.request_id
    results: list[dict[str, Any]] = []
    for index, (entry, (variant, answer)) in enumerate(zip(body.requests, answers, strict=True)):
        entry_id = f"{request_id}.{index}"
        if isinstance(answer, Exception):
            results.append(_failure(answer, entry, entry_id))
            continue
        served.metrics.strategies.labels(answer.strategy).inc()
        served.metrics.variant_answers.labels(variant).inc()
        results.append(recommendations_payload(answer, entry_id, variant))
    return json_response(
        {"model_version": recommender.model_version, "request_id": request_id, "results": results}
    )
