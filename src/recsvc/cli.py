"""The `recsvc` command line: parse arguments, call one function, map errors to exit codes.

Heavy modules are imported inside each command so that `recsvc --help` stays instant.
"""

from __future__ import annotations

import logging
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape

from recsvc import __version__
from recsvc.errors import DataValidationError, RecsvcError

__all__ = ["app", "main"]

console = Console()
err_console = Console(stderr=True)

app = typer.Typer(
    name="recsvc",
    help=(
        "Recommendation engine for workplace learning.\n\n"
        "Typical flow: `recsvc sample` (or your own LMS/HR data) -> `recsvc validate` -> "
        "`recsvc train` -> `recsvc serve`. `recsvc demo` runs all of it once on a sample."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
bundle_app = typer.Typer(help="Inspect and check model bundles.", no_args_is_help=True)
app.add_typer(bundle_app, name="bundle")
keys_app = typer.Typer(help="Make and hash API keys for RECSVC_API_KEYS.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")
#: `recsvc report <name>`: reports for L&D (impact, fairness, skills...); one subcommand each
report_app = typer.Typer(
    help="Reports for L&D: Markdown + JSON + plots written to a folder.", no_args_is_help=True
)
app.add_typer(report_app, name="report")

EXIT_DATA = 2
EXIT_BUNDLE = 3
EXIT_OTHER = 1


class SplitKind(StrEnum):
    employee = "employee"
    time = "time"
    user_random = "user-random"


class HoldoutProtocol(StrEnum):
    employee = "employee"
    time = "time"


class SampleRegime(StrEnum):
    default = "default"
    cohort = "cohort"
    interactions_only = "interactions-only"


class SampleFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"
    sqlite = "sqlite"


DataOption = Annotated[
    str,
    typer.Option(
        "--data",
        help="Data source: a folder of CSV or Parquet files, or a SQLAlchemy URL "
        "(sqlite:///path.db, postgresql+psycopg://user:pass@host/db).",
    ),
]
MaxBadShareOption = Annotated[
    float,
    typer.Option(
        "--max-bad-share",
        min=0.0,
        max=1.0,
        help="Stop if more than this share of any table's rows is bad.",
    ),
]


def _fail(error: RecsvcError) -> typer.Exit:
    """Print a domain error without a traceback and pick its exit code."""
    from recsvc.errors import BundleError, DataContractError, DataSourceError

    err_console.print(f"[bold red]error:[/] {escape(str(error))}")
    if isinstance(error, DataSourceError | DataContractError | DataValidationError):
        return typer.Exit(EXIT_DATA)
    if isinstance(error, BundleError):
        return typer.Exit(EXIT_BUNDLE)
    return typer.Exit(EXIT_OTHER)


def _version_callback(value: bool) -> None:
    if value:
        console.print(f"recsvc {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log more detail.")] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version_callback, is_eager=True, help="Show version."),
    ] = False,
) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


@app.command()
def sample(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the sample into.")],
    employees: Annotated[int, typer.Option("--employees", min=10, help="Employees.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same seed, same files.")] = 42,
    fmt: Annotated[SampleFormat, typer.Option("--format", help="Output format.")] = (
        SampleFormat.csv
    ),
    regime: Annotated[
        SampleRegime,
        typer.Option(
            "--regime",
            help="default: steady organisation; cohort: people arrive in waves with short "
            "bursts of history; interactions-only: only enrolments and content.",
        ),
    ] = SampleRegime.default,
) -> None:
    """Generate a realistic sample organisation (roles, skills, catalogue, people, activity)."""
    from recsvc.commands import run_sample

    try:
        run_sample(
            console, out=out, employees=employees, seed=seed, fmt=fmt.value, regime=regime.value
        )
    except RecsvcError as error:
        raise _fail(error) from error


@app.command()
def validate(
    data: DataOption,
    report: Annotated[
        Path | None,
        typer.Option("--report", help="Where to write the JSON report (default: next to data)."),
    ] = None,
    max_bad_share: MaxBadShareOption = 0.05,
) -> None:
    """Load and validate a data source; print a summary and write a JSON report."""
    from recsvc.commands import run_validate

    try:
        run_validate(console, data=data, report_path=report, max_bad_share=max_bad_share)
    except RecsvcError as error:
        raise _fail(error) from error


@app.command()
def train(
    data: DataOption,
    out: Annotated[Path, typer.Option("--out", help="Models folder for the bundle.")] = Path(
        "models"
    ),
    seed: Annotated[int, typer.Option("--seed", help="Seed; same data + seed, same model.")] = 42,
    time_budget: Annotated[
        float,
        typer.Option("--time-budget", min=0.0, help="Seconds allowed for hyper-parameter tuning."),
    ] = 60.0,
    tune_trials: Annotated[
        int | None,
        typer.Option(
            "--tune-trials",
            min=1,
            help="Run this many tuning trials per model instead of a time budget "
            "(the same model on any machine).",
        ),
    ] = None,
    max_bad_share: MaxBadShareOption = 0.05,
    protocol: Annotated[
        HoldoutProtocol,
        typer.Option(
            "--protocol",
            help="How tuning and the ranker are validated. employee: each employee's own "
            "latest items, plus a cold-start slice; time: one global time cut.",
        ),
    ] = HoldoutProtocol.employee,
    events: Annotated[
        str | None,
        typer.Option(
            "--events",
            help="Event store URL (the service's RECSVC_EVENTS_URL): merge its events and "
            "leave erased employees out. A SQL --data with an events table is read anyway.",
        ),
    ] = None,
) -> None:
    """Train models from a data source and write a new bundle atomically."""
    from recsvc.commands import run_train

    try:
        run_train(
            console,
            data=data,
            out=out,
            seed=seed,
            time_budget_s=time_budget,
            tune_trials=tune_trials,
            max_bad_share=max_bad_share,
            protocol=protocol.value,
            events=events,
        )
    except RecsvcError as error:
        raise _fail(error) from error


@app.command()
def evaluate(
    data: DataOption,
    split: Annotated[
        SplitKind,
        typer.Option(
            "--split",
            help="employee: each employee's latest items (the trainer's protocol), plus a "
            "cold-start slice; time: train before one global cut-off, test after; "
            "user-random: a seeded share of each employee's history.",
        ),
    ] = SplitKind.employee,
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="List length evaluated.")] = 10,
    seed: Annotated[int, typer.Option("--seed", help="Seed for splits, tuning, bootstrap.")] = 42,
    time_budget: Annotated[
        float, typer.Option("--time-budget", min=0.0, help="Seconds for tuning each model.")
    ] = 20.0,
    tune_trials: Annotated[
        int | None,
        typer.Option(
            "--tune-trials",
            min=1,
            help="Run this many tuning trials per model instead of a time budget "
            "(the same model on any machine).",
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", help="Folder for the Markdown/JSON report and plots.")
    ] = Path("reports"),
    ground_truth: Annotated[
        Path | None,
        typer.Option(
            "--ground-truth", help="A sample's ground_truth/ folder: adds true gap closure."
        ),
    ] = None,
    write_docs: Annotated[
        bool, typer.Option("--write-docs", help="Also regenerate the docs page (--docs-file).")
    ] = False,
    docs_file: Annotated[
        Path, typer.Option("--docs-file", help="The docs page --write-docs writes.")
    ] = Path("docs/evaluation.md"),
    max_bad_share: MaxBadShareOption = 0.05,
) -> None:
    """Compare the hybrid with baselines and ablations offline, with confidence intervals."""
    from recsvc.commands import run_evaluate

    try:
        run_evaluate(
            console,
            data=data,
            split=split.value,
            k=k,
            seed=seed,
            time_budget_s=time_budget,
            tune_trials=tune_trials,
            out=out,
            ground_truth=ground_truth,
            docs_path=docs_file if write_docs else None,
            max_bad_share=max_bad_share,
        )
    except RecsvcError as error:
        raise _fail(error) from error


@app.command()
def serve(
    models: Annotated[
        Path | None, typer.Option("--models", help="Models folder (env RECSVC_MODELS_DIR).")
    ] = None,
    host: Annotated[str | None, typer.Option("--host", help="Bind address.")] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port.")] = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Processes.")] = None,
) -> None:
    """Serve recommendations over HTTP from the latest bundle (keeps running)."""
    from recsvc.commands import run_serve

    try:
        run_serve(models=models, host=host, port=port, workers=workers)
    except RecsvcError as error:
        raise _fail(error) from error


@app.command()
def demo(
    workdir: Annotated[
        Path, typer.Option("--workdir", help="Folder for the sample data and the report.")
    ] = Path("build/demo"),
    models: Annotated[
        Path, typer.Option("--models", help="Models folder the new bundle is added to.")
    ] = Path("models"),
    employees: Annotated[int, typer.Option("--employees", min=10, help="Employees.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 42,
    time_budget: Annotated[
        float, typer.Option("--time-budget", min=0.0, help="Seconds for tuning.")
    ] = 30.0,
    tune_trials: Annotated[
        int | None,
        typer.Option("--tune-trials", min=1, help="Tuning trials per model instead of a budget."),
    ] = None,
) -> None:
    """Run the whole job once: sample -> validate -> train -> serve -> one request -> stop."""
    from recsvc.demo import run_demo

    try:
        run_demo(
            console,
            workdir=workdir,
            models_dir=models,
            employees=employees,
            seed=seed,
            time_budget_s=time_budget,
            tune_trials=tune_trials,
        )
    except RecsvcError as error:
        raise _fail(error) from error


MinGroupOption = Annotated[
    int,
    typer.Option(
        "--min-group",
        min=5,
        help="Fewest people behind any figure (the peer floor; never below 5).",
    ),
]
ReportOutOption = Annotated[
    Path, typer.Option("--out", help="Folder for the report's Markdown, JSON and plots.")
]


@report_app.command("impact")
def report_impact(
    data: DataOption,
    out: ReportOutOption = Path("reports/impact"),
    ground_truth: Annotated[
        Path | None,
        typer.Option("--ground-truth", help="A sample's ground_truth/: adds the truth check."),
    ] = None,
    min_group: MinGroupOption = 5,
    max_bad_share: MaxBadShareOption = 0.05,
) -> None:
    """Learning gain per item and skill (difference-in-differences against non-takers)."""
    from recsvc.report.run import run_impact_report

    try:
        run_impact_report(
            console,
            data=data,
            out=out,
            ground_truth=ground_truth,
            min_group=min_group,
            max_bad_share=max_bad_share,
        )
    except RecsvcError as error:
        raise _fail(error) from error


@report_app.command("skills")
def report_skills(
    models: Annotated[
        Path, typer.Option("--models", help="Models folder (or one bundle folder) to read.")
    ] = Path("models"),
    out: ReportOutOption = Path("reports/skills"),
    min_group: MinGroupOption = 5,
    top: Annotated[int, typer.Option("--top", min=1, max=50, help="Skills per group.")] = 10,
) -> None:
    """Skill gaps by department and role, and skills people need that no active content teaches."""
    from recsvc.commands import run_report_skills

    try:
        run_report_skills(console, models=models, out=out, min_group_size=min_group, top=top)
    except RecsvcError as error:
        raise _fail(error) from error


@report_app.command("online")
def report_online(
    events: Annotated[
        str,
        typer.Option("--events", help="Event store URL (the service's RECSVC_EVENTS_URL) to read."),
    ],
    out: ReportOutOption = Path("reports/online"),
    window_days: Annotated[
        float,
        typer.Option(
            "--window-days",
            min=0.0,
            help="Outcomes sent without a recommendation_id count for the same employee's "
            "same item shown at most this many days before.",
        ),
    ] = 90.0,
) -> None:
    """Click-through, enrolment and completion per variant and model version, with CIs."""
    from recsvc.report.online import run_online_report

    try:
        run_online_report(console, events=events, out=out, window_days=window_days)
    except RecsvcError as error:
        raise _fail(error) from error


@report_app.command("fairness")
def report_fairness(
    data: DataOption,
    models: Annotated[
        Path, typer.Option("--models", help="A bundle, or a models folder (uses LATEST).")
    ] = Path("models"),
    out: ReportOutOption = Path("reports/fairness"),
    ground_truth: Annotated[
        Path | None,
        typer.Option("--ground-truth", help="A sample's ground_truth/: true need value."),
    ] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="List length audited.")] = 10,
    band_low: Annotated[
        float, typer.Option("--band-low", min=0.01, max=1.0, help="Lowest accepted ratio.")
    ] = 0.8,
    band_high: Annotated[
        float, typer.Option("--band-high", min=1.0, help="Highest accepted ratio.")
    ] = 1.25,
    floor_out: Annotated[
        Path | None,
        typer.Option(
            "--floor-out", help="Write the floor for the service (RECSVC_EXPOSURE_FLOOR_FILE)."
        ),
    ] = None,
    max_bad_share: MaxBadShareOption = 0.05,
) -> None:
    """Exposure to high-value learning per audit group, without and with the floor."""
    from recsvc.report.run import run_fairness_report

    try:
        run_fairness_report(
            console,
            data=data,
            models=models,
            out=out,
            ground_truth=ground_truth,
            k=k,
            band=(band_low, band_high),
            floor_out=floor_out,
            max_bad_share=max_bad_share,
        )
    except RecsvcError as error:
        raise _fail(error) from error


@bundle_app.command("verify")
def bundle_verify(
    path: Annotated[
        Path, typer.Argument(help="A bundle folder, or a models folder (uses LATEST).")
    ],
) -> None:
    """Check a bundle's schema version and the sha256 of every file."""
    from recsvc.commands import run_bundle_verify

    try:
        run_bundle_verify(console, path)
    except RecsvcError as error:
        raise _fail(error) from error


@keys_app.command("new")
def keys_new() -> None:
    """Print a new random API key (give it to the client; store only its hash)."""
    from recsvc.keys import generate_api_key

    console.print(generate_api_key(), markup=False, highlight=False)


@keys_app.command("hash")
def keys_hash(
    name: Annotated[str, typer.Option("--name", help="Name for logs, e.g. the client.")] = "",
) -> None:
    """Read a key without echoing it; print the entry for RECSVC_API_KEYS (name:sha256)."""
    from recsvc.keys import hash_api_key

    key = typer.prompt("API key", hide_input=True)
    try:
        digest = hash_api_key(key)
    except ValueError as error:
        err_console.print(f"[bold red]error:[/] {escape(str(error))}")
        raise typer.Exit(EXIT_OTHER) from error
    console.print(f"{name}:{digest}" if name else digest, markup=False, highlight=False)


def main() -> None:
    """Console-script entry point."""
    app()
