"""nn.init: gains and fans equal PyTorch's; each initialiser draws from the distribution PyTorch's
formula prescribes (checked statistically on large tensors, and against torch's own samples);
fills are in place, seeded and return the tensor."""

import math

import numpy as np
import pytest
import torch
import torch.nn.init as tinit

import chainrule as cr
import chainrule.nn as nn
from chainrule.nn import init

NONLINEARITIES = [
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "selu",
]


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_calculate_gain_matches_torch(nonlinearity):
    assert init.calculate_gain(nonlinearity) == tinit.calculate_gain(nonlinearity)


@pytest.mark.parametrize("param", [None, 0, 0.2, 1, math.sqrt(5)])
def test_leaky_relu_gain_matches_torch(param):
    assert init.calculate_gain("leaky_relu", param) == pytest.approx(
        tinit.calculate_gain("leaky_relu", param), rel=1e-15
    )


@pytest.mark.parametrize("bad", [("swish", None), ("leaky_relu", True), ("leaky_relu", "0.1")])
def test_calculate_gain_rejects_what_torch_rejects(bad):
    with pytest.raises(ValueError):
        tinit.calculate_gain(*bad)
    with pytest.raises(ValueError, match="calculate_gain"):
        init.calculate_gain(*bad)


@pytest.mark.parametrize("shape", [(3, 5), (4, 3, 2, 2), (2, 3, 5), (7, 1)])
def test_fan_in_and_fan_out_match_torch(shape):
    assert init._calculate_fan_in_and_fan_out(cr.zeros(*shape)) == tinit._calculate_fan_in_and_fan_out(
        torch.zeros(shape)
    )
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(cr.zeros(4))
    with pytest.raises(ValueError, match="fan_in, fan_out"):
        init.kaiming_uniform_(cr.zeros(3, 3), mode="fan_avg")


SHAPE = (300, 400)  # 120,000 samples: the std estimate is good to about 0.4%


def std_and_max(values):
    values = np.asarray(values, dtype=np.float64)
    return values.std(), np.abs(values).max(), values.mean()


def torch_sample(fn, **kwargs):
    t = torch.empty(SHAPE)
    fn(t, **kwargs)
    return t.numpy()


UNIFORM_CASES = [
    ("xavier_uniform_", dict(), math.sqrt(6 / (300 + 400))),
    ("xavier_uniform_", dict(gain=2.0), 2 * math.sqrt(6 / (300 + 400))),
    ("kaiming_uniform_", dict(), math.sqrt(2) * math.sqrt(3 / 400)),  # a=0 is passed as the slope
    ("kaiming_uniform_", dict(a=math.sqrt(5)), 1 / math.sqrt(400)),
    ("kaiming_uniform_", dict(mode="fan_out", nonlinearity="relu"), math.sqrt(2) * math.sqrt(3 / 300)),
    ("kaiming_uniform_", dict(nonlinearity="tanh"), 5 / 3 * math.sqrt(3 / 400)),
]


@pytest.mark.parametrize("name,kwargs,bound", UNIFORM_CASES)
def test_uniform_initialisers_have_torch_bounds(name, kwargs, bound):
    t = init.__dict__[name](cr.zeros(*SHAPE), **kwargs)
    std, biggest, mean = std_and_max(t.detach().numpy())
    assert biggest <= bound * (1 + 1e-6) and biggest > 0.999 * bound
    assert abs(mean) < 0.01 * bound
    np.testing.assert_allclose(std, bound / math.sqrt(3), rtol=0.015)
    t_std, t_biggest, _ = std_and_max(torch_sample(getattr(tinit, name), **kwargs))
    np.testing.assert_allclose(biggest, t_biggest, rtol=0.002)
    np.testing.assert_allclose(std, t_std, rtol=0.02)


NORMAL_CASES = [
    ("xavier_normal_", dict(), math.sqrt(2 / (300 + 400))),
    ("xavier_normal_", dict(gain=0.5), 0.5 * math.sqrt(2 / (300 + 400))),
    ("kaiming_normal_", dict(), math.sqrt(2) / math.sqrt(400)),
    ("kaiming_normal_", dict(mode="fan_out", nonlinearity="relu"), math.sqrt(2) / math.sqrt(300)),
    ("kaiming_normal_", dict(a=0.2, nonlinearity="leaky_relu"), math.sqrt(2 / 1.04) / math.sqrt(400)),
]


@pytest.mark.parametrize("name,kwargs,expected_std", NORMAL_CASES)
def test_normal_initialisers_have_torch_std(name, kwargs, expected_std):
    t = init.__dict__[name](cr.zeros(*SHAPE), **kwargs)
    std, _, mean = std_and_max(t.detach().numpy())
    np.testing.assert_allclose(std, expected_std, rtol=0.015)
    assert abs(mean) < 0.01 * expected_std
    t_std, _, _ = std_and_max(torch_sample(getattr(tinit, name), **kwargs))
    np.testing.assert_allclose(std, t_std, rtol=0.02)


def test_uniform_and_normal_parameters():
    u = init.uniform_(cr.zeros(*SHAPE), a=-2.0, b=5.0).detach().numpy()
    assert u.min() >= -2 and u.max() <= 5 and u.min() < -1.99 and u.max() > 4.99
    np.testing.assert_allclose(u.mean(), 1.5, atol=0.02)
    np.testing.assert_allclose(u.std(), 7 / math.sqrt(12), rtol=0.01)
    n = init.normal_(cr.zeros(*SHAPE, dtype=cr.float64), mean=3.0, std=0.5).detach().numpy()
    np.testing.assert_allclose(n.mean(), 3.0, atol=0.005)
    np.testing.assert_allclose(n.std(), 0.5, rtol=0.01)
    assert n.dtype == np.float64


def test_constant_zeros_ones():
    t = cr.randn(3, 4)
    assert init.constant_(t, 0.25) is t
    np.testing.assert_array_equal(t.detach().numpy(), 0.25)
    np.testing.assert_array_equal(init.zeros_(t).detach().numpy(), 0)
    np.testing.assert_array_equal(init.ones_(t).detach().numpy(), 1)


def test_fills_are_in_place_on_parameters_outside_the_graph():
    layer = nn.Linear(4, 3)
    weight, array = layer.weight, layer.weight.detach().numpy()
    assert init.kaiming_normal_(weight) is weight  # no "leaf tensor in in-place op" error
    assert weight.detach().numpy() is array and weight.requires_grad and weight.grad_fn is None
    assert array.dtype == np.float32


def test_fills_are_seeded():
    cr.manual_seed(11)
    a = init.xavier_uniform_(cr.zeros(5, 5)).detach().numpy().copy()
    cr.manual_seed(11)
    b = init.xavier_uniform_(cr.zeros(5, 5)).detach().numpy().copy()
    np.testing.assert_array_equal(a, b)
    c = init.normal_(cr.zeros(5), generator=cr.random.Generator(3)).detach().numpy()
    d = init.normal_(cr.zeros(5), generator=cr.random.Generator(3)).detach().numpy()
    np.testing.assert_array_equal(c, d)
    assert not np.array_equal(a, init.xavier_uniform_(cr.zeros(5, 5)).detach().numpy())


def test_errors_and_zero_element_tensors():
    with pytest.raises(TypeError, match="Tensor"):
        init.normal_(np.zeros(3))
    with pytest.raises(TypeError, match="floating point"):
        init.uniform_(cr.zeros(3, dtype=cr.int64))
    with pytest.warns(UserWarning, match="zero-element"):
        empty = init.kaiming_uniform_(cr.zeros(0, 3))
    assert empty.shape == (0, 3)
