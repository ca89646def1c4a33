"""Shared helper for the nn tests: run a chainrule module and its PyTorch twin with the same
weights and inputs, and compare outputs, input gradients and parameter gradients."""

import numpy as np
import pytest
import torch
from optest import TOLERANCES

import chainrule as cr


def copy_weights(ours, theirs):
    """Load torch's state_dict (as NumPy arrays) into ours; also exercises load_state_dict."""
    ours.load_state_dict({k: v.detach().numpy().copy() for k, v in theirs.state_dict().items()})


def compare_twins(ours, theirs, *inputs, seed=0, rtol=None, atol=None, copy=True):
    """Forward both modules on the same inputs (float arrays require grad), backpropagate the same
    random output weighting, and assert outputs, input grads and parameter grads agree.
    Returns (ours_out, theirs_out)."""
    if copy:
        copy_weights(ours, theirs)
    floats = [a for a in inputs if isinstance(a, np.ndarray) and a.dtype.kind == "f"]
    dtype = floats[0].dtype if floats else next(iter(ours.parameters())).dtype
    tol = dict(TOLERANCES[np.dtype(dtype)])
    if rtol is not None:
        tol["rtol"] = rtol
    if atol is not None:
        tol["atol"] = atol
    ours_in = [cr.tensor(a, requires_grad=a.dtype.kind == "f") if isinstance(a, np.ndarray) else a for a in inputs]
    theirs_in = [torch.tensor(a, requires_grad=a.dtype.kind == "f") if isinstance(a, np.ndarray) else a for a in inputs]
    out = ours(*ours_in)
    t_out = theirs(*theirs_in)
    t_np = t_out.detach().numpy()
    assert out.shape == t_np.shape, f"output shape {out.shape} != torch {t_np.shape}"
    assert out.dtype == t_np.dtype, f"output dtype {out.dtype} != torch {t_np.dtype}"
    np.testing.assert_allclose(out.detach().numpy(), t_np, **tol, err_msg="output differs from torch")
    if not t_out.requires_grad:
        return out, t_out
    weights = np.random.default_rng(seed).standard_normal(t_np.shape).astype(t_np.dtype)
    out.backward(cr.tensor(weights))
    t_out.backward(torch.from_numpy(weights))
    for i, (o, t) in enumerate(zip(ours_in, theirs_in)):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            np.testing.assert_allclose(
                o.grad.detach().numpy(), t.grad.numpy(), **tol, err_msg=f"grad of input {i} differs"
            )
    ours_params = dict(ours.named_parameters())
    theirs_params = dict(theirs.named_parameters())
    assert ours_params.keys() == theirs_params.keys()
    for name, t in theirs_params.items():
        o = ours_params[name]
        if t.grad is None:
            assert o.grad is None or not np.any(o.grad.detach().numpy()), f"{name}: torch has no grad, ours is non-zero"
            continue
        np.testing.assert_allclose(
            o.grad.detach().numpy(), t.grad.numpy(), **tol, err_msg=f"grad of parameter {name} differs"
        )
    return out, t_out


@pytest.fixture
def twin():
    return compare_twins
