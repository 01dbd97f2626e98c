"""The offline trainer, split by stage: assemble, holdout, tune, rank, validation, pipeline."""

from recsvc.training.fit import FittedHybrid, fit_hybrid
from recsvc.training.pipeline import STAGES, TrainResult, train, train_tables
from recsvc.training.stages import LoggingProgress, StageStats, TrainProgress

__all__ = [
    "FittedHybrid",
    "STAGES",
    "LoggingProgress",
    "StageStats",
    "TrainProgress",
    "TrainResult",
    "fit_hybrid",
    "train",
    "train_tables",
]
