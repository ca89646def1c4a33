"""compute_class_weight / compute_sample_weight must equal scikit-learn's."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

sk_cw = pytest.importorskip("sklearn.utils.class_weight")

from chainrule.imbalance import compute_class_weight, compute_sample_weight  # noqa: E402

NAMES = np.array(["a", "b", "c", "d"])


def same(ours, theirs, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            expected = theirs(*args, **kwargs)
        except ValueError:
            with pytest.raises(ValueError):
                ours(*args, **kwargs)
            return
    got = ours(*args, **kwargs)
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12)


@st.composite
def targets(draw):
    n = draw(st.integers(1, 40))
    n_classes = draw(st.integers(1, 4))
    y = np.array(draw(st.lists(st.integers(0, n_classes - 1), min_size=n, max_size=n)))
    if draw(st.booleans()):
        y = NAMES[y]
    return y


def weight_dicts(y):
    labels = np.unique(y).tolist()
    yield {c: float(i + 2) for i, c in enumerate(labels)}  # every class
    yield {labels[0]: 3.5}  # some classes missing -> weight 1
    yield {**{c: 2.0 for c in labels}, "zzz" if isinstance(labels[0], str) else 99: 5.0}  # extra key


@settings(max_examples=120, deadline=None)
@given(y=targets(), sample_weight=st.booleans(), extra_class=st.booleans())
def test_compute_class_weight_matches_sklearn(y, sample_weight, extra_class):
    classes = np.unique(y)
    if extra_class:
        classes = np.append(classes, "zzz" if classes.dtype.kind == "U" else 7)
    sw = np.linspace(0.5, 2.0, len(y)) if sample_weight else None
    same(compute_class_weight, sk_cw.compute_class_weight, "balanced", classes=classes, y=y, sample_weight=sw)
    same(compute_class_weight, sk_cw.compute_class_weight, None, classes=classes, y=y)
    for cw in weight_dicts(y):
        same(compute_class_weight, sk_cw.compute_class_weight, cw, classes=classes, y=y)
    # classes missing a label of y is an error in both
    if len(np.unique(y)) > 1:
        same(compute_class_weight, sk_cw.compute_class_weight, "balanced", classes=np.unique(y)[1:], y=y)


@settings(max_examples=120, deadline=None)
@given(y=targets(), data=st.data())
def test_compute_sample_weight_matches_sklearn(y, data):
    same(compute_sample_weight, sk_cw.compute_sample_weight, "balanced", y)
    same(compute_sample_weight, sk_cw.compute_sample_weight, None, y)
    for cw in weight_dicts(y):
        same(compute_sample_weight, sk_cw.compute_sample_weight, cw, y)
    indices = np.array(data.draw(st.lists(st.integers(0, len(y) - 1), min_size=1, max_size=len(y))))
    same(compute_sample_weight, sk_cw.compute_sample_weight, "balanced", y, indices=indices)
    same(compute_sample_weight, sk_cw.compute_sample_weight, {np.unique(y)[0].item(): 2.0}, y, indices=indices)
    # Multi-output: two label columns.
    y2 = np.stack([y, y[::-1]], axis=1)
    same(compute_sample_weight, sk_cw.compute_sample_weight, "balanced", y2)
    same(compute_sample_weight, sk_cw.compute_sample_weight, [None, None], y2)
    same(compute_sample_weight, sk_cw.compute_sample_weight, list(weight_dicts(y))[:2], y2)
    same(compute_sample_weight, sk_cw.compute_sample_weight, None, y2)
    same(compute_sample_weight, sk_cw.compute_sample_weight, [None], y2)


def test_balanced_weights_equalise_class_totals():
    y = np.r_[np.zeros(95, int), np.ones(5, int)]
    w = compute_sample_weight("balanced", y)
    assert w[y == 0].sum() == pytest.approx(w[y == 1].sum()) == pytest.approx(50.0)
    np.testing.assert_allclose(compute_class_weight("balanced", classes=np.array([0, 1]), y=y), [100 / 190, 10.0])


def test_bad_class_weight_string():
    with pytest.raises(ValueError, match="compute_class_weight"):
        compute_class_weight("balance", classes=np.array([0, 1]), y=np.array([0, 1]))
