"""Reductions: sum mean max min var std logsumexp (with PyTorch's ``dim``/``keepdim``/``correction``).

A reduction maps many inputs to one output, so its backward *broadcasts* the output gradient back
over the reduced axes: the mirror image of ``unbroadcast``.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..autograd import Function
from ._util import normalize_dims
from .unary import floating

__all__ = [
    "LogSumExp",
    "MaxAll",
    "MaxDim",
    "MaxResult",
    "Mean",
    "Std",
    "Sum",
    "Var",
    "arg_reduce",
    "expand_reduced",
    "max_or_min",
    "resolve_correction",
]


def expand_reduced(grad, input_shape, axes, keepdim):
    """Broadcast a reduced gradient back to ``input_shape``."""
    if not keepdim and axes:
        grad = np.expand_dims(grad, axes)
    return np.broadcast_to(grad, input_shape)


def _count(shape, axes):
    count = 1
    for a in axes:
        count *= shape[a]
    return count


class Sum(Function):
    """y = sum_i x_i over the reduced axes; dy/dx_i = 1, so dL/dx = g broadcast back."""

    saves = set()

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False, dtype=None):
        axes = normalize_dims("sum", dim, x.ndim)
        ctx.meta = (x.shape, axes, keepdim)
        ctx.input_dtype = x.dtype
        if dtype is None:  # as PyTorch: bools and integers of every width sum to int64
            dtype = x.dtype if x.dtype.kind in "fc" else np.dtype(np.int64)
        elif x.dtype != dtype:
            x = x.astype(dtype)  # sum(dtype=) casts the input first, as PyTorch
        return np.asarray(np.sum(x, axis=axes, keepdims=keepdim, dtype=dtype), dtype=dtype)

    @staticmethod
    def backward(ctx, grad_output):
        shape, axes, keepdim = ctx.meta
        return expand_reduced(grad_output, shape, axes, keepdim).astype(ctx.input_dtype, copy=False)


class Mean(Function):
    """y = (1/N) sum_i x_i; dy/dx_i = 1/N, so dL/dx = g / N broadcast back."""

    saves = set()

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False, dtype=None):
        ctx.input_dtype = x.dtype
        if dtype is not None:  # mean(dtype=) casts the input first, as PyTorch
            if dtype.kind not in "fc":
                raise RuntimeError(f"mean(): the dtype= argument must be a floating point dtype, got {dtype}")
            x = x.astype(dtype, copy=False)
        if x.dtype.kind not in "fc":
            raise RuntimeError(
                f"mean(): could not infer output dtype. Input dtype must be either a floating point "
                f"or complex dtype, got {x.dtype}"
            )
        axes = normalize_dims("mean", dim, x.ndim)
        ctx.meta = (x.shape, axes, keepdim)
        # sum / N rather than np.mean, which warns on empty slices; 0 / 0 = nan as in PyTorch
        with np.errstate(invalid="ignore", divide="ignore"):
            total = np.sum(x, axis=axes, keepdims=keepdim)
            return np.asarray(total / x.dtype.type(_count(x.shape, axes)), dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        shape, axes, keepdim = ctx.meta
        count = _count(shape, axes)
        grad_input = expand_reduced(grad_output / max(count, 1), shape, axes, keepdim)
        return grad_input.astype(ctx.input_dtype, copy=False)


class MaxAll(Function):
    """y = max over all elements (``is_max=False``: min).

    y depends only on the maximal elements; when several tie, PyTorch splits g evenly among
    them (a valid subgradient), so dL/dx = g * [x == y] / (number of ties). A NaN anywhere makes
    y NaN, and then the NaNs are the "maximal" elements that share g (x == y is never true).
    """

    saves = {0, "out"}

    @staticmethod
    def forward(ctx, x, is_max=True):
        if x.size == 0:
            name = "max" if is_max else "min"
            raise RuntimeError(
                f"{name}(): expected a non-empty tensor, got shape {x.shape}; "
                "specify dim= for reductions over empty dimensions"
            )
        y = np.asarray(x.max() if is_max else x.min())
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        winners = np.isnan(x) if np.isnan(y) else x == y
        return (winners * (grad_output / winners.sum())).astype(grad_output.dtype, copy=False)


class MaxDim(Function):
    """y_j = max_i x_ij along ``dim`` (``is_max=False``: min).

    Only the selected element (the first one on ties, whose index is returned) affects y_j,
    so dL/dx is zero except g_j at that index.
    """

    saves = set()  # the indices

    @staticmethod
    def forward(ctx, x, dim, keepdim=False, is_max=True):
        name = "max" if is_max else "min"
        if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
            raise TypeError(
                f"{name}(): dim must be a single int (the values and indices of one dimension), got {dim!r}"
            )
        (axis,) = normalize_dims(name, dim, x.ndim) or (0,)
        if x.ndim == 0:
            ctx.meta = None
            ctx.indices = np.zeros((), dtype=np.int64)
            return x.copy()
        if x.shape[axis] == 0:
            raise IndexError(f"{name}(): cannot reduce over dimension {dim} of size 0 (shape {x.shape})")
        indices = np.expand_dims((np.argmax if is_max else np.argmin)(x, axis=axis), axis)
        values = np.take_along_axis(x, indices, axis=axis)
        ctx.save_for_backward(indices)
        ctx.meta = (x.shape, axis, keepdim)
        ctx.indices = indices if keepdim else np.squeeze(indices, axis)
        return values if keepdim else np.squeeze(values, axis)

    @staticmethod
    def backward(ctx, grad_output):
        if ctx.meta is None:
            return grad_output
        (indices,) = ctx.saved_tensors
        shape, axis, keepdim = ctx.meta
        grad = np.zeros(shape, dtype=grad_output.dtype)
        values = grad_output if keepdim else np.expand_dims(grad_output, axis)
        np.put_along_axis(grad, indices, values, axis=axis)
        return grad


MaxResult = namedtuple("MaxResult", ["values", "indices"])


def max_or_min(tensor, dim, keepdim, is_max):
    """``Tensor.max()`` -> scalar tensor; ``Tensor.max(dim)`` -> (values, indices) as PyTorch."""
    from ..tensor import Tensor

    if dim is None:
        return MaxAll.apply(tensor, is_max=is_max)
    values = MaxDim.apply(tensor, dim=dim, keepdim=keepdim, is_max=is_max)
    indices = values.grad_fn.indices if values.grad_fn is not None else None
    if indices is None:
        indices = arg_reduce(np.argmax if is_max else np.argmin, "max" if is_max else "min", tensor._data, dim, keepdim)
    return MaxResult(values, Tensor(np.asarray(indices, dtype=np.int64)))


def arg_reduce(fn, name, x, dim, keepdim):
    if dim is None:
        if x.size == 0:
            raise RuntimeError(f"{name}(): expected a non-empty tensor")
        out = np.asarray(fn(x))
        return out.reshape((1,) * x.ndim) if keepdim else out
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{name}(): dim must be a single int or None, got {dim!r}")
    (axis,) = normalize_dims(name, dim, x.ndim) or (0,)
    if x.ndim == 0:
        return np.zeros((), dtype=np.int64)
    return fn(x, axis=axis, keepdims=keepdim)


def resolve_correction(op_name, correction, unbiased):
    """PyTorch's var/std take ``correction`` (default 1, Bessel) or the older ``unbiased`` flag
    (True = 1, False = 0), never both."""
    if unbiased is not None and correction is not None:
        raise TypeError(
            f"{op_name}: pass either correction= or unbiased=, not both "
            f"(got correction={correction!r}, unbiased={unbiased!r})"
        )
    if unbiased is not None:
        return 1 if unbiased else 0
    return 1 if correction is None else correction


def _variance(op_name, x, dim, keepdim, correction):
    """Shared forward of var and std: sum (x - m)^2 / max(N - c, 0); also returns the centred
    input and the metadata the backward needs."""
    if x.dtype.kind not in "fc":
        raise TypeError(f"{op_name}: expected a floating point tensor, got dtype {x.dtype}")
    axes = normalize_dims(op_name, dim, x.ndim)
    count = _count(x.shape, axes)
    centred = x - x.mean(axis=axes, keepdims=True) if x.size else x
    # PyTorch divides by max(N - c, 0) in the forward (0 -> inf or nan), but its backward uses
    # N - c itself; ``dof`` keeps the unclamped value so that both match.
    dof = count - correction
    with np.errstate(invalid="ignore", divide="ignore"):
        out = np.sum(centred * centred, axis=axes, keepdims=keepdim) / x.dtype.type(max(dof, 0))
    full = dim is None or x.ndim == 0 or (not isinstance(dim, (int, np.integer)) and len(dim) == 0)
    return np.asarray(out, dtype=x.dtype), centred, (x.shape, axes, keepdim, dof, full)


def _variance_backward(grad_var, centred, meta):
    """dL/dx = g * 2 (x - m) / (N - c), g broadcast back over the reduced axes."""
    shape, axes, keepdim, dof, full = meta
    grad_var = expand_reduced(grad_var, shape, axes, keepdim)
    if full and dof <= 0:
        # PyTorch's full reduction special-cases N - c <= 0: g * (nan where x == m, else inf),
        # the sign coming from g alone, where its dim= path gives g * 2 (x - m) / (N - c) (which
        # is finite for N - c < 0). We follow both, so results match whichever form is called.
        blowup = np.where(centred == 0, np.nan, np.inf).astype(centred.dtype, copy=False)
        with np.errstate(invalid="ignore"):
            return (grad_var * blowup).astype(centred.dtype, copy=False)
    with np.errstate(invalid="ignore", divide="ignore"):
        scale = np.divide(centred.dtype.type(2), centred.dtype.type(dof))
        return (grad_var * scale * centred).astype(centred.dtype, copy=False)


class Var(Function):
    """v = sum_i (x_i - m)^2 / (N - c), m the mean, c the ``correction`` (1 = Bessel's).

    dv/dx_k = [2 (x_k - m) - 2 sum_i (x_i - m) / N] / (N - c); the second sum is 0 by definition
    of m, so dL/dx = g * 2 (x - m) / (N - c). Centring first (two passes) keeps the digits that
    E[x^2] - E[x]^2 would cancel when |m| >> the spread.
    """

    saves = set()  # the centred input, fresh

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False, correction=1):
        out, centred, ctx.meta = _variance("var", x, dim, keepdim, correction)
        ctx.save_for_backward(centred)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (centred,) = ctx.saved_tensors
        return _variance_backward(grad_output, centred, ctx.meta)


class Std(Function):
    """s = sqrt(v), v the variance above.

    ds/dv = 1 / (2 s), so dL/dx = [g / (2 s)] * 2 (x - m) / (N - c). Where s = 0 every x_k equals
    m: the slope 1/(2s) is infinite but x - m is 0, and PyTorch defines the gradient as 0 there
    (its ``g / (2 s)`` is masked to 0), which we follow instead of producing inf * 0 = nan.
    """

    saves = {"out"}

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False, correction=1):
        var, centred, ctx.meta = _variance("std", x, dim, keepdim, correction)
        s = np.sqrt(var)  # var >= 0 or nan, so no invalid-value warning
        ctx.save_for_backward(centred, s)
        return s

    @staticmethod
    def backward(ctx, grad_output):
        centred, s = ctx.saved_tensors
        with np.errstate(invalid="ignore", divide="ignore"):
            grad_var = np.where(s == 0, 0, grad_output / (2 * s)).astype(grad_output.dtype, copy=False)
        return _variance_backward(grad_var, centred, ctx.meta)


class LogSumExp(Function):
    """y = ln sum_i e^{x_i}, computed as m + ln sum_i e^{x_i - m} with m = max x (never overflows).

    dy/dx_k = e^{x_k} / sum_i e^{x_i} = e^{x_k - y}: the softmax. So dL/dx = g * softmax(x).
    """

    saves = {0, "out"}

    @staticmethod
    def forward(ctx, x, dim, keepdim=False):
        x = floating(x)
        axes = normalize_dims("logsumexp", dim, x.ndim)
        if x.size == 0:
            out = np.full(np.sum(x, axis=axes, keepdims=keepdim).shape, -np.inf, dtype=x.dtype)
            ctx.save_for_backward(x, np.expand_dims(out, axes) if not keepdim and axes else out)
            ctx.meta = (x.shape, axes, keepdim)
            return out
        m = np.max(x, axis=axes, keepdims=True)
        m = np.where(np.isfinite(m), m, 0)  # all -inf (or an inf) along a slice: shift by 0
        with np.errstate(divide="ignore"):
            out_keep = m + np.log(np.sum(np.exp(x - m), axis=axes, keepdims=True))
        ctx.save_for_backward(x, out_keep)
        ctx.meta = (x.shape, axes, keepdim)
        out = out_keep if keepdim else np.squeeze(out_keep, axis=axes)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        x, out_keep = ctx.saved_tensors
        shape, axes, keepdim = ctx.meta
        g = grad_output if keepdim or not axes else np.expand_dims(grad_output, axes)
        with np.errstate(invalid="ignore"):  # inf - inf where a slice holds +inf: nan, as PyTorch
            return (g * np.exp(x - out_keep)).astype(grad_output.dtype, copy=False)
