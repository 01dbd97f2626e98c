"""A small hand-made organisation whose right answers under the "need first" policy are known.

Three roles with three required skills each, seven role skills taught at levels 1-5, and five
generic company videos that nearly everyone watched (three teach nothing, two teach a skill no
role asks for). Ninety ordinary employees learn their role's skills level by level (so
collaborative filtering has something to learn); two special employees carry the known
answers:

``analyst_a`` (Data Analyst)
    Tested recently at SQL 2 (the role requires 3), Excel 3 (requires 2), Data visualisation 2
    (requires 2), Python 1 and Statistics 3. Completed Excel 1-3 and Data visualisation 1-2;
    never watched a generic video. Their only gap for their own role is SQL: ``sql3`` (one
    level above) is the item they need. Against the Data Scientist role (Python 3,
    Statistics 3, SQL 2) their biggest gap is Python, and ``python2`` is one level above.
    ``sql1``, ``sql2`` and ``python1`` only teach what they have proven (refreshers).
``analyst_p`` (Data Analyst)
    Tested recently at level 5 on all three analyst skills: proven proficient, no gap.
    Completed SQL 1-3 and one generic video. Every remaining SQL, Excel and Data
    visualisation item is a refresher.

Everything is deterministic (a seeded generator); tables have the contract's clean dtypes,
as the validator would produce them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from contract_frames import clean
from recsvc import contract as c

__all__ = [
    "BASE",
    "END_DAY",
    "GENERIC_VIDEOS",
    "ROLES",
    "SKILLS",
    "NeedOrg",
    "generic_videos_org",
]

BASE = pd.Timestamp("2024-01-01", tz="UTC")
#: day of the special employees' tests: the latest event in the data, so the data's "now"
END_DAY = 330

# skill id -> (name, words for the description)
SKILLS: dict[str, tuple[str, str]] = {
    "sql": ("SQL", "SQL databases queries joins tables relational"),
    "excel": ("Excel", "Excel spreadsheets formulas pivot tables charts"),
    "viz": ("Data visualisation", "dashboards charts visual storytelling plots"),
    "python": ("Python", "Python programming scripts pandas functions"),
    "stats": ("Statistics", "statistics probability regression inference sampling"),
    "lead": ("Leadership", "leadership teams delegation coaching people"),
    "comms": ("Communication", "communication presenting writing meetings feedback"),
    "culture": ("Company culture", "company values history mission people"),
}
#: skills taught at levels 1-5 (the culture skill is only taught by generic videos)
TAUGHT_SKILLS = ("sql", "excel", "viz", "python", "stats", "lead", "comms")

# role id -> (title, {skill id: (required level, importance)})
ROLES: dict[str, tuple[str, dict[str, tuple[float, float]]]] = {
    "analyst": ("Data Analyst", {"sql": (3.0, 0.7), "excel": (2.0, 0.6), "viz": (2.0, 0.6)}),
    "scientist": (
        "Data Scientist",
        {"python": (3.0, 1.0), "stats": (3.0, 0.8), "sql": (2.0, 0.5)},
    ),
    "manager": ("Team Manager", {"lead": (3.0, 1.0), "comms": (3.0, 0.8), "excel": (2.0, 0.4)}),
}

# content id -> (title, skill taught at level 1 or None)
GENERIC_VIDEOS: dict[str, tuple[str, str | None]] = {
    "gen_welcome": ("Welcome to Acme", None),
    "gen_values": ("Our values in five minutes", None),
    "gen_security": ("Stay safe online at Acme", None),
    "gen_strategy": ("Acme strategy 2024", "culture"),
    "gen_leaders": ("Meet the leadership team", "culture"),
}

EMPLOYEE_A = "analyst_a"
EMPLOYEE_P = "analyst_p"
# skill -> level of the recent tests of the two special employees
A_TESTS = {"sql": 2.0, "excel": 3.0, "viz": 2.0, "python": 1.0, "stats": 3.0}
P_TESTS = {"sql": 5.0, "excel": 5.0, "viz": 5.0}
A_COMPLETED = ("excel1", "excel2", "excel3", "viz1", "viz2")
P_COMPLETED = ("sql1", "sql2", "sql3", "gen_welcome")


@dataclass(frozen=True)
class NeedOrg:
    """The tables and the facts the tests read their expectations from."""

    tables: dict[str, pd.DataFrame]
    employee_a: str
    employee_p: str

    @property
    def generic_ids(self) -> frozenset[str]:
        return frozenset(GENERIC_VIDEOS)

    def taught(self) -> dict[str, dict[str, int]]:
        """content id -> {skill id: level taught} (from content_skills)."""
        out: dict[str, dict[str, int]] = {}
        cs = self.tables[c.CONTENT_SKILLS]
        rows = zip(cs["content_id"], cs["skill_id"], cs["level"], strict=True)
        for content_id, skill_id, level in rows:
            out.setdefault(str(content_id), {})[str(skill_id)] = int(level)
        return out

    def required(self, role_id: str) -> dict[str, float]:
        """skill id -> required level of a role (from role_skills)."""
        rs = self.tables[c.ROLE_SKILLS]
        rows = rs[rs["role_id"] == role_id]
        pairs = zip(rows["skill_id"], rows["required_level"], strict=True)
        return {str(s): float(lv) for s, lv in pairs}

    def taken(self, employee_id: str) -> set[str]:
        """Content the employee ever enrolled in (never recommended again)."""
        en = self.tables[c.ENROLMENTS]
        return set(en.loc[en["employee_id"] == employee_id, "content_id"].astype(str))

    def proven(self, employee_id: str, *, within_days: int = 90) -> dict[str, float]:
        """skill id -> highest level shown by a test within ``within_days`` of the data's now."""
        a = self.tables[c.ASSESSMENTS]
        now = BASE + pd.Timedelta(days=END_DAY)
        recent = a[
            (a["employee_id"] == employee_id)
            & (a["source"] == "test")
            & (a["assessed_at"] >= now - pd.Timedelta(days=within_days))
        ]
        return {str(s): float(lv) for s, lv in recent.groupby("skill_id")["level"].max().items()}

    def refreshers(self, employee_id: str) -> set[str]:
        """Untaken items whose every taught skill is proven at or above the level taught."""
        proven = self.proven(employee_id)
        taken = self.taken(employee_id)
        return {
            cid
            for cid, skills in self.taught().items()
            if cid not in taken
            and skills
            and all(proven.get(s, -1.0) >= level for s, level in skills.items())
        }


def _day(day: int) -> pd.Timestamp:
    return BASE + pd.Timedelta(days=day)


def _catalogue() -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    content: list[dict[str, object]] = []
    content_skills: list[dict[str, object]] = []
    for skill in TAUGHT_SKILLS:
        name, words = SKILLS[skill]
        for level in range(1, 6):
            cid = f"{skill}{level}"
            content.append(
                {
                    "content_id": cid,
                    "title": f"{name} level {level}",
                    "description": f"{words} level {level}",
                    "format": ("course", "article", "video")[level % 3],
                    "duration_minutes": 30.0 * level,
                    "difficulty": level,
                    "language": "en",
                    "active": True,
                    "published_at": _day(-300 + 10 * level),
                }
            )
            content_skills.append(
                {"content_id": cid, "skill_id": skill, "level": level, "weight": 1.0}
            )
    for cid, (title, culture) in GENERIC_VIDEOS.items():
        content.append(
            {
                "content_id": cid,
                "title": title,
                "description": f"{title}: a short company video for everyone",
                "format": "video",
                "duration_minutes": 10.0,
                "difficulty": 1,
                "language": "en",
                "active": True,
                "published_at": _day(-200),
            }
        )
        if culture is not None:
            content_skills.append(
                {"content_id": cid, "skill_id": culture, "level": 1, "weight": 1.0}
            )
    return content, content_skills


def _enrol(employee: str, content_id: str, day: int, rating: float) -> dict[str, object]:
    return {
        "employee_id": employee,
        "content_id": content_id,
        "enrolled_at": _day(day),
        "completed_at": _day(day + 3),
        "status": "completed",
        "progress": 1.0,
        "rating": rating,
    }


def _assess(employee: str, skill: str, level: float, day: int, source: str) -> dict[str, object]:
    return {
        "employee_id": employee,
        "skill_id": skill,
        "level": level,
        "assessed_at": _day(day),
        "source": source,
    }


def generic_videos_org(seed: int = 0, *, per_role: int = 30) -> NeedOrg:
    """The organisation described in the module docstring (92 people, 40 items)."""
    rng = np.random.default_rng(seed)
    content, content_skills = _catalogue()
    employees: list[dict[str, object]] = []
    enrolments: list[dict[str, object]] = []
    assessments: list[dict[str, object]] = []
    for role, (_, required) in ROLES.items():
        for n in range(per_role):
            e = f"{role}_{n:02d}"
            employees.append({"employee_id": e, "role_id": role, "department": f"d_{role}"})
            # the generic videos: almost everyone, highly rated
            for cid in GENERIC_VIDEOS:
                if rng.random() < 0.9:
                    enrolments.append(
                        _enrol(e, cid, int(rng.integers(0, 280)), float(rng.integers(4, 6)))
                    )
            # the role's skills, level by level from a manager-rated start
            day = int(rng.integers(0, 30))
            reached: dict[str, int] = {}
            tops: dict[str, int] = {}
            for skill, (level, _) in required.items():
                reached[skill] = int(rng.integers(0, int(level) + 1))
                tops[skill] = int(np.clip(level + rng.integers(-1, 2), 1, 5))
                assessments.append(_assess(e, skill, float(reached[skill]), day, "manager"))
            steps = [s for s in required for _ in range(max(tops[s] - reached[s], 0))]
            for skill in rng.permutation(steps).tolist():
                reached[skill] += 1
                day += int(rng.integers(5, 25))
                enrolments.append(
                    _enrol(e, f"{skill}{reached[skill]}", day, float(rng.integers(3, 6)))
                )
                if reached[skill] == tops[skill]:
                    assessments.append(_assess(e, skill, float(tops[skill]), day + 3, "test"))
            # some curiosity beyond the role
            if rng.random() < 0.3:
                other = [s for s in TAUGHT_SKILLS if s not in required]
                pick = str(other[int(rng.integers(0, len(other)))])
                enrolments.append(_enrol(e, f"{pick}1", int(rng.integers(0, 280)), 3.0))

    employees.append({"employee_id": EMPLOYEE_A, "role_id": "analyst", "department": "d_analyst"})
    for i, cid in enumerate(A_COMPLETED):
        enrolments.append(_enrol(EMPLOYEE_A, cid, 150 + 25 * i, 4.0))
    for skill, level in A_TESTS.items():
        assessments.append(_assess(EMPLOYEE_A, skill, level, END_DAY, "test"))

    employees.append({"employee_id": EMPLOYEE_P, "role_id": "analyst", "department": "d_analyst"})
    for i, cid in enumerate(P_COMPLETED):
        enrolments.append(_enrol(EMPLOYEE_P, cid, 100 + 30 * i, 5.0))
    for skill, level in P_TESTS.items():
        assessments.append(_assess(EMPLOYEE_P, skill, level, END_DAY, "test"))

    skills = pd.DataFrame(
        [
            {"skill_id": s, "name": name, "category": "culture" if s == "culture" else "work"}
            for s, (name, _) in SKILLS.items()
        ]
    )
    roles = pd.DataFrame(
        [{"role_id": r, "title": title, "family": "data"} for r, (title, _) in ROLES.items()]
    )
    role_skills = pd.DataFrame(
        [
            {"role_id": r, "skill_id": s, "required_level": lv, "importance": imp}
            for r, (_, req) in ROLES.items()
            for s, (lv, imp) in req.items()
        ]
    )
    prerequisites = pd.DataFrame(
        [
            {"content_id": "python4", "requires_content_id": "python3"},
            {"content_id": "stats4", "requires_content_id": "stats3"},
        ]
    )
    tables: Mapping[str, pd.DataFrame] = {
        c.CONTENT: pd.DataFrame(content),
        c.ENROLMENTS: pd.DataFrame(enrolments),
        c.EMPLOYEES: pd.DataFrame(employees),
        c.SKILLS: skills,
        c.CONTENT_SKILLS: pd.DataFrame(content_skills),
        c.ROLES: roles,
        c.ROLE_SKILLS: role_skills,
        c.ASSESSMENTS: pd.DataFrame(assessments),
        c.PREREQUISITES: prerequisites,
    }
    return NeedOrg(
        tables={name: clean(name, frame) for name, frame in tables.items()},
        employee_a=EMPLOYEE_A,
        employee_p=EMPLOYEE_P,
    )
