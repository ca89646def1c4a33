"""Shared by tests/imbalance: overlapping Gaussian blobs and a class counter."""

import numpy as np


def blobs(counts, n_features=3, sep=1.0, seed=0):
    """Overlapping Gaussian blobs: boundary samples exist, so Borderline-SMOTE and ADASYN have work."""
    rng = np.random.default_rng(seed)
    X = np.concatenate([rng.normal(sep * i, 1.0, size=(n, n_features)) for i, n in enumerate(counts)])
    y = np.concatenate([np.full(n, i) for i, n in enumerate(counts)])
    order = rng.permutation(len(y))
    return X[order], y[order]


BINARY = blobs([120, 25])
THREE = blobs([100, 40, 15])
THREE_STR = (THREE[0], np.array(["apple", "kiwi", "lime"])[THREE[1]])


def counts(y):
    labels, n = np.unique(y, return_counts=True)
    return dict(zip(labels.tolist(), n.tolist()))
