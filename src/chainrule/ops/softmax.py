"""Softmax and log-softmax over one ``dim``, each a fused node with its closed-form backward.

Both subtract the maximum first: it cancels in the result and keeps ``exp`` from overflowing.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ._util import normalize_dim
from .unary import require_floating

__all__ = ["LogSoftmax", "Softmax", "log_softmax_array"]


def _softmax_axis(op_name, dim, ndim):
    if dim is None:
        raise TypeError(f"{op_name}: dim must be given explicitly (implicit dim choice is deprecated in PyTorch)")
    return normalize_dim(op_name, dim, ndim)


def log_softmax_array(x, axis):
    """x - logsumexp(x): shift by the max first so exp never overflows (any finite input).

    As in PyTorch the max is subtracted as it is, so a row holding +inf, or only -inf, is all
    nan (inf - inf), silently; an empty row gives an empty result."""
    if x.size == 0:
        return x.copy()
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        shifted = x - np.max(x, axis=axis, keepdims=True)
        # in place where possible: for a (304, 8192) MLM logit matrix the allocations cost more than the exp
        log_sum = np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
        if log_sum.dtype != shifted.dtype:
            return shifted - log_sum
        shifted -= log_sum
        return shifted


class Softmax(Function):
    """y_i = e^{x_i} / sum_j e^{x_j} (after subtracting max x, which cancels).

    dy_i/dx_k = y_i (delta_ik - y_k), so the vector-Jacobian product is
    dL/dx_k = sum_i g_i y_i (delta_ik - y_k) = y_k (g_k - sum_i g_i y_i).
    """

    saves = {"out"}

    @staticmethod
    def forward(ctx, x, dim):
        axis = _softmax_axis("softmax", dim, x.ndim)
        require_floating("softmax", x)
        if x.ndim == 0:
            y = np.ones_like(x)
        elif x.size == 0:  # softmax over (or beside) a size-0 dim is empty, as in PyTorch
            y = x.copy()
        else:
            with np.errstate(invalid="ignore", over="ignore"):  # +inf or all -inf: nan, as in PyTorch
                y = x - np.max(x, axis=axis, keepdims=True)
                np.exp(y, out=y)  # in place: one full-size array instead of three
                y /= np.sum(y, axis=axis, keepdims=True)
        ctx.save_for_backward(y)
        ctx.axis = axis
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        if y.ndim == 0:
            return np.zeros_like(grad_output)
        grad = grad_output * y
        dot = np.sum(grad, axis=ctx.axis, keepdims=True)
        if grad.dtype != y.dtype or grad.shape != y.shape:
            return y * (grad_output - dot)
        grad -= y * dot  # g y - y dot = y (g - dot), in grad's memory
        return grad


class LogSoftmax(Function):
    """y_i = x_i - logsumexp(x).

    dy_i/dx_k = delta_ik - softmax_k, so dL/dx_k = g_k - softmax_k sum_i g_i.
    """

    saves = {"out"}

    @staticmethod
    def forward(ctx, x, dim):
        axis = _softmax_axis("log_softmax", dim, x.ndim)
        require_floating("log_softmax", x)
        y = np.zeros_like(x) if x.ndim == 0 else log_softmax_array(x, axis)
        ctx.save_for_backward(y)
        ctx.axis = axis
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        if y.ndim == 0:
            return np.zeros_like(grad_output)
        return grad_output - np.exp(y) * np.sum(grad_output, axis=ctx.axis, keepdims=True)
