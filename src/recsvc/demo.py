"""The README's main job in one command: sample, validate, train, serve, ask once, stop."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from recsvc.commands import run_sample, run_train, run_validate
from recsvc.errors import RecsvcError

__all__ = ["run_demo"]

READY_TIMEOUT_S = 90.0


def run_demo(
    console: Console,
    *,
    workdir: Path,
    models_dir: Path,
    employees: int,
    seed: int,
    time_budget_s: float,
    tune_trials: int | None = None,
) -> None:
    """Run every stage once on a fresh sample and print one real answer with its reasons."""
    data_dir = workdir / "sample"
    console.rule("1. Sample organisation")
    source = run_sample(console, out=data_dir, employees=employees, seed=seed, fmt="csv")
    console.rule("2. Load and validate")
    run_validate(
        console, data=source, report_path=workdir / "validation-report.json", max_bad_share=0.05
    )
    console.rule("3. Train")
    run_train(
        console,
        data=source,
        out=models_dir,
        seed=seed,
        time_budget_s=time_budget_s,
        tune_trials=tune_trials,
        max_bad_share=0.05,
    )
    console.rule("4. Serve and ask")
    body = _demo_request(data_dir)
    with _running_service(models_dir) as base_url:
        console.print(f"Service ready at {base_url}; POST /recommend {body}")
        response = httpx.post(f"{base_url}/recommend", json=body, timeout=30.0)
        if response.status_code != 200:
            raise RecsvcError(f"/recommend answered {response.status_code}: {response.text}")
        _print_answer(console, response.json())
    console.print("[green]Service stopped. Demo complete.[/]")


def _demo_request(data_dir: Path) -> dict[str, Any]:
    """Ask for someone with a target role, so skill-gap reasons show."""
    import pandas as pd

    employees = pd.read_csv(data_dir / "employees.csv", dtype=str)
    with_target = employees[employees["target_role_id"].notna()]
    chosen = (with_target if len(with_target) else employees).iloc[0]
    context: dict[str, Any] = {}
    if isinstance(chosen.get("target_role_id"), str):
        context["target_role_id"] = chosen["target_role_id"]
    return {"employee_id": chosen["employee_id"], "k": 5, "context": context, "explain": True}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def _running_service(models_dir: Path) -> Iterator[str]:
    """Start `recsvc serve` as a child process, wait until ready, stop it afterwards."""
    port = _free_port()
    command = [sys.executable, "-m", "recsvc", "serve", "--models", str(models_dir)]
    command += ["--host", "127.0.0.1", "--port", str(port)]
    env = {**os.environ, "RECSVC_RELOAD_INTERVAL_S": "0"}
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_ready(process, base_url)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_until_ready(process: subprocess.Popen[str], base_url: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            stderr = process.stderr.read() if process.stderr else ""
            raise RecsvcError(f"the service exited with code {process.returncode}:\n{stderr}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(f"{base_url}/ready", timeout=2.0).status_code == 200:
                return
        time.sleep(0.2)
    raise RecsvcError(f"the service did not become ready within {READY_TIMEOUT_S:.0f} s")


def _print_answer(console: Console, answer: dict[str, Any]) -> None:
    console.print(
        f"Employee {answer['employee_id']}: strategy [bold]{answer['strategy']}[/], "
        f"model {answer['model_version']}, request {answer['request_id']}"
    )
    table = Table(show_lines=True)
    for column in ("#", "content", "format", "minutes", "score", "value", "chance", "why"):
        table.add_column(column)
    for item in answer["items"]:
        reasons = "\n".join(f"{r['text']} ({r['code']})" for r in item.get("reasons", []))
        minutes = item.get("duration_minutes")
        table.add_row(
            str(item["rank"]),
            escape(f"{item['title']} ({item['content_id']})"),
            str(item.get("format") or ""),
            "" if minutes is None else f"{minutes:.0f}",
            f"{item['score']:.3f}",
            f"{item['learning_value']:.2f}",
            f"{item['engagement']:.3f}",
            escape(reasons),
        )
    console.print(table)
