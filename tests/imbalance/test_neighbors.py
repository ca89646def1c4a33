"""chainrule.imbalance.kneighbors: exact, blocked, self-matches excluded."""

import numpy as np
import pytest

from chainrule.imbalance import kneighbors


def test_kneighbors_matches_brute_force_with_blocking():
    rng = np.random.default_rng(0)
    ref = rng.normal(size=(300, 5))
    query = rng.normal(size=(77, 5))
    d = ((query[:, None] - ref[None]) ** 2).sum(-1)
    for k in (1, 6, 12, 300):  # small-k argmin path, argpartition path, all points
        idx, dist = kneighbors(ref, k, query=query, return_distance=True, block_rows=16)
        np.testing.assert_array_equal(idx, np.argsort(d, axis=1, kind="stable")[:, :k])
        np.testing.assert_allclose(dist, np.sqrt(np.sort(d, axis=1)[:, :k]), rtol=1e-12)


def test_kneighbors_excludes_self_matches():
    rng = np.random.default_rng(1)
    ref = rng.normal(size=(200, 3))
    d = ((ref[:, None] - ref[None]) ** 2).sum(-1)
    np.fill_diagonal(d, np.inf)
    expected = np.argsort(d, axis=1, kind="stable")[:, :10]
    np.testing.assert_array_equal(kneighbors(ref, 10, block_rows=7), expected)
    subset = np.array([5, 17, 199])
    np.testing.assert_array_equal(kneighbors(ref, 10, query_indices=subset), expected[subset])
    with pytest.raises(ValueError, match="n_neighbors"):
        kneighbors(ref, 200)


def test_kneighbors_duplicate_points_are_neighbours_but_not_self():
    ref = np.array([[0.0, 0.0], [0.0, 0.0], [5.0, 5.0]])
    np.testing.assert_array_equal(kneighbors(ref, 1)[:, 0], [1, 0, 0])


def test_kneighbors_default_block_bounds_memory():
    from chainrule.imbalance import neighbors

    ref = np.zeros((100_000, 1))
    # 100,000 references: each block's float64 distance matrix fits the budget.
    rows = max(1, min(neighbors.MAX_BLOCK_ROWS, neighbors.DEFAULT_WORKING_MEMORY // (8 * len(ref))))
    assert rows * len(ref) * 8 <= neighbors.DEFAULT_WORKING_MEMORY
    assert rows >= 100
