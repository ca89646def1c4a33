"""F.dropout (ops/dropout.py): statistics of the mask, identity cases, seeding and the gradient."""

import numpy as np
import pytest
from optest import randn

import chainrule as cr
import chainrule.functional as F

DTYPES = [np.float64, np.float32]


# ------------------------------------------------------------------------------ dropout
@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_preserves_mean_and_keeps_one_minus_p(p):
    n = 1_000_000
    x = cr.ones(n)
    y = F.dropout(x, p=p, generator=cr.random.Generator(123)).detach().numpy()
    kept = np.count_nonzero(y)
    # kept ~ Binomial(n, 1 - p): allow 5 standard deviations
    assert abs(kept - n * (1 - p)) < 5 * np.sqrt(n * p * (1 - p))
    np.testing.assert_allclose(y[y != 0], 1 / (1 - p), rtol=1e-6)
    # mean(y) = kept / (n (1 - p)), whose standard deviation is sqrt(p / (n (1 - p)))
    assert abs(y.mean() - 1) < 5 * np.sqrt(p / (n * (1 - p)))


def test_dropout_identity_when_not_training_or_p_zero():
    x = cr.tensor(randn(3, 4, dtype=np.float32, seed=23), requires_grad=True)
    assert F.dropout(x, p=0.5, training=False) is x
    assert F.dropout(x, p=0.0) is x


def test_dropout_p_one_gives_zeros_and_zero_gradient():
    x = cr.tensor(randn(3, 4, dtype=np.float32, seed=24), requires_grad=True)
    y = F.dropout(x, p=1.0)
    np.testing.assert_array_equal(y.detach().numpy(), 0)
    assert y.dtype == np.float32
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.detach().numpy(), 0)


def test_dropout_same_seed_same_mask():
    x = cr.ones(1000)
    cr.manual_seed(5)
    first = F.dropout(x, p=0.3).detach().numpy()
    cr.manual_seed(5)
    again = F.dropout(x, p=0.3).detach().numpy()
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, F.dropout(x, p=0.3).detach().numpy())  # the stream moves on
    a = F.dropout(x, p=0.3, generator=cr.random.Generator(9)).detach().numpy()
    b = F.dropout(x, p=0.3, generator=cr.Generator(9)).detach().numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, F.dropout(x, p=0.3, generator=cr.random.Generator(10)).detach().numpy())


def test_dropout_private_generator_does_not_disturb_default_stream():
    x = cr.ones(100)
    cr.manual_seed(1)
    expected = F.dropout(x, p=0.5).detach().numpy()
    cr.manual_seed(1)
    F.dropout(x, p=0.5, generator=cr.random.Generator(2))
    np.testing.assert_array_equal(F.dropout(x, p=0.5).detach().numpy(), expected)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("p", [0.25, 0.6])
def test_dropout_gradient_is_mask_over_keep_probability(p, dtype):
    x = cr.tensor(randn(50, 20, dtype=dtype, seed=25), requires_grad=True)
    upstream = randn(50, 20, dtype=dtype, seed=26)
    y = F.dropout(x, p=p, generator=cr.random.Generator(3))
    assert y.dtype == dtype
    y.backward(cr.tensor(upstream))
    kept = y.detach().numpy() != 0
    assert 0 < kept.mean() < 1
    np.testing.assert_allclose(y.detach().numpy()[kept], x.detach().numpy()[kept] / (1 - p), rtol=1e-6)
    np.testing.assert_allclose(x.grad.detach().numpy()[kept], upstream[kept] / (1 - p), rtol=1e-6)
    np.testing.assert_array_equal(x.grad.detach().numpy()[~kept], 0)


def test_dropout_bad_probability():
    for p in (-0.1, 1.5):
        with pytest.raises(ValueError, match="dropout.*probability"):
            F.dropout(cr.zeros(3), p=p)
    with pytest.raises(TypeError, match="generator"):
        F.dropout(cr.zeros(3), p=0.5, generator=42)
