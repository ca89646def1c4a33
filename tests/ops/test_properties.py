"""Property tests: binary ops over random broadcastable shape pairs and reductions over random
shapes and dims, each against PyTorch (forward and gradients) through ``check_op``.

Float64 parity with torch is already tight, so the numerical gradcheck is off here for speed; the
example-based tests in this folder run it.
"""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from optest import check_op

import chainrule.functional as F

SETTINGS = settings(max_examples=200, deadline=None)
SIZES = st.integers(0, 4)


@st.composite
def broadcastable_pairs(draw):
    """Two shapes that broadcast: a common result shape, then for each operand a suffix of it
    (leading dims dropped) with some dims replaced by 1."""
    ndim = draw(st.integers(0, 4))
    result = draw(st.lists(SIZES, min_size=ndim, max_size=ndim))

    def operand():
        keep = draw(st.integers(0, ndim))
        dims = result[ndim - keep :]
        return tuple(1 if draw(st.booleans()) and draw(st.booleans()) else n for n in dims)

    return operand(), operand()


def _array(shape, seed):
    return np.asarray(np.random.default_rng(seed).standard_normal(shape))


BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b),
    "sub": (lambda a, b: a - b, lambda a, b: a - b),
    "mul": (lambda a, b: a * b, lambda a, b: a * b),
    "div": (lambda a, b: a / b, lambda a, b: a / b),
    "maximum": (F.maximum, torch.maximum),
    "minimum": (F.minimum, torch.minimum),
}


@SETTINGS
@given(shapes=broadcastable_pairs(), op=st.sampled_from(sorted(BINARY)), seed=st.integers(0, 2**16), ties=st.booleans())
def test_binary_ops_broadcast_like_torch(shapes, op, seed, ties):
    sa, sb = shapes
    a, b = _array(sa, seed), _array(sb, seed + 1)
    if ties:  # small integers make maximum/minimum ties common
        a, b = np.asarray(np.round(a)), np.asarray(np.round(b))
    if op == "div":
        b = np.asarray(np.where(np.abs(b) < 0.5, 1.5, b))
    ours, theirs = BINARY[op]
    check_op(ours, theirs, a, b, gradcheck=False)


@st.composite
def shape_and_dim(draw):
    """A shape, and a dim: None, an int, or a tuple of distinct dims (each maybe negative)."""
    shape = tuple(draw(st.lists(SIZES, min_size=0, max_size=4)))
    ndim = len(shape)
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none" or ndim == 0:
        return shape, None
    axes = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    axes = [a - ndim if draw(st.booleans()) else a for a in axes]
    return shape, (axes[0] if kind == "int" else tuple(axes))


@SETTINGS
@pytest.mark.filterwarnings("ignore:.*degrees of freedom:UserWarning")  # torch's, for N <= 1 in var
@given(
    case=shape_and_dim(),
    keepdim=st.booleans(),
    op=st.sampled_from(["sum", "mean", "var", "logsumexp"]),
    seed=st.integers(0, 2**16),
)
def test_reductions_match_torch(case, keepdim, op, seed):
    shape, dim = case
    x = _array(shape, seed)
    if op == "logsumexp":
        dim = tuple(range(len(shape))) if dim is None else dim  # torch's logsumexp needs dim
        check_op(lambda t: F.logsumexp(t, dim, keepdim), lambda t: torch.logsumexp(t, dim, keepdim), x, gradcheck=False)
        return
    ours, theirs = getattr(F, op), getattr(torch, op)
    if dim is None:
        check_op(
            lambda t: ours(t, None, keepdim=keepdim),
            lambda t: theirs(t, None, keepdim=keepdim) if keepdim else theirs(t),
            x,
            gradcheck=False,
        )
    else:
        check_op(lambda t: ours(t, dim, keepdim=keepdim), lambda t: theirs(t, dim, keepdim=keepdim), x, gradcheck=False)


@SETTINGS
@given(
    case=shape_and_dim(),
    keepdim=st.booleans(),
    op=st.sampled_from(["max", "min"]),
    seed=st.integers(0, 2**16),
    ties=st.booleans(),
)
def test_max_min_dim_match_torch(case, keepdim, op, seed, ties):
    shape, dim = case
    x = _array(shape, seed)
    if ties:
        x = np.asarray(np.round(x))
    if dim is None:  # full reduction (even split at ties); torch refuses an empty input
        if x.size:
            check_op(getattr(F, op), getattr(torch, op), x, gradcheck=False)
        return
    dim = dim if isinstance(dim, int) else dim[0]
    if len(shape) and shape[dim] == 0:
        return  # IndexError in both; pinned in test_reduce.py
    check_op(
        lambda t: getattr(F, op)(t, dim, keepdim), lambda t: getattr(torch, op)(t, dim, keepdim), x, gradcheck=False
    )
