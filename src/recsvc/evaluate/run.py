"""run_evaluation(): load -> split -> fit hybrid and baselines -> rank -> measure -> report."""

from __future__ import annotations

import logging
import tempfile
import time
from collections.abc import Mapping
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from recsvc.bundle import read_bundle, write_bundle
from recsvc.dataset import build_dataset
from recsvc.errors import DataValidationError
from recsvc.evaluate.baselines import ceiling_baseline, fit_baselines
from recsvc.evaluate.exposure import calibrate_floor
from recsvc.evaluate.exposure_pools import build_pools
from recsvc.evaluate.fairness import ParityTable, audit_labels, parity, strip_audit
from recsvc.evaluate.machine import describe_machine
from recsvc.evaluate.measures import ModelScores, need_ratios, paired_difference, score_models
from recsvc.evaluate.need import truth_at_cut
from recsvc.evaluate.result import EvaluationResult
from recsvc.evaluate.runner import RankedLists, rank_all
from recsvc.evaluate.skill_state import skill_state_rows
from recsvc.evaluate.split import EvalSplit, SplitKind, make_split
from recsvc.evaluate.variants import hybrid_variants, oracle_variant
from recsvc.recommend.engine import Recommender
from recsvc.training.fit import FittedHybrid, fit_hybrid
from recsvc.training.pipeline import data_fingerprint
from recsvc.training.regime import describe_regime
from recsvc.training.stages import LoggingProgress, StageTimer, TrainProgress

if TYPE_CHECKING:
    from recsvc.ingest import Source

__all__ = ["BY_K", "run_evaluation"]

logger = logging.getLogger(__name__)

#: k values of the metric-by-k curves (the requested k is added)
BY_K = (1, 3, 5, 10, 20)
COLD_MODELS = ("popularity", "popular_in_role", "hybrid")
MIN_COLD_USERS = 20


def _served(fitted: FittedHybrid, tables: Mapping[str, pd.DataFrame], folder: Path) -> Recommender:
    """Write the fitted state as a real bundle and load it back, as the service would."""
    arrays, out_tables, documents = fitted.state.to_bundle_parts()
    manifest = write_bundle(
        folder,
        arrays=arrays,
        tables=out_tables,
        documents=documents,
        data_fingerprint=data_fingerprint(tables),
        row_counts={name: int(len(df)) for name, df in tables.items()},
        capabilities=sorted(fitted.state.capabilities),
        params={"purpose": "offline evaluation", "hyperparams": asdict(fitted.hyperparams)},
        metrics={},
    )
    return Recommender.from_bundle(read_bundle(folder / manifest.version))


def _fairness(
    labels: Mapping[str, np.ndarray],
    lists: RankedLists,
    scores: Mapping[str, ModelScores],
    *,
    k: int,
    seed: int,
    n_boot: int,
) -> list[ParityTable]:
    out: list[ParityTable] = []
    models = [m for m in ("hybrid", "popularity", "als") if m in scores]
    for attribute, per_employee in labels.items():
        groups = per_employee[lists.users]
        for metric in (f"ndcg@{k}", "gap_closure"):
            values = {m: scores[m].per_user[metric] for m in models}
            if all(np.isnan(v).all() for v in values.values()):
                continue
            out.extend(parity(attribute, groups, values, metric, seed=seed, n_boot=n_boot))
    return out


def run_evaluation(
    source: str | Path | Source | Mapping[str, pd.DataFrame],
    *,
    split: SplitKind = "employee",
    k: int = 10,
    seed: int = 42,
    time_budget_s: float = 20.0,
    tune_trials: int | None = None,
    out_dir: Path | None = Path("reports"),
    ground_truth: Path | None = None,
    progress: TrainProgress | None = None,
    docs_path: Path | None = None,
    max_bad_share: float = 0.05,
    n_boot: int = 1000,
) -> EvaluationResult:
    """Evaluate the hybrid against every baseline and ablation on one split of ``source``.

    Parameters
    ----------
    source
        A data source as :func:`recsvc.train.train` takes it (folder, URL or opened
        :class:`recsvc.ingest.Source`), or clean tables (tests).
    split
        ``"employee"`` (the trainer's protocol: each employee's latest items), ``"time"``
        (train before a global cut-off, test after) or ``"user-random"`` (seeded).
    time_budget_s
        Cap on the hybrid's tuning, and again on the test-tuned ceiling's.
    tune_trials
        A fixed number of tuning trials per candidate instead of the budget (reproducible on
        any machine).
    out_dir
        Where ``evaluation.md``, ``evaluation.json`` and the PNG plots go (None: nowhere).
    ground_truth
        A sample's ``ground_truth/`` folder: adds gap closure with true levels and gains.
    docs_path
        Also write the Markdown report with the machine description there.

    Raises DataContractError/DataValidationError when the data cannot be used.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    started = time.perf_counter()
    timer = StageTimer(progress or LoggingProgress())
    with timer.stage("load"):
        if isinstance(source, Mapping):
            tables = dict(source)
        else:
            from recsvc.ingest import load_tables

            tables = load_tables(source, max_bad_share=max_bad_share).tables
    with timer.stage("split"):
        model_tables = strip_audit(tables)  # audit_ columns never reach a model
        dataset = build_dataset(model_tables)
        ev: EvalSplit = make_split(dataset, split, seed=seed)
        if len(ev.users) == 0:
            raise DataValidationError(
                "no employee has both training history and test enrolments; add more "
                "enrolments or use --split user-random"
            )
        regime = describe_regime(dataset)
        labels = audit_labels(tables, dataset.employees)
    fitted = fit_hybrid(
        ev.train, seed=seed, time_budget_s=time_budget_s, tune_trials=tune_trials, timer=timer
    )
    width = max(max(BY_K), k)
    ks = tuple(sorted({*BY_K, k}))
    with tempfile.TemporaryDirectory(prefix="recsvc-eval-") as tmp:
        with timer.stage("bundle"):
            rec = _served(fitted, model_tables, Path(tmp))
            truth = truth_at_cut(Path(ground_truth), rec.state, ev.train) if ground_truth else None
        with timer.stage("baselines"):
            baselines = fit_baselines(fitted, rec.state)
            variants = hybrid_variants(fitted, seed=seed)
            variants.append(oracle_variant(rec.state, ev, ev.users, seed=seed))
        with timer.stage("ceiling", total=None):
            baselines.append(
                ceiling_baseline(
                    ev, seed=seed, time_budget_s=time_budget_s, tune_trials=tune_trials
                )
            )
        n_cold = len(ev.cold_users) if len(ev.cold_users) >= MIN_COLD_USERS else 0
        with timer.stage("recommend", total=len(ev.users) + n_cold):
            lists = rank_all(
                rec,
                ev.users,
                baselines,
                variants,
                k=k,
                width=width,
                truth=truth,
                on_user=timer.advance,
            )
            cold_lists = (
                rank_all(
                    rec,
                    ev.cold_users,
                    [b for b in baselines if b.name in COLD_MODELS],
                    [v for v in variants if v.name in COLD_MODELS],
                    k=k,
                    width=width,
                    on_user=timer.advance,
                )
                if n_cold
                else None
            )
        with timer.stage("measure"):
            scores = score_models(
                lists, ev.relevant[lists.users], rec.state, ks=ks, seed=seed, n_boot=n_boot
            )
            cold = (
                score_models(
                    cold_lists,
                    ev.relevant[cold_lists.users],
                    rec.state,
                    ks=ks,
                    seed=seed,
                    n_boot=n_boot,
                )
                if cold_lists is not None
                else {}
            )
            compared: tuple[str, ...] = (f"ndcg@{k}", f"recall@{k}", "gap_closure")
            compared += (f"need_value@{k}",) if truth is not None else ()
            comparisons = {
                name: {
                    metric: paired_difference(scores["hybrid"], s, metric, seed=seed, n_boot=n_boot)
                    for metric in compared
                }
                for name, s in scores.items()
                if name != "hybrid"
            }
            ratios = need_ratios(scores, k=k, seed=seed, n_boot=n_boot)
            skill_state = skill_state_rows(lists.skill_pairs) if lists.skill_pairs else []
            fairness = _fairness(labels, lists, scores, k=k, seed=seed, n_boot=n_boot)
        exposure = None
        if labels:  # equal access: each audit group's exposure without and with the floor
            with timer.stage("exposure"):
                pools = build_pools(rec, lists.users, k=k, truth=truth)
                users = lists.users
                exposure, _ = calibrate_floor(pools, {a: g[users] for a, g in labels.items()})
        unavailable = {b.name: b.note for b in baselines if b.scores is None}
        unavailable |= {v.name: v.note for v in variants if v.ranker is None}
        meta = _meta(ev, fitted, rec, lists, baselines_params={b.name: b.params for b in baselines})
    if exposure is not None:
        meta["exposure_floor"] = exposure.to_dict()
    meta["regime"] = regime
    meta["selection"] = fitted.selection.summary(fitted.hyperparams.mf_algorithm)
    meta["tuning"] = fitted.tuned.summary()
    meta["tuning_budget_hit"] = fitted.tuned.budget_hit
    meta["stages"] = {s.name: s.seconds for s in timer.stats}
    meta["seconds"] = round(time.perf_counter() - started, 1)
    meta["machine"] = describe_machine()
    meta["settings"] = {
        "split": split,
        "k": k,
        "seed": seed,
        "time_budget_s": time_budget_s,
        "tune_trials": tune_trials,
        "n_boot": n_boot,
        "ground_truth": ground_truth is not None,
    }
    result = EvaluationResult(
        k=k,
        split=ev.describe(),
        meta=meta,
        scores=scores,
        unavailable=unavailable,
        comparisons=comparisons,
        fairness=fairness,
        cold=cold,
        need_ratios=ratios,
        skill_state=skill_state,
    )
    from recsvc.evaluate.report import write_docs, write_reports

    if out_dir is not None:
        result.files.extend(write_reports(result, Path(out_dir)))
        if exposure is not None:
            from recsvc.evaluate.exposure_report import write_fairness_report

            result.files.extend(write_fairness_report(exposure, Path(out_dir)))
    if docs_path is not None:
        result.files.append(write_docs(result, Path(docs_path)))
    logger.info("evaluation finished in %.1f s", meta["seconds"])
    return result


def _meta(
    ev: EvalSplit,
    fitted: FittedHybrid,
    rec: Recommender,
    lists: RankedLists,
    *,
    baselines_params: Mapping[str, Any],
) -> dict[str, Any]:
    strategies, counts = np.unique(np.asarray(lists.strategies, dtype=object), return_counts=True)
    return {
        "data": {
            "employees": ev.train.n_employees,
            "items": ev.train.n_items,
            "train_enrolments": len(ev.train.enrolments),
            "test_pairs": int(ev.relevant.nnz),
            "evaluated_employees": len(ev.users),
            "cold_start_employees": len(ev.cold_users),
            "capabilities": sorted(rec.state.capabilities),
        },
        "hybrid": {
            "hyperparams": asdict(fitted.hyperparams),
            "ranker_weights": fitted.ranker.weights(),
            "ranker_examples": fitted.n_ranker_examples,
            "tuning_budget_hit": fitted.tuned.budget_hit,
            "strategies": {str(s): int(c) for s, c in zip(strategies, counts, strict=True)},
        },
        "baselines": dict(baselines_params),
    }
