"""Prometheus metrics of one app: requests and latency per route template, model and reloads."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest

__all__ = ["CONTENT_TYPE_LATEST", "ServiceMetrics"]

# Each app owns its registry, so several apps (tests) never clash. With more than one uvicorn
# worker each process counts on its own and a scrape sees one worker at random: run one worker
# per container (the default) or switch prometheus_client to multiprocess mode.

# request latency buckets: sub-millisecond resolution where /recommend should live
_BUCKETS = (0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class ServiceMetrics:
    """The service's metrics. Label values are route templates, never raw paths or ids."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "recsvc_http_requests",
            "HTTP requests answered, by method, route template and status code.",
            ("method", "route", "status"),
            registry=self.registry,
        )
        self.latency = Histogram(
            "recsvc_http_request_duration_seconds",
            "Time from request start to the end of the response, by route template.",
            ("method", "route"),
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.model_info = Gauge(
            "recsvc_model_info",
            "The bundle being served (value 1, version in the label).",
            ("version",),
            registry=self.registry,
        )
        self.model_loaded = Gauge(
            "recsvc_model_loaded",
            "1 when a bundle is loaded and requests can be answered.",
            registry=self.registry,
        )
        self.reloads = Counter(
            "recsvc_bundle_reloads",
            "Bundle load attempts, by outcome (success or failure).",
            ("outcome",),
            registry=self.registry,
        )
        self.strategies = Counter(
            "recsvc_recommendations",
            "Recommendation answers, by strategy (personalised, cold start...).",
            ("strategy",),
            registry=self.registry,
        )
        self.variant_info = Gauge(
            "recsvc_variant_model_info",
            "The bundle each A/B variant serves (value 1; variant and version in the labels).",
            ("variant", "version"),
            registry=self.registry,
        )
        self.variant_answers = Counter(
            "recsvc_variant_recommendations",
            "Recommendation answers, by A/B variant.",
            ("variant",),
            registry=self.registry,
        )
        self.key_requests = Counter(
            "recsvc_api_key_requests",
            "Requests answered for a valid API or admin key, by key name (never the key).",
            ("key",),
            registry=self.registry,
        )
        self.reloads.labels("success")
        self.reloads.labels("failure")
        # labelled children by (method, route, status): labels() validates and locks on every
        # call; this lookup is one dict hit. Bounded like the children prometheus keeps anyway.
        self._children: dict[tuple[str, str, int], tuple[Counter, Histogram]] = {}

    def observe(
        self, method: str, route: str, status: int, seconds: float, key_name: str | None = None
    ) -> None:
        """Record one finished request (and the key it used, by name, if any)."""
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            children = (
                self.requests.labels(method, route, str(status)),
                self.latency.labels(method, route),
            )
            self._children[key] = children
        children[0].inc()
        children[1].observe(seconds)
        if key_name is not None:
            self.key_requests.labels(key_name).inc()

    def model_swapped(self, old_version: str | None, new_version: str) -> None:
        """Point the info gauge at the new version."""
        if old_version is not None and old_version != new_version:
            self.model_info.remove(old_version)
        self.model_info.labels(new_version).set(1)
        self.model_loaded.set(1)
        self.reloads.labels("success").inc()

    def variant_swapped(self, variant: str, old_version: str | None, new_version: str) -> None:
        """Point the variant's info gauge at its new version."""
        if old_version is not None and old_version != new_version:
            self.variant_info.remove(variant, old_version)
        self.variant_info.labels(variant, new_version).set(1)

    def reload_failed(self) -> None:
        self.reloads.labels("failure").inc()

    def render(self) -> bytes:
        """The text exposition format for GET /metrics."""
        return generate_latest(self.registry)
