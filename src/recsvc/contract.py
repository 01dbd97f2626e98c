"""Data contract v1 as code: table names, columns, types, allowed values and references.

Everything that reads or checks input data (ingest, validate, docs) takes its facts from here,
so the contract is written down exactly once. After validation every table holds exactly the
contract columns (required and optional, in this order; absent optional columns are filled
with their default or missing values) with the pandas dtypes in ``CLEAN_DTYPES``, plus any
``audit_`` columns of ``employees`` as strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

__all__ = [
    "ASSESSMENTS",
    "AUDIT_PREFIX",
    "CAREER_PATHS",
    "CLEAN_DTYPES",
    "CONTRACT_VERSION",
    "CONTENT",
    "CONTENT_FORMATS",
    "CONTENT_SKILLS",
    "ENROLMENTS",
    "ENROLMENT_STATUSES",
    "EMPLOYEES",
    "PREREQUISITES",
    "REQUIRED_TABLES",
    "MENTORS",
    "ROLES",
    "ROLE_HISTORY",
    "ROLE_SKILLS",
    "SKILLS",
    "ASSESSMENT_SOURCES",
    "TABLES",
    "TABLE_ORDER",
    "ColumnKind",
    "ColumnSpec",
    "TableSpec",
]

CONTRACT_VERSION = 1

CONTENT = "content"
ENROLMENTS = "enrolments"
EMPLOYEES = "employees"
SKILLS = "skills"
CONTENT_SKILLS = "content_skills"
ROLES = "roles"
ROLE_SKILLS = "role_skills"
ASSESSMENTS = "assessments"
CAREER_PATHS = "career_paths"
PREREQUISITES = "prerequisites"
MENTORS = "mentors"
ROLE_HISTORY = "role_history"

AUDIT_PREFIX = "audit_"

CONTENT_FORMATS = (
    "course",
    "video",
    "article",
    "podcast",
    "classroom",
    "mentoring",
    "project",
    "assessment",
)
ENROLMENT_STATUSES = ("enrolled", "in_progress", "completed", "dropped")
ASSESSMENT_SOURCES = ("test", "manager", "peer", "self")


class ColumnKind(StrEnum):
    """How a column is parsed and checked."""

    ID = "id"  # non-empty string identifier
    TEXT = "text"  # free text, may be empty
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    TIMESTAMP = "timestamp"  # ISO 8601; naive values are taken as UTC
    ENUM = "enum"  # one of ColumnSpec.allowed


# pandas dtype of each kind after validation; ingest gives strings Arrow-backed
# (pd.StringDtype("pyarrow"), which equals and prints as "string": no Python object per value)
CLEAN_DTYPES: dict[ColumnKind, str] = {
    ColumnKind.ID: "string",
    ColumnKind.TEXT: "string",
    ColumnKind.INT: "Int64",
    ColumnKind.FLOAT: "float64",
    ColumnKind.BOOL: "boolean",
    ColumnKind.TIMESTAMP: "datetime64[ns, UTC]",
    ColumnKind.ENUM: "string",
}


@dataclass(frozen=True)
class ColumnSpec:
    """One column of the contract.

    ``references`` names the table whose primary key this column points to; a row pointing
    at an unknown key is bad (only checked when that table is present).
    """

    name: str
    kind: ColumnKind
    required: bool = False
    allowed: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    default: str | float | bool | None = None
    references: str | None = None
    description: str = ""


@dataclass(frozen=True)
class TableSpec:
    """One table of the contract."""

    name: str
    columns: tuple[ColumnSpec, ...]
    primary_key: tuple[str, ...] = ()
    required: bool = False
    enables: str = ""
    description: str = ""
    allow_audit_columns: bool = False
    by_name: dict[str, ColumnSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {c.name: c for c in self.columns})

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)


def _id(
    name: str, *, required: bool = False, references: str | None = None, d: str = ""
) -> ColumnSpec:
    return ColumnSpec(name, ColumnKind.ID, required=required, references=references, description=d)


TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        TableSpec(
            CONTENT,
            required=True,
            primary_key=("content_id",),
            description="The learning catalogue: one row per item an employee can take.",
            enables="Everything: recommendations are drawn from this table.",
            columns=(
                _id("content_id", required=True),
                ColumnSpec("title", ColumnKind.TEXT, required=True),
                ColumnSpec("description", ColumnKind.TEXT, default=""),
                ColumnSpec("format", ColumnKind.ENUM, allowed=CONTENT_FORMATS, default="course"),
                ColumnSpec("duration_minutes", ColumnKind.FLOAT, minimum=0, maximum=100_000),
                ColumnSpec("difficulty", ColumnKind.INT, minimum=1, maximum=5),
                ColumnSpec("language", ColumnKind.TEXT, description="e.g. en, de, fr"),
                ColumnSpec("provider", ColumnKind.TEXT),
                ColumnSpec(
                    "url", ColumnKind.TEXT, description="link to the item, shown by GET /content"
                ),
                ColumnSpec("active", ColumnKind.BOOL, default=True),
                ColumnSpec("published_at", ColumnKind.TIMESTAMP),
            ),
        ),
        TableSpec(
            ENROLMENTS,
            required=True,
            description="Who took what, when, and how it went (implicit feedback).",
            enables="Collaborative filtering, popularity, peer signals.",
            columns=(
                _id("employee_id", required=True, references=EMPLOYEES),
                _id("content_id", required=True, references=CONTENT),
                ColumnSpec("enrolled_at", ColumnKind.TIMESTAMP, required=True),
                ColumnSpec(
                    "status", ColumnKind.ENUM, allowed=ENROLMENT_STATUSES, default="completed"
                ),
                ColumnSpec("completed_at", ColumnKind.TIMESTAMP),
                ColumnSpec("progress", ColumnKind.FLOAT, minimum=0, maximum=1),
                ColumnSpec("score", ColumnKind.FLOAT, minimum=0, maximum=1),
                ColumnSpec("rating", ColumnKind.FLOAT, minimum=1, maximum=5),
            ),
        ),
        TableSpec(
            EMPLOYEES,
            primary_key=("employee_id",),
            allow_audit_columns=True,
            description=(
                "The people recommendations are for. Protected attributes only as columns "
                "prefixed audit_ (fairness audits only, never model features)."
            ),
            enables="Role-based peers and gaps, cold start by role, fairness audits.",
            columns=(
                _id("employee_id", required=True),
                _id("role_id", references=ROLES),
                _id("target_role_id", references=ROLES),
                ColumnSpec("department", ColumnKind.TEXT),
                ColumnSpec("location", ColumnKind.TEXT),
                _id("manager_id", references=EMPLOYEES),
                ColumnSpec("hire_date", ColumnKind.TIMESTAMP),
                ColumnSpec("language", ColumnKind.TEXT),
            ),
        ),
        TableSpec(
            SKILLS,
            primary_key=("skill_id",),
            description="The skills taxonomy.",
            enables="Skill-gap models and skill reasons (with content_skills and role_skills).",
            columns=(
                _id("skill_id", required=True),
                ColumnSpec("name", ColumnKind.TEXT, required=True),
                ColumnSpec("category", ColumnKind.TEXT),
                _id("parent_id", references=SKILLS),
                ColumnSpec("strategic_weight", ColumnKind.FLOAT, minimum=0, maximum=1, default=0.0),
            ),
        ),
        TableSpec(
            CONTENT_SKILLS,
            primary_key=("content_id", "skill_id"),
            description="Which skills each item teaches, and to which level.",
            enables="Skill-gap ranking, difficulty fit, skill-tag text features.",
            columns=(
                _id("content_id", required=True, references=CONTENT),
                _id("skill_id", required=True, references=SKILLS),
                ColumnSpec("level", ColumnKind.INT, minimum=1, maximum=5),
                ColumnSpec("weight", ColumnKind.FLOAT, minimum=0, maximum=1, default=1.0),
            ),
        ),
        TableSpec(
            ROLES,
            primary_key=("role_id",),
            description="The job architecture: roles, grouped into families and levels.",
            enables="Role gaps, popular-in-role, cold start by role.",
            columns=(
                _id("role_id", required=True),
                ColumnSpec("title", ColumnKind.TEXT, required=True),
                ColumnSpec("family", ColumnKind.TEXT),
                ColumnSpec("level", ColumnKind.INT, minimum=0, maximum=20),
            ),
        ),
        TableSpec(
            ROLE_SKILLS,
            primary_key=("role_id", "skill_id"),
            description="The skill levels each role requires.",
            enables="Skill gaps for current and target roles.",
            columns=(
                _id("role_id", required=True, references=ROLES),
                _id("skill_id", required=True, references=SKILLS),
                ColumnSpec("required_level", ColumnKind.FLOAT, required=True, minimum=0, maximum=5),
                ColumnSpec("importance", ColumnKind.FLOAT, minimum=0, maximum=1, default=1.0),
            ),
        ),
        TableSpec(
            ASSESSMENTS,
            description="Assessed skill levels over time.",
            enables="Current skill levels (otherwise only evidence from completed content).",
            columns=(
                _id("employee_id", required=True, references=EMPLOYEES),
                _id("skill_id", required=True, references=SKILLS),
                ColumnSpec("level", ColumnKind.FLOAT, required=True, minimum=0, maximum=5),
                ColumnSpec("assessed_at", ColumnKind.TIMESTAMP, required=True),
                ColumnSpec("source", ColumnKind.ENUM, allowed=ASSESSMENT_SOURCES, default="test"),
                _id("content_id", references=CONTENT),
            ),
        ),
        TableSpec(
            CAREER_PATHS,
            primary_key=("from_role_id", "to_role_id"),
            description="Usual moves between roles.",
            enables=(
                "Likely next roles, and the default growth target of employees without a "
                "target role."
            ),
            columns=(
                _id("from_role_id", required=True, references=ROLES),
                _id("to_role_id", required=True, references=ROLES),
                ColumnSpec("weight", ColumnKind.FLOAT, minimum=0, default=1.0),
            ),
        ),
        TableSpec(
            PREREQUISITES,
            primary_key=("content_id", "requires_content_id"),
            description="Content that should be completed before other content.",
            enables="The prerequisites business rule.",
            columns=(
                _id("content_id", required=True, references=CONTENT),
                _id("requires_content_id", required=True, references=CONTENT),
            ),
        ),
        TableSpec(
            MENTORS,
            primary_key=("employee_id",),
            description=(
                "People who offer to mentor, and how many mentees each takes. Mentors are "
                "matched on skills a recent test proved (see POST /mentors/match)."
            ),
            enables="Mentor matching without listing mentors in every request.",
            columns=(
                _id("employee_id", required=True, references=EMPLOYEES),
                ColumnSpec(
                    "capacity",
                    ColumnKind.INT,
                    minimum=0,
                    maximum=50,
                    default=1,
                    description="most mentees at once (0: not taking any now)",
                ),
                ColumnSpec(
                    "opt_in",
                    ColumnKind.BOOL,
                    default=True,
                    description="false: listed but not offering now",
                ),
            ),
        ),
        TableSpec(
            ROLE_HISTORY,
            primary_key=("employee_id", "started_at"),
            description=(
                "Which role each employee held from when: one row per role started "
                "(including the current one)."
            ),
            enables=(
                "Observed moves between roles (how many made a move, typical time before it) "
                "and time in the current role."
            ),
            columns=(
                _id("employee_id", required=True, references=EMPLOYEES),
                _id("role_id", required=True, references=ROLES),
                ColumnSpec("started_at", ColumnKind.TIMESTAMP, required=True),
            ),
        ),
    )
}

# dependency order: a table comes after every table it references (self-references aside)
TABLE_ORDER: tuple[str, ...] = (
    ROLES,
    SKILLS,
    CONTENT,
    EMPLOYEES,
    MENTORS,
    CONTENT_SKILLS,
    ROLE_SKILLS,
    ENROLMENTS,
    ASSESSMENTS,
    CAREER_PATHS,
    PREREQUISITES,
    ROLE_HISTORY,
)
REQUIRED_TABLES: tuple[str, ...] = tuple(n for n in TABLE_ORDER if TABLES[n].required)
