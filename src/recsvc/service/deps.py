"""Dependency aliases routes declare: what a data route is served with, holder, metrics, keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from recsvc.attribution import DEFAULT_VARIANT
from recsvc.config import ServeSettings
from recsvc.service.events import EventsHolder
from recsvc.service.metrics import ServiceMetrics
from recsvc.service.security import require_admin_key, require_api_key
from recsvc.service.state import BundleHolder, RecommenderLike
from recsvc.service.variants import Variants

__all__ = [
    "AdminKeyDep",
    "ApiKeyDep",
    "EventsDep",
    "HolderDep",
    "MetricsDep",
    "Served",
    "ServedDep",
    "VariantsDep",
    "get_events",
    "get_holder",
    "get_served",
]

# All dependencies are `async def` on purpose: FastAPI sends a plain `def` dependency to the
# thread pool, which costs far more than the attribute lookup it does.


async def get_holder(request: Request) -> BundleHolder:
    holder: BundleHolder = request.app.state.holder
    return holder


async def get_variants(request: Request) -> Variants:
    variants: Variants = request.app.state.variants
    return variants


async def get_metrics(request: Request) -> ServiceMetrics:
    metrics: ServiceMetrics = request.app.state.metrics
    return metrics


@dataclass(frozen=True, slots=True)
class Served:
    """Everything a data route needs, resolved as one dependency.

    FastAPI's dependency resolution costs tens of microseconds per dependency; one bundle of
    them instead of five measured ~0.2 ms less per /recommend call.
    """

    recommender: RecommenderLike
    settings: ServeSettings
    metrics: ServiceMetrics
    request_id: str
    events: EventsHolder | None = None
    variants: Variants | None = None

    def variant_name(self, employee_id: str) -> str:
        """The A/B variant assigned to ``employee_id`` (always the same one)."""
        if self.variants is None:
            return DEFAULT_VARIANT
        return self.variants.pick(employee_id).name

    def recommender_of(self, variant: str) -> RecommenderLike:
        """The recommender of a variant; BundleNotFoundError (503) while it has none."""
        if self.variants is None or variant == self.variants.primary.name:
            return self.recommender
        return self.variants.named(variant).holder.require()

    def variant_for(self, employee_id: str) -> tuple[str, RecommenderLike]:
        """The A/B variant assigned to ``employee_id`` and its recommender."""
        name = self.variant_name(employee_id)
        return name, self.recommender_of(name)


async def get_served(request: Request) -> Served:
    """The recommender (503 before any load), settings, metrics and request id of a request."""
    state = request.app.state
    holder: BundleHolder = state.holder
    return Served(
        holder.require(),
        state.settings,
        state.metrics,
        request.state.request_id,
        getattr(state, "events", None),
        getattr(state, "variants", None),
    )


async def get_events(request: Request) -> EventsHolder:
    events: EventsHolder = request.app.state.events
    return events


HolderDep = Annotated[BundleHolder, Depends(get_holder)]
VariantsDep = Annotated[Variants, Depends(get_variants)]
MetricsDep = Annotated[ServiceMetrics, Depends(get_metrics)]
ServedDep = Annotated[Served, Depends(get_served)]
EventsDep = Annotated[EventsHolder, Depends(get_events)]
ApiKeyDep = Depends(require_api_key)
AdminKeyDep = Depends(require_admin_key)
