"""Binary arithmetic: add sub mul div neg pow maximum minimum where, and ``unbroadcast``.

Broadcasting copies an input along some axes in the forward pass; the chain rule then says the
gradient of every copy flows back to the one original element, so the backward pass must *sum*
over those axes. ``unbroadcast`` is that sum, used by every binary op.
"""
from __future__ import annotations

import numpy as np

from ..autograd import Function


def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``: over the leading axes broadcasting added, and over every
    axis where ``shape`` has size 1 but ``grad`` does not."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)


def _shape(x):
    return x.shape if isinstance(x, np.ndarray) else ()


def broadcast_error(op_name, a, b):
    return ValueError(
        f"{op_name}: shapes {_shape(a)} and {_shape(b)} cannot be broadcast together "
        "(trailing dimensions must be equal or 1)"
    )


def _binary(op_name, ufunc, a, b):
    try:
        return ufunc(a, b)
    except ValueError:
        raise broadcast_error(op_name, a, b) from None


def _is_array(x):
    return isinstance(x, np.ndarray)


class Add(Function):
    """z = a + b.

    dz/da = 1 and dz/db = 1 elementwise, so dL/da = unbroadcast(g) and dL/db = unbroadcast(g).
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (_shape(a), _shape(b))
        return _binary("add", np.add, a, b)

    @staticmethod
    def backward(ctx, grad_output):
        sa, sb = ctx.shapes
        return unbroadcast(grad_output, sa), unbroadcast(grad_output, sb)


class Sub(Function):
    """z = a - b.

    dz/da = 1, dz/db = -1, so dL/da = unbroadcast(g), dL/db = -unbroadcast(g).
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (_shape(a), _shape(b))
        return _binary("sub", np.subtract, a, b)

    @staticmethod
    def backward(ctx, grad_output):
        sa, sb = ctx.shapes
        return unbroadcast(grad_output, sa), -unbroadcast(grad_output, sb)


class Mul(Function):
    """z = a * b.

    dz/da = b, dz/db = a (product rule with the other factor held fixed), so
    dL/da = unbroadcast(g * b), dL/db = unbroadcast(g * a).
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _binary("mul", np.multiply, a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        grad_a = unbroadcast(grad_output * b, a.shape) if _is_array(a) else None
        grad_b = unbroadcast(grad_output * a, b.shape) if _is_array(b) else None
        return grad_a, grad_b


class Div(Function):
    """z = a / b.

    dz/da = 1/b; dz/db = -a/b^2 = -z/b. So dL/da = unbroadcast(g / b) and
    dL/db = unbroadcast(-g * a / b^2).
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _binary("div", np.true_divide, a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        grad_a = unbroadcast(grad_output / b, a.shape) if _is_array(a) else None
        grad_b = unbroadcast(-grad_output * a / (b * b), b.shape) if _is_array(b) else None
        return grad_a, grad_b


class Neg(Function):
    """z = -a, so dL/da = -g."""

    @staticmethod
    def forward(ctx, a):
        return np.negative(a)

    @staticmethod
    def backward(ctx, grad_output):
        return -grad_output


class Pow(Function):
    """z = a ** b.

    dz/da = b * a^(b-1)   (power rule);
    dz/db = a^b * ln(a) = z * ln(a)   (a^b = e^(b ln a)).
    As in PyTorch, the exponent's gradient is taken as 0 where a == 0 and b >= 0 (the limit of
    z * ln a there), and a scalar exponent of 0 gives a zero gradient rather than 0 * a^-1.
    """

    @staticmethod
    def forward(ctx, a, b):
        out = _binary("pow", np.power, a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        a, b, out = ctx.saved_tensors
        grad_a = grad_b = None
        if _is_array(a):
            if not _is_array(b) and b == 0:
                grad_a = np.zeros_like(a)
            else:
                grad_a = unbroadcast(grad_output * b * np.power(a, b - 1), a.shape)
        if _is_array(b):
            with np.errstate(divide="ignore", invalid="ignore"):
                log_a = np.log(a)
                local = np.where((a == 0) & (b >= 0), 0.0, out * log_a)
            grad_b = unbroadcast((grad_output * local).astype(b.dtype, copy=False), b.shape)
        return grad_a, grad_b


class Maximum(Function):
    """z = max(a, b) elementwise.

    The gradient goes to whichever input is larger; at a tie z moves at half the speed of each
    input (the derivative is undefined there), so PyTorch gives each input g/2. We do the same.
    """

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _binary("maximum", np.maximum, a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        return _split_by_winner(grad_output, a, b, np.greater)


class Minimum(Function):
    """z = min(a, b) elementwise; like ``Maximum`` with the comparison flipped (ties split g/2)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _binary("minimum", np.minimum, a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        return _split_by_winner(grad_output, a, b, np.less)


def _split_by_winner(grad_output, a, b, wins):
    tie = (a == b)
    share = np.where(tie, grad_output * 0.5, grad_output)
    grad_a = unbroadcast(np.where(wins(b, a) & ~tie, 0, share).astype(grad_output.dtype, copy=False), a.shape) if _is_array(a) else None
    grad_b = unbroadcast(np.where(wins(a, b) & ~tie, 0, share).astype(grad_output.dtype, copy=False), b.shape) if _is_array(b) else None
    return grad_a, grad_b


class Where(Function):
    """z = a where cond else b.

    Each output element is a copy of exactly one input element, so the gradient is routed:
    dL/da = unbroadcast(g * cond), dL/db = unbroadcast(g * ~cond). ``cond`` gets none.
    """

    @staticmethod
    def forward(ctx, condition, a, b):
        condition = np.asarray(condition, dtype=bool)
        ctx.save_for_backward(condition)
        ctx.shapes = (_shape(a), _shape(b))
        try:
            return np.where(condition, a, b)
        except ValueError:
            raise ValueError(
                f"where: condition {condition.shape}, input {_shape(a)} and other {_shape(b)} "
                "cannot be broadcast together"
            ) from None

    @staticmethod
    def backward(ctx, grad_output):
        (condition,) = ctx.saved_tensors
        sa, sb = ctx.shapes
        zero = np.zeros((), dtype=grad_output.dtype)
        return (
            None,
            unbroadcast(np.where(condition, grad_output, zero), sa),
            unbroadcast(np.where(condition, zero, grad_output), sb),
        )
