"""ItemKNN on data with a known answer: co-taken items are neighbours, blocks stay apart."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.exceptions import NotFittedError

from recsvc.models import ItemKNN


def _blocks() -> sp.csr_matrix:
    """Employees 0-3 take items 0-2, employees 4-7 take items 3-5 (a checkerboard)."""
    dense = np.zeros((8, 6), dtype=np.float32)
    dense[:4, :3] = 1.0
    dense[4:, 3:] = 1.0
    dense[0, 2] = 0.0  # employee 0 has not taken item 2 yet
    return sp.csr_matrix(dense)


def test_recommends_the_missing_item_of_the_own_block() -> None:
    model = ItemKNN(n_neighbours=5).fit(_blocks())
    scores = model.score(_blocks()[[0, 4]])
    assert int(np.argmax(np.where(_blocks()[0].toarray()[0] > 0, -np.inf, scores[0]))) == 2
    assert (scores[0, 3:] == 0).all() and (scores[1, :3] == 0).all()


def test_similarity_is_the_cosine_of_employee_columns() -> None:
    model = ItemKNN(n_neighbours=5).fit(_blocks())
    s = model.similarity_.toarray()
    # items 0 and 1: the same four employees -> 1; item 2 has three of them -> 3 / sqrt(4 * 3)
    assert s[0, 1] == pytest.approx(1.0)
    assert s[0, 2] == pytest.approx(3 / np.sqrt(12), rel=1e-5)
    assert s[0, 3] == 0.0 and np.diag(s).sum() == 0.0


def test_negative_history_counts_as_nothing_and_arrays_round_trip() -> None:
    x = _blocks().astype(np.float32)
    x[1, 0] = -3.0  # a drop: not a positive signal
    model = ItemKNN(n_neighbours=2).fit(x)
    again = ItemKNN.from_arrays(model.to_arrays())
    h = _blocks()[:3]
    np.testing.assert_array_equal(model.score(h), again.score(h))
    assert (model.similarity_.getnnz(axis=0) <= 2).all()  # each item keeps 2 neighbours


def test_score_before_fit_raises() -> None:
    with pytest.raises(NotFittedError):
        ItemKNN().score(_blocks())
