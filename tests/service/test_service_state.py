"""BundleHolder: verified atomic swaps, refused bundles keep the old one, polling."""

from __future__ import annotations

import anyio
import pytest

from recsvc.service.state import BundleHolder


def make_holder(tmp_path, store) -> tuple[BundleHolder, list[tuple]]:
    events: list[tuple] = []
    holder = BundleHolder(
        tmp_path,
        loader=store.load,
        latest=store.latest,
        on_swap=lambda old, new: events.append(("swap", old, new)),
        on_failure=lambda: events.append(("failure",)),
    )
    return holder, events


def test_swap_and_refusal(tmp_path, store):
    holder, events = make_holder(tmp_path, store)
    with pytest.raises(Exception, match="No model bundle is loaded"):
        holder.require()

    async def scenario() -> None:
        assert (await holder.reload()).status == "reloaded"
        assert (await holder.reload()).status == "unchanged"
        first = holder.require()
        store.version = "v2"
        store.broken.add("v2")
        outcome = await holder.reload()
        assert outcome.status == "refused" and "checksum mismatch" in outcome.detail
        assert holder.require() is first  # the old one keeps serving
        assert holder.last_failure is not None and holder.last_failure.version == "v2"
        loads = store.loads
        assert (await holder.reload()).status == "refused"  # not retried by the poller...
        assert store.loads == loads
        store.broken.clear()
        assert (await holder.reload(force=True)).status == "reloaded"  # ...but on demand
        assert holder.require().model_version == "v2"
        assert holder.last_failure is None

    anyio.run(scenario)
    assert events == [("swap", None, "v1"), ("failure",), ("swap", "v1", "v2")]


def test_failure_detail_hides_the_host_path(tmp_path, store):
    store.broken.add("v1")
    holder, _ = make_holder(tmp_path, store)
    anyio.run(holder.reload)
    assert holder.last_failure is not None
    assert str(tmp_path) not in holder.last_failure.detail
    assert "<models>/v1/cf_items.npy" in holder.last_failure.detail


def test_poller_picks_up_a_new_version(tmp_path, store):
    holder, _ = make_holder(tmp_path, store)

    async def scenario() -> None:
        await holder.reload()
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(holder.poll_forever, 0.01)
            store.version = "v2"
            with anyio.fail_after(5):
                while holder.require().model_version != "v2":
                    await anyio.sleep(0.01)
            tasks.cancel_scope.cancel()

    anyio.run(scenario)


def test_concurrent_reloads_load_once(tmp_path, store):
    holder, events = make_holder(tmp_path, store)

    async def scenario() -> None:
        async with anyio.create_task_group() as tasks:
            for _ in range(5):
                tasks.start_soon(holder.reload)

    anyio.run(scenario)
    assert store.loads == 1 and events == [("swap", None, "v1")]


def test_refused_version_is_retried_once_latest_is_rewritten(tmp_path, store):
    """A publisher that copied a folder and then wrote LATEST gets picked up by the poller."""
    holder, _ = make_holder(tmp_path, store)
    store.broken.add("v1")  # e.g. seen half-copied before LATEST existed

    async def scenario() -> None:
        assert (await holder.reload()).status == "refused"
        loads = store.loads
        assert (await holder.reload()).status == "refused"
        assert store.loads == loads  # same LATEST: not retried
        store.broken.clear()
        (tmp_path / "LATEST").write_text("v1\n", encoding="utf-8")
        assert (await holder.reload()).status == "reloaded"
        assert holder.require().model_version == "v1"

    anyio.run(scenario)


@pytest.mark.parametrize("language", ["en", "de", None])
def test_app_opens_bundles_with_the_configured_fallback_language(
    tmp_path, store, monkeypatch, language
):
    """The default loader hands RECSVC_FALLBACK_LANGUAGE to ``Recommender.from_bundle``."""
    import recsvc.bundle
    import recsvc.recommend
    from recsvc.config import ServeSettings
    from recsvc.service.app import create_app

    seen: list[tuple[object, str | None]] = []
    fake = store.load(tmp_path / "v1")

    def from_bundle(
        bundle: object, *, fallback_language: str | None = "en", **_other: object
    ) -> object:
        seen.append((bundle, fallback_language))
        return fake

    monkeypatch.setattr(recsvc.bundle, "read_bundle", lambda path: ("bundle", path.name))
    monkeypatch.setattr(recsvc.recommend.Recommender, "from_bundle", staticmethod(from_bundle))
    settings = ServeSettings(models_dir=tmp_path, reload_interval_s=0, fallback_language=language)
    holder = create_app(settings, latest=store.latest).state.holder
    assert anyio.run(holder.reload).status == "reloaded"
    assert holder.require() is fake
    assert seen == [(("bundle", "v1"), language)]
