"""chainrule.metrics._ranking against scikit-learn: curves, ROC-AUC, average precision."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sk_metrics = pytest.importorskip("sklearn.metrics")

from sklearn_parity import SETTINGS, binary_scores, check_same, multiclass_probas  # noqa: E402

from chainrule import metrics as cr  # noqa: E402


@settings(max_examples=160, **SETTINGS)
@given(data=binary_scores(), max_fpr=st.sampled_from([None, 0.3, 0.5, 1.0]), drop=st.booleans())
def test_binary_ranking_metrics_match_sklearn(data, max_fpr, drop):
    y_true, y_score, w = data
    pos = "pos" if y_true.dtype.kind == "U" else None
    check_same(
        cr.roc_curve, sk_metrics.roc_curve, y_true, y_score, pos_label=pos, sample_weight=w, drop_intermediate=drop
    )
    check_same(
        cr.precision_recall_curve,
        sk_metrics.precision_recall_curve,
        y_true,
        y_score,
        pos_label=pos,
        sample_weight=w,
        drop_intermediate=drop,
    )
    check_same(cr.roc_auc_score, sk_metrics.roc_auc_score, y_true, y_score, sample_weight=w, max_fpr=max_fpr)
    check_same(
        cr.average_precision_score,
        sk_metrics.average_precision_score,
        y_true,
        y_score,
        pos_label=pos if pos is not None else 1,
        sample_weight=w,
    )


@settings(max_examples=70, **SETTINGS)
@given(
    data=multiclass_probas(),
    multi_class=st.sampled_from(["ovr", "ovo", "raise"]),
    average=st.sampled_from(["macro", "weighted", "micro", None]),
)
def test_multiclass_ranking_metrics_match_sklearn(data, multi_class, average):
    y_true, proba, w = data
    if multi_class == "ovo":
        w = None
    check_same(
        cr.roc_auc_score,
        sk_metrics.roc_auc_score,
        y_true,
        proba,
        multi_class=multi_class,
        average=average,
        sample_weight=w,
    )
    n_classes = proba.shape[1]
    check_same(
        cr.roc_auc_score,
        sk_metrics.roc_auc_score,
        y_true,
        proba,
        multi_class=multi_class,
        average=average,
        labels=list(range(n_classes)),
    )
    for ap_average in ("macro", "weighted", "micro", "samples", None):
        check_same(
            cr.average_precision_score,
            sk_metrics.average_precision_score,
            y_true,
            proba,
            average=ap_average,
            sample_weight=w,
        )


def test_ovo_average_none_not_implemented_like_sklearn():
    proba = np.array([[0.2, 0.3, 0.5]] * 3)
    with pytest.raises(NotImplementedError):
        sk_metrics.roc_auc_score([0, 1, 2], proba, multi_class="ovo", average=None)
    with pytest.raises(NotImplementedError):
        cr.roc_auc_score([0, 1, 2], proba, multi_class="ovo", average=None)


def test_pr_auc_is_more_honest_than_roc_auc_under_imbalance():
    # 10 positives ranked just below the top 100 of 10,000 negatives:
    # ROC-AUC is ~0.99 while AP reports that precision is poor.
    rng = np.random.default_rng(0)
    neg = rng.permutation(np.arange(10_000))
    y = np.r_[np.ones(10), np.zeros(10_000)]
    s = np.r_[np.full(10, 9_899.5), neg]
    assert cr.roc_auc_score(y, s) > 0.98
    assert cr.average_precision_score(y, s) < 0.1


def test_ovo_roc_auc_with_one_class_present_is_refused_or_nan_never_a_numpy_error():
    # Found by hypothesis: scikit-learn crashes with ZeroDivisionError for 'weighted' here.
    y_true, proba = np.array([0, 0, 0]), np.full((3, 3), 1 / 3)
    with pytest.raises(ValueError, match="roc_auc_score: only one class"):
        cr.roc_auc_score(y_true, proba, multi_class="ovo", average="weighted", labels=[0, 1, 2])
    with pytest.warns(cr.UndefinedMetricWarning):
        assert np.isnan(cr.roc_auc_score(y_true, proba, multi_class="ovo", average="macro", labels=[0, 1, 2]))
