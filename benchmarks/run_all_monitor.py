"""What run_all watches while a benchmark process runs: the service's memory, the machine's load.

The machine is shared (other work runs beside the benchmark), so every step records the
load average it ran under: a figure measured at load 12 on 2 cores is not one measured idle.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

__all__ = ["LoadSampler", "ServiceMemory", "status_kib"]


def status_kib(pid: int, field: str) -> int | None:
    """A ``/proc/<pid>/status`` memory field in KiB, or None once the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


class ServiceMemory(threading.Thread):
    """Samples RSS of the service a benchmark process starts (its child running uvicorn).

    The service is bench_serve.py's child, so it is found by parent pid and command line;
    ``peak`` is the kernel's high-water mark (VmHWM), ``rss`` the largest sampled VmRSS.
    """

    def __init__(self, parent: int, marker: str = "recsvc", period_s: float = 0.25):
        super().__init__(daemon=True)
        self.parent, self.marker, self.period_s = parent, marker, period_s
        self.rss_kib = 0
        self.peak_kib = 0
        self.ready_kib = 0  # when the load starts: bench_serve waits for /ready before wrk
        self.stop = threading.Event()

    def _children(self) -> dict[int, str]:
        """Command line of every child of the benchmark process."""
        found = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.parent:
                    found[int(entry.name)] = (entry / "cmdline").read_text()
            except (OSError, ValueError, IndexError):
                continue
        return found

    def run(self) -> None:
        while not self.stop.wait(self.period_s):
            children = self._children()
            loading = any(cmd.startswith("wrk") for cmd in children.values())
            service = (p for p, cmd in children.items() if self.marker in cmd and "wrk" not in cmd)
            for pid in service:
                rss, peak = status_kib(pid, "VmRSS"), status_kib(pid, "VmHWM")
                if rss:
                    self.rss_kib = max(self.rss_kib, rss)
                    if loading and not self.ready_kib:
                        self.ready_kib = rss
                if peak:
                    self.peak_kib = max(self.peak_kib, peak)


class LoadSampler(threading.Thread):
    """The 1-minute load average, sampled while one benchmark step runs.

    ``summary()`` gives the mean and the largest sample: the load the step's figures were
    measured under (this benchmark's own process counts too: about 1 while it computes).
    """

    def __init__(self, period_s: float = 5.0):
        super().__init__(daemon=True)
        self.period_s = period_s
        self.samples: list[float] = [os.getloadavg()[0]]
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.wait(self.period_s):
            self.samples.append(os.getloadavg()[0])

    def summary(self) -> dict[str, float]:
        self.samples.append(os.getloadavg()[0])
        return {
            "mean": round(sum(self.samples) / len(self.samples), 2),
            "max": round(max(self.samples), 2),
        }
