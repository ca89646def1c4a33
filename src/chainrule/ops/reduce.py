"""Reductions: sum mean prod max min amax amin var std logsumexp (with PyTorch's ``dim``/``keepdim``/
``correction``), the scans (cumsum cumprod logcumsumexp cummax cummin), sorting (sort topk) and order
statistics (median kthvalue mode quantile), and the index searches with no gradient (nonzero unique
bincount searchsorted).

A reduction maps many inputs to one output, so its backward *broadcasts* the output gradient back
over the reduced axes: the mirror image of ``unbroadcast``.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ..autograd import Function
from ._util import normalize_dim, normalize_dims
from .arithmetic import Maximum, Minimum
from .unary import floating

__all__ = [
    "AMax",
    "AMinMaxResult",
    "CumMaxResult",
    "CumMinResult",
    "CumProd",
    "CumSum",
    "KthValueResult",
    "LogCumSumExp",
    "LogSumExp",
    "MaxAll",
    "MaxDim",
    "MaxResult",
    "Mean",
    "MedianAll",
    "MedianResult",
    "ModeResult",
    "NanMean",
    "NanMedianResult",
    "NanSum",
    "Prod",
    "Quantile",
    "SortResult",
    "Std",
    "Sum",
    "TakeAlongDim",
    "TopKResult",
    "Var",
    "aminmax",
    "any_or_all",
    "arg_reduce",
    "bincount",
    "count_nonzero",
    "cum_extreme",
    "cum_extreme_indices",
    "expand_reduced",
    "kthvalue",
    "max_or_min",
    "median",
    "mode",
    "nonzero",
    "resolve_correction",
    "searchsorted",
    "sort",
    "sort_indices",
    "topk",
    "unique",
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
    """``Tensor.max()`` -> scalar tensor; ``Tensor.max(dim)`` -> (values, indices);
    ``Tensor.max(other)`` (a tensor) -> ``maximum(self, other)``, as PyTorch's overloads."""
    from ..tensor import Tensor, as_tensor_operand

    if isinstance(dim, Tensor):  # torch.max(input, other): the elementwise maximum
        return (Maximum if is_max else Minimum).apply(tensor, as_tensor_operand("max" if is_max else "min", dim))
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
    if x.dtype.kind not in "fc":  # torch: "std and var only support floating point and complex dtypes"
        raise RuntimeError(f"{op_name}: expected a floating point tensor, got dtype {x.dtype}")
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


# ---------------------------------------------------------------- prod, amax/amin, scans, sorting
def _exclusive_products(x, axis):
    """(prod_{i<k} x_i, prod_{i>k} x_i) along ``axis``: the product of all others, without division."""
    ones = np.ones_like(np.take(x, [0], axis=axis))
    left = np.cumprod(np.concatenate([ones, np.delete(x, -1, axis=axis)], axis=axis), axis=axis)
    flipped = np.flip(x, axis=axis)
    right = np.cumprod(np.concatenate([ones, np.delete(flipped, -1, axis=axis)], axis=axis), axis=axis)
    return left, np.flip(right, axis=axis)


def _integer_result(x):
    """PyTorch accumulates bool and integer inputs of sum-like ops in int64."""
    return x.astype(np.int64) if x.dtype.kind in "biu" else x


class Prod(Function):
    """y = prod_i x_i over ``dim`` (every element when None).

    dy/dx_k = prod_{i != k} x_i, computed as (product of those before k) * (product of those
    after k) rather than y / x_k, so that it stays exact with zeros: with one zero only that
    entry gets a gradient (the product of the others), with two or more every gradient is 0,
    as PyTorch's prod_backward.
    """

    saves = {0}

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        if dim is not None and (not isinstance(dim, (int, np.integer)) or isinstance(dim, bool)):
            raise TypeError(f"prod(): dim must be a single int, got {dim!r}")
        x = _integer_result(x)
        axis = None if dim is None or x.ndim == 0 else normalize_dims("prod", dim, x.ndim)[0]
        if dim is not None and x.ndim == 0:
            normalize_dims("prod", dim, 0)
        ctx.save_for_backward(x)
        ctx.meta = (axis, keepdim)
        with np.errstate(over="ignore", invalid="ignore"):
            if axis is None:
                return np.asarray(np.prod(x), dtype=x.dtype)
            return np.prod(x, axis=axis, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        axis, keepdim = ctx.meta
        if x.size == 0:
            return np.zeros(x.shape, dtype=grad_output.dtype)
        flat = x.reshape(-1) if axis is None else x
        along = 0 if axis is None else axis
        with np.errstate(over="ignore", invalid="ignore"):
            left, right = _exclusive_products(flat, along)
            others = (left * right).reshape(x.shape)
        if axis is not None and not keepdim:
            grad_output = np.expand_dims(grad_output, axis)
        return (grad_output * others).astype(grad_output.dtype, copy=False)


class AMax(Function):
    """y = max over ``dim`` (a tuple allowed; () or None: every dim), ``is_max=False``: min.

    Unlike max(dim), amax returns no index, and PyTorch splits g evenly among tied maxima:
    dL/dx = g * [x == y] / (number of ties in the slice). A slice whose max is NaN has no
    x == y, and PyTorch's formula then gives NaN to every entry of that slice (0 * g / 0); so do we.
    """

    saves = {0, "out"}

    @staticmethod
    def forward(ctx, x, dim=(), keepdim=False, is_max=True):
        name = "amax" if is_max else "amin"
        axes = normalize_dims(name, dim, x.ndim)
        if x.size == 0 and (dim is None or (not isinstance(dim, (int, np.integer)) and len(dim) == 0)):
            raise RuntimeError(
                f"{name}(): expected a reduction dim for an empty input, got shape {x.shape}; "
                "specify the reduction dim with the 'dim' argument"
            )
        for a in axes:
            if x.shape[a] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {a} to have non-zero size, got shape {x.shape}")
        if x.ndim == 0:
            out_keep = x.copy()
        else:
            out_keep = (np.max if is_max else np.min)(x, axis=axes, keepdims=True)
        ctx.save_for_backward(x, out_keep)
        ctx.meta = axes
        return out_keep if keepdim or not axes else np.squeeze(out_keep, axis=axes)

    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        axes = ctx.meta
        winners = x == y
        count = np.sum(winners, axis=axes, keepdims=True)
        g = grad_output.reshape(y.shape)
        with np.errstate(divide="ignore", invalid="ignore"):  # a NaN slice: g / 0 * 0 = nan, as torch
            return (winners * (g / count)).astype(grad_output.dtype, copy=False)


class TakeAlongDim(Function):
    """y = x[..., idx, ...] along ``dim`` (``torch.take_along_dim``), the value half of sort, topk,
    cummax, median, ...: the indices come from a non-differentiable search.

    Each y_j copies one x_i, so dL/dx_i = sum of g_j over the j with idx_j = i (a scatter-add:
    cummax and mode can pick one i several times).
    """

    saves = {1}

    @staticmethod
    def forward(ctx, x, indices, dim, squeeze=False):
        ctx.save_for_backward(indices)
        ctx.meta = (x.shape, dim, squeeze)
        if x.ndim == 0:
            return x.copy()
        out = np.take_along_axis(x, indices, axis=dim)
        return np.squeeze(out, axis=dim) if squeeze else out

    @staticmethod
    def backward(ctx, grad_output):
        (indices,) = ctx.saved_tensors
        shape, dim, squeeze = ctx.meta
        if len(shape) == 0:
            return grad_output, None
        if squeeze:
            grad_output = np.expand_dims(grad_output, dim)
        grad = np.zeros(shape, dtype=grad_output.dtype)
        ix = list(np.indices(indices.shape, sparse=True))
        ix[dim] = indices
        np.add.at(grad, tuple(ix), grad_output)
        return grad, None


class CumSum(Function):
    """y_j = sum_{i <= j} x_i along ``dim``; dy_j/dx_i = [i <= j], so dL/dx_i = sum_{j >= i} g_j:
    the cumulative sum of g taken from the end."""

    saves = set()

    @staticmethod
    def forward(ctx, x, dim):
        axis = normalize_dim("cumsum", dim, x.ndim)
        x = _integer_result(x)
        ctx.meta = axis
        if x.ndim == 0:
            return x.copy()
        return np.cumsum(x, axis=axis)

    @staticmethod
    def backward(ctx, grad_output):
        if grad_output.ndim == 0:
            return grad_output
        return _reverse_cumsum(grad_output, ctx.meta)


def _reverse_cumsum(a, axis):
    return np.flip(np.cumsum(np.flip(a, axis=axis), axis=axis), axis=axis)


class CumProd(Function):
    """y_j = prod_{i <= j} x_i along ``dim``.

    dL/dx_k = sum_{j >= k} g_j prod_{i <= j, i != k} x_i. Where x_k != 0 that is
    sum_{j >= k} g_j y_j / x_k (a reverse cumsum); every product past the first zero z of a slice
    holds x_z, so entries after z get 0 and x_z itself gets
    prod_{i < z} x_i * sum_{j >= z} g_j prod_{z < i <= j} x_i (exact with zeros, as PyTorch).
    """

    saves = {0, "out"}

    @staticmethod
    def forward(ctx, x, dim):
        axis = normalize_dim("cumprod", dim, x.ndim)
        x = _integer_result(x)
        ctx.meta = axis
        with np.errstate(over="ignore", invalid="ignore"):
            out = x.copy() if x.ndim == 0 else np.cumprod(x, axis=axis)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        if x.ndim == 0:
            return grad_output
        axis = ctx.meta
        xs = np.moveaxis(x, axis, -1).reshape(-1, x.shape[axis]) if x.size else None
        if xs is None:
            return np.zeros(x.shape, grad_output.dtype)
        gs = np.moveaxis(grad_output, axis, -1).reshape(xs.shape)
        ys = np.moveaxis(y, axis, -1).reshape(xs.shape)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            grad = np.where(xs == 0, 0, _reverse_cumsum(gs * ys, -1) / xs)
            for row in np.flatnonzero((xs == 0).any(axis=1)):
                z = int(np.argmax(xs[row] == 0))
                grad[row, z + 1 :] = 0
                before = np.prod(xs[row, :z])
                after = np.cumprod(np.concatenate([[1], xs[row, z + 1 :]]))
                grad[row, z] = before * np.sum(gs[row, z:] * after)
        moved = np.moveaxis(x, axis, -1).shape
        return np.moveaxis(grad.reshape(moved), -1, axis).astype(grad_output.dtype, copy=False)


def _reverse_logcumsumexp(a, axis):
    return np.flip(np.logaddexp.accumulate(np.flip(a, axis=axis), axis=axis), axis=axis)


class LogCumSumExp(Function):
    """y_j = ln sum_{i <= j} e^{x_i} along ``dim`` (np.logaddexp.accumulate: never overflows).

    dy_j/dx_k = e^{x_k - y_j} for k <= j, so dL/dx_k = sum_{j >= k} g_j e^{x_k - y_j}. Computed in
    log space, g split into its positive and negative parts:
    e^{x_k + reverse-logcumsumexp(ln g_j^+ - y_j)} - (the same for g^-), as PyTorch.
    """

    saves = {0, "out"}

    @staticmethod
    def forward(ctx, x, dim):
        axis = normalize_dim("logcumsumexp", dim, x.ndim)
        if x.dtype.kind not in "fc":
            raise NotImplementedError(
                f"logcumsumexp: input must be a floating point tensor, got dtype {x.dtype}; expected float32 or float64"
            )
        ctx.meta = axis
        with np.errstate(invalid="ignore", over="ignore"):
            out = x.copy() if x.ndim == 0 else np.logaddexp.accumulate(x, axis=axis)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        if x.ndim == 0:
            return grad_output
        axis = ctx.meta
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            pos = _reverse_logcumsumexp(np.log(np.maximum(grad_output, 0)) - y, axis)
            neg = _reverse_logcumsumexp(np.log(np.maximum(-grad_output, 0)) - y, axis)
            grad = np.exp(x + pos) - np.exp(x + neg)
        return grad.astype(grad_output.dtype, copy=False)


def cum_extreme_indices(x, axis, is_max):
    """The index of the running max (min) along ``axis``: the latest one on ties, and NaN wins
    from its position on, as PyTorch's cummax / cummin."""
    moved = np.moveaxis(x, axis, 0)
    indices = np.zeros(moved.shape, dtype=np.int64)
    if moved.shape[0] == 0:
        return np.moveaxis(indices, 0, axis)
    best = moved[0].copy()
    best_index = np.zeros(moved.shape[1:], dtype=np.int64)
    for i in range(1, moved.shape[0]):
        value = moved[i]
        with np.errstate(invalid="ignore"):
            better = (value >= best) if is_max else (value <= best)
        if moved.dtype.kind in "fc":
            better = (better & ~np.isnan(best)) | np.isnan(value)
        best = np.where(better, value, best)
        best_index = np.where(better, i, best_index)
        indices[i] = best_index
    return np.moveaxis(indices, 0, axis)


def sort_indices(x, axis, descending, stable=True):
    """argsort along ``axis``, ties in their original order (a stable sort) in both directions,
    NaN counted as the largest value (last ascending, first descending) as PyTorch."""
    if x.ndim == 0:
        return np.zeros((), dtype=np.int64)
    if not descending:
        return np.argsort(x, axis=axis, kind="stable")
    n = x.shape[axis]
    flipped = np.argsort(np.flip(x, axis=axis), axis=axis, kind="stable")
    return np.flip(n - 1 - flipped, axis=axis)


# torch.return_types: named tuples of (values, indices) and aminmax's (min, max)
SortResult = namedtuple("sort", ["values", "indices"])
TopKResult = namedtuple("topk", ["values", "indices"])
CumMaxResult = namedtuple("cummax", ["values", "indices"])
CumMinResult = namedtuple("cummin", ["values", "indices"])
AMinMaxResult = namedtuple("aminmax", ["min", "max"])


def _int_dim(name, dim):
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{name}(): argument 'dim' must be int, got {type(dim).__name__}")
    return dim


def _select(tensor, indices, axis):
    """(values, indices) with the values differentiable through ``TakeAlongDim``."""
    from ..tensor import Tensor

    return TakeAlongDim.apply(tensor, indices, dim=axis), Tensor(indices)


def sort(tensor, dim=-1, descending=False, stable=False):
    """``torch.sort``: always stable here (a valid outcome of torch's unstable sort as well)."""
    axis = normalize_dim("sort", _int_dim("sort", dim), tensor.ndim)
    return SortResult(*_select(tensor, sort_indices(tensor._data, axis, descending), axis))


def topk(tensor, k, dim=-1, largest=True, sorted=True):  # noqa: A002 - PyTorch's argument name
    """``torch.topk``: the k largest (smallest) along ``dim``, sorted, ties in index order."""
    axis = normalize_dim("topk", _int_dim("topk", dim), tensor.ndim)
    size = tensor.shape[axis] if tensor.ndim else 1
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
        raise TypeError(f"topk(): argument 'k' must be int, got {type(k).__name__}")
    if not 0 <= k <= size:
        raise RuntimeError(f"topk(): selected index k out of range, got k={k}; expected 0 <= k <= {size}")
    order = sort_indices(tensor._data, axis, descending=largest)
    indices = order if tensor.ndim == 0 else np.take(order, np.arange(k), axis=axis)
    return TopKResult(*_select(tensor, indices, axis))


def cum_extreme(tensor, dim, is_max):
    """``torch.cummax`` / ``torch.cummin``: running (values, indices) along ``dim``."""
    name = "cummax" if is_max else "cummin"
    axis = normalize_dim(name, _int_dim(name, dim), tensor.ndim)
    if tensor.ndim == 0:
        indices = np.zeros((), dtype=np.int64)
    else:
        indices = cum_extreme_indices(tensor._data, axis, is_max)
    return (CumMaxResult if is_max else CumMinResult)(*_select(tensor, indices, axis))


def aminmax(tensor, dim=None, keepdim=False):
    """``torch.aminmax``: (amin, amax) over ``dim`` (every element when None)."""
    if dim is not None:
        _int_dim("aminmax", dim)
    elif tensor.numel() == 0:
        raise RuntimeError(
            f"aminmax(): cannot compute aminmax over an empty tensor, got shape {tensor.shape}; "
            "expected a non-empty tensor or a dim"
        )
    dim = () if dim is None else dim
    return AMinMaxResult(
        AMax.apply(tensor, dim=dim, keepdim=keepdim, is_max=False), AMax.apply(tensor, dim=dim, keepdim=keepdim)
    )


def any_or_all(x, dim, keepdim, is_any):
    """``torch.any`` / ``torch.all`` over ``dim`` (int, tuple, or None for every dim): bool, or
    uint8 for a uint8 input as in PyTorch."""
    axes = normalize_dims("any" if is_any else "all", dim, x.ndim)
    if dim is not None and not isinstance(dim, (int, np.integer)) and len(dim) == 0:
        axes = ()  # unlike sum, torch.any(x, dim=()) reduces nothing
    out = (np.any if is_any else np.all)(x, axis=axes, keepdims=keepdim)
    return np.asarray(out, dtype=np.uint8 if x.dtype == np.uint8 else bool)


# ---------------------------------------------------------------- order statistics
MedianResult = namedtuple("median", ["values", "indices"])
NanMedianResult = namedtuple("nanmedian", ["values", "indices"])
KthValueResult = namedtuple("kthvalue", ["values", "indices"])
ModeResult = namedtuple("mode", ["values", "indices"])


def _lower_median_position(sorted_values, ignore_nan):
    """Position (in a NaN-last sort along the last axis) of the lower of the two middles; with a
    NaN in the slice (median) the first NaN, with only NaNs (nanmedian) position 0."""
    n = sorted_values.shape[-1]
    valid = np.sum(~np.isnan(sorted_values), axis=-1, keepdims=True) if sorted_values.dtype.kind == "f" else n
    if ignore_nan:
        return np.maximum(valid - 1, 0) // 2
    return np.where(valid < n, valid, (n - 1) // 2)


class MedianAll(Function):
    """m = the lower of the two middle values of all elements (``ignore_nan``: of the non-NaN
    ones); NaN if a NaN is present (nanmedian: if all are NaN), NaN for an empty input.

    m equals some x_i; PyTorch's backward (evenly_distribute_backward) splits g evenly among all
    elements equal to m (the NaNs when m is NaN), like max's ties.
    """

    saves = {0, "out"}

    @staticmethod
    def forward(ctx, x, ignore_nan=False):
        if x.size == 0:
            out = np.asarray(np.nan, dtype=x.dtype if x.dtype.kind == "f" else np.float32)
            if x.dtype.kind != "f":
                raise IndexError(f"median(): expected a non-empty tensor of dtype {x.dtype}, got shape {x.shape}")
        else:
            ordered = np.sort(x.reshape(-1), kind="stable")
            out = np.asarray(ordered[int(_lower_median_position(ordered, ignore_nan).reshape(-1)[0])])
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, y = ctx.saved_tensors
        winners = np.isnan(x) if np.isnan(y) else x == y
        with np.errstate(divide="ignore", invalid="ignore"):
            return (winners * (grad_output / max(winners.sum(), 1))).astype(grad_output.dtype, copy=False)


def _along_last(x, axis):
    """x with ``axis`` moved last (a 0-d input becomes shape (1,))."""
    return np.moveaxis(x.reshape(1) if x.ndim == 0 else x, axis, -1)


def _select_position(tensor, name, dim, keepdim, result, positions_of):
    """values/indices of the element at ``positions_of(sorted)`` (an index into the NaN-last sort
    of each slice along ``dim``), the values through TakeAlongDim."""
    from ..tensor import Tensor

    axis = normalize_dim(name, _int_dim(name, dim), tensor.ndim)
    x = tensor._data
    if x.ndim and x.shape[axis] == 0:
        raise IndexError(f"{name}(): Expected reduction dim {axis} to have non-zero size, got shape {x.shape}")
    moved = _along_last(x, axis)
    order = np.argsort(moved, axis=-1, kind="stable")
    positions = positions_of(np.take_along_axis(moved, order, axis=-1))
    indices = np.moveaxis(np.take_along_axis(order, positions, axis=-1), -1, axis)
    if x.ndim == 0:
        indices = np.zeros((), dtype=np.int64)
        return result(TakeAlongDim.apply(tensor, indices, dim=0), Tensor(indices))
    values = TakeAlongDim.apply(tensor, indices, dim=axis, squeeze=not keepdim)
    return result(values, Tensor(indices if keepdim else np.squeeze(indices, axis)))


def median(tensor, dim=None, keepdim=False, ignore_nan=False):
    """``torch.median`` / ``torch.nanmedian``: the lower middle; with ``dim`` (values, indices)
    whose index is one element holding that value (torch's choice among ties is its selection
    algorithm's, so a tied index may differ)."""
    if dim is None:
        return MedianAll.apply(tensor, ignore_nan=ignore_nan)
    name = "nanmedian" if ignore_nan else "median"
    result = NanMedianResult if ignore_nan else MedianResult
    return _select_position(
        tensor, name, dim, keepdim, result, lambda ordered: _lower_median_position(ordered, ignore_nan)
    )


def kthvalue(tensor, k, dim=-1, keepdim=False):
    """``torch.kthvalue``: the k-th smallest (1-based, NaN counted largest) along ``dim``."""
    axis = normalize_dim("kthvalue", _int_dim("kthvalue", dim), tensor.ndim)
    size = tensor.shape[axis] if tensor.ndim else 1
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
        raise TypeError(f"kthvalue(): argument 'k' must be int, got {type(k).__name__}")
    if not 1 <= k <= size:
        raise RuntimeError(
            f"kthvalue(): selected number k out of range for dimension {axis}, got k={k}; expected 1 <= k <= {size}"
        )
    return _select_position(
        tensor, "kthvalue", dim, keepdim, KthValueResult, lambda ordered: np.full(ordered.shape[:-1] + (1,), k - 1)
    )


def _mode_positions(ordered):
    """In each sorted row: the last position of the most frequent value (the smallest such value
    on a tie of counts), as PyTorch's mode, which returns the last index holding the mode."""
    rows = ordered.reshape(-1, ordered.shape[-1])
    positions = np.empty(len(rows), dtype=np.int64)
    for r, row in enumerate(rows):
        starts = np.flatnonzero(np.concatenate([[True], row[1:] != row[:-1]]))
        counts = np.diff(np.concatenate([starts, [len(row)]]))
        best = int(np.argmax(counts))
        positions[r] = starts[best] + counts[best] - 1
    return positions.reshape(ordered.shape[:-1] + (1,))


def mode(tensor, dim=-1, keepdim=False):
    """``torch.mode``: the most frequent value along ``dim`` and the last index holding it."""
    return _select_position(tensor, "mode", dim, keepdim, ModeResult, _mode_positions)


_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


class Quantile(Function):
    """y = the q-quantile along ``dim`` (every element when None) of the sorted values v:
    at rank r = q (n - 1), y = v_lo + w (v_hi - v_lo) with lo = floor r, hi = ceil r and w = r - lo
    ('linear'; 'lower' / 'higher' / 'nearest' pick one, 'midpoint' uses w = 1/2). n counts the
    non-NaN values for nanquantile; a NaN in the slice makes quantile NaN.

    y is linear in the two selected elements: dL/dx_lo += (1 - w) g and dL/dx_hi += w g. A
    tensor q gets dL/dq = sum g (v_hi - v_lo) dr/dq for 'linear' (dr/dq = n - 1; 0 in a slice
    holding a NaN), and none for the other interpolations, whose rank is rounded, as PyTorch.
    """

    saves = set()  # the selected indices and weights, fresh

    @staticmethod
    def forward(ctx, x, q, dim=None, keepdim=False, interpolation="linear", ignore_nan=False):
        name = "nanquantile" if ignore_nan else "quantile"
        if x.dtype.kind != "f":
            raise RuntimeError(f"{name}() input tensor must be either float or double dtype, got {x.dtype}")
        if isinstance(q, np.ndarray):
            if q.dtype != x.dtype:
                raise RuntimeError(
                    f"{name}() q tensor must be same dtype as the input tensor, got {q.dtype} and {x.dtype}"
                )
            if q.ndim > 1:
                raise RuntimeError(f"{name}() q must be a scalar or 1D tensor, got shape {q.shape}")
        qs = np.asarray(q, dtype=x.dtype)
        if np.any(qs < 0) or np.any(qs > 1) or np.any(np.isnan(qs)):
            raise RuntimeError(f"{name}() q must be in the range [0, 1] but got {q}")
        if interpolation not in _INTERPOLATIONS:
            raise RuntimeError(
                f"{name}() interpolation must be one of {', '.join(_INTERPOLATIONS)}, got {interpolation!r}"
            )
        if x.size == 0 and dim is None:
            raise RuntimeError(f"{name}() input tensor must be non-empty, got shape {x.shape}")
        if dim is None:
            moved, axis = x.reshape(-1), None
            kept_shape = (1,) * x.ndim
        else:
            axis = normalize_dim(name, _int_dim(name, dim), x.ndim)
            if x.ndim and x.shape[axis] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {axis} to have non-zero size, got shape {x.shape}")
            moved = _along_last(x, axis)
            kept_shape = x.shape[:axis] + (1,) + x.shape[axis + 1 :] if x.ndim else ()
        n = moved.shape[-1]
        order = np.argsort(moved, axis=-1, kind="stable")
        ordered = np.take_along_axis(moved, order, axis=-1)
        valid = np.sum(~np.isnan(ordered), axis=-1, keepdims=True)
        rank_q = qs.reshape(qs.shape + (1,) * moved.ndim)  # (Q, ..., 1)
        if ignore_nan:
            rank_per_q = np.maximum(valid - 1, 0)  # dr/dq
            rank = rank_q * rank_per_q
            last = np.where(valid == 0, 0, valid - 1)
        else:
            rank_per_q = np.where(valid < n, 0, n - 1)
            rank = np.where(valid < n, n - 1, rank_q * (n - 1))  # a NaN: take the last (NaN) value
            last = np.full(valid.shape, n - 1)
        if interpolation == "nearest":
            rank = np.round(rank)  # half to even, as torch
        lo = np.floor(rank).astype(np.int64)
        hi = np.minimum(np.ceil(rank).astype(np.int64), last)
        if interpolation == "lower":
            hi = lo
        elif interpolation == "higher":
            lo = hi
        weight = (np.full(rank.shape, 0.5) if interpolation == "midpoint" else rank - lo).astype(x.dtype)
        weight = np.where(lo == hi, 0, weight).astype(x.dtype)
        batch = np.broadcast_shapes(lo.shape, order.shape[:-1] + (1,))
        order_b = np.broadcast_to(order, batch[:-1] + (n,))
        lo_idx = np.take_along_axis(order_b, np.broadcast_to(lo, batch), axis=-1)
        hi_idx = np.take_along_axis(order_b, np.broadcast_to(hi, batch), axis=-1)
        moved_b = np.broadcast_to(moved, batch[:-1] + (n,))
        below = np.take_along_axis(moved_b, lo_idx, axis=-1)
        above = np.take_along_axis(moved_b, hi_idx, axis=-1)
        with np.errstate(invalid="ignore"):
            out = np.where(weight < 0.5, below + weight * (above - below), above - (above - below) * (1 - weight))
        out = out[..., 0]  # (Q, ...) over the kept dims
        if dim is not None and x.ndim:
            out = np.expand_dims(out, qs.ndim + axis) if keepdim else out
        elif keepdim:
            out = out.reshape(qs.shape + kept_shape)
        slope = None
        if interpolation == "linear" and isinstance(q, np.ndarray):
            with np.errstate(invalid="ignore"):  # dy/dq = (v_hi - v_lo) dr/dq
                slope = ((above - below) * rank_per_q).astype(x.dtype)
        ctx.save_for_backward(lo_idx, hi_idx, weight, slope)
        ctx.meta = (x.shape, axis, moved.shape, qs.ndim)
        return np.asarray(out, dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        lo_idx, hi_idx, weight, slope = ctx.saved_tensors
        shape, axis, moved_shape, q_ndim = ctx.meta
        g = grad_output.reshape(lo_idx.shape)
        grad_q = None
        if slope is not None:
            with np.errstate(invalid="ignore"):
                grad_q = np.sum(g * slope, axis=tuple(range(q_ndim, g.ndim))).astype(grad_output.dtype)
        grad = np.zeros(lo_idx.shape[:-1] + (moved_shape[-1],), dtype=grad_output.dtype)
        ix = list(np.indices(lo_idx.shape, sparse=True))
        for idx, w in ((lo_idx, 1 - weight), (hi_idx, weight)):
            ix[-1] = idx
            np.add.at(grad, tuple(ix), g * w)
        grad = grad.sum(axis=tuple(range(q_ndim))) if q_ndim else grad  # over the q axis
        grad = grad.reshape(moved_shape)
        grad = grad.reshape(shape) if axis is None else np.moveaxis(grad, -1, axis).reshape(shape)
        return grad, grad_q


class NanSum(Function):
    """y = sum of the non-NaN x_i over ``dim``; dy/dx_i = [x_i is not NaN].

    PyTorch multiplies g by that mask (rather than selecting), so an infinite g (nanmean of an
    all-NaN slice divides by a count of 0) gives NaN at the NaN entries too; we do the same.
    """

    saves = set()  # the not-NaN mask, fresh

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        axes = normalize_dims("nansum", dim, x.ndim)
        present = ~np.isnan(x)
        ctx.save_for_backward(present)
        ctx.meta = (x.shape, axes, keepdim)
        return np.asarray(np.sum(np.where(present, x, 0), axis=axes, keepdims=keepdim), dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        (present,) = ctx.saved_tensors
        shape, axes, keepdim = ctx.meta
        with np.errstate(invalid="ignore"):
            return (expand_reduced(grad_output, shape, axes, keepdim) * present).astype(grad_output.dtype, copy=False)


class NanMean(Function):
    """y = (sum of the non-NaN x_i) / (their count c) over ``dim``; dL/dx = (g / c) * [x not NaN].

    As PyTorch (nansum's backward of g / c), an all-NaN slice gives y = 0/0 = NaN and a NaN
    gradient on the whole slice (g / 0 * 0).
    """

    saves = set()  # the not-NaN mask, fresh

    @staticmethod
    def forward(ctx, x, dim=None, keepdim=False):
        if x.dtype.kind != "f":
            raise RuntimeError(
                f"nanmean(): expected input to have floating point dtype, got {x.dtype}; cast it with .float()"
            )
        axes = normalize_dims("nanmean", dim, x.ndim)
        present = ~np.isnan(x)
        count = np.sum(present, axis=axes, keepdims=True).astype(x.dtype)
        ctx.save_for_backward(present, count)
        ctx.meta = (x.shape, axes, keepdim)
        with np.errstate(invalid="ignore", divide="ignore"):
            out = np.sum(np.where(present, x, 0), axis=axes, keepdims=True) / count
        return np.asarray(out if keepdim or not axes else np.squeeze(out, axis=axes), dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        present, count = ctx.saved_tensors
        shape, axes, keepdim = ctx.meta
        g = expand_reduced(grad_output, shape, axes, keepdim)
        with np.errstate(invalid="ignore", divide="ignore"):
            return (g / count * present).astype(grad_output.dtype, copy=False)


# ---------------------------------------------------------------- search (no gradient)
def nonzero(x, as_tuple=False):
    """``torch.nonzero``: an (n, ndim) int64 array of the indices of the nonzero elements in
    row-major order, or (as_tuple) one 1-D array per dim (a 0-d input counts as 1-D)."""
    found = np.nonzero(np.atleast_1d(x) if as_tuple else x.reshape(x.shape or (1,)))
    if as_tuple:
        return tuple(np.asarray(i, dtype=np.int64) for i in found)
    stacked = np.stack(found, axis=1).astype(np.int64) if found else np.zeros((0, 0), np.int64)
    return stacked if x.ndim else stacked[:, :0]


def count_nonzero(x, dim=None):
    axes = normalize_dims("count_nonzero", dim, x.ndim)
    return np.asarray(np.count_nonzero(x, axis=axes) if x.ndim else int(x != 0), dtype=np.int64)


def unique(x, return_inverse=False, return_counts=False, dim=None):
    """``torch.unique``: the sorted distinct values (``dim``: distinct slices along it), each NaN
    counted apart as in PyTorch; with the inverse (input shape, or the dim's size) and counts."""
    if dim is None:
        values, inverse, counts = np.unique(x.reshape(-1), return_inverse=True, return_counts=True, equal_nan=False)
        inverse = inverse.reshape(x.shape)
    else:
        axis = normalize_dim("unique", _int_dim("unique", dim), x.ndim)
        if x.ndim == 0:
            values, inverse, counts = x.reshape(1), np.zeros(1, np.int64), np.ones(1, np.int64)
        else:
            values, inverse, counts = np.unique(x, return_inverse=True, return_counts=True, axis=axis)
            inverse = inverse.reshape(-1)
    out = [np.asarray(values, dtype=x.dtype)]
    if return_inverse:
        out.append(inverse.astype(np.int64))
    if return_counts:
        out.append(counts.astype(np.int64))
    return out[0] if len(out) == 1 else tuple(out)


def bincount(x, weights=None, minlength=0):
    """``torch.bincount``: counts (or summed ``weights``) of each value of a 1-D non-negative
    integer array, at least ``minlength`` bins."""
    if x.dtype.kind not in "iu":
        raise NotImplementedError(f"bincount: expected an integer tensor, got dtype {x.dtype}")
    if x.ndim != 1 or (x.size and x.min() < 0):
        raise RuntimeError(f"bincount only supports 1-d non-negative integral inputs, got shape {x.shape}")
    if weights is not None and weights.shape != x.shape:
        raise RuntimeError(
            f"bincount: weights should be 1-d and have the same length as input, got {weights.shape} and {x.shape}"
        )
    if not isinstance(minlength, (int, np.integer)) or minlength < 0:
        raise RuntimeError(f"bincount: minlength should be >= 0, got {minlength!r}")
    counts = np.bincount(x.astype(np.int64), weights=weights, minlength=minlength)
    if weights is None:
        return counts.astype(np.int64)
    return counts.astype(weights.dtype if weights.dtype.kind == "f" else np.float64)


def searchsorted(sorted_sequence, values, out_int32=False, right=False, side=None, sorter=None):
    """``torch.searchsorted``: for each value, the insertion index into the last dim of
    ``sorted_sequence`` (batched over its leading dims, which must match those of ``values``);
    ``right`` / ``side='right'`` takes the index after equal elements."""
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but got {side}")
        if right and side == "left":
            raise RuntimeError(
                "torch.searchsorted(): side and right can't be set to opposites, got side of left while right was True"
            )
        right = side == "right"
    seq = sorted_sequence
    if sorter is not None:
        if sorter.shape != seq.shape:
            raise RuntimeError(
                f"torch.searchsorted(): boundary and sorter must have the same size, got {seq.shape} and {sorter.shape}"
            )
        seq = np.take_along_axis(seq, sorter.astype(np.int64), axis=-1)
    scalar = values.ndim == 0
    vals = values.reshape(1) if scalar else values
    if seq.ndim == 0 or (seq.ndim > 1 and seq.shape[:-1] != vals.shape[:-1]):
        raise RuntimeError(
            "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 dimensions of "
            f"boundaries tensor and input value tensor must match, but we got boundaries tensor {list(seq.shape)} "
            f"and input value tensor {list(values.shape)}"
        )
    which = "right" if right else "left"
    if seq.ndim == 1:
        out = np.searchsorted(seq, vals, side=which)
    else:
        rows, flat_vals = seq.reshape(-1, seq.shape[-1]), vals.reshape(-1, vals.shape[-1])
        out = np.stack([np.searchsorted(r, v, side=which) for r, v in zip(rows, flat_vals)]).reshape(vals.shape)
    out = out.reshape(()) if scalar else out
    return np.asarray(out, dtype=np.int32 if out_int32 else np.int64)
