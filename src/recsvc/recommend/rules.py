"""Business rules every answer obeys: done, retired, prerequisites, language, format, time.

Choices, stated once:

- Already completed content (in the bundle or in ``recent_content_ids``) and content the
  employee is currently enrolled in are never recommended; dropped content may come back.
- Prerequisites: an item is allowed only when everything it requires is completed (bundle
  or request history).
- Formats: ``context.formats`` and ``filters.formats`` both apply (an item must pass each
  list that is non-empty). Languages likewise (``context.language``, ``filters.languages``).
  An item whose language or duration is unknown fails a language or duration filter: we
  cannot promise it fits.
- Time budget: ``context.time_budget_minutes`` caps each item's duration here, and the
  diversifier then fills the list greedily while the total stays within the budget, so an
  answer may hold fewer than k items.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from recsvc.contract import CONTENT_FORMATS
from recsvc.recommend.candidates import UserSignals
from recsvc.recommend.query import Query
from recsvc.recommend.state import ModelState

__all__ = ["allowed_items", "format_codes", "language_codes"]

BoolArray = npt.NDArray[np.bool_]


def format_codes(formats: tuple[str, ...]) -> npt.NDArray[np.int8]:
    """Codes of the named formats (unknown names match nothing)."""
    return np.array([CONTENT_FORMATS.index(f) for f in formats if f in CONTENT_FORMATS], np.int8)


def language_codes(state: ModelState, languages: tuple[str, ...]) -> npt.NDArray[np.int32]:
    known = {name: i for i, name in enumerate(state.languages)}
    return np.array([known[x] for x in languages if x in known], dtype=np.int32)


def allowed_items(state: ModelState, signals: UserSignals, query: Query) -> BoolArray:
    """Boolean mask over items that every business rule allows for this request."""
    ctx, flt = query.context, query.filters
    ok = np.asarray(state.content_active, dtype=bool) & ~signals.excluded
    if flt.exclude_content_ids:
        idx = state.content.indices(flt.exclude_content_ids)
        ok[idx[idx >= 0]] = False
    if state.prerequisites.nnz:
        missing = (~signals.done).astype(np.float32)
        ok &= np.asarray(state.prerequisites @ missing).ravel() == 0
    for formats in (ctx.formats, flt.formats):
        if formats:
            ok &= np.isin(state.content_format, format_codes(formats))
    for langs in ((ctx.language,) if ctx.language else (), flt.languages):
        if langs:
            ok &= np.isin(state.content_language, language_codes(state, langs))
    duration = np.asarray(state.content_duration, dtype=np.float32)
    for cap in (flt.max_duration_minutes, ctx.time_budget_minutes):
        if cap is not None:
            ok &= np.isfinite(duration) & (duration <= cap)
    return ok
