"""Class and sample weights, exactly as ``sklearn.utils.class_weight`` defines them.

Re-weighting is the alternative to resampling: instead of changing the data
you make each minority mistake cost more in the loss.  The 'balanced'
heuristic gives class ``c`` the weight ``n_samples / (n_classes * n_c)``,
so every class contributes the same total weight (``n_samples /
n_classes``) to the loss, whatever its size.  Unlike over-sampling it adds
no duplicated or synthetic rows and costs no extra compute.
"""

from __future__ import annotations

import numpy as np

__all__ = ["compute_class_weight", "compute_sample_weight"]


def _check_weights(func, sample_weight, n_samples):
    if sample_weight is None:
        return np.ones(n_samples, dtype=np.float64)
    sw = np.asarray(sample_weight, dtype=np.float64)
    if sw.ndim == 0:
        sw = np.full(n_samples, float(sw))
    if sw.ndim != 1 or sw.shape[0] != n_samples:
        raise ValueError(f"{func}: sample_weight.shape == {sw.shape}, expected {(n_samples,)}!")
    if not np.isfinite(sw).all():
        raise ValueError(f"{func}: sample_weight contains NaN or infinity.")
    if np.all(sw == 0):
        raise ValueError(f"{func}: Sample weights must contain at least one non-zero number.")
    return sw


def compute_class_weight(class_weight, *, classes, y, sample_weight=None):
    """Weight of each entry of ``classes``.

    Args:
        class_weight: None (all ones), 'balanced' (``n_samples / (n_classes * bincount(y))``; with
            ``sample_weight`` the counts and total are weighted) or a dict ``{class: weight}``, where
            classes missing from the dict get 1, except that a dict with keys outside ``classes``
            while some class is missing is rejected (scikit-learn's check against typos).
        classes: the classes to weight, e.g. ``np.unique(y)``.
        y: the class labels.
        sample_weight: optional per-sample weights for the 'balanced' counts.

    Returns:
        A float64 array of shape (n_classes,).
    """
    func = "compute_class_weight"
    classes = np.asarray(classes)
    y = np.asarray(y)
    if set(np.unique(y).tolist()) - set(classes.tolist()):
        raise ValueError(
            f"{func}: classes should include all valid labels that can be in y (got classes={classes.tolist()})."
        )
    if class_weight is None or (isinstance(class_weight, dict) and len(class_weight) == 0):
        return np.ones(classes.shape[0], dtype=np.float64)
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(f"{func}: class_weight must be a dict, 'balanced' or None, got {class_weight!r}.")
        present, y_index = np.unique(y, return_inverse=True)
        if not np.all(np.isin(classes, present)):
            raise ValueError(
                f"{func}: classes should have valid labels that are in y; {sorted(set(classes.tolist()) - set(present.tolist()))} are not."
            )
        sw = _check_weights(func, sample_weight, y.shape[0])
        counts = np.bincount(y_index.ravel(), weights=sw)
        recip_freq = np.sum(counts) / (present.shape[0] * counts)
        return recip_freq[np.searchsorted(present, classes)]
    if not isinstance(class_weight, dict):
        raise ValueError(f"{func}: class_weight must be a dict, 'balanced' or None, got {type(class_weight).__name__}.")
    weight = np.ones(classes.shape[0], dtype=np.float64)
    unweighted = []
    for i, c in enumerate(classes.tolist()):
        # scikit-learn looks classes up as int when possible, else as str.
        try:
            key = int(c)
        except ValueError:
            key = str(c)
        if key in class_weight:
            weight[i] = class_weight[key]
        else:
            unweighted.append(key)
    n_weighted = classes.shape[0] - len(unweighted)
    if unweighted and n_weighted != len(class_weight):
        raise ValueError(f"{func}: The classes, {unweighted}, are not in class_weight")
    return weight


def compute_sample_weight(class_weight, y, *, indices=None):
    """Per-sample weights that realise ``class_weight`` (scikit-learn's semantics).

    ``y`` may be 1-D or (n_samples, n_outputs); for several outputs
    ``class_weight`` is 'balanced' or a list of dicts, one per output, and
    the weights of the outputs are multiplied.  With ``indices`` (a
    bootstrap subsample), 'balanced' is computed on ``y[indices]`` and
    classes absent from the subsample get weight 0.
    """
    func = "compute_sample_weight"
    y = np.atleast_1d(np.asarray(y))
    if y.ndim == 1:
        y = y.reshape(-1, 1)
    n_outputs = y.shape[1]
    if indices is not None and not (isinstance(class_weight, str) and class_weight == "balanced"):
        raise ValueError(f"{func}: The only valid class_weight for subsampling is 'balanced'. Given {class_weight}.")
    if n_outputs > 1:
        if class_weight is None or isinstance(class_weight, dict):
            raise ValueError(
                f"{func}: For multi-output, class_weight should be a list of dicts, or the string 'balanced'."
            )
        if isinstance(class_weight, list) and len(class_weight) != n_outputs:
            raise ValueError(
                f"{func}: For multi-output, number of elements in class_weight should match number of outputs. "
                f"Got {len(class_weight)} element(s) while having {n_outputs} outputs."
            )
    per_output = []
    for k in range(n_outputs):
        y_full = y[:, k]
        classes_full = np.unique(y_full)
        if (isinstance(class_weight, str) and class_weight == "balanced") or n_outputs == 1:
            cw = class_weight
        else:
            cw = class_weight[k]
        missing = None
        if indices is not None:
            y_sub = y_full[indices]
            classes_sub = np.unique(y_sub)
            weight_k = np.take(
                compute_class_weight(cw, classes=classes_sub, y=y_sub),
                np.searchsorted(classes_sub, classes_full),
                mode="clip",
            )
            missing = set(classes_full.tolist()) - set(classes_sub.tolist())
        else:
            weight_k = compute_class_weight(cw, classes=classes_full, y=y_full)
        weight_k = weight_k[np.searchsorted(classes_full, y_full)]
        if missing:
            weight_k[np.isin(y_full, list(missing))] = 0.0
        per_output.append(weight_k)
    return np.prod(per_output, axis=0, dtype=np.float64)
