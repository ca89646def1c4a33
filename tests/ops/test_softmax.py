"""softmax and log_softmax (ops/softmax.py) against PyTorch, at ordinary and extreme logits."""

import numpy as np
import pytest
import torch
from optest import check_op, randn

import chainrule as cr
import chainrule.functional as F

DTYPES = [np.float64, np.float32]


def _extreme_logits(shape, dtype, seed=0):
    """Logits of +-1000 mixed with ordinary values: exp() of them overflows unless shifted."""
    x = randn(*shape, dtype=dtype, seed=seed)
    x.flat[::3] = 1000
    x.flat[1::4] = -1000
    return x


# ------------------------------------------------------------------------------ softmax family
SOFTMAX_CASES = [
    ((5,), 0),
    ((5,), -1),
    ((3, 4), 0),
    ((3, 4), 1),
    ((3, 4), -1),
    ((2, 1, 3), 1),
    ((2, 1, 3), -1),
    ((2, 3, 4), -2),
    ((), 0),
    ((), -1),
    ((3, 1), 1),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,dim", SOFTMAX_CASES)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_matches_torch(name, shape, dim, dtype):
    ours, theirs = getattr(F, name), getattr(torch, name)
    x = randn(*shape, dtype=dtype, seed=1)
    check_op(lambda a: ours(a, dim), lambda a: theirs(a, dim), x)
    check_op(lambda a: getattr(a, name)(dim), lambda a: getattr(a, name)(dim), x)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_at_extreme_logits(name, dtype):
    x = _extreme_logits((3, 5), dtype)
    out = check_op(lambda a: getattr(F, name)(a, -1), lambda a: getattr(torch, name)(a, -1), x)[0]
    assert np.isfinite(out.detach().numpy()).all()
    # all-equal huge logits: a uniform distribution, not 0/0
    uniform = getattr(F, name)(cr.tensor(np.full((2, 4), 1000.0, dtype)), 1).detach().numpy()
    np.testing.assert_allclose(uniform, np.full((2, 4), 0.25 if name == "softmax" else np.log(0.25)), rtol=1e-6)


def test_softmax_requires_dim():
    with pytest.raises(TypeError, match="softmax"):
        F.softmax(cr.zeros(3), None)
    with pytest.raises(IndexError, match="log_softmax"):
        F.log_softmax(cr.zeros(3, 4), 2)
