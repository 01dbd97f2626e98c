"""Build the small O*NET 29.0 extract shipped in ``src/recsvc/data/`` from the full database.

Run from the repository root (it reads ``../shared/data/onet-29.0`` by default)::

    .venv/bin/python tools/make_onet_extract.py [--onet DIR] [--out DIR]

The sample generator reads only the extract, never the full database, so a user's clone works
without ``../shared``. The curated occupation list and the department of each occupation are
our choices (a mid-size company's job architecture); the technology-skill mapping groups O*NET
"Technology Skills" examples into a few learnable skills. Both are recorded in NOTICE.md.
"""

from __future__ import annotations

import argparse
import logging
import re
from pathlib import Path

import pandas as pd

__all__ = ["OCCUPATIONS", "TECH_PATTERNS", "build_extract", "main"]

logger = logging.getLogger(__name__)

REPO = Path(__file__).resolve().parents[1]
DEFAULT_ONET = REPO.parent / "shared" / "data" / "onet-29.0"
DEFAULT_OUT = REPO / "src" / "recsvc" / "data"

MAJOR_GROUPS = {
    "11": "Management",
    "13": "Business and Financial Operations",
    "15": "Computer and Mathematical",
    "17": "Architecture and Engineering",
    "23": "Legal",
    "27": "Arts, Design, Entertainment, Sports, and Media",
    "41": "Sales and Related",
    "43": "Office and Administrative Support",
}

# O*NET-SOC code -> department of our sample company (our choice, not O*NET data)
OCCUPATIONS: dict[str, str] = {
    "11-1011.00": "Executive",
    "11-1021.00": "Operations",
    "11-2021.00": "Marketing",
    "11-2022.00": "Sales",
    "11-3012.00": "Operations",
    "11-3021.00": "Technology",
    "11-3031.00": "Finance",
    "11-3061.00": "Operations",
    "11-3071.04": "Operations",
    "11-3121.00": "People",
    "11-3131.00": "People",
    "11-9041.00": "Engineering",
    "11-9199.02": "Legal",
    "13-1023.00": "Operations",
    "13-1041.00": "Legal",
    "13-1071.00": "People",
    "13-1081.02": "Operations",
    "13-1111.00": "Operations",
    "13-1141.00": "People",
    "13-1151.00": "People",
    "13-1161.00": "Marketing",
    "13-2011.00": "Finance",
    "13-2031.00": "Finance",
    "13-2041.00": "Finance",
    "13-2099.01": "Finance",
    "13-2099.04": "Finance",
    "15-1211.00": "Technology",
    "15-1212.00": "Technology",
    "15-1221.00": "Technology",
    "15-1231.00": "Technology",
    "15-1232.00": "Technology",
    "15-1242.00": "Technology",
    "15-1243.00": "Technology",
    "15-1244.00": "Technology",
    "15-1251.00": "Technology",
    "15-1253.00": "Technology",
    "15-1254.00": "Technology",
    "15-1299.08": "Technology",
    "15-1299.09": "Technology",
    "15-2031.00": "Technology",
    "15-2041.00": "Technology",
    "15-2051.01": "Technology",
    "17-2061.00": "Engineering",
    "17-2071.00": "Engineering",
    "17-2112.00": "Engineering",
    "17-2141.00": "Engineering",
    "17-2199.08": "Engineering",
    "17-3012.00": "Engineering",
    "17-3023.00": "Engineering",
    "17-3027.00": "Engineering",
    "17-3029.01": "Engineering",
    "23-1011.00": "Legal",
    "23-2011.00": "Legal",
    "27-1011.00": "Marketing",
    "27-1024.00": "Marketing",
    "27-3031.00": "Marketing",
    "27-3041.00": "Marketing",
    "27-3042.00": "Technology",
    "27-3043.00": "Marketing",
    "27-4032.00": "Marketing",
    "41-1012.00": "Sales",
    "41-3011.00": "Sales",
    "41-3031.00": "Sales",
    "41-4011.00": "Sales",
    "41-4012.00": "Sales",
    "41-9031.00": "Sales",
    "41-9041.00": "Sales",
    "43-1011.00": "Operations",
    "43-3021.00": "Finance",
    "43-3031.00": "Finance",
    "43-3051.00": "People",
    "43-4051.00": "Sales",
    "43-4161.00": "People",
    "43-6011.00": "Executive",
    "43-6012.00": "Legal",
    "43-6014.00": "Operations",
    "43-9021.00": "Operations",
    "43-9061.00": "Operations",
}

# learnable technology skill -> (regex on the technology example, regex on its commodity title)
TECH_PATTERNS: dict[str, tuple[str, str]] = {
    "SQL": (r"\bSQL\b|MySQL|PostgreSQL|NoSQL|Transact-SQL", r"^$"),
    "Python": (r"\bPython\b", r"^$"),
    "Spreadsheets": (r"Microsoft Excel|Google Sheets", r"^Spreadsheet software$"),
    "Data Visualisation": (
        r"Tableau|Power BI|Qlik|Looker",
        r"^Business intelligence and data analysis software$",
    ),
    "Cloud Computing": (r"Amazon Web Services|Microsoft Azure|Google Cloud|Kubernetes", r"^$"),
    "Machine Learning": (r"TensorFlow|PyTorch|scikit|Keras|SageMaker|Apache Spark", r"^$"),
    "Generative AI": (r"ChatGPT|OpenAI", r"^$"),
    "CRM Systems": (r"Salesforce", r"^Customer relationship management CRM software$"),
    "Project Management Tools": (
        r"Atlassian JIRA|Microsoft Project",
        r"^Project management software$",
    ),
}


def _skills(onet: Path, codes: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    raw = pd.read_csv(onet / "Skills.tsv.gz", sep="\t", dtype=str)
    raw = raw[raw["O*NET-SOC Code"].isin(codes)]
    model = pd.read_csv(onet / "Content_Model_Reference.tsv", sep="\t", dtype=str)
    names = dict(zip(model["Element ID"], model["Element Name"], strict=True))
    descriptions = dict(zip(model["Element ID"], model["Description"], strict=True))
    element_ids = sorted(raw["Element ID"].unique())
    skills = pd.DataFrame(
        {
            "element_id": element_ids,
            "name": [names[e] for e in element_ids],
            # parent element: 2.A.1 "Content", 2.B.1 "Social Skills", ...
            "category": [names[".".join(e.split(".")[:3])] for e in element_ids],
            "description": [descriptions[e] for e in element_ids],
        }
    )
    wide = raw.pivot_table(
        index=["O*NET-SOC Code", "Element ID"],
        columns="Scale ID",
        values="Data Value",
        aggfunc="first",
    ).reset_index()
    not_relevant = raw[(raw["Scale ID"] == "LV") & (raw["Not Relevant"] == "Y")]
    dropped = set(zip(not_relevant["O*NET-SOC Code"], not_relevant["Element ID"], strict=True))
    keep = [
        (c, e) not in dropped
        for c, e in zip(wide["O*NET-SOC Code"], wide["Element ID"], strict=True)
    ]
    wide = wide[keep]
    occ_skills = pd.DataFrame(
        {
            "soc_code": wide["O*NET-SOC Code"],
            "element_id": wide["Element ID"],
            "importance": wide["IM"].astype(float).round(2),
            "level": wide["LV"].astype(float).round(2),
        }
    ).sort_values(["soc_code", "element_id"])
    return skills, occ_skills


def _technology(onet: Path, codes: list[str]) -> pd.DataFrame:
    raw = pd.read_csv(onet / "Technology_Skills.tsv.gz", sep="\t", dtype=str).fillna("")
    raw = raw[raw["O*NET-SOC Code"].isin(codes)]
    rows = []
    for skill, (example_re, commodity_re) in TECH_PATTERNS.items():
        hit = raw["Example"].str.contains(example_re, regex=True, flags=re.IGNORECASE) | raw[
            "Commodity Title"
        ].str.contains(commodity_re, regex=True)
        matched = raw[hit]
        grouped = matched.groupby("O*NET-SOC Code").agg(
            n_examples=("Example", "nunique"),
            n_hot=("Hot Technology", lambda s: int((s == "Y").sum())),
        )
        for code, row in grouped.iterrows():
            rows.append((code, skill, int(row["n_examples"]), int(row["n_hot"])))
    tech = pd.DataFrame(rows, columns=["soc_code", "tech_skill", "n_examples", "n_hot"])
    return tech.sort_values(["soc_code", "tech_skill"])


def build_extract(onet: Path, out: Path) -> None:
    """Write the four extract CSVs into ``out`` (NOTICE.md is maintained by hand)."""
    codes = sorted(OCCUPATIONS)
    occ = pd.read_csv(onet / "Occupation_Data.tsv", sep="\t", dtype=str)
    zones = pd.read_csv(onet / "Job_Zones.tsv", sep="\t", dtype=str)
    occ = occ[occ["O*NET-SOC Code"].isin(codes)].merge(
        zones[["O*NET-SOC Code", "Job Zone"]], on="O*NET-SOC Code"
    )
    missing = set(codes) - set(occ["O*NET-SOC Code"])
    if missing:
        raise SystemExit(f"occupations missing from the O*NET files: {sorted(missing)}")
    occupations = pd.DataFrame(
        {
            "soc_code": occ["O*NET-SOC Code"],
            "title": occ["Title"],
            "major_group": occ["O*NET-SOC Code"].str[:2].map(MAJOR_GROUPS),
            "job_zone": occ["Job Zone"].astype(int),
            "department": occ["O*NET-SOC Code"].map(OCCUPATIONS),
        }
    ).sort_values("soc_code")
    skills, occ_skills = _skills(onet, codes)
    tech = _technology(onet, codes)
    out.mkdir(parents=True, exist_ok=True)
    occupations.to_csv(out / "onet_occupations.csv", index=False)
    skills.to_csv(out / "onet_skills.csv", index=False)
    occ_skills.to_csv(out / "onet_occupation_skills.csv", index=False)
    tech.to_csv(out / "onet_technology.csv", index=False)
    logger.info(
        "wrote %d occupations, %d skills, %d requirements, %d technology rows to %s",
        len(occupations),
        len(skills),
        len(occ_skills),
        len(tech),
        out,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--onet", type=Path, default=DEFAULT_ONET)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    build_extract(args.onet, args.out)


if __name__ == "__main__":
    main()
