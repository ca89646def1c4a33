"""The activations of ops/activation.py (and their compositions in functional.py) against
PyTorch: smooth regions with gradcheck, kinks without it (the derivative there is PyTorch's
convention), extreme, NaN and infinite inputs, dtypes, shapes and the errors PyTorch raises."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from optest import check_op, randn

import chainrule as cr
import chainrule.functional as F

DTYPES = [np.float64, np.float32]


def away_from(x, points, margin=0.1):
    """Move entries of ``x`` within ``margin`` of a kink to 2 * margin from it, so central
    differences never straddle the kink."""
    x = x.copy()
    for p in points:
        near = np.abs(x - p) < margin
        x[near] = p + np.where(x[near] >= p, margin, -margin) * 2
    return x


def pair(name, *args, **kwargs):
    """(ours, theirs) calling F.<name> and torch.nn.functional.<name> with the same arguments."""
    return (
        lambda x: getattr(F, name)(x, *args, **kwargs),
        lambda x: getattr(TF, name)(x, *args, **kwargs),
    )


# name, (ours, theirs), kinks to keep gradcheck away from; inputs are 4 * N(0, 1)
ELEMENTWISE = [
    ("silu", pair("silu"), []),
    ("relu6", pair("relu6"), [0.0, 6.0]),
    ("selu", pair("selu"), [0.0]),
    ("celu", pair("celu"), [0.0]),
    ("celu_alpha", pair("celu", alpha=2.5), [0.0]),
    ("celu_negative_alpha", pair("celu", -2.0), [0.0]),
    ("mish", pair("mish"), []),
    ("hardswish", pair("hardswish"), [-3.0, 3.0]),
    ("hardsigmoid", pair("hardsigmoid"), [-3.0, 3.0]),
    ("logsigmoid", pair("logsigmoid"), []),
    ("softsign", pair("softsign"), [0.0]),
    ("tanhshrink", pair("tanhshrink"), []),
    ("softshrink", pair("softshrink"), [-0.5, 0.5]),
    ("softshrink_lambd", pair("softshrink", lambd=1.5), [-1.5, 1.5]),
    ("softshrink_0", pair("softshrink", 0.0), [0.0]),
    ("hardshrink", pair("hardshrink"), [-0.5, 0.5]),
    ("hardshrink_lambd", pair("hardshrink", lambd=2.0), [-2.0, 2.0]),
    ("threshold", pair("threshold", 0.5, -3.0), [0.5]),
    ("threshold_kw", pair("threshold", threshold=-1.0, value=7.0), [-1.0]),
]
IDS = [e[0] for e in ELEMENTWISE]


@pytest.mark.parametrize("name,fns,kinks", ELEMENTWISE, ids=IDS)
@pytest.mark.parametrize("shape", [(3, 4), (), (2, 0, 3), (5,), (2, 1, 3)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_elementwise_matches_torch(name, fns, kinks, shape, dtype):
    x = away_from(np.asarray(4 * randn(*shape, seed=1)), kinks).astype(dtype)
    check_op(*fns, x)


@pytest.mark.parametrize("name,fns,kinks", ELEMENTWISE, ids=IDS)
def test_elementwise_on_non_contiguous_input(name, fns, kinks):
    x = away_from(4 * randn(5, 4, seed=2), kinks)
    check_op(*fns, x.T)  # a transposed view
    check_op(*fns, x[::2, 1:])  # a strided view


# ------------------------------------------------------------------ kinks
# Every kink of every op, hit exactly, plus points either side.
KINK_INPUT = np.array([-7.0, -3.0, -2.0, -1.5, -1.0, -0.5, 0.0, 0.0, 0.5, 1.0, 1.5, 2.0, 3.0, 6.0, 7.0])


@pytest.mark.parametrize("name,fns,kinks", ELEMENTWISE, ids=IDS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_kink_gradients_match_torch_exactly(name, fns, kinks, dtype):
    # rtol=0, atol=0: a subgradient is a convention, so it must be torch's, not merely close.
    x = KINK_INPUT.astype(dtype)
    ours, theirs = fns
    t = cr.tensor(x, requires_grad=True)
    ours(t).sum().backward()
    tt = torch.tensor(x, requires_grad=True)
    theirs(tt).sum().backward()
    kink = np.isin(x, kinks)
    np.testing.assert_array_equal(t.grad.numpy()[kink], tt.grad.numpy()[kink])
    check_op(ours, theirs, x, gradcheck=False)


def test_kink_gradients_are_the_documented_values():
    def grad(fn, points):
        x = cr.tensor(np.array(points), requires_grad=True)
        fn(x).sum().backward()
        return x.grad.tolist()

    assert grad(F.relu6, [0.0, 6.0, 3.0]) == [0.0, 0.0, 1.0]
    assert grad(F.hardshrink, [-0.5, 0.5, 0.6]) == [0.0, 0.0, 1.0]
    assert grad(F.softshrink, [-0.5, 0.5, -0.6]) == [0.0, 0.0, 1.0]
    assert grad(lambda x: F.threshold(x, 1.0, 5.0), [1.0, 1.5]) == [0.0, 1.0]
    assert grad(F.hardswish, [-3.0, 3.0, 0.0]) == [0.0, 1.0, 0.5]
    assert grad(F.hardsigmoid, [-3.0, 3.0]) == [0.0, 0.0]
    # torch's hardsigmoid slope is float32's 1/6 even in float64
    assert grad(F.hardsigmoid, [0.0]) == [float(np.float32(1) / np.float32(6))]
    assert grad(F.selu, [0.0]) == pytest.approx([1.6732632423543772 * 1.0507009873554805])
    assert grad(lambda x: F.celu(x, 2.0), [0.0]) == [1.0]
    w = cr.tensor(np.array([0.25]), requires_grad=True)
    x = cr.tensor(np.array([-1.0, 0.0, 2.0]), requires_grad=True)
    F.prelu(x, w).sum().backward()
    assert x.grad.tolist() == [0.25, 0.25, 1.0] and w.grad.tolist() == [-1.0]


# ------------------------------------------------------------------ extreme and special inputs
EXTREME = np.array([-1e4, -1000.0, -50.0, -1e-8, 0.0, 1e-8, 50.0, 1000.0, 1e4])


# celu with alpha < 0 grows like e^{-x / |alpha|} for x < 0: torch gives inf there too
FINITE = [e for e in ELEMENTWISE if e[0] != "celu_negative_alpha"]


@pytest.mark.parametrize("name,fns,kinks", FINITE, ids=[e[0] for e in FINITE])
@pytest.mark.parametrize("dtype", DTYPES)
def test_extreme_inputs_finite_and_match_torch(name, fns, kinks, dtype):
    x = EXTREME.astype(dtype)
    # An overflow (or inf - inf) inside the op is a bug even when the result comes out right;
    # underflow to 0 is the expected, harmless outcome of e^-1000.
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = check_op(*fns, x, gradcheck=False)[0]
    assert np.isfinite(out.detach().numpy()).all()
    t = cr.tensor(x, requires_grad=True)
    fns[0](t).sum().backward()
    assert np.isfinite(t.grad.numpy()).all()


def test_logsigmoid_and_mish_keep_relative_precision_far_left():
    # log sigmoid(-x) = -x - log1p(e^-x) and mish(x) ~ x e^x for x << 0: tiny or huge, never 0 or inf
    x = np.array([-800.0, -100.0, -30.0])
    check_op(F.logsigmoid, TF.logsigmoid, x, rtol=1e-14, atol=0, gradcheck=False)
    x = np.array([-700.0, -40.0, -20.0])
    out = F.mish(cr.tensor(x)).numpy()
    np.testing.assert_allclose(out, x * np.tanh(np.log1p(np.exp(x))), rtol=1e-14, atol=0)
    assert np.all(out < 0)
    x = np.array([30.0, 40.0])
    np.testing.assert_allclose(F.logsigmoid(cr.tensor(x)).numpy(), -np.exp(-x), rtol=1e-12, atol=0)


@pytest.mark.filterwarnings("error::RuntimeWarning")  # torch returns nan and inf silently
@pytest.mark.parametrize("name,fns,kinks", ELEMENTWISE, ids=IDS)
def test_nan_and_inf_inputs_match_torch(name, fns, kinks):
    x = np.array([np.nan, np.inf, -np.inf, 0.0, 1.0])
    check_op(*fns, x, gradcheck=False)


def test_hardtanh_passes_a_nan_gradient_on_like_torch():
    # relu6 is hardtanh(x, 0, 6): both take torch's mask "not (x <= min_val or x >= max_val)"
    x = np.array([np.nan, -1.0, -0.5, 1.0, 2.0])
    check_op(lambda t: F.hardtanh(t, -0.5, 1.0), lambda t: TF.hardtanh(t, -0.5, 1.0), x, gradcheck=False)


# ------------------------------------------------------------------ dtypes
TORCH_REFUSES_INTEGERS = ["silu", "selu", "celu", "mish", "hardswish", "hardsigmoid", "logsigmoid", "softshrink"]
TORCH_REFUSES_INTEGERS += ["hardshrink", "glu", "softmin"]


@pytest.mark.parametrize("name", TORCH_REFUSES_INTEGERS)
def test_integer_inputs_raise_like_torch(name):
    x = np.array([[1, 0, -3, 2]])
    args = (0,) if name == "softmin" else ()
    with pytest.raises(NotImplementedError):
        getattr(TF, name)(torch.from_numpy(x), *args)
    # softmin is softmax(-x): the error names softmax, as torch's does
    with pytest.raises(NotImplementedError, match={"logsigmoid": "log_sigmoid", "softmin": "softmax"}.get(name, name)):
        getattr(F, name)(cr.tensor(x), *args)


@pytest.mark.parametrize(
    "ours,theirs",
    [
        pair("relu6"),
        pair("softsign"),
        pair("tanhshrink"),
        pair("threshold", 0, 5),
        pair("threshold", 0.5, 5.5),  # value truncated to the int dtype, as torch
    ],
)
def test_integer_inputs_like_torch(ours, theirs):
    # relu6 and threshold keep the integer dtype; softsign and tanhshrink divide or tanh: float32
    x = np.array([[1, 0, -3], [2, 8, 1]])
    out, expected = ours(cr.tensor(x)), theirs(torch.from_numpy(x))
    assert out.dtype == expected.numpy().dtype
    np.testing.assert_allclose(out.numpy(), expected.numpy(), rtol=1e-6)


def test_normalize_of_integers_raises_like_torch():
    x = np.array([[1, 2]])
    with pytest.raises(RuntimeError):
        TF.normalize(torch.from_numpy(x))
    with pytest.raises(RuntimeError, match="normalize"):
        F.normalize(cr.tensor(x))


# ------------------------------------------------------------------ arguments
def test_bad_arguments_raise_like_torch():
    x = np.ones(3, dtype=np.float32)
    for ours, theirs in [
        (lambda: F.softshrink(cr.tensor(x), -1.0), lambda: TF.softshrink(torch.tensor(x), -1.0)),
        (lambda: F.celu(cr.tensor(x), alpha=0.0), lambda: TF.celu(torch.tensor(x), alpha=0.0)),
    ]:
        with pytest.raises(RuntimeError):
            theirs()
        with pytest.raises(RuntimeError):
            ours()


def test_hardshrink_accepts_a_negative_lambd_like_torch():
    check_op(*pair("hardshrink", -1.0), np.array([-2.0, 0.5, 3.0]))


def test_tensor_methods_and_top_level_names_match_torch():
    x = away_from(randn(3, 4, seed=5), [-0.3, 0.3, 0.0])
    w = np.array([0.1, 0.2, 0.3])
    check_op(lambda t: t.hardshrink(0.3), lambda t: t.hardshrink(0.3), x)
    check_op(lambda t, w: t.T.prelu(w), lambda t, w: t.T.prelu(w), x, w[:, None][:, 0])
    check_op(lambda t: t.hardshrink(), lambda t: t.hardshrink(), x)
    for name, args in [("selu", ()), ("celu", (0.5,)), ("threshold", (0.3, 2.0)), ("hardshrink", (0.3,))]:
        check_op(lambda t, n=name, a=args: getattr(cr, n)(t, *a), lambda t, n=name, a=args: getattr(torch, n)(t, *a), x)
    check_op(lambda t, w: cr.prelu(t, w), lambda t, w: torch.prelu(t, w), x.T, w)


# ------------------------------------------------------------------ softmin
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("dtype", DTYPES)
def test_softmin_matches_torch(dim, dtype):
    check_op(*pair("softmin", dim), randn(3, 4, dtype=dtype, seed=6))
    check_op(*pair("softmin", dim=dim), randn(4, 3, dtype=dtype, seed=7).T)


def test_softmin_dtype_and_implicit_dim_follow_torch():
    x = randn(2, 3, seed=8).astype(np.float32)
    check_op(
        lambda t: F.softmin(t, 1, dtype=cr.float64), lambda t: TF.softmin(t, 1, dtype=torch.float64), x, gradcheck=False
    )
    for shape in [(4,), (2, 3), (2, 3, 4)]:
        x = randn(*shape, seed=9)
        with pytest.warns(UserWarning, match="implicit dimension"):
            ours = F.softmin(cr.tensor(x)).numpy()
        with pytest.warns(UserWarning):
            theirs = TF.softmin(torch.tensor(x)).numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_softmin_empty_and_bad_dim():
    check_op(*pair("softmin", 1), np.zeros((0, 3)))
    with pytest.raises(IndexError):
        TF.softmin(torch.zeros(2, 3), 2)
    with pytest.raises(IndexError):
        F.softmin(cr.zeros(2, 3), 2)


# ------------------------------------------------------------------ glu
@pytest.mark.parametrize(
    "shape,dim", [((3, 4), -1), ((4, 3), 0), ((2, 6, 3), 1), ((2, 3, 2), -1), ((0, 4), 1), ((2,), 0)]
)
@pytest.mark.parametrize("dtype", DTYPES)
def test_glu_matches_torch(shape, dim, dtype):
    check_op(*pair("glu", dim), randn(*shape, dtype=dtype, seed=10))


def test_glu_non_contiguous_and_extreme():
    x = randn(4, 6, seed=11)
    check_op(*pair("glu", 0), x.T)
    check_op(*pair("glu"), x[:, ::-1])
    with np.errstate(over="raise", invalid="raise"):
        check_op(*pair("glu"), np.array([[1.0, -2.0, 1e4, -1e4]]), gradcheck=False)


@pytest.mark.parametrize(
    "shape,dim,error", [((3, 5), -1, RuntimeError), ((), 0, RuntimeError), ((3, 4), 2, IndexError)]
)
def test_glu_bad_input_raises_like_torch(shape, dim, error):
    with pytest.raises(error):
        TF.glu(torch.zeros(shape), dim)
    with pytest.raises(error, match="glu"):
        F.glu(cr.zeros(*shape), dim)


# ------------------------------------------------------------------ normalize
@pytest.mark.parametrize(
    "shape,kwargs",
    [
        ((3, 4), {}),
        ((3, 4), dict(dim=0)),
        ((2, 3, 4), dict(dim=-1)),
        ((3, 4), dict(p=1)),
        ((3, 4), dict(p=3.0, dim=1)),
        ((2, 3, 4), dict(dim=(1, 2))),
        ((5,), dict(dim=0)),
        ((0, 3), dict(dim=1)),
        ((2, 1), {}),
    ],
)
@pytest.mark.parametrize("dtype", DTYPES)
def test_normalize_matches_torch(shape, kwargs, dtype):
    check_op(*pair("normalize", **kwargs), randn(*shape, dtype=dtype, seed=12))


def test_normalize_zero_slice_eps_and_views():
    x = randn(3, 4, seed=13)
    x[1] = 0.0  # a zero row: 0 / eps = 0, gradient 1 / eps through the clamp, as in torch
    check_op(*pair("normalize"), x, gradcheck=False)
    check_op(*pair("normalize", eps=10.0), x)  # eps larger than every norm: x / eps
    check_op(*pair("normalize", dim=0), x.T, gradcheck=False)  # the zero row as a column of a view
    check_op(*pair("normalize", dim=0), randn(4, 3, seed=14).T)
    with pytest.raises(IndexError):
        F.normalize(cr.zeros(3))  # default dim=1 on a 1-d tensor
    with pytest.raises(IndexError):
        TF.normalize(torch.zeros(3))


# ------------------------------------------------------------------ prelu
@pytest.mark.parametrize(
    "x_shape,w_shape",
    [((3, 4), (1,)), ((3, 4), (4,)), ((2, 3, 5), (3,)), ((2, 3, 2, 2), (3,)), ((5,), (1,)), ((), (1,))],
)
@pytest.mark.parametrize("dtype", DTYPES)
def test_prelu_matches_torch(x_shape, w_shape, dtype):
    x = away_from(np.asarray(randn(*x_shape, seed=14)), [0.0]).astype(dtype)
    w = np.asarray(0.5 * randn(*w_shape, seed=15)).astype(dtype)
    check_op(lambda a, b: F.prelu(a, b), lambda a, b: TF.prelu(a, b), x, w)


def test_prelu_scalar_weight_non_contiguous_and_empty():
    x = away_from(randn(4, 3, seed=16), [0.0])
    check_op(lambda a, b: F.prelu(a, b), lambda a, b: TF.prelu(a, b), x, np.asarray(0.3))
    check_op(lambda a, b: F.prelu(a, b), lambda a, b: TF.prelu(a, b), x.T, np.array([0.1, 0.2, 0.3, 0.4]))
    check_op(lambda a, b: F.prelu(a, b), lambda a, b: TF.prelu(a, b), np.zeros((0, 3)), np.array([0.1, 0.2, 0.3]))
    check_op(
        lambda a, b: F.prelu(a, b),
        lambda a, b: TF.prelu(a, b),
        np.array([np.nan, np.inf, -np.inf, 0.0]),
        np.array([0.3]),
        gradcheck=False,
    )


@pytest.mark.parametrize(
    "x,w",
    [
        (np.ones((2, 3)), np.ones(2)),  # neither 1 nor the channel count
        (np.ones((2, 3)), np.ones((1, 1))),  # a 2-d weight
        (np.ones(3), np.ones(3)),  # a 1-d input has one channel
        (np.ones((2, 3)), np.ones(3, dtype=np.float32)),  # no type promotion
    ],
)
def test_prelu_bad_weight_raises_like_torch(x, w):
    with pytest.raises(RuntimeError):
        TF.prelu(torch.from_numpy(x), torch.from_numpy(w))
    with pytest.raises(RuntimeError, match="prelu"):
        F.prelu(cr.tensor(x), cr.tensor(w))
