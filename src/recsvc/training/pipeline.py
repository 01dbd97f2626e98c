"""train(): load -> dataset -> features -> tune -> fit -> rank -> evaluate -> write bundle."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping, MutableMapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from recsvc.bundle import Manifest, write_bundle
from recsvc.contract import CONTENT, EMPLOYEES, ENROLMENTS, MENTORS, ROLES, SKILLS
from recsvc.dataset import build_dataset
from recsvc.errors import DataValidationError
from recsvc.features.prior import PriorParams
from recsvc.recommend.catalogue_meta import CatalogueMeta
from recsvc.recommend.directory import Directory
from recsvc.recommend.value import effect_evidence
from recsvc.training.fit import fit_hybrid
from recsvc.training.holdout import Protocol
from recsvc.training.regime import describe_regime, skipped_stages
from recsvc.training.stages import LoggingProgress, StageStats, StageTimer, TrainProgress
from recsvc.training.tune import CfAlgorithm
from recsvc.training.validation import validate

if TYPE_CHECKING:
    from recsvc.ingest import Source

__all__ = ["STAGES", "TrainResult", "data_fingerprint", "train", "train_tables"]

logger = logging.getLogger(__name__)

STAGES = ("load", "dataset", "features", "tune", "fit", "rank", "evaluate", "write")


@dataclass(frozen=True)
class TrainResult:
    """What a training run produced, for the CLI summary and for tests."""

    manifest: Manifest
    bundle_path: Path
    validation_table: dict[str, dict[str, float]]
    cold_validation_table: dict[str, dict[str, float]]
    stages: list[StageStats]
    report: Any  # recsvc.validate ValidationReport (None when tables were passed directly)
    row_counts: dict[str, int]
    rejected_rows: int


def data_fingerprint(tables: Mapping[str, pd.DataFrame]) -> str:
    """sha256 over every table's name, columns and row hashes (order-sensitive, stable)."""
    h = hashlib.sha256()
    for name in sorted(tables):
        df = tables[name]
        h.update(name.encode())
        h.update(",".join(map(str, df.columns)).encode())
        h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()


def train(
    source: str | Path | Source,
    models_dir: Path,
    *,
    seed: int = 42,
    time_budget_s: float = 60.0,
    tune_trials: int | None = None,
    max_bad_share: float = 0.05,
    cf_algorithm: CfAlgorithm = "auto",
    progress: TrainProgress | None = None,
    protocol: Protocol = "employee",
    events: str | None = None,
) -> TrainResult:
    """Train a bundle from any source meeting the data contract and write it atomically.

    ``source`` is a CSV/Parquet folder, a SQLAlchemy URL or an already opened
    :class:`recsvc.ingest.Source` (e.g. ``SqlSource(url, connect_args=...)``).

    ``time_budget_s`` bounds hyper-parameter search; results are reproducible for a given
    seed whenever the budget is not reached; ``tune_trials`` runs a fixed number of tuning
    trials instead, whatever the machine's speed. Raises DataContractError/DataValidationError
    (nothing is written) when the data cannot be trusted.

    ``events`` is the URL of an event store (``RECSVC_EVENTS_URL`` of the service): its
    events are merged into the tables and erased employees left out (see
    :mod:`recsvc.training.events`). A SQL ``source`` holding an events table is read the
    same way without it.
    """
    from recsvc.ingest import is_url, load_tables
    from recsvc.training.events import merge_events, open_events

    timer = StageTimer(progress or LoggingProgress())
    with timer.stage("load"):
        loaded = load_tables(source, max_bad_share=max_bad_share)
        tables, events_summary = loaded.tables, None
        in_source = isinstance(source, str) and is_url(source)
        events_url = events or (str(source) if in_source else None)
        store = open_events(events_url, required=events is not None) if events_url else None
        if store is not None:
            try:
                tables, events_summary = merge_events(tables, store)
            finally:
                store.dispose()
    report, description = loaded.report, loaded.source_description
    rejected = sum(int(s.rejected) for s in report.tables.values())
    del loaded  # train_tables may then free the enrolments frame once it is indexed
    return train_tables(
        tables,  # owned here: train_tables releases the enrolments frame from it
        Path(models_dir),
        seed=seed,
        time_budget_s=time_budget_s,
        tune_trials=tune_trials,
        cf_algorithm=cf_algorithm,
        protocol=protocol,
        timer=timer,
        report=report,
        rejected_rows=rejected,
        source_description=description,
        events_summary=events_summary,
        release_enrolments=True,
    )


def train_tables(
    tables: Mapping[str, pd.DataFrame],
    models_dir: Path,
    *,
    seed: int = 42,
    time_budget_s: float = 60.0,
    tune_trials: int | None = None,
    cf_algorithm: CfAlgorithm = "auto",
    timer: StageTimer | None = None,
    report: Any = None,
    rejected_rows: int = 0,
    source_description: str = "tables",
    version: str | None = None,
    protocol: Protocol = "employee",
    events_summary: Mapping[str, Any] | None = None,
    release_enrolments: bool = False,
) -> TrainResult:
    """The pipeline after loading: clean tables in, bundle out (tests call this directly).

    ``release_enrolments`` (a caller that owns ``tables``, as ``train`` does) removes the
    enrolments frame from it once the dataset holds them as arrays: the largest table, no
    later stage reads it (1.4 GiB at 1,000,000 employees).
    """
    timer = timer or StageTimer(LoggingProgress())
    with timer.stage("dataset"):
        fingerprint = data_fingerprint(tables)
        row_counts = {name: int(len(df)) for name, df in tables.items()}
        dataset = build_dataset(tables)
        if release_enrolments and isinstance(tables, MutableMapping):
            del tables[ENROLMENTS]
        if len(dataset.enrolments) == 0:
            raise DataValidationError(
                "no usable enrolments: add enrolments of content that exists in the catalogue"
            )
    fitted = fit_hybrid(
        dataset,
        seed=seed,
        time_budget_s=time_budget_s,
        tune_trials=tune_trials,
        cf_algorithm=cf_algorithm,
        timer=timer,
        protocol=protocol,
    )
    holdout, tuned, hp = fitted.holdout, fitted.tuned, fitted.hyperparams
    ranker, n_examples = fitted.ranker, fitted.n_ranker_examples
    train_state, full_state = fitted.train_state, fitted.state
    n_cold = len(holdout.cold_eval_users) if holdout.cold_ok else 0
    with timer.stage("evaluate", total=len(holdout.eval_users) + n_cold):
        if holdout.ok:
            table, extra = validate(train_state, holdout, on_user=timer.advance)
        else:
            table, extra = {}, {"note": "holdout too small for validation"}
        cold_table: dict[str, dict[str, float]] = {}
        if n_cold:
            cold_table, cold_extra = validate(
                train_state,
                holdout,
                users=holdout.cold_eval_users,
                population=holdout.eval_population[1],
                on_user=timer.advance,
            )
            extra["eval_sample_cold"] = cold_extra["eval_sample"]
        regime = describe_regime(dataset, holdout)
        skipped = skipped_stages(dataset.capabilities)
    with timer.stage("write"):
        arrays, out_tables, documents = full_state.to_bundle_parts()
        # provider, difficulty, links, role families...: for discovery (GET /content, ...)
        meta = CatalogueMeta.from_tables(
            full_state.content,
            full_state.roles,
            full_state.skills,
            {
                "content": tables.get(CONTENT),
                "roles": tables.get(ROLES),
                "skills": tables.get(SKILLS),
            },
        )
        out_tables.update(meta.to_tables(full_state))
        # managers and volunteer mentors, for team views and mentor matching
        arrays.update(
            Directory.from_tables(
                full_state.employees, tables.get(EMPLOYEES), tables.get(MENTORS)
            ).to_arrays()
        )
        params = {
            "seed": seed,
            "cf_algorithm": cf_algorithm,
            "hyperparams": asdict(hp),
            "time_budget_s": time_budget_s,
            "tune_trials": tune_trials,
            "tuning_budget_hit": tuned.budget_hit,
            "tuning_trials": tuned.trials,
            "ranker_weights": ranker.weights(),
            "ranker_examples": n_examples,
            "skill_prior": asdict(PriorParams()),
            "holdout_start_day": holdout.start_day,
            "protocol": holdout.protocol,
            "regime": regime,
            "skipped": skipped,
            "selection": fitted.selection.summary(hp.mf_algorithm),
            "source": source_description,
            **({"events": dict(events_summary)} if events_summary is not None else {}),
            "mf_budget": tuned.budget_notes(),
            "item_effects": effect_evidence(
                full_state.content_effect, full_state.content_skill_weight
            ),
            "ease": (
                "on"
                if full_state.ease_weights is not None
                else f"skipped: {tuned.ease_skipped}"
                if tuned.ease_skipped
                else "off"
            ),
        }
        metrics = {
            "validation": table,
            "validation_cold": cold_table,
            **extra,
            "tuning": tuned.summary(),
        }
        manifest = write_bundle(
            models_dir,
            arrays=arrays,
            tables=out_tables,
            documents=documents,
            data_fingerprint=fingerprint,
            row_counts=row_counts,
            capabilities=sorted(full_state.capabilities),
            params=params,
            metrics=metrics,
            version=version,
        )
    logger.info("wrote bundle %s", manifest.version)
    return TrainResult(
        manifest=manifest,
        bundle_path=Path(models_dir) / manifest.version,
        validation_table=table,
        cold_validation_table=cold_table,
        stages=list(timer.stats),
        report=report,
        row_counts=row_counts,
        rejected_rows=rejected_rows,
    )
