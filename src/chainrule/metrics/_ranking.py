"""Ranking metrics, computed from scores rather than hard labels, as ``sklearn.metrics``."""

from __future__ import annotations

import math
import warnings
from itertools import combinations
from numbers import Real

import numpy as np

from ._encode import _label_binarize, _label_indices
from ._validation import (
    _AVERAGE_OPTIONS,
    _STRING_KINDS,
    UndefinedMetricWarning,
    _assert_all_finite,
    _check_consistent_length,
    _check_sample_weight,
    _column_or_1d,
    _contains,
    _error,
    type_of_target,
)

__all__ = [
    "auc",
    "average_precision_score",
    "precision_recall_curve",
    "roc_auc_score",
    "roc_curve",
]


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
        keep = np.flatnonzero(np.concatenate([[True], np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), [True]]))
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
        keep = np.flatnonzero(np.concatenate([[True], np.logical_or(np.diff(tps[:-1]), np.diff(tps[1:])), [True]]))
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
        raise _error(
            func, f"average must be one of {{'micro', 'samples', 'weighted', 'macro'}} or None, got {average!r}."
        )
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
        raise _error(
            func, f"average must be one of {{'micro', 'macro', 'samples', 'weighted'}} or None, got {average!r}."
        )
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
        y_bin = (
            (y_flat == classes[-1]).astype(np.int64) if classes.shape[0] == 2 else np.zeros(y_flat.shape[0], np.int64)
        )
        return _average_binary_score(func, metric, y_bin, y_score, average, sample_weight=sample_weight)
    return _average_binary_score(func, metric, y_true, y_score, average, sample_weight=sample_weight)


def _multiclass_roc_auc(func, y_true, y_score, labels, multi_class, average, sample_weight):
    _check_multiclass_roc_args(func, y_score, multi_class, average)
    y_true = _column_or_1d(func, y_true, "y_true")
    classes = _multiclass_roc_classes(func, y_true, y_score, labels)
    _check_consistent_length(func, y_true=y_true, y_score=y_score, sample_weight=sample_weight)
    if multi_class == "ovo":
        if sample_weight is not None:
            raise _error(
                func,
                "sample_weight is not supported for multiclass one-vs-one ROC AUC, 'sample_weight' must be None in this case.",
            )
        return _ovo_roc_auc(func, y_true, y_score, classes, average)
    onehot = _label_binarize(y_true, classes)
    return _average_binary_score(func, _binary_roc_auc, onehot, y_score, average, sample_weight=sample_weight)


def _check_multiclass_roc_args(func, y_score, multi_class, average):
    """Multiclass ROC AUC needs probability rows and an average that ``multi_class`` supports."""
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


def _multiclass_roc_classes(func, y_true, y_score, labels):
    """The classes of the ``y_score`` columns: ``labels`` (unique, sorted) or those of ``y_true``."""
    if labels is None:
        classes = np.unique(y_true)
        if len(classes) != y_score.shape[1]:
            raise _error(
                func,
                f"Number of classes in y_true ({len(classes)}) not equal to the number of columns in 'y_score' ({y_score.shape[1]})",
            )
        return classes
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
    return classes


def _ovo_roc_auc(func, y_true, y_score, classes, average):
    """Hand & Till's one-vs-one AUC: the mean (or prevalence-weighted mean) over class pairs of
    the two AUCs of each pair, each class against the other on the pair's samples only."""
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
            stacklevel=3,
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
