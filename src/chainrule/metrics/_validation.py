"""Input validation shared by the metrics (the parts of ``sklearn.utils`` they need, re-implemented).

Every check raises ``ValueError`` through :func:`_error`, so that a failure deep inside a helper
still names the public function the user called.  :class:`UndefinedMetricWarning` lives here
too: it is the warning for inputs on which a metric is ill-defined.
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np

__all__ = [
    "UndefinedMetricWarning",
    "type_of_target",
]


class UndefinedMetricWarning(UserWarning):
    """A metric is ill-defined for the given input (e.g. a 0/0 precision).

    Mirrors ``sklearn.exceptions.UndefinedMetricWarning``: the metric still
    returns a value (chosen by ``zero_division`` or ``nan``), but the caller
    should know that the value is a convention, not a measurement.
    """


_STRING_KINDS = "USO"


_AVERAGE_OPTIONS = (None, "micro", "macro", "weighted", "samples")


def _error(func, message):
    # Every error names the public function first so that a failure deep
    # inside a helper still points at the call the user made.
    return ValueError(f"{func}: {message}")


def _num_samples(func, x, name):
    x = np.asarray(x)
    if x.ndim == 0:
        raise _error(func, f"{name} must be array-like with at least one dimension, got the scalar {x!r}.")
    return x.shape[0]


def _check_consistent_length(func, **arrays):
    names = [n for n, a in arrays.items() if a is not None]
    lengths = [_num_samples(func, arrays[n], n) for n in names]
    if len(set(lengths)) > 1:
        detail = ", ".join(f"{name}: {length}" for name, length in zip(names, lengths))
        raise _error(
            func,
            f"Found input variables with inconsistent numbers of samples: {lengths} ({detail}).",
        )


def _column_or_1d(func, y, name):
    y = np.asarray(y)
    if y.ndim == 1:
        return y
    if y.ndim == 2 and y.shape[1] == 1:
        return y.ravel()
    raise _error(func, f"{name} should be a 1d array, got an array of shape {y.shape} instead.")


def _assert_all_finite(func, x, name):
    x = np.asarray(x)
    if x.dtype.kind in "fc" and not np.isfinite(x).all():
        what = "NaN" if np.isnan(x).any() else "infinity or a value too large for dtype('float64')"
        raise _error(func, f"Input {name} contains {what}.")


def _is_string_array(u):
    if u.dtype.kind in "US":
        return True
    if u.dtype.kind == "O":
        return u.size > 0 and isinstance(u.flat[0], str)
    return False


def type_of_target(y, name="y", func="type_of_target"):
    """Classify a target array the way ``sklearn.utils.multiclass.type_of_target`` does.

    Returns one of ``'binary'``, ``'multiclass'``, ``'continuous'``,
    ``'multilabel-indicator'``, ``'multiclass-multioutput'``,
    ``'continuous-multioutput'`` or ``'unknown'``.  The metrics use it to
    refuse nonsense such as scoring regression outputs with an F1 score.
    """
    y = np.asarray(y)
    if y.ndim not in (1, 2):
        return "unknown"
    if y.ndim == 2 and y.shape[1] > 1 and y.shape[0] > 0 and y.dtype.kind != "O":
        # Multilabel indicator: a 0/1 (or two-valued integral) matrix.
        labels = np.unique(y)
        integral = y.dtype.kind in "biu" or (y.dtype.kind == "f" and np.all(labels == labels.astype(np.int64)))
        if labels.shape[0] < 3 and integral:
            return "multilabel-indicator"
    if min(y.shape) == 0:
        return "binary" if y.ndim == 1 else "unknown"
    if y.dtype == object and not isinstance(y.flat[0], str):
        return "unknown"
    suffix = "-multioutput" if (y.ndim == 2 and y.shape[1] > 1) else ""
    if y.dtype.kind == "f":
        with np.errstate(invalid="ignore", over="ignore"):
            integral = y.astype(np.int64)
        if np.any(y != integral.astype(y.dtype)):
            _assert_all_finite(func, y, name)
            return "continuous" + suffix
    if np.unique(y).shape[0] > 2 or (y.ndim == 2 and y.shape[1] > 1):
        return "multiclass" + suffix
    return "binary"


def _unique_labels(func, *ys):
    """Sorted union of the labels in ``ys``; refuses to mix strings and numbers."""
    uniques = [np.unique(np.asarray(y).ravel()) for y in ys]
    kinds = {(_is_string_array(u) if u.size else None) for u in uniques} - {None}
    if len(kinds) > 1:
        shown = " and ".join(str(u) for u in uniques)
        raise _error(func, f"Mix of label input types (string and number); Got {shown}.")
    return np.unique(np.concatenate(uniques)) if uniques else np.array([])


def _check_sample_weight(func, sample_weight, n_samples, *, force_float=False, allow_all_zero=False):
    sw = np.asarray(sample_weight)
    if force_float and sw.dtype not in (np.float32, np.float64):
        sw = sw.astype(np.float64)
    if sw.ndim != 1:
        raise _error(
            func,
            f"Sample weights must be 1D array or scalar, got {sw.ndim}D array. "
            f"Expected either a scalar value or a 1D array of length {n_samples}.",
        )
    if sw.shape != (n_samples,):
        raise _error(func, f"sample_weight.shape == {sw.shape}, expected {(n_samples,)}!")
    _assert_all_finite(func, sw, "sample_weight")
    if not allow_all_zero and np.all(sw == 0):
        raise _error(func, "Sample weights must contain at least one non-zero number.")
    return sw


def _check_targets(func, y_true, y_pred, sample_weight=None, allow_all_zero_weights=False):
    """Validate a (y_true, y_pred) pair of class labels.

    Returns ``(y_type, labels, y_true, y_pred, sample_weight)`` where
    ``y_type`` is 'binary' or 'multiclass' and ``labels`` is the sorted union
    of the labels seen in either array.
    """
    _check_consistent_length(func, y_true=y_true, y_pred=y_pred, sample_weight=sample_weight)
    type_true = type_of_target(y_true, "y_true", func)
    type_pred = type_of_target(y_pred, "y_pred", func)
    if np.asarray(y_true).shape[0] < 1:
        raise _error(
            func,
            "Found empty input array (e.g., `y_true` or `y_pred`) while a minimum of 1 sample is required.",
        )
    n = np.asarray(y_true).shape[0]
    if sample_weight is not None:
        sample_weight = _check_sample_weight(func, sample_weight, n, allow_all_zero=allow_all_zero_weights)
    types = {type_true, type_pred}
    if types == {"binary", "multiclass"}:
        types = {"multiclass"}
    if len(types) > 1:
        raise _error(func, f"Classification metrics can't handle a mix of {type_true} and {type_pred} targets")
    y_type = types.pop()
    if y_type == "multilabel-indicator":
        raise _error(
            func,
            "multilabel-indicator targets are not supported by chainrule's set-based metrics; "
            "expected 1d arrays of class labels.",
        )
    if y_type not in ("binary", "multiclass"):
        raise _error(func, f"{y_type} is not supported")
    y_true = _column_or_1d(func, y_true, "y_true")
    y_pred = _column_or_1d(func, y_pred, "y_pred")
    labels = _unique_labels(func, y_true, y_pred)
    if y_type == "binary" and labels.shape[0] > 2:
        y_type = "multiclass"
    return y_type, labels, y_true, y_pred, sample_weight


def _contains(array, value):
    # ``value in ndarray`` is unreliable across dtypes (it may broadcast a
    # string against numbers), so compare as Python objects instead.
    return any(v == value for v in np.asarray(array).tolist())


def _compatible(a, b):
    return _is_string_array(np.asarray(a)) == _is_string_array(np.asarray(b))


def _check_zero_division(func, zero_division):
    """Return the value substituted for 0/0 (0.0 for 'warn')."""
    if isinstance(zero_division, str):
        if zero_division == "warn":
            return 0.0
    elif isinstance(zero_division, Real):
        if zero_division in (0, 1):
            return float(zero_division)
        if math.isnan(zero_division):
            return math.nan
    raise _error(
        func,
        f"The 'zero_division' parameter must be one of 'warn', 0.0, 1.0 or nan. Got {zero_division!r} instead.",
    )
