"""`recsvc report skills`: gaps by department and role, and catalogue gaps, for L&D.

Writes ``skills.md`` (for people), ``skills.json`` (the same figures, for tools) and
``skills_by_department.png`` (mean gap of each department on the skills most needed across
the organisation) into one folder. The figures come from :mod:`recsvc.people.org_skills`:
every one rests on at least ``min_group_size`` people.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import orjson
from matplotlib import colormaps
from matplotlib.figure import Figure

from recsvc.people.needs import GAP_THRESHOLD
from recsvc.people.org_skills import GroupGaps, OrgSkills

__all__ = ["PLOT", "write_skills_report"]

#: stable file names (the explorer links to the plot)
MARKDOWN, JSON, PLOT = "skills.md", "skills.json", "skills_by_department.png"


def _count(n: int | None, k: int) -> str:
    return f"<{k}" if n is None else str(n)


def _group_table(groups: tuple[GroupGaps, ...], what: str, per_group: int, k: int) -> list[str]:
    lines = [
        f"| {what} | people | largest gaps (members with a gap / members needing it) |",
        "|---|---|---|",
    ]
    for g in groups:
        gaps = "; ".join(
            f"{s.skill_name} ({_count(s.members_with_gap, k)}/{s.members_needing}, "
            f"mean gap {s.mean_gap:.2f})"
            for s in g.gaps[:per_group]
        )
        lines.append(f"| {g.name} | {g.members} | {gaps or 'no gaps'} |")
    return lines


def _markdown(org: OrgSkills) -> str:
    k = org.min_group_size
    lines = [
        "# Skills report",
        "",
        f"{org.employees} employees. A member *has a gap* when at least {GAP_THRESHOLD} "
        f"levels below what their role or target role requires. Every figure is over at "
        f"least {k} people: {org.departments_withheld} department(s) and "
        f"{org.roles_withheld} role(s) with fewer are left out.",
        "",
        "## Skills people need that no active content teaches",
        "",
    ]
    if org.catalogue_gaps:
        lines += [
            "| skill | people with a gap | median level needed | highest level taught | "
            "active items | retired items | kind |",
            "|---|---|---|---|---|---|---|",
        ]
        for c in org.catalogue_gaps:
            lines.append(
                f"| {c.skill_name} (`{c.skill_id}`) | {c.people_with_gap} | "
                f"{c.median_required:.2f} | {c.highest_level_taught or '-'} | "
                f"{c.active_items} | {c.retired_items} | {c.kind} |"
            )
        lines += [
            "",
            "`no_content`: no active item teaches the skill; `below_level`: active items stop "
            f"more than {GAP_THRESHOLD} levels below the median level needed. Buy or build these.",
        ]
    else:
        lines.append("None: for every skill people need, active content teaches it far enough.")
    lines += ["", "## Gaps by department", "", *_group_table(org.by_department, "department", 5, k)]
    lines += ["", "## Gaps by role", "", *_group_table(org.by_role, "role", 3, k)]
    lines += ["", f"![Mean gap by department]({PLOT})", ""]
    return "\n".join(lines)


def _plot(org: OrgSkills, path: Path) -> None:
    """Heat map: departments x the skills with the largest summed gap overall."""
    totals: dict[str, float] = {}
    names: dict[str, str] = {}
    for g in org.by_department:
        for s in g.gaps:
            totals[s.skill_id] = totals.get(s.skill_id, 0.0) + s.weighted_gap
            names[s.skill_id] = s.skill_name
    skills = sorted(totals, key=lambda s: -totals[s])[:12]
    grid = np.full((len(org.by_department), len(skills)), np.nan)
    for i, g in enumerate(org.by_department):
        for s in g.gaps:
            if s.skill_id in skills:
                grid[i, skills.index(s.skill_id)] = s.mean_gap
    fig = Figure(figsize=(1.0 + 0.7 * max(len(skills), 1), 1.5 + 0.4 * max(len(grid), 1)))
    ax = fig.add_subplot()
    # grey: not among the department's largest gaps (or withheld)
    cmap = colormaps["Reds"].with_extremes(bad="#e5e5e5")
    image = ax.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=0, aspect="auto")
    ax.set_xticks(range(len(skills)), [names[s] for s in skills], rotation=45, ha="right")
    ax.set_yticks(range(len(grid)), [g.name for g in org.by_department])
    ax.set_title("Mean gap (levels) by department; grey: not among its largest gaps")
    fig.colorbar(image, ax=ax, label="mean gap")
    fig.tight_layout()
    fig.savefig(path, dpi=100)


def write_skills_report(org: OrgSkills, out: Path) -> list[Path]:
    """Write the report's three files into ``out`` (created if missing); return their paths."""
    out.mkdir(parents=True, exist_ok=True)
    paths = [out / MARKDOWN, out / JSON, out / PLOT]
    paths[0].write_text(_markdown(org), encoding="utf-8")
    paths[1].write_bytes(orjson.dumps(dataclasses.asdict(org), option=orjson.OPT_INDENT_2))
    _plot(org, paths[2])
    return paths
