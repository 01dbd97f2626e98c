"""The explorer: read-only HTML pages for an L&D lead (RECSVC_EXPLORER, behind the admin key).

Server-rendered (:mod:`recsvc.service.explorer_pages`), no scripts, no build step. Off by
default: every /explorer path answers 404 unless ``RECSVC_EXPLORER=true`` and an admin key
is set. Pages are not part of the JSON API, so they stay out of ``openapi.yaml``.
"""

from __future__ import annotations

import math
from functools import partial
from pathlib import Path
from urllib.parse import parse_qs

import anyio.to_thread
from fastapi import APIRouter, Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from recsvc.errors import RecsvcError
from recsvc.people.profile import EmployeeProfile, employee_profile
from recsvc.people.team import team_skills
from recsvc.recommend import Recommender
from recsvc.recommend.careers.plan import Goal, Plan
from recsvc.recommend.query import Query, Recommendations
from recsvc.service import explorer_pages as pages
from recsvc.service.deps import EventsDep, ServedDep
from recsvc.service.events import EventsHolder, erased_check, trained_through, with_facts
from recsvc.service.explorer_html import STYLE, url
from recsvc.service.explorer_session import COOKIE, SESSION_SECONDS, is_admin, new_session
from recsvc.service.problems import ProblemError
from recsvc.service.routes.core import require_core

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_EXAMPLES = 5
_MAX_TEAMS = 200
_MAX_IDS = 5000  # ids offered in the picker's suggestions


def _secret(request: Request) -> bytes:
    """The admin key's digest (404 while the explorer is off or no admin key is set)."""
    settings = request.app.state.settings
    if not settings.explorer or settings.admin_key is None:
        raise ProblemError(
            404, "The explorer is off; set RECSVC_EXPLORER=true and RECSVC_ADMIN_KEY."
        )
    digest: bytes = settings.admin_key.digest
    return digest


def _signed_in(request: Request) -> bool:
    return is_admin(request, _secret(request))


def _html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status)


def _login() -> RedirectResponse:
    return RedirectResponse(url("login"), status_code=303)


@router.get("/explorer/style.css")
async def style(request: Request) -> Response:
    _secret(request)
    return Response(STYLE, media_type="text/css")


@router.get("/explorer/login")
async def login_form(request: Request) -> Response:
    _secret(request)
    return _html(pages.login_page())


@router.post("/explorer/login")
async def login(request: Request) -> Response:
    secret = _secret(request)
    form = parse_qs((await request.body()).decode("utf-8", "replace"))
    key = (form.get("key") or [""])[0]
    if not key or request.app.state.admin_keys.match(key) is None:
        return _html(pages.login_page("That is not the admin key."), status=403)
    response = RedirectResponse(url(), status_code=303)
    response.set_cookie(
        COOKIE,
        new_session(secret),
        max_age=SESSION_SECONDS,
        path="/explorer",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/explorer/logout")
async def logout(request: Request) -> Response:
    _secret(request)
    response = RedirectResponse(url("login"), status_code=303)
    response.delete_cookie(COOKIE, path="/explorer")
    return response


@router.get("/explorer")
async def index(request: Request, served: ServedDep) -> Response:
    if not _signed_in(request):
        return _login()
    rec = require_core(served)
    boss = rec.directory.manager
    sizes = [(int(m), int((boss == m).sum())) for m in sorted(set(boss[boss >= 0].tolist()))]
    sizes.sort(key=lambda t: (-t[1], t[0]))
    ids = rec.state.employees.ids
    examples = [ids[i] for i in range(0, len(ids), max(1, len(ids) // _EXAMPLES))][:_EXAMPLES]
    teams = [(ids[m], n) for m, n in sizes[:_MAX_TEAMS]]
    return _html(pages.index_page(examples, teams, ids[:_MAX_IDS]))


@router.get("/explorer/employee")
async def pick_employee(request: Request, employee_id: str = "") -> Response:
    if not _signed_in(request):
        return _login()
    picked = employee_id.strip()
    return RedirectResponse(url("employees", picked) if picked else url(), status_code=303)


class _NotFound(Exception):
    """A page that does not exist, answered as a page (people read these, not programs)."""


def _missing(error: _NotFound) -> HTMLResponse:
    return _html(pages.missing_page(str(error)), status=404)


def _employee_view(
    rec: Recommender, events: EventsHolder, employee_id: str
) -> tuple[EmployeeProfile, Recommendations]:
    """Profile and recommendations, with the stored facts newer than the bundle folded in."""
    if erased_check(events)(employee_id) or not rec.has_employee(employee_id):
        raise _NotFound(f"Employee {employee_id!r} is not in the model.")
    query = Query(employee_id, k=10)
    store = events.open()
    if store is not None:
        query = with_facts(query, store.facts_for(employee_id, after_seq=trained_through(rec)), rec)
    return employee_profile(rec, employee_id, query.context), rec.recommend(query)


@router.get("/explorer/employees/{employee_id}")
async def employee(
    request: Request, employee_id: str, served: ServedDep, events: EventsDep
) -> Response:
    if not _signed_in(request):
        return _login()
    rec = require_core(served)
    try:
        profile, recs = await anyio.to_thread.run_sync(_employee_view, rec, events, employee_id)
    except _NotFound as error:
        return _missing(error)
    return _html(pages.employee_page(profile, recs))


#: the plan page's weekly budget when the page is opened without one
DEFAULT_WEEKLY_MINUTES = 120.0


def _plan(
    rec: Recommender, profile: EmployeeProfile, weekly_minutes: float
) -> tuple[Plan | None, str | None]:
    """POST /plan's plan toward the target role (else the own role), or why there is none."""
    target = rec.state.employee_target_role[rec.state.employees.index_of(profile.employee_id)]
    goal = (
        Goal(target_role_id=rec.state.roles.id_of(int(target)))
        if target >= 0
        else Goal(my_role=True)
    )
    try:
        return rec.plan(profile.employee_id, goal, weekly_minutes=weekly_minutes), None
    except RecsvcError as error:
        return None, f"No plan: {error}"


@router.get("/explorer/employees/{employee_id}/plan")
async def plan(
    request: Request,
    employee_id: str,
    served: ServedDep,
    events: EventsDep,
    weekly_minutes: float = DEFAULT_WEEKLY_MINUTES,
) -> Response:
    if not _signed_in(request):
        return _login()
    rec = require_core(served)
    weekly = min(max(weekly_minutes, 1.0), 10_080.0) if math.isfinite(weekly_minutes) else 120.0
    try:
        profile, _ = await anyio.to_thread.run_sync(_employee_view, rec, events, employee_id)
    except _NotFound as error:
        return _missing(error)
    made, note = await anyio.to_thread.run_sync(_plan, rec, profile, weekly)
    return _html(pages.plan_page(profile, made, note, weekly))


@router.get("/explorer/teams/{manager_id}")
async def team(request: Request, manager_id: str, served: ServedDep, events: EventsDep) -> Response:
    if not _signed_in(request):
        return _login()
    rec = require_core(served)
    erased = await anyio.to_thread.run_sync(erased_check, events)
    if erased(manager_id) or not rec.has_employee(manager_id):
        return _missing(_NotFound(f"Manager {manager_id!r} is not in the model."))
    view = await anyio.to_thread.run_sync(
        partial(
            team_skills,
            rec,
            manager_id,
            min_group_size=served.settings.peer_min_group,
            erased=erased,
        )
    )
    return _html(pages.team_page(view))


def _plots(folder: Path | None) -> dict[str, Path]:
    """PNG files in the report folder and its direct subfolders, by a URL-safe name."""
    if folder is None or not folder.is_dir():
        return {}
    found = sorted([*folder.glob("*.png"), *folder.glob("*/*.png")])
    return {"--".join(p.relative_to(folder).parts): p for p in found}


def _caption(name: str) -> str:
    return name.removesuffix(".png").replace("--", ": ").replace("_", " ")


@router.get("/explorer/reports")
async def reports(request: Request) -> Response:
    if not _signed_in(request):
        return _login()
    folder = request.app.state.settings.report_dir
    plots = [(name, _caption(name)) for name in _plots(folder)]
    return _html(pages.reports_page(plots, None if folder is None else str(folder)))


@router.get("/explorer/reports/{name}")
async def report_plot(request: Request, name: str) -> Response:
    if not _signed_in(request):
        return _login()
    path = _plots(request.app.state.settings.report_dir).get(name)
    if path is None:  # only files listed above: no path ever comes from the request
        raise ProblemError(404, f"No plot {name!r} in the report folder.")
    return FileResponse(path, media_type="image/png")


@router.get("/explorer/{rest:path}")
async def not_found(request: Request, rest: str) -> Response:
    _secret(request)
    raise ProblemError(404, f"No explorer page {rest!r}.")
