"""The workforce: employees with roles, managers, places, languages and hidden skills and tastes.

Observable columns go to the ``employees`` table; the latent parts (true skill levels,
interests over skill categories, a taste cluster, an activity rate) drive the simulation and
are written only as ground truth. ``audit_`` attributes never influence behaviour; age band
follows the role's level a little (older people in senior roles), so an audit has a real,
documented correlation to find, and gender is independent of everything.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from recsvc.sample.catalogue import LANGUAGES
from recsvc.sample.taxonomy import Taxonomy
from recsvc.sample.timeline import DAY, REFERENCE

__all__ = ["LOCATIONS", "N_CLUSTERS", "People", "make_people", "optional_ids"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

# location -> (language spoken there, share of the workforce)
LOCATIONS: dict[str, tuple[str, float]] = {
    "London": ("en", 0.22),
    "New York": ("en", 0.20),
    "Toronto": ("en", 0.08),
    "Bangalore": ("en", 0.10),
    "Berlin": ("de", 0.14),
    "Munich": ("de", 0.06),
    "Paris": ("fr", 0.12),
    "Madrid": ("es", 0.08),
}
N_CLUSTERS = 6
"""Latent taste groups: people in one cluster like the same items beyond what skills explain."""
SPAN_OF_CONTROL = 8
TARGET_SHARE = 0.3
MEAN_ENROLMENTS = 20.0
_ZONE_WEIGHT = {1: 1.2, 2: 1.6, 3: 1.3, 4: 1.0, 5: 0.35}
_DEPARTMENT_WEIGHT = {
    "Technology": 1.4,
    "Sales": 1.3,
    "Operations": 1.2,
    "Finance": 1.0,
    "Engineering": 1.0,
    "Marketing": 0.8,
    "People": 0.6,
    "Legal": 0.5,
    "Executive": 0.3,
}
_GENDERS = ("female", "male", "non-binary", "undisclosed")
_GENDER_P = (0.47, 0.47, 0.02, 0.04)
_AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64")


@dataclass(frozen=True)
class People:
    """The ``employees`` table (with audit columns) plus latent arrays by employee row."""

    employees: pd.DataFrame
    role: IntArray
    target: IntArray  # -1 without a target role
    department: IntArray
    language: IntArray  # index into catalogue.LANGUAGES
    cluster: IntArray
    interests: FloatArray  # (employees, categories), rows sum to 1
    levels: FloatArray  # (employees, skills) true levels at the start of the window
    rate: FloatArray  # expected enrolments over the window
    hired: IntArray  # seconds
    active_until: IntArray | None = None  # seconds; None: active until the reference date

    @property
    def n_employees(self) -> int:
        return len(self.role)


def optional_ids(ids: npt.NDArray[np.object_], index: IntArray) -> npt.NDArray[np.object_]:
    """``ids[index]`` with None where index is -1."""
    out = ids[np.maximum(index, 0)]
    out[index < 0] = None
    return out


def _roles(rng: np.random.Generator, tax: Taxonomy, n: int) -> IntArray:
    """Employee 0 is the chief executive; everyone else is drawn by zone and department."""
    mgmt = tax.families.index("Management")
    w = np.array([_ZONE_WEIGHT[int(z)] for z in tax.role_level])
    w *= np.array([_DEPARTMENT_WEIGHT.get(tax.departments[d], 1.0) for d in tax.role_department])
    w *= np.where(tax.role_family == mgmt, 0.3, 1.0)
    ceo = int(np.flatnonzero(tax.roles["title"].to_numpy() == "Chief Executives")[0])
    w[ceo] = 0.0
    role = rng.choice(tax.n_roles, size=n, p=w / w.sum()).astype(np.int64)
    role[0] = ceo
    return role


def _managers(rng: np.random.Generator, tax: Taxonomy, role: IntArray) -> IntArray:
    """A tree per department (senior people higher up); department heads report to employee 0."""
    n = len(role)
    manager = np.full(n, -1, dtype=np.int64)
    department = tax.role_department[role]
    seniority = tax.role_level[role] + 0.5 * (
        tax.role_family[role] == tax.families.index("Management")
    )
    tiebreak = rng.random(n)
    for d in np.unique(department):
        members = np.flatnonzero(department == d)
        members = members[np.lexsort((tiebreak[members], -seniority[members]))]
        if members[0] != 0 and 0 in members:  # the chief executive heads their department
            members = np.concatenate(([0], members[members != 0]))
        pos = np.arange(1, len(members))
        manager[members[1:]] = members[(pos - 1) // SPAN_OF_CONTROL]
        if members[0] != 0:
            manager[members[0]] = 0
    return manager


def _targets(rng: np.random.Generator, tax: Taxonomy, role: IntArray) -> IntArray:
    target = np.full(len(role), -1, dtype=np.int64)
    wants = rng.random(len(role)) < TARGET_SHARE
    wants[0] = False
    for r in range(tax.n_roles):
        nxt = tax.path_from == r
        members = np.flatnonzero(wants & (role == r))
        if nxt.any() and len(members):
            p = tax.path_weight[nxt] / tax.path_weight[nxt].sum()
            target[members] = rng.choice(tax.path_to[nxt], size=len(members), p=p)
    return target


def _levels(
    rng: np.random.Generator, tax: Taxonomy, role: IntArray, target: IntArray, tenure: FloatArray
) -> FloatArray:
    """True levels: around the role requirement with real gaps, a head start on target skills."""
    n, k = len(role), tax.n_skills
    levels = np.clip(rng.normal(0.8, 0.5, (n, k)), 0.0, 2.5)
    req = tax.required[role]
    experience = 0.3 * np.minimum(tenure, 8.0)[:, None] / 8.0
    in_role = req > 0
    levels[in_role] = (req + rng.normal(-0.45, 0.6, (n, k)) + experience)[in_role]
    has_target = target >= 0
    t_req = np.zeros((n, k))
    t_req[has_target] = tax.required[target[has_target]]
    head_start = (t_req > 0) & ~in_role
    levels[head_start] = np.maximum(levels, 0.6 * t_req + rng.normal(0.0, 0.4, (n, k)))[head_start]
    return np.clip(levels, 0.0, 5.0)


def make_people(rng: np.random.Generator, tax: Taxonomy, n: int) -> People:
    """Draw ``n`` employees."""
    role = _roles(rng, tax, n)
    manager = _managers(rng, tax, role)
    target = _targets(rng, tax, role)
    names = list(LOCATIONS)
    loc_p = np.array([LOCATIONS[x][1] for x in names])
    location = rng.choice(len(names), size=n, p=loc_p / loc_p.sum())
    local = np.array([LANGUAGES.index(LOCATIONS[x][0]) for x in names])[location]
    language = np.where(rng.random(n) < 0.85, local, 0).astype(np.int64)

    tenure = rng.exponential(5.0, n) + rng.uniform(30, 60, n) / 365.0
    tenure = np.minimum(tenure, 35.0)
    hired = REFERENCE - (tenure * 365.0 * DAY).astype(np.int64)
    hired -= hired % DAY

    n_cat = len(tax.categories)
    # interests: mostly personal, partly the skill mix of one's role
    mix = np.zeros((tax.n_roles, n_cat))
    for c in range(n_cat):
        mix[:, c] = tax.importance[:, tax.skill_category == c].sum(axis=1)
    mix /= mix.sum(axis=1, keepdims=True)
    interests = 0.7 * rng.dirichlet(np.full(n_cat, 0.6), n) + 0.3 * mix[role]
    cluster_p = rng.dirichlet(np.ones(N_CLUSTERS), len(tax.departments))
    department = tax.role_department[role]
    u = rng.random(n)[:, None]
    cluster = (u > np.cumsum(cluster_p[department], axis=1)).sum(axis=1).astype(np.int64)
    cluster = np.minimum(cluster, N_CLUSTERS - 1)
    rate = MEAN_ENROLMENTS * rng.gamma(1.5, 1 / 1.5, n)

    age = (
        27.0 + 4.0 * (tax.role_level[role] - 2) + np.minimum(tenure, 20) * 0.6 + rng.normal(0, 7, n)
    )
    age_band = np.digitize(np.clip(age, 18, 64), [25, 35, 45, 55])
    ids = np.array([f"E{i + 1:0{max(6, len(str(n)))}d}" for i in range(n)], dtype=object)
    role_ids = tax.roles["role_id"].to_numpy(dtype=object)
    employees = pd.DataFrame(
        {
            "employee_id": ids,
            "role_id": role_ids[role],
            "target_role_id": optional_ids(role_ids, target),
            "department": np.array(tax.departments, dtype=object)[department],
            "location": np.array(names, dtype=object)[location],
            "manager_id": optional_ids(ids, manager),
            "hire_date": hired,
            "language": np.array(LANGUAGES, dtype=object)[language],
            "audit_gender": np.array(_GENDERS, dtype=object)[
                rng.choice(len(_GENDERS), size=n, p=_GENDER_P)
            ],
            "audit_age_band": np.array(_AGE_BANDS, dtype=object)[age_band],
        }
    )
    return People(
        employees=employees,
        role=role,
        target=target,
        department=department,
        language=language,
        cluster=cluster,
        interests=interests,
        levels=_levels(rng, tax, role, target, tenure),
        rate=rate,
        hired=hired.astype(np.int64),
    )
