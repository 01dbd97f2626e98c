"""How likely each move from a role is: declared career paths blended with observed moves.

For a from-role with ``n`` observed moves (people, from ``role_history``; only moves made by
five or more people are kept) and declared paths:

    likelihood(to) = (n * moved_share(to) + m * path_share(to)) / (n + m)

where ``path_share`` is the path weight over the role's total and ``m`` is
``PATH_PRIOR_MOVES`` when the role has declared paths (0 otherwise): the organisation's
declared paths count as that many observed moves, so a handful of observed moves refines
them and hundreds outweigh them. The trainer stores each role's most likely next role
(``role_next``); the service ranks next roles by this likelihood.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

__all__ = ["PATH_PRIOR_MOVES", "most_likely_next", "next_role_likelihood"]

#: how many observed moves the declared career paths of a role are worth
PATH_PRIOR_MOVES = 10.0


def _row_shares(m: sp.csr_matrix) -> tuple[sp.csr_matrix, npt.NDArray[np.float64]]:
    totals = np.asarray(m.sum(axis=1), dtype=np.float64).ravel()
    inv = np.divide(1.0, totals, out=np.zeros_like(totals), where=totals > 0)
    return sp.csr_matrix(sp.diags(inv) @ m), totals


def next_role_likelihood(paths: sp.spmatrix, moves: sp.spmatrix) -> sp.csr_matrix:
    """Roles x roles: chance of each next role from each role (rows sum to 1, or are empty)."""
    p_share, p_total = _row_shares(sp.csr_matrix(paths, dtype=np.float64))
    m_share, n = _row_shares(sp.csr_matrix(moves, dtype=np.float64))
    prior = np.where(p_total > 0, PATH_PRIOR_MOVES, 0.0)
    denom = n + prior
    inv = np.divide(1.0, denom, out=np.zeros_like(denom), where=denom > 0)
    out = sp.diags(inv * n) @ m_share + sp.diags(inv * prior) @ p_share
    out = sp.csr_matrix(out)
    out = sp.csr_matrix(out - sp.diags(out.diagonal()))  # staying is not a move
    out.eliminate_zeros()
    out.sort_indices()
    return out


def most_likely_next(likelihood: sp.csr_matrix) -> npt.NDArray[np.int32]:
    """Per role, its most likely next role (-1: none); ties go to the lower role index."""
    n_r = likelihood.shape[0]
    out = np.full(n_r, -1, dtype=np.int32)
    for r in range(n_r):
        lo, hi = likelihood.indptr[r], likelihood.indptr[r + 1]
        if hi > lo:
            out[r] = int(likelihood.indices[lo + int(np.argmax(likelihood.data[lo:hi]))])
    return out
