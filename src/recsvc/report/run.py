"""What ``recsvc report <name>`` runs: load the data, analyse, write, print a summary."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from recsvc.errors import RecsvcError

__all__ = ["run_impact_report"]


def run_impact_report(
    console: Console,
    *,
    data: str,
    out: Path,
    ground_truth: Path | None,
    min_group: int,
    max_bad_share: float,
) -> None:
    """Learning impact per item and skill; Markdown, JSON and plots in ``out``."""
    from recsvc.ingest import load_tables
    from recsvc.report.impact import analyse_impact, truth_check
    from recsvc.report.impact_output import write_impact_report

    tables = load_tables(data, max_bad_share=max_bad_share).tables
    result = analyse_impact(tables, min_group=min_group)
    truth = None
    if ground_truth is not None:
        try:
            truth = truth_check(result, ground_truth)
        except FileNotFoundError as error:
            raise RecsvcError(str(error)) from error
    paths = write_impact_report(result, out, truth)
    shown = result.shown
    console.print(
        f"{len(shown)} of {len(result.items)} items with course tests have a shown estimate; "
        f"{int(shown['ineffective'].sum())} flagged ineffective; "
        f"{int(result.skills['not_working'].sum())} skills where the catalogue does not work"
    )
    if truth is not None:
        console.print(
            f"truth check: {truth.get('coverage', float('nan')):.1%} of shown intervals cover "
            f"the true gain; ineffective items flagged: "
            f"{truth.get('ineffective_recall', float('nan')):.0%}"
        )
    console.print(f"wrote {', '.join(str(p) for p in paths)}")
