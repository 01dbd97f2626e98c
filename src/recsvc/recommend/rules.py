"""Business rules every answer obeys: done, retired, prerequisites, language, format, time.

Choices, stated once:

- Already completed content (in the bundle or in ``recent_content_ids``) and content the
  employee is currently enrolled in are never recommended; dropped content may come back.
- Test-out (applied by the engine, see :mod:`recsvc.recommend.value`): items that only
  teach what the person has proven are left out unless refreshers are asked for.
- Prerequisites: an item is allowed only when everything it requires is completed (bundle
  or request history).
- Formats: ``context.formats`` and ``filters.formats`` both apply (an item must pass each
  list that is non-empty). Languages likewise (``context.language``, ``filters.languages``),
  compared by primary subtag (``en-GB`` content suits ``en``). An item whose language or
  duration is unknown fails a language or duration filter: we cannot promise it fits.
- Without a language in the request, the employee's own language is the preference:
  content in it or in the configured fallback language (or of unknown language) is allowed.
- Time budget: ``context.time_budget_minutes`` caps each item's duration here; with the
  ``need`` objective the items with learning value are then cut to the set with the most
  value that fits (:mod:`recsvc.recommend.slate`), and the diversifier fills the list while
  the total stays within the budget, so an answer may hold fewer than k items.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recsvc.contract import CONTENT_FORMATS
from recsvc.language import primary_language
from recsvc.recommend.candidates import UserSignals
from recsvc.recommend.query import Query
from recsvc.recommend.state import ModelState

__all__ = ["DEFAULT_FALLBACK_LANGUAGE", "RuleTables", "allowed_items", "format_codes"]

#: content in this language suits everyone, beside their own (a setting of the service)
DEFAULT_FALLBACK_LANGUAGE = "en"

BoolArray = npt.NDArray[np.bool_]


def format_codes(formats: tuple[str, ...]) -> npt.NDArray[np.int8]:
    """Codes of the named formats (unknown names match nothing)."""
    return np.array([CONTENT_FORMATS.index(f) for f in formats if f in CONTENT_FORMATS], np.int8)


def _primary_codes(state: ModelState) -> tuple[npt.NDArray[np.int32], dict[str, int]]:
    """Per item, a code of its language's primary subtag (-1 unknown), and the code table."""
    table: dict[str, int] = {}
    by_language = np.array(
        [table.setdefault(primary_language(x), len(table)) for x in state.languages] + [-1],
        dtype=np.int32,
    )
    return by_language[np.asarray(state.content_language)], table


@dataclass(frozen=True, eq=False)
class RuleTables:
    """The per-item arrays the rules read, as plain ndarrays (built once per bundle).

    Prerequisites are kept only for the items that have any, so checking them costs a
    gather over those rows instead of a sparse matrix-vector product per request.
    """

    active: BoolArray
    format: npt.NDArray[np.int8]
    language: npt.NDArray[np.int32]  # primary-subtag code, -1 unknown
    by_language: dict[str, BoolArray]  # primary subtag -> items in that language
    duration: npt.NDArray[np.float32]
    has_duration: BoolArray
    prereq_rows: npt.NDArray[np.int64]  # items that require something
    prereq_starts: npt.NDArray[np.int64]  # where each of those rows starts in the lists below
    prereq_required: npt.NDArray[np.int64]
    prereq_weight: npt.NDArray[np.float32]

    @classmethod
    def from_state(cls, state: ModelState) -> RuleTables:
        p = state.prerequisites
        rows = np.flatnonzero(np.diff(p.indptr)).astype(np.int64)
        duration = np.asarray(state.content_duration, dtype=np.float32).view(np.ndarray)
        language, language_code = _primary_codes(state)
        return cls(
            active=np.asarray(state.content_active, dtype=bool).view(np.ndarray),
            format=np.asarray(state.content_format).view(np.ndarray),
            language=language,
            by_language={tag: language == code for tag, code in language_code.items()},
            duration=duration,
            has_duration=np.isfinite(duration),
            prereq_rows=rows,
            prereq_starts=np.asarray(p.indptr[:-1], dtype=np.int64)[rows],
            prereq_required=np.asarray(p.indices, dtype=np.int64),
            prereq_weight=np.asarray(p.data, dtype=np.float32),
        )


def _language_mask(t: RuleTables, languages: list[str]) -> BoolArray:
    out = np.zeros(len(t.language), dtype=bool)
    for tag in {primary_language(x) for x in languages}:
        if tag in t.by_language:
            out |= t.by_language[tag]
    return out


def allowed_items(
    state: ModelState,
    signals: UserSignals,
    query: Query,
    tables: RuleTables | None = None,
    *,
    fallback: str | None = DEFAULT_FALLBACK_LANGUAGE,
) -> BoolArray:
    """Boolean mask over items that every business rule allows for this request.

    ``tables`` (from :meth:`RuleTables.from_state`) saves rebuilding them per call;
    ``fallback`` is the language always acceptable beside the employee's own.
    """
    t = RuleTables.from_state(state) if tables is None else tables
    ctx, flt = query.context, query.filters
    ok = t.active & ~signals.excluded
    if flt.exclude_content_ids:
        idx = state.content.indices(flt.exclude_content_ids)
        ok[idx[idx >= 0]] = False
    if len(t.prereq_rows):
        # row sums of prerequisites @ missing, as the sparse product would add them up
        missing = ~signals.done[t.prereq_required]
        needed = np.add.reduceat(t.prereq_weight * missing, t.prereq_starts)
        ok[t.prereq_rows] &= needed == 0
    for formats in (ctx.formats, flt.formats):
        if formats:
            ok &= np.isin(t.format, format_codes(formats))
    for langs in ((ctx.language,) if ctx.language else (), flt.languages):
        if langs:
            ok &= _language_mask(t, list(langs))
    own = state.employee_language[signals.employee_idx] if signals.employee_idx >= 0 else ""
    if not ctx.language and own:
        ok &= (t.language < 0) | _language_mask(t, [str(own), fallback or ""])
    for cap in (flt.max_duration_minutes, ctx.time_budget_minutes):
        if cap is not None:
            ok &= t.has_duration & (t.duration <= cap)
    return ok
