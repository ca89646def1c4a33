"""Activations beyond the basic ones of ops/unary.py: silu, selu/celu, mish, hardswish,
hardsigmoid, logsigmoid, softsign, the shrinkage functions, threshold, glu and prelu.

Each backward is g * f'(x) (elementwise, except glu and prelu's weight), with f' at a kink taken
as PyTorch takes it (pinned against torch.autograd in tests/ops/test_activation.py). The exact
compositions (relu6, tanhshrink, softmin, normalize) live in functional.py.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ._util import normalize_dim
from .unary import floating, require_floating, stable_sigmoid

__all__ = [
    "GLU",
    "Hardshrink",
    "Hardsigmoid",
    "Hardswish",
    "LogSigmoid",
    "Mish",
    "PReLU",
    "ScaledELU",
    "SiLU",
    "Softshrink",
    "Softsign",
    "Threshold",
]

# torch's hardsigmoid_backward multiplies by the float literal 1.0f / 6.0f, in every dtype
_ONE_SIXTH = float(np.float32(1.0) / np.float32(6.0))


class SiLU(Function):
    """y = x s, s = sigmoid(x); dy/dx = s + x s (1 - s) = s (1 + x (1 - s)).

    s comes from the overflow-free sigmoid, so x = -1e4 gives y = -0 and slope 0, not nan.
    """

    saves = {0}

    @staticmethod
    def forward(ctx, x):
        require_floating("silu", x)
        ctx.save_for_backward(x)
        with np.errstate(invalid="ignore"):  # NaN in, NaN out, silently as in PyTorch
            return (x * stable_sigmoid(x)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        s = stable_sigmoid(x)
        with np.errstate(invalid="ignore"):  # x = +-inf: inf * 0, nan as in PyTorch
            return (grad_output * s * (1 + x * (1 - s))).astype(grad_output.dtype, copy=False)


class ScaledELU(Function):
    """PyTorch's elu(x, alpha, scale, input_scale) behind selu and celu:
    y = scale x for x > 0, scale alpha (e^{input_scale x} - 1) otherwise.

    dy/dx = scale for x > 0, scale alpha input_scale e^{input_scale x} otherwise (so at x = 0
    the exponential branch's slope, as PyTorch). selu: alpha = 1.6733, scale = 1.0507,
    input_scale = 1; celu: scale = 1, input_scale = 1 / alpha. expm1 keeps y accurate near 0, and
    the exponent min(x, 0) never overflows.
    """

    saves = {0}

    @staticmethod
    def forward(ctx, x, alpha=1.0, scale=1.0, input_scale=1.0, name="elu"):
        require_floating(name, x)
        positive = ~(x <= 0)  # NaN takes the identity branch, as in PyTorch
        with np.errstate(over="ignore"):  # alpha < 0 (celu): e^{x / alpha} grows, inf as in PyTorch
            negative = scale * alpha * np.expm1(input_scale * np.minimum(x, 0))
        ctx.save_for_backward(x, positive)
        ctx.coefficients = (alpha, scale, input_scale)
        return np.where(positive, scale * x, negative).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        x, positive = ctx.saved_tensors
        alpha, scale, input_scale = ctx.coefficients
        with np.errstate(over="ignore"):
            slope = np.where(positive, scale, scale * alpha * input_scale * np.exp(input_scale * np.minimum(x, 0)))
        return (grad_output * slope).astype(grad_output.dtype, copy=False)


class Mish(Function):
    """y = x t, t = tanh(softplus(x)); dy/dx = t + x sigmoid(x) (1 - t^2).

    softplus(x) = logaddexp(0, x) never overflows; for x << 0 it is ~e^x, so y ~ x e^x stays
    accurate, and for x >> 0 t = 1 exactly.
    """

    saves = {0}  # and t, fresh

    @staticmethod
    def forward(ctx, x):
        require_floating("mish", x)
        with np.errstate(invalid="ignore"):  # NaN in, NaN out, silently as in PyTorch
            t = np.tanh(np.logaddexp(0, x))
            y = (x * t).astype(x.dtype, copy=False)
        ctx.save_for_backward(x, t)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        x, t = ctx.saved_tensors
        with np.errstate(invalid="ignore"):  # x = +-inf: inf * 0, nan as in PyTorch
            local = t + x * stable_sigmoid(x) * (1 - t * t)
        return (grad_output * local).astype(grad_output.dtype, copy=False)


class Hardswish(Function):
    """y = x relu6(x + 3) / 6: 0 for x <= -3, x for x >= 3, x (x + 3) / 6 between.

    dy/dx = 0 for x <= -3, 1 for x >= 3 and x / 3 + 1/2 strictly between: PyTorch puts both
    kinks in the flat pieces (slope 0 at -3, 1 at 3).
    """

    saves = {0}

    @staticmethod
    def forward(ctx, x):
        require_floating("hardswish", x)
        ctx.save_for_backward(x)
        with np.errstate(invalid="ignore"):  # x = -inf: -inf * 0 = nan, as in PyTorch
            return (x * np.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        slope = np.where(x <= -3, 0.0, np.where(x < 3, x / 3 + 0.5, 1.0))  # NaN: slope 1, as PyTorch
        return (grad_output * slope).astype(grad_output.dtype, copy=False)


class Hardsigmoid(Function):
    """y = relu6(x + 3) / 6; dy/dx = 1/6 strictly inside (-3, 3), 0 elsewhere (kinks included).

    The 1/6 is float32's, as PyTorch's backward uses the float literal 1.0f / 6.0f.
    """

    saves = set()  # the fresh mask -3 < x < 3

    @staticmethod
    def forward(ctx, x):
        require_floating("hardsigmoid", x)
        inside = (x > -3) & (x < 3)
        ctx.save_for_backward(inside)
        return (np.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        (inside,) = ctx.saved_tensors
        return (grad_output * np.where(inside, _ONE_SIXTH, 0.0)).astype(grad_output.dtype, copy=False)


class LogSigmoid(Function):
    """y = log sigmoid(x) = -softplus(-x) = min(x, 0) - log(1 + e^{-|x|}) (no overflow for any x).

    dy/dx = 1 - sigmoid(x) = sigmoid(-x).
    """

    saves = {0}

    @staticmethod
    def forward(ctx, x):
        require_floating("log_sigmoid", x)
        ctx.save_for_backward(x)
        return (np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return (grad_output * stable_sigmoid(-x)).astype(grad_output.dtype, copy=False)


class Softsign(Function):
    """y = x / (1 + |x|); dy/dx = 1 / (1 + |x|)^2 (squared after the division: no overflow).

    PyTorch composes softsign as input / (input.abs() + 1), so y(+-inf) = inf / inf = nan and the
    composed gradient there is 0 - inf / inf = nan; both are kept.
    """

    saves = {0}

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        with np.errstate(invalid="ignore"):  # +-inf / inf = nan, silently as in PyTorch
            return (x / (1 + np.abs(x))).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        local = np.where(np.isinf(x), np.nan, (1 / (1 + np.abs(x))) ** 2)
        return (grad_output * local).astype(grad_output.dtype, copy=False)


class Softshrink(Function):
    """y = x - lambd for x > lambd, x + lambd for x < -lambd, 0 between.

    dy/dx = 1 outside [-lambd, lambd] and 0 on it (the kinks +-lambd included, as PyTorch). A NaN
    input gives NaN and passes its gradient on, as in PyTorch.
    """

    saves = set()  # the fresh mask |x| > lambd

    @staticmethod
    def forward(ctx, x, lambd=0.5):
        require_floating("softshrink", x)
        if not lambd >= 0:
            raise RuntimeError(f"softshrink: lambda must be in range [0, inf), got {lambd}; expected lambd >= 0")
        passes = ~((x >= -lambd) & (x <= lambd))
        ctx.save_for_backward(passes)
        with np.errstate(invalid="ignore"):  # x = +-inf: inf * 0 in the branch not taken
            y = np.where(x > lambd, x - lambd, np.where(x < -lambd, x + lambd, x * 0))
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        (passes,) = ctx.saved_tensors
        return grad_output * passes


class Hardshrink(Function):
    """y = x for |x| > lambd, 0 on [-lambd, lambd]; dy/dx = 1 outside, 0 on it (+-lambd included,
    as PyTorch). A NaN input passes through with its gradient."""

    saves = set()  # the fresh mask |x| > lambd

    @staticmethod
    def forward(ctx, x, lambd=0.5):
        require_floating("hardshrink", x)
        passes = ~((x >= -lambd) & (x <= lambd))
        ctx.save_for_backward(passes)
        return np.where(passes, x, 0).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        (passes,) = ctx.saved_tensors
        return grad_output * passes


class Threshold(Function):
    """y = x for x > threshold, value otherwise; dy/dx = 1 for x > threshold, 0 otherwise (at
    x = threshold too). A NaN input passes through with its gradient, as in PyTorch. Integer
    inputs stay integer (value is cast to their dtype, as PyTorch)."""

    saves = set()  # the fresh mask x > threshold

    @staticmethod
    def forward(ctx, x, threshold, value):
        if x.dtype.kind == "b":
            raise RuntimeError(
                f"threshold: input must be a numeric tensor, got dtype {x.dtype}; expected a number dtype"
            )
        passes = ~(x <= threshold)
        ctx.save_for_backward(passes)
        return np.where(passes, x, np.asarray(value).astype(x.dtype)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        (passes,) = ctx.saved_tensors
        return grad_output * passes


class GLU(Function):
    """Split x in halves a, b along dim; y = a sigmoid(b).

    dL/da = g s and dL/db = g a s (1 - s) with s = sigmoid(b); the two are joined along dim.
    """

    saves = {0}

    @staticmethod
    def forward(ctx, x, dim=-1):
        require_floating("glu", x)
        if x.ndim == 0:
            raise RuntimeError("glu: does not support scalars because halving size must be even; expected a tensor")
        axis = normalize_dim("glu", dim, x.ndim)
        if x.shape[axis] % 2:
            raise RuntimeError(
                f"glu: halving dimension must be even, but dimension {axis} is size {x.shape[axis]}; "
                "expected an even size"
            )
        a, b = np.split(x, 2, axis=axis)
        ctx.save_for_backward(x)
        ctx.axis = axis
        return (a * stable_sigmoid(b)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        a, b = np.split(x, 2, axis=ctx.axis)
        s = stable_sigmoid(b)
        grad_a = grad_output * s
        grad_b = grad_a * a * (1 - s)
        return np.concatenate([grad_a, grad_b], axis=ctx.axis).astype(grad_output.dtype, copy=False)


def _prelu_weight_shape(x, weight):
    """The shape that broadcasts ``weight`` over ``x``: a single slope everywhere, or one slope
    per channel (dim 1; an input of fewer than 2 dims has one channel)."""
    channels = x.shape[1] if x.ndim >= 2 else 1
    if weight.size == 1:
        return ()
    if weight.size != channels:
        raise RuntimeError(
            "prelu: mismatch of parameter numbers and input channel size, got "
            f"{weight.size} parameters and channel size {channels}; expected 1 or {channels}"
        )
    return (1, channels) + (1,) * (x.ndim - 2)


class PReLU(Function):
    """y = x for x > 0, w x otherwise, w a single slope or one per channel (dim 1).

    dL/dx = g for x > 0, w g otherwise (so w at x = 0, as PyTorch); dL/dw = sum of g x over the
    non-positive entries, summed over every dim but the channel's (over all for one slope).
    """

    saves = {0, 1}

    @staticmethod
    def forward(ctx, x, weight):
        require_floating("prelu", x)
        if weight.ndim > 1:
            raise RuntimeError(
                f"prelu: expected weight to be a scalar or 1D tensor, got ndim = {weight.ndim}; expected ndim 0 or 1"
            )
        if weight.dtype != x.dtype:
            raise RuntimeError(
                f"prelu: type promotion is not supported, got input {x.dtype} and weight {weight.dtype}; "
                "expected the same dtype"
            )
        shape = _prelu_weight_shape(x, weight)
        ctx.save_for_backward(x, weight)
        ctx.shape = shape
        return np.where(x > 0, x, weight.reshape(shape) * x).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        x, weight = ctx.saved_tensors
        positive = x > 0
        grad_x = np.where(positive, grad_output, weight.reshape(ctx.shape) * grad_output)
        contribution = np.where(positive, 0, grad_output * x)
        if ctx.shape:
            axes = tuple(i for i in range(x.ndim) if i != 1)
            grad_w = contribution.sum(axis=axes)
        else:
            grad_w = contribution.sum()
        return grad_x.astype(grad_output.dtype, copy=False), np.reshape(grad_w, weight.shape).astype(weight.dtype)
