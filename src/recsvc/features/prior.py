"""Role priors for skill levels: what to believe about a skill before (or beside) evidence."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
import scipy.sparse as sp

from recsvc.features.skills import SkillEvidence

__all__ = [
    "ENTRY_QUANTILE",
    "PriorParams",
    "add_role_prior",
    "role_entry_levels",
    "role_prior_levels",
]

#: a newcomer to a role is placed at this quantile of the role's members' levels
ENTRY_QUANTILE = 0.1
#: ... shrunk toward this many levels below the requirement
ENTRY_STEPS_BELOW = 2.0

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]


@dataclass(frozen=True)
class PriorParams:
    """How much a role prior counts against real evidence.

    ``weight`` is the prior's pseudo-evidence weight, on the scale of
    :data:`~recsvc.features.skills.DEFAULT_SOURCE_WEIGHTS` (0.3 is one fresh self-rating):
    without evidence the estimate is the prior, one fresh test still moves it most of the way.
    ``strength`` is how many assessed people in a role it takes for their mean level to count
    as much as the role's required level. ``weight == 0`` turns the prior off.
    """

    weight: float = 0.3
    strength: float = 5.0


def role_prior_levels(
    levels: sp.csr_matrix,
    role: IntArray,
    required: FloatArray,
    strength: float,
) -> tuple[FloatArray, FloatArray]:
    """Prior level per (role, skill) and, for people without a role, per skill.

    A role's prior for a skill starts at its required level (or, for a skill the role does
    not ask for, the mean level of everyone with evidence on it) and moves toward the mean
    of the role's members with evidence as their number grows:
    ``(n * role_mean + strength * base) / (n + strength)``. Missing evidence then means "as
    good as a typical colleague", not level 0, which would put every unassessed skill
    four levels below the content meant for it.
    """
    n_r, n_s = required.shape
    lv = sp.csr_matrix(levels, dtype=np.float64)
    has = lv.copy()
    has.data = np.ones_like(has.data)
    count_all = np.asarray(has.sum(axis=0)).ravel()
    sum_all = np.asarray(lv.sum(axis=0)).ravel()
    skill_mean = np.divide(sum_all, count_all, out=np.zeros(n_s), where=count_all > 0)
    ok = (role >= 0) & (role < n_r)
    members = sp.csr_matrix(
        (np.ones(int(ok.sum())), (role[ok], np.flatnonzero(ok))), shape=(n_r, lv.shape[0])
    )
    n = np.asarray((members @ has).todense())
    total = np.asarray((members @ lv).todense())
    role_mean = np.divide(total, n, out=np.zeros_like(total), where=n > 0)
    req = np.asarray(required, dtype=np.float64)
    base = np.where(req > 0, req, skill_mean[None, :])
    k = max(float(strength), 0.0)
    denom = n + k
    prior = np.divide(n * role_mean + k * base, denom, out=base.copy(), where=denom > 0)
    return prior.astype(np.float32), skill_mean.astype(np.float32)


def role_entry_levels(
    levels: sp.csr_matrix, role: IntArray, required: FloatArray, strength: float
) -> FloatArray:
    """Prior level per (role, skill) for someone new to the role (nothing known yet).

    A newcomer is not yet a typical member, and nothing shows what they can do: their prior
    is the foundation of the role's ladder, ``ENTRY_STEPS_BELOW`` levels below the
    requirement, or lower where the role's members' lowest decile (``ENTRY_QUANTILE``,
    shrunk toward it with ``strength`` pseudo-members) says people start lower. This is
    what makes a new hire's list start with entry-level content for their role's skills;
    one assessment in the request moves them up at once.
    """
    n_r, n_s = required.shape
    base = np.clip(np.asarray(required, np.float64) - ENTRY_STEPS_BELOW, 0.0, None)
    lv = sp.coo_matrix(levels)
    ok = (role[lv.row] >= 0) & (role[lv.row] < n_r) if lv.nnz else np.zeros(0, bool)
    if not ok.any():
        return base.astype(np.float32)
    frame = pd.DataFrame(
        {"r": role[lv.row[ok]], "s": lv.col[ok], "v": lv.data[ok].astype(np.float64)}
    )
    grp = frame.groupby(["r", "s"])["v"]
    stats = pd.DataFrame({"q": grp.quantile(ENTRY_QUANTILE), "n": grp.size()}).reset_index()
    r = stats["r"].to_numpy(dtype=np.int64)
    sk = stats["s"].to_numpy(dtype=np.int64)
    n = stats["n"].to_numpy(dtype=np.float64)
    k = max(float(strength), 0.0)
    out = base.copy()
    asked = np.asarray(required)[r, sk] > 0
    lowest = stats["q"].to_numpy()[asked]
    shrunk = (n[asked] * lowest + k * base[r, sk][asked]) / (n[asked] + k)
    out[r[asked], sk[asked]] = np.minimum(shrunk, base[r, sk][asked])
    return out.astype(np.float32)


def add_role_prior(
    evidence: SkillEvidence,
    role: IntArray,
    target: IntArray,
    required: FloatArray,
    params: PriorParams,
    *,
    prior_levels: tuple[FloatArray, FloatArray] | None = None,
    entry_levels: FloatArray | None = None,
) -> SkillEvidence:
    """Evidence plus the role prior as pseudo-evidence on every skill that matters to someone.

    Each employee gets ``params.weight`` at their role's prior level on every skill their
    role or target role requires; someone with no evidence at all gets the role's entry
    level (``entry_levels``) instead, as a newcomer would. Folding it into the sums (rather
    than a separate array) keeps request-time folding of new assessments exact: ``(wlevel +
    w * level) / (wsum + w)`` already shrinks toward the prior. The service applies the same
    rule, from the stored ``prior_levels`` (:func:`role_prior_levels` of the evidence,
    computed here when not given), to newcomers and to skills a request asks for that have
    no evidence.
    """
    n_e, n_s = evidence.wsum.shape
    if params.weight <= 0 or n_e == 0 or n_s == 0 or required.size == 0:
        return evidence
    if prior_levels is None:
        prior_levels = role_prior_levels(evidence.levels(), role, required, params.strength)
    prior, skill_mean = prior_levels
    n_r = required.shape[0]
    asks = sp.csr_matrix(required > 0, dtype=np.float32)
    picks = sp.csr_matrix((n_e, n_r), dtype=np.float32)
    for idx in (role, target):
        ok = (idx >= 0) & (idx < n_r)
        picks = picks + sp.csr_matrix(
            (np.ones(int(ok.sum()), np.float32), (np.flatnonzero(ok), idx[ok])), shape=(n_e, n_r)
        )
    # one product for both roles; its rows and columns read straight off the CSR (int32:
    # at 1,000,000 employees some 25 M cells, where int64 coordinates cost 400 MB more)
    needed = sp.csr_matrix(picks @ asks)
    del picks
    rows = np.repeat(np.arange(n_e, dtype=np.int32), np.diff(needed.indptr))
    cols = needed.indices
    has_role = (role >= 0) & (role < n_r)
    role_row = np.where(has_role, role, 0).astype(np.int32)[rows]
    level = np.where(has_role[rows], prior[role_row, cols], skill_mean[cols])
    if entry_levels is not None:
        newcomer = (np.diff(evidence.wsum.indptr) == 0)[rows] & has_role[rows]
        level = np.where(newcomer, entry_levels[role_row, cols], level)
        del newcomer
    del role_row
    keep = level > 0
    indptr = np.concatenate(([0], np.cumsum(np.bincount(rows[keep], minlength=n_e))))
    cols, level = cols[keep], level[keep].astype(np.float32)
    del rows, keep, needed
    w = np.full(len(cols), params.weight, dtype=np.float32)
    add_w = sp.csr_matrix((w, cols, indptr), shape=(n_e, n_s), dtype=np.float32)
    add_l = sp.csr_matrix((w * level, cols, indptr), shape=(n_e, n_s), dtype=np.float32)
    del w, level
    wsum = (evidence.wsum + add_w).tocsr()
    wsum.sum_duplicates()
    wsum.sort_indices()
    # every sum is laid on wsum's sparsity pattern exactly (the service reads them in step)
    return SkillEvidence(
        wsum=wsum,
        wlevel=_on_pattern((evidence.wlevel + add_l).tocsr(), wsum),
        wassessed=_on_pattern(evidence.wassessed, wsum),
        wlearned=_on_pattern(evidence.wlearned, wsum),
        proven=evidence.proven,
    )


def _on_pattern(values: sp.csr_matrix, pattern: sp.csr_matrix) -> sp.csr_matrix:
    """``values`` re-laid on ``pattern``'s sparsity (entries missing there become 0)."""
    data = np.zeros(pattern.nnz, dtype=np.float32)
    if values.nnz:
        # both as sorted (row, column) keys: a binary search, not sparse fancy indexing
        # (which took most of the fit stage's peak memory at 100,000 employees)
        v = sp.csr_matrix(values)
        v.sum_duplicates()
        n_cols = np.int64(pattern.shape[1])
        rows = np.repeat(np.arange(pattern.shape[0], dtype=np.int64), np.diff(pattern.indptr))
        want = rows * n_cols + pattern.indices
        del rows
        v_rows = np.repeat(np.arange(v.shape[0], dtype=np.int64), np.diff(v.indptr))
        have = v_rows * n_cols + v.indices
        del v_rows
        pos = np.minimum(np.searchsorted(have, want), len(have) - 1)
        found = have[pos] == want
        data[found] = v.data[pos[found]]
    return sp.csr_matrix((data, pattern.indices.copy(), pattern.indptr.copy()), shape=pattern.shape)
