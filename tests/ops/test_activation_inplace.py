"""``inplace=True`` and the in-place functional spellings write into the input as PyTorch's do:
the same values, the input's memory changed, its version bumped, the gradients of a graph
through it, and PyTorch's error where the input is a leaf that requires grad."""

import numpy as np
import pytest
import torch

import chainrule

CASES = {
    "relu": lambda lib, x: lib.nn.functional.relu(x, inplace=True),
    "relu_": lambda lib, x: lib.nn.functional.relu_(x),
    "elu": lambda lib, x: lib.nn.functional.elu(x, 0.7, inplace=True),
    "elu_": lambda lib, x: lib.nn.functional.elu_(x),
    "leaky_relu": lambda lib, x: lib.nn.functional.leaky_relu(x, 0.2, inplace=True),
    "leaky_relu_": lambda lib, x: lib.nn.functional.leaky_relu_(x, 0.2),
    "hardtanh": lambda lib, x: lib.nn.functional.hardtanh(x, -0.5, 0.5, inplace=True),
    "hardtanh_": lambda lib, x: lib.nn.functional.hardtanh_(x, -0.5, 0.5),
    "relu6": lambda lib, x: lib.nn.functional.relu6(x * 8, inplace=True),
    "selu": lambda lib, x: lib.nn.functional.selu(x, inplace=True),
    "selu_": lambda lib, x: lib.nn.functional.selu_(x),
    "celu": lambda lib, x: lib.nn.functional.celu(x, 0.5, inplace=True),
    "celu_": lambda lib, x: lib.nn.functional.celu_(x, 0.5),
    "silu": lambda lib, x: lib.nn.functional.silu(x, inplace=True),
    "mish": lambda lib, x: lib.nn.functional.mish(x, inplace=True),
    "hardswish": lambda lib, x: lib.nn.functional.hardswish(x * 4, inplace=True),
    "hardsigmoid": lambda lib, x: lib.nn.functional.hardsigmoid(x * 4, inplace=True),
    "threshold": lambda lib, x: lib.nn.functional.threshold(x, 0.1, -2.0, inplace=True),
    "threshold_": lambda lib, x: lib.nn.functional.threshold_(x, 0.1, -2.0),
    "nn.ReLU": lambda lib, x: lib.nn.ReLU(inplace=True)(x),
    "nn.LeakyReLU": lambda lib, x: lib.nn.LeakyReLU(0.1, inplace=True)(x),
    "nn.ELU": lambda lib, x: lib.nn.ELU(inplace=True)(x),
}
VALUES = np.array([[-1.5, -0.3, 0.2], [0.7, 1.3, -0.05]])


def _run(lib, apply):
    leaf = lib.tensor(VALUES, dtype=lib.float64, requires_grad=True)
    y = leaf * 1.0  # a non-leaf, so the in-place write is legal and recorded
    before = y._version
    out = apply(lib, y)
    writes_into_y = out is y or np.shares_memory(out.detach().numpy(), y.detach().numpy())
    (out * out).sum().backward()
    return out.detach().numpy().copy(), leaf.grad.numpy().copy(), y._version > before, writes_into_y


@pytest.mark.parametrize("name", sorted(CASES))
def test_inplace_activation_matches_torch(name):
    ours = _run(chainrule, CASES[name])
    theirs = _run(torch, CASES[name])
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-7, atol=1e-12)
    np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-7, atol=1e-12)
    assert ours[2:] == theirs[2:]  # the version moved and the result lives in the input's memory


@pytest.mark.parametrize("lib", [torch, chainrule], ids=["torch", "chainrule"])
def test_inplace_activation_on_a_leaf_that_requires_grad_raises(lib):
    leaf = lib.tensor(VALUES, dtype=lib.float64, requires_grad=True)
    with pytest.raises(RuntimeError):
        lib.nn.functional.relu(leaf, inplace=True)
