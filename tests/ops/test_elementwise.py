"""Elementwise math against PyTorch: trigonometric, hyperbolic, logs and powers, error functions,
rounding and sign (ops/unary.py); the binary elementwise ops (ops/arithmetic.py); predicates and
logical/bitwise ops. Shapes cover 0-d, empty and size-1 dims; non-contiguous inputs, both float
dtypes, domain edges, integer/bool inputs and the exception types torch raises."""

import operator

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


# ------------------------------------------------------------------ binary elementwise
def _pair(shape_a, shape_b, dtype, b_low=None, seed=0):
    a = np.asarray(2 * randn(*shape_a, dtype=np.float64, seed=seed)).astype(dtype)
    b = randn(*shape_b, dtype=dtype, seed=seed + 1, low=b_low) if b_low is not None else None
    if b is None:
        b = np.asarray(2 * randn(*shape_b, dtype=np.float64, seed=seed + 1)).astype(dtype)
    return a, b


PAIR_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 3), (4, 1)), ((), (2, 3)), ((0, 3), (3,)), ((1, 4), ())]

# name, (ours, theirs) as fn(lib, a, b), lower bound of b (None: any sign)
BINARY = [
    ("atan2", lambda m, a, b: m.atan2(a, b), None),
    ("copysign", lambda m, a, b: m.copysign(a, b) + b, None),
    ("logaddexp", lambda m, a, b: m.logaddexp(a, b), None),
    ("logaddexp2", lambda m, a, b: m.logaddexp2(a, b), None),
    ("hypot", lambda m, a, b: m.hypot(a, b), None),
    ("xlogy", lambda m, a, b: m.xlogy(a, b), 0.2),
    ("fmod", lambda m, a, b: m.fmod(a, b), 0.7),
    ("remainder", lambda m, a, b: m.remainder(a, b), 0.7),
    ("mod_operator", lambda m, a, b: a % b, 0.7),
    ("mod_negative_divisor", lambda m, a, b: a % -b, 0.7),
    ("fmod_negative_divisor", lambda m, a, b: m.fmod(a, -b), 0.7),
    ("lerp_scalar", lambda m, a, b: m.lerp(a, b, 0.3), None),
    ("lerp_scalar_high", lambda m, a, b: m.lerp(a, b, 0.8), None),
    ("lerp_tensor", lambda m, a, b: m.lerp(a, b, b.detach() * 0 + 0.6 if b.ndim else a * 0.1), None),
]


@pytest.mark.parametrize("name,fn,b_low", BINARY, ids=[b[0] for b in BINARY])
@pytest.mark.parametrize("shapes", PAIR_SHAPES, ids=str)
@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_matches_torch(name, fn, b_low, shapes, dtype):
    a, b = _pair(*shapes, dtype, b_low=b_low)
    if name == "lerp_tensor" and a.shape != b.shape and np.broadcast_shapes(a.shape, b.shape) != a.shape:
        pytest.skip("lerp's weight here has a's shape")
    # fmod and remainder jump where a / b is an integer; the random inputs stay clear of that
    check_op(lambda x, y: fn(cr, x, y), lambda x, y: fn(torch, x, y), a, b)


@pytest.mark.parametrize("name,fn,b_low", BINARY, ids=[b[0] for b in BINARY])
def test_binary_on_non_contiguous_inputs(name, fn, b_low):
    a, b = _pair((4, 3), (3, 4), np.float64, b_low=b_low)
    check_op(lambda x, y: fn(cr, x, y), lambda x, y: fn(torch, x, y), a.T, b[:, ::-1])


def test_lerp_weight_tensor_gets_its_gradient():
    a, b = _pair((3, 4), (3, 4), np.float64)
    w = randn(4, seed=5)
    check_op(lambda x, y, z: cr.lerp(x, y, z), lambda x, y, z: torch.lerp(x, y, z), a, b, w)
    check_op(lambda x, y, z: x.lerp(y, z), lambda x, y, z: x.lerp(y, z), a, b, w)


@pytest.mark.parametrize(
    "name,fn,number",
    [
        ("copysign", lambda m, a, s: m.copysign(a, s), -1.0),
        ("copysign_zero", lambda m, a, s: m.copysign(a, s), -0.0),
        ("fmod", lambda m, a, s: m.fmod(a, s), 1.5),
        ("fmod_int", lambda m, a, s: m.fmod(a, s), -2),
        ("remainder", lambda m, a, s: m.remainder(a, s), 1.5),
        ("remainder_negative", lambda m, a, s: m.remainder(a, s), -1.5),
        ("mod", lambda m, a, s: a % s, 2),
        ("xlogy", lambda m, a, s: m.xlogy(a, s), 3.0),
        ("xlogy_number_first", lambda m, a, s: m.xlogy(s, a.abs() + 0.5), 2.0),
    ],
)
@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_with_a_python_number_matches_torch(name, fn, number, dtype):
    a = (2 * randn(3, 4, seed=7)).astype(dtype)
    check_op(lambda x: fn(cr, x, number), lambda x: fn(torch, x, number), a)


def test_mod_gradient_is_one_and_mod_by_a_tensor_is_minus_floor():
    a = cr.tensor([-3.5, 2.5, 5.3], requires_grad=True)
    (a + a % 2).sum().backward()
    assert a.grad.tolist() == [2.0, 2.0, 2.0]
    check_op(lambda x, y: x % y, lambda x, y: x % y, np.array([-3.5, 2.5, 5.3]), np.array([2.0, -1.5, 2.0]))


def test_reflected_mod_and_floordiv_values_match_torch():
    x = np.array([2.0, -2.0, 3.0, -0.5])
    for op in (lambda n, t: n % t, lambda n, t: n // t):
        for number in (7, 7.5, -7):
            check_op(
                lambda t, op=op, number=number: op(number, t),
                lambda t, op=op, number=number: op(number, t),
                x,
                grad=False,
            )
    assert (7 // cr.tensor([2, -2])).tolist() == (7 // torch.tensor([2, -2])).tolist()
    assert (7 // cr.tensor([2, -2])).dtype == np.int64


def test_number_mod_tensor_backward_raises_like_torch():
    for lib in (torch, cr):
        t = lib.tensor([2.0, -3.0], requires_grad=True)
        with pytest.raises(RuntimeError):
            (7 % t).sum().backward()


@pytest.mark.parametrize(
    "make", [lambda t: t // 2, lambda t: 7 // t, lambda t: t.floor_divide(t), lambda t: t + t // 2]
)
def test_floor_divide_records_a_node_whose_backward_raises_like_torch(make):
    for lib in (torch, cr):
        t = lib.tensor([2.0, -3.0, 5.5], requires_grad=True)
        out = make(t)
        assert out.requires_grad
        with pytest.raises(RuntimeError, match="floor_divide|derivative"):
            out.sum().backward()


@pytest.mark.parametrize(
    "a,b",
    [
        ([7, -7, 3, 0], [2, 2, -2, 5]),
        ([5.5, -5.5, 0.0, 5.0, -5.0], [2.0, 2.0, 0.0, 0.0, 0.0]),
        ([5, -5], [2.5, 2.5]),
    ],
)
@pytest.mark.parametrize("name", ["floor_divide", "remainder", "fmod"])
def test_division_family_values_and_dtypes_match_torch(name, a, b):
    a, b = np.array(a), np.array(b)
    with np.errstate(all="raise"):
        out = getattr(cr, name)(cr.tensor(a), cr.tensor(b))
    expected = getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(b))
    _same(out, expected)
    ops = {"floor_divide": lambda x, y: x // y, "remainder": lambda x, y: x % y}
    if name in ops:
        _same(ops[name](cr.tensor(a), cr.tensor(b)), ops[name](torch.from_numpy(a), torch.from_numpy(b)))


@pytest.mark.parametrize("name", ["floor_divide", "remainder", "fmod"])
def test_integer_division_by_zero_raises_like_torch(name):
    a, b = np.array([7, -7]), np.array([0, 2])
    with pytest.raises(RuntimeError):
        getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(b))
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        getattr(cr, name)(cr.tensor(a), cr.tensor(b))
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        cr.tensor(a) % 0


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x, y: m.floor_divide(x, y),
        lambda m, x, y: m.remainder(x, y),
        lambda m, x, y: m.fmod(x, y),
        lambda m, x, y: m.hypot(x, y),
        lambda m, x, y: m.logaddexp(x, y),
        lambda m, x, y: m.logaddexp2(x, y),
    ],
)
def test_bool_and_integer_inputs_raise_like_torch(call):
    for data in (np.array([True, False]), np.array([3, 4])):
        try:
            expected = call(torch, torch.from_numpy(data), torch.from_numpy(data[::-1].copy()))
        except Exception as error:  # noqa: BLE001 - torch's exception type is the expectation
            with pytest.raises(type(error)):
                call(cr, cr.tensor(data), cr.tensor(data[::-1].copy()))
            continue
        _same(call(cr, cr.tensor(data), cr.tensor(data[::-1].copy())), expected)


@pytest.mark.parametrize("name", ["atan2", "copysign", "xlogy"])
def test_integer_inputs_promote_like_torch(name):
    a, b = np.array([7, -7, 3, 0]), np.array([2, 2, -2, 5])
    _same(getattr(cr, name)(cr.tensor(a), cr.tensor(b)), getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(b)))
    b64 = np.array([1.0, 0.0, -1.0, 2.0])
    _same(
        getattr(cr, name)(cr.tensor(a), cr.tensor(b64)),
        getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(b64)),
    )


@pytest.mark.parametrize(
    "call",
    [
        lambda m, x: m.atan2(x, 2.0),
        lambda m, x: m.hypot(x, 2),
        lambda m, x: m.logaddexp(x, 1.0),
        lambda m, x: m.logaddexp2(x, 1.0),
        lambda m, x: m.lerp(x, 2.0, 0.5),
        lambda m, x: x.atan2(2.0),
        lambda m, x: x.lerp(1.0, 0.5),
    ],
)
def test_number_where_torch_wants_a_tensor_raises_type_error(call):
    with pytest.raises(TypeError):
        call(torch, torch.tensor([1.0, 2.0]))
    with pytest.raises(TypeError):
        call(cr, cr.tensor([1.0, 2.0]))


def test_lerp_dtype_errors_match_torch():
    cases = [
        (np.array([1.0, 2.0], np.float32), np.array([3.0, 4.0]), 0.5),
        (np.array([1.0, 2.0], np.float32), np.array([3.0, 4.0], np.float32), np.array([0.5])),
        (np.array([1, 2]), np.array([3, 4]), 0.5),
    ]
    for a, b, w in cases:
        torch_w = torch.from_numpy(w) if isinstance(w, np.ndarray) else w
        with pytest.raises(Exception) as expected:
            torch.lerp(torch.from_numpy(a), torch.from_numpy(b), torch_w)
        with pytest.raises(expected.type):
            cr.lerp(cr.tensor(a), cr.tensor(b), cr.tensor(w) if isinstance(w, np.ndarray) else w)


def test_broadcast_errors_are_runtime_errors_as_in_torch():
    a, b = cr.tensor(np.ones((3, 4))), cr.tensor(np.ones((2,)))
    for fn in (cr.atan2, cr.logaddexp, cr.logaddexp2, cr.hypot, cr.xlogy, cr.fmod, cr.remainder, cr.copysign):
        with pytest.raises(RuntimeError, match="broadcast"):
            fn(a, b)
    with pytest.raises(RuntimeError, match="broadcast"):
        cr.lerp(a, b, 0.5)


BINARY_EDGES = np.array([0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e30, -1e30, 0.3])


@pytest.mark.parametrize(
    "name", ["atan2", "copysign", "logaddexp", "logaddexp2", "hypot", "xlogy", "fmod", "remainder"]
)
@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_edges_match_torch_without_warnings(name, dtype):
    a = np.repeat(BINARY_EDGES, len(BINARY_EDGES)).astype(dtype)
    b = np.tile(BINARY_EDGES, len(BINARY_EDGES)).astype(dtype)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        check_op(getattr(cr, name), getattr(torch, name), a, b, gradcheck=False)


@pytest.mark.parametrize(
    "name,args",
    [
        ("atan2_", (np.array([1.0, -2.0, 0.5]),)),
        ("arctan2_", (np.array([1.0, -2.0, 0.5]),)),
        ("copysign_", (np.array([1.0, -2.0, -0.5]),)),
        ("fmod_", (np.array([1.3, -2.0, 0.7]),)),
        ("remainder_", (np.array([1.3, -2.0, 0.7]),)),
        ("hypot_", (np.array([1.0, -2.0, 0.5]),)),
        ("xlogy_", (np.array([1.0, 2.0, 0.5]),)),
        ("lerp_", (np.array([1.0, -2.0, 0.5]), 0.3)),
    ],
)
def test_binary_in_place_variants_match_torch(name, args):
    a = np.array([2.5, -1.7, 0.9])

    def run(lib, t):
        others = [lib.tensor(x) if isinstance(x, np.ndarray) else x for x in args]
        return getattr(t * 1, name)(*others)

    check_op(lambda t: run(cr, t), lambda t: run(torch, t), a)


def test_in_place_mod_and_floordiv_operators_match_torch():
    for lib in (torch, cr):
        t = lib.tensor([7.5, -7.5, 3.0])
        t %= 2
        u = lib.tensor([7, -7, 3])
        u //= 2
        assert t.tolist() == [1.5, 0.5, 1.0] and u.tolist() == [3, -4, 1]
    x = np.array([2.5, -1.7, 0.9])

    def modded(t):
        y = t * 1
        y %= 0.8
        return y

    check_op(modded, modded, x)


# ------------------------------------------------------------------ predicates, logical and bitwise ops
SPECIAL = np.array([[1.0, np.nan, np.inf], [-np.inf, 0.0, -2.5]])
PREDICATE_INPUTS = [SPECIAL, SPECIAL.astype(np.float32), SPECIAL.T, np.array([[1, 0, -3]]), np.array([True, False])]
PREDICATE_INPUTS += [np.zeros((0, 3)), np.array(np.nan)]


def _same_bools(ours, theirs):
    assert isinstance(ours, cr.Tensor) and ours.dtype == np.bool_ and not ours.requires_grad
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("name", ["isnan", "isinf", "isposinf", "isneginf", "isfinite", "logical_not"])
@pytest.mark.parametrize("data", PREDICATE_INPUTS, ids=range(len(PREDICATE_INPUTS)))
def test_predicates_match_torch(name, data):
    expected = getattr(torch, name)(torch.from_numpy(np.array(data)))
    _same_bools(getattr(F, name)(cr.tensor(data)), expected)
    _same_bools(getattr(cr, name)(cr.tensor(data)), expected)
    _same_bools(getattr(cr.tensor(data), name)(), expected)


def test_predicates_of_a_tensor_that_requires_grad_have_no_gradient():
    x = cr.tensor(SPECIAL, requires_grad=True)
    assert not x.isnan().requires_grad and x.isnan().grad_fn is None


CLOSE_A = np.array([1.0, 1.0, np.nan, np.inf, -np.inf, 1e-9, 100.0, 0.0])
CLOSE_B = np.array([1.0, 1.00001, np.nan, np.inf, np.inf, 0.0, 100.001, -0.0])


@pytest.mark.parametrize(
    "kwargs", [{}, {"equal_nan": True}, {"rtol": 0.0, "atol": 0.0}, {"rtol": 1e-3}, {"atol": 1e-2, "rtol": 0}]
)
@pytest.mark.parametrize("dtype", DTYPES)
def test_isclose_and_allclose_match_torch(kwargs, dtype):
    a, b = CLOSE_A.astype(dtype), CLOSE_B.astype(dtype)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    _same_bools(cr.isclose(cr.tensor(a), cr.tensor(b), **kwargs), torch.isclose(ta, tb, **kwargs))
    _same_bools(cr.tensor(a).isclose(cr.tensor(b), **kwargs), ta.isclose(tb, **kwargs))
    for i in range(len(a)):  # allclose per element, so each outcome is exercised
        expected = torch.allclose(ta[i : i + 1], tb[i : i + 1], **kwargs)
        assert cr.allclose(cr.tensor(a[i : i + 1]), cr.tensor(b[i : i + 1]), **kwargs) is expected
        assert cr.tensor(a[i : i + 1]).allclose(cr.tensor(b[i : i + 1]), **kwargs) is expected


def test_isclose_broadcasts_and_takes_integers_and_bools():
    a, b = np.array([[1, 2, 3]]), np.array([[1], [3]])
    _same_bools(cr.isclose(cr.tensor(a), cr.tensor(b)), torch.isclose(torch.from_numpy(a), torch.from_numpy(b)))
    t, f = np.array([True, False]), np.array([True, True])
    _same_bools(cr.isclose(cr.tensor(t), cr.tensor(f)), torch.isclose(torch.from_numpy(t), torch.from_numpy(f)))


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.isclose(m.tensor([1, 2]), m.tensor([1.0, 2.0])),  # dtypes differ
        lambda m: m.allclose(m.tensor([1.0]), m.tensor([1.0], dtype=m.float64)),
        lambda m: m.isclose(m.tensor([1.0]), m.tensor([1.0]), rtol=-1.0),
        lambda m: m.isclose(m.tensor([1.0]), 1.0),  # other must be a tensor
        lambda m: m.logical_and(m.tensor([1.0]), 1),
        lambda m: m.tensor([1.0]).logical_or(True),
    ],
)
def test_predicate_errors_match_torch(call):
    with pytest.raises(Exception) as expected:
        call(torch)
    with pytest.raises(expected.type):
        call(cr)


LOGICAL_PAIRS = [
    (np.array([1.0, 0.0, np.nan, -2.0]), np.array([0.0, 1.0, 0.0, 2.0])),
    (np.array([1, 0, 3]), np.array([True, False, True])),
    (np.array([[1, 0, 3]]), np.array([[0], [2]])),
    (np.zeros((0, 2)), np.ones(2)),
]


@pytest.mark.parametrize("name", ["logical_and", "logical_or", "logical_xor"])
@pytest.mark.parametrize("a,b", LOGICAL_PAIRS, ids=range(len(LOGICAL_PAIRS)))
def test_logical_ops_match_torch(name, a, b):
    expected = getattr(torch, name)(torch.from_numpy(a), torch.from_numpy(b))
    _same_bools(getattr(cr, name)(cr.tensor(a), cr.tensor(b)), expected)
    _same_bools(getattr(cr.tensor(a), name)(cr.tensor(b)), expected)


INT_A, INT_B = np.array([[12, -7, 0, 5]]), np.array([[10], [3]])
BOOL_A, BOOL_B = np.array([True, False, True, False]), np.array([True, True, False, False])


TENSOR_FIRST = [(INT_A, INT_B), (BOOL_A, BOOL_B), (INT_A[0], BOOL_A), (INT_A.astype(np.int32), INT_B), (INT_A, 6)]
TENSOR_FIRST += [(BOOL_A, True), (BOOL_A, 3)]


def _operand(lib, x):
    if not isinstance(x, np.ndarray):
        return x
    return torch.from_numpy(x) if lib is torch else cr.tensor(x)


def _same_values_and_dtype(ours, theirs):
    assert ours.dtype == theirs.numpy().dtype
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


@pytest.mark.parametrize("op", ["and", "or", "xor"])
@pytest.mark.parametrize("a,b", TENSOR_FIRST, ids=range(len(TENSOR_FIRST)))
def test_bitwise_ops_match_torch(op, a, b):
    operator_fn = {"and": operator.and_, "or": operator.or_, "xor": operator.xor}[op]  # & | ^
    calls = [
        lambda m, x, y: getattr(m, "bitwise_" + op)(x, y),
        lambda m, x, y: getattr(x, "bitwise_" + op)(y),
        lambda m, x, y: operator_fn(x, y),
    ]
    for call in calls:
        _same_values_and_dtype(
            call(cr, _operand(cr, a), _operand(cr, b)), call(torch, _operand(torch, a), _operand(torch, b))
        )


@pytest.mark.parametrize("number", [7, False, True])
@pytest.mark.parametrize("data", [INT_A, BOOL_A], ids=["int64", "bool"])
def test_reflected_bitwise_operators_match_torch(number, data):
    for call in (lambda n, t: n & t, lambda n, t: n | t, lambda n, t: n ^ t):
        _same_values_and_dtype(call(number, cr.tensor(data)), call(number, torch.from_numpy(data)))


@pytest.mark.parametrize("data", [INT_A, BOOL_A, INT_A.astype(np.uint8)], ids=["int64", "bool", "uint8"])
def test_bitwise_not_and_invert_match_torch(data):
    expected = torch.bitwise_not(torch.from_numpy(data))
    for out in (cr.bitwise_not(cr.tensor(data)), ~cr.tensor(data), cr.tensor(data).bitwise_not()):
        assert out.dtype == expected.numpy().dtype
        np.testing.assert_array_equal(out.numpy(), expected.numpy())


@pytest.mark.parametrize(
    "call",
    [
        lambda m, f, i: m.bitwise_and(f, f),
        lambda m, f, i: f | i,
        lambda m, f, i: i ^ f,
        lambda m, f, i: i & 1.5,
        lambda m, f, i: 1.5 | i,
        lambda m, f, i: m.bitwise_not(f),
        lambda m, f, i: ~f,
    ],
)
def test_bitwise_ops_on_floats_raise_like_torch(call):
    with pytest.raises(Exception) as expected:
        call(torch, torch.tensor([1.0, 2.0]), torch.tensor([1, 2]))
    with pytest.raises(expected.type):
        call(cr, cr.tensor([1.0, 2.0]), cr.tensor([1, 2]))


@pytest.mark.parametrize(
    "call",
    [
        lambda t, o: t.__iand__(o),
        lambda t, o: t.__ior__(o),
        lambda t, o: t.__ixor__(o),
        lambda t, o: t.bitwise_and_(o),
        lambda t, o: t.bitwise_or_(o),
        lambda t, o: t.bitwise_xor_(o),
        lambda t, o: t.bitwise_not_(),
    ],
)
@pytest.mark.parametrize("a,b", [(INT_A[0], INT_A[0][::-1].copy()), (BOOL_A, BOOL_B), (INT_A[0], 6)], ids=range(3))
def test_in_place_bitwise_ops_write_into_memory_like_torch(call, a, b):
    results = []
    for lib in (torch, cr):
        base = _operand(lib, a.copy())
        view = base[1:]  # a view sees the write
        out = call(base, _operand(lib, b))
        assert out is base
        results.append((base.numpy().copy(), view.numpy().copy()))
    for ours, theirs in zip(results[1], results[0]):
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours, theirs)


def test_in_place_bitwise_op_that_cannot_cast_raises_like_torch():
    for lib in (torch, cr):
        t = _operand(lib, BOOL_A.copy())
        with pytest.raises(RuntimeError):
            t &= _operand(lib, INT_A[0])
