"""Metrics of hard class labels (and ``log_loss`` of class probabilities), as ``sklearn.metrics``."""

from __future__ import annotations

import math
import warnings
from numbers import Real

import numpy as np

from ._encode import _label_binarize, _label_indices
from ._validation import (
    _AVERAGE_OPTIONS,
    UndefinedMetricWarning,
    _assert_all_finite,
    _check_consistent_length,
    _check_sample_weight,
    _check_targets,
    _check_zero_division,
    _column_or_1d,
    _compatible,
    _contains,
    _error,
    type_of_target,
)

__all__ = [
    "accuracy_score",
    "balanced_accuracy_score",
    "classification_report",
    "confusion_matrix",
    "f1_score",
    "fbeta_score",
    "log_loss",
    "matthews_corrcoef",
    "precision_recall_fscore_support",
    "precision_score",
    "recall_score",
]


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


def _per_label_counts(func, y_true, y_pred, sample_weight, labels, present, float_if_no_hit=True):
    """True positives, predicted and true totals for each entry of ``labels``."""
    labels = np.asarray(labels)
    if labels.size and not _compatible(labels, present):
        raise _error(
            func, f"labels {labels.tolist()} are of a different type than the targets' labels {present.tolist()}."
        )
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


def f1_score(y_true, y_pred, *, labels=None, pos_label=1, average="binary", sample_weight=None, zero_division="warn"):
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
    _, present, y_true, y_pred, sample_weight = _check_targets(func, y_true, y_pred, sample_weight)
    labels, target_names, micro_is_accuracy = _report_labels(func, labels, target_names, present)
    common = dict(beta=1.0, labels=labels, pos_label=1, sample_weight=sample_weight, zero_division=zero_division)
    warn_all = ("precision", "recall", "f-score")
    p, r, f1, s = _prfs(func, y_true, y_pred, average=None, warn_for=warn_all, **common)
    rows = list(zip(target_names, p, r, f1, s))
    averages = {}
    for average in ("micro", "macro", "weighted"):
        heading = "accuracy" if (average == "micro" and micro_is_accuracy) else average + " avg"
        avg_p, avg_r, avg_f1, _ = _prfs(func, y_true, y_pred, average=average, warn_for=warn_all, **common)
        averages[heading] = [avg_p, avg_r, avg_f1, np.sum(s)]
    if output_dict:
        return _report_as_dict(rows, averages)
    return _report_as_text(target_names, rows, averages, digits)


_REPORT_HEADERS = ["precision", "recall", "f1-score", "support"]


def _report_labels(func, labels, target_names, present):
    """The labels a report covers, the row name of each, and whether its micro average is accuracy.

    Micro-averaged precision equals accuracy only when every label present is reported.
    """
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
                stacklevel=3,
            )
        else:
            raise _error(
                func,
                f"Number of classes, {len(labels)}, does not match size of target_names, "
                f"{len(target_names)}. Try specifying the labels parameter",
            )
    if target_names is None:
        target_names = [f"{label}" for label in labels]
    return labels, target_names, micro_is_accuracy


def _report_as_dict(rows, averages):
    """``{name: {header: value}}``, with the 'accuracy' entry a bare number as in scikit-learn."""
    report = {row[0]: dict(zip(_REPORT_HEADERS, [float(v) for v in row[1:]])) for row in rows}
    for heading, values in averages.items():
        report[heading] = dict(zip(_REPORT_HEADERS, [float(v) for v in values]))
    if "accuracy" in report:
        report["accuracy"] = report["accuracy"]["precision"]
    return report


def _report_as_text(target_names, rows, averages, digits):
    """scikit-learn's fixed-width table; the 'accuracy' row leaves precision and recall blank."""
    width = max(max(len(name) for name in target_names), len("weighted avg"), digits)
    head_fmt = "{:>{width}s} " + " {:>9}" * len(_REPORT_HEADERS)
    report = head_fmt.format("", *_REPORT_HEADERS, width=width) + "\n\n"
    row_fmt = "{:>{width}s} " + " {:>9.{digits}f}" * 3 + " {:>9}\n"
    for row in rows:
        report += row_fmt.format(*row, width=width, digits=digits)
    report += "\n"
    for heading, values in averages.items():
        if heading == "accuracy":
            acc_fmt = "{:>{width}s} " + " {:>9.{digits}}" * 2 + " {:>9.{digits}f}" + " {:>9}\n"
            report += acc_fmt.format(heading, "", "", *values[2:], width=width, digits=digits)
        else:
            report += row_fmt.format(heading, *values, width=width, digits=digits)
    return report


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
    y_proba = _check_probabilities(func, y_proba)
    _check_consistent_length(func, y_proba=y_proba, y_true=y_true, sample_weight=sample_weight)
    if sample_weight is not None:
        sample_weight = _check_sample_weight(func, sample_weight, y_proba.shape[0])

    y_true = np.asarray(y_true)
    onehot = _encode_log_loss_targets(func, y_true, labels)
    y_proba = _probability_columns(func, y_proba, onehot.shape[1], labels)
    eps = np.finfo(y_proba.dtype).eps
    y_proba = np.clip(y_proba, eps, 1 - eps)
    # 0 * log(p) is exactly 0 here because p >= eps > 0, so no xlogy needed.
    loss = -np.sum(onehot.astype(y_proba.dtype) * np.log(y_proba), axis=1)
    if normalize:
        return float(np.average(loss, weights=sample_weight))
    if sample_weight is not None:
        return float(np.dot(loss, sample_weight))
    return float(np.sum(loss))


def _check_probabilities(func, y_proba):
    """``y_proba`` as a float array of 1 or 2 dims, non-empty, finite and within [0, 1]."""
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
    return y_proba


def _probability_columns(func, y_proba, n_classes, labels):
    """One column per class: a 1-D ``y_proba`` (or a single column) is P(positive) of a binary problem.

    Warns when rows do not sum to one; raises when the columns do not match the ``n_classes``
    encoded from ``y_true`` / ``labels``.
    """
    if y_proba.ndim == 1:
        y_proba = y_proba[:, np.newaxis]
    if y_proba.shape[1] == 1:
        y_proba = np.concatenate([1 - y_proba, y_proba], axis=1)
    eps = np.finfo(y_proba.dtype).eps
    if not np.all(np.isclose(y_proba.sum(axis=1), 1, rtol=math.sqrt(eps))):
        warnings.warn(
            "The y_prob values do not sum to one. Make sure to pass probabilities.", UserWarning, stacklevel=3
        )
    if n_classes != y_proba.shape[1]:
        if labels is None:
            raise _error(
                func,
                f"y_true and y_prob contain different number of classes: {n_classes} vs {y_proba.shape[1]}. "
                "Please provide the true labels explicitly through the labels argument.",
            )
        raise _error(
            func,
            f"The number of classes in labels ({n_classes}) is different from that in y_prob ({y_proba.shape[1]}).",
        )
    return y_proba


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
