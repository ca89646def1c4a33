"""One helper that checks an op against PyTorch and against numerical differentiation.

``check_op(ours, theirs, *arrays)`` runs ``ours`` on chainrule tensors and ``theirs`` on torch
tensors built from the same NumPy arrays, then compares the forward values and the gradient of
every floating input for a random output weighting; in float64 it also runs ``chainrule.gradcheck``.
Each op's test is then one line per case.
"""

from __future__ import annotations

import numpy as np
import torch

import chainrule as cr

# The one tolerance table of the suite (op tests here, module twins in tests/nn/conftest.py):
# how closely chainrule must match torch in each floating dtype, keyed by np.dtype.
TOLERANCES = {np.dtype(np.float64): dict(rtol=1e-7, atol=1e-9), np.dtype(np.float32): dict(rtol=2e-4, atol=2e-5)}


def _wrap_ours(a, grad):
    if isinstance(a, np.ndarray):
        # No copy: the op sees the array as given (non-contiguous views stay views), and an op
        # that wrongly writes into its input would corrupt the gradcheck that follows.
        return cr.Tensor(a, requires_grad=grad and a.dtype.kind == "f")
    return a


def _wrap_theirs(a, grad):
    if isinstance(a, np.ndarray):
        t = torch.from_numpy(a.copy())
        if grad and a.dtype.kind == "f":
            t.requires_grad_(True)
        return t
    return a


def _as_list(out):
    return list(out) if isinstance(out, (tuple, list)) else [out]


def check_op(ours, theirs, *arrays, grad=True, gradcheck=None, rtol=None, atol=None, seed=0, gradcheck_atol=1e-5):
    """Compare forward and input gradients of ``ours`` (chainrule) and ``theirs`` (torch).

    ``arrays`` may mix ndarrays (become tensors; floating ones require grad) and other values
    passed through unchanged. Returns the chainrule outputs for extra assertions.
    """
    float_dtypes = {a.dtype.type for a in arrays if isinstance(a, np.ndarray) and a.dtype.kind == "f"}
    dtype = np.float32 if np.float32 in float_dtypes else np.float64
    tol = dict(TOLERANCES[np.dtype(dtype)])
    if rtol is not None:
        tol["rtol"] = rtol
    if atol is not None:
        tol["atol"] = atol
    ours_in = [_wrap_ours(a, grad) for a in arrays]
    theirs_in = [_wrap_theirs(a, grad) for a in arrays]
    ours_out = _as_list(ours(*ours_in))
    theirs_out = _as_list(theirs(*theirs_in))
    assert len(ours_out) == len(theirs_out), "different number of outputs"
    for o, t in zip(ours_out, theirs_out):
        t_np = t.detach().numpy()
        assert o.shape == t_np.shape, f"forward shape {o.shape} != torch {t_np.shape}"
        np.testing.assert_allclose(o.detach().numpy(), t_np, **tol, err_msg="forward differs from torch")
        if t_np.dtype.kind == "f":
            assert o.dtype == t_np.dtype, f"dtype {o.dtype} != torch {t_np.dtype}"
    if not grad:
        return ours_out
    rng = np.random.default_rng(seed)
    pairs = [(o, t) for o, t in zip(ours_out, theirs_out) if t.requires_grad]
    if not pairs:
        return ours_out
    weights = [rng.standard_normal(t.shape).astype(t.detach().numpy().dtype) for _, t in pairs]
    cr.autograd.backward([o for o, _ in pairs], [cr.tensor(w) for w in weights])
    torch.autograd.backward([t for _, t in pairs], [torch.from_numpy(w) for w in weights])
    for i, (o, t) in enumerate(zip(ours_in, theirs_in)):
        if isinstance(t, torch.Tensor) and t.requires_grad:
            t_grad = np.zeros(t.shape, t.detach().numpy().dtype) if t.grad is None else t.grad.numpy()
            o_grad = np.zeros(o.shape, o.dtype) if o.grad is None else o.grad.detach().numpy()
            assert o_grad.shape == t_grad.shape, f"grad of input {i}: shape {o_grad.shape} != {t_grad.shape}"
            np.testing.assert_allclose(o_grad, t_grad, **tol, err_msg=f"gradient of input {i} differs from torch")
    if gradcheck is None:
        gradcheck = dtype == np.float64
    if gradcheck:
        inputs = [
            _wrap_ours(a.astype(np.float64) if isinstance(a, np.ndarray) and a.dtype == np.float32 else a, True)
            for a in arrays
        ]
        cr.gradcheck(ours, tuple(inputs), atol=gradcheck_atol)
    return ours_out


def randn(*shape, dtype=np.float64, seed=None, low=None):
    """Random normal array (or uniform in [low, low+2] when ``low`` is set, e.g. positive inputs)."""
    rng = np.random.default_rng(seed if seed is not None else abs(hash(shape)) % 2**32)
    if low is not None:
        return np.asarray(low + 2 * rng.random(shape)).astype(dtype)  # asarray: keep 0-d an array
    return rng.standard_normal(shape).astype(dtype)
