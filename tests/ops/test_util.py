"""ops/_util.py: the one dim normaliser (every op that takes a dim raises the same IndexError, in
PyTorch's wording, where torch raises IndexError too) and ``unbroadcast``."""

import re

import numpy as np
import pytest
import torch

import chainrule as cr
import chainrule.functional as F
from chainrule.ops._util import normalize_dim, normalize_dims, unbroadcast

# (op name in the message, chainrule call, torch call) on a (2, 3) tensor with dim 2 out of range
DIM_OPS = [
    ("transpose", lambda x: x.transpose(0, 2), lambda x: x.transpose(0, 2)),
    ("permute", lambda x: x.permute(0, 2), lambda x: x.permute(0, 2)),
    ("squeeze", lambda x: x.squeeze(2), lambda x: x.squeeze(2)),
    ("flatten", lambda x: x.flatten(0, 2), lambda x: x.flatten(0, 2)),
    ("gather", lambda x: x.gather(2, cr.zeros(2, 3).long()), lambda x: x.gather(2, torch.zeros(2, 3).long())),
    ("cat", lambda x: cr.cat([x, x], dim=2), lambda x: torch.cat([x, x], dim=2)),
    ("split", lambda x: x.split(1, dim=2), lambda x: x.split(1, dim=2)),
    ("softmax", lambda x: F.softmax(x, 2), lambda x: torch.softmax(x, 2)),
    ("log_softmax", lambda x: F.log_softmax(x, 2), lambda x: torch.log_softmax(x, 2)),
    ("sum", lambda x: x.sum(2), lambda x: x.sum(2)),
    ("logsumexp", lambda x: x.logsumexp(2), lambda x: x.logsumexp(2)),
]


@pytest.mark.parametrize("name,ours,theirs", DIM_OPS, ids=[case[0] for case in DIM_OPS])
def test_every_dim_argument_raises_the_same_index_error(name, ours, theirs):
    expected = re.escape(f"{name}: dimension out of range (expected to be in range of [-2, 1], but got 2)")
    with pytest.raises(IndexError, match=f"^{expected}$"):
        ours(cr.zeros(2, 3))
    with pytest.raises(IndexError):
        theirs(torch.zeros(2, 3))


def test_dims_that_may_name_the_new_axis():
    # unsqueeze and stack add an axis, so the valid range is one wider
    assert cr.zeros(2, 3).unsqueeze(2).shape == (2, 3, 1)
    assert cr.stack([cr.zeros(2, 3)], dim=-3).shape == (1, 2, 3)
    for call in (lambda: cr.zeros(2, 3).unsqueeze(3), lambda: cr.stack([cr.zeros(2, 3)], dim=3)):
        with pytest.raises(IndexError, match=re.escape("expected to be in range of [-3, 2], but got 3")):
            call()


def test_normalize_dim():
    assert normalize_dim("op", -1, 3) == 2
    assert normalize_dim("op", 0, 0) == 0 and normalize_dim("op", -1, 0) == 0  # a 0-d tensor takes 0 and -1
    with pytest.raises(
        IndexError, match=re.escape("op: dimension out of range (expected to be in range of [-1, 0], but got 1)")
    ):
        normalize_dim("op", 1, 0)


def test_normalize_dims():
    assert normalize_dims("op", None, 3) == (0, 1, 2)
    assert normalize_dims("op", (), 3) == (0, 1, 2)  # PyTorch's empty dim: every axis
    assert normalize_dims("op", (-1, 0), 3) == (0, 2)
    assert normalize_dims("op", np.int64(1), 3) == (1,)
    assert normalize_dims("op", -1, 0) == ()
    with pytest.raises(ValueError, match="op: dim .* names the same dimension twice"):
        normalize_dims("op", (1, -2), 3)
    with pytest.raises(TypeError, match="op: dim must be an int"):
        normalize_dims("op", True, 3)
    with pytest.raises(TypeError, match="op: dim must be an int"):
        normalize_dims("op", (0, 1.0), 3)


@pytest.mark.parametrize(
    "grad_shape,shape",
    [((4, 3), (4, 3)), ((4, 3), (3,)), ((4, 3), (1, 3)), ((4, 3), (4, 1)), ((2, 4, 3), (1, 3)), ((4, 3), ())],
)
def test_unbroadcast_sums_over_broadcast_axes(grad_shape, shape):
    grad = np.arange(np.prod(grad_shape), dtype=np.float64).reshape(grad_shape)
    x = torch.zeros(shape, dtype=torch.float64, requires_grad=True)
    (x + torch.zeros(grad_shape, dtype=torch.float64)).backward(torch.from_numpy(grad))
    out = unbroadcast(grad, shape)
    assert out.shape == shape
    np.testing.assert_array_equal(out, x.grad.numpy())
