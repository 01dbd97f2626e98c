"""Job architecture and skills taxonomy of the sample organisation, built from the O*NET extract.

The taxonomy does not depend on the seed: every sample has the same roles, skills,
requirements and career paths, so results on different samples are comparable.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from importlib import resources

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = ["IMPORTANCE_CUTOFF", "STRATEGIC_WEIGHTS", "Taxonomy", "load_taxonomy"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

IMPORTANCE_CUTOFF = 0.55
"""Requirements whose rescaled O*NET importance is below this are not role requirements."""

STRATEGIC_WEIGHTS: dict[str, float] = {
    "Generative AI": 1.0,
    "Machine Learning": 0.8,
    "Cloud Computing": 0.6,
    "Data Visualisation": 0.5,
    "Python": 0.4,
    "Complex Problem Solving": 0.3,
}
_PARENTS = {
    "Python": "Programming",
    "SQL": "Programming",
    "Machine Learning": "Python",
    "Generative AI": "Machine Learning",
}
_CATEGORY_NAMES = {
    "Content": "Basic Content Skills",
    "Process": "Basic Process Skills",
}
TECH_CATEGORY = "Digital and Data Skills"


@dataclass(frozen=True)
class Taxonomy:
    """Contract tables plus the dense arrays the generator samples from.

    Arrays are indexed by role row (``roles`` order) and skill row (``skills`` order).
    """

    skills: pd.DataFrame
    roles: pd.DataFrame
    role_skills: pd.DataFrame
    career_paths: pd.DataFrame
    categories: tuple[str, ...]
    departments: tuple[str, ...]
    families: tuple[str, ...]
    skill_category: IntArray
    strategic: FloatArray
    required: FloatArray  # (roles, skills) required level, 0 where not required
    importance: FloatArray  # (roles, skills) importance, 0 where not required
    role_family: IntArray
    role_department: IntArray
    role_level: IntArray
    path_from: IntArray
    path_to: IntArray
    path_weight: FloatArray

    @property
    def n_skills(self) -> int:
        return len(self.skills)

    @property
    def n_roles(self) -> int:
        return len(self.roles)


def _read(name: str) -> pd.DataFrame:
    text = resources.files("recsvc").joinpath("data", name).read_text(encoding="utf-8")
    return pd.read_csv(io.StringIO(text), dtype={"soc_code": str, "element_id": str})


def _tech_requirements(tech: pd.DataFrame, zones: pd.Series, writing: pd.Series) -> pd.DataFrame:
    """Technology-skill requirements from example counts and job zone (our derivation)."""
    zone = tech["soc_code"].map(zones).to_numpy(dtype=float)
    n = tech["n_examples"].to_numpy(dtype=float)
    level = np.clip(1.0 + 0.4 * (zone - 2) + 0.5 * np.log1p(n), 1.0, 4.5)
    importance = np.clip(0.45 + 0.08 * n + 0.1 * (tech["n_hot"].to_numpy() > 0), 0.4, 0.95)
    req = pd.DataFrame(
        {
            "soc_code": tech["soc_code"],
            "name": tech["tech_skill"],
            "level": level,
            "imp": importance,
        }
    )
    # Generative AI is barely in O*NET 29.0; we add it where data or writing work dominates.
    data_roles = set(req.loc[req["name"].isin(["Python", "Machine Learning"]), "soc_code"])
    writers = set(writing[writing >= 0.75].index)
    extra = sorted(
        (data_roles | writers) - set(req.loc[req["name"] == "Generative AI", "soc_code"])
    )
    genai = pd.DataFrame(
        {
            "soc_code": extra,
            "name": "Generative AI",
            "level": [2.5 if c in data_roles else 1.5 for c in extra],
            "imp": [0.6 if c in data_roles else 0.5 for c in extra],
        }
    )
    return pd.concat([req, genai], ignore_index=True)


def _career_paths(
    required: FloatArray,
    family: IntArray,
    department: IntArray,
    level: IntArray,
    mgmt: int,
    executive: int,
) -> tuple[IntArray, IntArray, FloatArray]:
    """Usual moves: a step up in one's family and department (or to the executive team), into
    the management of one's department, and sideways into another family of the department."""
    unit = required / np.linalg.norm(required, axis=1, keepdims=True)
    sim = unit @ unit.T
    src: list[int] = []
    dst: list[int] = []

    def add(r: int, mask: npt.NDArray[np.bool_], k: int) -> None:
        cand = np.flatnonzero(mask)
        best = cand[np.argsort(-sim[r, cand], kind="stable")][:k]
        dst.extend(best.tolist())
        src.extend([r] * len(best))

    for r in range(len(level)):
        home = (department == department[r]) | (department == executive)
        up = (family == family[r]) & home & (level > level[r])
        if up.any():
            add(r, up & (level == level[up].min()), 3)
        if family[r] != mgmt:
            add(r, (family == mgmt) & (department == department[r]) & (level >= level[r]), 1)
            side = (family != family[r]) & (family != mgmt) & (department == department[r])
            add(r, side & (level >= level[r]), 1)
    pairs = sorted(set(zip(src, dst, strict=True)))
    p_from = np.array([p[0] for p in pairs], dtype=np.int64)
    p_to = np.array([p[1] for p in pairs], dtype=np.int64)
    return p_from, p_to, np.round(sim[p_from, p_to], 3)


@functools.cache
def load_taxonomy() -> Taxonomy:
    """Build the taxonomy once per process from the shipped extract."""
    occ = _read("onet_occupations.csv")
    onet_skills = _read("onet_skills.csv")
    occ_skills = _read("onet_occupation_skills.csv")
    tech = _read("onet_technology.csv")

    tech_names = list(dict.fromkeys(tech["tech_skill"].tolist() + ["Generative AI"]))
    names = onet_skills["name"].tolist() + tech_names
    categories_per_skill = [_CATEGORY_NAMES.get(c, c) for c in onet_skills["category"]] + [
        TECH_CATEGORY
    ] * len(tech_names)
    categories = tuple(dict.fromkeys(categories_per_skill))
    skill_ids = [f"S{i + 1:02d}" for i in range(len(names))]
    id_of = dict(zip(names, skill_ids, strict=True))
    skills = pd.DataFrame(
        {
            "skill_id": skill_ids,
            "name": names,
            "category": categories_per_skill,
            "parent_id": [id_of.get(_PARENTS.get(n, ""), None) for n in names],
            "strategic_weight": [STRATEGIC_WEIGHTS.get(n, 0.0) for n in names],
        }
    )

    role_ids = [f"R{i + 1:03d}" for i in range(len(occ))]
    role_of = dict(zip(occ["soc_code"], range(len(occ)), strict=True))
    families = tuple(sorted(occ["major_group"].unique()))
    departments = tuple(sorted(occ["department"].unique()))
    roles = pd.DataFrame(
        {
            "role_id": role_ids,
            "title": occ["title"],
            "family": occ["major_group"],
            "level": occ["job_zone"].astype(int),
        }
    )

    name_of = dict(zip(onet_skills["element_id"], onet_skills["name"], strict=True))
    base = pd.DataFrame(
        {
            "soc_code": occ_skills["soc_code"],
            "name": occ_skills["element_id"].map(name_of),
            "level": occ_skills["level"] * 5.0 / 7.0,
            "imp": (occ_skills["importance"] - 1.0) / 4.0,
        }
    )
    writing = base[base["name"] == "Writing"].set_index("soc_code")["imp"]
    zones = occ.set_index("soc_code")["job_zone"]
    req = pd.concat([base, _tech_requirements(tech, zones, writing)], ignore_index=True)
    req = req[req["imp"] >= IMPORTANCE_CUTOFF]
    r_idx = req["soc_code"].map(role_of).to_numpy()
    s_idx = req["name"].map({n: i for i, n in enumerate(names)}).to_numpy()
    required = np.zeros((len(role_ids), len(names)))
    importance = np.zeros_like(required)
    required[r_idx, s_idx] = np.clip(np.round(req["level"].to_numpy(), 2), 0.0, 5.0)
    importance[r_idx, s_idx] = np.clip(np.round(req["imp"].to_numpy(), 2), 0.0, 1.0)
    rr, ss = np.nonzero(importance)
    role_skills = pd.DataFrame(
        {
            "role_id": np.array(role_ids, dtype=object)[rr],
            "skill_id": np.array(skill_ids, dtype=object)[ss],
            "required_level": required[rr, ss],
            "importance": importance[rr, ss],
        }
    )

    role_family = np.array([families.index(f) for f in occ["major_group"]], dtype=np.int64)
    role_department = np.array([departments.index(d) for d in occ["department"]], dtype=np.int64)
    role_level = occ["job_zone"].to_numpy(dtype=np.int64)
    p_from, p_to, p_w = _career_paths(
        required,
        role_family,
        role_department,
        role_level,
        families.index("Management"),
        departments.index("Executive"),
    )
    career_paths = pd.DataFrame(
        {
            "from_role_id": np.array(role_ids, dtype=object)[p_from],
            "to_role_id": np.array(role_ids, dtype=object)[p_to],
            "weight": p_w,
        }
    )
    arrays = {
        "skill_category": np.array([categories.index(c) for c in categories_per_skill]),
        "strategic": skills["strategic_weight"].to_numpy(dtype=float),
        "required": required,
        "importance": importance,
        "role_family": role_family,
        "role_department": role_department,
        "role_level": role_level,
        "path_from": p_from,
        "path_to": p_to,
        "path_weight": p_w,
    }
    for a in arrays.values():
        a.flags.writeable = False
    return Taxonomy(
        skills=skills,
        roles=roles,
        role_skills=role_skills,
        career_paths=career_paths,
        categories=categories,
        departments=departments,
        families=families,
        skill_category=arrays["skill_category"].astype(np.int64),
        strategic=arrays["strategic"],
        required=arrays["required"],
        importance=arrays["importance"],
        role_family=arrays["role_family"],
        role_department=arrays["role_department"],
        role_level=arrays["role_level"],
        path_from=arrays["path_from"],
        path_to=arrays["path_to"],
        path_weight=arrays["path_weight"],
    )
