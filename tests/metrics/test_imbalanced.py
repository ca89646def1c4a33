"""chainrule.metrics._imbalanced against imbalanced-learn's geometric_mean_score."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

imb_metrics = pytest.importorskip("imblearn.metrics")

from sklearn_parity import SETTINGS, check_same, label_pairs  # noqa: E402

from chainrule import metrics as cr  # noqa: E402


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
