"""A tiny hand-made organisation whose right answers are known, trained once per session."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from contract_frames import clean
from recsvc import contract as c
from recsvc.bundle import read_bundle
from recsvc.recommend import Recommender
from recsvc.sample import generate_sample
from recsvc.train import train_tables

BASE = pd.Timestamp("2024-01-01", tz="UTC")

# skill -> (name, strategic weight)
SKILLS = {
    "sql": ("SQL", 0.9),
    "py": ("Python", 0.2),
    "xl": ("Excel", 0.0),
    "lead": ("Leadership", 0.1),
}
# role -> (title, {skill: (required level, importance)})
ROLES = {
    "analyst": ("Data Analyst", {"sql": (3.0, 1.0), "xl": (2.0, 0.5)}),
    "scientist": ("Data Scientist", {"py": (4.0, 1.0), "sql": (3.0, 0.8)}),
    "manager": ("Team Manager", {"lead": (3.0, 1.0)}),
}
TOPICS = {
    "sql": "SQL databases queries joins tables relational",
    "py": "Python programming scripts pandas functions",
    "xl": "Excel spreadsheets formulas pivot charts",
    "lead": "Leadership teams feedback coaching people",
}


def content_rows() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for skill, (name, _) in SKILLS.items():
        for level in range(1, 6):
            rows.append(
                {
                    "content_id": f"{skill}{level}",
                    "title": f"{name} level {level}",
                    "description": f"{TOPICS[skill]} level {level} course",
                    "format": "video" if level % 2 else "course",
                    "duration_minutes": 30.0 * level,
                    "difficulty": level,
                    "language": "de" if skill == "xl" and level == 5 else "en",
                    "active": not (skill == "lead" and level == 5),
                    "published_at": BASE - pd.Timedelta(days=400 - 10 * level),
                }
            )
    # brand-new item nobody took: only its text can surface it
    rows.append(
        {
            "content_id": "new_sql",
            "title": "Relational SQL query tuning",
            "description": "SQL joins indexes relational databases query plans",
            "format": "article",
            "duration_minutes": 20.0,
            "difficulty": 3,
            "language": "en",
            "active": True,
            "published_at": BASE + pd.Timedelta(days=360),
        }
    )
    return rows


def tiny_tables(seed: int = 0, *, n_per_role: int = 40) -> dict[str, pd.DataFrame]:
    """Employees in three roles who take content toward their role's skills, one step up."""
    rng = np.random.default_rng(seed)
    content = pd.DataFrame(content_rows())
    skills = pd.DataFrame(
        [{"skill_id": s, "name": n, "strategic_weight": w} for s, (n, w) in SKILLS.items()]
    )
    cs = [
        {"content_id": f"{s}{lv}", "skill_id": s, "level": lv, "weight": 1.0}
        for s in SKILLS
        for lv in range(1, 6)
    ]
    cs.append({"content_id": "new_sql", "skill_id": "sql", "level": 3, "weight": 1.0})
    roles = pd.DataFrame([{"role_id": r, "title": t} for r, (t, _) in ROLES.items()])
    role_skills = pd.DataFrame(
        [
            {"role_id": r, "skill_id": s, "required_level": lvl, "importance": imp}
            for r, (_, req) in ROLES.items()
            for s, (lvl, imp) in req.items()
        ]
    )
    employees, enrolments, assessments = [], [], []
    for r, (_, req) in ROLES.items():
        for n in range(n_per_role):
            e = f"{r}_{n:03d}"
            employees.append(
                {"employee_id": e, "role_id": r, "department": f"dept_{r}", "audit_gender": "x"}
            )
            day = int(rng.integers(0, 30))
            # each starts below some of the role's required levels (a manager's rating
            # says where) and learns toward them, level by level, sometimes one beyond or
            # stopping one short; the skills' paths interleave at random
            tops: dict[str, int] = {}
            reached: dict[str, int] = {}
            for skill, (required, _) in req.items():
                reached[skill] = int(rng.integers(0, int(required) + 1))
                tops[skill] = int(np.clip(required + rng.integers(-1, 2), 1, 5))
                assessments.append(
                    {
                        "employee_id": e,
                        "skill_id": skill,
                        "level": float(reached[skill]),
                        "assessed_at": BASE + pd.Timedelta(days=day),
                        "source": "manager",
                    }
                )
            steps = [s for s in req for _ in range(max(tops[s] - reached[s], 0))]
            for skill in rng.permutation(steps).tolist():
                reached[skill] += 1
                day += int(rng.integers(5, 40))
                enrolments.append(
                    {
                        "employee_id": e,
                        "content_id": f"{skill}{reached[skill]}",
                        "enrolled_at": BASE + pd.Timedelta(days=day),
                        "status": "completed" if rng.random() < 0.85 else "in_progress",
                        "rating": float(rng.integers(3, 6)),
                    }
                )
                if reached[skill] == tops[skill]:
                    assessments.append(
                        {
                            "employee_id": e,
                            "skill_id": skill,
                            "level": float(tops[skill]),
                            "assessed_at": BASE + pd.Timedelta(days=day),
                            "source": "test",
                        }
                    )
    enrol = pd.DataFrame(enrolments)
    enrol["enrolled_at"] = pd.to_datetime(enrol["enrolled_at"], utc=True)
    prereq = pd.DataFrame([{"content_id": "sql3", "requires_content_id": "sql2"}])
    emp = clean(c.EMPLOYEES, pd.DataFrame(employees))
    emp["audit_gender"] = pd.Series(["x"] * len(emp), dtype="string")
    return {
        c.CONTENT: clean(c.CONTENT, content),
        c.ENROLMENTS: clean(c.ENROLMENTS, enrol),
        c.EMPLOYEES: emp,
        c.SKILLS: clean(c.SKILLS, skills),
        c.CONTENT_SKILLS: clean(c.CONTENT_SKILLS, pd.DataFrame(cs)),
        c.ROLES: clean(c.ROLES, roles),
        c.ROLE_SKILLS: clean(c.ROLE_SKILLS, role_skills),
        c.ASSESSMENTS: clean(c.ASSESSMENTS, pd.DataFrame(assessments)),
        c.PREREQUISITES: clean(c.PREREQUISITES, prereq),
    }


@pytest.fixture(scope="session")
def tiny() -> dict[str, pd.DataFrame]:
    return tiny_tables()


@pytest.fixture(scope="session")
def make_tiny_tables() -> Callable[..., dict[str, pd.DataFrame]]:
    """``tiny_tables`` itself, for tests that need another size of the organisation."""
    return tiny_tables


@pytest.fixture(scope="session")
def tiny_bundle_dir(tmp_path_factory: pytest.TempPathFactory, tiny) -> Path:
    out = tmp_path_factory.mktemp("models")
    result = train_tables(tiny, out, seed=7, tune_trials=16)
    return result.bundle_path


@pytest.fixture(scope="session")
def rec(tiny_bundle_dir: Path) -> Recommender:
    return Recommender.from_bundle(read_bundle(tiny_bundle_dir))


@pytest.fixture(scope="session")
def sample_rec(tmp_path_factory: pytest.TempPathFactory) -> Recommender:
    """A generated organisation: 300 employees, 600 items (more than the MMR pool)."""
    sample = generate_sample(300, seed=5, n_content=600)
    out = tmp_path_factory.mktemp("sample-models")
    result = train_tables(sample.tables, out, seed=5, tune_trials=2)
    return Recommender.from_bundle(read_bundle(result.bundle_path))
