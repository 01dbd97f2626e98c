"""Role histories: the roles each person held before the current one, walked back along paths.

Someone with ``T`` years of tenure made about ``T / YEARS_PER_MOVE`` moves (Poisson, at most
``MAX_MOVES``); each earlier role is drawn among the roles whose career paths lead to the
later one, weighted by the path's weight, so observed moves follow the declared paths. Move
dates split the tenure at sorted uniform points (the current role started at least
``MIN_DAYS_IN_ROLE`` days before the reference date). A person whose role nobody moves into
started in it at hire.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from recsvc.sample.people import People
from recsvc.sample.taxonomy import Taxonomy
from recsvc.sample.timeline import DAY, REFERENCE

__all__ = ["MAX_MOVES", "YEARS_PER_MOVE", "make_role_history"]

YEARS_PER_MOVE = 3.0
MAX_MOVES = 3
MIN_DAYS_IN_ROLE = 60


def _predecessors(tax: Taxonomy) -> list[tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]]:
    out = []
    for r in range(tax.n_roles):
        into = tax.path_to == r
        w = np.asarray(tax.path_weight[into], dtype=np.float64)
        out.append((np.asarray(tax.path_from[into], np.int64), w / w.sum() if len(w) else w))
    return out


def make_role_history(rng: np.random.Generator, tax: Taxonomy, people: People) -> pd.DataFrame:
    """The ``role_history`` table: employee_id, role_id, started_at (seconds), oldest first."""
    preds = _predecessors(tax)
    ids = people.employees["employee_id"].to_numpy(dtype=object)
    role_ids = tax.roles["role_id"].to_numpy(dtype=object)
    years = (REFERENCE - people.hired) / (365.0 * DAY)
    n_moves = np.minimum(rng.poisson(years / YEARS_PER_MOVE), MAX_MOVES)
    emp: list[int] = []
    role: list[int] = []
    start: list[int] = []
    for i in range(people.n_employees):
        chain = [int(people.role[i])]
        for _ in range(int(n_moves[i])):
            source, p = preds[chain[-1]]
            if len(source) == 0:
                break
            chain.append(int(rng.choice(source, p=p)))
        chain.reverse()
        hired = int(people.hired[i])
        latest = REFERENCE - MIN_DAYS_IN_ROLE * DAY
        moves = len(chain) - 1
        if moves and latest > hired + DAY * moves:
            cuts = np.sort(rng.integers(hired + DAY, latest, size=moves))
            cuts = cuts - cuts % DAY + DAY * np.arange(moves)  # distinct days, in order
        else:
            chain, cuts = chain[-1:], np.zeros(0, np.int64)
        emp.extend([i] * len(chain))
        role.extend(chain)
        start.extend([hired, *cuts.tolist()])
    e = np.asarray(emp, dtype=np.int64)
    return pd.DataFrame(
        {
            "employee_id": ids[e],
            "role_id": role_ids[np.asarray(role, dtype=np.int64)],
            "started_at": np.asarray(start, dtype=np.int64),
        }
    )
