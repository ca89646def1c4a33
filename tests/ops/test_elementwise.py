"""Elementwise math against PyTorch: trigonometric, hyperbolic, logs and powers, error functions,
rounding and sign (ops/unary.py); the binary elementwise ops (ops/arithmetic.py); predicates and
logical/bitwise ops. Shapes cover 0-d, empty and size-1 dims; non-contiguous inputs, both float
dtypes, domain edges, integer/bool inputs and the exception types torch raises."""

import numpy as np
import pytest
import torch
from optest import check_op, randn

import chainrule as cr
import chainrule.functional as F

DTYPES = [np.float64, np.float32]
SHAPES = [(3, 4), (), (2, 0, 3), (1, 5)]


def _in(low, high):
    def make(shape, dtype, seed=0):
        rng = np.random.default_rng(seed)
        return np.asarray(rng.uniform(low, high, shape)).astype(dtype)

    return make


ANY = _in(-3, 3)
POSITIVE = _in(0.2, 3)
UNIT = _in(-0.9, 0.9)
ABOVE_ONE = _in(1.2, 4)

# name, input sampler (inside the domain, away from where gradcheck's differences would blow up)
SMOOTH = [
    ("sin", ANY),
    ("cos", ANY),
    ("tan", _in(-1.2, 1.2)),
    ("asin", UNIT),
    ("acos", UNIT),
    ("atan", ANY),
    ("sinh", ANY),
    ("cosh", ANY),
    ("asinh", ANY),
    ("acosh", ABOVE_ONE),
    ("atanh", UNIT),
    ("log2", POSITIVE),
    ("log10", POSITIVE),
    ("log1p", _in(-0.8, 3)),
    ("exp2", ANY),
    ("expm1", ANY),
    ("rsqrt", POSITIVE),
    ("reciprocal", POSITIVE),
    ("square", ANY),
    ("erf", ANY),
    ("erfc", ANY),
    ("erfinv", UNIT),
    ("frac", ANY),
]
ALIASES = {"arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh", "arccosh": "acosh"}
ALIASES |= {"arctanh": "atanh", "fix": "trunc", "sgn": "sign"}


@pytest.mark.parametrize("name,make", SMOOTH, ids=[s[0] for s in SMOOTH])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_smooth_unary_matches_torch(name, make, shape, dtype):
    check_op(getattr(F, name), getattr(torch, name), make(shape, dtype))


@pytest.mark.parametrize("name,make", SMOOTH, ids=[s[0] for s in SMOOTH])
def test_methods_and_top_level_on_non_contiguous_input(name, make):
    x = make((4, 3), np.float64).T  # a transposed view
    check_op(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), x)
    check_op(getattr(cr, name), getattr(torch, name), make((6, 4), np.float64)[::2, 1:])


@pytest.mark.parametrize("name,make", SMOOTH, ids=[s[0] for s in SMOOTH])
def test_in_place_variants_match_torch(name, make):
    # against torch's out-of-place op: torch has no derivative for asinh_, acosh_ and atanh_
    x = make((3, 4), np.float64)
    check_op(lambda t: getattr(t * 1, name + "_")(), getattr(torch, name), x)


@pytest.mark.parametrize("alias,name", sorted(ALIASES.items()))
def test_aliases_match_torch(alias, name):
    x = UNIT((3, 4), np.float64)
    # (+ t: sgn's gradient in torch is a ZeroTensor, which has no NumPy view)
    check_op(lambda t: getattr(F, alias)(t) + t, lambda t: getattr(torch, alias)(t) + t, x, gradcheck=False)
    check_op(lambda t: getattr(t, alias)() + t, lambda t: getattr(t, alias)() + t, x, gradcheck=False)
    if alias != "sgn":  # sgn is a function of its own (it would differ for complex inputs)
        assert getattr(F, alias) is getattr(F, name)


# ------------------------------------------------------------------ domain edges and extremes
EDGES = np.array([-np.inf, -2.0, -1.0, -0.5, -0.0, 0.0, 0.5, 1.0, 2.0, 1e3, np.inf, np.nan])


@pytest.mark.parametrize("name", [s[0] for s in SMOOTH])
@pytest.mark.parametrize("dtype", DTYPES)
def test_domain_edges_match_torch_without_warnings(name, dtype):
    # inf/nan where torch gives them, values and gradients alike, with no NumPy warning escaping
    # (underflow to 0, e^{-x^2} at x = 1000, is the expected outcome and NumPy's default ignores it)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        check_op(getattr(F, name), getattr(torch, name), EDGES.astype(dtype), gradcheck=False)


def test_erfc_keeps_precision_in_the_tail():
    x = np.array([5.0, 10.0, 20.0])
    out = F.erfc(cr.tensor(x)).numpy()
    from scipy.special import erfc

    np.testing.assert_allclose(out, erfc(x), rtol=1e-14)  # not 1 - erf(x), which is 0 here
    assert (out > 0).all()


# ------------------------------------------------------------------ rounding and sign
ROUNDING = ["floor", "ceil", "round", "trunc", "sign", "sgn", "fix"]
ROUND_INPUT = np.array([-2.5, -1.5, -0.5, -0.2, 0.0, 0.5, 1.5, 2.5, 3.7, np.inf, -np.inf, np.nan])


@pytest.mark.parametrize("name", ROUNDING)
@pytest.mark.parametrize("dtype", DTYPES)
def test_rounding_values_and_zero_gradient_match_torch(name, dtype):
    # halves round to even; sign(nan) is 0; the gradient is a recorded 0 (the + x keeps torch's
    # gradient from being a ZeroTensor)
    check_op(
        lambda t: getattr(F, name)(t) + t,
        lambda t: getattr(torch, name)(t) + t,
        ROUND_INPUT.astype(dtype),
        gradcheck=False,
    )


def test_rounding_records_a_zero_gradient_node():
    x = cr.tensor([-1.5, 0.3, 2.5], requires_grad=True)
    (x.floor() + x).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]
    for name in ROUNDING:
        y = getattr(x, name)()
        assert y.requires_grad and y.grad_fn is not None
        (g,) = cr.autograd.grad(y.sum(), [x])
        assert g.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("decimals", [0, 1, 2, -1, -2])
@pytest.mark.parametrize("dtype", DTYPES)
def test_round_decimals_matches_torch(decimals, dtype):
    x = np.array([1.2345, -2.675, 0.125, 12345.0, 25.0, -149.9, 0.0]).astype(dtype)
    check_op(
        lambda t: F.round(t, decimals=decimals) + t,
        lambda t: torch.round(t, decimals=decimals) + t,
        x,
        gradcheck=False,
    )
    check_op(lambda t: t.round(decimals=decimals), lambda t: t.round(decimals=decimals), x, grad=False)


@pytest.mark.parametrize("name", ["floor_", "ceil_", "round_", "trunc_", "sign_", "sgn_", "frac_", "fix_"])
def test_rounding_in_place_matches_torch(name):
    x = ROUND_INPUT[:9].copy()
    check_op(lambda t: getattr(t * 1, name)() + t, lambda t: getattr(t * 1, name)() + t, x, gradcheck=False)


def test_frac_keeps_the_sign_and_passes_the_gradient():
    check_op(F.frac, torch.frac, np.array([-1.5, -0.25, 0.75, 2.5]))
    check_op(F.frac, torch.frac, np.array([-3.0, 0.0, 3.0]), gradcheck=False)  # at the jumps


# ------------------------------------------------------------------ integer and bool inputs
INT = np.array([[1, 0, -3], [2, 5, 1]])
BOOL = np.array([True, False, True])


def _same(ours, theirs):
    expected = theirs.numpy()
    assert ours.dtype == expected.dtype, (ours.dtype, expected.dtype)
    np.testing.assert_allclose(ours.numpy(), expected, rtol=1e-6)


@pytest.mark.parametrize(
    "name",
    ["sin", "cos", "tan", "atan", "sinh", "cosh", "asinh", "exp2", "expm1", "erf", "erfc", "reciprocal", "square"]
    + ["floor", "ceil", "round", "trunc", "sign", "sgn", "log1p", "rsqrt", "log2", "log10", "asin", "erfinv"],
)
@pytest.mark.parametrize("data", [INT, BOOL], ids=["int64", "bool"])
def test_integer_and_bool_inputs_match_torch(name, data):
    # transcendental functions give float32; square, sign and rounding keep ints; bool as torch
    try:
        expected = getattr(torch, name)(torch.from_numpy(data))
    except Exception as error:  # noqa: BLE001 - torch's exception type is the expectation
        with pytest.raises(type(error)):
            getattr(F, name)(cr.tensor(data))
        return
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        _same(getattr(F, name)(cr.tensor(data)), expected)


@pytest.mark.parametrize("call", [lambda m, x: m.frac(x), lambda m, x: m.round(x, decimals=1)])
def test_ops_torch_refuses_for_integers_raise_the_same(call):
    with pytest.raises(NotImplementedError):
        call(torch, torch.from_numpy(INT))
    with pytest.raises(NotImplementedError, match="frac|round"):
        call(cr, cr.tensor(INT))


def test_in_place_float_result_into_an_int_tensor_raises_like_torch():
    with pytest.raises(RuntimeError):
        torch.from_numpy(INT.copy()).sin_()
    with pytest.raises(RuntimeError, match="sin_"):
        cr.tensor(INT.copy()).sin_()
    t = cr.tensor(INT.copy())
    t.floor_()
    assert t.dtype == np.int64 and t.tolist() == INT.tolist()


def test_float32_stays_float32():
    x = randn(3, 4, dtype=np.float32, seed=1)
    for name in [s[0] for s in SMOOTH] + ROUNDING:
        assert getattr(F, name)(cr.tensor(x)).dtype == np.float32, name
