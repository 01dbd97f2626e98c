"""What each CLI command does, rendered for a person on a terminal with rich."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from recsvc.errors import DataValidationError, RecsvcError

if TYPE_CHECKING:
    from recsvc.validate import ValidationReport

__all__ = [
    "print_report",
    "run_bundle_verify",
    "run_evaluate",
    "run_sample",
    "run_serve",
    "run_train",
    "run_validate",
]


def run_sample(
    console: Console, *, out: Path, employees: int, seed: int, fmt: str, regime: str = "default"
) -> str:
    """Generate the sample organisation and write it; return the data source string."""
    from recsvc.sample import generate_sample, write_sample
    from recsvc.sample.regimes import check_regime

    started = time.perf_counter()
    with console.status(f"Generating a {regime} sample of {employees:,} employees..."):
        organisation = generate_sample(employees, seed=seed, regime=check_regime(regime))
    generated = time.perf_counter() - started
    with console.status(f"Writing {fmt} files to {out}..."):
        source = write_sample(organisation, out, fmt)  # type: ignore[arg-type]
    written = time.perf_counter() - started - generated

    table = Table(title=f"Sample organisation ({regime}, seed {seed})")
    table.add_column("table")
    table.add_column("rows", justify="right")
    for name, frame in organisation.tables.items():
        table.add_row(name, f"{len(frame):,}")
    console.print(table)
    console.print(
        f"Generated in {generated:.1f} s, written in {written:.1f} s. Data source: {source}\n"
        f"Ground truth (for evaluation only, never read by the trainer): {out / 'ground_truth'}"
    )
    return source


def print_report(console: Console, report: ValidationReport) -> None:
    """Print the per-table counts, then one line per problem found and per missing table."""
    table = Table(title="Validation")
    for column in ("table", "read", "kept", "rejected", "blanked"):
        table.add_column(column, justify="left" if column == "table" else "right")
    for name, stats in report.tables.items():
        style = "red" if stats.bad_share > report.max_bad_share else None
        counts = (stats.read, stats.kept, stats.rejected, stats.blanked)
        table.add_row(name, *(f"{n:,}" for n in counts), style=style)
    console.print(table)
    for line in report.problem_rows():
        console.print(f"  {escape(line)}")


def run_validate(
    console: Console, *, data: str, report_path: Path | None, max_bad_share: float
) -> None:
    """Load and validate a source; print the summary and write the JSON report."""
    from recsvc.ingest import load_tables

    target = report_path or _default_report_path(data)
    try:
        with console.status(f"Loading and validating {data}..."):
            loaded = load_tables(data, max_bad_share=max_bad_share)
    except DataValidationError as error:
        report = getattr(error, "report", None)
        if report is not None:
            print_report(console, report)
            report.write_json(target)
            console.print(f"Report written to {target}")
        raise
    print_report(console, loaded.report)
    loaded.report.write_json(target)
    console.print(f"[green]Data is usable.[/] Report written to {target}")


def _default_report_path(data: str) -> Path:
    folder = Path(data)
    if folder.is_dir():
        return folder / "validation-report.json"
    return Path("validation-report.json")


# what each install extra provides (pyproject.toml): a command missing one says which to add
_EXTRAS = {
    "serve": ("fastapi", "uvicorn", "prometheus_client"),
    "train": ("sklearn", "implicit", "optuna"),
    "eval": ("matplotlib",),
}


def require_extra(command: str, extra: str) -> None:
    """A clear error when ``command`` runs in an install without ``recsvc[extra]``.

    The service image installs only what serving needs, so e.g. ``recsvc train`` there
    would otherwise fail with a bare ImportError deep in a model module.
    """
    missing = [m for m in _EXTRAS[extra] if importlib.util.find_spec(m) is None]
    if missing:
        raise RecsvcError(
            f"`recsvc {command}` needs {', '.join(missing)}, which this install lacks: "
            f"pip install 'recsvc[{extra}]'"
        )


def run_train(
    console: Console,
    *,
    data: str,
    out: Path,
    seed: int,
    time_budget_s: float,
    max_bad_share: float,
    protocol: str = "employee",
    events: str | None = None,
    tune_trials: int | None = None,
) -> Any:
    """Train a bundle with a progress display per stage and print the summary."""
    require_extra("train", "train")
    from recsvc.progress import RichTrainProgress
    from recsvc.train import train

    with RichTrainProgress(console) as progress:
        result = train(
            data,
            out,
            seed=seed,
            time_budget_s=time_budget_s,
            tune_trials=tune_trials,
            max_bad_share=max_bad_share,
            progress=progress,
            protocol=protocol,  # type: ignore[arg-type]
            events=events,
        )
    _print_train_summary(console, result)
    return result


def _print_train_summary(console: Console, result: Any) -> None:
    from recsvc.training.regime import regime_text

    manifest = result.manifest
    console.print(
        f"[green]Bundle {manifest.version}[/] written to {result.bundle_path} "
        f"(capabilities: {', '.join(manifest.capabilities)})"
    )
    params = manifest.params
    regime = params.get("regime")
    if regime:
        console.print(f"Data regime: {regime_text(regime)}")
        console.print(f"Validation protocol: {regime['protocol_description']}")
    selection = params.get("selection")
    if selection:
        console.print(f"Selected: {selection_line(selection)}")
    for why in (params.get("skipped") or {}).values():
        console.print(f"  skipped: {why}")
    ease = str(params.get("ease", ""))
    if ease.startswith("skipped"):
        console.print(f"  EASE {ease}")
    for note in (params.get("mf_budget") or {}).values():
        console.print(f"  fit budget: {escape(note)}")
    effects = params.get("item_effects")
    if effects and effects["taught_pairs"]:
        console.print(f"Item effectiveness: {effects_line(effects)}")
    merged = params.get("events")
    if merged:
        console.print(
            f"Events merged from {escape(str(merged['store']))} "
            f"(through #{merged['through_seq']}): "
            + ", ".join(
                f"{name.replace('_', ' ')} {merged[name]:,}"
                for name in (
                    "events_read",
                    "enrolments_added",
                    "enrolments_updated",
                    "enrolments_known",
                    "assessments_added",
                    "erased_employees_left_out",
                )
                if name in merged
            )
        )
    metrics = manifest.metrics
    _print_metric_table(
        console, "Validation: warm employees (their own latest items)", result.validation_table
    )
    if metrics.get("eval_sample"):
        console.print(sample_line(metrics["eval_sample"]))
    if result.cold_validation_table:
        _print_metric_table(
            console, "Validation: cold-start slice (no history)", result.cold_validation_table
        )
        if metrics.get("eval_sample_cold"):
            console.print(sample_line(metrics["eval_sample_cold"]))


def sample_line(sample: dict[str, Any]) -> str:
    """How many employees the validation ran on, and the served list's nDCG@10 interval."""
    key = next(k for k in sample if k.startswith("ndcg@"))
    served = sample[key].get("served")
    ci = (
        f"; served {key.split()[0]} {served[0]:.4f}, 95% bootstrap interval "
        f"[{served[1]:.4f}, {served[2]:.4f}]"
        if served
        else ""
    )
    who = (
        f"all {sample['of']:,}"
        if sample["employees"] >= sample["of"]
        else f"a seeded sample of {sample['employees']:,} of {sample['of']:,}"
    )
    return f"  on {who} evaluation employees{ci}"


def effects_line(effects: dict[str, Any]) -> str:
    """How much of the catalogue has measured effectiveness, and what the rest is valued at."""
    measured, taught = effects["measured_pairs"], effects["taught_pairs"]
    nodes = effects["unmeasured_effects"]
    rest = (
        f"the rest valued over the measured effects {' / '.join(f'{e:.2f}' for e in nodes)}"
        if len(nodes) > 1
        else "the rest taken as average (too few measurements to learn their spread)"
    )
    share = measured / taught
    return f"measured on {measured:,} of {taught:,} (item, skill) pairs ({share:.0%}); {rest}"


def selection_line(selection: dict[str, Any]) -> str:
    """The models the trainer chose, per slice, with the learned blend's margin over the best
    single candidate and that margin's standard error (the blend needs margin > SE)."""
    parts = []
    for slice_, choice in selection.items():
        part = f"{slice_}: {choice['model']}"
        if "blend_margin" in choice:
            part += (
                f" (blend - {choice['best_single']}: {choice['blend_margin']:+.4f}, "
                f"SE {choice['blend_margin_se']:.4f}, {choice['employees']} employees)"
            )
        parts.append(part)
    return "; ".join(parts)


def _print_metric_table(console: Console, title: str, rows: dict[str, dict[str, float]]) -> None:
    table = Table(title=title)
    table.add_column("model", no_wrap=True)
    metric_names: list[str] = []
    for metrics in rows.values():
        metric_names = list(metrics)
        break
    for name in metric_names:
        table.add_column(name, justify="right")
    for model, metrics in rows.items():
        table.add_row(model, *(f"{metrics[name]:.4f}" for name in metric_names))
    console.print(table)


def run_evaluate(
    console: Console,
    *,
    data: str,
    split: str,
    k: int,
    seed: int,
    time_budget_s: float,
    out: Path,
    ground_truth: Path | None,
    docs_path: Path | None,
    max_bad_share: float,
    tune_trials: int | None = None,
) -> Any:
    """Evaluate the hybrid against every baseline and ablation; print the summary table."""
    require_extra("evaluate", "train")
    require_extra("evaluate", "eval")
    from recsvc.evaluate import run_evaluation
    from recsvc.progress import RichTrainProgress
    from recsvc.training.regime import regime_text

    with RichTrainProgress(console) as progress:
        result = run_evaluation(
            data,
            split=split,  # type: ignore[arg-type]
            k=k,
            seed=seed,
            time_budget_s=time_budget_s,
            tune_trials=tune_trials,
            out_dir=out,
            ground_truth=ground_truth,
            progress=progress,
            max_bad_share=max_bad_share,
            docs_path=docs_path,
        )
    regime = result.meta.get("regime")
    if regime:
        console.print(f"Data regime: {regime_text(regime)}")
    table = Table(title=f"Offline evaluation ({result.split} split)")
    for column in result.summary_columns():
        table.add_column(column)
    for row in result.summary_rows():
        table.add_row(*(escape(cell) for cell in row))
    console.print(table)
    for line in result.verdict():
        console.print(f"  {escape(line)}")
    selection = result.meta.get("selection")
    if selection:
        console.print(f"Selected: {selection_line(selection)}")
    for line in result.selection_check():
        console.print(f"  {escape(line)}")
    console.print("Written: " + ", ".join(str(p) for p in result.files))
    return result


def run_serve(
    *, models: Path | None, host: str | None, port: int | None, workers: int | None
) -> None:
    """Start the HTTP service with settings from the environment, overridden by flags."""
    require_extra("serve", "serve")
    from recsvc.config import ServeSettings
    from recsvc.service.server import run

    overrides: dict[str, Any] = {
        key: value
        for key, value in {
            "models_dir": models,
            "host": host,
            "port": port,
            "workers": workers,
        }.items()
        if value is not None
    }
    run(ServeSettings(**overrides))


def run_bundle_verify(console: Console, path: Path) -> None:
    """Verify a bundle and print what it holds."""
    from recsvc.bundle import verify_bundle

    manifest = verify_bundle(path)
    console.print(
        f"[green]OK[/] bundle {manifest.version} (schema {manifest.schema_version}, "
        f"{len(manifest.files)} files, checksums match; "
        f"capabilities: {', '.join(manifest.capabilities)})"
    )


def run_report_skills(
    console: Console, *, models: Path, out: Path, min_group_size: int, top: int
) -> list[Path]:
    """Read a bundle, aggregate everyone's skill needs, write the skills report."""
    if importlib.util.find_spec("matplotlib") is None:
        raise RecsvcError(
            "`recsvc report skills` draws a plot with matplotlib: pip install 'recsvc[eval]'"
        )
    from recsvc.bundle import read_bundle
    from recsvc.people.org_skills import org_skills
    from recsvc.recommend import Recommender
    from recsvc.report.skills import write_skills_report

    recommender = Recommender.from_bundle(read_bundle(models))
    org = org_skills(recommender, min_group_size=min_group_size, top=top)
    paths = write_skills_report(org, out)
    console.print(
        f"{org.employees} employees, {len(org.by_department)} departments, "
        f"{len(org.by_role)} roles (groups under {org.min_group_size} people left out); "
        f"{len(org.catalogue_gaps)} catalogue gap(s)"
    )
    for gap in org.catalogue_gaps[:10]:
        console.print(
            f"  {gap.skill_name}: {gap.people_with_gap} people with a gap, {gap.kind} "
            f"(highest level taught {gap.highest_level_taught}, "
            f"median needed {gap.median_required:.1f})"
        )
    console.print(f"wrote {', '.join(str(p) for p in paths)}")
    return paths
