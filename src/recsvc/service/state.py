"""BundleHolder: the served recommender, swapped atomically after a full verified load."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol

import anyio
import anyio.to_thread

from recsvc.errors import BundleNotFoundError, RecsvcError
from recsvc.recommend.careers.audience import AudienceFilters, AudiencePage
from recsvc.recommend.careers.next_roles import NextRoles
from recsvc.recommend.careers.plan import Goal, Plan
from recsvc.recommend.query import Query, Recommendations, SimilarItem, SkillGapReport

__all__ = [
    "BundleHolder",
    "Loaded",
    "RecommenderLike",
    "ReloadFailure",
    "ReloadOutcome",
    "default_latest",
    "default_loader",
]

logger = logging.getLogger(__name__)


class RecommenderLike(Protocol):
    """What the service needs from ``recsvc.recommend.Recommender`` (fakes satisfy it too)."""

    @property
    def model_version(self) -> str: ...

    @property
    def manifest(self) -> Any: ...

    @property
    def capabilities(self) -> Any: ...

    def recommend(self, query: Query) -> Recommendations: ...

    def recommend_batch(self, queries: Sequence[Query]) -> list[Recommendations]: ...

    def skill_gap_report(
        self,
        employee_id: str,
        *,
        target_role_id: str | None = None,
        role_id: str | None = None,
        content_per_gap: int = 3,
    ) -> SkillGapReport: ...

    def similar(self, content_id: str, k: int) -> list[SimilarItem]: ...

    def next_roles(
        self, employee_id: str, k: int = 3, *, role_id: str | None = None
    ) -> NextRoles: ...

    def audience(
        self,
        *,
        content_id: str | None = None,
        skill_id: str | None = None,
        filters: AudienceFilters | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> AudiencePage: ...

    def plan(
        self,
        employee_id: str,
        goal: Goal,
        *,
        weekly_minutes: float,
        horizon_weeks: int | None = None,
        role_id: str | None = None,
    ) -> Plan: ...


Loader = Callable[[Path], RecommenderLike]
Latest = Callable[[Path], "str | None"]


def default_loader(
    path: Path,
    *,
    fallback_language: str | None = "en",
    peer_min_group: int = 5,
    exposure_floor_file: Path | None = None,
) -> RecommenderLike:
    """Verify and open the bundle at ``path`` (models folder with LATEST, or a version folder).

    ``fallback_language`` (RECSVC_FALLBACK_LANGUAGE) is content language acceptable to
    everyone besides their own; ``peer_min_group`` (RECSVC_PEER_MIN_GROUP) the fewest
    people behind a peer figure in reasons; ``exposure_floor_file``
    (RECSVC_EXPOSURE_FLOOR_FILE) the equal-access floor, read with each bundle. The app
    binds them from its settings.
    """
    from recsvc.bundle import read_bundle
    from recsvc.recommend import Recommender

    floor = None
    if exposure_floor_file is not None:
        import orjson

        try:
            floor = orjson.loads(Path(exposure_floor_file).read_bytes())
        except (OSError, orjson.JSONDecodeError) as error:
            raise ValueError(f"exposure floor file {exposure_floor_file}: {error}") from error
    return Recommender.from_bundle(
        read_bundle(path),
        fallback_language=fallback_language,
        peer_min_group=peer_min_group,
        exposure_floor=floor,
    )


def default_latest(models_dir: Path) -> str | None:
    """Version named by ``models_dir/LATEST``; None when the folder has none (or is missing)."""
    from recsvc.bundle import latest_version

    if not models_dir.is_dir():
        return None
    return latest_version(models_dir)


@dataclass(frozen=True)
class Loaded:
    """A recommender being served and where it came from."""

    recommender: RecommenderLike
    source_version: str | None
    loaded_at: datetime


@dataclass(frozen=True)
class ReloadFailure:
    """The last bundle that was refused; the detail holds no personal data (paths, reasons)."""

    version: str | None
    detail: str
    at: datetime
    pointer: tuple[int, int] | None = None  # (mtime_ns, size) of LATEST when it was refused


@dataclass(frozen=True)
class ReloadOutcome:
    status: Literal["reloaded", "unchanged", "refused"]
    model_version: str | None
    previous_version: str | None
    detail: str = ""


class BundleHolder:
    """Holds the current recommender; readers take ``.current`` without locking.

    A candidate is loaded and verified completely in a worker thread, then installed with one
    reference assignment, so in-flight requests finish on the bundle they started with and a
    refused bundle never replaces a good one.
    """

    def __init__(
        self,
        models_dir: Path,
        *,
        loader: Loader = default_loader,
        latest: Latest = default_latest,
        on_swap: Callable[[str | None, str], None] | None = None,
        on_failure: Callable[[], None] | None = None,
    ) -> None:
        self.models_dir = models_dir
        self._loader = loader
        self._latest = latest
        self._on_swap = on_swap
        self._on_failure = on_failure
        self._loaded: Loaded | None = None
        self._failure: ReloadFailure | None = None
        self._swap_lock = threading.Lock()
        self._reload_lock = anyio.Lock()

    @property
    def loaded(self) -> Loaded | None:
        """The current bundle, or None before the first successful load."""
        return self._loaded

    @property
    def last_failure(self) -> ReloadFailure | None:
        return self._failure

    def _install(self, recommender: RecommenderLike, source_version: str | None) -> str | None:
        with self._swap_lock:
            previous = self._loaded
            self._loaded = Loaded(recommender, source_version, datetime.now(UTC))
        old_version = previous.recommender.model_version if previous else None
        logger.info("serving bundle %s (was %s)", recommender.model_version, old_version)
        if self._on_swap is not None:
            self._on_swap(old_version, recommender.model_version)
        return old_version

    def _pointer(self) -> tuple[int, int] | None:
        """When and how LATEST was last written: rewriting it is the signal to try again."""
        try:
            stat = (self.models_dir / "LATEST").stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def _refuse(
        self, version: str | None, error: Exception, pointer: tuple[int, int] | None = None
    ) -> None:
        detail = f"{type(error).__name__}: {error}"
        # the detail is shown on /ready: name files relative to the models folder, not the host
        for prefix in {str(self.models_dir.resolve()), str(self.models_dir)}:
            detail = detail.replace(prefix, "<models>")
        self._failure = ReloadFailure(version, detail, datetime.now(UTC), pointer)
        logger.error(
            "refused bundle %s: %s; keeping the current one", version, self._failure.detail
        )
        if self._on_failure is not None:
            self._on_failure()

    async def reload(self, *, force: bool = False) -> ReloadOutcome:
        """Load the bundle LATEST names if it differs from the served one (or ``force``).

        Without ``force`` a version that was already refused is not retried while LATEST stays
        as it was, so a poller does not log the same failure every interval; rewriting LATEST
        (a publisher finishing its copy) or an operator's reload retries it.
        """
        async with self._reload_lock:
            current = self._loaded
            previous_version = current.recommender.model_version if current else None
            try:
                version = await anyio.to_thread.run_sync(self._latest, self.models_dir)
            except (OSError, RecsvcError) as error:
                self._refuse(None, error)
                return ReloadOutcome(
                    "refused", previous_version, previous_version, self._failure_detail()
                )
            if current is not None and version is None:
                return ReloadOutcome("unchanged", previous_version, previous_version)
            if current is not None and version == current.source_version:
                return ReloadOutcome("unchanged", previous_version, previous_version)
            failed = self._failure
            pointer = await anyio.to_thread.run_sync(self._pointer)
            if (
                not force
                and failed is not None
                and failed.version == version
                and failed.pointer == pointer
            ):
                return ReloadOutcome("refused", previous_version, previous_version, failed.detail)
            try:
                # load the folder LATEST named just now, not whatever LATEST says a moment later
                path = self.models_dir / version if version else self.models_dir
                recommender = await anyio.to_thread.run_sync(self._loader, path)
            except (OSError, ValueError, RecsvcError) as error:
                self._refuse(version, error, pointer)
                return ReloadOutcome(
                    "refused", previous_version, previous_version, self._failure_detail()
                )
            self._install(recommender, version)
            self._failure = None
            return ReloadOutcome("reloaded", recommender.model_version, previous_version)

    def _failure_detail(self) -> str:
        return self._failure.detail if self._failure else ""

    async def poll_forever(self, interval_s: float) -> None:
        """Reload whenever LATEST changes; runs until cancelled (by the app's lifespan)."""
        while True:
            await anyio.sleep(interval_s)
            try:
                await self.reload()
            except Exception:  # keep polling whatever one attempt did
                logger.exception("bundle poll failed; will retry")

    def require(self) -> RecommenderLike:
        """The current recommender, or BundleNotFoundError (answered 503) before any load."""
        loaded = self._loaded
        if loaded is None:
            raise BundleNotFoundError(
                "No model bundle is loaded yet; train one into the models folder and retry "
                "(GET /ready shows why the last load failed)."
            )
        return loaded.recommender
