"""Read the figures out of the other benchmark scripts' printed reports, for run_all.py."""

from __future__ import annotations

import re
from typing import Any

__all__ = ["normalise_core", "parse_sample", "parse_serve", "parse_train"]

Result = dict[str, Any]
NUM = r"([-+]?\d+(?:\.\d+)?)"


def parse_sample(text: str) -> Result:
    """Figures of bench_sample.py's log lines."""
    out: Result = {}
    if m := re.search(rf"generate\s+{NUM} s", text):
        out["generate_s"] = float(m[1])
    for fmt, secs, mib in re.findall(rf"write (\w+)\s+{NUM} s\s+{NUM} MiB", text):
        out[f"write_{fmt}_s"], out[f"{fmt}_mib"] = float(secs), float(mib)
    if m := re.search(rf"peak RSS {NUM} MiB", text):
        out["peak_rss_mib"] = float(m[1])
    return out


def parse_train(text: str, stage_names: tuple[str, ...]) -> Result:
    """Stages, rows, bundle size and core latency from bench_train.py's report."""
    out: Result = {"stages": {}, "rows": {}}
    for line in text.splitlines():
        parts = line.split()
        if len(parts) in (3, 4) and parts[0] in stage_names:
            stage = {"seconds": float(parts[1]), "peak_rss_mib": float(parts[2])}
            if len(parts) == 4:  # CPU seconds of the training process during the stage
                stage["cpu_s"] = float(parts[3])
            out["stages"][parts[0]] = stage
    if m := re.search(r"^sample: (\d+) employees, (.*) \(", text, re.M):
        out["rows"] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", m[2])}
    if m := re.search(rf"^total\s+{NUM}", text, re.M):
        out["total_s"] = float(m[1])
    if m := re.search(rf"^bundle: {NUM} MiB at (.+)$", text, re.M):
        out["bundle_mib"], out["bundle_path"] = float(m[1]), m[2].strip()
    if m := re.search(r"^tuning budget hit: (\w+)", text, re.M):
        out["budget_hit"] = m[1] == "True"
    if m := re.search(rf"recommend latency: p50 {NUM} ms, p99 {NUM} ms", text):
        out["latency_p50_ms"], out["latency_p99_ms"] = float(m[1]), float(m[2])
    return out


def parse_serve(text: str) -> Result:
    """``GET /health`` and ``POST /recommend`` rows of bench_serve.py's table."""
    out: Result = {}
    row = rf"^(GET /health|POST /recommend)\s+{NUM}\s+{NUM}\s+{NUM}\s+(\d+)\s+(\d+)"
    for name, rps, p50, p99, requests, failed in re.findall(row, text, re.M):
        out[name.split("/")[1]] = {
            "rps": float(rps),
            "p50_ms": float(p50),
            "p99_ms": float(p99),
            "requests": int(requests),
            "failed": int(failed),
        }
    return out


def normalise_core(data: Result) -> Result:
    """bench_core.py's JSON in one shape: ``groups`` (every timed call), ``best`` (each
    query's fastest round, when reported) and ``batch_ms`` (per query in a batch).

    Accepts both the flat layout (groups at the top level, ``batch.per_query_ms``) and the
    nested one (``all_samples``, ``best_of_rounds``, ``batch_per_query_ms``).
    """
    groups = data.get("all_samples", data)
    out: Result = {
        "groups": {k: v for k, v in groups.items() if isinstance(v, dict) and "median" in v},
        "best": data.get("best_of_rounds", {}),
        "batch_ms": data.get("batch_per_query_ms", data.get("batch", {}).get("per_query_ms")),
    }
    return out
