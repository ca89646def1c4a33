"""chainrule.metrics must agree with scikit-learn (and imbalanced-learn's G-mean).

Hypothesis draws small label/score arrays: few classes so that classes go
missing from y_pred or y_true, scores from a tiny set of values so that ties
are common, optional sample weights.  Counts must match exactly and floats
to 1e-12; wherever scikit-learn raises ValueError, so must we.
"""

import math
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

sk_metrics = pytest.importorskip("sklearn.metrics")
imb_metrics = pytest.importorskip("imblearn.metrics")

from chainrule import metrics as cr  # noqa: E402

SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOL = 1e-12


# --------------------------------------------------------------------------
# comparison helpers
# --------------------------------------------------------------------------


def assert_same(got, expected, path="result"):
    """Exact for integer counts, 1e-12 for floats, NaN == NaN."""
    if isinstance(expected, dict):
        assert isinstance(got, dict), path
        assert list(got) == list(expected), f"{path}: keys {list(got)} != {list(expected)}"
        for key in expected:
            assert_same(got[key], expected[key], f"{path}[{key!r}]")
    elif isinstance(expected, (tuple, list)):
        assert len(got) == len(expected), path
        for i, (g, e) in enumerate(zip(got, expected)):
            assert_same(g, e, f"{path}[{i}]")
    elif isinstance(expected, str):
        assert got == expected, f"{path}:\n{got}\n!=\n{expected}"
    elif expected is None:
        assert got is None, path
    elif isinstance(expected, np.ndarray):
        got = np.asarray(got)
        assert got.shape == expected.shape, f"{path}: shape {got.shape} != {expected.shape}"
        if expected.dtype.kind in "iub":
            assert got.dtype.kind in "iub", f"{path}: dtype {got.dtype} vs {expected.dtype}"
            np.testing.assert_array_equal(got, expected, err_msg=path)
        else:
            np.testing.assert_allclose(got, expected, rtol=0, atol=TOL, equal_nan=True, err_msg=path)
    else:
        e = float(expected)
        g = float(got)
        if math.isnan(e):
            assert math.isnan(g), f"{path}: {g} != nan"
        elif math.isinf(e):
            assert g == e, f"{path}: {g!r} != {e!r}"
        else:
            assert abs(g - e) <= TOL, f"{path}: {g!r} != {e!r}"


def check_same(ours, theirs, *args, **kwargs):
    """Call both; they must agree, or both raise (ValueError where sklearn does)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            expected = theirs(*args, **kwargs)
        except ValueError:
            with pytest.raises(ValueError):
                ours(*args, **kwargs)
            return None
        except NotImplementedError:
            with pytest.raises(NotImplementedError):
                ours(*args, **kwargs)
            return None
        except ZeroDivisionError:
            # scikit-learn's own crash on a degenerate input (roc_auc_score, ovo, 'weighted', one
            # class present): we must refuse it with a clear ValueError instead.
            with pytest.raises(ValueError, match="only one class"):
                ours(*args, **kwargs)
            return None
        got = ours(*args, **kwargs)
    assert_same(got, expected)
    return got


# --------------------------------------------------------------------------
# strategies
# --------------------------------------------------------------------------

STRING_NAMES = np.array(["ant", "bird", "cat", "dog"])


@st.composite
def label_pairs(draw, max_classes=4, allow_strings=True):
    n = draw(st.integers(1, 30))
    n_classes = draw(st.integers(2, max_classes))
    y_true = np.array(draw(st.lists(st.integers(0, n_classes - 1), min_size=n, max_size=n)))
    y_pred = np.array(draw(st.lists(st.integers(0, n_classes - 1), min_size=n, max_size=n)))
    if allow_strings and draw(st.booleans()):
        y_true, y_pred = STRING_NAMES[y_true], STRING_NAMES[y_pred]
    weights = draw(
        st.one_of(
            st.none(),
            st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0, 3.25]), min_size=n, max_size=n).map(np.array),
            st.lists(st.integers(0, 3), min_size=n, max_size=n).map(np.array),
        )
    )
    return y_true, y_pred, weights


@st.composite
def binary_scores(draw):
    n = draw(st.integers(1, 40))
    y_true = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    # A tiny pool of score values makes ties the rule rather than the exception.
    pool = draw(st.sampled_from([[0.1, 0.5, 0.9], [0.0, 0.25, 0.5, 0.75, 1.0], list(np.linspace(0, 1, 11)), [0.3]]))
    y_score = np.array(draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n)))
    weights = draw(
        st.one_of(st.none(), st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0]), min_size=n, max_size=n).map(np.array))
    )
    labels = draw(st.sampled_from(["01", "pm1", "str"]))
    if labels == "pm1":
        y_true = 2 * y_true - 1
    elif labels == "str":
        y_true = np.array(["neg", "pos"])[y_true]
    return y_true, y_score, weights


@st.composite
def multiclass_probas(draw):
    n = draw(st.integers(3, 40))
    n_classes = draw(st.integers(3, 4))
    y_true = np.array(draw(st.lists(st.integers(0, n_classes - 1), min_size=n, max_size=n)))
    raw = np.array(
        draw(st.lists(st.lists(st.sampled_from([1, 2, 3, 4]), min_size=n_classes, max_size=n_classes), min_size=n, max_size=n)),
        dtype=np.float64,
    )
    proba = raw / raw.sum(axis=1, keepdims=True)
    weights = draw(st.one_of(st.none(), st.lists(st.sampled_from([0.5, 1.0, 2.0]), min_size=n, max_size=n).map(np.array)))
    return y_true, proba, weights


# --------------------------------------------------------------------------
# label-based metrics
# --------------------------------------------------------------------------


@settings(max_examples=150, **SETTINGS)
@given(data=label_pairs(), normalize=st.sampled_from([None, "true", "pred", "all"]), use_labels=st.booleans())
def test_label_metrics_match_sklearn(data, normalize, use_labels):
    y_true, y_pred, w = data
    check_same(cr.accuracy_score, sk_metrics.accuracy_score, y_true, y_pred, sample_weight=w)
    check_same(cr.accuracy_score, sk_metrics.accuracy_score, y_true, y_pred, normalize=False, sample_weight=w)
    for adjusted in (False, True):
        check_same(
            cr.balanced_accuracy_score, sk_metrics.balanced_accuracy_score, y_true, y_pred, sample_weight=w, adjusted=adjusted
        )
    check_same(cr.matthews_corrcoef, sk_metrics.matthews_corrcoef, y_true, y_pred, sample_weight=w)
    labels = None
    if use_labels:
        # Reversed order and a label that never occurs.
        pool = list(np.unique(np.concatenate([y_true, y_pred])))
        labels = pool[::-1][:2] + (["zebra"] if isinstance(pool[0], str) else [7])
    check_same(
        cr.confusion_matrix, sk_metrics.confusion_matrix, y_true, y_pred, labels=labels, sample_weight=w, normalize=normalize
    )


ZERO_DIVISIONS = ["warn", 0, 1.0, np.nan]


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


@settings(max_examples=60, **SETTINGS)
@given(
    data=label_pairs(allow_strings=False),
    average=st.sampled_from(["multiclass", "binary", "micro", "macro", "weighted", None]),
    correction=st.sampled_from([0.0, 0.001]),
)
def test_geometric_mean_matches_imblearn(data, average, correction):
    y_true, y_pred, w = data
    if average not in ("multiclass",):
        # imbalanced-learn counts true negatives from the unweighted number
        # of samples; chainrule uses the weighted total (documented), so the
        # one-vs-rest averages are compared without weights.
        w = None
    check_same(
        cr.geometric_mean_score,
        imb_metrics.geometric_mean_score,
        y_true,
        y_pred,
        average=average,
        sample_weight=w,
        correction=correction,
    )


# --------------------------------------------------------------------------
# ranking metrics
# --------------------------------------------------------------------------


@settings(max_examples=160, **SETTINGS)
@given(data=binary_scores(), max_fpr=st.sampled_from([None, 0.3, 0.5, 1.0]), drop=st.booleans())
def test_binary_ranking_metrics_match_sklearn(data, max_fpr, drop):
    y_true, y_score, w = data
    pos = "pos" if y_true.dtype.kind == "U" else None
    check_same(cr.roc_curve, sk_metrics.roc_curve, y_true, y_score, pos_label=pos, sample_weight=w, drop_intermediate=drop)
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
        cr.roc_auc_score, sk_metrics.roc_auc_score, y_true, proba, multi_class=multi_class, average=average, sample_weight=w
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
            cr.average_precision_score, sk_metrics.average_precision_score, y_true, proba, average=ap_average, sample_weight=w
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


# --------------------------------------------------------------------------
# errors and warnings
# --------------------------------------------------------------------------

ERROR_CASES = [
    ("accuracy_score", ([0, 1, 1], [0, 1]), {}),
    ("accuracy_score", ([0, 1], [0.5, 1.0]), {}),
    ("accuracy_score", ([], []), {}),
    ("accuracy_score", ([0, 1], ["a", "b"]), {}),
    ("accuracy_score", ([0, 1], [0, 1]), {"sample_weight": [0, 0]}),
    ("confusion_matrix", ([0, 1], [0, 1]), {"labels": []}),
    ("confusion_matrix", ([0, 1], [0, 1]), {"labels": [5, 6]}),
    ("precision_score", ([0, 1, 2], [0, 1, 2]), {}),
    ("precision_score", ([0, 1, 1], [0, 1, 2]), {}),
    ("recall_score", ([0, 1], [0, 1]), {"average": "bogus"}),
    ("f1_score", ([0, 1], [0, 1]), {"pos_label": 3}),
    ("f1_score", (["a", "b"], ["a", "b"]), {}),
    ("f1_score", ([0, 1], [0, 1]), {"zero_division": 5}),
    ("fbeta_score", ([0, 1], [0, 1]), {"beta": -1.0}),
    ("precision_recall_fscore_support", ([0, 1], [0, 1]), {"average": "samples"}),
    ("classification_report", ([0, 1, 2], [0, 1, 2]), {"target_names": ["a", "b"]}),
    ("roc_auc_score", ([0, 1, 2, 2], [[0.2, 0.3, 0.5]] * 4), {}),
    ("roc_auc_score", ([0, 1, 2, 2], [[0.2, 0.3, 0.6]] * 4), {"multi_class": "ovr"}),
    ("roc_auc_score", ([0, 1, 2, 2], [[0.2, 0.8]] * 4), {"multi_class": "ovr"}),
    ("roc_auc_score", ([0, 1, 2, 2], [[0.2, 0.3, 0.5]] * 4), {"multi_class": "ovo", "average": "micro"}),
    ("roc_auc_score", ([0, 1, 2, 2], [[0.2, 0.3, 0.5]] * 4), {"multi_class": "ovr", "labels": [0, 2, 1]}),
    ("roc_auc_score", ([0, 1, 2, 2], [[0.2, 0.3, 0.5]] * 4), {"multi_class": "ovo", "sample_weight": [1, 1, 1, 1]}),
    ("roc_auc_score", ([0, 1, 2, 2], [[0.2, 0.3, 0.5]] * 4), {"multi_class": "ovr", "max_fpr": 0.5}),
    ("roc_auc_score", ([0, 1, 1], [0.1, 0.2, 0.3]), {"max_fpr": 0.0}),
    ("roc_auc_score", ([0, 1, 1], [0.1, 0.2]), {}),
    ("roc_auc_score", ([0, 1, 1], [0.1, np.nan, 0.3]), {}),
    ("roc_curve", ([0, 1, 2], [0.1, 0.2, 0.3]), {}),
    ("roc_curve", (["a", "b"], [0.1, 0.2]), {}),
    ("roc_curve", ([0, 1], [0.1, 0.2]), {"sample_weight": [0.0, 0.0]}),
    ("precision_recall_curve", ([0.5, 1.5], [0.1, 0.2]), {}),
    ("average_precision_score", (["a", "b"], [0.1, 0.2]), {}),
    ("average_precision_score", ([0, 1, 2], np.array([[0.2, 0.8]] * 3)), {}),
    ("average_precision_score", ([0, 1, 2], [[0.2, 0.3, 0.5]] * 3), {"pos_label": 2}),
    ("log_loss", ([0, 1], [0.5, 1.5]), {}),
    ("log_loss", ([0, 1], [-0.5, 0.5]), {}),
    ("log_loss", ([1, 1], [0.5, 0.5]), {}),
    ("log_loss", ([0, 1, 2], [[0.5, 0.5]] * 3), {}),
    ("log_loss", ([0, 1, 3], [[0.5, 0.5]] * 3), {"labels": [0, 1]}),
    ("log_loss", ([0, 1], [0.5, 0.5, 0.5]), {}),
    ("matthews_corrcoef", ([0, 1], [0, 1, 1]), {}),
    ("balanced_accuracy_score", ([0.1, 1.0], [0, 1]), {}),
]


@pytest.mark.parametrize("name,args,kwargs", ERROR_CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(ERROR_CASES)])
def test_errors_where_sklearn_raises(name, args, kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(ValueError):
            getattr(sk_metrics, name)(*args, **kwargs)
        with pytest.raises(ValueError) as info:
            getattr(cr, name)(*args, **kwargs)
    assert name in str(info.value), "error messages name the function"


def test_ovo_average_none_not_implemented_like_sklearn():
    proba = np.array([[0.2, 0.3, 0.5]] * 3)
    with pytest.raises(NotImplementedError):
        sk_metrics.roc_auc_score([0, 1, 2], proba, multi_class="ovo", average=None)
    with pytest.raises(NotImplementedError):
        cr.roc_auc_score([0, 1, 2], proba, multi_class="ovo", average=None)


def test_undefined_metric_warning_is_user_warning():
    assert issubclass(cr.UndefinedMetricWarning, UserWarning)
    with pytest.warns(cr.UndefinedMetricWarning, match="Precision is ill-defined"):
        assert cr.precision_score([0, 1], [0, 0]) == 0.0
    with pytest.warns(cr.UndefinedMetricWarning, match="Only one class"):
        assert math.isnan(cr.roc_auc_score([1, 1, 1], [0.1, 0.2, 0.3]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cr.precision_score([0, 1], [0, 0], zero_division=1) == 1.0


def test_error_message_names_shapes():
    with pytest.raises(ValueError, match=r"accuracy_score.*\[3, 2\]"):
        cr.accuracy_score([0, 1, 1], [0, 1])


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
