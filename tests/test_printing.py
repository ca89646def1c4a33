"""repr/str of tensors, character for character as torch prints the same values.

Every case builds the same array in both libraries and compares ``repr`` (and ``str``) with
torch's, ``torch.`` read as ``chainrule.`` in the dtype suffix (chainrule's dtypes are NumPy's,
whose own repr cannot change: see chainrule._printing).
"""

import contextlib
import re

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule import _printing

rng = np.random.default_rng(0)
f32, f64 = np.float32, np.float64

ARRAYS = {
    # float magnitudes: fixed point, integer mode, scientific notation by each rule
    "doc example": np.array([0.5122, 1.0], f32),
    "unit normal": rng.standard_normal(7).astype(f32),
    "integers as floats": np.array([1.0, -2.0, 3.0], f32),
    "integers as floats, ratio > 1000": np.array([1.0, 2000.0], f32),
    "integer floats over 1e8": np.array([1.0e9, 3.0], f32),
    "small min < 1e-4": np.array([1.0e-5, 0.5], f32),
    "ratio > 1000": np.array([0.001, 1.5, 2.0], f32),
    "ratio just under 1000": np.array([0.0011, 1.0], f32),
    "large max > 1e8": np.array([1.5e8, 2.5], f32),
    "one huge": np.array([123456.789], f32),
    "float64 digits": np.array([1 / 3, 2 / 3, 1e-3], f64),
    "float64 huge range": np.array([5e-324, 1e308, -1.0], f64),
    "float32 extremes": np.array([np.finfo(f32).max, np.finfo(f32).tiny, 1.4e-45], f32),
    "negatives widen": np.array([-1.25, 10.5, -100.75], f32),
    "rounding": np.array([0.00005, 0.99995, 1.00005], f64),
    # zeros, signs, non-finite values
    "zero": np.array([0.0], f32),
    "negative zero": np.array([-0.0, 0.0], f32),
    "negative zero with values": np.array([-0.0, 1.5], f32),
    "nan": np.array([np.nan], f32),
    "non-finite only": np.array([np.inf, -np.inf, np.nan, 0.0], f32),
    "integer mode with inf": np.array([1.0, np.inf, -np.inf, np.nan], f32),
    "fixed point with nan": np.array([1.5, np.nan, -np.inf], f32),
    "scientific with inf": np.array([1e-7, np.inf, 3.0], f32),
    "float16": np.array([0.1, 2.0, 65504.0], np.float16),
    # integers and bools
    "int64": np.array([1, -22, 333, 0], np.int64),
    "int64 extremes": np.array([np.iinfo(np.int64).min, np.iinfo(np.int64).max], np.int64),
    "int32": np.arange(-3, 4, dtype=np.int32),
    "int16": np.array([7, -300], np.int16),
    "int8": np.array([-128, 127], np.int8),
    "uint8": np.array([0, 255, 17], np.uint8),
    "bool": np.array([True, False, True]),
    "bool matrix": rng.random((3, 4)) > 0.5,
    # empty and 0-d
    "empty float": np.zeros(0, f32),
    "empty 2-d": np.zeros((0, 3), f32),
    "empty 3-d": np.zeros((2, 0, 4), f32),
    "empty int64": np.zeros(0, np.int64),
    "empty bool": np.zeros((0, 2), bool),
    "empty float64": np.zeros(0, f64),
    "0-d float": np.array(3.14159, f32),
    "0-d int": np.array(7, np.int64),
    "0-d bool": np.array(True),
    "0-d nan": np.array(np.nan, f32),
    "0-d float64 scientific": np.array(1.5e-9, f64),
    "0-d integer float": np.array(-4.0, f32),
    "0-d int32": np.array(-5, np.int32),
    # shapes, wrapping, summarisation
    "matrix": rng.standard_normal((3, 4)).astype(f32),
    "3-d": rng.standard_normal((2, 3, 4)).astype(f32),
    "4-d": rng.integers(-9, 9, (2, 2, 2, 3)).astype(np.int64),
    "wide vector wraps": (rng.standard_normal(100) * 100).astype(f32),
    "wide matrix wraps": rng.standard_normal((3, 30)).astype(f64),
    "exactly 1000 elements": rng.standard_normal((10, 10, 10)).astype(f32),
    "1001 elements": np.arange(1001, dtype=np.int64),
    "large vector": rng.standard_normal(2000).astype(f32),
    "large matrix": rng.standard_normal((40, 40)).astype(f32),
    "long rows": rng.standard_normal((3, 500)).astype(f32),
    "long columns": rng.standard_normal((500, 3)).astype(f32),
    "large 3-d": rng.standard_normal((5, 5, 50)).astype(f32),
    "large 3-d scientific": (rng.standard_normal((20, 20, 20)) * 1e6).astype(f32),
    "large int": np.arange(-5000, 5000, dtype=np.int64).reshape(100, 100),
    "large bool": rng.random(5000) > 0.5,
    "many magnitudes": (rng.standard_normal(30) * 10.0 ** rng.integers(-8, 9, 30)).astype(f64),
}
for exponent in range(-12, 13, 3):
    ARRAYS[f"scale 1e{exponent}"] = (rng.standard_normal((2, 3)) * 10.0**exponent).astype(f32)
ARRAYS["non-contiguous"] = rng.standard_normal((4, 5)).astype(f32).T[::2]


def expected_repr(t):
    return repr(t).replace("torch.", "chainrule.")


_SUFFIX_BREAK = re.compile(r",\n *(?=(dtype|grad_fn|requires_grad|size)=)")


def same_repr(c, t):
    """repr(c) is torch's repr(t). Where a dtype suffix is printed, "chainrule." is 4 characters
    longer than "torch.", so a suffix can move to the next line at a different point: there the
    line breaks before suffixes are not compared (test_suffix_wraps_onto_a_new_line_like_torch
    compares them where the texts have the same length)."""
    got, expected = repr(c), expected_repr(t)
    assert str(c) == got
    if "dtype=" in expected:
        got, expected = _SUFFIX_BREAK.sub(", ", got), _SUFFIX_BREAK.sub(", ", expected)
    assert got == expected
    return True


def both(array):
    array = np.array(array)  # a contiguous copy each library may keep
    return torch.from_numpy(array.copy()), cr.from_numpy(array.copy())


@contextlib.contextmanager
def options(**kwargs):
    torch_old = dict(vars(torch._tensor_str.PRINT_OPTS))
    cr_old = _printing.get_printoptions()
    torch.set_printoptions(**kwargs)
    cr.set_printoptions(**kwargs)
    try:
        yield
    finally:
        torch.set_printoptions(**torch_old)
        cr.set_printoptions(**cr_old)


@pytest.mark.parametrize("name", list(ARRAYS))
def test_repr_and_str_match_torch(name):
    t, c = both(ARRAYS[name])
    assert same_repr(c, t)


@pytest.mark.parametrize(
    "opts",
    [
        {"precision": 2},
        {"precision": 8},
        {"precision": 0},
        {"threshold": 5},
        {"threshold": 5, "edgeitems": 1},
        {"threshold": 5, "edgeitems": 0},
        {"edgeitems": 0},
        {"linewidth": 40},
        {"linewidth": 200},
        {"linewidth": 10},
        {"sci_mode": True},
        {"sci_mode": False},
        {"profile": "short"},
        {"profile": "full"},
        {"profile": "short", "precision": 6},
    ],
    ids=str,
)
@pytest.mark.parametrize(
    "name",
    [
        "doc example",
        "many magnitudes",
        "integers as floats",
        "non-finite only",
        "large matrix",
        "large vector",
        "3-d",
        "int64",
        "scale 1e-12",
        "scale 1e12",
        "wide vector wraps",
        "empty 2-d",
        "0-d float",
        "1001 elements",
        "bool",
    ],
)
def test_print_options_match_torch(opts, name):
    with options(**opts):
        t, c = both(ARRAYS[name])
        assert same_repr(c, t)


def test_set_printoptions_leaves_others_and_resets_sci_mode_as_torch():
    with options(precision=2, sci_mode=True):
        cr.set_printoptions(linewidth=100)  # sci_mode back to None, precision kept: as torch
        torch.set_printoptions(linewidth=100)
        t, c = both(ARRAYS["doc example"])
        assert repr(c) == expected_repr(t) == "tensor([0.51, 1.00])"
        assert _printing.get_printoptions() == {**vars(torch._tensor_str.PRINT_OPTS)}
    with pytest.raises(ValueError, match="unknown profile"):
        cr.set_printoptions(profile="long")


def test_printoptions_context_manager_restores():
    before = _printing.get_printoptions()
    with _printing.printoptions(precision=1):
        assert repr(cr.tensor([1.25, 2.0])) == "tensor([1.2, 2.0])"
    assert _printing.get_printoptions() == before


@pytest.mark.parametrize(
    "name", ["doc example", "matrix", "0-d float", "float64 digits", "empty float", "large matrix"]
)
def test_requires_grad_and_grad_fn_suffixes(name):
    t, c = both(ARRAYS[name])
    t.requires_grad_(True)
    c.requires_grad_(True)
    assert same_repr(c, t)
    assert same_repr(c * 2, t * 2)
    assert same_repr(c.exp(), t.exp())
    assert same_repr(c.sum(), t.sum())
    with cr.no_grad(), torch.no_grad():
        assert same_repr(c * 2, t * 2)


def test_suffix_wraps_onto_a_new_line_like_torch():
    t, c = both(rng.standard_normal((2, 6)).astype(f32) * 100)
    t.requires_grad_(True)
    c.requires_grad_(True)
    assert repr(c + 1) == expected_repr(t + 1)
    assert "\n" in repr(c + 1).split("]]")[-1]


def test_default_dtype_float64_drops_the_float64_suffix_and_adds_float32():
    old = cr.get_default_dtype(), torch.get_default_dtype()
    cr.set_default_dtype(cr.float64)
    torch.set_default_dtype(torch.float64)
    try:
        for name in ("float64 digits", "doc example", "empty float", "empty float64", "int64"):
            t, c = both(ARRAYS[name])
            assert same_repr(c, t), name
    finally:
        cr.set_default_dtype(old[0])
        torch.set_default_dtype(old[1])


def test_parameter_repr_matches_torch():
    w = np.array([[0.25, -1.5]], f32)
    assert repr(cr.nn.Parameter(cr.from_numpy(w.copy()))) == expected_repr(torch.nn.Parameter(torch.from_numpy(w)))


def test_grad_fn_names_are_torch_node_names():
    x = torch.randn(3, 4, requires_grad=True)
    c = cr.from_numpy(x.detach().numpy().copy()).requires_grad_(True)
    i_t, i_c = torch.tensor([0, 1, 2]), cr.tensor([0, 1, 2])
    F, G = torch.nn.functional, cr.nn.functional
    pairs = [
        (lambda lib, f, x, i: x + x),
        (lambda lib, f, x, i: x - 1),
        (lambda lib, f, x, i: x * x),
        (lambda lib, f, x, i: x / 2),
        (lambda lib, f, x, i: -x),
        (lambda lib, f, x, i: x**2),
        (lambda lib, f, x, i: x.abs()),
        (lambda lib, f, x, i: x.exp()),
        (lambda lib, f, x, i: x.sigmoid()),
        (lambda lib, f, x, i: x.tanh()),
        (lambda lib, f, x, i: x.relu()),
        (lambda lib, f, x, i: x.sum()),
        (lambda lib, f, x, i: x.mean()),
        (lambda lib, f, x, i: x.max()),
        (lambda lib, f, x, i: x.clamp(0, 1)),
        (lambda lib, f, x, i: x.clone()),
        (lambda lib, f, x, i: x.permute(1, 0)),
        (lambda lib, f, x, i: x.unsqueeze(0)),
        (lambda lib, f, x, i: x.unsqueeze(0).squeeze(0)),
        (lambda lib, f, x, i: x.reshape(12)),
        (lambda lib, f, x, i: x.view(12)),
        (lambda lib, f, x, i: x[:1].expand(3, 4)),
        (lambda lib, f, x, i: x.gather(1, i[:, None])),
        (lambda lib, f, x, i: x @ x.permute(1, 0)),
        (lambda lib, f, x, i: lib.cat([x, x])),
        (lambda lib, f, x, i: lib.stack([x, x])),
        (lambda lib, f, x, i: lib.where(x > 0, x, x)),
        (lambda lib, f, x, i: lib.maximum(x, x)),
        (lambda lib, f, x, i: x.softmax(1)),
        (lambda lib, f, x, i: x.log_softmax(1)),
        (lambda lib, f, x, i: x.logsumexp(1)),
        (lambda lib, f, x, i: x.double()),
        (lambda lib, f, x, i: f.gelu(x)),
        (lambda lib, f, x, i: f.elu(x)),
        (lambda lib, f, x, i: f.leaky_relu(x)),
        (lambda lib, f, x, i: f.softplus(x)),
        (lambda lib, f, x, i: f.mse_loss(x, x.detach())),
        (lambda lib, f, x, i: f.cross_entropy(x, i)),
        (lambda lib, f, x, i: f.nll_loss(x, i)),
        (lambda lib, f, x, i: f.binary_cross_entropy_with_logits(x, x.detach().sigmoid())),
        (lambda lib, f, x, i: f.layer_norm(x, (4,))),
        (lambda lib, f, x, i: f.pad(x, (1, 1))),
        (lambda lib, f, x, i: x.norm()),
    ]
    for make in pairs:
        expected = repr(make(torch, F, x, i_t).grad_fn).split(" object at ")[0] + ">"
        assert repr(make(cr, G, c, i_c).grad_fn) == expected


def test_custom_function_node_prints_like_a_custom_torch_function():
    class Cube(cr.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, grad_output):
            (x,) = ctx.saved_tensors
            return 3 * x**2 * grad_output

    class TorchCube(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x**3

        @staticmethod
        def backward(ctx, grad_output):
            return grad_output

    y = Cube.apply(cr.tensor([2.0], requires_grad=True))
    assert repr(y.grad_fn) == "<CubeBackward>"
    torch_y = TorchCube.apply(torch.tensor([2.0], requires_grad=True))
    assert type(torch_y.grad_fn).__name__ == "TorchCubeBackward"
    assert repr(y) == "tensor([8.], grad_fn=<CubeBackward>)"


def _random_case(rng):
    ndim = int(rng.integers(0, 4))
    shape = tuple(int(d) for d in rng.integers(0, 6 if ndim > 1 else 40, ndim))
    n = int(np.prod(shape))
    kind = rng.choice(["float32", "float64", "float16", "integral float", "int64", "bool"])
    if kind.startswith("float"):
        a = rng.standard_normal(n) * 10.0 ** rng.integers(-10, 12, n if rng.random() < 0.5 else 1)
        u = rng.random(n)
        a[u < 0.05], a[(u > 0.05) & (u < 0.08)], a[u > 0.9], a[(u > 0.85) & (u < 0.87)] = np.nan, np.inf, 0.0, -0.0
        with np.errstate(over="ignore"):
            a = a.astype(kind)
    elif kind == "integral float":
        a = rng.integers(-(10 ** rng.integers(1, 10)), 10 ** rng.integers(1, 10), n).astype(f32)
    elif kind == "int64":
        a = rng.integers(-(10 ** rng.integers(1, 12)), 10 ** rng.integers(1, 12), n)
    else:
        a = rng.random(n) > 0.5
    opts = {}
    if rng.random() < 0.3:
        opts = {
            "precision": int(rng.integers(0, 9)),
            "linewidth": int(rng.integers(20, 120)),
            "threshold": int(rng.integers(5, 100)),
            "edgeitems": int(rng.integers(0, 4)),
            "sci_mode": [None, True, False][int(rng.integers(0, 3))],
        }
    return a.reshape(shape), opts


def test_random_arrays_and_options_match_torch():
    # mixed magnitudes, nan/inf/zeros/negative zeros, every shape up to 3-d, random options
    rng = np.random.default_rng(1)
    for _ in range(400):
        array, opts = _random_case(rng)
        with options(**opts):
            t, c = both(array)
            assert same_repr(c, t), (array.dtype, array.shape, opts)
