"""Variants: the bundles served side by side for A/B tests, each hot-reloaded on its own.

Each variant has its own :class:`BundleHolder` (its own models folder, its own last good
bundle, refused bundles never replacing it), and every employee is assigned one variant for
good by :func:`recsvc.assignment.assign_variant`. Without RECSVC_VARIANTS there is a single
variant, ``default``, serving RECSVC_MODELS_DIR: the service behaves as it always did.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import anyio

from recsvc.assignment import assign_variant
from recsvc.attribution import DEFAULT_VARIANT
from recsvc.config import ServeSettings, VariantSpec
from recsvc.service.metrics import ServiceMetrics
from recsvc.service.state import BundleHolder, Latest, Loader, ReloadOutcome

__all__ = ["ServedVariant", "Variants"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServedVariant:
    """A variant's name, share of employees and the holder of its bundle."""

    name: str
    share: float
    holder: BundleHolder


class Variants:
    """The configured variants, the first being the primary (it answers non-personal routes)."""

    def __init__(self, variants: tuple[ServedVariant, ...], salt: str) -> None:
        if not variants:
            raise ValueError("at least one variant is needed")
        self.all = variants
        self.salt = salt
        self._by_name = {v.name: v for v in variants}
        self._shares = [(v.name, v.share) for v in variants]

    @classmethod
    def from_settings(
        cls, settings: ServeSettings, *, loader: Loader, latest: Latest, metrics: ServiceMetrics
    ) -> Variants:
        specs = settings.variants or (VariantSpec(DEFAULT_VARIANT, 1.0, settings.models_dir),)
        served = []
        for index, spec in enumerate(specs):
            on_swap = _swap_recorder(metrics, spec.name, primary=index == 0)
            holder = BundleHolder(
                spec.models_dir,
                loader=loader,
                latest=latest,
                on_swap=on_swap,
                on_failure=metrics.reload_failed,
            )
            served.append(ServedVariant(spec.name, spec.share, holder))
        return cls(tuple(served), settings.variant_salt)

    @property
    def primary(self) -> ServedVariant:
        return self.all[0]

    def pick(self, employee_id: str) -> ServedVariant:
        """The variant this employee is assigned to (always the same one)."""
        if len(self.all) == 1:
            return self.all[0]
        return self._by_name[assign_variant(employee_id, self._shares, self.salt)]

    def named(self, name: str) -> ServedVariant:
        return self._by_name[name]

    def missing(self) -> list[str]:
        """Variants without a loaded bundle."""
        return [v.name for v in self.all if v.holder.loaded is None]

    async def reload_all(self, *, force: bool = False) -> list[tuple[ServedVariant, ReloadOutcome]]:
        """Reload every variant (one after the other, each keeping its last good bundle)."""
        return [(v, await v.holder.reload(force=force)) for v in self.all]

    async def poll_forever(self, interval_s: float) -> None:
        """Poll every variant's LATEST; runs until cancelled (by the app's lifespan)."""
        async with anyio.create_task_group() as tasks:
            for variant in self.all:
                tasks.start_soon(variant.holder.poll_forever, interval_s)


def _swap_recorder(
    metrics: ServiceMetrics, name: str, *, primary: bool
) -> Callable[[str | None, str], None]:
    def record(old_version: str | None, new_version: str) -> None:
        if primary:
            metrics.model_swapped(old_version, new_version)
        else:
            metrics.reloads.labels("success").inc()
        metrics.variant_swapped(name, old_version, new_version)

    return record
