"""Stratified splitting, and the marker that keeps evaluation data out of samplers.

Resampling must happen *after* the train/test split and only on the
training part.  Otherwise copies (random over-sampling) or interpolations
(SMOTE) of a test point end up in the training set, the model is evaluated
on points it has essentially seen, and the score is inflated.  To make
that mistake impossible rather than merely discouraged, the evaluation
arrays produced here are :class:`EvaluationSplit` arrays -- ordinary NumPy
arrays with a marker type that every chainrule sampler refuses.  Slices and
views keep the marker.
"""

from __future__ import annotations

import warnings
from numbers import Integral, Real

import numpy as np

from ..random import get_generator

__all__ = ["EvaluationSplit", "mark_evaluation", "stratified_kfold", "stratified_train_test_indices"]


class EvaluationSplit(np.ndarray):
    """An ndarray that holds evaluation (validation/test) data.

    Behaves exactly like ``np.ndarray``; the only difference is that
    ``fit_resample`` of any chainrule sampler raises ``ValueError`` when
    given one.  Read-only, so it cannot be altered in place either.
    """

    def __array_wrap__(self, obj, context=None, return_scalar=False):
        # Results computed *from* evaluation data (predictions, distances)
        # are not evaluation data themselves: return plain arrays.
        out = np.asarray(obj)
        if return_scalar and out.ndim == 0:
            return out[()]
        return out


def mark_evaluation(array):
    """Return a read-only :class:`EvaluationSplit` view of ``array``."""
    view = np.asarray(array).view(EvaluationSplit)
    view.flags.writeable = False
    return view


def stratified_train_test_indices(y, *, test_size=0.25, random_state=None):
    """Row indices ``(train, test)`` with each class split in the same proportion.

    Each class contributes ``round(test_size * n_class)`` rows to the test
    set, clipped so that a class with at least two samples has at least one
    in each part.  Stratifying matters under imbalance: an unstratified
    25 % split of 20 positives can easily leave 2 or 9 of them for testing.
    """
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"stratified_train_test_indices: y must be 1d, got shape {y.shape}.")
    n = y.shape[0]
    if isinstance(test_size, Integral) and not isinstance(test_size, bool):
        if not 0 < test_size < n:
            raise ValueError(f"stratified_train_test_indices: test_size={test_size} should be in [1, {n - 1}].")
        fraction = test_size / n
    elif isinstance(test_size, Real) and 0 < test_size < 1:
        fraction = float(test_size)
    else:
        raise ValueError(
            f"stratified_train_test_indices: test_size must be a float in (0, 1) or an int, got {test_size!r}."
        )
    rng = get_generator(random_state, owner="stratified_train_test_indices", seeds=True, error=ValueError)
    train, test = [], []
    for cls in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == cls))
        n_test = int(round(fraction * rows.shape[0]))
        if rows.shape[0] >= 2:
            n_test = min(max(n_test, 1), rows.shape[0] - 1)
        test.append(rows[:n_test])
        train.append(rows[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def stratified_kfold(y, n_splits=5, *, random_state=None):
    """Yield ``(train_indices, test_indices)`` for stratified k-fold cross-validation.

    The rows of each class are shuffled and dealt to the folds in turn, so
    every fold gets ``n_class / n_splits`` of every class (give or take
    one).  Warns when a class has fewer members than folds.
    """
    y = np.asarray(y)
    if not isinstance(n_splits, Integral) or n_splits < 2:
        raise ValueError(f"stratified_kfold: n_splits must be an integer >= 2, got {n_splits!r}.")
    if n_splits > y.shape[0]:
        raise ValueError(
            f"stratified_kfold: Cannot have n_splits={n_splits} greater than the number of samples {y.shape[0]}."
        )
    rng = get_generator(random_state, owner="stratified_kfold", seeds=True, error=ValueError)
    fold_of = np.empty(y.shape[0], dtype=np.int64)
    offset = 0
    for cls in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == cls))
        if rows.shape[0] < n_splits:
            warnings.warn(
                f"stratified_kfold: The least populated class {cls!r} has only {rows.shape[0]} members, "
                f"which is less than n_splits={n_splits}.",
                UserWarning,
                stacklevel=2,
            )
        # Continue dealing where the previous class stopped so fold sizes stay even.
        fold_of[rows] = (offset + np.arange(rows.shape[0])) % n_splits
        offset += rows.shape[0]
    for fold in range(n_splits):
        yield np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)
