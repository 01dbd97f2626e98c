"""A small organisation holding every contract table, and writers for each kind of source."""

from __future__ import annotations

__all__ = ["make_org", "write_csv", "write_parquet", "write_sql"]

from pathlib import Path

import numpy as np
import pandas as pd
import sqlalchemy as sa


def make_org(seed: int = 7, n_employees: int = 30, n_content: int = 25) -> dict[str, pd.DataFrame]:
    """Every contract table with native dtypes, awkward text and values that must round-trip."""
    rng = np.random.default_rng(seed)
    base = pd.Timestamp("2023-01-01", tz="UTC")

    def stamps(n: int) -> pd.Series:
        micros = rng.integers(0, 400 * 86_400 * 1_000_000, n)
        return pd.Series(base + pd.to_timedelta(micros, unit="us"))

    roles = pd.DataFrame(
        {
            "role_id": [f"R{i}" for i in range(4)],
            "title": ["Engineer", "Senior Engineer", "Analyst, data", 'Lead "ops"'],
            "family": ["eng", "eng", None, "ops"],
            "level": pd.array([1, 2, None, 3], dtype="Int64"),
        }
    )
    skills = pd.DataFrame(
        {
            "skill_id": [f"S{i}" for i in range(6)],
            "name": ["Python", "SQL", "Café management", "Zürich law", "ML", "Ops"],
            "category": ["tech", "tech", "biz", "biz", "tech", None],
            "parent_id": [None, None, None, None, "S0", "S1"],
            "strategic_weight": [0.1 + 0.2, 1 / 3, 0.0, 1.0, 0.5, 0.25],
        }
    )
    formats = ["course", "video", "article", "mentoring"]
    content = pd.DataFrame(
        {
            "content_id": [f"C{i:03d}" for i in range(n_content)],
            "title": [f"Item {i}, part \u00e9 {i % 3}" for i in range(n_content)],
            "description": [f'Line with "quotes", commas and ü {i}' for i in range(n_content)],
            "format": [formats[i % 4] for i in range(n_content)],
            "duration_minutes": rng.random(n_content) * 300,
            "difficulty": pd.array(rng.integers(1, 6, n_content), dtype="Int64"),
            "language": ["en" if i % 2 else "de" for i in range(n_content)],
            "provider": ["acme"] * n_content,
            "active": [i % 5 != 0 for i in range(n_content)],
            "published_at": stamps(n_content),
        }
    )
    employees = pd.DataFrame(
        {
            "employee_id": [f"E{i:03d}" for i in range(n_employees)],
            "role_id": [f"R{i % 4}" for i in range(n_employees)],
            "target_role_id": [f"R{(i + 1) % 4}" if i % 3 else None for i in range(n_employees)],
            "department": ["dev", "ops", "sales"] * (n_employees // 3),
            "location": ["Berlin"] * n_employees,
            "manager_id": [None] + [f"E{i // 5:03d}" for i in range(1, n_employees)],
            "hire_date": stamps(n_employees),
            "language": ["en"] * n_employees,
            "audit_gender": ["f", "m", None] * (n_employees // 3),
        }
    )
    n_enrol = 200
    enrolled = stamps(n_enrol)
    statuses = np.array(["enrolled", "in_progress", "completed", "dropped"])[
        rng.integers(0, 4, n_enrol)
    ]
    done = statuses == "completed"
    completed_at = enrolled + pd.to_timedelta(rng.integers(1, 10**6, n_enrol), unit="s")
    enrolments = pd.DataFrame(
        {
            "employee_id": [f"E{i:03d}" for i in rng.integers(0, n_employees, n_enrol)],
            "content_id": [f"C{i:03d}" for i in rng.integers(0, n_content, n_enrol)],
            "enrolled_at": enrolled,
            "status": statuses,
            "completed_at": completed_at.where(done),
            "progress": np.where(done, 1.0, rng.random(n_enrol)),
            "score": np.where(done, rng.random(n_enrol), np.nan),
            "rating": np.where(done, rng.integers(1, 6, n_enrol).astype(float), np.nan),
        }
    )
    pairs = sorted({(f"C{i:03d}", f"S{i % 6}") for i in range(n_content)} | {("C001", "S4")})
    content_skills = pd.DataFrame(
        {
            "content_id": [p[0] for p in pairs],
            "skill_id": [p[1] for p in pairs],
            "level": pd.array([1 + i % 5 for i in range(len(pairs))], dtype="Int64"),
            "weight": [round(0.1 * (1 + i % 10), 1) for i in range(len(pairs))],
        }
    )
    role_skills = pd.DataFrame(
        {
            "role_id": ["R0", "R0", "R1", "R2", "R3"],
            "skill_id": ["S0", "S1", "S0", "S2", "S5"],
            "required_level": [2.0, 1.5, 4.0, 3.0, 2.5],
            "importance": [1.0, 0.5, 0.75, None, 0.2],
        }
    )
    assessments = pd.DataFrame(
        {
            "employee_id": [f"E{i:03d}" for i in range(10)],
            "skill_id": [f"S{i % 6}" for i in range(10)],
            "level": [float(i % 6) for i in range(10)],
            "assessed_at": stamps(10),
            "source": ["test", "manager", "peer", "self", "test"] * 2,
            "content_id": ["C001", None] * 5,
        }
    )
    career_paths = pd.DataFrame(
        {
            "from_role_id": ["R0", "R1", "R2"],
            "to_role_id": ["R1", "R3", "R3"],
            "weight": [2.0, 1.0, 0.5],
        }
    )
    prerequisites = pd.DataFrame(
        {"content_id": ["C002", "C003"], "requires_content_id": ["C001", "C002"]}
    )
    role_history = pd.DataFrame(
        {
            "employee_id": ["E000", "E000", "E001"],
            "role_id": ["R0", "R1", "R2"],
            "started_at": stamps(3),
        }
    )
    mentors = pd.DataFrame(
        {
            "employee_id": ["E000", "E003", "E007"],
            "capacity": [2, None, 0],
            "opt_in": [True, False, None],
        }
    )
    return {
        "roles": roles,
        "skills": skills,
        "content": content,
        "employees": employees,
        "mentors": mentors,
        "content_skills": content_skills,
        "role_skills": role_skills,
        "enrolments": enrolments,
        "assessments": assessments,
        "career_paths": career_paths,
        "prerequisites": prerequisites,
        "role_history": role_history,
    }


def write_csv(tables: dict[str, pd.DataFrame], folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    return str(folder)


def write_parquet(tables: dict[str, pd.DataFrame], folder: Path) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in tables.items():
        frame.to_parquet(folder / f"{name}.parquet", index=False)
    return str(folder)


def write_sql(tables: dict[str, pd.DataFrame], url: str, schema: str | None = None) -> None:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as conn:
            for name, frame in tables.items():
                frame.to_sql(name, conn, schema=schema, index=False, if_exists="replace")
    finally:
        engine.dispose()
