"""Dataset: clean tables plus an IdIndex per entity and the interaction arrays models train on."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from recsvc import contract as c
from recsvc.errors import DataContractError
from recsvc.features.confidence import STATUS_CODES, ConfidenceParams, confidence_matrix
from recsvc.features.confidence import enrolment_weights as _weights
from recsvc.ids import IdIndex

__all__ = [
    "CAPABILITIES",
    "Dataset",
    "Enrolments",
    "build_dataset",
    "id_codes",
    "id_values",
    "to_days",
]

logger = logging.getLogger(__name__)

_EPOCH = pd.Timestamp("1970-01-01", tz="UTC")
_NS_PER_DAY = 86_400 * 10**9

# capability -> tables that switch it on (besides the two required ones)
CAPABILITIES: dict[str, tuple[str, ...]] = {
    "collaborative": (),
    "content_similarity": (),
    "popularity": (),
    "roles": (c.EMPLOYEES, c.ROLES),
    "skills": (c.SKILLS, c.CONTENT_SKILLS),
    "skill_gaps": (c.EMPLOYEES, c.ROLES, c.SKILLS, c.CONTENT_SKILLS, c.ROLE_SKILLS),
    "assessments": (c.SKILLS, c.ASSESSMENTS),
    "prerequisites": (c.PREREQUISITES,),
    "career_paths": (c.ROLES, c.CAREER_PATHS),
    "career_moves": (c.ROLES, c.ROLE_HISTORY),
}


def to_days(ts: pd.Series) -> npt.NDArray[np.float64]:
    """UTC timestamps as float days since the epoch (NaT -> NaN); cheap to compare and store."""
    if isinstance(ts.dtype, pd.DatetimeTZDtype) and ts.dtype.unit == "ns":
        ns = ts.array.asi8  # the int64 nanoseconds pandas stores: no Timedelta arithmetic
        days = ns / _NS_PER_DAY
        days[ns == np.iinfo(np.int64).min] = np.nan
        return np.asarray(days, dtype=np.float64)
    return np.asarray((ts - _EPOCH).dt.total_seconds().to_numpy(dtype=np.float64) / 86400.0)


@dataclass(frozen=True)
class Enrolments:
    """Enrolment rows as parallel arrays, sorted by (time, employee, content) for determinism."""

    employee_idx: npt.NDArray[np.int32]
    content_idx: npt.NDArray[np.int32]
    day: npt.NDArray[np.float64]  # enrolled_at in days since epoch
    status: npt.NDArray[np.int8]  # STATUS_CODES
    rating: npt.NDArray[np.float32]  # NaN when absent
    score: npt.NDArray[np.float32]  # 0-1 test score of a completion, NaN when absent

    def __len__(self) -> int:
        return int(self.employee_idx.shape[0])

    def take(self, mask: npt.NDArray[np.bool_]) -> Enrolments:
        return Enrolments(
            self.employee_idx[mask],
            self.content_idx[mask],
            self.day[mask],
            self.status[mask],
            self.rating[mask],
            self.score[mask],
        )


@dataclass(frozen=True)
class Dataset:
    """Everything models need, indexed consistently.

    ``as_of`` (days since epoch) is the data's own "now": the latest event in it, never the
    wall clock, so that training is reproducible. Train/holdout splits keep the same IdIndex
    objects and only cut ``enrolments`` and ``assessments``.
    """

    #: the clean tables but enrolments, which live on only as the arrays of ``enrolments``
    tables: Mapping[str, pd.DataFrame]
    employees: IdIndex
    content: IdIndex
    skills: IdIndex
    roles: IdIndex
    enrolments: Enrolments
    as_of: float
    capabilities: frozenset[str]

    @property
    def n_employees(self) -> int:
        return len(self.employees)

    @property
    def n_items(self) -> int:
        return len(self.content)

    def has(self, capability: str) -> bool:
        return capability in self.capabilities

    def weights(self, params: ConfidenceParams) -> npt.NDArray[np.float32]:
        """Signed preference weight per enrolment row, aged relative to ``as_of``."""
        e = self.enrolments
        return _weights(e.status, e.rating, self.as_of - e.day, params)

    def confidence(self, params: ConfidenceParams) -> sp.csr_matrix:
        """Employees x content confidence CSR for implicit-feedback models."""
        e = self.enrolments
        return confidence_matrix(
            e.employee_idx,
            e.content_idx,
            self.weights(params),
            (self.n_employees, self.n_items),
            params.alpha,
        )

    def completed(self) -> sp.csr_matrix:
        """Binary employees x content CSR of completed items (never recommended again)."""
        e = self.enrolments
        mask = e.status == STATUS_CODES["completed"]
        data = np.ones(int(mask.sum()), dtype=np.float32)
        m = sp.csr_matrix(
            (data, (e.employee_idx[mask], e.content_idx[mask])),
            shape=(self.n_employees, self.n_items),
        )
        m.sum_duplicates()
        m.data[:] = 1.0
        return m

    def interacted(self) -> sp.csr_matrix:
        """Binary employees x content CSR of any enrolment (evaluation ground truth)."""
        e = self.enrolments
        m = sp.csr_matrix(
            (np.ones(len(e), dtype=np.float32), (e.employee_idx, e.content_idx)),
            shape=(self.n_employees, self.n_items),
        )
        m.sum_duplicates()
        m.data[:] = 1.0
        return m

    def before(self, day: float) -> Dataset:
        """The dataset as it was just before ``day``: later enrolments and assessments cut."""
        tables = dict(self.tables)
        if c.ASSESSMENTS in tables:
            a = tables[c.ASSESSMENTS]
            tables[c.ASSESSMENTS] = a[to_days(a["assessed_at"]) < day].reset_index(drop=True)
        return replace(
            self,
            tables=tables,
            enrolments=self.enrolments.take(self.enrolments.day < day),
            as_of=float(day),
        )

    def between(self, start: float, end: float = np.inf) -> Enrolments:
        """Enrolments with ``start <= day < end`` (a holdout window)."""
        e = self.enrolments
        return e.take((e.day >= start) & (e.day < end))


def id_values(column: pd.Series) -> list[str | None]:
    """A column of ids as Python strings, missing values as None (for IdIndex lookups)."""
    values: list[str | None] = _arrow_ids(column).to_pylist()
    return values


def _arrow_ids(column: pd.Series) -> pa.Array | pa.ChunkedArray:
    """A column of ids as Arrow strings: no copy for the Arrow-backed strings ingest gives."""
    if isinstance(column.dtype, pd.StringDtype):
        array = pa.array(column, from_pandas=True)
    else:
        array = pa.array(column.astype("string"), from_pandas=True)
    return array if pa.types.is_string(array.type) else array.cast(pa.string())


def _unique_ids(df: pd.DataFrame | None, col: str) -> list[str]:
    """The distinct ids of a column (hashed in C++), for building an IdIndex."""
    if df is None or col not in df.columns:
        return []
    return [str(v) for v in pc.unique(_arrow_ids(df[col]).drop_null()).to_pylist()]


def id_codes(index: IdIndex, column: pd.Series) -> npt.NDArray[np.int64]:
    """Row indices of a whole column of ids at once (unknown or missing: -1).

    One Arrow hash lookup per row (see :meth:`IdIndex.codes`): the per-row Python lookups
    this replaces took most of the dataset stage on a million enrolments.
    """
    return index.codes(_arrow_ids(column))


def _status_codes(enrol: pd.DataFrame) -> npt.NDArray[np.int8]:
    """STATUS_CODES per enrolment; missing or unknown statuses count as completed."""
    completed = STATUS_CODES["completed"]
    if "status" not in enrol.columns:
        return np.full(len(enrol), completed, dtype=np.int8)
    names = IdIndex(list(STATUS_CODES))
    lookup = np.array([STATUS_CODES[n] for n in names.ids] + [completed], dtype=np.int8)
    return lookup[names.codes(_arrow_ids(enrol["status"]), default=len(names))]


def _capabilities(tables: Mapping[str, pd.DataFrame]) -> frozenset[str]:
    present = {name for name, df in tables.items() if len(df) > 0}
    caps = {cap for cap, need in CAPABILITIES.items() if all(t in present for t in need)}
    if "roles" in caps and tables[c.EMPLOYEES]["role_id"].notna().sum() == 0:
        caps.discard("roles")
        caps.discard("skill_gaps")
    return frozenset(caps)


def build_dataset(
    tables: Mapping[str, pd.DataFrame], *, as_of: pd.Timestamp | None = None
) -> Dataset:
    """Index clean tables (as ``ingest.load_tables`` returns them) for the models.

    Employees are the union of the employees table and everyone who enrolled; content and
    skills come from their own tables. Enrolments for content missing from the catalogue are
    dropped with a log line (validation normally removes them first).
    """
    for name in c.REQUIRED_TABLES:
        if name not in tables:
            raise DataContractError(f"table {name!r} is required; add it to the data source")
    content_df = tables[c.CONTENT]
    enrol = tables[c.ENROLMENTS]
    emp_df = tables.get(c.EMPLOYEES)
    employees = IdIndex.from_values(
        _unique_ids(enrol, "employee_id"), _unique_ids(emp_df, "employee_id")
    )
    content = IdIndex.from_values(_unique_ids(content_df, "content_id"))
    skills = IdIndex.from_values(_unique_ids(tables.get(c.SKILLS), "skill_id"))
    roles = IdIndex.from_values(_unique_ids(tables.get(c.ROLES), "role_id"))

    e_idx = id_codes(employees, enrol["employee_id"])
    i_idx = id_codes(content, enrol["content_id"])
    day = to_days(enrol["enrolled_at"])
    status = _status_codes(enrol)
    rating = (
        enrol["rating"].astype("float64").to_numpy(dtype=np.float64, na_value=np.nan)
        if "rating" in enrol.columns
        else np.full(len(enrol), np.nan)
    ).astype(np.float32)
    score = (
        enrol["score"].astype("float64").to_numpy(dtype=np.float64, na_value=np.nan)
        if "score" in enrol.columns
        else np.full(len(enrol), np.nan)
    ).astype(np.float32)
    ok = (e_idx >= 0) & (i_idx >= 0) & np.isfinite(day)
    if not ok.all():
        logger.warning("dropped %d enrolments with unknown content or time", int((~ok).sum()))
    order = np.lexsort((i_idx[ok], e_idx[ok], day[ok]))
    enrolments = Enrolments(
        e_idx[ok][order].astype(np.int32),
        i_idx[ok][order].astype(np.int32),
        day[ok][order],
        status[ok][order],
        rating[ok][order],
        score[ok][order],
    )
    if as_of is not None:
        as_of_day = float(to_days(pd.Series([as_of]).dt.tz_convert("UTC"))[0])
    else:
        candidates = [float(enrolments.day.max()) if len(enrolments) else 0.0]
        if "completed_at" in enrol.columns:
            done = to_days(enrol["completed_at"])
            if np.isfinite(done).any():
                candidates.append(float(np.nanmax(done)))
        if c.ASSESSMENTS in tables and len(tables[c.ASSESSMENTS]):
            candidates.append(float(np.nanmax(to_days(tables[c.ASSESSMENTS]["assessed_at"]))))
        as_of_day = max(candidates)
    return Dataset(
        # the enrolments live on as arrays above; the frame is not kept (the largest table)
        tables={name: df for name, df in tables.items() if name != c.ENROLMENTS},
        employees=employees,
        content=content,
        skills=skills,
        roles=roles,
        enrolments=enrolments,
        as_of=as_of_day,
        capabilities=_capabilities(tables),
    )
