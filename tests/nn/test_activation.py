"""The activation modules against their PyTorch twins: outputs and input gradients on the same
input, constructor signatures and reprs."""

import inspect

import numpy as np
import pytest
import torch
import torch.nn as tnn

import chainrule as cr
import chainrule.nn as nn

DTYPES = [np.float64, np.float32]


def randn(*shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


# ---------------------------------------------------------------- activations
ACTIVATIONS = [
    (nn.ReLU, tnn.ReLU, {}),
    (nn.LeakyReLU, tnn.LeakyReLU, {"negative_slope": 0.2}),
    (nn.LeakyReLU, tnn.LeakyReLU, {}),
    (nn.ELU, tnn.ELU, {"alpha": 0.7}),
    (nn.GELU, tnn.GELU, {}),
    (nn.GELU, tnn.GELU, {"approximate": "tanh"}),
    (nn.Sigmoid, tnn.Sigmoid, {}),
    (nn.Tanh, tnn.Tanh, {}),
    (nn.Softmax, tnn.Softmax, {"dim": 1}),
    (nn.Softmax, tnn.Softmax, {"dim": -1}),
    (nn.LogSoftmax, tnn.LogSoftmax, {"dim": 0}),
    (nn.Softplus, tnn.Softplus, {}),
    (nn.Softplus, tnn.Softplus, {"beta": 2.0, "threshold": 1.0}),
]


@pytest.mark.parametrize("ours_cls,theirs_cls,kwargs", ACTIVATIONS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_activation_matches_torch(twin, ours_cls, theirs_cls, kwargs, dtype):
    x = randn(4, 5, 3, dtype=dtype, seed=3) * 3
    twin(ours_cls(**kwargs), theirs_cls(**kwargs), x)


def test_softmax_implicit_dim_follows_torch_legacy_rule():
    x = randn(2, 3, 4, seed=4)
    with pytest.warns(UserWarning, match="implicit dimension"):
        ours = nn.Softmax()(cr.tensor(x)).detach().numpy()
    with pytest.warns(UserWarning):
        theirs = tnn.Softmax()(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)


# ---------------------------------------------------------------- constructors and repr
REPRS = [
    lambda m: m.ReLU(),
    lambda m: m.ReLU(inplace=True),
    lambda m: m.LeakyReLU(0.2, True),
    lambda m: m.ELU(),
    lambda m: m.GELU("tanh"),
    lambda m: m.Sigmoid(),
    lambda m: m.Tanh(),
    lambda m: m.Softmax(dim=1),
    lambda m: m.LogSoftmax(-1),
    lambda m: m.Softmax(),
    lambda m: m.Softplus(2.0, 10.0),
]


@pytest.mark.parametrize("build", REPRS)
def test_repr_matches_torch(build):
    assert repr(build(nn)) == repr(build(tnn))


NAMES = ["ELU", "GELU", "LeakyReLU", "LogSoftmax", "ReLU", "Sigmoid", "Softmax", "Softplus", "Tanh"]


@pytest.mark.parametrize("name", NAMES)
def test_constructor_signature_and_state_match_torch(name):
    ours, theirs = getattr(nn, name), getattr(tnn, name)
    # torch's Sigmoid and Tanh inherit Module.__init__(*args, **kwargs), which takes no arguments either.
    torch_parameters = [
        p for p in inspect.signature(theirs).parameters.values() if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
    ]
    assert list(inspect.signature(ours).parameters) == [p.name for p in torch_parameters]
    for parameter in torch_parameters:
        assert inspect.signature(ours).parameters[parameter.name].default == parameter.default
        assert getattr(ours(), parameter.name) == getattr(theirs(), parameter.name)
    assert ours().state_dict() == {} and list(ours().parameters()) == []


def test_wrong_constructor_arguments_raise_type_error_like_torch():
    with pytest.raises(TypeError):
        tnn.ReLU(True, 1)
    with pytest.raises(TypeError):
        tnn.Sigmoid(1)
    with pytest.raises(TypeError, match="Sigmoid"):
        nn.Sigmoid(1)
    with pytest.raises(TypeError, match="ReLU"):
        nn.ReLU(True, 1)
    with pytest.raises(TypeError, match="LeakyReLU"):
        nn.LeakyReLU(slope=0.1)
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("sigmoid")


def test_a_subclass_inherits_the_activation():
    class ScaledTanh(nn.Tanh):
        def __init__(self, scale):
            super().__init__()
            self.scale = scale

        def forward(self, input):
            return super().forward(input) * self.scale

    layer = ScaledTanh(2.0)
    np.testing.assert_allclose(layer(cr.tensor([0.5])).detach().numpy(), 2 * np.tanh([0.5]), rtol=1e-6)
    assert repr(layer) == "ScaledTanh()" and list(inspect.signature(ScaledTanh).parameters) == ["scale"]


# ---------------------------------------------------------------- the further activations
FURTHER = [
    (nn.SiLU, tnn.SiLU, {}),
    (nn.ReLU6, tnn.ReLU6, {}),
    (nn.SELU, tnn.SELU, {}),
    (nn.CELU, tnn.CELU, {}),
    (nn.CELU, tnn.CELU, {"alpha": 2.0}),
    (nn.Mish, tnn.Mish, {}),
    (nn.Hardswish, tnn.Hardswish, {}),
    (nn.Hardsigmoid, tnn.Hardsigmoid, {}),
    (nn.LogSigmoid, tnn.LogSigmoid, {}),
    (nn.Softsign, tnn.Softsign, {}),
    (nn.Softmin, tnn.Softmin, {"dim": 1}),
    (nn.Softmin, tnn.Softmin, {"dim": -1}),
    (nn.Tanhshrink, tnn.Tanhshrink, {}),
    (nn.Softshrink, tnn.Softshrink, {}),
    (nn.Softshrink, tnn.Softshrink, {"lambd": 1.5}),
    (nn.Hardshrink, tnn.Hardshrink, {}),
    (nn.Hardshrink, tnn.Hardshrink, {"lambd": 2.0}),
    (nn.Threshold, tnn.Threshold, {"threshold": 0.5, "value": -4.0}),
    (nn.GLU, tnn.GLU, {}),
    (nn.GLU, tnn.GLU, {"dim": 1}),
    (nn.Hardtanh, tnn.Hardtanh, {}),
    (nn.Hardtanh, tnn.Hardtanh, {"min_val": -2.0, "max_val": 3.0}),
]


@pytest.mark.parametrize("ours_cls,theirs_cls,kwargs", FURTHER)
@pytest.mark.parametrize("dtype", DTYPES)
def test_further_activation_matches_torch(twin, ours_cls, theirs_cls, kwargs, dtype):
    x = randn(4, 6, 2, dtype=dtype, seed=5) * 3
    twin(ours_cls(**kwargs), theirs_cls(**kwargs), x)


def test_softmin_implicit_dim_follows_torch_legacy_rule():
    x = randn(2, 3, 4, seed=6)
    with pytest.warns(UserWarning, match="implicit dimension"):
        ours = nn.Softmin()(cr.tensor(x)).detach().numpy()
    with pytest.warns(UserWarning):
        theirs = tnn.Softmin()(torch.tensor(x)).numpy()
    np.testing.assert_allclose(ours, theirs, rtol=1e-10)


FURTHER_REPRS = [
    lambda m: m.SiLU(),
    lambda m: m.SiLU(inplace=True),
    lambda m: m.ReLU6(),
    lambda m: m.ReLU6(True),
    lambda m: m.SELU(),
    lambda m: m.SELU(inplace=True),
    lambda m: m.CELU(),
    lambda m: m.CELU(2.0, True),
    lambda m: m.Mish(),
    lambda m: m.Mish(True),
    lambda m: m.Hardswish(),
    lambda m: m.Hardswish(inplace=True),  # torch's repr omits inplace here
    lambda m: m.Hardsigmoid(True),
    lambda m: m.LogSigmoid(),
    lambda m: m.Softsign(),
    lambda m: m.Softmin(dim=1),
    lambda m: m.Softmin(),
    lambda m: m.Tanhshrink(),
    lambda m: m.Softshrink(),  # Softshrink(0.5): the bare value, as torch
    lambda m: m.Hardshrink(0.3),
    lambda m: m.Threshold(0.1, 20),
    lambda m: m.Threshold(0.1, 20.0, True),
    lambda m: m.GLU(),
    lambda m: m.GLU(0),
    lambda m: m.Hardtanh(),
    lambda m: m.Hardtanh(-2, 3, True),
    lambda m: m.PReLU(),
    lambda m: m.PReLU(3, 0.1),
]


@pytest.mark.parametrize("build", FURTHER_REPRS)
def test_further_repr_matches_torch(build):
    assert repr(build(nn)) == repr(build(tnn))


FURTHER_NAMES = ["SiLU", "ReLU6", "SELU", "CELU", "Mish", "Hardswish", "Hardsigmoid", "Softmin", "Softshrink"]
FURTHER_NAMES += ["Hardshrink", "GLU", "LogSigmoid", "Softsign", "Tanhshrink"]


@pytest.mark.parametrize("name", FURTHER_NAMES)
def test_further_constructor_signature_and_state_match_torch(name):
    test_constructor_signature_and_state_match_torch(name)


def test_threshold_and_hardtanh_constructors_match_torch():
    signature = inspect.signature(nn.Threshold)
    assert list(signature.parameters) == ["threshold", "value", "inplace"]
    assert signature.parameters["threshold"].default is inspect.Parameter.empty
    with pytest.raises(TypeError):
        tnn.Threshold(0.1)
    with pytest.raises(TypeError, match="Threshold"):
        nn.Threshold(0.1)
    layer = nn.Threshold(value=2.0, threshold=0.5)
    assert (layer.threshold, layer.value, layer.inplace) == (0.5, 2.0, False)
    # torch's Hardtanh also takes the deprecated min_value/max_value; ours takes PyTorch's first three
    assert list(inspect.signature(nn.Hardtanh).parameters) == ["min_val", "max_val", "inplace"]
    assert (nn.Hardtanh().min_val, nn.Hardtanh().max_val) == (tnn.Hardtanh().min_val, tnn.Hardtanh().max_val)
    with pytest.raises(AssertionError):
        tnn.Hardtanh(1.0, -1.0)
    with pytest.raises(ValueError, match="Hardtanh"):
        nn.Hardtanh(1.0, -1.0)


# ---------------------------------------------------------------- PReLU: a learned slope
@pytest.mark.parametrize(
    "num_parameters,shape", [(1, (4, 3)), (3, (4, 3)), (3, (2, 3, 5)), (1, (7,)), (2, (2, 2, 3, 3))]
)
@pytest.mark.parametrize("dtype", DTYPES)
def test_prelu_matches_torch(twin, num_parameters, shape, dtype):
    ours = nn.PReLU(num_parameters, dtype=dtype)
    theirs = tnn.PReLU(num_parameters, dtype=torch.float64 if dtype == np.float64 else torch.float32)
    with torch.no_grad():
        theirs.weight.copy_(torch.linspace(-0.5, 1.5, num_parameters))  # distinct slopes per channel
    twin(ours, theirs, randn(*shape, dtype=dtype, seed=7) * 2)  # compares the weight's gradient too


def test_prelu_parameter_state_dict_and_defaults_match_torch():
    ours, theirs = nn.PReLU(), tnn.PReLU()
    assert [name for name, _ in ours.named_parameters()] == ["weight"]
    assert ours.weight.shape == tuple(theirs.weight.shape) == (1,)
    assert ours.weight.dtype == np.float32 and ours.weight.requires_grad
    np.testing.assert_array_equal(ours.weight.detach().numpy(), theirs.weight.detach().numpy())
    ours, theirs = nn.PReLU(4, init=0.1), tnn.PReLU(4, init=0.1)
    assert list(ours.state_dict()) == list(theirs.state_dict()) == ["weight"]
    np.testing.assert_array_equal(np.asarray(ours.state_dict()["weight"]), theirs.state_dict()["weight"].numpy())
    assert (ours.num_parameters, ours.init) == (4, 0.1)
    assert list(inspect.signature(nn.PReLU).parameters) == list(inspect.signature(tnn.PReLU).parameters)


def test_prelu_state_dict_loads_both_ways():
    theirs = tnn.PReLU(3)
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor([0.1, -0.2, 0.3]))
    ours = nn.PReLU(3)
    ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})  # torch -> ours
    np.testing.assert_array_equal(ours.weight.detach().numpy(), np.float32([0.1, -0.2, 0.3]))
    back = tnn.PReLU(3)
    back.load_state_dict({k: torch.from_numpy(np.array(v)) for k, v in ours.state_dict().items()})  # ours -> torch
    np.testing.assert_array_equal(back.weight.detach().numpy(), theirs.weight.detach().numpy())
    x = randn(2, 3, 4, dtype=np.float32, seed=8)
    np.testing.assert_allclose(ours(cr.tensor(x)).detach().numpy(), back(torch.from_numpy(x)).detach().numpy())


def test_prelu_reset_parameters_restores_init():
    layer = nn.PReLU(2, init=0.4)
    layer.load_state_dict({"weight": np.array([1.0, 2.0], dtype=np.float32)})
    layer.reset_parameters()
    np.testing.assert_array_equal(layer.weight.detach().numpy(), np.float32([0.4, 0.4]))


def test_prelu_wrong_channel_count_raises_like_torch():
    with pytest.raises(RuntimeError):
        tnn.PReLU(3)(torch.zeros(2, 4))
    with pytest.raises(RuntimeError, match="prelu"):
        nn.PReLU(3)(cr.zeros(2, 4))


def test_prelu_weight_learns_with_an_optimizer_step():
    layer = nn.PReLU()
    x = cr.tensor(np.array([-2.0, -1.0, 3.0], dtype=np.float32))
    layer(x).sum().backward()
    np.testing.assert_allclose(layer.weight.grad.numpy(), [-3.0])  # sum of the negative inputs
    with cr.no_grad():
        layer.weight -= 0.1 * layer.weight.grad
    np.testing.assert_allclose(layer.weight.detach().numpy(), [0.55])
