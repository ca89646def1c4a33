"""SMOTE, Borderline-SMOTE and ADASYN: every synthetic row lies on a segment between a minority sample and a neighbour."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from imbalanced_blobs import blobs

from chainrule import imbalance as ci


def brute_force_neighbour_sets(X, k):
    """Neighbours of each row, with every point tied with the k-th included."""
    d = np.sqrt(((X[:, None, :] - X[None, :, :]) ** 2).sum(-1))
    np.fill_diagonal(d, np.inf)
    kth = np.sort(d, axis=1)[:, k - 1 : k]
    return [np.flatnonzero(row <= kth_i + 1e-12) for row, kth_i in zip(d, kth[:, 0])]


def assert_on_segments(synthetic, X_min, neighbour_sets, tol=1e-9):
    starts = np.concatenate([np.full(len(ns), i) for i, ns in enumerate(neighbour_sets)])
    ends = np.concatenate(neighbour_sets)
    a, b = X_min[starts], X_min[ends]  # (pairs, f)
    ab = b - a
    for s in synthetic:
        # Project s onto every segment; accept if one has t in [0, 1] and no residual.
        denom = np.einsum("ij,ij->i", ab, ab)
        t = np.einsum("ij,ij->i", s - a, ab) / np.where(denom > 0, denom, 1.0)
        residual = np.linalg.norm(a + t[:, None] * ab - s, axis=1)
        scale = 1.0 + np.abs(s).max()
        ok = (t >= -tol) & (t <= 1 + tol) & (residual <= tol * scale)
        assert ok.any(), f"synthetic row {s} is on no (sample, neighbour) segment"


@st.composite
def minority_problems(draw):
    n_features = draw(st.integers(1, 4))
    n_min = draw(st.integers(3, 12))
    n_maj = draw(st.integers(n_min + 1, 30))
    coords = st.floats(-50, 50, allow_nan=False, allow_infinity=False, width=64)
    X_min = np.array(
        draw(
            st.lists(
                st.lists(coords, min_size=n_features, max_size=n_features),
                min_size=n_min,
                max_size=n_min,
                unique_by=tuple,
            )
        )
    )
    X_maj = np.array(
        draw(st.lists(st.lists(coords, min_size=n_features, max_size=n_features), min_size=n_maj, max_size=n_maj))
    )
    k = draw(st.integers(1, n_min - 1))
    seed = draw(st.integers(0, 2**32 - 1))
    return X_min, X_maj, k, seed


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(problem=minority_problems())
def test_every_smote_sample_lies_on_a_minority_segment(problem):
    X_min, X_maj, k, seed = problem
    X = np.concatenate([X_maj, X_min])
    y = np.r_[np.zeros(len(X_maj), int), np.ones(len(X_min), int)]
    X_res, y_res = ci.SMOTE(k_neighbors=k, random_state=seed).fit_resample(X, y)
    np.testing.assert_array_equal(X_res[: len(X)], X)  # originals first, untouched
    synthetic = X_res[len(X) :]
    assert (y_res[len(X) :] == 1).all()
    assert_on_segments(synthetic, X_min, brute_force_neighbour_sets(X_min, k))


def test_adasyn_and_borderline1_samples_lie_on_minority_segments():
    X, y = blobs([150, 30], n_features=2, seed=3)
    X_min = X[y == 1]
    for sampler in (ci.ADASYN(n_neighbors=4, random_state=1), ci.BorderlineSMOTE(k_neighbors=4, random_state=1)):
        X_res, y_res = sampler.fit_resample(X, y)
        assert_on_segments(X_res[len(X) :], X_min, brute_force_neighbour_sets(X_min, 4))
