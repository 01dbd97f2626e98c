"""What ``recsvc report <name>`` runs: load the data, analyse, write, print a summary."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console

from recsvc.errors import RecsvcError

__all__ = ["run_fairness_report", "run_impact_report"]


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


def run_fairness_report(
    console: Console,
    *,
    data: str,
    models: Path,
    out: Path,
    ground_truth: Path | None,
    k: int,
    band: tuple[float, float],
    floor_out: Path | None,
    max_bad_share: float,
) -> None:
    """Exposure per audit group without and with the floor; optionally the floor's file."""
    import numpy as np
    import orjson

    from recsvc.bundle import read_bundle
    from recsvc.evaluate.closure import GroundTruth
    from recsvc.evaluate.exposure import calibrate_floor
    from recsvc.evaluate.exposure_pools import build_pools
    from recsvc.evaluate.exposure_report import floor_document, write_fairness_report
    from recsvc.evaluate.fairness import audit_labels
    from recsvc.ingest import load_tables
    from recsvc.recommend import Recommender

    tables = load_tables(data, max_bad_share=max_bad_share).tables
    rec = Recommender.from_bundle(read_bundle(models))
    labels = audit_labels(tables, rec.state.employees)
    if not labels:
        raise RecsvcError("the employees table has no audit_ column: nothing to audit")
    truth = GroundTruth.read(Path(ground_truth), rec.state) if ground_truth else None
    users = np.arange(len(rec.state.employees))
    pools = build_pools(rec, users, k=k, truth=truth)
    try:
        audit, emphasis = calibrate_floor(pools, labels, band=band)
    except ValueError as error:
        raise RecsvcError(str(error)) from error
    paths = write_fairness_report(audit, out)
    if floor_out is not None:
        doc = floor_document(audit, list(rec.state.employees.ids), emphasis)
        floor_out.parent.mkdir(parents=True, exist_ok=True)
        floor_out.write_bytes(orjson.dumps(doc, option=orjson.OPT_INDENT_2))
        paths.append(floor_out)
    console.print(
        f"exposure within [{band[0]}, {band[1]}]: without the floor "
        f"{'yes' if audit.in_band_before else 'no'}, with it "
        f"{'yes' if audit.in_band_after else 'no'}; need value loss {audit.loss:.2%}"
    )
    console.print(f"wrote {', '.join(str(p) for p in paths)}")
