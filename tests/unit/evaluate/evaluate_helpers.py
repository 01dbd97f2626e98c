"""Hand-made tiny tables with clean contract dtypes, for the evaluation tests."""

from __future__ import annotations

import pandas as pd

from recsvc import contract as c

BASE = pd.Timestamp("2025-01-01", tz="UTC")


def clean(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Exactly the contract columns with clean dtypes (extra audit_ columns kept as strings)."""
    spec = c.TABLES[name]
    out = pd.DataFrame(index=frame.index)
    for col in spec.columns:
        if col.name in frame.columns:
            values = frame[col.name]
        else:
            values = pd.Series([col.default] * len(frame), index=frame.index)
        if col.kind == c.ColumnKind.TIMESTAMP:
            out[col.name] = pd.to_datetime(values, utc=True)
        else:
            out[col.name] = values.astype(c.CLEAN_DTYPES[col.kind])
    for extra in frame.columns:
        if str(extra).startswith(c.AUDIT_PREFIX):
            out[extra] = frame[extra].astype("string")
    return out.reset_index(drop=True)


def day(n: float) -> pd.Timestamp:
    return BASE + pd.Timedelta(days=n)
