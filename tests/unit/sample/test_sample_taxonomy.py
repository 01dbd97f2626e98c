"""The job architecture comes from the shipped O*NET extract, attributed and self-contained."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from recsvc.sample.taxonomy import IMPORTANCE_CUTOFF, load_taxonomy

REPO = Path(__file__).resolve().parents[3]
DATA = REPO / "src" / "recsvc" / "data"
ONET = REPO.parent / "shared" / "data" / "onet-29.0"
EXTRACT = (
    "onet_occupations.csv",
    "onet_skills.csv",
    "onet_occupation_skills.csv",
    "onet_technology.csv",
)


def test_skills_are_the_35_onet_skills_plus_technology_skills() -> None:
    tax = load_taxonomy()
    names = tax.skills["name"].tolist()
    assert len(names) == len(set(names)) == 44
    assert names[:2] == ["Reading Comprehension", "Active Listening"]
    assert {"SQL", "Python", "Machine Learning", "Generative AI"} <= set(names)
    strategic = tax.skills.set_index("name")["strategic_weight"]
    assert strategic["Generative AI"] == 1.0
    assert 3 <= (strategic > 0).sum() <= 8
    assert len(tax.categories) == 8


def test_roles_span_families_and_levels_with_onet_requirements() -> None:
    tax = load_taxonomy()
    assert 40 <= tax.n_roles <= 80
    assert tax.roles["family"].nunique() >= 6
    assert set(tax.roles["level"]) == {2, 3, 4, 5}
    rs = tax.role_skills
    assert rs["required_level"].between(0, 5).all()
    assert (rs["importance"] >= IMPORTANCE_CUTOFF).all() and (rs["importance"] <= 1).all()
    per_role = rs.groupby("role_id").size()
    assert len(per_role) == tax.n_roles and per_role.min() >= 4
    # a real O*NET fact survives the rescaling: programmers need more programming than lawyers
    by_title = rs.merge(tax.roles, on="role_id").merge(tax.skills, on="skill_id")
    level = by_title.set_index(["title", "name"])["required_level"]
    assert level["Computer Programmers", "Programming"] > 3.0
    assert ("Lawyers", "Programming") not in level.index


def test_career_paths_lead_up_or_sideways_never_down() -> None:
    tax = load_taxonomy()
    assert len(tax.career_paths) > tax.n_roles
    assert (tax.role_level[tax.path_to] >= tax.role_level[tax.path_from]).all()
    assert (tax.path_from != tax.path_to).all()
    assert (tax.path_weight > 0).all()
    cross = tax.role_family[tax.path_from] != tax.role_family[tax.path_to]
    assert 0 < cross.mean() < 1
    assert (np.bincount(tax.path_from, minlength=tax.n_roles) > 0).mean() > 0.85


def test_the_extract_ships_with_attribution() -> None:
    notice = (DATA / "NOTICE.md").read_text(encoding="utf-8")
    for phrase in ("O*NET 29.0 Database", "CC BY 4.0", "USDOL/ETA", "modified"):
        assert phrase in notice
    assert all((DATA / name).is_file() for name in EXTRACT)


def test_the_generator_never_reads_the_shared_folder() -> None:
    sources = (REPO / "src" / "recsvc" / "sample").glob("*.py")
    assert not any("shared" in path.read_text(encoding="utf-8") for path in sources)


@pytest.mark.skipif(not ONET.is_dir(), reason="needs ../shared/data/onet-29.0")
def test_the_tool_rebuilds_the_shipped_extract_exactly(tmp_path: Path) -> None:
    spec = importlib.util.spec_from_file_location(
        "make_onet_extract", REPO / "tools" / "make_onet_extract.py"
    )
    assert spec is not None and spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    tool.build_extract(ONET, tmp_path)
    for name in EXTRACT:
        assert (tmp_path / name).read_bytes() == (DATA / name).read_bytes(), name
