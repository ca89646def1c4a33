"""Classification metrics with scikit-learn's names, signatures and semantics.

Everything here is plain NumPy.  The functions are written to return the
same numbers as ``sklearn.metrics`` (and ``imblearn.metrics`` for
:func:`geometric_mean_score`) so that results reported with chainrule can
be compared directly with results reported with the usual Python stack; the
test-suite checks this against scikit-learn on randomly generated cases.

Why so many metrics for one confusion matrix?  Because under heavy class
imbalance the popular ones lie:

* **accuracy** rewards predicting the majority class: with 1 % positives a
  classifier that never says "positive" scores 99 %.  Prefer
  :func:`balanced_accuracy_score` (mean per-class recall), the
  :func:`matthews_corrcoef` or :func:`geometric_mean_score`, which all drop
  to chance level for such a degenerate classifier.
* **ROC-AUC** measures how well positives are ranked above negatives.  Its
  x-axis, the false-positive *rate*, divides by the (huge) number of
  negatives, so a classifier can flood the user with false alarms while
  moving the ROC curve barely at all.  **PR-AUC** (:func:`average_precision_score`)
  puts *precision* on the y-axis, i.e. it asks "of the things I flagged,
  how many were real?", which is what degrades when false alarms swamp a
  rare positive class.  Its chance level is the prevalence, not 0.5, so it
  is more honest about how hard the task is.

Scope: binary and multiclass targets (plus multilabel indicator matrices for
the ranking metrics ``roc_auc_score`` / ``average_precision_score``).  The
set-based metrics (precision, recall, F, confusion matrix, ...) do not
accept multilabel indicator targets and raise ``ValueError`` instead.
"""

from __future__ import annotations

import math
import warnings
from itertools import combinations
from numbers import Real

import numpy as np

__all__ = [
    "UndefinedMetricWarning",
    "accuracy_score",
    "auc",
    "average_precision_score",
    "balanced_accuracy_score",
    "classification_report",
    "confusion_matrix",
    "f1_score",
    "fbeta_score",
    "geometric_mean_score",
    "log_loss",
    "matthews_corrcoef",
    "precision_recall_curve",
    "precision_recall_fscore_support",
    "precision_score",
    "recall_score",
    "roc_auc_score",
    "roc_curve",
    "sensitivity_specificity_support",
]


class UndefinedMetricWarning(UserWarning):
    """A metric is ill-defined for the given input (e.g. a 0/0 precision).

    Mirrors ``sklearn.exceptions.UndefinedMetricWarning``: the metric still
    returns a value (chosen by ``zero_division`` or ``nan``), but the caller
    should know that the value is a convention, not a measurement.
    """


# --------------------------------------------------------------------------
# Input validation (the parts of sklearn.utils we need, re-implemented)
# --------------------------------------------------------------------------

_STRING_KINDS = "USO"


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
        detail = ", ".join(f"{n}: {l}" for n, l in zip(names, lengths))
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
        integral = y.dtype.kind in "biu" or (
            y.dtype.kind == "f" and np.all(labels == labels.astype(np.int64))
        )
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


def _nanaverage(a, weights=None):
    """Average ignoring NaNs (the values produced by ``zero_division=np.nan``)."""
    a = np.asarray(a, dtype=np.float64)
    if a.shape[0] == 0:
        return math.nan
    mask = np.isnan(a)
    if mask.all():
        return math.nan
    if weights is None:
        return float(np.nanmean(a))
    weights = np.asarray(weights)
    a, weights = a[~mask], weights[~mask]
    if np.sum(weights) == 0:
        # All remaining weight is zero: fall back to the plain mean.
        return float(np.average(a))
    return float(np.average(a, weights=weights))


# --------------------------------------------------------------------------
# Counting
# --------------------------------------------------------------------------


def _per_label_counts(func, y_true, y_pred, sample_weight, labels, present, float_if_no_hit=True):
    """True positives, predicted and true totals for each entry of ``labels``."""
    labels = np.asarray(labels)
    if labels.size and not _compatible(labels, present):
        raise _error(func, f"labels {labels.tolist()} are of a different type than the targets' labels {present.tolist()}.")
    all_labels = np.unique(np.concatenate([labels, present])) if labels.size else present
    t = np.searchsorted(all_labels, y_true)
    p = np.searchsorted(all_labels, y_pred)
    width = all_labels.shape[0]
    hit = t == p
    tp_w = None if sample_weight is None else sample_weight[hit]
    tp = np.bincount(t[hit], weights=tp_w, minlength=width)
    pred = np.bincount(p, weights=sample_weight, minlength=width)
    true = np.bincount(t, weights=sample_weight, minlength=width)
    if float_if_no_hit and not hit.any():
        # scikit-learn quirk kept for identical output: when nothing at all
        # is predicted correctly its counts come back as floats, so the
        # support column prints as "2.0" instead of "2".
        tp, pred, true = tp.astype(np.float64), pred.astype(np.float64), true.astype(np.float64)
    idx = np.searchsorted(all_labels, labels)
    return tp[idx], pred[idx], true[idx]


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


# --------------------------------------------------------------------------
# Label-based metrics
# --------------------------------------------------------------------------


def accuracy_score(y_true, y_pred, *, normalize=True, sample_weight=None):
    """Fraction (or count, with ``normalize=False``) of correct predictions.

    Beware under imbalance: predicting the majority class everywhere scores
    the majority fraction.  See :func:`balanced_accuracy_score`.
    """
    func = "accuracy_score"
    _, _, y_true, y_pred, sample_weight = _check_targets(func, y_true, y_pred, sample_weight)
    score = y_true == y_pred
    if normalize:
        return float(np.average(score, weights=sample_weight))
    if sample_weight is not None:
        return float(np.dot(score, sample_weight))
    return float(np.sum(score.astype(np.float64)))


def confusion_matrix(y_true, y_pred, *, labels=None, sample_weight=None, normalize=None):
    """Matrix ``C`` with ``C[i, j]`` = weight of samples of class i predicted as j.

    Rows and columns follow ``labels`` (default: the sorted labels found in
    either array).  ``normalize`` in {'true', 'pred', 'all'} divides by row,
    column or grand totals; empty rows/columns give 0 rather than NaN.
    """
    func = "confusion_matrix"
    if normalize not in (None, "true", "pred", "all"):
        raise _error(func, f"normalize must be one of {{'true', 'pred', 'all', None}}, got {normalize!r}.")
    _, present, y_true, y_pred, sample_weight = _check_targets(func, y_true, y_pred, sample_weight)
    if labels is None:
        labels = present
    else:
        labels = np.asarray(labels)
        if labels.size == 0:
            raise _error(func, "'labels' should contain at least one label.")
        if not np.any(_label_indices(y_true, labels) >= 0):
            raise _error(func, f"At least one label specified must be in y_true; labels={labels.tolist()}.")
    n_labels = labels.shape[0]
    t = _label_indices(y_true, labels)
    p = _label_indices(y_pred, labels)
    keep = (t >= 0) & (p >= 0)  # samples outside `labels` are dropped
    weights = None if sample_weight is None else sample_weight[keep]
    cm = np.bincount(t[keep] * n_labels + p[keep], weights=weights, minlength=n_labels * n_labels)
    cm = cm.reshape(n_labels, n_labels)
    if sample_weight is None or sample_weight.dtype.kind in "iub":
        cm = cm.astype(np.int64)
    else:
        cm = cm.astype(np.float64)
    if normalize is not None:
        with np.errstate(all="ignore"):
            if normalize == "true":
                cm = cm / cm.sum(axis=1, keepdims=True)
            elif normalize == "pred":
                cm = cm / cm.sum(axis=0, keepdims=True)
            else:
                cm = cm / cm.sum()
        cm = np.nan_to_num(cm)
    if cm.shape == (1, 1):
        warnings.warn(
            "A single label was found in 'y_true' and 'y_pred'. For the confusion matrix to have "
            "the correct shape, use the 'labels' parameter to pass all known labels.",
            UserWarning,
            stacklevel=2,
        )
    return cm


def balanced_accuracy_score(y_true, y_pred, *, sample_weight=None, adjusted=False):
    """Mean of per-class recall.

    Every class counts equally however rare it is, so the always-majority
    classifier scores ``1 / n_classes`` instead of the majority fraction.
    With ``adjusted=True`` chance level is mapped to 0 and perfect to 1.
    """
    cm = _confusion_for(y_true, y_pred, sample_weight, "balanced_accuracy_score")
    with np.errstate(divide="ignore", invalid="ignore"):
        per_class = np.diag(cm) / cm.sum(axis=1)
    if np.any(np.isnan(per_class)):
        warnings.warn("y_pred contains classes not in y_true", UserWarning, stacklevel=2)
        per_class = per_class[~np.isnan(per_class)]
    score = np.mean(per_class)
    if adjusted:
        chance = 1 / per_class.shape[0]
        score -= chance
        score /= 1 - chance
    return float(score)


def _confusion_for(y_true, y_pred, sample_weight, func):
    _, present, y_true, y_pred, sample_weight = _check_targets(func, y_true, y_pred, sample_weight)
    n_labels = present.shape[0]
    t = np.searchsorted(present, y_true)
    p = np.searchsorted(present, y_pred)
    cm = np.bincount(t * n_labels + p, weights=sample_weight, minlength=n_labels * n_labels)
    return cm.reshape(n_labels, n_labels)


def matthews_corrcoef(y_true, y_pred, *, sample_weight=None):
    """Matthews correlation coefficient (multiclass R_K statistic).

    The correlation between the one-hot true and predicted labels: 1 is
    perfect, 0 is no better than chance, -1 is total disagreement.  It uses
    all four cells of the confusion matrix, so it cannot be gamed by the
    majority class; returns 0.0 when it is undefined (a constant predictor).
    """
    cm = _confusion_for(y_true, y_pred, sample_weight, "matthews_corrcoef")
    t_sum = cm.sum(axis=1, dtype=np.float64)
    p_sum = cm.sum(axis=0, dtype=np.float64)
    n_correct = np.trace(cm, dtype=np.float64)
    n_samples = p_sum.sum()
    cov_ytyp = n_correct * n_samples - np.dot(t_sum, p_sum)
    cov_ypyp = n_samples**2 - np.dot(p_sum, p_sum)
    cov_ytyt = n_samples**2 - np.dot(t_sum, t_sum)
    denominator = cov_ypyp * cov_ytyt
    if denominator == 0:
        return 0.0
    return float(cov_ytyp / np.sqrt(denominator))


_AVERAGE_OPTIONS = (None, "micro", "macro", "weighted", "samples")


def _warn_prf(average, modifier, msg_start, result_size):
    axis0, axis1 = "sample", "label"
    if average == "samples":
        axis0, axis1 = axis1, axis0
    msg = (
        f"{msg_start} ill-defined and being set to 0.0 {{0}} no {modifier} {axis0}s. "
        "Use `zero_division` parameter to control this behavior."
    )
    if result_size == 1:
        msg = msg.format("due to")
    else:
        msg = msg.format(f"in {axis1}s with")
    warnings.warn(msg, UndefinedMetricWarning, stacklevel=4)


def _prf_divide(numerator, denominator, metric, modifier, average, warn_for, zero_division, func):
    """Element-wise ``numerator / denominator`` with 0/0 replaced by ``zero_division``."""
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64).copy()
    mask = denominator == 0
    denominator[mask] = 1
    result = numerator / denominator
    if not mask.any():
        return result
    result[mask] = _check_zero_division(func, zero_division)
    if isinstance(zero_division, str) and zero_division == "warn" and metric in warn_for:
        _warn_prf(average, modifier, f"{metric.capitalize()} is", result.shape[0])
    return result


def _check_set_wise_labels(func, y_true, y_pred, average, labels, pos_label):
    if average not in _AVERAGE_OPTIONS and average != "binary":
        raise _error(func, f"average has to be one of {_AVERAGE_OPTIONS} or 'binary', got {average!r}.")
    y_type, present, _, _, _ = _check_targets(func, y_true, y_pred)
    if average == "binary":
        if y_type == "binary":
            if not _contains(present, pos_label) and len(present) >= 2:
                raise _error(func, f"pos_label={pos_label!r} is not a valid label. It should be one of {present}")
            return [pos_label]
        options = [o for o in _AVERAGE_OPTIONS if o != "samples"]
        raise _error(
            func,
            f"Target is {y_type} but average='binary'. Please choose another average setting, one of {options!r}.",
        )
    if pos_label not in (None, 1):
        warnings.warn(
            f"Note that pos_label (set to {pos_label!r}) is ignored when average != 'binary' (got {average!r}). "
            "You may use labels=[pos_label] to specify a single positive class.",
            UserWarning,
            stacklevel=3,
        )
    return labels


def precision_recall_fscore_support(
    y_true,
    y_pred,
    *,
    beta=1.0,
    labels=None,
    pos_label=1,
    average=None,
    warn_for=("precision", "recall", "f-score"),
    sample_weight=None,
    zero_division="warn",
):
    """Precision, recall, F-beta and support, per label or averaged.

    ``average``: 'binary' (only ``pos_label``), 'micro' (pool all counts),
    'macro' (unweighted mean over labels: rare classes count as much as
    common ones, which is what you want under imbalance), 'weighted' (mean
    weighted by support: dominated by the majority class) or None
    (per-label arrays).  ``zero_division`` chooses the value used for 0/0:
    'warn' (0 and an :class:`UndefinedMetricWarning`), 0, 1 or ``np.nan``
    (NaNs are then ignored by the averages).
    """
    return _prfs(
        "precision_recall_fscore_support",
        y_true,
        y_pred,
        beta=beta,
        labels=labels,
        pos_label=pos_label,
        average=average,
        warn_for=warn_for,
        sample_weight=sample_weight,
        zero_division=zero_division,
    )


def _prfs(func, y_true, y_pred, *, beta, labels, pos_label, average, warn_for, sample_weight, zero_division):
    _check_zero_division(func, zero_division)
    if not isinstance(beta, Real) or beta < 0 or math.isnan(beta):
        raise _error(func, f"The 'beta' parameter must be a float in the range [0, inf]. Got {beta!r} instead.")
    labels = _check_set_wise_labels(func, y_true, y_pred, average, labels, pos_label)
    if average == "samples":
        raise _error(func, "Samplewise metrics are not available outside of multilabel classification.")
    _, present, y_true, y_pred, sample_weight = _check_targets(func, y_true, y_pred, sample_weight)
    if labels is None:
        labels = present
    tp_sum, pred_sum, true_sum = _per_label_counts(func, y_true, y_pred, sample_weight, labels, present)

    if average == "micro":
        tp_sum = np.array([tp_sum.sum()])
        pred_sum = np.array([pred_sum.sum()])
        true_sum = np.array([true_sum.sum()])

    precision = _prf_divide(tp_sum, pred_sum, "precision", "predicted", average, warn_for, zero_division, func)
    recall = _prf_divide(tp_sum, true_sum, "recall", "true", average, warn_for, zero_division, func)
    if np.isposinf(beta):
        f_score = recall
    elif beta == 0:
        f_score = precision
    else:
        beta2 = beta**2
        denom = beta2 * true_sum.astype(np.float64) + pred_sum.astype(np.float64)
        f_score = _prf_divide(
            (1 + beta2) * tp_sum.astype(np.float64),
            denom,
            "f-score",
            "true nor predicted",
            average,
            warn_for,
            zero_division,
            func,
        )

    if average is None:
        return precision, recall, f_score, true_sum
    weights = true_sum if average == "weighted" else None
    return (
        _nanaverage(precision, weights),
        _nanaverage(recall, weights),
        _nanaverage(f_score, weights),
        None,
    )


def precision_score(
    y_true, y_pred, *, labels=None, pos_label=1, average="binary", sample_weight=None, zero_division="warn"
):
    """Precision ``tp / (tp + fp)``: of the samples flagged, how many were right."""
    p, _, _, _ = _prfs(
        "precision_score",
        y_true,
        y_pred,
        labels=labels,
        pos_label=pos_label,
        average=average,
        beta=1.0,
        warn_for=("precision",),
        sample_weight=sample_weight,
        zero_division=zero_division,
    )
    return p


def recall_score(
    y_true, y_pred, *, labels=None, pos_label=1, average="binary", sample_weight=None, zero_division="warn"
):
    """Recall ``tp / (tp + fn)``: of the real positives, how many were found."""
    _, r, _, _ = _prfs(
        "recall_score",
        y_true,
        y_pred,
        labels=labels,
        pos_label=pos_label,
        average=average,
        beta=1.0,
        warn_for=("recall",),
        sample_weight=sample_weight,
        zero_division=zero_division,
    )
    return r


def fbeta_score(
    y_true,
    y_pred,
    *,
    beta,
    labels=None,
    pos_label=1,
    average="binary",
    sample_weight=None,
    zero_division="warn",
):
    """Weighted harmonic mean of precision and recall; recall counts ``beta`` times as much."""
    return _fbeta("fbeta_score", y_true, y_pred, beta, labels, pos_label, average, sample_weight, zero_division)


def _fbeta(func, y_true, y_pred, beta, labels, pos_label, average, sample_weight, zero_division):
    _, _, f, _ = _prfs(
        func,
        y_true,
        y_pred,
        beta=beta,
        labels=labels,
        pos_label=pos_label,
        average=average,
        warn_for=("f-score",),
        sample_weight=sample_weight,
        zero_division=zero_division,
    )
    return f


def f1_score(
    y_true, y_pred, *, labels=None, pos_label=1, average="binary", sample_weight=None, zero_division="warn"
):
    """Harmonic mean of precision and recall (``fbeta_score`` with ``beta=1``)."""
    return _fbeta("f1_score", y_true, y_pred, 1, labels, pos_label, average, sample_weight, zero_division)


def classification_report(
    y_true,
    y_pred,
    *,
    labels=None,
    target_names=None,
    sample_weight=None,
    digits=2,
    output_dict=False,
    zero_division="warn",
):
    """Text (or dict) table of per-class precision/recall/F1/support plus averages.

    The 'micro avg' row is printed as 'accuracy' when every label is
    reported, because micro-averaged precision equals accuracy then.
    """
    func = "classification_report"
    y_type, present, y_true, y_pred, sample_weight = _check_targets(func, y_true, y_pred, sample_weight)
    if labels is None:
        labels = present
        labels_given = False
    else:
        labels = np.asarray(labels)
        labels_given = True
    micro_is_accuracy = (not labels_given) or set(labels.tolist()) >= set(present.tolist())
    if target_names is not None and len(labels) != len(target_names):
        if labels_given:
            warnings.warn(
                f"labels size, {len(labels)}, does not match size of target_names, {len(target_names)}",
                UserWarning,
                stacklevel=2,
            )
        else:
            raise _error(
                func,
                f"Number of classes, {len(labels)}, does not match size of target_names, "
                f"{len(target_names)}. Try specifying the labels parameter",
            )
    if target_names is None:
        target_names = ["%s" % label for label in labels]

    headers = ["precision", "recall", "f1-score", "support"]
    common = dict(beta=1.0, labels=labels, pos_label=1, sample_weight=sample_weight, zero_division=zero_division)
    warn_all = ("precision", "recall", "f-score")
    p, r, f1, s = _prfs(func, y_true, y_pred, average=None, warn_for=warn_all, **common)
    rows = zip(target_names, p, r, f1, s)

    if output_dict:
        report_dict = {row[0]: dict(zip(headers, [float(v) for v in row[1:]])) for row in rows}
    else:
        width = max(max(len(name) for name in target_names), len("weighted avg"), digits)
        head_fmt = "{:>{width}s} " + " {:>9}" * len(headers)
        report = head_fmt.format("", *headers, width=width) + "\n\n"
        row_fmt = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}\n"
        for row in rows:
            report += row_fmt.format(*row, width=width, digits=digits)
        report += "\n"

    for average in ("micro", "macro", "weighted"):
        heading = "accuracy" if (average == "micro" and micro_is_accuracy) else average + " avg"
        avg_p, avg_r, avg_f1, _ = _prfs(func, y_true, y_pred, average=average, warn_for=warn_all, **common)
        avg = [avg_p, avg_r, avg_f1, np.sum(s)]
        if output_dict:
            report_dict[heading] = dict(zip(headers, [float(v) for v in avg]))
        elif heading == "accuracy":
            acc_fmt = "{:>{width}s} " + " {:>9.{digits}}" * 2 + " {:>9.{digits}f}" + " {:>9}\n"
            report += acc_fmt.format(heading, "", "", *avg[2:], width=width, digits=digits)
        else:
            report += row_fmt.format(heading, *avg, width=width, digits=digits)

    if output_dict:
        if "accuracy" in report_dict:
            report_dict["accuracy"] = report_dict["accuracy"]["precision"]
        return report_dict
    return report


# --------------------------------------------------------------------------
# imbalanced-learn metrics
# --------------------------------------------------------------------------


def sensitivity_specificity_support(
    y_true,
    y_pred,
    *,
    labels=None,
    pos_label=1,
    average=None,
    warn_for=("sensitivity", "specificity"),
    sample_weight=None,
):
    """Per-class sensitivity (recall) and specificity (true-negative rate), as imbalanced-learn.

    Specificity of class c is ``tn / (tn + fp)`` in the one-vs-rest view of c.
    Unlike imbalanced-learn, the true-negative count honours
    ``sample_weight`` (imblearn subtracts weighted counts from the unweighted
    number of samples).
    """
    return _sens_spec(
        "sensitivity_specificity_support", y_true, y_pred, labels, pos_label, average, warn_for, sample_weight
    )


def _sens_spec(func, y_true, y_pred, labels, pos_label, average, warn_for, sample_weight):
    if average not in _AVERAGE_OPTIONS and average != "binary":
        raise _error(func, f"average has to be one of {_AVERAGE_OPTIONS} or 'binary', got {average!r}.")
    y_type, present, y_true, y_pred, sample_weight = _check_targets(func, y_true, y_pred, sample_weight)
    if average == "binary":
        if y_type != "binary":
            raise _error(func, f"Target is {y_type} but average='binary'. Please choose another average setting.")
        if not _contains(present, pos_label):
            if len(present) < 2:
                return 0.0, 0.0, 0
            raise _error(func, f"pos_label={pos_label!r} is not a valid label: {present!r}")
        labels = [pos_label]
    elif pos_label not in (None, 1):
        warnings.warn(
            f"Note that pos_label (set to {pos_label!r}) is ignored when average != 'binary' (got {average!r}). "
            "You may use labels=[pos_label] to specify a single positive class.",
            UserWarning,
            stacklevel=2,
        )
    if average == "samples":
        raise _error(
            func,
            "Sample-based precision, recall, fscore is not meaningful outside multilabel classification. "
            "See the accuracy_score instead.",
        )
    if labels is None:
        labels = present
    tp_sum, pred_sum, true_sum = _per_label_counts(
        func, y_true, y_pred, sample_weight, labels, present, float_if_no_hit=False
    )
    total = y_true.shape[0] if sample_weight is None else np.sum(sample_weight)
    tn_sum = total - (pred_sum + true_sum - tp_sum)
    if average == "micro":
        tp_sum = np.array([tp_sum.sum()])
        pred_sum = np.array([pred_sum.sum()])
        true_sum = np.array([true_sum.sum()])
        tn_sum = np.array([tn_sum.sum()])
    specificity = _prf_divide(
        tn_sum, tn_sum + pred_sum - tp_sum, "specificity", "predicted", average, warn_for, "warn", func
    )
    sensitivity = _prf_divide(tp_sum, true_sum, "sensitivity", "true", average, warn_for, "warn", func)
    if average is None:
        return sensitivity, specificity, true_sum
    weights = None
    if average == "weighted":
        weights = true_sum
        if weights.sum() == 0:
            return 0, 0, None
    return float(np.average(sensitivity, weights=weights)), float(np.average(specificity, weights=weights)), None


def geometric_mean_score(
    y_true, y_pred, *, labels=None, pos_label=1, average="multiclass", sample_weight=None, correction=0.0
):
    """Geometric mean of per-class recalls (imbalanced-learn's definition).

    With the default ``average='multiclass'`` this is
    ``(prod_c recall_c) ** (1 / n_classes)``.  A product is harsh on purpose:
    a single class with zero recall sends the score to 0 (unless
    ``correction`` replaces zero recalls), so a model cannot hide a
    forgotten minority class behind a good majority class.  Other
    ``average`` values give ``sqrt(sensitivity * specificity)`` per class
    (one-vs-rest), averaged as in :func:`sensitivity_specificity_support`.
    """
    func = "geometric_mean_score"
    if average is None or average != "multiclass":
        sen, spe, _ = _sens_spec(
            func, y_true, y_pred, labels, pos_label, average, ("specificity", "specificity"), sample_weight
        )
        result = np.sqrt(np.asarray(sen) * np.asarray(spe))
        return result if average is None else float(result)
    # imbalanced-learn accepts all-zero weights here (every recall is then
    # 0/0 -> 0); so do we, to return the same number.
    _, present, y_true, y_pred, sample_weight = _check_targets(
        func, y_true, y_pred, sample_weight, allow_all_zero_weights=True
    )
    if labels is None:
        labels = present
    tp_sum, _, true_sum = _per_label_counts(func, y_true, y_pred, sample_weight, labels, present)
    recall = _prf_divide(tp_sum, true_sum, "recall", "true", None, "recall", "warn", func)
    recall[recall == 0] = correction
    with np.errstate(divide="ignore"):
        return float(np.exp(np.mean(np.log(recall))))


# --------------------------------------------------------------------------
# Ranking metrics (scores, not hard labels)
# --------------------------------------------------------------------------


def auc(x, y):
    """Area under a curve given by points (x, y), by the trapezoidal rule.

    ``x`` must be monotonic (increasing or decreasing).
    """
    func = "auc"
    _check_consistent_length(func, x=x, y=y)
    x = _column_or_1d(func, x, "x")
    y = _column_or_1d(func, y, "y")
    if x.shape[0] < 2:
        raise _error(func, f"At least 2 points are needed to compute area under curve, but x.shape = {x.shape[0]}")
    direction = 1
    dx = np.diff(x)
    if np.any(dx < 0):
        if np.all(dx <= 0):
            direction = -1
        else:
            raise _error(func, f"x is neither increasing nor decreasing : {x}.")
    area = (dx * (y[1:] + y[:-1]) / 2.0).sum()
    return float(direction * area)


def _check_pos_label_consistency(func, pos_label, y_true):
    if pos_label is not None:
        return pos_label
    classes = np.unique(y_true)
    ok = (
        classes.dtype.kind not in _STRING_KINDS
        and classes.shape[0] <= 2
        and any(
            classes.shape[0] == len(ref) and np.all(classes == np.asarray(ref))
            for ref in ([0, 1], [-1, 1], [0], [-1], [1])
        )
    )
    if not ok:
        shown = ", ".join(repr(c) for c in classes.tolist())
        raise _error(
            func,
            f"y_true takes value in {{{shown}}} and pos_label is not specified: either make y_true take "
            "value in {0, 1} or {-1, 1} or pass pos_label explicitly.",
        )
    return 1


def _binary_clf_curve(func, y_true, y_score, pos_label=None, sample_weight=None):
    """Cumulative false/true positive counts at each distinct score threshold.

    Scores are sorted in decreasing order; a threshold sits at the *end* of
    each run of tied scores, so tied samples always switch class together.
    That is what makes the resulting curves (and AUCs) correct with ties.
    """
    y_type = type_of_target(y_true, "y_true", func)
    if not (y_type == "binary" or (y_type == "multiclass" and pos_label is not None)):
        raise _error(func, f"{y_type} format is not supported")
    _check_consistent_length(func, y_true=y_true, y_score=y_score, sample_weight=sample_weight)
    y_true = _column_or_1d(func, y_true, "y_true")
    y_score = _column_or_1d(func, y_score, "y_score")
    pos_label = _check_pos_label_consistency(func, pos_label, y_true)
    y_true = (y_true == pos_label).astype(np.int64)
    _assert_all_finite(func, y_score, "y_score")
    if y_score.dtype.kind == "b":
        y_score = y_score.astype(np.int64)
    weight = None
    if sample_weight is not None:
        weight = _check_sample_weight(func, sample_weight, y_true.shape[0], force_float=True)
        nonzero = weight != 0
        y_true, y_score, weight = y_true[nonzero], y_score[nonzero], weight[nonzero]

    order = np.argsort(y_score, kind="stable")[::-1]
    y_score = y_score[order]
    y_true = y_true[order].astype(np.float64)
    distinct = np.flatnonzero(np.diff(y_score))
    threshold_idxs = np.concatenate([distinct, [y_true.shape[0] - 1]]).astype(np.int64)
    if weight is None:
        tps = np.cumsum(y_true)[threshold_idxs]
        fps = 1 + threshold_idxs.astype(np.float64) - tps
    else:
        weight = weight[order]
        tps = np.cumsum(y_true * weight, dtype=np.float64)[threshold_idxs]
        fps = np.cumsum((1 - y_true) * weight, dtype=np.float64)[threshold_idxs]
    return fps, tps, y_score[threshold_idxs]


def roc_curve(y_true, y_score, *, pos_label=None, sample_weight=None, drop_intermediate=True):
    """Receiver operating characteristic: (fpr, tpr, thresholds).

    ``thresholds[0]`` is ``inf`` (nothing predicted positive).  With
    ``drop_intermediate`` collinear points are removed; the area is unchanged.
    """
    return _roc_curve("roc_curve", y_true, y_score, pos_label, sample_weight, drop_intermediate)


def _roc_curve(func, y_true, y_score, pos_label=None, sample_weight=None, drop_intermediate=True):
    fps, tps, thresholds = _binary_clf_curve(func, y_true, y_score, pos_label, sample_weight)
    if drop_intermediate and fps.shape[0] > 2:
        keep = np.flatnonzero(
            np.concatenate([[True], np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), [True]])
        )
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    tps = np.concatenate([[0.0], tps])
    fps = np.concatenate([[0.0], fps])
    thresholds = np.concatenate([[np.inf], thresholds.astype(np.float64)])
    if fps[-1] <= 0:
        warnings.warn(
            "No negative samples in y_true, false positive value should be meaningless",
            UndefinedMetricWarning,
            stacklevel=2,
        )
        fpr = np.full(fps.shape, np.nan)
    else:
        fpr = fps / fps[-1]
    if tps[-1] <= 0:
        warnings.warn(
            "No positive samples in y_true, true positive value should be meaningless",
            UndefinedMetricWarning,
            stacklevel=2,
        )
        tpr = np.full(tps.shape, np.nan)
    else:
        tpr = tps / tps[-1]
    return fpr, tpr, thresholds


def precision_recall_curve(y_true, y_score, *, pos_label=None, sample_weight=None, drop_intermediate=False):
    """Precision-recall pairs for decreasing thresholds: (precision, recall, thresholds).

    The last point is (precision=1, recall=0) and has no threshold, as in
    scikit-learn; recall is decreasing along the arrays.
    """
    return _precision_recall_curve(
        "precision_recall_curve", y_true, y_score, pos_label, sample_weight, drop_intermediate
    )


def _precision_recall_curve(func, y_true, y_score, pos_label=None, sample_weight=None, drop_intermediate=False):
    fps, tps, thresholds = _binary_clf_curve(func, y_true, y_score, pos_label, sample_weight)
    if drop_intermediate and fps.shape[0] > 2:
        keep = np.flatnonzero(
            np.concatenate([[True], np.logical_or(np.diff(tps[:-1]), np.diff(tps[1:])), [True]])
        )
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    ps = tps + fps
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(ps != 0, tps / np.where(ps != 0, ps, 1), 0.0)
    if tps[-1] == 0:
        warnings.warn(
            "No positive class found in y_true, recall is set to one for all thresholds.",
            UserWarning,
            stacklevel=2,
        )
        recall = np.ones(tps.shape)
    else:
        recall = tps / tps[-1]
    return (
        np.concatenate([precision[::-1], [1.0]]),
        np.concatenate([recall[::-1], [0.0]]),
        thresholds[::-1],
    )


def _label_binarize(y, classes):
    """One-hot matrix with a column per entry of ``classes`` (int64)."""
    idx = _label_indices(y, classes)
    out = np.zeros((y.shape[0], len(classes)), dtype=np.int64)
    rows = np.flatnonzero(idx >= 0)
    out[rows, idx[rows]] = 1
    return out


def _average_binary_score(func, binary_metric, y_true, y_score, average, sample_weight=None):
    """Apply a binary ranking metric per column of an indicator matrix and average."""
    if average not in _AVERAGE_OPTIONS:
        raise _error(func, f"average has to be one of {_AVERAGE_OPTIONS}, got {average!r}.")
    y_type = type_of_target(y_true, "y_true", func)
    if y_type not in ("binary", "multilabel-indicator"):
        raise _error(func, f"{y_type} format is not supported")
    if y_type == "binary":
        return binary_metric(y_true, y_score, sample_weight=sample_weight)
    _check_consistent_length(func, y_true=y_true, y_score=y_score, sample_weight=sample_weight)
    y_true = np.asarray(y_true)
    y_score = np.asarray(y_score)
    if y_score.ndim != 2 or y_score.shape[1] != y_true.shape[1]:
        raise _error(func, f"y_score of shape {y_score.shape} does not match y_true of shape {y_true.shape}.")
    not_average_axis = 1
    score_weight = sample_weight
    average_weight = None
    if average == "micro":
        if score_weight is not None:
            score_weight = np.repeat(score_weight, y_true.shape[1])
        y_true = y_true.ravel()
        y_score = y_score.ravel()
    elif average == "weighted":
        if score_weight is not None:
            average_weight = np.sum(y_true * np.reshape(score_weight, (-1, 1)), axis=0)
        else:
            average_weight = np.sum(y_true, axis=0)
        if np.isclose(np.sum(average_weight), 0):
            return 0
    elif average == "samples":
        average_weight = score_weight
        score_weight = None
        not_average_axis = 0
    if y_true.ndim == 1:
        y_true = y_true.reshape(-1, 1)
    if y_score.ndim == 1:
        y_score = y_score.reshape(-1, 1)
    n_parts = y_score.shape[not_average_axis]
    score = np.zeros(n_parts)
    for c in range(n_parts):
        yt = np.take(y_true, [c], axis=not_average_axis).ravel()
        ys = np.take(y_score, [c], axis=not_average_axis).ravel()
        score[c] = binary_metric(yt, ys, sample_weight=score_weight)
    if average is None:
        return score
    if average_weight is not None:
        score[average_weight == 0] = 0
    return float(np.average(score, weights=average_weight))


def average_precision_score(y_true, y_score, *, average="macro", pos_label=1, sample_weight=None):
    """Average precision (AP), the step-wise area under the precision-recall curve.

    ``AP = sum_n (R_n - R_{n-1}) P_n`` with no interpolation.  Prefer it to
    ROC-AUC when positives are rare: a random ranking scores the positive
    prevalence (e.g. 0.01), not 0.5, and every false alarm ranked above a
    true positive costs precision directly instead of being diluted by the
    size of the negative class.  Multiclass targets are scored one-vs-rest.
    """
    func = "average_precision_score"
    if average not in (None, "micro", "macro", "weighted", "samples"):
        raise _error(func, f"average must be one of {{'micro', 'samples', 'weighted', 'macro'}} or None, got {average!r}.")
    y_score = np.asarray(y_score)
    if sample_weight is not None:
        sample_weight = _column_or_1d(func, sample_weight, "sample_weight")

    def _binary_ap(y, s, sample_weight=None):
        precision, recall, _ = _precision_recall_curve(func, y, s, pos_label, sample_weight)
        return float(max(0.0, -np.sum(np.diff(recall) * precision[:-1])))

    y_type = type_of_target(y_true, "y_true", func)
    y_true = np.asarray(y_true)
    present = np.unique(y_true)
    if y_type == "binary":
        if present.shape[0] == 2 and not _contains(present, pos_label):
            raise _error(func, f"pos_label={pos_label!r} is not a valid label. It should be one of {present}")
    elif y_type == "multilabel-indicator" and pos_label != 1:
        raise _error(
            func,
            "Parameter pos_label is fixed to 1 for multilabel-indicator y_true. Do not set pos_label or set pos_label to 1.",
        )
    elif y_type == "multiclass":
        if pos_label != 1:
            raise _error(
                func,
                "Parameter pos_label is fixed to 1 for multiclass y_true. Do not set pos_label or set pos_label to 1.",
            )
        y_true = _label_binarize(_column_or_1d(func, y_true, "y_true"), present)
        if y_score.shape != y_true.shape:
            raise _error(
                func,
                "`y_score` needs to be of shape `(n_samples, n_classes)`, since `y_true` contains multiple "
                f"classes. Got `y_score.shape={y_score.shape}`.",
            )
    return _average_binary_score(func, _binary_ap, y_true, y_score, average, sample_weight=sample_weight)


def _binary_roc_auc(y_true, y_score, sample_weight=None, max_fpr=None, func="roc_auc_score"):
    if len(np.unique(y_true)) != 2:
        warnings.warn(
            "Only one class is present in y_true. ROC AUC score is not defined in that case.",
            UndefinedMetricWarning,
            stacklevel=3,
        )
        return math.nan
    fpr, tpr, _ = _roc_curve(func, y_true, y_score, sample_weight=sample_weight)
    if max_fpr is None or max_fpr == 1:
        return auc(fpr, tpr)
    # McClish-standardised partial AUC over [0, max_fpr]: interpolate the
    # curve at max_fpr, integrate, then rescale so that 0.5 is chance.
    stop = np.searchsorted(fpr, max_fpr, "right")
    x_interp = [fpr[stop - 1], fpr[stop]]
    y_interp = [tpr[stop - 1], tpr[stop]]
    tpr = np.append(tpr[:stop], np.interp(max_fpr, x_interp, y_interp))
    fpr = np.append(fpr[:stop], max_fpr)
    partial = auc(fpr, tpr)
    min_area = 0.5 * max_fpr**2
    max_area = max_fpr
    return float(0.5 * (1 + (partial - min_area) / (max_area - min_area)))


def roc_auc_score(
    y_true, y_score, *, average="macro", sample_weight=None, max_fpr=None, multi_class="raise", labels=None
):
    """Area under the ROC curve: P(score of a random positive > score of a random negative).

    Ties count one half, which the threshold construction handles exactly.
    Multiclass needs probability rows and ``multi_class`` 'ovr' (each class
    against the rest) or 'ovo' (Hand & Till: average over class pairs,
    insensitive to class imbalance).  Returns ``nan`` with an
    :class:`UndefinedMetricWarning` when ``y_true`` has a single class (as
    scikit-learn >= 1.8 does).

    Under heavy imbalance ROC-AUC can look excellent while precision is
    terrible; report :func:`average_precision_score` alongside it.
    """
    func = "roc_auc_score"
    if average not in (None, "micro", "macro", "samples", "weighted"):
        raise _error(func, f"average must be one of {{'micro', 'macro', 'samples', 'weighted'}} or None, got {average!r}.")
    if multi_class not in ("raise", "ovr", "ovo"):
        raise _error(func, f"multi_class must be one of {{'raise', 'ovr', 'ovo'}}, got {multi_class!r}.")
    if max_fpr is not None and not (isinstance(max_fpr, Real) and 0 < max_fpr <= 1):
        raise _error(func, f"Expected max_fpr in range (0, 1], got: {max_fpr!r}")
    y_type = type_of_target(y_true, "y_true", func)
    y_true = np.asarray(y_true)
    y_score = np.asarray(y_score)
    if y_score.dtype.kind not in "fiub":
        try:
            y_score = y_score.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise _error(func, f"y_score must be numeric, got dtype {y_score.dtype}.") from exc
    if y_score.ndim > 2:
        raise _error(func, f"Found array with dim {y_score.ndim}. Expected <= 2.")
    _assert_all_finite(func, y_score, "y_score")
    if sample_weight is not None:
        sample_weight = _column_or_1d(func, sample_weight, "sample_weight")

    if y_type == "multiclass" or (y_type == "binary" and y_score.ndim == 2 and y_score.shape[1] > 2):
        if max_fpr is not None and max_fpr != 1.0:
            raise _error(
                func,
                "Partial AUC computation not available in multiclass setting, 'max_fpr' must be set to `None`, "
                f"received `max_fpr={max_fpr}` instead",
            )
        if multi_class == "raise":
            raise _error(func, "multi_class must be in ('ovo', 'ovr')")
        return _multiclass_roc_auc(func, y_true, y_score, labels, multi_class, average, sample_weight)

    def metric(y, s, sample_weight=None):
        return _binary_roc_auc(y, s, sample_weight=sample_weight, max_fpr=max_fpr)

    if y_type == "binary":
        y_flat = _column_or_1d(func, y_true, "y_true")
        classes = np.unique(y_flat)
        # The larger label is the positive class, as in label_binarize.
        y_bin = (y_flat == classes[-1]).astype(np.int64) if classes.shape[0] == 2 else np.zeros(y_flat.shape[0], np.int64)
        return _average_binary_score(func, metric, y_bin, y_score, average, sample_weight=sample_weight)
    return _average_binary_score(func, metric, y_true, y_score, average, sample_weight=sample_weight)


def _multiclass_roc_auc(func, y_true, y_score, labels, multi_class, average, sample_weight):
    if y_score.ndim != 2:
        raise _error(
            func,
            "`y_score` needs to be of shape `(n_samples, n_classes)`, since `y_true` contains multiple classes. "
            f"Got `y_score.shape={y_score.shape}`.",
        )
    if not np.allclose(1, y_score.sum(axis=1)):
        raise _error(
            func,
            "Target scores need to be probabilities for multiclass roc_auc, i.e. they should sum up to 1.0 over classes",
        )
    options = ("macro", "weighted", None)
    if multi_class == "ovr":
        options = ("micro",) + options
    if average not in options:
        raise _error(func, f"average must be one of {options} for multiclass problems")
    if average is None and multi_class == "ovo":
        raise NotImplementedError(f"{func}: average=None is not implemented for multi_class='ovo'.")
    y_true = _column_or_1d(func, y_true, "y_true")
    if labels is not None:
        labels = _column_or_1d(func, labels, "labels")
        classes = np.unique(labels)
        if len(classes) != len(labels):
            raise _error(func, "Parameter 'labels' must be unique")
        if not np.array_equal(classes, labels):
            raise _error(func, "Parameter 'labels' must be ordered")
        if len(classes) != y_score.shape[1]:
            raise _error(
                func,
                f"Number of given labels, {len(classes)}, not equal to the number of columns in 'y_score', {y_score.shape[1]}",
            )
        if np.any(_label_indices(y_true, classes) < 0):
            raise _error(func, "'y_true' contains labels not in parameter 'labels'")
    else:
        classes = np.unique(y_true)
        if len(classes) != y_score.shape[1]:
            raise _error(
                func,
                f"Number of classes in y_true ({len(classes)}) not equal to the number of columns in 'y_score' ({y_score.shape[1]})",
            )
    _check_consistent_length(func, y_true=y_true, y_score=y_score, sample_weight=sample_weight)
    if multi_class == "ovo":
        if sample_weight is not None:
            raise _error(
                func,
                "sample_weight is not supported for multiclass one-vs-one ROC AUC, 'sample_weight' must be None in this case.",
            )
        encoded = _label_indices(y_true, classes)
        present = np.unique(encoded)
        n_present = present.shape[0]
        if n_present < 2:
            # No pair of classes to compare. scikit-learn returns nan for 'macro' (after NumPy's
            # empty-mean warning) and, for 'weighted', fails inside np.average (ZeroDivisionError).
            if average == "weighted":
                raise _error(
                    func,
                    f"only one class ({classes[present[0]]!r}) is present in y_true, so no one-vs-one "
                    "pair exists and the prevalence-weighted average is undefined",
                )
            warnings.warn(
                f"{func}: only one class is present in y_true; one-vs-one ROC AUC is undefined (nan)",
                UndefinedMetricWarning,
                stacklevel=2,
            )
            return float("nan")
        pair_scores = np.empty(n_present * (n_present - 1) // 2)
        prevalence = np.empty_like(pair_scores) if average == "weighted" else None
        for ix, (a, b) in enumerate(combinations(present, 2)):
            a_mask = encoded == a
            b_mask = encoded == b
            ab_mask = a_mask | b_mask
            if prevalence is not None:
                prevalence[ix] = np.average(ab_mask)
            a_score = _binary_roc_auc(a_mask[ab_mask], y_score[ab_mask, a])
            b_score = _binary_roc_auc(b_mask[ab_mask], y_score[ab_mask, b])
            pair_scores[ix] = (a_score + b_score) / 2
        return float(np.average(pair_scores, weights=prevalence))
    onehot = _label_binarize(y_true, classes)
    return _average_binary_score(func, _binary_roc_auc, onehot, y_score, average, sample_weight=sample_weight)


# --------------------------------------------------------------------------
# Probabilistic loss
# --------------------------------------------------------------------------


def log_loss(y_true, y_proba=None, *, normalize=True, sample_weight=None, labels=None, y_pred=None):
    """Cross-entropy of predicted probabilities, ``-mean(sum_k y_k log p_k)``.

    Probabilities are clipped to ``[eps, 1 - eps]`` with ``eps`` the machine
    epsilon of their dtype, as scikit-learn >= 1.5 does: a confident wrong
    prediction costs ``-log(eps)`` (about 36 in float64) instead of infinity.
    A 1-D ``y_proba`` is read as P(positive) for a binary problem.  The
    second argument is called ``y_proba`` as in scikit-learn 1.9; the older
    keyword ``y_pred`` is accepted as an alias.
    """
    func = "log_loss"
    if y_pred is not None:
        if y_proba is not None:
            raise _error(func, "Cannot use both `y_pred` and `y_proba`; pass only `y_proba`.")
        y_proba = y_pred
    if y_proba is None:
        raise _error(func, "y_proba is required.")
    y_proba = np.asarray(y_proba)
    if y_proba.dtype not in (np.float64, np.float32, np.float16):
        try:
            y_proba = y_proba.astype(np.float64)
        except (TypeError, ValueError) as exc:
            raise _error(func, f"y_proba must be numeric, got dtype {y_proba.dtype}.") from exc
    if y_proba.ndim not in (1, 2):
        raise _error(func, f"Found array with dim {y_proba.ndim}. Expected <= 2.")
    if y_proba.shape[0] == 0:
        raise _error(func, "Found array with 0 sample(s) (shape=(0,)) while a minimum of 1 is required.")
    _assert_all_finite(func, y_proba, "y_proba")
    if y_proba.max() > 1:
        raise _error(func, f"y_prob contains values greater than 1: {y_proba.max()}")
    if y_proba.min() < 0:
        raise _error(func, f"y_prob contains values lower than 0: {y_proba.min()}")
    _check_consistent_length(func, y_proba=y_proba, y_true=y_true, sample_weight=sample_weight)
    if sample_weight is not None:
        sample_weight = _check_sample_weight(func, sample_weight, y_proba.shape[0])

    y_true = np.asarray(y_true)
    onehot = _encode_log_loss_targets(func, y_true, labels)

    if y_proba.ndim == 1:
        y_proba = y_proba[:, np.newaxis]
    if y_proba.shape[1] == 1:
        y_proba = np.concatenate([1 - y_proba, y_proba], axis=1)
    eps = np.finfo(y_proba.dtype).eps
    if not np.all(np.isclose(y_proba.sum(axis=1), 1, rtol=math.sqrt(eps))):
        warnings.warn(
            "The y_prob values do not sum to one. Make sure to pass probabilities.", UserWarning, stacklevel=2
        )
    if onehot.shape[1] != y_proba.shape[1]:
        if labels is None:
            raise _error(
                func,
                f"y_true and y_prob contain different number of classes: {onehot.shape[1]} vs {y_proba.shape[1]}. "
                "Please provide the true labels explicitly through the labels argument.",
            )
        raise _error(
            func,
            f"The number of classes in labels ({onehot.shape[1]}) is different from that in y_prob ({y_proba.shape[1]}).",
        )
    y_proba = np.clip(y_proba, eps, 1 - eps)
    # 0 * log(p) is exactly 0 here because p >= eps > 0, so no xlogy needed.
    loss = -np.sum(onehot.astype(y_proba.dtype) * np.log(y_proba), axis=1)
    if normalize:
        return float(np.average(loss, weights=sample_weight))
    if sample_weight is not None:
        return float(np.dot(loss, sample_weight))
    return float(np.sum(loss))


def _encode_log_loss_targets(func, y_true, labels):
    """One-hot encode ``y_true`` against ``labels`` (or its own classes)."""
    if y_true.ndim == 2 and y_true.shape[1] > 1:
        raise _error(func, f"y_true must be 1d class labels, got shape {y_true.shape}.")
    y_true = _column_or_1d(func, y_true, "y_true")
    source = y_true if labels is None else np.asarray(labels)
    source_type = type_of_target(source, "labels" if labels is not None else "y_true", func)
    if source_type not in ("binary", "multiclass"):
        raise _error(func, f"Unknown label type: {source_type}; expected class labels.")
    classes = np.unique(source)
    if labels is not None:
        if classes.shape != np.asarray(labels).shape or not np.all(classes == np.asarray(labels)):
            warnings.warn(
                f"Labels passed were {np.asarray(labels)}. But this function assumes labels are ordered "
                f"lexicographically. Pass the ordered labels={classes.tolist()} and ensure that the columns of "
                "y_prob correspond to this ordering.",
                UserWarning,
                stacklevel=3,
            )
        missing = _label_indices(y_true, classes) < 0
        if np.any(missing):
            raise _error(
                func,
                f"y_true contains values {set(y_true[missing].tolist())} not belonging to the passed labels {np.asarray(labels)}.",
            )
    if classes.shape[0] == 1:
        if labels is None:
            raise _error(
                func,
                f"y_true contains only one label ({classes[0]}). Please provide the list of all expected class "
                "labels explicitly through the labels argument.",
            )
        raise _error(func, f"The labels array needs to contain at least two labels, got {classes}.")
    return _label_binarize(y_true, classes)
