"""Skill levels (assessments + evidence, time decay), role requirements and weighted gaps."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from recsvc import contract as c
from recsvc.dataset import Dataset, id_codes, to_days
from recsvc.features.confidence import STATUS_CODES
from recsvc.models.base import slice_positions

__all__ = [
    "DEFAULT_SOURCE_WEIGHTS",
    "SkillEvidence",
    "SkillParams",
    "calibrate_sources",
    "content_skill_matrices",
    "role_requirements",
    "skill_evidence",
    "strategic_weights",
]

# a test is more trustworthy than a manager's view, which beats a peer's, which beats self-rating
DEFAULT_SOURCE_WEIGHTS: dict[str, float] = {"test": 1.0, "manager": 0.7, "peer": 0.5, "self": 0.3}
DEFAULT_CONTENT_LEVEL = 3


@dataclass(frozen=True)
class SkillParams:
    """How evidence about a skill level is weighted.

    Each assessment counts ``source weight * 0.5 ** (age / half_life_days)`` at its level
    minus the source's bias; completing content that teaches skill s to level L counts as
    an assessment at level L with weight ``evidence_weight * content_skill_weight`` (decayed
    the same way), but only a real completion: a score below ``pass_score`` or a drop is no
    evidence of mastery. The current level is the weighted mean, so a fresh test outweighs
    an old self-rating. A test no older than ``proven_days`` *proves* its level.
    """

    source_weights: Mapping[str, float] = field(
        default_factory=lambda: dict(DEFAULT_SOURCE_WEIGHTS)
    )
    source_bias: Mapping[str, float] = field(default_factory=dict)
    half_life_days: float = 365.0
    evidence_weight: float = 0.4
    pass_score: float = 0.6
    proven_days: float = 365.0


@dataclass(frozen=True)
class SkillEvidence:
    """Employees x skills sums of evidence, all CSR float32 on one sparsity pattern.

    ``wsum``/``wlevel`` are the total weight and weight*level (request-time assessments fold
    in exactly: ``(wlevel + w * level) / (wsum + w)``); ``wassessed`` and ``wlearned`` are
    the parts of ``wsum`` from assessments and from completed content (the rest is the role
    prior), which say what an estimate rests on. ``proven`` (own pattern) is the highest
    level a recent test showed.
    """

    wsum: sp.csr_matrix
    wlevel: sp.csr_matrix
    wassessed: sp.csr_matrix
    wlearned: sp.csr_matrix
    proven: sp.csr_matrix

    def levels(self) -> sp.csr_matrix:
        """Current level per (employee, skill) with any evidence."""
        out = sp.csr_matrix(self.wlevel, dtype=np.float32, copy=True)
        ws = np.asarray(self.wsum.data, dtype=np.float32)
        out.data = np.divide(out.data, ws, out=np.zeros_like(out.data), where=ws > 0)
        return out


#: fewest paired ratings (a source and a test of the same person and skill) to learn a
#: source's bias and reliability from the data instead of the defaults
MIN_CALIBRATION_PAIRS = 30
#: two ratings of one skill this close in time (days) measure the same level (learning in
#: between would read as bias: the window is short)
_PAIR_DAYS = 30.0


def calibrate_sources(assessments: pd.DataFrame | None, defaults: SkillParams) -> SkillParams:
    """Learn each rating source's bias and reliability against tests, where data allows.

    For every (employee, skill) rated by a source and by a test within ``_PAIR_DAYS``, the
    difference ``source - test`` estimates the source's bias (mean) and noise (spread). A
    source's weight is the test's weight times ``var(test) / var(source)``, so a noisy
    self-rating counts less than a sharp one, as this customer's data shows it. Sources with
    fewer than ``MIN_CALIBRATION_PAIRS`` pairs keep the defaults (bias 0).
    """
    if assessments is None or len(assessments) == 0 or "source" not in assessments.columns:
        return defaults
    if "content_id" in assessments.columns:  # course pre/post tests differ by real gains
        assessments = assessments[assessments["content_id"].isna()]
    a = pd.DataFrame(
        {  # integer codes: pairing on them is the same as on the ids, without Python strings
            "e": pd.factorize(assessments["employee_id"])[0],
            "s": pd.factorize(assessments["skill_id"])[0],
            # a category: one string per distinct source, not one per row
            "src": assessments["source"].astype("string").fillna("test").astype("category"),
            "day": to_days(assessments["assessed_at"]),
            "level": assessments["level"].astype("float64"),
        }
    ).dropna()
    tests = a[a["src"] == "test"]
    if len(tests) < MIN_CALIBRATION_PAIRS:
        return defaults
    pairs = a[a["src"] != "test"].merge(tests, on=["e", "s"], suffixes=("", "_t"))
    pairs = pairs[(pairs["day"] - pairs["day_t"]).abs() <= _PAIR_DAYS]
    weights = dict(defaults.source_weights)
    bias = dict(defaults.source_bias)
    test_w = float(weights.get("test", 1.0))
    # a test's own noise, from repeated tests of one person and skill close in time
    tt = tests.merge(tests, on=["e", "s"], suffixes=("", "_t"))
    tt = tt[(tt["day"] < tt["day_t"]) & (tt["day_t"] - tt["day"] <= _PAIR_DAYS)]
    test_var = float(np.var(tt["level"] - tt["level_t"]) / 2) if len(tt) >= 10 else 0.1
    test_var = max(test_var, 0.01)
    for src, grp in pairs.groupby("src", observed=True):
        if len(grp) < MIN_CALIBRATION_PAIRS:
            continue
        diff = (grp["level"] - grp["level_t"]).to_numpy(dtype=np.float64)
        bias[str(src)] = float(diff.mean())
        src_var = max(float(diff.var()) - test_var, 0.01)
        weights[str(src)] = round(test_w * min(1.0, test_var / src_var), 4)
    return replace(defaults, source_weights=weights, source_bias=bias)


def content_skill_matrices(dataset: Dataset) -> tuple[sp.csr_matrix, sp.csr_matrix]:
    """Items x skills CSRs of (weight, level); same sparsity, level falls back to difficulty."""
    shape = (dataset.n_items, len(dataset.skills))
    cs = dataset.tables.get(c.CONTENT_SKILLS)
    if cs is None or len(cs) == 0 or len(dataset.skills) == 0:
        empty = sp.csr_matrix(shape, dtype=np.float32)
        return empty, empty.copy()
    i = id_codes(dataset.content, cs["content_id"])
    s = id_codes(dataset.skills, cs["skill_id"])
    w = cs["weight"].astype("float64").fillna(1.0).to_numpy(dtype=np.float64)
    level = cs["level"].astype("Float64")
    content = dataset.tables[c.CONTENT]
    if level.isna().any() and "difficulty" in content.columns:
        diff = pd.Series(
            content["difficulty"].astype("Float64").to_numpy(dtype=np.float64, na_value=np.nan),
            index=content["content_id"].astype(str),
        )
        fallback = diff.reindex(cs["content_id"].astype(str)).to_numpy()
        level = level.fillna(pd.Series(fallback, index=level.index, dtype="Float64"))
    lv = level.fillna(DEFAULT_CONTENT_LEVEL).to_numpy(dtype=np.float64)
    ok = (i >= 0) & (s >= 0)
    # weight 0 would vanish from the sparsity pattern; keep a tiny positive instead
    w = np.clip(w, 1e-3, None)
    wm = sp.csr_matrix((w[ok].astype(np.float32), (i[ok], s[ok])), shape=shape)
    lm = sp.csr_matrix((lv[ok].astype(np.float32), (i[ok], s[ok])), shape=shape)
    wm.sum_duplicates()
    lm.sum_duplicates()
    return wm, lm


def skill_evidence(
    dataset: Dataset,
    params: SkillParams,
    content_weight: sp.csr_matrix,
    content_level: sp.csr_matrix,
) -> SkillEvidence:
    """Evidence sums from assessments and real completions, as of ``dataset.as_of``."""
    n_e, n_s = dataset.n_employees, len(dataset.skills)
    # one (employee, skill) key per piece of evidence, as employee * n_s + skill: no separate
    # row and column arrays (at 1,000,000 employees ~23 M pieces, 184 MB per int64 array)
    keys: list[npt.NDArray[np.int64]] = []
    ws: list[npt.NDArray[np.float64]] = []
    lvs: list[npt.NDArray[np.float64]] = []
    n_assessed = 0  # the assessments come first, then completions
    proven: sp.csr_matrix = sp.csr_matrix((n_e, n_s), dtype=np.float32)
    half = params.half_life_days

    def decay(day: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        if half <= 0:
            return np.ones_like(day)
        return np.asarray(np.power(0.5, np.clip(dataset.as_of - day, 0, None) / half))

    a = dataset.tables.get(c.ASSESSMENTS)
    if a is not None and len(a) and n_s:
        e = id_codes(dataset.employees, a["employee_id"])
        s = id_codes(dataset.skills, a["skill_id"])
        # per distinct source, not per row: no Python string per assessment
        codes, sources = pd.factorize(a["source"].astype("string").fillna("test"))
        names = [str(x) for x in sources]
        sw = np.array([params.source_weights.get(x, 0.3) for x in names], np.float64)[codes]
        bias = np.array([params.source_bias.get(x, 0.0) for x in names], np.float64)[codes]
        is_test = codes == (names.index("test") if "test" in names else -2)
        day = to_days(a["assessed_at"])
        level = np.asarray(a["level"].astype("float64"), dtype=np.float64)
        ok = (e >= 0) & (s >= 0) & np.isfinite(day)
        keys.append(e[ok] * n_s + s[ok])
        ws.append((sw * decay(day))[ok])
        lvs.append(np.clip(level - bias, 0.0, 5.0)[ok])
        n_assessed = int(ok.sum())
        recent_test = ok & is_test & (dataset.as_of - day <= params.proven_days)
        proven = _max_by_cell(e[recent_test], s[recent_test], level[recent_test], (n_e, n_s))

    en = dataset.enrolments
    passed = ~(en.score < params.pass_score)  # NaN (no score) passes
    done = (en.status == STATUS_CODES["completed"]) & passed
    if done.any() and content_weight.nnz:
        items = en.content_idx[done]
        counts = np.diff(content_weight.indptr)[items]
        starts = content_weight.indptr[items]
        pos = slice_positions(starts, counts)
        key = np.repeat(en.employee_idx[done].astype(np.int64) * n_s, counts)
        key += content_weight.indices[pos]
        keys.append(key)
        ws.append(
            params.evidence_weight
            * content_weight.data[pos].astype(np.float64)
            * np.repeat(decay(en.day[done]), counts)
        )
        lvs.append(content_level.data[pos].astype(np.float64))
        del pos, key

    if not keys:
        empty = sp.csr_matrix((n_e, n_s), dtype=np.float32)
        return SkillEvidence(empty, empty.copy(), empty.copy(), empty.copy(), proven)
    all_keys = np.concatenate(keys)
    del keys
    # group by (employee, skill) once so every sum shares one sparsity pattern exactly
    cells, inverse = np.unique(all_keys, return_inverse=True)
    del all_keys
    indptr = np.searchsorted(cells // n_s, np.arange(n_e + 1))
    indices = (cells % n_s).astype(np.int32)
    w = np.concatenate(ws)
    del ws

    def summed(values: npt.NDArray[Any], part: slice = slice(None)) -> sp.csr_matrix:
        data = np.bincount(inverse[part], weights=values, minlength=len(cells))
        return sp.csr_matrix(
            (data.astype(np.float32), indices.copy(), indptr.copy()), shape=(n_e, n_s)
        )

    wsum = summed(w)
    wassessed = summed(w[:n_assessed], slice(None, n_assessed))
    wlearned = summed(w[n_assessed:], slice(n_assessed, None))
    w *= np.concatenate(lvs)  # in place: w x level
    del lvs
    return SkillEvidence(
        wsum=wsum, wlevel=summed(w), wassessed=wassessed, wlearned=wlearned, proven=proven
    )


def _max_by_cell(
    rows: npt.NDArray[np.int64],
    cols: npt.NDArray[np.int64],
    values: npt.NDArray[np.float64],
    shape: tuple[int, int],
) -> sp.csr_matrix:
    """CSR of the largest value per (row, col); duplicates keep their maximum."""
    frame = pd.DataFrame({"r": rows, "c": cols, "v": values}).groupby(["r", "c"])["v"].max()
    r = frame.index.get_level_values(0).to_numpy(dtype=np.int64)
    cc = frame.index.get_level_values(1).to_numpy(dtype=np.int64)
    out = sp.csr_matrix((frame.to_numpy(dtype=np.float32), (r, cc)), shape=shape)
    out.sort_indices()
    return out


def role_requirements(
    dataset: Dataset,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
    """Dense roles x skills required level and importance (zeros where a role asks nothing)."""
    n_r, n_s = len(dataset.roles), len(dataset.skills)
    req = np.zeros((n_r, n_s), dtype=np.float32)
    imp = np.zeros((n_r, n_s), dtype=np.float32)
    rs = dataset.tables.get(c.ROLE_SKILLS)
    if rs is None or len(rs) == 0 or n_r == 0 or n_s == 0:
        return req, imp
    r = id_codes(dataset.roles, rs["role_id"])
    s = id_codes(dataset.skills, rs["skill_id"])
    ok = (r >= 0) & (s >= 0)
    req[r[ok], s[ok]] = rs["required_level"].astype("float64").to_numpy(dtype=np.float64)[ok]
    imp[r[ok], s[ok]] = (
        rs["importance"].astype("float64").fillna(1.0).to_numpy(dtype=np.float64)[ok]
    )
    return req, imp


def strategic_weights(dataset: Dataset) -> npt.NDArray[np.float32]:
    """Organisation priority per skill in [0, 1] (0 when unknown)."""
    out = np.zeros(len(dataset.skills), dtype=np.float32)
    sk = dataset.tables.get(c.SKILLS)
    if sk is None or len(sk) == 0 or "strategic_weight" not in sk.columns:
        return out
    s = id_codes(dataset.skills, sk["skill_id"])
    w = sk["strategic_weight"].astype("float64").fillna(0.0).to_numpy(dtype=np.float64)
    out[s[s >= 0]] = w[s >= 0]
    return out
