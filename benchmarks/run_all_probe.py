"""Break the training's `features` stage into its parts on one sample, to show what grows.

    .venv/bin/python benchmarks/run_all_probe.py DATA_FOLDER

Prints one JSON object: catalogue size, item pairs, and the seconds of the one-off import of
scikit-learn (which the first training in a process pays inside this stage), the content
features (TF-IDF, kNN graph, skill matrices), the item-item kNN graph alone, and the time
split. run_all.py runs it per sample size; the scaling analysis uses it to say why
`features` outgrows the data.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from importlib import import_module
from typing import Any

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

__all__ = ["probe_features"]


def probe_features(source: str) -> dict[str, Any]:
    """Seconds of each part of the features stage, as `train` runs them, on ``source``."""
    from recsvc.dataset import build_dataset
    from recsvc.ingest import load_tables
    from recsvc.models.content import ContentModel
    from recsvc.training.assemble import fit_content
    from recsvc.training.holdout import time_split

    dataset = build_dataset(load_tables(source).tables)
    clock = time.perf_counter
    start = clock()
    import_module("sklearn.feature_extraction.text")  # imported lazily by the first fit
    import_s = clock() - start
    start = clock()
    parts = fit_content(dataset)
    content_s = clock() - start
    start = clock()
    ContentModel(n_neighbours=parts.neighbours.shape[1]).fit(parts.text)
    knn_s = clock() - start
    start = clock()
    time_split(dataset, seed=42)
    split_s = clock() - start
    n_items = int(dataset.n_items)
    return {
        "items": n_items,
        "item_pairs_millions": round(n_items * n_items / 1e6, 2),
        "text_nnz": int(parts.text.nnz),
        "sklearn_import_s": round(import_s, 3),
        "content_features_s": round(content_s, 3),
        "knn_graph_s": round(knn_s, 3),
        "rest_of_content_s": round(max(content_s - knn_s, 0.0), 3),
        "time_split_s": round(split_s, 3),
    }


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        sys.stderr.write(__doc__ or "")
        return 2
    logging.basicConfig(level=logging.WARNING)
    sys.stdout.write(json.dumps(probe_features(args[0])) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
