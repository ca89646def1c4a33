"""Label encoding shared by the metrics: positions of labels in a label list, one-hot matrices."""

from __future__ import annotations

import numpy as np

from ._validation import _compatible


def _label_indices(values, labels):
    """Index of each value in ``labels``, or -1 when absent."""
    values = np.asarray(values)
    labels = np.asarray(labels)
    if labels.size == 0:
        return np.full(values.shape[0], -1, dtype=np.int64)
    if _compatible(values, labels):
        order = np.argsort(labels, kind="stable")
        ordered = labels[order]
        pos = np.clip(np.searchsorted(ordered, values), 0, labels.shape[0] - 1)
        found = ordered[pos] == values
        return np.where(found, order[pos], -1)
    lookup = {v: i for i, v in enumerate(labels.tolist())}
    return np.array([lookup.get(v, -1) for v in values.tolist()], dtype=np.int64)


def _label_binarize(y, classes):
    """One-hot matrix with a column per entry of ``classes`` (int64)."""
    idx = _label_indices(y, classes)
    out = np.zeros((y.shape[0], len(classes)), dtype=np.int64)
    rows = np.flatnonzero(idx >= 0)
    out[rows, idx[rows]] = 1
    return out
