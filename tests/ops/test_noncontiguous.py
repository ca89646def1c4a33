"""Ops on non-contiguous inputs (transposed, strided, broadcast views) match torch and gradcheck."""

import numpy as np
import pytest
import torch
from optest import check_op

import chainrule.functional as F

rng = np.random.default_rng(0)
BASE = rng.standard_normal((6, 8))
VIEWS = {
    "transposed": lambda base: base.T,  # (8, 6), Fortran order
    "strided": lambda base: base[::2, 1::3],  # (3, 3) with steps
    "reversed": lambda base: base[::-1],  # negative strides
}

OPS = [
    ("tanh", lambda x: x.tanh(), torch.tanh),
    ("exp", lambda x: x.exp(), torch.exp),
    ("mul_self", lambda x: x * x, lambda x: x * x),
    ("sum_dim0", lambda x: x.sum(0), lambda x: x.sum(0)),
    ("softmax", lambda x: F.softmax(x, dim=-1), lambda x: torch.softmax(x, -1)),
    ("log_softmax", lambda x: F.log_softmax(x, dim=0), lambda x: torch.log_softmax(x, 0)),
    ("matmul_T", lambda x: x @ x.T, lambda x: x @ x.T),
    ("reshape", lambda x: x.reshape(-1), lambda x: x.reshape(-1)),
    ("var", lambda x: x.var(1), lambda x: x.var(1)),
    ("getitem", lambda x: x[[0, 0, 1]], lambda x: x[[0, 0, 1]]),
    (
        "layer_norm",
        lambda x: F.layer_norm(x, (x.shape[-1],)),
        lambda x: torch.nn.functional.layer_norm(x, (x.shape[-1],)),
    ),
]


@pytest.mark.parametrize("view", sorted(VIEWS))
@pytest.mark.parametrize("name,ours,theirs", OPS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_op_on_noncontiguous_view(view, name, ours, theirs, dtype):
    x = VIEWS[view](BASE.astype(dtype))
    assert not x.flags["C_CONTIGUOUS"]
    check_op(ours, theirs, x)
