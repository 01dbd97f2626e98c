"""Entry point of the offline trainer: ``train(source, models_dir, ...) -> TrainResult``."""

from recsvc.training import (
    STAGES,
    LoggingProgress,
    StageStats,
    TrainProgress,
    TrainResult,
    train,
    train_tables,
)

__all__ = [
    "STAGES",
    "LoggingProgress",
    "StageStats",
    "TrainProgress",
    "TrainResult",
    "train",
    "train_tables",
]
