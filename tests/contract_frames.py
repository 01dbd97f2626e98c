"""Hand-made test tables in the contract's exact columns and clean dtypes."""

from __future__ import annotations

import pandas as pd

from recsvc import contract as c

__all__ = ["clean"]


def clean(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """Give a hand-made frame exactly the contract columns and clean dtypes (``audit_``
    columns, used only by fairness audits, are kept as strings)."""
    spec = c.TABLES[name]
    out = pd.DataFrame(index=frame.index)
    for col in spec.columns:
        dtype = c.CLEAN_DTYPES[col.kind]
        if col.name in frame.columns:
            values = frame[col.name]
        else:
            values = pd.Series([col.default] * len(frame), index=frame.index)
        if col.kind == c.ColumnKind.TIMESTAMP:
            out[col.name] = pd.to_datetime(values, utc=True)
        else:
            out[col.name] = values.astype(pd.api.types.pandas_dtype(dtype))
    for extra in frame.columns:
        if str(extra).startswith(c.AUDIT_PREFIX):
            out[extra] = frame[extra].astype("string")
    return out.reset_index(drop=True)
