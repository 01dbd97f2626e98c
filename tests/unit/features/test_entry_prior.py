"""Entry-level priors for newcomers: required - 2, lower where the role's members start lower."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from recsvc.features.prior import role_entry_levels

# role 0 asks skill 0 at 4; role 1 asks skill 0 at 3 and skill 1 at 1
REQUIRED = np.array([[4.0, 0.0], [3.0, 1.0]], dtype=np.float32)


def _levels(entries: list[tuple[int, int, float]], n_e: int) -> sp.csr_matrix:
    rows, cols, vals = zip(*entries, strict=True)
    return sp.csr_matrix((vals, (rows, cols)), shape=(n_e, 2), dtype=np.float32)


# employees 0-4 in role 0 at levels 1-5 on skill 0 (and 3 on the unasked skill 1);
# employee 5 in role 1 at 4 on skill 0; employee 6 has no role
LEVELS = _levels(
    [(e, 0, float(e + 1)) for e in range(5)]
    + [(e, 1, 3.0) for e in range(5)]
    + [(5, 0, 4.0), (6, 0, 0.0)],
    7,
)
ROLE = np.array([0, 0, 0, 0, 0, 1, -1], dtype=np.int32)


def test_entry_level_is_two_below_the_requirement_or_the_members_lower_start() -> None:
    out = role_entry_levels(LEVELS, ROLE, REQUIRED, strength=5.0)
    # role 0, skill 0: 10% quantile of 1..5 is 1.4; five members vs five pseudo-members at 2
    assert out[0, 0] == pytest.approx((5 * 1.4 + 5 * 2.0) / 10)  # 1.7, below 4 - 2
    # role 1, skill 0: one member at 4 would lift it to 1.5; a newcomer starts at 3 - 2 = 1
    assert out[1, 0] == pytest.approx(1.0)
    assert out[1, 1] == pytest.approx(0.0)  # nobody assessed: max(1 - 2, 0)
    assert out[0, 1] == 0.0  # the role does not ask skill 1, whatever its members know
    asked = REQUIRED > 0
    assert (out[asked] < REQUIRED[asked]).all()


def test_strength_moves_between_the_members_and_the_requirement() -> None:
    alone = role_entry_levels(LEVELS, ROLE, REQUIRED, strength=0.0)
    assert alone[0, 0] == pytest.approx(1.4)  # the members' quantile alone
    assert alone[1, 0] == pytest.approx(1.0)  # never above two below the requirement
    heavy = role_entry_levels(LEVELS, ROLE, REQUIRED, strength=1e6)
    np.testing.assert_allclose(heavy[:, 0], [2.0, 1.0], atol=1e-4)


def test_no_evidence_gives_two_levels_below_the_requirement() -> None:
    empty = sp.csr_matrix((7, 2), dtype=np.float32)
    out = role_entry_levels(empty, ROLE, REQUIRED, strength=5.0)
    np.testing.assert_allclose(out, [[2.0, 0.0], [1.0, 0.0]])
