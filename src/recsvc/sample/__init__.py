"""Deterministic sample organisation generator: roles, skills, catalogue, people and activity.

``generate_sample`` builds the tables of the data contract (plus ground truth the trainer
never reads) and ``write_sample`` writes them as CSV, Parquet or SQLite.
"""

from __future__ import annotations

from recsvc.sample.organisation import SampleOrganisation, generate_sample
from recsvc.sample.write import write_sample

__all__ = ["SampleOrganisation", "generate_sample", "write_sample"]
