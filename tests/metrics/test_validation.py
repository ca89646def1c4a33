"""chainrule.metrics._validation: ValueError wherever scikit-learn raises one, naming the function; UndefinedMetricWarning."""

import math
import warnings

import numpy as np
import pytest

sk_metrics = pytest.importorskip("sklearn.metrics")

from chainrule import metrics as cr  # noqa: E402

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
