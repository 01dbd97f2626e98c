"""Hand-made tiny tables with clean contract dtypes, for the evaluation tests."""

from __future__ import annotations

import pandas as pd

from contract_frames import clean

__all__ = ["BASE", "clean", "day"]

BASE = pd.Timestamp("2025-01-01", tz="UTC")


def day(n: float) -> pd.Timestamp:
    return BASE + pd.Timedelta(days=n)
