"""Offline imbalanced data sets in chainrule.data.imbalanced."""

import numpy as np
import pytest

from chainrule.data.imbalanced import (
    load_breast_cancer_imbalanced,
    load_digits_nine_vs_rest,
    make_imbalanced_classification,
)

sk_datasets = pytest.importorskip("sklearn.datasets")


def test_breast_cancer_relabels_malignant_as_positive_minority():
    X, y = load_breast_cancer_imbalanced(ratio=10.0, random_state=0)
    assert X.dtype == np.float32 and y.dtype == np.int64
    assert X.shape == (357 + 36, 30)
    assert np.bincount(y).tolist() == [357, 36]
    # Every row is an original row, with y = 1 exactly for sklearn's target 0 (malignant).
    bunch = sk_datasets.load_breast_cancer()
    original = {tuple(row): int(t) for row, t in zip(bunch.data.astype(np.float32), bunch.target)}
    assert all(original[tuple(row)] == 1 - label for row, label in zip(X, y))


def test_breast_cancer_is_seeded_and_ratio_controls_size():
    a = load_breast_cancer_imbalanced(ratio=5.0, random_state=3)
    b = load_breast_cancer_imbalanced(ratio=5.0, random_state=3)
    c = load_breast_cancer_imbalanced(ratio=5.0, random_state=4)
    np.testing.assert_array_equal(a[0], b[0])
    assert not np.array_equal(a[0], c[0])
    assert np.bincount(a[1])[1] == round(357 / 5.0)
    X_all, y_all = load_breast_cancer_imbalanced(ratio=357 / 212)
    assert np.bincount(y_all).tolist() == [357, 212]
    with pytest.raises(ValueError, match="ratio"):
        load_breast_cancer_imbalanced(ratio=1.2)
    with pytest.raises(ValueError, match="ratio"):
        load_breast_cancer_imbalanced(ratio=0.5)


def test_digits_nine_vs_rest():
    X, y = load_digits_nine_vs_rest()
    assert X.shape == (1797, 64) and X.dtype == np.float32 and y.dtype == np.int64
    assert X.min() == 0.0 and X.max() == 1.0
    bunch = sk_datasets.load_digits()
    np.testing.assert_array_equal(y, (bunch.target == 9).astype(np.int64))
    np.testing.assert_allclose(X * 16, bunch.data)
    assert y.sum() == 180


@pytest.mark.parametrize("n_samples,ratio,n_features", [(1000, 10.0, 2), (550, 4.0, 7), (101, 100.0, 1)])
def test_make_imbalanced_classification_shapes_and_ratio(n_samples, ratio, n_features):
    X, y = make_imbalanced_classification(n_samples=n_samples, ratio=ratio, n_features=n_features, random_state=1)
    assert X.shape == (n_samples, n_features) and X.dtype == np.float32 and y.dtype == np.int64
    n_min = int(y.sum())
    assert n_min == max(1, round(n_samples / (ratio + 1)))
    assert abs((n_samples - n_min) / n_min - ratio) <= ratio * 0.05 + 1


def test_make_imbalanced_classification_geometry_and_seed():
    X, y = make_imbalanced_classification(n_samples=20_000, ratio=3.0, n_features=4, class_sep=1.5, random_state=0)
    gap = np.linalg.norm(X[y == 1].mean(0) - X[y == 0].mean(0))
    assert gap == pytest.approx(3.0, abs=0.1)  # means 2 * class_sep apart
    np.testing.assert_allclose(X[y == 0].std(0), 1.0, atol=0.05)
    a = make_imbalanced_classification(random_state=5)
    b = make_imbalanced_classification(random_state=5)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    with pytest.raises(ValueError, match="ratio"):
        make_imbalanced_classification(ratio=0.5)
    with pytest.raises(ValueError, match="n_samples"):
        make_imbalanced_classification(n_samples=1)
