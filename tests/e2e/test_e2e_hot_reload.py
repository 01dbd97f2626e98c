"""Hot reload on real uvicorn: swaps under load without a failed request; bad bundles refused."""

from __future__ import annotations

import shutil
import threading
import time
from collections import Counter

import httpx
import pytest

pytestmark = pytest.mark.e2e


def wait_for(predicate, timeout_s: float = 30.0, step_s: float = 0.05) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        time.sleep(step_s)


@pytest.fixture
def models(trained, tmp_path):
    """A private copy of the models folder, so tests can publish and break bundles."""
    target = tmp_path / "models"
    shutil.copytree(trained.models_dir, target)
    return target


def test_hot_reload_under_concurrent_load_has_zero_failures(serve, models, trained, keys, publish):
    live = serve(models, reload_interval_s=0.2)
    employees = list(trained.tables["employees"]["employee_id"][:50])
    seen: Counter[str] = Counter()
    failures: list[str] = []
    stop = threading.Event()

    def hammer(offset: int) -> None:
        with live.client() as client:
            i = offset
            while not stop.is_set():
                i += 1
                try:
                    r = client.post("/recommend", json={"employee_id": employees[i % 50], "k": 5})
                    if r.status_code != 200 or len(r.json()["items"]) != 5:
                        failures.append(f"{r.status_code}: {r.text[:200]}")
                    else:
                        seen[r.json()["model_version"]] += 1
                except httpx.HTTPError as error:
                    failures.append(repr(error))

    threads = [threading.Thread(target=hammer, args=(n * 7,)) for n in range(6)]
    for thread in threads:
        thread.start()
    try:
        wait_for(lambda: seen[trained.version] >= 20)
        publish(models, trained.version, "v-hot-2", latest=True)  # picked up by the poller
        wait_for(lambda: seen["v-hot-2"] >= 20)
        publish(models, trained.version, "v-hot-3", latest=True)
        with live.client(headers={"X-Admin-Key": keys["admin"]}) as admin:
            reload = admin.post("/admin/reload")  # on demand (the poller may win the race)
        assert reload.status_code == 200 and reload.json()["model_version"] == "v-hot-3"
        wait_for(lambda: seen["v-hot-3"] >= 20)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    assert failures == []
    assert set(seen) == {trained.version, "v-hot-2", "v-hot-3"}
    with live.client() as client:
        assert client.get("/model").json()["version"] == "v-hot-3"
        assert 'recsvc_model_info{version="v-hot-3"} 1.0' in client.get("/metrics").text


def test_corrupted_bundle_is_refused_and_the_old_one_keeps_serving(
    serve, models, trained, keys, publish, corrupt
):
    live = serve(models, reload_interval_s=0.1)
    broken = publish(models, trained.version, "v-broken", latest=False)
    victim = corrupt(broken)
    from recsvc.bundle.versions import write_latest

    write_latest(models, "v-broken")
    with live.client() as client:
        wait_for(lambda: client.get("/ready").json()["last_reload_error"] is not None)
        ready = client.get("/ready").json()
        assert ready["model_version"] == trained.version
        assert ready["last_reload_error"]["version"] == "v-broken"
        assert victim in ready["last_reload_error"]["detail"]
        assert str(models) not in ready["last_reload_error"]["detail"]
        assert client.get("/model").json()["version"] == trained.version
        answer = client.post("/recommend", json={"employee_id": "E000001"})
        assert answer.status_code == 200 and answer.json()["model_version"] == trained.version
        assert 'recsvc_bundle_reloads_total{outcome="failure"} 1.0' in client.get("/metrics").text
    with live.client(headers={"X-Admin-Key": keys["admin"]}) as admin:
        refused = admin.post("/admin/reload")
    assert refused.status_code == 409 and victim in refused.json()["detail"]


def test_starts_without_a_bundle_and_serves_once_one_arrives(serve, trained, tmp_path):
    empty = tmp_path / "models"
    empty.mkdir()
    live = serve(empty, reload_interval_s=0.1)
    with live.client() as client:
        assert client.get("/health").status_code == 200
        assert client.get("/ready").status_code == 503
        not_yet = client.post("/recommend", json={"employee_id": "E000001"})
        assert not_yet.status_code == 503 and not_yet.headers["retry-after"] == "5"
        shutil.copytree(trained.models_dir / trained.version, empty / trained.version)
        from recsvc.bundle.versions import write_latest

        write_latest(empty, trained.version)
        wait_for(lambda: client.get("/ready").status_code == 200)
        assert client.post("/recommend", json={"employee_id": "E000001"}).status_code == 200
