"""Small, offline, imbalanced binary classification data sets.

All three return ``(X, y)`` as NumPy arrays, ``X`` float32 and ``y`` int64
with ``y == 1`` marking the *minority* (positive) class, which is the
convention the imbalance-aware metrics expect (``pos_label=1``).  The two
real data sets come bundled with scikit-learn (no download); the synthetic
one needs only NumPy.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np

from ..random import get_generator

__all__ = ["load_breast_cancer_imbalanced", "load_digits_nine_vs_rest", "make_imbalanced_classification"]

_EXTRA_HINT = "pip install chainrule[datasets]"


def _sklearn_datasets(func):
    try:
        from sklearn import datasets
    except ImportError as exc:  # scikit-learn is an optional dependency
        raise ImportError(f"{func} needs scikit-learn's bundled data sets: {_EXTRA_HINT}") from exc
    return datasets


def _check_ratio(func, ratio):
    if not isinstance(ratio, Real) or isinstance(ratio, bool) or not np.isfinite(ratio) or ratio < 1:
        raise ValueError(f"{func}: ratio (majority / minority) must be a finite number >= 1, got {ratio!r}.")
    return float(ratio)


def load_breast_cancer_imbalanced(ratio=10.0, random_state=0):
    """Wisconsin breast cancer data made imbalanced: y = 1 means malignant.

    scikit-learn's copy has 357 benign and 212 malignant tumours (30
    features).  All benign rows are kept and a seeded random subset of
    ``round(357 / ratio)`` malignant rows, so benign : malignant is about
    ``ratio`` (10 gives 36 malignant).  Labels are flipped relative to
    scikit-learn (whose target 1 is *benign*) so that the rare, important
    class is the positive one.  Rows keep their original order.

    Raises ``ValueError`` for a ratio below 357/212 (not enough malignant
    rows) and ``ImportError`` without scikit-learn.
    """
    func = "load_breast_cancer_imbalanced"
    ratio = _check_ratio(func, ratio)
    bunch = _sklearn_datasets(func).load_breast_cancer()
    X = np.asarray(bunch.data, dtype=np.float32)
    malignant = np.asarray(bunch.target) == 0
    benign_rows = np.flatnonzero(~malignant)
    malignant_rows = np.flatnonzero(malignant)
    n_minority = max(1, int(round(benign_rows.shape[0] / ratio)))
    if n_minority > malignant_rows.shape[0]:
        raise ValueError(
            f"{func}: ratio={ratio} needs {n_minority} malignant rows but only {malignant_rows.shape[0]} exist; "
            f"use ratio >= {benign_rows.shape[0] / malignant_rows.shape[0]:.3f}."
        )
    rng = get_generator(random_state, owner=func, seeds=True)
    chosen = rng.choice(malignant_rows, size=n_minority, replace=False)
    rows = np.sort(np.concatenate([benign_rows, chosen]))
    return X[rows], malignant[rows].astype(np.int64)


def load_digits_nine_vs_rest():
    """scikit-learn's 8x8 digits as "is it a 9?": about 1 positive in 10.

    X is float32 in [0, 1] (pixel intensities 0-16 divided by 16), shape
    (1797, 64); y is int64, 1 for the 180 nines and 0 for the other 1,617
    digits.  A mild (1:9), fully real imbalance with no subsampling.
    """
    bunch = _sklearn_datasets("load_digits_nine_vs_rest").load_digits()
    X = np.asarray(bunch.data, dtype=np.float32) / np.float32(16.0)
    y = (np.asarray(bunch.target) == 9).astype(np.int64)
    return X, y


def make_imbalanced_classification(n_samples=1000, ratio=10.0, n_features=2, class_sep=1.0, random_state=0):
    """Two Gaussian blobs with a chosen majority : minority ratio.

    Both classes are isotropic unit-variance Gaussians in ``n_features``
    dimensions.  Their means are ``-class_sep * u`` (majority, y = 0) and
    ``+class_sep * u`` (minority, y = 1) with ``u`` the unit diagonal
    ``(1, ..., 1) / sqrt(n_features)``, so the means are ``2 * class_sep``
    apart whatever the dimension: 1.0 overlaps noticeably, 3.0 is nearly
    separable.  The minority gets ``round(n_samples / (ratio + 1))`` rows
    (at least 1), the majority the rest; rows are shuffled.  Deterministic
    for a given int ``random_state`` (see :func:`chainrule.random.get_generator`).

    Returns ``(X float32 of shape (n_samples, n_features), y int64)``.
    """
    func = "make_imbalanced_classification"
    if not isinstance(n_samples, Integral) or n_samples < 2:
        raise ValueError(f"{func}: n_samples must be an integer >= 2, got {n_samples!r}.")
    if not isinstance(n_features, Integral) or n_features < 1:
        raise ValueError(f"{func}: n_features must be an integer >= 1, got {n_features!r}.")
    if not isinstance(class_sep, Real) or not np.isfinite(class_sep) or class_sep < 0:
        raise ValueError(f"{func}: class_sep must be a finite number >= 0, got {class_sep!r}.")
    ratio = _check_ratio(func, ratio)
    n_minority = min(n_samples - 1, max(1, int(round(n_samples / (ratio + 1)))))
    n_majority = n_samples - n_minority
    rng = get_generator(random_state, owner=func, seeds=True)
    direction = np.full(n_features, 1.0 / np.sqrt(n_features))
    X = rng.standard_normal((n_samples, n_features))
    y = np.r_[np.zeros(n_majority, dtype=np.int64), np.ones(n_minority, dtype=np.int64)]
    X += np.where(y[:, None] == 1, class_sep, -class_sep) * direction
    order = rng.permutation(n_samples)
    return X[order].astype(np.float32), y[order]
