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
