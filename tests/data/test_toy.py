"""Ready-made datasets: load_digits (needs scikit-learn) and the seeded synthetic generators."""

import sys

import numpy as np
import pytest

import chainrule as cr
from chainrule.data import (
    DataLoader,
    TensorDataset,
    load_digits,
    make_moons,
    make_polynomial_regression,
    make_spirals,
)

sklearn = pytest.importorskip("sklearn")


def test_load_digits_full():
    ds = load_digits()
    assert isinstance(ds, TensorDataset) and len(ds) == 1797
    x, y = ds.tensors
    assert x.shape == (1797, 64) and x.dtype == np.float32 and y.dtype == np.int64
    assert x.detach().numpy().min() == 0.0 and x.detach().numpy().max() == 1.0
    assert sorted(np.unique(y.detach().numpy()).tolist()) == list(range(10))


def test_load_digits_split_is_seeded_stratified_and_complementary():
    train, test = load_digits("both", test_size=0.25, random_state=1)
    assert len(train) + len(test) == 1797 and len(test) == 450
    again = load_digits("test", test_size=0.25, random_state=1)
    np.testing.assert_array_equal(again.tensors[0].detach().numpy(), test.tensors[0].detach().numpy())
    assert len(load_digits("train", test_size=0.25, random_state=1)) == len(train)
    full = np.bincount(load_digits().tensors[1].detach().numpy()) / 1797
    np.testing.assert_allclose(np.bincount(test.tensors[1].detach().numpy()) / len(test), full, atol=0.01)
    # no test image also appears in train
    rows = {r.tobytes() for r in train.tensors[0].detach().numpy()}
    assert sum(r.tobytes() in rows for r in test.tensors[0].detach().numpy()) < 5  # a few duplicates exist in the data
    other = load_digits("test", test_size=0.25, random_state=2)
    assert not np.array_equal(other.tensors[1].detach().numpy(), test.tensors[1].detach().numpy())


def test_load_digits_images_and_errors():
    ds = load_digits(flatten=False)
    assert ds.tensors[0].shape == (1797, 1, 8, 8)
    batch = next(iter(DataLoader(ds, batch_size=16)))
    assert batch[0].shape == (16, 1, 8, 8)
    with pytest.raises(ValueError, match="load_digits: split should be None, 'train', 'test' or 'both', got 'val'"):
        load_digits("val")
    with pytest.raises(ValueError, match="test_size must be strictly between 0 and 1, got 1.5"):
        load_digits("train", test_size=1.5)


def test_load_digits_without_sklearn(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(ImportError, match=r'pip install "chainrule\[datasets\]"'):
        load_digits()


def test_make_moons_matches_sklearn_geometry():
    from sklearn.datasets import make_moons as sk_make_moons

    for n in (1, 10, 101, (3, 5)):
        x, y = make_moons(n, shuffle=False)
        sx, sy = sk_make_moons(n, shuffle=False)
        assert x.dtype == np.float32 and y.dtype == np.int64
        np.testing.assert_allclose(x, sx, atol=1e-6)
        np.testing.assert_array_equal(y, sy)
    x, y = make_moons(200, noise=0.1, random_state=0)
    sx, sy = sk_make_moons(200, noise=0.1, random_state=0)
    assert x.shape == sx.shape and np.bincount(y).tolist() == np.bincount(sy).tolist()
    a, b = make_moons(50, noise=0.2, random_state=3), make_moons(50, noise=0.2, random_state=3)
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    with pytest.raises(ValueError, match="make_moons: noise should be None or a finite non-negative number"):
        make_moons(10, noise=-1)


def test_make_spirals():
    x, y = make_spirals(101, n_classes=3, noise=0.05, random_state=0)
    assert x.shape == (101, 2) and x.dtype == np.float32 and y.dtype == np.int64
    assert np.bincount(y).tolist() == [34, 34, 33]
    x0, y0 = make_spirals(60, n_classes=2, random_state=0, shuffle=False)
    radii = np.hypot(x0[:, 0], x0[:, 1])
    assert radii.min() > 0 and radii.max() == pytest.approx(1.0)
    # the two noiseless arms are 180 degrees apart: arm 1 is arm 0 rotated by pi
    np.testing.assert_allclose(x0[30:], -x0[:30], atol=1e-6)
    a, b = make_spirals(40, random_state=5, noise=0.1), make_spirals(40, random_state=5, noise=0.1)
    np.testing.assert_array_equal(a[0], b[0])
    with pytest.raises(ValueError, match=r"n_samples \(2\) should be at least n_classes \(3\)"):
        make_spirals(2, n_classes=3)
    with pytest.raises(TypeError, match="random_state should be None, an int seed or a numpy.random.Generator"):
        make_spirals(10, random_state="seed")


def test_make_polynomial_regression():
    x, y, coef = make_polynomial_regression(200, degree=3, noise=0.0, random_state=0)
    assert x.shape == y.shape == (200, 1) and x.dtype == y.dtype == np.float32
    assert coef.shape == (4,) and coef.dtype == np.float64
    assert -1 <= x.min() and x.max() <= 1
    np.testing.assert_allclose(y[:, 0], np.polyval(coef[::-1], x[:, 0]), rtol=1e-5, atol=1e-5)
    xn, yn, cn = make_polynomial_regression(5000, degree=2, noise=0.3, random_state=1)
    fitted = np.polynomial.polynomial.polyfit(xn[:, 0], yn[:, 0], 2)
    np.testing.assert_allclose(fitted, cn, atol=0.05)
    np.testing.assert_allclose(np.std(yn[:, 0] - np.polynomial.polynomial.polyval(xn[:, 0], cn)), 0.3, atol=0.02)
    cr.manual_seed(4)
    a = make_polynomial_regression(10)
    cr.manual_seed(4)
    b = make_polynomial_regression(10)
    np.testing.assert_array_equal(a[2], b[2])
    with pytest.raises(ValueError, match="make_polynomial_regression: degree should be an integer >= 0"):
        make_polynomial_regression(10, degree=-1)
