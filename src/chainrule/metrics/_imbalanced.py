"""imbalanced-learn's metrics: sensitivity / specificity per class and the geometric mean."""

from __future__ import annotations

import warnings

import numpy as np

from ._classification import _per_label_counts, _prf_divide
from ._validation import _AVERAGE_OPTIONS, _check_targets, _contains, _error

__all__ = [
    "geometric_mean_score",
    "sensitivity_specificity_support",
]


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
