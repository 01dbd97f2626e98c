"""A hand-made organisation with a two-step career ladder, whose next roles, plans and
audiences have known answers.

Ladder: ``junior`` (Junior Analyst) -> ``analyst`` (Analyst) -> ``senior`` (Senior
Analyst), with a side path ``analyst`` -> ``manager`` (Analytics Manager). Declared path
weights: junior -> analyst 1.0, analyst -> senior 0.8, analyst -> manager 0.2. Role
history: six seniors moved analyst -> senior after 600, 660, 720, 750, 780 and 840 days
(median 735 days), three managers moved analyst -> manager and four analysts junior ->
analyst (groups under five: never counted). So from ``analyst``:

    likelihood(senior)  = (6 * 6/6 + 10 * 0.8) / (6 + 10) = 0.875
    likelihood(manager) = (6 * 0   + 10 * 0.2) / (6 + 10) = 0.125

Every skill has importance 1 and strategic weight 0, so a skill's need weight is 1.

``ana`` (Analyst, no target role) was tested at the data's "now" at SQL 3, Statistics 2,
Python 2, Communication 1 and completed nothing: her levels are exactly those. Senior
requires SQL 4, Statistics 4, Python 3, Communication 2, so her readiness for it is
(3 + 2 + 2 + 1) / (4 + 4 + 3 + 2) = 8/13. ``jun`` (Junior) can only go to analyst. ``pro``
(Senior) proved Statistics 5 and SQL 4.

Content: ``<skill><level>`` for levels 1-5, ``60 * level`` minutes (``comms3`` has no
duration), each level of SQL, Statistics and Python requires the level below.
Ordinary people: 12 per role, assessed by their manager near their role's levels.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from contract_frames import clean
from recsvc import contract as c

__all__ = ["ANA", "JUN", "PRO", "ROLES", "SKILLS", "CareersOrg", "careers_org"]

BASE = pd.Timestamp("2024-01-01", tz="UTC")
END_DAY = 400
SKILLS = {
    "sql": "SQL",
    "stats": "Statistics",
    "python": "Python",
    "comms": "Communication",
    "lead": "Leadership",
}
ROLES: dict[str, tuple[str, dict[str, float]]] = {
    "junior": ("Junior Analyst", {"sql": 2.0, "stats": 1.0}),
    "analyst": ("Analyst", {"sql": 3.0, "stats": 3.0, "python": 2.0}),
    "senior": ("Senior Analyst", {"sql": 4.0, "stats": 4.0, "python": 3.0, "comms": 2.0}),
    "manager": ("Analytics Manager", {"lead": 3.0, "comms": 3.0, "sql": 3.0}),
}
PATHS = (("junior", "analyst", 1.0), ("analyst", "senior", 0.8), ("analyst", "manager", 0.2))
CHAINED = ("sql", "stats", "python")
SENIOR_DAYS = (600, 660, 720, 750, 780, 840)
ANA = "ana"
ANA_TESTS = {"sql": 3.0, "stats": 2.0, "python": 2.0, "comms": 1.0}
JUN = "jun"
JUN_TESTS = {"sql": 1.0, "stats": 1.0}
#: a senior who proved Statistics 5: never in the audience of a Statistics course
PRO = "pro"
PRO_TESTS = {"stats": 5.0, "sql": 4.0}
PER_ROLE = 12


@dataclass(frozen=True)
class CareersOrg:
    tables: dict[str, pd.DataFrame]

    def duration(self, content_id: str) -> float | None:
        df = self.tables[c.CONTENT]
        value = df.loc[df["content_id"] == content_id, "duration_minutes"].iloc[0]
        return None if pd.isna(value) else float(value)


def _day(day: int) -> pd.Timestamp:
    return BASE + pd.Timedelta(days=day)


def careers_org(seed: int = 0) -> CareersOrg:
    """The organisation of the module docstring."""
    rng = np.random.default_rng(seed)
    content, content_skills, prerequisites = [], [], []
    for skill, name in SKILLS.items():
        for level in range(1, 6):
            cid = f"{skill}{level}"
            content.append(
                {
                    "content_id": cid,
                    "title": f"{name} level {level}",
                    "description": f"{name} course at level {level}",
                    "format": "course",
                    "duration_minutes": None if cid == "comms3" else 60.0 * level,
                    "language": "en",
                    "published_at": _day(-300),
                }
            )
            content_skills.append({"content_id": cid, "skill_id": skill, "level": level})
            if skill in CHAINED and level > 1:
                prerequisites.append(
                    {"content_id": cid, "requires_content_id": f"{skill}{level - 1}"}
                )
    employees, enrolments, assessments, history = [], [], [], []
    departments = {"junior": "Data", "analyst": "Data", "senior": "Data", "manager": "Management"}
    for role, (_, required) in ROLES.items():
        for n in range(PER_ROLE):
            e = f"{role}_{n:02d}"
            employees.append(
                {
                    "employee_id": e,
                    "role_id": role,
                    "department": departments[role],
                    "location": "Berlin" if n % 2 else "London",
                    "manager_id": "manager_00" if e != "manager_00" else None,
                }
            )
            day = int(rng.integers(0, 60))
            for skill, level in required.items():
                start = float(np.clip(level + rng.integers(-1, 1), 0, 5))
                assessments.append(
                    {
                        "employee_id": e,
                        "skill_id": skill,
                        "level": start,
                        "assessed_at": _day(day),
                        "source": "manager",
                    }
                )
                for lv in range(1, int(start) + 1):
                    day += int(rng.integers(3, 15))
                    enrolments.append(
                        {
                            "employee_id": e,
                            "content_id": f"{skill}{lv}",
                            "enrolled_at": _day(day),
                            "completed_at": _day(day + 2),
                            "status": "completed",
                            "rating": float(rng.integers(3, 6)),
                        }
                    )
            if role == "senior" and n < len(SENIOR_DAYS):
                history += [
                    {"employee_id": e, "role_id": "analyst", "started_at": _day(-1000)},
                    {
                        "employee_id": e,
                        "role_id": "senior",
                        "started_at": _day(-1000 + SENIOR_DAYS[n]),
                    },
                ]
            if role == "manager" and n < 3:
                history += [
                    {"employee_id": e, "role_id": "analyst", "started_at": _day(-900)},
                    {"employee_id": e, "role_id": "manager", "started_at": _day(-200)},
                ]
            if role == "analyst" and n < 4:
                history += [
                    {"employee_id": e, "role_id": "junior", "started_at": _day(-700)},
                    {"employee_id": e, "role_id": "analyst", "started_at": _day(-100)},
                ]
    specials = (
        (ANA, "analyst", ANA_TESTS),
        (JUN, "junior", JUN_TESTS),
        (PRO, "senior", PRO_TESTS),
    )
    for special, role, tests in specials:
        employees.append(
            {
                "employee_id": special,
                "role_id": role,
                "department": "Data",
                "location": "London",
                "manager_id": "manager_00",
            }
        )
        for skill, level in tests.items():
            assessments.append(
                {
                    "employee_id": special,
                    "skill_id": skill,
                    "level": level,
                    "assessed_at": _day(END_DAY),
                    "source": "test",
                }
            )
    history.append({"employee_id": ANA, "role_id": "analyst", "started_at": _day(END_DAY - 365)})
    tables: Mapping[str, pd.DataFrame] = {
        c.CONTENT: pd.DataFrame(content),
        c.ENROLMENTS: pd.DataFrame(enrolments),
        c.EMPLOYEES: pd.DataFrame(employees),
        c.SKILLS: pd.DataFrame([{"skill_id": s, "name": n} for s, n in SKILLS.items()]),
        c.CONTENT_SKILLS: pd.DataFrame(content_skills),
        c.ROLES: pd.DataFrame([{"role_id": r, "title": t} for r, (t, _) in ROLES.items()]),
        c.ROLE_SKILLS: pd.DataFrame(
            [
                {"role_id": r, "skill_id": s, "required_level": lv, "importance": 1.0}
                for r, (_, req) in ROLES.items()
                for s, lv in req.items()
            ]
        ),
        c.ASSESSMENTS: pd.DataFrame(assessments),
        c.CAREER_PATHS: pd.DataFrame(
            [{"from_role_id": a, "to_role_id": b, "weight": w} for a, b, w in PATHS]
        ),
        c.PREREQUISITES: pd.DataFrame(prerequisites),
        c.ROLE_HISTORY: pd.DataFrame(history),
    }
    return CareersOrg({name: clean(name, frame) for name, frame in tables.items()})
