"""The need-first organisation of ``need_orgs.py`` with managers and a mentors table added.

Teams (``employees.manager_id``):

``analyst_00``
    Manages ``analyst_01`` .. ``analyst_07`` and the two special analysts (nine people: over
    the k-anonymity floor of five).
``scientist_00``
    Manages ``scientist_01`` .. ``scientist_03`` (three people: aggregates withheld).

Target roles: ``analyst_01`` .. ``analyst_05`` target ``scientist`` (five: their readiness is
shown); ``analyst_06`` and ``analyst_07`` target ``manager`` (two: withheld, and so are the
Leadership and Communication needs only they have in the team).

Catalogue gaps: every Communication item is retired (``no_content`` for the managers who
need it), and Leadership is taught only up to level 2 while the manager role needs 3
(``below_level``).

Mentors table: ``analyst_p`` (tested at level 5 on SQL, Excel and Data visualisation days
before the data's end) offers one seat; ``analyst_00`` is listed but not offering now.
``analyst_a`` needs SQL (tested at 2, the role needs 3), so ``analyst_p`` is their mentor.
"""

from __future__ import annotations

import pandas as pd
from need_orgs import NeedOrg, generic_videos_org

from contract_frames import clean
from recsvc import contract as c

__all__ = [
    "ANALYST_LEAD",
    "MANAGER_TARGETS",
    "RETIRED",
    "SCIENCE_LEAD",
    "SCIENTIST_TARGETS",
    "analyst_team",
    "people_org",
]

ANALYST_LEAD = "analyst_00"
SCIENCE_LEAD = "scientist_00"
SCIENTIST_TARGETS = tuple(f"analyst_{n:02d}" for n in range(1, 6))
MANAGER_TARGETS = ("analyst_06", "analyst_07")
RETIRED = (*(f"comms{n}" for n in range(1, 6)), "lead3", "lead4", "lead5")


def analyst_team(org: NeedOrg) -> list[str]:
    return [*(f"analyst_{n:02d}" for n in range(1, 8)), org.employee_a, org.employee_p]


def people_org(per_role: int = 30) -> NeedOrg:
    """``per_role`` ordinary employees per role (8: the analyst team is its role but one)."""
    org = generic_videos_org(per_role=per_role)
    tables = dict(org.tables)
    employees = tables[c.EMPLOYEES].copy()
    manager = pd.Series([None] * len(employees), dtype="string")
    ids = employees["employee_id"].astype(str)
    manager[ids.isin(analyst_team(org))] = ANALYST_LEAD
    manager[ids.isin([f"scientist_{n:02d}" for n in range(1, 4)])] = SCIENCE_LEAD
    employees["manager_id"] = manager.to_numpy()
    target = pd.Series([None] * len(employees), dtype="string")
    target[ids.isin(SCIENTIST_TARGETS)] = "scientist"
    target[ids.isin(MANAGER_TARGETS)] = "manager"
    employees["target_role_id"] = target.to_numpy()
    content = tables[c.CONTENT].copy()
    content.loc[content["content_id"].isin(RETIRED), "active"] = False
    tables[c.CONTENT] = content
    tables[c.EMPLOYEES] = employees
    tables[c.MENTORS] = clean(
        c.MENTORS,
        pd.DataFrame(
            {
                "employee_id": [org.employee_p, ANALYST_LEAD],
                "capacity": [1, 2],
                "opt_in": [True, False],
            }
        ),
    )
    return NeedOrg(tables=tables, employee_a=org.employee_a, employee_p=org.employee_p)
