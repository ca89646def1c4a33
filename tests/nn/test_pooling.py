"""The pooling layers and Dropout1d/Dropout2d against their PyTorch twins: outputs, input
gradients, reprs, return_indices and bad input."""

import numpy as np
import pytest
import torch
import torch.nn as tnn

import chainrule as cr
import chainrule.nn as nn


def randn(*shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


LAYERS = [
    ("MaxPool2d", (2,), {}, (2, 3, 6, 7)),
    ("MaxPool2d", (3,), dict(stride=2, padding=1, dilation=1, ceil_mode=True), (2, 3, 7, 7)),
    ("MaxPool2d", ((3, 2),), dict(stride=1, dilation=(2, 1)), (3, 7, 6)),
    ("MaxPool1d", (3,), dict(stride=2, padding=1), (2, 3, 9)),
    ("AvgPool2d", (3,), dict(stride=2, padding=1, count_include_pad=False, ceil_mode=True), (2, 3, 8, 7)),
    ("AvgPool2d", (2,), dict(divisor_override=3), (3, 6, 6)),
    ("AvgPool1d", (3,), dict(stride=1, padding=1), (2, 3, 8)),
    ("AdaptiveAvgPool2d", ((3, None),), {}, (2, 3, 7, 5)),
    ("AdaptiveAvgPool2d", (1,), {}, (3, 7, 5)),
    ("AdaptiveMaxPool2d", ((2, 3),), {}, (2, 3, 7, 5)),
    ("AdaptiveAvgPool1d", (3,), {}, (2, 3, 7)),
    ("AdaptiveMaxPool1d", (4,), {}, (3, 9)),
]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name,args,kwargs,shape", LAYERS)
def test_pooling_layer_matches_torch(twin, dtype, name, args, kwargs, shape):
    ours, theirs = getattr(nn, name)(*args, **kwargs), getattr(tnn, name)(*args, **kwargs)
    assert repr(ours) == repr(theirs)
    twin(ours, theirs, randn(*shape, dtype=dtype, seed=1))
    assert ours.state_dict() == {} and not list(ours.parameters())


@pytest.mark.parametrize(
    "name,args,shape",
    [
        ("MaxPool2d", (3, 2, 1), (2, 3, 7, 7)),
        ("MaxPool1d", (2,), (2, 3, 8)),
        ("AdaptiveMaxPool2d", ((3, 2),), (2, 7, 5)),
        ("AdaptiveMaxPool1d", (3,), (2, 3, 7)),
    ],
)
def test_return_indices_matches_torch(name, args, shape):
    x = randn(*shape, seed=2)
    values, indices = getattr(nn, name)(*args, return_indices=True)(cr.tensor(x))
    t_values, t_indices = getattr(tnn, name)(*args, return_indices=True)(torch.tensor(x))
    np.testing.assert_array_equal(values.numpy(), t_values.numpy())
    np.testing.assert_array_equal(indices.numpy(), t_indices.numpy())


@pytest.mark.parametrize(
    "layer,shape,error,match",
    [
        (lambda lib: lib.MaxPool2d(3), (1, 2, 2, 2), RuntimeError, r"max_pool2d.*\(2x2x2\).*too small"),
        (lambda lib: lib.MaxPool2d(3, padding=2), (1, 2, 6, 6), RuntimeError, "max_pool2d: pad should be at most half"),
        (lambda lib: lib.MaxPool2d(2), (1, 1, 1, 4, 4), RuntimeError, r"max_pool2d.*\[1, 1, 1, 4, 4\]"),
        (lambda lib: lib.AvgPool2d(3), (2, 2, 2), RuntimeError, r"avg_pool2d.*\(2x2x2\).*too small"),
        (lambda lib: lib.AvgPool2d(2), (4, 4), IndexError, r"avg_pool2d.*\[4, 4\]"),
        (lambda lib: lib.MaxPool1d(2), (2, 3, 4, 4), RuntimeError, r"max_pool1d.*\[2, 3, 4, 4\]"),
        (
            lambda lib: lib.AdaptiveAvgPool2d(2),
            (1, 1, 1, 3, 3),
            RuntimeError,
            r"adaptive_avg_pool2d.*\[1, 1, 1, 3, 3\]",
        ),
    ],
)
def test_bad_input_raises_torchs_error_naming_the_op_and_shape(layer, shape, error, match):
    with pytest.raises(error):
        layer(tnn)(torch.ones(shape))
    with pytest.raises(error, match=match):
        layer(nn)(cr.ones(*shape))


@pytest.mark.parametrize(
    "cls,shape", [(nn.Dropout2d, (4, 5, 3, 3)), (nn.Dropout1d, (4, 5, 6)), (nn.Dropout2d, (5, 3, 3))]
)
@pytest.mark.filterwarnings("ignore:.*Received a 3D input to dropout2d")  # as torch warns
def test_channel_dropout_layers(cls, shape):
    layer = cls(0.4, generator=cr.random.Generator(0))
    twin = getattr(tnn, cls.__name__)(0.4)
    assert repr(layer) == repr(twin)
    x = cr.tensor(np.abs(randn(*shape, seed=3)) + 1.0, requires_grad=True)
    y = layer(x)
    ratio = (y / x).detach().numpy()
    channels = ratio.reshape(ratio.shape[:2] + (-1,)) if len(shape) >= 3 else ratio[None]
    np.testing.assert_allclose(channels, np.broadcast_to(channels[..., :1], channels.shape))  # one per channel
    assert np.all(np.isclose(ratio, 0.0) | np.isclose(ratio, 1 / 0.6))
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), ratio, rtol=1e-12)
    layer.eval()
    assert layer(x) is x
    with pytest.raises(ValueError, match="between 0 and 1"):
        cls(1.5)
