"""chainrule.metrics._classification against scikit-learn: label metrics, the report, log loss."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sk_metrics = pytest.importorskip("sklearn.metrics")

from sklearn_parity import SETTINGS, ZERO_DIVISIONS, check_same, label_pairs, multiclass_probas  # noqa: E402

from chainrule import metrics as cr  # noqa: E402


@settings(max_examples=150, **SETTINGS)
@given(data=label_pairs(), normalize=st.sampled_from([None, "true", "pred", "all"]), use_labels=st.booleans())
def test_label_metrics_match_sklearn(data, normalize, use_labels):
    y_true, y_pred, w = data
    check_same(cr.accuracy_score, sk_metrics.accuracy_score, y_true, y_pred, sample_weight=w)
    check_same(cr.accuracy_score, sk_metrics.accuracy_score, y_true, y_pred, normalize=False, sample_weight=w)
    for adjusted in (False, True):
        check_same(
            cr.balanced_accuracy_score,
            sk_metrics.balanced_accuracy_score,
            y_true,
            y_pred,
            sample_weight=w,
            adjusted=adjusted,
        )
    check_same(cr.matthews_corrcoef, sk_metrics.matthews_corrcoef, y_true, y_pred, sample_weight=w)
    labels = None
    if use_labels:
        # Reversed order and a label that never occurs.
        pool = list(np.unique(np.concatenate([y_true, y_pred])))
        labels = pool[::-1][:2] + (["zebra"] if isinstance(pool[0], str) else [7])
    check_same(
        cr.confusion_matrix,
        sk_metrics.confusion_matrix,
        y_true,
        y_pred,
        labels=labels,
        sample_weight=w,
        normalize=normalize,
    )


@settings(max_examples=160, **SETTINGS)
@given(
    data=label_pairs(),
    average=st.sampled_from(["binary", "micro", "macro", "weighted", None]),
    zero_division=st.sampled_from(ZERO_DIVISIONS),
    beta=st.sampled_from([0.0, 0.5, 1.0, 2.0, np.inf]),
    use_labels=st.booleans(),
)
def test_precision_recall_f_match_sklearn(data, average, zero_division, beta, use_labels):
    y_true, y_pred, w = data
    is_str = y_true.dtype.kind == "U"
    pos_label = "bird" if is_str else 1
    labels = None
    if use_labels and average != "binary":
        labels = ["cat", "ant", "eel"] if is_str else [2, 0, 5]
    kw = dict(labels=labels, pos_label=pos_label, average=average, sample_weight=w, zero_division=zero_division)
    check_same(cr.precision_score, sk_metrics.precision_score, y_true, y_pred, **kw)
    check_same(cr.recall_score, sk_metrics.recall_score, y_true, y_pred, **kw)
    check_same(cr.f1_score, sk_metrics.f1_score, y_true, y_pred, **kw)
    check_same(cr.fbeta_score, sk_metrics.fbeta_score, y_true, y_pred, beta=beta, **kw)
    check_same(
        cr.precision_recall_fscore_support, sk_metrics.precision_recall_fscore_support, y_true, y_pred, beta=beta, **kw
    )


@settings(max_examples=50, **SETTINGS)
@given(data=label_pairs(), digits=st.integers(1, 4), zero_division=st.sampled_from(ZERO_DIVISIONS), names=st.booleans())
def test_classification_report_matches_sklearn(data, digits, zero_division, names):
    y_true, y_pred, w = data
    n_labels = len(np.unique(np.concatenate([y_true, y_pred])))
    target_names = [f"class-{i}" for i in range(n_labels)] if names else None
    for output_dict in (False, True):
        check_same(
            cr.classification_report,
            sk_metrics.classification_report,
            y_true,
            y_pred,
            sample_weight=w,
            digits=digits,
            output_dict=output_dict,
            zero_division=zero_division,
            target_names=target_names,
        )


@settings(max_examples=70, **SETTINGS)
@given(
    data=multiclass_probas(),
    binary=st.booleans(),
    dtype=st.sampled_from([np.float64, np.float32]),
    normalize=st.booleans(),
    extreme=st.booleans(),
)
def test_log_loss_matches_sklearn(data, binary, dtype, normalize, extreme):
    y_true, proba, w = data
    if binary:
        y_true = (y_true > 0).astype(int)
        proba = proba[:, 0]
    if extreme:
        proba = np.round(proba)  # exact 0s and 1s exercise eps clipping
        if proba.ndim == 2:
            proba = np.where(proba.sum(axis=1, keepdims=True) == 0, 1.0 / proba.shape[1], proba)
            proba = proba / proba.sum(axis=1, keepdims=True)
    proba = proba.astype(dtype)
    check_same(cr.log_loss, sk_metrics.log_loss, y_true, proba, normalize=normalize, sample_weight=w)
    n_classes = 2 if binary else proba.shape[1]
    check_same(cr.log_loss, sk_metrics.log_loss, y_true, proba, labels=list(range(n_classes)), sample_weight=w)
