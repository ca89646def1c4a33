"""Dtype promotion against PyTorch: every pair of dtypes, and every mix of tensors with dimensions,
0-d tensors and Python numbers (bool, int, float), through the binary ops, where, cat, // and %,
comparisons and bitwise & |.

Each case checks the result's dtype and values against torch's, or that both raise the same
exception type. Python ints are drawn past the dtypes' ranges too: PyTorch wraps them modulo
2**bits (uint8 + 300 adds 44), refuses them past uint64 (OverflowError), and refuses an exponent or
a where() value that does not fit (RuntimeError).
"""

import itertools
import warnings

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st

import chainrule as cr
import chainrule.functional as F

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]
KINDS = ["tensor", "0-d", "number"]

OPS = {
    "add": lambda lib, a, b: lib.add(a, b) if _is_tensor(a) else a + b,
    "sub": lambda lib, a, b: a - b,
    "mul": lambda lib, a, b: a * b,
    "div": lambda lib, a, b: a / b,
    "pow": lambda lib, a, b: a**b,
    "floordiv": lambda lib, a, b: a // b,
    "mod": lambda lib, a, b: a % b,
    "maximum": lambda lib, a, b: lib.maximum(a, b),
    "minimum": lambda lib, a, b: lib.minimum(a, b),
    "where": lambda lib, a, b: lib.where(lib.tensor([True, False, True]), a, b),
    "cat": lambda lib, a, b: lib.cat([a, b]),
    "eq": lambda lib, a, b: a == b,
    "lt": lambda lib, a, b: a < b,
    "ge": lambda lib, a, b: a >= b,
    "and": lambda lib, a, b: a & b,
    "or": lambda lib, a, b: a | b,
}


def _is_tensor(x):
    return isinstance(x, (torch.Tensor, cr.Tensor))


def _values(draw, dtype, size):
    if dtype == "bool":
        return draw(st.lists(st.booleans(), min_size=size, max_size=size))
    if dtype.startswith(("int", "uint")):
        info = np.iinfo(dtype)
        small = st.integers(-3, 3) if dtype != "uint8" else st.integers(0, 5)
        return draw(st.lists(small | st.integers(int(info.min), int(info.max)), min_size=size, max_size=size))
    return draw(st.lists(st.sampled_from([0.0, 1.0, -1.5, 2.25, 0.5, -3.0, 100.0]), min_size=size, max_size=size))


NUMBERS = {
    "bool": st.booleans(),
    # small values, values past int8/uint8, and the int64/uint64 boundaries PyTorch handles
    "int": st.integers(-3, 3)
    | st.integers(-300, 300)
    | st.sampled_from([2**31, 2**63 - 1, 2**63, 2**64 - 1, 2**64, -(2**63), -(2**63) - 1]),
    "float": st.sampled_from([0.0, 2.5, -1.5, 1e6, 0.5]),
}


@st.composite
def operands(draw):
    """An operand description: (dtype or number type, kind, values)."""
    kind = draw(st.sampled_from(KINDS))
    if kind == "number":
        number_type = draw(st.sampled_from(sorted(NUMBERS)))
        return number_type, kind, draw(NUMBERS[number_type])
    dtype = draw(st.sampled_from(DTYPES))
    values = _values(draw, dtype, 3 if kind == "tensor" else 1)
    return dtype, kind, values if kind == "tensor" else values[0]


def _build(lib, operand):
    dtype, kind, values = operand
    if kind == "number":
        return values
    return lib.tensor(values, dtype=getattr(lib, dtype))


def _run(lib, op, a, b):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no NumPy RuntimeWarning may escape
        try:
            out = OPS[op](lib, _build(lib, a), _build(lib, b))
        except Exception as error:  # noqa: BLE001 - the exception type is what is compared
            if isinstance(error, Warning):
                raise
            return type(error), None
    if lib is torch:
        return str(out.dtype).removeprefix("torch."), out.numpy()
    return str(out.dtype), out.numpy()


def _check(op, a, b):
    theirs, ours = _run(torch, op, a, b), _run(cr, op, a, b)
    assert ours[0] == theirs[0], (op, a, b, theirs, ours)
    if theirs[1] is not None:
        assert ours[1].shape == theirs[1].shape
        if theirs[1].dtype.kind == "f":
            tolerance = 1e-3 if theirs[1].dtype == np.float16 else 1e-6
            np.testing.assert_allclose(ours[1], theirs[1], rtol=tolerance, atol=tolerance, equal_nan=True)
        else:
            np.testing.assert_array_equal(ours[1], theirs[1])


@settings(max_examples=1500, deadline=None)
@given(op=st.sampled_from(sorted(OPS)), a=operands(), b=operands())
# number / x is reciprocal(x) * number in PyTorch, so 2**63 (uint64) never meets the bool
@example(op="div", a=("int", "number", 2**63), b=("bool", "0-d", False))
# a number base is not range-checked: 1e6 is inf in float16, and inf ** 0 is 1
@example(op="pow", a=("float", "number", 1e6), b=("float16", "tensor", [0.0, 0.0, 0.0]))
# mul reads a one-element second operand at float32 precision: 0 * 65520, not 0 * inf
@example(op="mul", a=("float16", "tensor", [0.0, 0.0, 0.0]), b=("int32", "0-d", 65520))
def test_promotion_matches_torch(op, a, b):
    if a[1] == b[1] == "number":
        return  # plain Python arithmetic
    _check(op, a, b)


FIXED = {
    "tensor": {"bool": [True, False, True], "uint8": [3, 250, 7], "int": [3, -2, 100], "float": [1.5, -2.25, 3.0]},
    "0-d": {"bool": False, "uint8": 250, "int": -2, "float": -2.25},
}


def _fixed(dtype, kind):
    if kind == "number":
        return {"bool": True, "int": 3, "float": 2.5}[dtype]
    family = dtype if dtype in ("bool", "uint8") else "float" if dtype.startswith("float") else "int"
    return FIXED[kind][family]


def _fixed_operands():
    tensors = [(dtype, kind) for dtype in DTYPES for kind in ("tensor", "0-d")]
    return tensors + [(number, "number") for number in ("bool", "int", "float")]


@pytest.mark.parametrize("op", sorted(OPS))
def test_every_dtype_pair_and_operand_kind(op):
    """The exhaustive grid (dtype x kind for both operands) with fixed values, in one test per op."""
    for (dtype_a, kind_a), (dtype_b, kind_b) in itertools.product(_fixed_operands(), repeat=2):
        if kind_a == kind_b == "number":
            continue
        _check(op, (dtype_a, kind_a, _fixed(dtype_a, kind_a)), (dtype_b, kind_b, _fixed(dtype_b, kind_b)))


def test_comparison_with_none_is_a_plain_bool():
    x = cr.tensor([1.0, 2.0])
    assert (x == None) is False  # noqa: E711 - the operator itself is under test
    assert (x != None) is True  # noqa: E711
    assert (x == "a") is False


@pytest.mark.parametrize("dtype", ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"])
def test_sum_dtype_as_torch(dtype):
    values = [1, 0, 1] if dtype == "bool" else [1, 2, 100]
    ours = cr.tensor(values, dtype=getattr(cr, dtype)).sum()
    theirs = torch.tensor(values, dtype=getattr(torch, dtype)).sum()
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    assert float(ours) == pytest.approx(float(theirs))


def test_integer_floor_division_by_zero_raises_as_torch():
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        cr.tensor([1, 2]) // 0
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        cr.tensor([1, 2]) % cr.tensor(0)
    np.testing.assert_array_equal((cr.tensor([-1.5, 1.5]) // 0).numpy(), [-np.inf, np.inf])


def test_maximum_with_a_number_is_a_type_error_as_torch():
    with pytest.raises(TypeError, match="must be Tensor"):
        F.maximum(cr.tensor([1.0]), 0.0)
    with pytest.raises(TypeError, match="must be Tensor"):
        cr.tensor([1.0]).minimum(2)


INPLACE = {
    "iadd": lambda a, b: a.__iadd__(b),
    "isub": lambda a, b: a.__isub__(b),
    "imul": lambda a, b: a.__imul__(b),
    "itruediv": lambda a, b: a.__itruediv__(b),
    "add_": lambda a, b: a.add_(b),
    "mul_": lambda a, b: a.mul_(b),
}


@pytest.mark.parametrize("op", sorted(INPLACE))
def test_inplace_ops_cast_back_as_torch(op):
    """In place, the promoted result is cast back to the tensor's dtype unless that goes down a
    category (float into an integer tensor, anything into bool): int16 into uint8 is allowed."""
    for dtype_a in DTYPES:
        for dtype_b, kind_b in _fixed_operands():
            results = []
            for lib in (torch, cr):
                a = lib.tensor(_fixed(dtype_a, "tensor"), dtype=getattr(lib, dtype_a))
                b = _fixed(dtype_b, kind_b)
                if kind_b != "number":
                    b = lib.tensor(b, dtype=getattr(lib, dtype_b))
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    try:
                        out = INPLACE[op](a, b)
                        results.append((str(out.dtype).removeprefix("torch."), out.numpy().astype(float).tolist()))
                    except Exception as error:  # noqa: BLE001 - the exception type is what is compared
                        results.append(type(error))
            theirs, ours = results
            if isinstance(theirs, tuple) and isinstance(ours, tuple):
                assert ours[0] == theirs[0], (op, dtype_a, dtype_b, kind_b)
                np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-3, equal_nan=True)
            else:
                assert ours == theirs, (op, dtype_a, dtype_b, kind_b, theirs, ours)


def _half(lib, values):
    return lib.tensor(values, dtype=lib.float16)


# float16 with a scalar operand, where casting the scalar to float16 first or not decides the
# result: mul and div read a one-element second operand at float32 precision from its original
# dtype; add and sub cast a number to float16 first (so 65520 is already inf).
HALF_WITH_SCALAR = {
    "zeros * int32 0-d 65520": lambda lib: _half(lib, [0.0, 0.0]) * lib.tensor(65520, dtype=lib.int32),
    "zeros * float64 0-d 70000": lambda lib: _half(lib, [0.0, 0.0]) * lib.tensor(70000.0, dtype=lib.float64),
    "zeros * int32 (1,) 65520": lambda lib: _half(lib, [0.0, 0.0]) * lib.tensor([65520], dtype=lib.int32),
    "0-d zero * int32 0-d": lambda lib: _half(lib, 0.0) * lib.tensor(65520, dtype=lib.int32),
    "int32 0-d 65520 * zeros": lambda lib: lib.tensor(65520, dtype=lib.int32) * _half(lib, [0.0, 0.0]),
    "x * float64 0-d 1e-8": lambda lib: _half(lib, [1.0, 3.0]) * lib.tensor(1e-8, dtype=lib.float64),
    "x / int32 0-d 65520": lambda lib: _half(lib, [1.0, 3.0]) / lib.tensor(65520, dtype=lib.int32),
    "int32 0-d 65520 / x": lambda lib: lib.tensor(65520, dtype=lib.int32) / _half(lib, [1.0, 3.0]),
    "x + 65520": lambda lib: _half(lib, [-100.0]) + 65520,
    "65520 + x": lambda lib: 65520 + _half(lib, [-100.0]),
    "65520.0 - x": lambda lib: 65520.0 - _half(lib, [100.0]),
    "x - 65520": lambda lib: _half(lib, [100.0]) - 65520,
    "1e6 ** x": lambda lib: 1e6 ** _half(lib, [0.0, 1.0, -1.5, 0.5]),
    "2**63 ** x": lambda lib: (2**63) ** _half(lib, [0.0, 1.0, -1.5]),
    "1e300 ** float32 x": lambda lib: 1e300 ** lib.tensor([0.0, 1.0, -1.5]),
    "2**63 / bool": lambda lib: 2**63 / lib.tensor([True, False]),
    "2**63 / int 0-d": lambda lib: 2**63 / lib.tensor(3),
}


@pytest.mark.parametrize("case", sorted(HALF_WITH_SCALAR))
def test_scalar_operands_at_the_edge_of_float16_and_int64_match_torch(case):
    results = []
    for lib in (torch, cr):
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no NumPy RuntimeWarning may escape
            out = HALF_WITH_SCALAR[case](lib)
        results.append((str(out.dtype).removeprefix("torch."), out.numpy()))
    (their_dtype, theirs), (our_dtype, ours) = results
    assert our_dtype == their_dtype
    np.testing.assert_allclose(ours.astype(np.float64), theirs.astype(np.float64), rtol=1e-3, equal_nan=True)


def test_division_of_numbers_past_int64_still_refused_where_torch_refuses():
    # reciprocal(x) * number only holds for true division with the number on the left
    for lib in (torch, cr):
        with pytest.raises(RuntimeError):
            lib.tensor(False) / 2**63
        with pytest.raises(RuntimeError):
            2**63 // lib.tensor(True)
        with pytest.raises(OverflowError):
            2**64 / lib.tensor(True)
