"""Service test fixtures: an in-test fake recommender with known answers, and app clients."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import anyio.from_thread
import httpx
import pytest
from fastapi import FastAPI

from recsvc.config import ServeSettings
from recsvc.errors import (
    BundleIntegrityError,
    BundleNotFoundError,
    UnknownContentError,
    UnknownEmployeeError,
)
from recsvc.recommend.query import (
    InputWarning,
    Query,
    Reason,
    Recommendations,
    RecommendedItem,
    SimilarItem,
    SkillGap,
    SkillGapReport,
)
from recsvc.service.app import create_app

CATALOGUE = {
    f"C{i:03d}": (f"Course {i}", "course" if i % 2 else "video", 30.0 + i) for i in range(20)
}
EMPLOYEES = {"E001": ("C000",), "E002": ()}
ROLES = {"R1", "R2"}
SKILLS = {"S1", "S2"}
FAILING_EMPLOYEE = "E-FAILS"  # the fake core raises for this one (to test batch isolation)


@dataclass(frozen=True)
class FakeManifest:
    version: str
    created_at: Any = None
    schema_version: int = 1
    metrics: dict[str, float] = field(default_factory=lambda: {"ndcg_at_10": 0.31})
    params: dict[str, Any] = field(default_factory=lambda: {"factors": 8})
    row_counts: dict[str, int] = field(default_factory=lambda: {"enrolments": 3})


class FakeRecommender:
    """Ranks the catalogue in id order, skipping completed, recent and excluded ids.

    Just enough behaviour to test the HTTP adapter against answers known in advance.
    """

    def __init__(self, version: str = "v1") -> None:
        self.model_version = version
        self.manifest = FakeManifest(version)
        self.capabilities = frozenset({"cf", "skills"})
        self.calls: list[Query] = []

    def recommend(self, query: Query) -> Recommendations:
        self.calls.append(query)
        if query.employee_id == FAILING_EMPLOYEE:
            raise RuntimeError("the core failed for this one request")
        ctx = query.context
        warnings = [
            InputWarning("unknown_role", f"context.{name}", f"{name} {role!r} ignored")
            for name, role in (("role_id", ctx.role_id), ("target_role_id", ctx.target_role_id))
            if role is not None and role not in ROLES
        ]
        skills = list(ctx.project.skill_ids) if ctx.project else []
        skills += [a.skill_id for a in ctx.recent_assessments]
        warnings += [
            InputWarning("unknown_skill", "context", f"skill {skill!r} ignored")
            for skill in skills
            if skill not in SKILLS
        ]
        known = query.employee_id in EMPLOYEES
        done = set(EMPLOYEES.get(query.employee_id, ())) | set(ctx.recent_content_ids)
        done |= set(query.filters.exclude_content_ids)
        ids = [c for c in CATALOGUE if c not in done][: query.k]
        items = tuple(
            RecommendedItem(
                content_id=c,
                title=CATALOGUE[c][0],
                format=CATALOGUE[c][1],
                duration_minutes=CATALOGUE[c][2],
                score=1.0 / (rank + 1),
                rank=rank + 1,
                reasons=(Reason("popular", "Popular with peers.", {"n": 3}),)
                if query.explain
                else (),
                learning_value=2.0 / (rank + 1),
                engagement=0.5,
            )
            for rank, c in enumerate(ids)
        )
        strategy = "personalised" if known else "cold_start_popularity"
        return Recommendations(
            query.employee_id, self.model_version, strategy, items, tuple(warnings)
        )

    def recommend_batch(self, queries: Sequence[Query]) -> list[Recommendations]:
        return [self.recommend(q) for q in queries]

    def skill_gap_report(
        self,
        employee_id: str,
        *,
        target_role_id: str | None = None,
        role_id: str | None = None,
        content_per_gap: int = 3,
    ) -> SkillGapReport:
        if employee_id not in EMPLOYEES:
            raise UnknownEmployeeError(f"unknown employee {employee_id!r}")
        warnings = tuple(
            InputWarning("unknown_role", name, f"{name} {role!r} ignored")
            for name, role in (("role_id", role_id), ("target_role_id", target_role_id))
            if role is not None and role not in ROLES
        )
        role_id = role_id if role_id in ROLES else "R1"
        target_role_id = target_role_id if target_role_id in ROLES else None
        gaps = (
            SkillGap(
                "S1",
                "Python",
                1.0,
                3.0,
                2.0,
                0.9,
                ("C001", "C002")[:content_per_gap],
                level_uncertainty=0.4,
                evidence="assessed",
            ),
        )
        return SkillGapReport(employee_id, role_id, target_role_id, gaps, warnings)

    def similar(self, content_id: str, k: int) -> list[SimilarItem]:
        if content_id not in CATALOGUE:
            raise UnknownContentError(f"unknown content id {content_id!r}")
        return [SimilarItem(c, CATALOGUE[c][0], 0.5) for c in CATALOGUE if c != content_id][:k]


class FakeStore:
    """A models folder in memory: ``latest`` names a version, ``load`` builds or refuses it."""

    def __init__(self, version: str | None = "v1") -> None:
        self.version = version
        self.broken: set[str] = set()
        self.loads = 0

    def latest(self, models_dir: Path) -> str | None:
        return self.version

    def load(self, path: Path) -> FakeRecommender:
        self.loads += 1
        if self.version is None:
            raise BundleNotFoundError(f"no bundle in {path}")
        version = path.name
        if version in self.broken:
            raise BundleIntegrityError(f"checksum mismatch in {path / 'cf_items.npy'}")
        return FakeRecommender(version)


def settings_for(tmp_path: Path, **overrides: Any) -> ServeSettings:
    values: dict[str, Any] = {"models_dir": tmp_path, "reload_interval_s": 0}
    values.update(overrides)
    return ServeSettings(**values)


class AppClient:
    """A synchronous httpx client over the ASGI app, with the lifespan running.

    Starlette's TestClient warns that it wants httpx2 (an error under filterwarnings=error),
    so this drives ``httpx.ASGITransport`` through an anyio blocking portal instead.
    """

    def __init__(self, app: FastAPI) -> None:
        self.app = app
        self._stack = contextlib.ExitStack()
        self._portal = self._stack.enter_context(anyio.from_thread.start_blocking_portal())
        self._stack.enter_context(
            self._portal.wrap_async_context_manager(app.router.lifespan_context(app))
        )
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver"
        )

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        return self._portal.call(partial(self._client.request, method, url, **kwargs))

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def close(self) -> None:
        self._portal.call(self._client.aclose)
        self._stack.close()


MakeClient = Callable[..., AppClient]


@pytest.fixture
def store() -> FakeStore:
    return FakeStore()


@pytest.fixture
def make_client(tmp_path: Path, store: FakeStore) -> Iterator[MakeClient]:
    """Build an app over ``store`` with settings overrides; its lifespan runs until teardown."""
    clients: list[AppClient] = []

    def make(**overrides: Any) -> AppClient:
        app = create_app(
            settings_for(tmp_path, **overrides), loader=store.load, latest=store.latest
        )
        client = AppClient(app)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def client(make_client: MakeClient) -> AppClient:
    return make_client()


@pytest.fixture
def fake_recommender() -> type[FakeRecommender]:
    """The fake core's class, for tests that load their own bundles."""
    return FakeRecommender


@pytest.fixture
def build_client(tmp_path: Path) -> Iterator[Callable[..., AppClient]]:
    """Build an app with its own ``loader`` and ``latest`` and settings overrides."""
    clients: list[AppClient] = []

    def make(
        loader: Callable[[Path], Any], latest: Callable[[Path], Any], **overrides: Any
    ) -> AppClient:
        app = create_app(settings_for(tmp_path, **overrides), loader=loader, latest=latest)
        client = AppClient(app)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()
