"""Binary arithmetic: add sub mul div neg pow maximum minimum where, atan2 copysign logaddexp(2)
fmod remainder floor_divide lerp hypot xlogy.

Broadcast operands get their gradient summed back to their own shape by ``unbroadcast``
(ops/_util.py), as the chain rule asks of every copy broadcasting made.

Result dtypes follow PyTorch's promotion (``torch_result_type``: tensors with dims over 0-d tensors
over Python numbers, by category bool < int < float), not NumPy's by value range; Python ints wrap
into an integer dtype as PyTorch's conversion does. ``_binary`` keeps a fast path for the common
same-dtype case. ``torch_float_dtype`` (the older float-only recast) stays for callers that use it.
"""

from __future__ import annotations

import numpy as np
from scipy.special import xlogy as _scipy_xlogy

from .. import backend
from ..autograd import Function
from ._util import unbroadcast
from .unary import stable_sigmoid

__all__ = [
    "Add",
    "Atan2",
    "Copysign",
    "Div",
    "FloorDivide",
    "Fmod",
    "Hypot",
    "Lerp",
    "LogAddExp",
    "LogAddExp2",
    "Maximum",
    "Minimum",
    "Mul",
    "Neg",
    "Pow",
    "Remainder",
    "Sub",
    "Where",
    "Xlogy",
    "broadcast_error",
    "compare",
    "floor_divide",
    "remainder",
    "rounded_divide",
    "torch_float_dtype",
    "torch_promote_types",
    "torch_result_type",
]


def _shape(x):
    return x.shape if isinstance(x, np.ndarray) else ()


def broadcast_error(op_name, a, b):
    # PyTorch raises RuntimeError ("The size of tensor a (3) must match the size of tensor b (4)")
    return RuntimeError(
        f"{op_name}: shapes {_shape(a)} and {_shape(b)} cannot be broadcast together "
        "(trailing dimensions must be equal or 1)"
    )


def torch_float_dtype(out, *operands):
    """Recast a floating result to the dtype PyTorch's promotion gives (see ``torch_result_type``).

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


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}
_INT64, _UINT64, _BOOL = np.dtype(np.int64), np.dtype(np.uint64), np.dtype(np.bool_)
_FLOAT16, _FLOAT32 = np.dtype(np.float16), np.dtype(np.float32)


def torch_promote_types(first, second):
    """``torch.promote_types``: NumPy's rule within a category (uint8 and int8 -> int16), but an
    integer meeting a float gives the float (int64 and float32 -> float32, not float64)."""
    if first is None or first == second:
        return second
    if second is None:
        return first
    kind_first, kind_second = _CATEGORY[first.kind], _CATEGORY[second.kind]
    if kind_first != kind_second and max(kind_first, kind_second) >= 2:
        return first if kind_first > kind_second else second
    if _UINT64 in (first, second):  # only a Python int in [2**63, 2**64) is read as uint64
        raise RuntimeError(
            f"Promotion for uint16, uint32, uint64 types is not supported, attempted to promote {first} and {second}"
        )
    return np.promote_types(first, second)


def _combine_categories(higher, lower):
    # c10's combine_categories: the higher-priority operands (tensors with dims over 0-d tensors
    # over Python numbers) win unless a lower-priority one is of a higher category
    if higher is None:
        return lower
    if lower is None or higher.kind == "f" or (higher.kind != "b" and lower.kind != "f"):
        return higher
    return torch_promote_types(higher, lower)


def torch_result_type(*operands):
    """``torch.result_type`` over arrays and Python numbers.

    Operands rank by priority: tensors with dimensions, then 0-d tensors, then Python numbers (a
    bool is bool, an int int64, a float the default dtype). The result is the promotion of the
    highest-priority group, unless a lower group holds a higher category (bool < int < float):
    then the category comes from it (int8 tensor + 0-d int64 tensor -> int8; int8 tensor + 0-d
    float64 tensor -> float64; int8 tensor + 2.5 -> float32).
    """
    dims = zero_dim = numbers = None
    for x in operands:
        if isinstance(x, np.ndarray):
            if x.ndim:
                dims = torch_promote_types(dims, x.dtype)
            else:
                zero_dim = torch_promote_types(zero_dim, x.dtype)
        elif isinstance(x, bool):
            numbers = torch_promote_types(numbers, _BOOL)
        elif isinstance(x, int):  # PyTorch reads an int past int64's range as uint64
            numbers = torch_promote_types(numbers, _INT64 if x < 2**63 else _UINT64)
        elif isinstance(x, float):
            numbers = torch_promote_types(numbers, backend.get_default_dtype())
        elif isinstance(x, np.generic):
            zero_dim = torch_promote_types(zero_dim, x.dtype)
    return _combine_categories(dims, _combine_categories(zero_dim, numbers))


def _check_python_int(x):
    # PyTorch reads a Python int as int64 or, past its range, uint64; beyond both it refuses
    if type(x) is int and not -(2**63) <= x < 2**64:
        if x < 0:
            raise OverflowError(f"can't convert negative int to unsigned: {x} is out of the range of int64")
        raise OverflowError(f"int too big to convert: {x} is out of the range of uint64")


def _checked_number(op_name, x, dtype):
    """A Python number PyTorch converts with an overflow check (an exponent, a where() value)."""
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        low = info.min if dtype.kind == "i" else -info.max  # c10::overflows lets -x wrap for unsigned
        if isinstance(x, int) and not low <= x <= info.max:
            raise RuntimeError(f"{op_name}: value {x} cannot be converted to type {dtype} without overflow")
    elif dtype.kind == "f" and isinstance(x, (int, float)) and abs(x) != float("inf") and x == x:
        if abs(float(x)) > np.finfo(dtype).max:
            raise RuntimeError(f"{op_name}: value {x} cannot be converted to type {dtype} without overflow")


def _as_dtype(x, dtype):
    """An operand cast to the computation dtype: arrays by astype, Python ints wrapping modulo
    2**bits as PyTorch's conversion does (uint8 tensor + 300 adds 44)."""
    if isinstance(x, np.ndarray):
        return x if x.dtype == dtype else x.astype(dtype)
    if dtype.kind in "iu" and isinstance(x, int) and not isinstance(x, bool):
        return np.array(x % 2**64, dtype=np.uint64).astype(dtype)
    with np.errstate(over="ignore"):  # a number past float16's range is inf, as in PyTorch
        return np.asarray(x, dtype=dtype)


# Ops whose result is floating even for integer operands (PyTorch computes them in the default float).
_FLOAT_RESULT_OPS = frozenset({"div", "atan2", "copysign", "hypot", "xlogy"})


def _promoted_binary(op_name, ufunc, a, b):
    """The general case of ``_binary``: cast both operands to ``torch_result_type`` and compute."""
    _check_python_int(a)
    _check_python_int(b)
    if op_name == "div" and not isinstance(a, np.ndarray):
        # PyTorch computes number / x as reciprocal(x) * number: x alone picks the float dtype, so
        # 2**63 / bool tensor is float32 (inf) where the uint64 promotion of x / 2**63 raises.
        target = b.dtype if b.dtype.kind == "f" else backend.get_default_dtype()
    else:
        target = torch_result_type(a, b)
    if op_name == "sub" and _BOOL in (np.result_type(a), np.result_type(b)):
        raise RuntimeError(
            "sub: subtraction, the `-` operator, with a bool tensor is not supported; "
            "use ~ or logical_not() to invert a mask"
        )
    if op_name in _FLOAT_RESULT_OPS and target.kind != "f":
        target = backend.get_default_dtype()  # true division, atan2, ... of integers give the default float
    if op_name == "pow":
        # A number base is cast without a check, as PyTorch does (1e6 ** float16 tensor computes
        # inf ** x; 300 ** uint8 wraps); only a number exponent must fit the dtype.
        if not isinstance(b, np.ndarray):
            if target.kind in "iu" and b < 0:
                raise RuntimeError("pow: Integers to negative integer powers are not allowed.")
            _checked_number(op_name, b, target)
        elif target.kind == "b":
            raise NotImplementedError('pow: "pow" not implemented for a bool base and a bool tensor exponent')
        elif target.kind in "iu":
            return _integer_power(_as_dtype(a, target), _as_dtype(b, target))
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if target == _FLOAT16 and (
            (op_name in ("add", "sub", "mul", "div") and not (isinstance(a, np.ndarray) and isinstance(b, np.ndarray)))
            or (op_name in ("mul", "div") and isinstance(b, np.ndarray) and b.size == 1)
        ):
            return _half_with_number(op_name, ufunc, a, b)
        out = ufunc(_as_dtype(a, target), _as_dtype(b, target))
    return np.asarray(out, dtype=target)


def _half_with_number(op_name, ufunc, a, b):
    # PyTorch's CPU kernels compute float16 in float32 ("opmath"). mul and div read a scalar
    # second operand (a Python number, or a one-element tensor of any dtype) at float32
    # precision from its original value: float16 * 1e-8 is not 0, and zeros * int32 tensor(65520)
    # is 0 where a cast to float16 first would give 0 * inf = nan. add and sub cast the number to
    # float16 first (float16 + 65520 is inf). number / x is reciprocal(x) * number.
    if op_name == "div" and not isinstance(a, np.ndarray):
        reciprocal = np.true_divide(np.float16(1), _as_dtype(b, _FLOAT16))
        return np.asarray(reciprocal.astype(_FLOAT32) * np.float32(a), dtype=_FLOAT16)
    if op_name in ("add", "sub"):
        a, b = _as_dtype(a, _FLOAT16), _as_dtype(b, _FLOAT16)
    a32 = _as_dtype(a, _FLOAT16).astype(_FLOAT32) if isinstance(a, np.ndarray) else np.float32(a)
    b32 = b.astype(_FLOAT32) if isinstance(b, np.ndarray) else np.float32(b)
    return np.asarray(ufunc(a32, b32), dtype=_FLOAT16)


def _integer_power(base, exponent):
    # PyTorch's integer pow by a tensor: a negative exponent truncates 1 / base**|e| toward 0
    # (1 stays 1, -1 alternates, everything else, 0 included, gives 0) instead of raising
    out = np.power(base, np.maximum(exponent, 0).astype(exponent.dtype))
    if exponent.dtype.kind == "u" or not (exponent < 0).any():
        return np.asarray(out)
    odd = (exponent % 2).astype(bool)
    negative = np.where(base == 1, 1, np.where(base == -1, np.where(odd, -1, 1), 0)).astype(out.dtype)
    return np.asarray(np.where(exponent < 0, negative, out), dtype=out.dtype)


def _value_error(op_name, error, a, b):
    try:
        np.broadcast_shapes(_shape(a), _shape(b))
    except ValueError:
        return broadcast_error(op_name, a, b)
    # the shapes are fine, so NumPy refused the values (e.g. an integer to a negative power)
    return RuntimeError(f"{op_name}: {error} (dtypes {np.result_type(a)} and {np.result_type(b)})")


def _binary(op_name, ufunc, a, b):
    """``ufunc(a, b)`` with PyTorch's result dtype, for arrays and Python numbers.

    The fast path (once per op): two arrays of one dtype, or an array and a Python number (weak in
    NumPy 2 as in PyTorch: the result keeps the array's dtype), whose result NumPy gives in that
    dtype. The number must also fit float16 (|x| <= 65504), since NumPy warns when casting a larger
    one to a float16 array (or past float32's range) and PyTorch does not; and a float16 array
    with a number computes in float32 (see _promoted_binary). Every other mix goes through
    _promoted_binary.
    """
    kind_a, kind_b = type(a), type(b)
    if kind_a is np.ndarray:
        array = a
        fast = (kind_b is np.ndarray and b.dtype == a.dtype) or (
            (kind_b is float or kind_b is int) and -65504 <= b <= 65504 and a.dtype != _FLOAT16
        )
    else:
        array = b
        fast = (
            kind_b is np.ndarray and (kind_a is float or kind_a is int) and -65504 <= a <= 65504 and b.dtype != _FLOAT16
        )
    if fast:
        try:
            out = ufunc(a, b)
        except ValueError as error:
            if not (op_name == "pow" and kind_b is np.ndarray):
                raise _value_error(op_name, error, a, b) from None
            out = None  # an integer tensor to negative tensor powers: PyTorch's integer pow below
        except (OverflowError, TypeError):  # a Python int past an integer array's range, or bool - bool
            out = None
        if out is not None and out.dtype == array.dtype:
            return out
    try:
        return _promoted_binary(op_name, ufunc, a, b)
    except ValueError as error:
        raise _value_error(op_name, error, a, b) from None


def _integer_division(op_name, ufunc, a, b):
    """``a // b`` or ``a % b`` with PyTorch's promotion (no gradient here, as before).

    Integers divided by zero raise (PyTorch's "ZeroDivisionError" RuntimeError) where NumPy would
    warn and return 0; floats give inf/nan silently, as in PyTorch; bools are refused.
    """
    if _BOOL == np.result_type(a) == np.result_type(b):
        raise NotImplementedError(f"{op_name}: \"{op_name}\" not implemented for 'Bool'")
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.asarray(_binary(op_name, ufunc, a, b))
    if out.dtype.kind in "iu" and np.any(_as_dtype(b, out.dtype) == 0):  # after wrapping: uint8 // 256 too
        raise RuntimeError(f"{op_name}: ZeroDivisionError (integer division by zero)")
    return out


def floor_divide(a, b):
    """``a // b`` as PyTorch computes it (see ``_integer_division``)."""
    return _integer_division("floor_divide", np.floor_divide, a, b)


def remainder(a, b):
    """``a % b`` as PyTorch computes it: the sign of the divisor, as Python (see ``_integer_division``)."""
    return _integer_division("remainder", np.remainder, a, b)


def rounded_divide(a, b, rounding_mode):
    """``torch.div(a, b, rounding_mode=...)``: 'floor' is ``a // b``; 'trunc' rounds toward zero."""
    if rounding_mode == "floor":
        return _integer_division("div", np.floor_divide, a, b)
    if rounding_mode != "trunc":
        raise RuntimeError(
            f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found {rounding_mode!r}"
        )
    floor = _integer_division("div", np.floor_divide, a, b)
    if floor.dtype.kind == "f":
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return np.asarray(np.trunc(_binary("div", np.true_divide, a, b)), dtype=floor.dtype)
    # integers: the floor quotient is one too low where the division is inexact and the signs differ
    remainder_ = _integer_division("div", np.remainder, a, b)
    signs_differ = (np.asarray(a) < 0) != (np.asarray(b) < 0)
    return np.asarray(floor + ((remainder_ != 0) & signs_differ), dtype=floor.dtype)


def compare(op_name, ufunc, a, b):
    """A comparison (``==``, ``<``, ...) or bitwise ``&`` / ``|`` with PyTorch's promotion: both
    operands are cast to their result type first (uint8 tensor > -1 compares with 255; float16 ==
    0.1 compares float16 values), and bitwise ops refuse floats. No gradient."""
    kind_a, kind_b = type(a), type(b)
    if (
        kind_a is np.ndarray
        and kind_b is np.ndarray
        and a.dtype == b.dtype
        and not (op_name in _BITWISE and a.dtype.kind == "f")
    ):
        return ufunc(a, b)
    _check_python_int(a)
    _check_python_int(b)
    if op_name == "div" and not isinstance(a, np.ndarray):
        # PyTorch computes number / x as reciprocal(x) * number: x alone picks the float dtype, so
        # 2**63 / bool tensor is float32 (inf) where the uint64 promotion of x / 2**63 raises.
        target = b.dtype if b.dtype.kind == "f" else backend.get_default_dtype()
    else:
        target = torch_result_type(a, b)
    if op_name in _BITWISE and target.kind not in "biu":
        raise NotImplementedError(
            f'{op_name}: "{op_name}" not implemented for {target} (expected integer or bool tensors)'
        )
    with np.errstate(over="ignore", invalid="ignore"):
        return np.asarray(ufunc(_as_dtype(a, target), _as_dtype(b, target)))


_BITWISE = ("bitwise_and", "bitwise_or", "bitwise_xor")


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
        if (type(b) is float or type(b) is int) and b:  # x / scale, the common case: nothing to warn of
            return _binary("div", np.true_divide, a, b)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # inf / nan as PyTorch, silently
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
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
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
        _check_python_int(a)
        _check_python_int(b)
        target = torch_result_type(a, b)
        for value in (a, b):
            if not isinstance(value, np.ndarray):
                if target.kind in "iu":  # PyTorch converts a where() number with an overflow check
                    _checked_number("where", value, target)
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                a, b = _as_dtype(a, target), _as_dtype(b, target)
            return np.asarray(np.where(condition, a, b), dtype=target)
        except ValueError:
            raise RuntimeError(
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


# ---------------------------------------------------------------- more binary elementwise ops
# Their gradients are PyTorch's formulas (tools/autograd/derivatives.yaml), so the values at the
# edges (a zero denominator, inf operands) are PyTorch's too.
def _kinds(a, b):
    return {np.result_type(x).kind if _is_array(x) else ("f" if isinstance(x, float) else "i") for x in (a, b)}


def _require_a_floating_operand(op_name, a, b):
    """PyTorch has no integer kernel for logaddexp, hypot, ...: NotImplementedError, as there.
    Shapes that do not broadcast raise broadcast_error's RuntimeError first."""
    try:
        np.broadcast_shapes(_shape(a), _shape(b))
    except ValueError:
        raise broadcast_error(op_name, a, b) from None
    if "f" not in _kinds(a, b):
        raise NotImplementedError(
            f"{op_name}: expected a floating point tensor, got dtypes {np.result_type(a)} and "
            f"{np.result_type(b)} (cast with .float() or .double())"
        )


def _check_integer_division(op_name, a, b):
    """Bool has no kernel, and an integer division by zero is an error, as in PyTorch (NumPy would
    return 0 with a warning)."""
    _check_python_int(a)  # a Python int past 64 bits is refused first, as in PyTorch
    _check_python_int(b)
    kind = torch_result_type(a, b).kind  # PyTorch's promotion decides: True % bool tensor is bool
    if kind == "b":
        raise NotImplementedError(f"{op_name}: not implemented for bool tensors; cast them to an integer dtype first")
    if kind != "f" and np.any(np.asarray(b) == 0):
        raise RuntimeError(f"{op_name}: ZeroDivisionError (an integer division by zero)")


def _grads(a, b, grad_a, grad_b):
    """Each operand's gradient summed back to its shape, None for a Python number."""
    return (
        unbroadcast(grad_a, a.shape) if _is_array(a) and grad_a is not None else None,
        unbroadcast(grad_b, b.shape) if _is_array(b) and grad_b is not None else None,
    )


class Atan2(Function):
    """z = atan2(a, b), the angle of the point (b, a).

    dz/da = b / (a^2 + b^2), dz/db = -a / (a^2 + b^2); at the origin both are taken as 0, as
    PyTorch does.
    """

    saves = {0, 1}

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _binary("atan2", np.arctan2, a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        with np.errstate(divide="ignore", over="ignore"):
            denominator = a * a + b * b
            scale = np.where(denominator == 0, 0, grad_output / np.where(denominator == 0, 1, denominator))
        scale = scale.astype(grad_output.dtype, copy=False)
        with np.errstate(invalid="ignore"):  # 0 * inf at infinite operands: nan, as PyTorch
            return _grads(a, b, scale * b, -scale * a)


class Copysign(Function):
    """z = |a| with the sign of b (-0.0 counts as negative).

    dz/da = sign(a) * sign(b) = z / a, taken as 0 at a = 0 (PyTorch's convention);
    dz/db = 0 (z is piecewise constant in b).
    """

    saves = {0, "out"}

    @staticmethod
    def forward(ctx, a, b):
        out = _binary("copysign", np.copysign, a, b)
        ctx.save_for_backward(a, out)
        ctx.b_shape = _shape(b) if _is_array(b) else None
        return out

    @staticmethod
    def backward(ctx, grad_output):
        a, out = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = np.where(a == 0, 0, out / np.where(a == 0, 1, a))
        grad_a = unbroadcast((grad_output * ratio).astype(grad_output.dtype, copy=False), a.shape)
        grad_b = None if ctx.b_shape is None else np.zeros(ctx.b_shape, grad_output.dtype)
        return grad_a, grad_b


def _logaddexp(a, b, log1p_of_exp):
    with np.errstate(invalid="ignore", over="ignore"):
        big = np.maximum(a, b)
        out = big + log1p_of_exp(-np.abs(a - b))
    # a == b == +-inf: inf - inf is nan above, but the answer is that infinity (as PyTorch)
    return np.where(np.isinf(a) & (a == b), a, out)


class LogAddExp(Function):
    """z = ln(e^a + e^b) = max(a, b) + ln(1 + e^{-|a - b|}) (no overflow).

    dz/da = e^a / (e^a + e^b) = sigmoid(a - b), dz/db = sigmoid(b - a).
    """

    saves = {0, 1}

    @staticmethod
    def forward(ctx, a, b):
        _require_a_floating_operand("logaddexp", a, b)
        ctx.save_for_backward(a, b)
        out = _logaddexp(np.asarray(a), np.asarray(b), lambda d: np.log1p(np.exp(d)))
        return torch_float_dtype(np.asarray(out), a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        with np.errstate(invalid="ignore"):
            d = a - b
            return _grads(
                a,
                b,
                (grad_output * stable_sigmoid(d)).astype(grad_output.dtype, copy=False),
                (grad_output * stable_sigmoid(-d)).astype(grad_output.dtype, copy=False),
            )


class LogAddExp2(Function):
    """z = log2(2^a + 2^b) = max(a, b) + log2(1 + 2^{-|a - b|}).

    dz/da = 2^a / (2^a + 2^b) = sigmoid((a - b) ln 2), dz/db = sigmoid((b - a) ln 2).
    """

    saves = {0, 1}

    @staticmethod
    def forward(ctx, a, b):
        _require_a_floating_operand("logaddexp2", a, b)
        ctx.save_for_backward(a, b)
        out = _logaddexp(np.asarray(a), np.asarray(b), lambda d: np.log1p(np.exp2(d)) / np.log(2))
        return torch_float_dtype(np.asarray(out), a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        with np.errstate(invalid="ignore"):
            d = (a - b) * np.log(2)
            return _grads(
                a,
                b,
                (grad_output * stable_sigmoid(d)).astype(grad_output.dtype, copy=False),
                (grad_output * stable_sigmoid(-d)).astype(grad_output.dtype, copy=False),
            )


class Fmod(Function):
    """z = a - b trunc(a / b), the C remainder (the sign of a).

    dz/da = 1, dz/db = -trunc(a / b) (trunc is piecewise constant), as PyTorch.
    """

    saves = staticmethod(lambda a, b: {0, 1} if isinstance(b, np.ndarray) else set())

    @staticmethod
    def forward(ctx, a, b):
        _check_integer_division("fmod", a, b)
        ctx.shapes = (_shape(a), _shape(b))
        ctx.save_for_backward(a if _is_array(b) else None, b if _is_array(b) else None)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return _binary("fmod", np.fmod, a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        sa, sb = ctx.shapes
        grad_b = None
        if b is not None:
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                grad_b = unbroadcast((-grad_output * np.trunc(a / b)).astype(grad_output.dtype, copy=False), sb)
        return unbroadcast(grad_output, sa), grad_b


class Remainder(Function):
    """z = a - b floor(a / b), Python's % (the sign of b), as torch.remainder and ``%``.

    dz/da = 1, dz/db = -floor(a / b), as PyTorch. PyTorch has no derivative for a number % tensor
    (``7 % t``): its backward raises, and so does ours.
    """

    saves = staticmethod(lambda a, b: {0, 1} if isinstance(a, np.ndarray) and isinstance(b, np.ndarray) else set())

    @staticmethod
    def forward(ctx, a, b):
        _check_integer_division("remainder", a, b)
        ctx.shapes = (_shape(a), _shape(b))
        ctx.number_first = not _is_array(a)
        both = _is_array(a) and _is_array(b)
        ctx.save_for_backward(a if both else None, b if both else None)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return _integer_division("remainder", np.remainder, a, b)

    @staticmethod
    def backward(ctx, grad_output):
        if ctx.number_first:
            raise RuntimeError("remainder: the derivative of number % tensor is not implemented (as in PyTorch)")
        a, b = ctx.saved_tensors
        sa, sb = ctx.shapes
        grad_b = None
        if b is not None:
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                # floor division proper (1 // -inf is -1, not floor(-0.0)), as PyTorch's rounding_mode="floor"
                grad_b = unbroadcast((-grad_output * np.floor_divide(a, b)).astype(grad_output.dtype, copy=False), sb)
        return unbroadcast(grad_output, sa), grad_b


class FloorDivide(Function):
    """z = floor(a / b), as torch.floor_divide and ``//``.

    The derivative is 0 wherever it exists, but PyTorch records a node whose backward raises
    ("derivative for floor_divide is not implemented"); we do the same, so code that trains
    through ``//`` fails here as it would there.
    """

    saves = set()

    @staticmethod
    def forward(ctx, a, b):
        _check_integer_division("floor_divide", a, b)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return _integer_division("floor_divide", np.floor_divide, a, b)

    @staticmethod
    def backward(ctx, grad_output):
        raise RuntimeError("floor_divide: the derivative of floor_divide (//) is not implemented (as in PyTorch)")


class Lerp(Function):
    """z = a + w (b - a), computed as PyTorch does (b - (b - a)(1 - w) for |w| >= 1/2, exact at w = 1).

    dz/da = 1 - w, dz/db = w, dz/dw = b - a.
    """

    saves = staticmethod(lambda a, b, w: {0, 1, 2} if isinstance(w, np.ndarray) else set())

    @staticmethod
    def forward(ctx, a, b, weight):
        for name, x in (("input", a), ("end", b)) + ((("weight", weight),) if _is_array(weight) else ()):
            if x.dtype.kind != "f":
                raise NotImplementedError(f"lerp: {name} must be a floating point tensor, got dtype {x.dtype}")
        for name, x in (("end", b), ("weight", weight)):
            if _is_array(x) and x.dtype != a.dtype:
                raise RuntimeError(f"lerp: expected dtype {a.dtype} for `{name}` but got dtype {x.dtype}")
        ctx.shapes = (a.shape, b.shape, _shape(weight))
        if _is_array(weight):
            ctx.save_for_backward(a, b, weight)
        else:
            ctx.weight = weight
        try:
            difference = b - a
            small = np.abs(weight) < 0.5
            out = np.where(small, a + weight * difference, b - difference * (1 - weight))
        except ValueError:
            raise RuntimeError(
                f"lerp: shapes {a.shape}, {b.shape} and {_shape(weight)} cannot be broadcast together"
            ) from None
        return np.asarray(out).astype(a.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        sa, sb, sw = ctx.shapes
        if ctx.saved_tensors:
            a, b, weight = ctx.saved_tensors
            grad_w = unbroadcast(grad_output * (b - a), sw)
        else:
            weight, grad_w = ctx.weight, None
        return unbroadcast(grad_output * (1 - weight), sa), unbroadcast(grad_output * weight, sb), grad_w


class Hypot(Function):
    """z = sqrt(a^2 + b^2) (no overflow), dz/da = a / z, dz/db = b / z (nan at the origin, as PyTorch)."""

    saves = {0, 1, "out"}

    @staticmethod
    def forward(ctx, a, b):
        _require_a_floating_operand("hypot", a, b)
        out = _binary("hypot", np.hypot, a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        a, b, out = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = grad_output / out
            return _grads(a, b, scale * a, scale * b)


def _xlogy(a, b):
    with np.errstate(divide="ignore", invalid="ignore"):
        return _scipy_xlogy(a, b)


class Xlogy(Function):
    """z = a ln b, defined as 0 where a == 0 (unless b is nan), as torch.xlogy.

    dz/da = ln b, computed as PyTorch does: xlogy(g, b), then 0 where a == 0 and b <= 0 (where
    ln b is -inf or nan); dz/db = a / b.
    """

    saves = {0, 1}

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _binary("xlogy", _xlogy, a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            grad_a = np.where((a == 0) & (b <= 0), 0, _xlogy(grad_output, b)) if _is_array(a) else None
            grad_b = grad_output * a / b if _is_array(b) else None
        dtype = grad_output.dtype
        return _grads(
            a,
            b,
            None if grad_a is None else grad_a.astype(dtype, copy=False),
            None if grad_b is None else grad_b.astype(dtype, copy=False),
        )
