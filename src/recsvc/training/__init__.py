"""The offline trainer, split by stage: assemble, holdout, tune, rank, validation, pipeline."""

from recsvc.training.pipeline import STAGES, TrainResult, train, train_tables
from recsvc.training.stages import LoggingProgress, StageStats, TrainProgress

__all__ = [
    "STAGES",
    "LoggingProgress",
    "StageStats",
    "TrainProgress",
    "TrainResult",
    "train",
    "train_tables",
]
