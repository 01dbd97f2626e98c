"""Offline evaluation of the hybrid against baselines and ablations (``recsvc evaluate``).

``run_evaluation(source, ...)`` splits the data (time-based by default), trains the hybrid as
``recsvc train`` would, serves it from a real bundle, ranks the same employees with every
baseline and ablation, and writes ``evaluation.md``, ``evaluation.json`` and PNG plots.
"""

from recsvc.evaluate.result import EvaluationResult
from recsvc.evaluate.run import run_evaluation
from recsvc.evaluate.split import EvalSplit, SplitKind, make_split

__all__ = ["EvalSplit", "EvaluationResult", "SplitKind", "make_split", "run_evaluation"]
