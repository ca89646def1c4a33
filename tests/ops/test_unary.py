"""Elementwise ops (ops/unary.py) against PyTorch: smooth regions with gradcheck, kinks and
boundaries without it (the derivative there is a convention, PyTorch's), and extreme inputs."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from optest import check_op, randn

import chainrule as cr
import chainrule.functional as F

DTYPES = [np.float64, np.float32]


def away_from(x, points, margin=0.1):
    """Push entries of ``x`` that lie within ``margin`` of a kink at least ``margin`` away from it,
    so central differences never straddle the kink."""
    x = x.copy()
    for p in points:
        near = np.abs(x - p) < margin
        x[near] = p + np.where(x[near] >= p, margin, -margin) * 2
    return x


# name, ours, theirs, input kind ("any", "positive", or the kinks to keep away from)
UNARY = [
    ("exp", F.exp, torch.exp, "any"),
    ("log", F.log, torch.log, "positive"),
    ("sqrt", F.sqrt, torch.sqrt, "positive"),
    ("abs", F.abs, torch.abs, [0.0]),
    ("tanh", F.tanh, torch.tanh, "any"),
    ("sigmoid", F.sigmoid, torch.sigmoid, "any"),
    ("relu", F.relu, torch.relu, [0.0]),
    ("leaky_relu", F.leaky_relu, TF.leaky_relu, [0.0]),
    (
        "leaky_relu_0.2",
        lambda x: F.leaky_relu(x, negative_slope=0.2),
        lambda x: TF.leaky_relu(x, negative_slope=0.2),
        [0.0],
    ),
    ("leaky_relu_neg", lambda x: F.leaky_relu(x, -0.5), lambda x: TF.leaky_relu(x, -0.5), [0.0]),
    ("elu", F.elu, TF.elu, [0.0]),
    ("elu_alpha", lambda x: F.elu(x, alpha=0.3), lambda x: TF.elu(x, alpha=0.3), [0.0]),
    ("gelu", F.gelu, TF.gelu, "any"),
    ("gelu_tanh", lambda x: F.gelu(x, approximate="tanh"), lambda x: TF.gelu(x, approximate="tanh"), "any"),
    ("softplus", F.softplus, TF.softplus, "any"),
    ("softplus_beta", lambda x: F.softplus(x, beta=2.0), lambda x: TF.softplus(x, beta=2.0), "any"),
    # threshold 1: part of the input lies in the linear region; the switch at beta*x = 1 is a
    # (tiny) discontinuity, so keep gradcheck's differences off it.
    (
        "softplus_threshold",
        lambda x: F.softplus(x, beta=0.5, threshold=1.0),
        lambda x: TF.softplus(x, beta=0.5, threshold=1.0),
        [2.0],
    ),
    ("clamp_min", lambda x: F.clamp(x, min=-0.5), lambda x: torch.clamp(x, min=-0.5), [-0.5]),
    ("clamp_max", lambda x: F.clamp(x, max=0.3), lambda x: torch.clamp(x, max=0.3), [0.3]),
    ("clamp_both", lambda x: F.clamp(x, -0.5, 0.3), lambda x: torch.clamp(x, -0.5, 0.3), [-0.5, 0.3]),
    ("clip", lambda x: F.clip(x, -1.0, 1.0), lambda x: torch.clip(x, -1.0, 1.0), [-1.0, 1.0]),
]


def make_input(kind, shape, dtype, seed=0):
    if kind == "positive":
        return randn(*shape, dtype=dtype, seed=seed, low=0.2)
    x = np.asarray(2 * randn(*shape, dtype=np.float64, seed=seed))
    if kind != "any":
        x = away_from(x, kind)
    return x.astype(dtype)


@pytest.mark.parametrize("name,ours,theirs,kind", UNARY, ids=[u[0] for u in UNARY])
@pytest.mark.parametrize("shape", [(3, 4), (), (2, 0, 3), (5,)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_unary_matches_torch(name, ours, theirs, kind, shape, dtype):
    check_op(ours, theirs, make_input(kind, shape, dtype))


METHODS = ["exp", "log", "sqrt", "abs", "tanh", "sigmoid", "relu"]


@pytest.mark.parametrize("method", METHODS)
def test_tensor_methods_match_torch(method):
    x = randn(3, 4, seed=3, low=0.2)
    check_op(lambda t: getattr(t, method)(), lambda t: getattr(t, method)(), x)


def test_tensor_clamp_method_and_abs_operator():
    x = away_from(randn(4, 3, seed=4), [-0.2, 0.2])
    check_op(lambda t: t.clamp(-0.2, 0.2), lambda t: t.clamp(-0.2, 0.2), x)
    check_op(lambda t: t.clip(min=-0.2), lambda t: t.clip(min=-0.2), x)
    check_op(lambda t: abs(t), lambda t: abs(t), x)


# ------------------------------------------------------------------ kinks and boundaries
KINK_INPUT = np.array([-2.0, -0.5, 0.0, 0.0, 0.3, 1.0, 2.0])


@pytest.mark.parametrize(
    "ours,theirs",
    [
        (F.relu, torch.relu),  # grad 0 at 0
        (F.abs, torch.abs),  # subgradient 0 at 0
        (lambda x: F.leaky_relu(x, 0.2), lambda x: TF.leaky_relu(x, 0.2)),  # slope at 0
        (lambda x: F.elu(x, alpha=2.0), lambda x: TF.elu(x, alpha=2.0)),  # alpha at 0
        (lambda x: F.clamp(x, -0.5, 0.3), lambda x: torch.clamp(x, -0.5, 0.3)),  # bounds count as inside
        (lambda x: F.clamp(x, min=0.0), lambda x: torch.clamp(x, min=0.0)),
        (lambda x: F.clamp(x, max=1.0), lambda x: torch.clamp(x, max=1.0)),
        (lambda x: F.clamp(x, 1.0, -1.0), lambda x: torch.clamp(x, 1.0, -1.0)),  # min > max: all = max
        (lambda x: F.softplus(x, beta=10.0, threshold=3.0), lambda x: TF.softplus(x, beta=10.0, threshold=3.0)),
        (lambda x: F.softplus(x, threshold=1.0), lambda x: TF.softplus(x, threshold=1.0)),  # x == threshold
    ],
)
@pytest.mark.parametrize("dtype", DTYPES)
def test_kinks_match_torch(ours, theirs, dtype):
    check_op(ours, theirs, KINK_INPUT.astype(dtype), gradcheck=False)


def test_kink_gradients_are_the_documented_values():
    x = cr.tensor(np.array([0.0, 0.0]), requires_grad=True)
    F.relu(x).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0]
    x = cr.tensor(np.array([0.0]), requires_grad=True)
    F.abs(x).sum().backward()
    assert x.grad.tolist() == [0.0]
    x = cr.tensor(np.array([-1.0, 1.0]), requires_grad=True)
    F.clamp(x, -1.0, 1.0).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("dtype", DTYPES)
def test_sqrt_and_log_at_zero_match_torch(dtype):
    x = np.array([0.0, 1.0, 4.0], dtype=dtype)
    check_op(F.sqrt, torch.sqrt, x, gradcheck=False)  # grad +inf at 0
    check_op(F.log, torch.log, x, gradcheck=False)  # -inf value, +inf grad at 0


def test_sqrt_and_log_of_negative_are_nan_like_torch():
    x = np.array([-1.0, 1.0])
    check_op(F.sqrt, torch.sqrt, x, gradcheck=False)
    check_op(F.log, torch.log, x, gradcheck=False)


def test_softplus_linear_region_is_identity():
    x = np.array([20.5, 30.0, 100.0])
    out = check_op(F.softplus, TF.softplus, x)[0]
    np.testing.assert_array_equal(out.detach().numpy(), x)  # returned exactly, not via log1p(exp(.))
    t = cr.tensor(x, requires_grad=True)
    F.softplus(t).sum().backward()
    np.testing.assert_array_equal(t.grad.detach().numpy(), np.ones(3))


def test_gelu_rejects_unknown_approximation():
    with pytest.raises(ValueError, match="gelu.*'tanh'"):
        F.gelu(cr.tensor([1.0]), approximate="erf")


def test_clamp_needs_a_bound():
    with pytest.raises(ValueError, match="clamp"):
        F.clamp(cr.tensor([1.0]))


# ------------------------------------------------------------------ stability at extreme inputs
EXTREME = np.array([-1e4, -1000.0, -50.0, 0.0, 50.0, 1000.0, 1e4])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "ours,theirs",
    [
        (F.sigmoid, torch.sigmoid),
        (F.softplus, TF.softplus),
        (F.tanh, torch.tanh),
        (F.elu, TF.elu),
        (F.gelu, TF.gelu),
        (lambda x: F.gelu(x, approximate="tanh"), lambda x: TF.gelu(x, approximate="tanh")),
    ],
    ids=["sigmoid", "softplus", "tanh", "elu", "gelu", "gelu_tanh"],
)
def test_extreme_inputs_finite_and_match_torch(ours, theirs, dtype):
    x = EXTREME.astype(dtype)
    # An overflow (or inf - inf) inside the op is a bug even when the result comes out right;
    # underflow to 0 is the expected, harmless outcome of e^-1000.
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        out = check_op(ours, theirs, x, gradcheck=False)[0]
    assert np.isfinite(out.detach().numpy()).all()
    t = cr.tensor(x, requires_grad=True)
    ours(t).sum().backward()
    assert np.isfinite(t.grad.detach().numpy()).all()


@pytest.mark.parametrize("alpha", [1.0, 1.5])
def test_elu_gradient_keeps_relative_precision_far_left(alpha):
    # The slope alpha e^x is tiny here; it must be right to many digits, not merely near 0.
    x = np.array([-30.0, -25.0, -20.0, -5.0])
    check_op(lambda t: F.elu(t, alpha=alpha), lambda t: TF.elu(t, alpha=alpha), x, atol=0, rtol=1e-12, gradcheck=False)


@pytest.mark.parametrize(
    "ours,theirs",
    [
        (F.exp, torch.exp),
        (F.log, torch.log),
        (F.sqrt, torch.sqrt),
        (F.tanh, torch.tanh),
        (F.sigmoid, torch.sigmoid),
        (F.abs, torch.abs),
        (F.relu, torch.relu),
        (lambda x: F.clamp(x, 0.5), lambda x: torch.clamp(x, 0.5)),
        (lambda x: F.clamp(x, 1, 2), lambda x: torch.clamp(x, 1, 2)),
    ],
)
def test_integer_inputs_promote_like_torch(ours, theirs):
    # transcendental functions of ints are float32 (the default dtype); abs/relu/int clamp stay int
    x = np.array([[1, 0, 3], [2, 2, 1]])
    out = ours(cr.tensor(x))
    expected = theirs(torch.from_numpy(x))
    assert out.dtype == expected.numpy().dtype
    np.testing.assert_allclose(out.detach().numpy(), expected.numpy(), rtol=1e-6)


@pytest.mark.parametrize("ours,theirs", [(F.gelu, TF.gelu), (F.softplus, TF.softplus), (F.elu, TF.elu)])
def test_integer_inputs_of_activations_torch_refuses_become_float32(ours, theirs):
    # torch raises NotImplementedError for ints here; we promote (never truncate to int)
    x = np.array([[1, 0, -3], [2, 2, 1]])
    out = ours(cr.tensor(x))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.detach().numpy(), theirs(torch.from_numpy(x.astype(np.float64))).numpy(), rtol=1e-6)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_gelu_keeps_relative_precision_far_left(approximate, dtype):
    # y = x Phi(x) is tiny for x << 0; (1 + erf) / 2 or 1 + tanh would cancel to few or no digits
    # (torch itself returns 0 at x = -10 and loses 1e-4 relative at x = -3 in float32), so the
    # oracle is float64 closed forms free of that cancellation: SciPy's ndtr, and x sigmoid(2u).
    from scipy.special import ndtr

    x = np.array([-10.0, -6.0, -3.0, -1.0])
    if approximate == "none":
        truth = x * ndtr(x)
    else:
        u = np.sqrt(2 / np.pi) * (x + 0.044715 * x**3)
        truth = x / (1 + np.exp(-2 * u))
    out = F.gelu(cr.tensor(x.astype(dtype)), approximate=approximate)
    np.testing.assert_allclose(out.detach().numpy(), truth, rtol=1e-12 if dtype == np.float64 else 1e-5, atol=0)


@pytest.mark.parametrize(
    "ours,theirs",
    [
        (F.exp, torch.exp),
        (F.log, torch.log),
        (F.sqrt, torch.sqrt),
        (F.tanh, torch.tanh),
        (F.sigmoid, torch.sigmoid),
        (F.relu, torch.relu),
        (F.leaky_relu, TF.leaky_relu),
        (F.elu, TF.elu),
        (F.gelu, TF.gelu),
        (F.softplus, TF.softplus),
        (lambda x: F.gelu(x, approximate="tanh"), lambda x: TF.gelu(x, approximate="tanh")),
        (lambda x: F.clamp(x, -1.0, 1.0), lambda x: torch.clamp(x, -1.0, 1.0)),
    ],
)
def test_nan_and_inf_inputs_match_torch(ours, theirs):
    x = np.array([np.nan, np.inf, -np.inf, 0.0, 1.0])
    check_op(ours, theirs, x, gradcheck=False)


def test_float32_exact_gelu_and_gradient_across_chunks_match_float64_truth():
    # float32 GELU takes a rational erf chunk by chunk (and SciPy's erfc far left); over several
    # chunks and a ragged last one, values and slopes stay within float32-level error of the truth.
    from scipy.special import ndtr

    x = np.linspace(-12, 12, 100_003).astype(np.float32)
    x64 = x.astype(np.float64)
    t = cr.tensor(x.reshape(7, -1) if x.size % 7 == 0 else x, requires_grad=True)
    out = F.gelu(t)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out.detach().numpy().reshape(-1), x64 * ndtr(x64), rtol=1e-5, atol=1e-30)
    out.sum().backward()
    slope = ndtr(x64) + x64 * np.exp(-0.5 * x64 * x64) / np.sqrt(2 * np.pi)
    np.testing.assert_allclose(t.grad.numpy().reshape(-1), slope, rtol=1e-5, atol=2e-7)


def test_float32_gelu_on_several_threads_equals_the_serial_result(monkeypatch):
    # big float32 GELUs split their chunks over OMP_NUM_THREADS threads; the split must not change a bit
    x = np.random.default_rng(0).standard_normal((64, 8192)).astype(np.float32) * 3
    results = []
    for threads in ("1", "3"):
        monkeypatch.setenv("OMP_NUM_THREADS", threads)
        t = cr.tensor(x, requires_grad=True)
        out = F.gelu(t)
        (out * cr.tensor(x)).sum().backward()
        results.append((out.detach().numpy(), t.grad.numpy()))
    np.testing.assert_array_equal(results[0][0], results[1][0])
    np.testing.assert_array_equal(results[0][1], results[1][1])
