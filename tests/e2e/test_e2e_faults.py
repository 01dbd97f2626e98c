"""Bundle faults on real uvicorn with a real bundle: each is refused with a clear message,
nothing half-written is ever served, and a running service keeps its last good bundle."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

import orjson
import pytest

from recsvc.bundle.manifest import sha256_file
from recsvc.bundle.versions import write_latest

pytestmark = pytest.mark.e2e

BAD = "v-bad"


def _rewrite_manifest(bundle: Path, change: Callable[[dict], None]) -> None:
    path = bundle / "manifest.json"
    manifest = orjson.loads(path.read_bytes())
    change(manifest)
    path.write_bytes(orjson.dumps(manifest))


def _largest_array(bundle: Path) -> Path:
    return max(bundle.glob("*.npy"), key=lambda p: p.stat().st_size)


def missing_folder(models: Path, bundle: Path) -> str:
    shutil.rmtree(bundle)
    return "does not exist"


def missing_file(models: Path, bundle: Path) -> str:
    _largest_array(bundle).unlink()
    return "is missing"


def unreadable_file(models: Path, bundle: Path) -> str:
    victim = _largest_array(bundle)
    if os.geteuid() != 0:
        victim.chmod(0)
        return "Permission denied"
    # root reads anything: a symlink loop makes the same OSError path fail instead
    victim.unlink()
    victim.symlink_to(victim.name)
    return "cannot read"


def truncated_array(models: Path, bundle: Path) -> str:
    victim = _largest_array(bundle)
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2])
    return "truncated or replaced"


def truncated_array_with_matching_manifest(models: Path, bundle: Path) -> str:
    """Even a manifest that agrees with the cut file does not get a broken array served."""
    victim = _largest_array(bundle)
    victim.write_bytes(victim.read_bytes()[:100])  # inside the .npy header

    def agree(manifest: dict) -> None:
        entry = manifest["files"][victim.name]
        entry["bytes"] = victim.stat().st_size
        entry["sha256"] = sha256_file(victim)

    _rewrite_manifest(bundle, agree)
    return "not a readable .npy array"


def checksum_mismatch(models: Path, bundle: Path) -> str:
    victim = _largest_array(bundle)
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    return "does not match its sha256"


def newer_schema(models: Path, bundle: Path) -> str:
    _rewrite_manifest(bundle, lambda m: m.update(schema_version=m["schema_version"] + 1))
    return "upgrade recsvc"


def damaged_manifest(models: Path, bundle: Path) -> str:
    (bundle / "manifest.json").write_bytes(b'{"schema_version": 1, "version": ')
    return "not valid JSON"


def garbage_latest(models: Path, bundle: Path) -> str:
    (models / "LATEST").write_text("../../etc/passwd\n")
    return "not a bundle version"


FAULTS = [
    missing_folder,
    missing_file,
    unreadable_file,
    truncated_array,
    truncated_array_with_matching_manifest,
    checksum_mismatch,
    newer_schema,
    damaged_manifest,
    garbage_latest,
]


@pytest.fixture
def models(trained, tmp_path):
    target = tmp_path / "models"
    shutil.copytree(trained.models_dir, target)
    return target


def publish_broken(models: Path, trained, fault) -> str:
    """Publish a copy of the good bundle as BAD, break it, point LATEST at it."""
    bundle = models / BAD
    shutil.copytree(models / trained.version, bundle)
    _rewrite_manifest(bundle, lambda m: m.update(version=BAD))
    # the manifest now lists the old version's checksums for unchanged files: still valid
    write_latest(models, BAD)
    return fault(models, bundle)


@pytest.mark.parametrize("fault", FAULTS, ids=[f.__name__ for f in FAULTS])
def test_running_service_refuses_a_broken_bundle_and_keeps_its_last_good_one(
    serve, models, trained, keys, fault
):
    live = serve(models)
    expected = publish_broken(models, trained, fault)
    with live.client(headers={"X-Admin-Key": keys["admin"]}) as admin:
        refused = admin.post("/admin/reload")
    assert refused.status_code == 409
    problem = refused.json()
    assert problem["type"] == "urn:recsvc:problem:bundle-refused"
    assert expected in problem["detail"], problem["detail"]
    assert str(models) not in problem["detail"]  # no host paths in answers
    with live.client() as client:
        ready = client.get("/ready").json()
        assert ready["model_version"] == trained.version
        assert expected in ready["last_reload_error"]["detail"]
        answer = client.post("/recommend", json={"employee_id": "E000001", "k": 5})
        assert answer.status_code == 200
        assert answer.json()["model_version"] == trained.version
        assert len(answer.json()["items"]) == 5


@pytest.mark.parametrize("fault", FAULTS, ids=[f.__name__ for f in FAULTS])
def test_service_starting_on_a_broken_bundle_says_why_and_serves_nothing(
    serve, models, trained, fault
):
    expected = publish_broken(models, trained, fault)
    live = serve(models)
    with live.client() as client:
        assert client.get("/health").status_code == 200
        ready = client.get("/ready")
        assert ready.status_code == 503 and expected in ready.json()["detail"]
        answer = client.post("/recommend", json={"employee_id": "E000001"})
        assert answer.status_code == 503 and answer.headers["retry-after"] == "5"


def test_half_written_bundle_is_never_picked_up(serve, models, trained):
    """A writer's temp folder, or a version folder without its manifest yet, stays unseen."""
    live = serve(models, reload_interval_s=0.05)
    staging = models / ".tmp-v-next"
    shutil.copytree(models / trained.version, staging)
    (staging / "manifest.json").unlink()  # the manifest is written last
    half = models / "v-half"
    half.mkdir()
    shutil.copy(_largest_array(models / trained.version), half)
    time.sleep(0.5)  # ten poll intervals
    with live.client() as client:
        ready = client.get("/ready").json()
        assert ready["model_version"] == trained.version
        assert ready["last_reload_error"] is None


def test_models_folder_vanishing_under_a_running_service_changes_nothing(serve, models, trained):
    live = serve(models, reload_interval_s=0.05)
    with live.client() as client:
        before = client.post("/recommend", json={"employee_id": "E000001", "k": 5}).json()
        shutil.rmtree(models)  # mmapped arrays stay readable until the process lets go
        time.sleep(0.3)
        after = client.post("/recommend", json={"employee_id": "E000001", "k": 5})
        assert after.status_code == 200 and after.json()["items"] == before["items"]
        assert client.get("/ready").json()["model_version"] == trained.version


def test_a_good_bundle_after_a_bad_one_is_served(serve, models, trained, keys, publish):
    live = serve(models)
    publish_broken(models, trained, checksum_mismatch)
    with live.client(headers={"X-Admin-Key": keys["admin"]}) as admin:
        assert admin.post("/admin/reload").status_code == 409
        publish(models, trained.version, "v-fixed", latest=True)
        fixed = admin.post("/admin/reload")
    assert fixed.status_code == 200 and fixed.json()["model_version"] == "v-fixed"
    with live.client() as client:
        assert client.get("/ready").json() == {
            "status": "ready",
            "model_version": "v-fixed",
            "last_reload_error": None,
        }
