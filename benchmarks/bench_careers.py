"""Latency of the career endpoints over HTTP: /employees/{id}/next-roles, /plan, /audience.

    .venv/bin/python benchmarks/bench_careers.py --models DIR [DIR ...] [--requests 200]
        [--json PATH] [--write-docs]

Starts the service as its own process on loopback (one worker, as ``bench_serve.py``) over
the bundle in ``--models`` and sends requests one at a time from this process (latency, not
throughput): next roles of random employees (k=3); a plan toward each one's most likely
next role (2 hours a week, 12 weeks); audiences of one random skill and of one random
content item (first page of 50, no filters), and of a skill within one department. Prints
p50, p95 and p99 per endpoint in milliseconds (and the bundle's size), and writes them as
JSON with ``--json`` (a list when several ``--models`` are measured, one after the other).
BLAS is limited to one thread, as in the service. ``--write-docs`` rewrites the careers
table of docs/performance.md (between its careers markers; ``make bench`` writes the same
table with the rest of the page) with these figures, one column per bundle, and says when
and at which commit they were measured.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from bench_serve import free_port, start_service, wait_ready

__all__ = ["main", "measure", "run"]


def _ids(models: Path) -> dict[str, list[str]]:
    from recsvc.bundle import read_bundle

    bundle = read_bundle(models)
    vocab = bundle.document("vocab")
    return {
        "employees": [str(x) for x in bundle.array("employee_ids")],
        "skills": [str(x) for x in bundle.array("skill_ids")],
        "content": [str(x) for x in bundle.array("content_ids")],
        "departments": list(vocab["departments"]),
    }


def _time(client: httpx.Client, method: str, url: str, **kwargs: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    response = client.request(method, url, **kwargs)
    elapsed = (time.perf_counter() - start) * 1000.0
    if response.status_code != 200:
        raise SystemExit(f"{method} {url} answered {response.status_code}: {response.text[:300]}")
    return elapsed, response.json()


def measure(base: str, ids: dict[str, list[str]], n: int, seed: int) -> dict[str, list[float]]:
    rng = np.random.default_rng(seed)
    employees = [ids["employees"][i] for i in rng.choice(len(ids["employees"]), n)]
    times: dict[str, list[float]] = {
        "next_roles": [],
        "plan": [],
        "audience_skill": [],
        "audience_item": [],
        "audience_skill_department": [],
    }
    with httpx.Client(base_url=base, timeout=60) as client:
        for warm in employees[:5]:  # first calls load lazy parts; not counted
            client.get(f"/employees/{warm}/next-roles")
        for e in employees:
            ms, body = _time(client, "GET", f"/employees/{e}/next-roles", params={"k": 3})
            times["next_roles"].append(ms)
            goal = (
                {"target_role_id": body["roles"][0]["role_id"]}
                if body["roles"]
                else {"my_role": True}
            )
            if body["role_id"] is None:
                continue
            plan = {"employee_id": e, "goal": goal, "weekly_minutes": 120, "horizon_weeks": 12}
            times["plan"].append(_time(client, "POST", "/plan", json=plan)[0])
        for _ in range(max(n // 4, 10)):
            skill = ids["skills"][int(rng.integers(len(ids["skills"])))]
            item = ids["content"][int(rng.integers(len(ids["content"])))]
            times["audience_skill"].append(
                _time(client, "POST", "/audience", json={"skill_id": skill})[0]
            )
            times["audience_item"].append(
                _time(client, "POST", "/audience", json={"content_id": item})[0]
            )
            if ids["departments"]:
                dept = ids["departments"][int(rng.integers(len(ids["departments"])))]
                body = {"skill_id": skill, "filters": {"department": dept}}
                times["audience_skill_department"].append(
                    _time(client, "POST", "/audience", json=body)[0]
                )
    return times


def run(models: Path, requests: int, seed: int) -> dict[str, Any]:
    """Serve ``models`` in its own process, measure it, and print the figures."""
    ids = _ids(models)
    port = free_port()
    process = start_service(models, port)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(base, process)
        times = measure(base, ids, requests, seed)
    finally:
        process.terminate()
        process.wait(timeout=60)
    result: dict[str, Any] = {
        "employees": len(ids["employees"]),
        "items": len(ids["content"]),
        "endpoints": {
            name: {
                "n": len(values),
                **{f"p{q}_ms": round(float(np.percentile(values, q)), 2) for q in (50, 95, 99)},
            }
            for name, values in times.items()
            if values
        },
    }
    out = sys.stdout
    out.write(
        f"career endpoints over HTTP, {result['employees']} employees, {result['items']} items\n"
    )
    out.write(f"{'endpoint':28} {'n':>5} {'p50 ms':>9} {'p95 ms':>9} {'p99 ms':>9}\n")
    for name, row in result["endpoints"].items():
        out.write(
            f"{name:28} {row['n']:>5} {row['p50_ms']:>9.2f} {row['p95_ms']:>9.2f} "
            f"{row['p99_ms']:>9.2f}\n"
        )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", type=Path, nargs="+", required=True)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--write-docs",
        action="store_true",
        help="rewrite the careers table of docs/performance.md with these figures",
    )
    args = parser.parse_args(argv)
    results = [run(models, args.requests, args.seed) for models in args.models]
    if args.json:
        args.json.write_text(json.dumps(results[0] if len(results) == 1 else results, indent=2))
    if args.write_docs:
        from bench_serve import write_doc_block
        from run_all_report import careers_table

        sizes = [{"employees": r["employees"], "careers": r} for r in results]
        sizes.sort(key=lambda size: int(size["employees"]))
        command = " ".join(["python benchmarks/bench_careers.py", *(argv or sys.argv[1:])])
        note = " Measured apart from the rest of this page, by that command alone."
        write_doc_block("careers", "", command, careers_table(sizes), note, markdown=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
