"""Binary arithmetic: add sub mul div neg pow maximum minimum where.

Broadcast operands get their gradient summed back to their own shape by ``unbroadcast``
(ops/_util.py), as the chain rule asks of every copy broadcasting made.

Result dtypes follow PyTorch's promotion by category (``torch_float_dtype``), not NumPy's by range.
"""

from __future__ import annotations

import numpy as np

from .. import backend
from ..autograd import Function
from ._util import unbroadcast

__all__ = [
    "Add",
    "Div",
    "Maximum",
    "Minimum",
    "Mul",
    "Neg",
    "Pow",
    "Sub",
    "Where",
    "broadcast_error",
    "torch_float_dtype",
]


def _shape(x):
    return x.shape if isinstance(x, np.ndarray) else ()


def broadcast_error(op_name, a, b):
    return ValueError(
        f"{op_name}: shapes {_shape(a)} and {_shape(b)} cannot be broadcast together "
        "(trailing dimensions must be equal or 1)"
    )


def torch_float_dtype(out, *operands):
    """Recast a floating result to the dtype PyTorch's promotion gives.

    NumPy promotes by value range (int64 + float32 -> float64, int / int -> float64), PyTorch by
    category: the floating dtype comes from the floating tensors with dimensions, else from the
    0-d floating tensors, else (ints and Python floats only) it is the default float32.
    """
    if out.dtype.kind != "f":
        return out
    # Fast path (the common case, hit once per op): every operand is either an array of the
    # result's dtype or a Python number, which NumPy 2 already treats as weak like PyTorch does.
    for x in operands:
        kind = type(x)
        if kind is np.ndarray:
            if x.dtype != out.dtype:
                break
        elif kind is not float and kind is not int:
            break
    else:
        return out
    arrays = [x for x in operands if isinstance(x, np.ndarray) and x.dtype.kind == "f"]
    ranked = [x.dtype for x in arrays if x.ndim > 0] or [x.dtype for x in arrays]
    target = np.result_type(*ranked) if ranked else backend.get_default_dtype()
    return out if out.dtype == target else out.astype(target)


def _binary(op_name, ufunc, a, b):
    try:
        out = ufunc(a, b)
        # torch_float_dtype's own fast path, inline (once per op): both operands are arrays of the
        # result's dtype, or one is a Python number, which NumPy 2 and PyTorch both treat as weak.
        kind_a, kind_b = type(a), type(b)
        if (kind_a is np.ndarray and a.dtype == out.dtype or kind_a is float or kind_a is int) and (
            kind_b is np.ndarray and b.dtype == out.dtype or kind_b is float or kind_b is int
        ):
            return out
    except ValueError as error:
        try:
            np.broadcast_shapes(_shape(a), _shape(b))
        except ValueError:
            raise broadcast_error(op_name, a, b) from None
        # the shapes are fine, so NumPy refused the values (e.g. an integer to a negative power)
        raise RuntimeError(f"{op_name}: {error} (dtypes {np.result_type(a)} and {np.result_type(b)})") from None
    return torch_float_dtype(out, a, b)


def _is_array(x):
    return isinstance(x, np.ndarray)


class Add(Function):
    """z = a + b.

    dz/da = 1 and dz/db = 1 elementwise, so dL/da = unbroadcast(g) and dL/db = unbroadcast(g).
    """

    saves = set()

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (a.shape if type(a) is np.ndarray else (), b.shape if type(b) is np.ndarray else ())
        return _binary("add", np.add, a, b)

    @staticmethod
    def backward(ctx, grad_output):
        sa, sb = ctx.shapes
        shape = grad_output.shape  # the same-shape case needs no reduction (and no call)
        return (
            grad_output if sa == shape else unbroadcast(grad_output, sa),
            grad_output if sb == shape else unbroadcast(grad_output, sb),
        )


class Sub(Function):
    """z = a - b.

    dz/da = 1, dz/db = -1, so dL/da = unbroadcast(g), dL/db = -unbroadcast(g).
    """

    saves = set()

    @staticmethod
    def forward(ctx, a, b):
        ctx.shapes = (a.shape if type(a) is np.ndarray else (), b.shape if type(b) is np.ndarray else ())
        return _binary("sub", np.subtract, a, b)

    @staticmethod
    def backward(ctx, grad_output):
        sa, sb = ctx.shapes
        return unbroadcast(grad_output, sa), -unbroadcast(grad_output, sb)


class Mul(Function):
    """z = a * b.

    dz/da = b, dz/db = a (product rule with the other factor held fixed), so
    dL/da = unbroadcast(g * b), dL/db = unbroadcast(g * a).

    Only the factors the gradients read are saved: times a Python number the gradient is
    g * number, so no array is kept (PyTorch's mul.Scalar saves none either) and the other
    operand may change in place after the product without invalidating it.
    """

    # mul.Scalar saves nothing
    saves = staticmethod(lambda a, b: {0, 1} if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) else set())

    @staticmethod
    def forward(ctx, a, b):
        # (type() checks, not _is_array: this runs once per multiply)
        if type(a) is np.ndarray:
            ctx.save_for_backward(a, b) if type(b) is np.ndarray else ctx.save_for_backward(None, b)
        else:  # number * x: the array's slot holds None, the number is all backward needs
            ctx.save_for_backward(a, None)
        return _binary("mul", np.multiply, a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        if a is None:  # a array, b a number: the output has a's shape, nothing to unbroadcast
            return grad_output * b, None
        if b is None:
            return None, grad_output * a
        grad_a = unbroadcast(grad_output * b, a.shape) if _is_array(a) else None
        grad_b = unbroadcast(grad_output * a, b.shape) if _is_array(b) else None
        return grad_a, grad_b


class Div(Function):
    """z = a / b.

    dz/da = 1/b; dz/db = -a/b^2 = -z/b. So dL/da = unbroadcast(g / b) and
    dL/db = unbroadcast(-g * a / b^2).
    """

    saves = staticmethod(lambda a, b: {0, 1} if isinstance(b, np.ndarray) else set())  # dL/da = g / b

    @staticmethod
    def forward(ctx, a, b):
        # dL/da reads only b, so x / number keeps no array (a's slot holds None; PyTorch's
        # div.Scalar saves no tensor); dL/db reads both.
        ctx.save_for_backward(a if _is_array(b) else None, b)
        return _binary("div", np.true_divide, a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        if a is None:  # a array, b a number: the output has a's shape, nothing to unbroadcast
            return grad_output / b, None
        grad_a = unbroadcast(grad_output / b, a.shape) if _is_array(a) else None
        grad_b = unbroadcast(-grad_output * a / (b * b), b.shape) if _is_array(b) else None
        return grad_a, grad_b


class Neg(Function):
    """z = -a, so dL/da = -g."""

    saves = set()

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
    z * ln a there), and the base's gradient is 0 wherever b == 0 (z is the constant 1), rather
    than 0 * 0^-1 = nan at a == 0.
    Outside the real domain (0 to a negative power, a fractional power of a negative number) the
    results are IEEE inf/nan, as in PyTorch, without NumPy warnings.
    """

    saves = staticmethod(lambda a, b: {0, 1, "out"} if isinstance(b, np.ndarray) else {0})  # pow.Tensor_Scalar: self

    @staticmethod
    def forward(ctx, a, b):
        with np.errstate(divide="ignore", invalid="ignore"):
            out = _binary("pow", np.power, a, b)
        # The output is read only by the exponent's gradient: x ** number saves just x (as
        # PyTorch's pow.Tensor_Scalar), so the result may be modified in place afterwards.
        if _is_array(b):
            ctx.save_for_backward(a, b, out)
        else:
            ctx.save_for_backward(a, b)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        a, b, *out = ctx.saved_tensors
        grad_a = grad_b = None
        if _is_array(a):
            if not _is_array(b) and b == 0:
                grad_a = np.zeros_like(a)
            else:
                with np.errstate(divide="ignore", invalid="ignore"):
                    local = b * np.power(a, b - 1)
                if _is_array(b):
                    local = np.where(b == 0, 0, local).astype(local.dtype, copy=False)
                grad_a = unbroadcast(grad_output * local, a.shape)
        if _is_array(b):
            with np.errstate(divide="ignore", invalid="ignore"):
                log_a = np.log(a)
                local = np.where((a == 0) & (b >= 0), 0.0, out[0] * log_a)
            grad_b = unbroadcast((grad_output * local).astype(b.dtype, copy=False), b.shape)
        return grad_a, grad_b


class Maximum(Function):
    """z = max(a, b) elementwise.

    The gradient goes to whichever input is larger; at a tie z moves at half the speed of each
    input (the derivative is undefined there), so PyTorch gives each input g/2. We do the same.
    """

    saves = {0, 1}

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

    saves = {0, 1}

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _binary("minimum", np.minimum, a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        return _split_by_winner(grad_output, a, b, np.less)


def _split_by_winner(grad_output, a, b, wins):
    tie = a == b
    share = np.where(tie, grad_output * 0.5, grad_output)
    grad_a = (
        unbroadcast(np.where(wins(b, a) & ~tie, 0, share).astype(grad_output.dtype, copy=False), a.shape)
        if _is_array(a)
        else None
    )
    grad_b = (
        unbroadcast(np.where(wins(a, b) & ~tie, 0, share).astype(grad_output.dtype, copy=False), b.shape)
        if _is_array(b)
        else None
    )
    return grad_a, grad_b


class Where(Function):
    """z = a where cond else b.

    Each output element is a copy of exactly one input element, so the gradient is routed:
    dL/da = unbroadcast(g * cond), dL/db = unbroadcast(g * ~cond). ``cond`` gets none.
    """

    saves = staticmethod(lambda cond, a, b: {0} if np.asarray(cond).dtype == bool else set())

    @staticmethod
    def forward(ctx, condition, a, b):
        condition = np.asarray(condition, dtype=bool)
        ctx.save_for_backward(condition)
        ctx.shapes = (_shape(a), _shape(b))
        try:
            return torch_float_dtype(np.asarray(np.where(condition, a, b)), a, b)
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
