"""`recsvc serve` loads a bundle and answers without any package only the trainer needs.

The server runs in a child process where importing scikit-learn, implicit, matplotlib or
anything only they pull in raises ImportError, as in the service image (which installs the
core dependencies and [serve] only); it is driven over loopback like the image would be.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from extras_support import import_names, trainer_only
from recsvc.keys import hash_api_key

pytestmark = pytest.mark.e2e

API_KEY = "extras-api-key-0123456789"
BLOCKER = """
import sys
BLOCKED = set(sys.argv.pop(1).split(","))
class Blocker:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ImportError(f"{name} is a trainer-only package, not in the service image")
sys.meta_path.insert(0, Blocker())
sys.argv[0] = "recsvc"
from recsvc.cli import main
main()
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_service_serves_a_real_bundle_without_trainer_packages(trained, tmp_path: Path) -> None:
    blocked = import_names(trainer_only())
    assert {"sklearn", "implicit", "matplotlib"} <= blocked
    port = _free_port()
    env = {
        **os.environ,
        "RECSVC_MODELS_DIR": str(trained.models_dir),
        "RECSVC_HOST": "127.0.0.1",
        "RECSVC_PORT": str(port),
        "RECSVC_API_KEYS": f"e2e:{hash_api_key(API_KEY)}",
    }
    command = [sys.executable, "-c", BLOCKER, ",".join(sorted(blocked)), "serve"]
    log_path = tmp_path / "serve.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log_path.read_text()
            assert time.monotonic() < deadline, "never ready: " + log_path.read_text()
            try:
                if httpx.get(f"{base}/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        employee = str(trained.tables["enrolments"]["employee_id"].iloc[0])
        answer = httpx.post(
            f"{base}/recommend",
            json={"employee_id": employee, "k": 5},
            headers={"X-API-Key": API_KEY},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["strategy"] == "personalised" and len(body["items"]) == 5
        assert body["model_version"] == trained.version
    finally:
        server.terminate()
        server.wait(timeout=15)
    assert "trainer-only package" not in log_path.read_text()
