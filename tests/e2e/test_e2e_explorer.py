"""The explorer in a real browser (Playwright driving Debian's chromium) and over plain HTTP.

The browser signs in with the admin key, picks ``analyst_a`` (``people_org.py``), checks the
skill state, gaps and recommendations with reasons, follows "Development plan", then the
manager's team link, and checks the team's figures; then the report plots load. It skips,
saying why, when no chromium binary or no Playwright is installed (CI installs both:
``.ci/chromium.sh``).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from need_orgs import NeedOrg
from people_org import ANALYST_LEAD
from typer.testing import CliRunner

from recsvc.cli import app as cli
from recsvc.config import ServeSettings
from recsvc.keys import hash_api_key
from recsvc.service.app import create_app
from uvicorn_thread import serve_in_thread

pytestmark = pytest.mark.e2e

ADMIN_KEY = "explorer-admin-key-0123456789"


def chromium_path() -> str | None:
    """RECSVC_TEST_CHROMIUM, else Debian's chromium on PATH."""
    return os.environ.get("RECSVC_TEST_CHROMIUM") or shutil.which("chromium")


@pytest.fixture(scope="module")
def base_url(
    people_models: tuple[NeedOrg, Path], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    _, models = people_models
    reports = tmp_path_factory.mktemp("reports")
    done = CliRunner().invoke(
        cli, ["report", "skills", "--models", str(models), "--out", str(reports / "skills")]
    )
    assert done.exit_code == 0, done.output
    settings = ServeSettings(
        models_dir=models,
        reload_interval_s=0,
        events_url=None,
        explorer=True,
        admin_key=hash_api_key(ADMIN_KEY),
        report_dir=reports,
    )
    url, server, thread = serve_in_thread(create_app(settings), name="uvicorn-explorer")
    try:
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def test_the_explorer_is_off_by_default(people_models: tuple[NeedOrg, Path]) -> None:
    _, models = people_models
    settings = ServeSettings(
        models_dir=models, reload_interval_s=0, events_url=None, admin_key=hash_api_key(ADMIN_KEY)
    )
    url, server, thread = serve_in_thread(create_app(settings), name="uvicorn-explorer-off")
    try:
        with httpx.Client(base_url=url) as client:
            answer = client.get("/explorer", headers={"X-Admin-Key": ADMIN_KEY})
            assert answer.status_code == 404
            assert "RECSVC_EXPLORER" in answer.json()["detail"]
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def test_only_the_admin_key_gets_in(base_url: str) -> None:
    with httpx.Client(base_url=base_url) as client:
        first = client.get("/explorer/employees/analyst_a")
        assert first.status_code == 303 and first.headers["location"] == "/explorer/login"
        wrong = client.post("/explorer/login", data={"key": "not-the-key-0123456789"})
        assert wrong.status_code == 403
        assert client.get("/explorer/teams/analyst_00").status_code == 303
        page = client.get("/explorer/employees/analyst_a", headers={"X-Admin-Key": ADMIN_KEY})
        assert page.status_code == 200 and "Skill state" in page.text
        policy = page.headers["content-security-policy"]
        assert "script-src" not in policy and "default-src 'none'" in policy
        signed = client.post("/explorer/login", data={"key": ADMIN_KEY})
        assert signed.status_code == 303
        cookie = signed.headers["set-cookie"]
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and ADMIN_KEY not in cookie
        assert client.get("/explorer/teams/analyst_00").status_code == 200  # the cookie
        missing = client.get("/explorer/employees/nobody")
        assert missing.status_code == 404 and "not in the model" in missing.text
        assert missing.headers["content-type"].startswith("text/html")
        assert client.get("/explorer/teams/nobody").status_code == 404
        assert client.get("/explorer/employee?employee_id=+").headers["location"] == "/explorer"
        assert client.get("/explorer/reports/..--secret.png").status_code == 404


def test_click_through_employee_plan_team_in_a_browser(base_url: str) -> None:
    path = chromium_path()
    if path is None:
        pytest.skip("no chromium binary: apt-get install chromium (or set RECSVC_TEST_CHROMIUM)")
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed (pip install playwright)"
    )
    with sync_api.sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=path, args=["--no-sandbox"])
        except sync_api.Error as error:
            pytest.skip(f"chromium at {path} does not start: {error}")
        try:
            page = browser.new_page()
            page.goto(f"{base_url}/explorer")
            assert page.url.endswith("/explorer/login")
            page.fill("input[name=key]", ADMIN_KEY)
            page.click("button[type=submit] >> text=Sign in")
            page.wait_for_url(f"{base_url}/explorer")

            # pick an employee
            page.fill("[data-testid=employee-input]", "analyst_a")
            page.click("[data-testid=employee-go]")
            page.wait_for_url("**/explorer/employees/analyst_a")
            skills = page.locator("[data-testid=skills]")
            sql = skills.locator("tr", has_text="SQL")
            assert sql.count() == 1
            assert "±" in sql.inner_text() and "assessed" in sql.inner_text()
            recs = page.locator("[data-testid=recommendations] tbody tr")
            assert recs.count() >= 1
            assert "SQL level 3" in recs.first.inner_text()  # need first, with its reason
            assert "SQL" in recs.first.locator("td").last.inner_text()

            # the development plan
            page.click("[data-testid=plan]")
            page.wait_for_url("**/explorer/employees/analyst_a/plan")
            summary = page.locator("[data-testid=plan-summary]").inner_text()
            assert "role analyst requires" in summary and "120 minutes" in summary
            milestones = page.locator("[data-testid=milestones]").inner_text()
            assert "SQL level 3" in milestones  # the one gap of their role, closed
            assert "SQL level 3" in page.locator("[data-testid=plan-items]").inner_text()

            # the team
            page.click("[data-testid=manager-team]")
            page.wait_for_url(f"**/explorer/teams/{ANALYST_LEAD}")
            assert page.locator("h1").inner_text() == f"Team of {ANALYST_LEAD}"
            gaps = page.locator("[data-testid=team-gaps]")
            assert gaps.locator("tr", has_text="SQL").count() == 1
            assert page.locator("text=Data Scientist").count() >= 1  # readiness row

            # the plots
            page.click("text=Impact and fairness")
            image = page.locator("[data-testid=plots] img").first
            image.wait_for()
            # loaded and decoded (attached is not enough: naturalWidth is 0 until then)
            page.wait_for_function(
                "(img) => img.complete && img.naturalWidth > 100", arg=image.element_handle()
            )
        finally:
            browser.close()
