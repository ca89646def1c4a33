import numpy as np
import pytest
import torch
from optest import check_op, randn

import chainrule as cr
import chainrule.functional as F

BINARY = [
    ("add", lambda a, b: a + b),
    ("sub", lambda a, b: a - b),
    ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b),
]
SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((0, 3), (3,)), ((1,), (5, 1))]


@pytest.mark.parametrize("name,fn", BINARY)
@pytest.mark.parametrize("sa,sb", SHAPES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_binary_matches_torch(name, fn, sa, sb, dtype):
    b = randn(*sb, dtype=dtype, seed=1)
    if name == "div":
        b = np.where(np.abs(b) < 0.5, 1.5, b).astype(dtype)
    check_op(fn, fn, randn(*sa, dtype=dtype, seed=0), b)


# ------------------------------------------------------------------ pow
DTYPES = [np.float64, np.float32]


@pytest.mark.parametrize("exponent", [2, 0.5, -1, 0, 3, 2.0, -2.5, 1])
@pytest.mark.parametrize("dtype", DTYPES)
def test_pow_scalar_exponent_positive_base(exponent, dtype):
    check_op(lambda a: a**exponent, lambda a: a**exponent, randn(3, 4, dtype=dtype, seed=2, low=0.3))


@pytest.mark.parametrize("exponent", [2, -1, 0, 3, -2, 2.0, 3.0])
@pytest.mark.parametrize("dtype", DTYPES)
def test_pow_integer_exponent_negative_base(exponent, dtype):
    x = randn(3, 4, dtype=np.float64, seed=3)
    x = np.where(np.abs(x) < 0.3, -0.7, x).astype(dtype)  # both signs, away from 0 for negative powers
    check_op(lambda a: a**exponent, lambda a: a**exponent, x)
    check_op(lambda a: a.pow(exponent), lambda a: a.pow(exponent), x)


@pytest.mark.parametrize("exponent", [2, 3, 0, 0.5, 1.5, -1])
def test_pow_scalar_exponent_at_zero_base(exponent):
    # 0 ** 0 has gradient 0 (not 0 * inf); 0 ** 0.5 has +inf, 0 ** -1 gives inf and -inf grad.
    x = np.array([0.0, 0.5, 2.0])
    check_op(lambda a: a**exponent, lambda a: a**exponent, x, gradcheck=False)


@pytest.mark.parametrize("exponent", [0.5, 1.5])
def test_pow_fractional_exponent_of_negative_base_is_nan_like_torch(exponent):
    check_op(lambda a: a**exponent, lambda a: a**exponent, np.array([-1.0, 4.0]), gradcheck=False)


@pytest.mark.parametrize("sa,sb", [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1), (3,)), ((), (2, 3)), ((2, 3), ())])
@pytest.mark.parametrize("dtype", DTYPES)
def test_pow_tensor_exponent(sa, sb, dtype):
    base = randn(*sa, dtype=dtype, seed=4, low=0.3)
    exponent = randn(*sb, dtype=dtype, seed=5)
    check_op(lambda a, b: a**b, lambda a, b: a**b, base, exponent)
    check_op(F.pow, torch.pow, base, exponent)


def test_pow_tensor_exponent_at_zero_base():
    # PyTorch: d/d base is 0 where the exponent is 0; d/d exponent is 0 where base == 0, exponent >= 0.
    base = np.array([0.0, 0.0, 0.0, 2.0, 0.5])
    exponent = np.array([0.0, 2.0, 1.0, 0.0, -1.0])
    check_op(lambda a, b: a**b, lambda a, b: a**b, base, exponent, gradcheck=False)


@pytest.mark.parametrize("base", [2, 0.5, 3.0, 1])
@pytest.mark.parametrize("dtype", DTYPES)
def test_pow_scalar_base(base, dtype):
    x = randn(3, 4, dtype=dtype, seed=6)
    check_op(lambda e: base**e, lambda e: base**e, x)
    check_op(lambda e: F.pow(base, e), lambda e: torch.pow(base, e), x)


def test_pow_scalar_base_zero():
    check_op(lambda e: 0**e, lambda e: 0**e, np.array([0.0, 1.0, 2.5]), gradcheck=False)


# ------------------------------------------------------------------ neg, Python scalars
@pytest.mark.parametrize("dtype", DTYPES)
def test_neg(dtype):
    x = randn(2, 3, dtype=dtype, seed=7)
    check_op(lambda a: -a, lambda a: -a, x)
    check_op(F.neg, torch.neg, x)
    check_op(lambda a: a.neg(), lambda a: a.neg(), x)


SCALAR_CASES = [
    ("2 - x", lambda x: 2 - x),
    ("x - 2", lambda x: x - 2),
    ("2.5 + x", lambda x: 2.5 + x),
    ("x + 1", lambda x: x + 1),
    ("3 * x", lambda x: 3 * x),
    ("x * 0.5", lambda x: x * 0.5),
    ("x / 3", lambda x: x / 3),
    ("3 / x", lambda x: 3 / x),
    ("1.5 / x", lambda x: 1.5 / x),
    ("x / 0.25", lambda x: x / 0.25),
    ("+x", lambda x: +x),
]


@pytest.mark.parametrize("name,fn", SCALAR_CASES, ids=[c[0] for c in SCALAR_CASES])
@pytest.mark.parametrize("dtype", DTYPES)
def test_python_scalar_on_either_side(name, fn, dtype):
    # check_op also asserts the result dtype equals torch's: float32 (op) Python float stays float32.
    check_op(fn, fn, randn(3, 2, dtype=dtype, seed=8, low=0.5))


@pytest.mark.parametrize("scalar", [2.5, 3, np.float64(2.5), np.int64(3)])
def test_float32_with_scalar_stays_float32(scalar):
    x = cr.tensor(np.ones(3, np.float32))
    for out in (x * scalar, scalar * x, x + scalar, scalar - x, x / scalar, scalar / x, x**scalar):
        assert out.dtype == np.float32, (scalar, out.dtype)


# ------------------------------------------------------------------ maximum / minimum
@pytest.mark.parametrize(
    "ours,theirs",
    [
        (F.maximum, torch.maximum),
        (F.minimum, torch.minimum),
        (lambda a, b: a.maximum(b), lambda a, b: a.maximum(b)),
        (lambda a, b: a.minimum(b), lambda a, b: a.minimum(b)),
    ],
)
@pytest.mark.parametrize("sa,sb", [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((0, 2), (2,))])
@pytest.mark.parametrize("dtype", DTYPES)
def test_maximum_minimum(ours, theirs, sa, sb, dtype):
    check_op(ours, theirs, randn(*sa, dtype=dtype, seed=9), randn(*sb, dtype=dtype, seed=10))


@pytest.mark.parametrize("ours,theirs", [(F.maximum, torch.maximum), (F.minimum, torch.minimum)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_maximum_minimum_ties_split_the_gradient(ours, theirs, dtype):
    a = np.array([1.0, 2.0, 3.0, -1.0], dtype=dtype)
    b = np.array([1.0, 0.0, 3.0, 5.0], dtype=dtype)
    check_op(ours, theirs, a, b, gradcheck=False)
    ta, tb = cr.tensor(a, requires_grad=True), cr.tensor(b, requires_grad=True)
    ours(ta, tb).sum().backward()
    assert ta.grad.detach().numpy()[0] == tb.grad.detach().numpy()[0] == 0.5  # half each at a tie, as torch
    # ties under broadcasting: the halves from several output elements add up in unbroadcast
    col = np.array([[0.0], [1.0], [2.0]], dtype=dtype)
    row = np.array([[1.0, 1.0, 0.0, 2.0]], dtype=dtype)
    check_op(ours, theirs, col, row, gradcheck=False)


# ------------------------------------------------------------------ where
@pytest.mark.parametrize(
    "sc,sa,sb",
    [
        ((3, 4), (3, 4), (3, 4)),
        ((3, 1), (1, 4), (3, 4)),
        ((4,), (3, 4), ()),
        ((2, 1, 1), (3, 1), (1, 4)),
        ((0, 4), (4,), (1,)),
    ],
)
@pytest.mark.parametrize("dtype", DTYPES)
def test_where_broadcasting(sc, sa, sb, dtype):
    cond = randn(*sc, seed=11) > 0
    check_op(F.where, torch.where, cond, randn(*sa, dtype=dtype, seed=12), randn(*sb, dtype=dtype, seed=13))


@pytest.mark.parametrize("dtype", DTYPES)
def test_where_with_python_scalar(dtype):
    cond = np.array([True, False, True])
    x = randn(3, dtype=dtype, seed=14)
    check_op(lambda c, a: F.where(c, a, 0.0), lambda c, a: torch.where(c, a, 0.0), cond, x)
    check_op(lambda c, a: F.where(c, 2.0, a), lambda c, a: torch.where(c, 2.0, a), cond, x)


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    "name,fn", BINARY + [("maximum", F.maximum), ("minimum", F.minimum), ("pow", lambda a, b: a**b)]
)
def test_broadcast_mismatch_names_op_and_shapes(name, fn):
    a, b = cr.tensor(np.ones((3, 4))), cr.tensor(np.ones((2, 4)))
    with pytest.raises(RuntimeError, match=rf"{name}.*\(3, 4\).*\(2, 4\)"):  # torch: RuntimeError
        fn(a, b)


def test_where_mismatch_names_all_shapes():
    with pytest.raises(RuntimeError, match=r"where.*\(3,\).*\(2,\).*\(4,\)"):  # torch: RuntimeError
        F.where(np.ones(3, bool), cr.tensor(np.ones(2)), cr.tensor(np.ones(4)))


def test_unsupported_operand_type_names_op():
    with pytest.raises(TypeError, match="add.*str"):
        cr.tensor([1.0]) + "a"


# ------------------------------------------------------------------ dtype promotion (PyTorch's, by category)
PROMOTION = [
    (np.array([1, 2, 3]), 2.5),
    (np.array([1, 2, 3]), np.array([2, 4, 6])),
    (np.array([1, 2, 3]), np.ones(3, np.float32)),
    (np.ones(3, np.float32), np.asarray(2.0)),
    (np.array([1, 2, 3], np.int32), np.asarray(2.0)),
    (np.ones(3, np.float16), np.ones(3, np.float32)),
    (np.array([1, 2, 3], np.int32), 2),
    (np.array([True, False, True]), 1.5),
]


@pytest.mark.parametrize("a,b", PROMOTION)
@pytest.mark.parametrize("name,fn", BINARY + [("maximum", "maximum"), ("minimum", "minimum")])
def test_result_dtype_matches_torch(name, fn, a, b):
    def as_torch(v):
        return torch.from_numpy(np.asarray(v)) if isinstance(v, np.ndarray) else v

    if isinstance(fn, str):  # torch.maximum takes tensors only
        if not isinstance(b, np.ndarray):
            return
        ours, theirs = getattr(F, fn)(cr.tensor(a), cr.tensor(b)), getattr(torch, fn)(as_torch(a), as_torch(b))
    else:
        if a.dtype == bool and name == "sub":
            return  # torch refuses bool subtraction
        ours, theirs = fn(cr.tensor(a), cr.tensor(b) if isinstance(b, np.ndarray) else b), fn(as_torch(a), as_torch(b))
    assert ours.dtype == theirs.numpy().dtype, (ours.dtype, theirs.dtype)
    np.testing.assert_allclose(ours.detach().numpy(), theirs.numpy(), rtol=1e-3)


def test_integer_to_negative_power_errors_like_torch():
    with pytest.raises(RuntimeError, match="pow.*negative integer powers"):
        cr.tensor([1, 2]) ** -1


@pytest.mark.parametrize(
    "ours,theirs",
    [
        (lambda x, y: x * y,) * 2,
        (lambda x, y: x / y,) * 2,
        (lambda x, y: y - x,) * 2,
        (lambda x, y: x**y,) * 2,
        (F.maximum, torch.maximum),
    ],
)
@pytest.mark.parametrize("other", [np.asarray(1.7), randn(4, seed=16)])
def test_mixed_float_dtypes_forward_and_gradients(ours, theirs, other):
    # float32 (3, 4) with a float64 0-d tensor stays float32; with a float64 (4,) tensor it is float64
    check_op(ours, theirs, randn(3, 4, dtype=np.float32, seed=15, low=0.1), other, gradcheck=False)
