"""Numerical gradient checking: the ground truth every hand-derived backward is tested against.

For a function f and random weights v, the scalar L(x) = sum(v * f(x)) has
    dL/dx_i ~= [L(x + eps e_i) - L(x - eps e_i)] / (2 eps)          (central difference, error O(eps^2))
and its analytical gradient is one backward pass with grad_output = v, i.e. the vector-Jacobian
product that every op's ``backward`` implements. Comparing the two for every input element checks
each op's backward without building the whole Jacobian.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .autograd import backward as _backward
from .tensor import Tensor

__all__ = ["GradcheckError", "GradcheckResult", "check_gradients", "gradcheck"]


class GradcheckError(AssertionError):
    """Raised when an analytical gradient disagrees with the numerical one."""


@dataclass
class GradcheckResult:
    passed: bool
    max_abs_error: float
    max_rel_error: float
    message: str = ""


def _outputs(fn, inputs):
    out = fn(*inputs)
    outs = out if isinstance(out, (tuple, list)) else (out,)
    return [o for o in outs if isinstance(o, Tensor)]


def _projected(fn, inputs, weights):
    total = 0.0
    for o, w in zip(_outputs(fn, inputs), weights):
        total += float(np.sum(o._data.astype(np.float64) * w))
    return total


def check_gradients(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0) -> GradcheckResult:
    """Run the check and return a result with the worst errors and a readable message."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    targets = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not targets:
        raise ValueError("gradcheck: no input requires grad; pass tensors created with requires_grad=True")
    for i in targets:
        if inputs[i].dtype != np.float64:
            raise TypeError(
                f"gradcheck: input {i} has dtype {inputs[i].dtype}; numerical differentiation needs float64 "
                "inputs (eps=1e-6 is below float32 resolution)"
            )
    rng = np.random.default_rng(seed)
    outs = _outputs(fn, inputs)
    weights = [rng.standard_normal(o.shape) for o in outs]
    for i in targets:
        inputs[i].grad = None
    differentiable = [(o, w) for o, w in zip(outs, weights) if o.requires_grad]
    if differentiable:
        _backward([o for o, _ in differentiable], [Tensor(w.astype(o.dtype)) for o, w in differentiable])
    worst = GradcheckResult(True, 0.0, 0.0)
    failure = None
    for i in targets:
        x = inputs[i]
        analytical = np.zeros(x.shape) if x.grad is None else x.grad._data.astype(np.float64)
        numerical = np.zeros(x.shape)
        # Index the array itself (not a reshaped copy) so non-contiguous inputs are perturbed too.
        for k, where in enumerate(np.ndindex(*x.shape)):
            original = x._data[where]
            x._data[where] = original + eps
            plus = _projected(fn, inputs, weights)
            x._data[where] = original - eps
            minus = _projected(fn, inputs, weights)
            x._data[where] = original
            numerical.flat[k] = (plus - minus) / (2 * eps)
        error = np.abs(analytical - numerical)
        # Relative to the numerical value, but never to less than atol: near-zero gradients
        # would otherwise turn round-off into huge "relative" errors.
        relative = error / np.maximum(np.abs(numerical), atol)
        if error.size:
            worst.max_abs_error = max(worst.max_abs_error, float(error.max()))
            worst.max_rel_error = max(worst.max_rel_error, float(relative.max()))
        bad = error > atol + rtol * np.abs(numerical)
        if bad.any() and failure is None:
            k = int(np.argmax(np.where(bad, error, -1)))
            where = np.unravel_index(k, x.shape) if x.shape else ()
            failure = (
                f"gradcheck failed for input {i} (shape {x.shape}) at element {tuple(int(j) for j in where)}: "
                f"numerical {numerical.flat[k]:.10g} vs analytical {analytical.flat[k]:.10g} "
                f"(abs error {error.flat[k]:.3g}, relative error {relative.flat[k]:.3g}; "
                f"{int(bad.sum())} of {bad.size} elements outside atol={atol}, rtol={rtol})"
            )
    if failure:
        worst.passed = False
        worst.message = failure
    return worst


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True) -> bool:
    """Compare ``fn``'s analytical gradients with float64 central differences.

    ``inputs`` is a tensor or a tuple of arguments; the float64 tensors among them that require
    grad are checked. Returns True on success; on failure raises ``GradcheckError`` naming the
    input, the worst element, the numerical and analytical values and the relative error
    (or returns False with ``raise_exception=False``).
    """
    result = check_gradients(fn, inputs, eps=eps, atol=atol, rtol=rtol)
    if not result.passed and raise_exception:
        raise GradcheckError(result.message)
    return result.passed
