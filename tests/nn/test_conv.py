"""Conv1d and Conv2d against their PyTorch twins: same weights, same input; outputs, input and
parameter gradients; initialisation, repr, state_dicts both ways, and bad input."""

import numpy as np
import pytest
import torch
import torch.nn as tnn

import chainrule as cr
import chainrule.nn as nn

DTYPES = [np.float64, np.float32]
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")


def randn(*shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def as_dtype(module, dtype):
    return module.double() if dtype == np.float64 else module.float()


CONV2D_CONFIGS = [
    ((3, 4, 3), {}),
    ((3, 4, (3, 2)), dict(stride=2, padding=1, bias=False)),
    ((4, 6, 3), dict(groups=2, padding="same", dilation=2)),
    ((4, 4, 3), dict(groups=4, padding=1)),  # depthwise
    ((2, 3, 4), dict(padding="same", padding_mode="reflect")),  # even kernel: asymmetric 'same'
    ((2, 3, 3), dict(padding=(1, 2), padding_mode="replicate", stride=(1, 2))),
    ((2, 3, 3), dict(padding=2, padding_mode="circular", dilation=2)),
    ((2, 3, 2), dict(padding="valid", padding_mode="reflect")),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("args,kwargs", CONV2D_CONFIGS)
def test_conv2d_matches_torch(twin, dtype, args, kwargs):
    ours, theirs = as_dtype(nn.Conv2d(*args, **kwargs), dtype), as_dtype(tnn.Conv2d(*args, **kwargs), dtype)
    assert repr(ours) == repr(theirs)
    twin(ours, theirs, randn(2, args[0], 7, 6, dtype=dtype, seed=1))
    twin(ours, theirs, randn(args[0], 6, 7, dtype=dtype, seed=2))  # unbatched (C, H, W), as torch


CONV1D_CONFIGS = [
    ((3, 4, 3), {}),
    ((4, 6, 3), dict(stride=2, padding=2, dilation=2, groups=2, bias=False)),
    ((2, 3, 4), dict(padding="same", padding_mode="circular")),
    ((2, 3, 3), dict(padding=2, padding_mode="reflect")),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("args,kwargs", CONV1D_CONFIGS)
def test_conv1d_matches_torch(twin, dtype, args, kwargs):
    ours, theirs = as_dtype(nn.Conv1d(*args, **kwargs), dtype), as_dtype(tnn.Conv1d(*args, **kwargs), dtype)
    assert repr(ours) == repr(theirs)
    twin(ours, theirs, randn(2, args[0], 9, dtype=dtype, seed=3))
    twin(ours, theirs, randn(args[0], 8, dtype=dtype, seed=4))


@pytest.mark.parametrize("cls,tcls,kernel", [(nn.Conv2d, tnn.Conv2d, (3, 5)), (nn.Conv1d, tnn.Conv1d, (4,))])
def test_layout_init_bounds_follow_torch(cls, tcls, kernel):
    # kaiming_uniform_(a=sqrt(5)): U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = C_in/groups * prod(k)
    ours, theirs = cls(32, 64, kernel, groups=2), tcls(32, 64, kernel, groups=2)
    assert ours.weight.shape == tuple(theirs.weight.shape) and ours.bias.shape == tuple(theirs.bias.shape)
    assert ours.weight.dtype == np.float32
    bound = 1 / np.sqrt(16 * np.prod(kernel))
    w, b = ours.weight.detach().numpy(), ours.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.98 * bound
    np.testing.assert_allclose(w.std(), bound / np.sqrt(3), rtol=0.03)
    np.testing.assert_allclose(w.std(), theirs.weight.detach().numpy().std(), rtol=0.05)
    assert np.abs(b).max() <= bound
    assert [n for n, _ in ours.named_parameters()] == ["weight", "bias"]
    assert cls(2, 2, 1, bias=False).bias is None


def test_init_is_seeded():
    cr.manual_seed(3)
    a = nn.Conv2d(3, 4, 3).weight.detach().numpy().copy()
    cr.manual_seed(3)
    np.testing.assert_array_equal(a, nn.Conv2d(3, 4, 3).weight.detach().numpy())
    c = nn.Conv2d(3, 4, 3, generator=cr.random.Generator(5)).state_dict()
    d = nn.Conv2d(3, 4, 3, generator=cr.random.Generator(5)).state_dict()
    for key in c:
        np.testing.assert_array_equal(c[key], d[key])


@pytest.mark.parametrize("cls,tcls,shape", [(nn.Conv2d, tnn.Conv2d, (2, 3, 6, 6)), (nn.Conv1d, tnn.Conv1d, (2, 3, 6))])
def test_state_dict_loads_both_ways(cls, tcls, shape):
    ours, theirs = cls(3, 5, 3, padding=1).double(), tcls(3, 5, 3, padding=1).double()
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight", "bias"]
    theirs.load_state_dict({k: torch.tensor(np.asarray(v)) for k, v in ours.state_dict().items()})  # ours -> torch
    x = randn(*shape, seed=5)
    np.testing.assert_allclose(
        ours(cr.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-12
    )
    fresh = tcls(3, 5, 3, padding=1).double()
    ours.load_state_dict({k: v.detach().numpy() for k, v in fresh.state_dict().items()})  # torch -> ours
    np.testing.assert_allclose(ours(cr.tensor(x)).detach().numpy(), fresh(torch.tensor(x)).detach().numpy(), rtol=1e-12)


def test_small_cnn_with_batchnorm2d_and_dropout2d_matches_torch_in_training_and_eval(twin):
    # the LeNet-style block: conv -> BatchNorm2d -> ReLU -> max pool, twice, then a linear head
    def build(lib):
        return lib.Sequential(
            lib.Conv2d(1, 4, 3, padding=1),
            lib.BatchNorm2d(4),
            lib.ReLU(),
            lib.MaxPool2d(2),
            lib.Conv2d(4, 6, 3),
            lib.BatchNorm2d(6),
            lib.ReLU(),
            lib.AvgPool2d(2, ceil_mode=True),
            lib.Dropout2d(0.0),
            lib.Flatten(),
            lib.Linear(6, 3),  # 9x9 -> conv 9x9 -> pool 4x4 -> conv 2x2 -> ceil pool 1x1,
        )

    ours, theirs = build(nn).double(), build(tnn).double()
    assert list(ours.state_dict()) == list(theirs.state_dict())
    twin(ours, theirs, randn(4, 1, 9, 9, seed=6))
    for name, buffer in theirs.named_buffers():
        np.testing.assert_allclose(np.asarray(dict(ours.named_buffers())[name].detach().numpy()), buffer.numpy())
    ours.eval()
    theirs.eval()
    twin(ours, theirs, randn(2, 1, 9, 9, seed=7), copy=False)
    state = {
        k: torch.tensor(np.asarray(v.detach().numpy() if hasattr(v, "detach") else v))
        for k, v in ours.state_dict().items()
    }
    again = build(tnn).double().eval()
    again.load_state_dict(state)
    x = randn(2, 1, 9, 9, seed=8)
    np.testing.assert_allclose(ours(cr.tensor(x)).detach().numpy(), again(torch.tensor(x)).detach().numpy(), rtol=1e-10)


@pytest.mark.parametrize(
    "make,match",
    [
        (lambda lib: lib.Conv2d(3, 4, 3, groups=2), "in_channels must be divisible by groups"),
        (lambda lib: lib.Conv2d(4, 3, 3, groups=2), "out_channels must be divisible by groups"),
        (lambda lib: lib.Conv2d(4, 4, 3, groups=0), "groups must be a positive integer"),
        (lambda lib: lib.Conv2d(4, 4, 3, padding="full"), "Invalid padding string"),
        (lambda lib: lib.Conv2d(4, 4, 3, padding="same", stride=2), "strided"),
        (lambda lib: lib.Conv2d(4, 4, 3, padding_mode="mirror"), "padding_mode must be one of"),
    ],
)
def test_constructor_errors_match_torch(make, match):
    with pytest.raises(ValueError):
        make(tnn)
    with pytest.raises(ValueError, match=match):
        make(nn)


@pytest.mark.parametrize(
    "shape,match",
    [
        ((2, 4, 8, 8), r"Conv2d\(3, 8, kernel_size=\(3, 3\).*to have 3 channels, but got 4 channels"),
        ((1, 2, 3, 8, 8), r"Conv2d\(3, 8.*Expected 3D \(unbatched\) or 4D \(batched\).*\[1, 2, 3, 8, 8\]"),
        ((2, 3, 2, 2), r"Conv2d\(3, 8.*padded input size per channel: \(2 x 2\). Kernel size: \(3 x 3\)"),
        ((8, 8), r"Expected 3D \(unbatched\) or 4D"),
    ],
)
def test_bad_input_names_the_layer_and_the_shapes(shape, match):
    with pytest.raises(RuntimeError):
        tnn.Conv2d(3, 8, 3)(torch.ones(shape))
    with pytest.raises(RuntimeError, match=match):
        nn.Conv2d(3, 8, 3)(cr.ones(*shape))


def test_padding_mode_on_too_small_input_raises_like_torch():
    with pytest.raises(RuntimeError):
        tnn.Conv2d(1, 1, 3, padding=3, padding_mode="reflect")(torch.ones(1, 1, 2, 2))
    with pytest.raises(RuntimeError, match="Conv2d.*pad"):
        nn.Conv2d(1, 1, 3, padding=3, padding_mode="reflect")(cr.ones(1, 1, 2, 2))
