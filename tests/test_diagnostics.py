"""chainrule.diagnostics: gradient norms agree with PyTorch's gradients parameter by parameter,
the activation statistics with direct NumPy computations, the weight statistics with hand-made
weights; every hook is gone afterwards and the model's train/eval mode is restored."""

import math

import numpy as np
import pytest
import torch

import chainrule as cr
import chainrule.functional as F
import chainrule.nn as nn
import chainrule.optim as optim
from chainrule import diagnostics
from chainrule.data import DataLoader, TensorDataset


def no_hooks_left(model):
    return all(not m._forward_hooks and not m._forward_pre_hooks for m in model.modules())


def mlp(*sizes, activation=nn.ReLU):
    layers = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(activation())
    return nn.Sequential(*layers)


def torch_twin(model):
    """The same Sequential of Linear/ReLU/Tanh/Sigmoid in torch, with the same weights."""
    kinds = {
        nn.Linear: lambda m: torch.nn.Linear(m.in_features, m.out_features, dtype=torch.float64),
        nn.ReLU: lambda m: torch.nn.ReLU(),
        nn.Tanh: lambda m: torch.nn.Tanh(),
        nn.Sigmoid: lambda m: torch.nn.Sigmoid(),
    }
    twin = torch.nn.Sequential(*[kinds[type(m)](m) for m in model])
    twin.load_state_dict({k: torch.from_numpy(v.astype(np.float64)) for k, v in model.state_dict().items()})
    return twin


def backward_both(model, x, y):
    F.cross_entropy(model(cr.tensor(x)), cr.tensor(y)).backward()
    twin = torch_twin(model)
    torch.nn.functional.cross_entropy(twin(torch.from_numpy(x.astype(np.float64))), torch.from_numpy(y)).backward()
    return twin


def test_gradient_norms_match_torch_per_parameter_name():
    model = mlp(5, 7, 4, 3)
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((16, 5)).astype(np.float32), rng.integers(0, 3, 16)
    twin = backward_both(model, x, y)
    ours = diagnostics.gradient_norms(model)
    expected = {name: p.grad.norm().item() for name, p in twin.named_parameters()}
    assert list(ours) == list(expected)
    for name in expected:
        assert ours[name] == pytest.approx(expected[name], rel=1e-5)


def test_gradient_norms_skip_parameters_without_gradient():
    model = mlp(3, 4, 2)
    model[0].weight.requires_grad_(False)
    F.cross_entropy(model(cr.randn(5, 3)), cr.tensor([0, 1, 0, 1, 1])).backward()
    assert set(diagnostics.gradient_norms(model)) == {"0.bias", "2.weight", "2.bias"}


def test_layer_gradient_norms_group_by_module():
    model = mlp(5, 6, 3)
    rng = np.random.default_rng(1)
    x, y = rng.standard_normal((8, 5)).astype(np.float32), rng.integers(0, 3, 8)
    twin = backward_both(model, x, y)
    layers = diagnostics.layer_gradient_norms(model)
    assert list(layers) == ["0", "2"]
    for name in layers:
        weight_grad = twin.get_submodule(name).weight.grad
        assert layers[name] == pytest.approx(weight_grad.norm().item(), rel=1e-5)
    with_bias = diagnostics.layer_gradient_norms(model, include_bias=True)
    for name in with_bias:
        module = twin.get_submodule(name)
        expected = math.hypot(module.weight.grad.norm().item(), module.bias.grad.norm().item())
        assert with_bias[name] == pytest.approx(expected, rel=1e-5)


def test_dead_relu_fraction_is_one_for_a_layer_biased_to_minus_1e3_and_zero_for_a_healthy_one():
    cr.manual_seed(0)
    x = cr.randn(256, 10)
    dead = mlp(10, 32, 4)
    dead[0].bias.detach().numpy()[:] = -1e3
    healthy = mlp(10, 32, 4)
    dead.train()
    assert diagnostics.dead_relu_fraction(dead, x) == {"1": 1.0}
    fractions = diagnostics.dead_relu_fraction(healthy, x)
    assert list(fractions) == ["1"] and fractions["1"] < 0.05
    assert no_hooks_left(dead) and no_hooks_left(healthy)
    assert dead.training  # mode restored


def test_dead_relu_fraction_counts_units_over_all_batches_of_a_loader():
    model = mlp(4, 8, 2)
    model[0].bias.detach().numpy()[:3] = -1e3  # 3 of 8 units can never fire
    model[0].bias.detach().numpy()[3:] = 0.0
    model[0].weight.detach().numpy()[:] = 0.0
    model[0].weight.detach().numpy()[3:, 0] = 1.0  # the other 5 fire only when feature 0 is positive
    features = np.zeros((6, 4), np.float32)
    features[5, 0] = 1.0  # ...which happens in the last sample only, in the last batch
    loader = DataLoader(TensorDataset(cr.tensor(features), cr.zeros(6)), batch_size=2)
    assert diagnostics.dead_relu_fraction(model, loader) == {"1": 3 / 8}
    assert diagnostics.dead_relu_fraction(model, features[:4]) == {"1": 1.0}
    # "Dead" means exactly zero output: the -1e3 pre-activations of Linear '0' are not zero.
    assert diagnostics.dead_relu_fraction(model, features, layer_types=(nn.Linear,)) == {"0": 0.0, "2": 0.0}
    assert no_hooks_left(model)


def test_activation_stats_match_direct_computation_and_batching():
    cr.manual_seed(3)
    model = nn.Sequential(nn.Linear(6, 12), nn.Tanh(), nn.Linear(12, 5), nn.Sigmoid())
    model[0].weight.data *= 8.0  # push many tanh units into saturation
    x = cr.randn(64, 6)
    stats = diagnostics.activation_stats(model, x)
    assert list(stats) == ["0", "1", "2", "3"]
    h0 = model[0](x).detach().numpy().astype(np.float64)
    h1 = np.tanh(h0)
    h2 = model[2](cr.tensor(h1.astype(np.float32))).detach().numpy().astype(np.float64)
    h3 = 1 / (1 + np.exp(-h2))
    expected = {
        "0": (h0, None),
        "1": (h1, np.mean(np.abs(h1) > 0.99)),
        "2": (h2, None),
        "3": (h3, np.mean((h3 < 0.01) | (h3 > 0.99))),
    }
    for name, (values, saturation) in expected.items():
        assert stats[name]["mean"] == pytest.approx(values.mean(), rel=1e-4, abs=1e-5)
        assert stats[name]["std"] == pytest.approx(values.std(), rel=1e-4)
        if saturation is None:
            assert stats[name]["saturation"] is None
        else:
            assert stats[name]["saturation"] == pytest.approx(saturation, abs=1e-6)
    assert stats["1"]["saturation"] > 0.3
    # Batches of 10 (one ragged) combine to the same statistics as one batch.
    batched = diagnostics.activation_stats(model, DataLoader(TensorDataset(x, cr.zeros(64)), batch_size=10))
    for name in stats:
        assert batched[name]["mean"] == pytest.approx(stats[name]["mean"], rel=1e-9, abs=1e-12)
        assert batched[name]["std"] == pytest.approx(stats[name]["std"], rel=1e-9)
    assert no_hooks_left(model)


def test_hooks_are_removed_even_when_forward_raises():
    class Boom(nn.Module):
        def forward(self, input):
            raise RuntimeError("boom")

    model = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), Boom())
    model.train()
    with pytest.raises(RuntimeError, match="boom"):
        diagnostics.dead_relu_fraction(model, cr.randn(4, 3))
    with pytest.raises(RuntimeError, match="boom"):
        diagnostics.activation_stats(model, cr.randn(4, 3))
    assert no_hooks_left(model) and model.training


def test_user_hooks_survive_diagnostics():
    model = mlp(3, 4, 2)
    calls = []
    handle = model[1].register_forward_hook(lambda m, i, o: calls.append(1))
    diagnostics.dead_relu_fraction(model, cr.randn(5, 3))
    assert calls == [1] and len(model[1]._forward_hooks) == 1
    handle.remove()


def test_weight_sparsity_on_hand_made_weights():
    model = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 1, bias=False))
    model[0].weight.detach().numpy()[:] = np.array([[0.0, 5e-4], [0.5, -2e-3]], np.float32)
    model[0].bias.detach().numpy()[:] = np.array([-9e-4, 1.0], np.float32)
    model[2].weight.detach().numpy()[:] = np.array([[1e-3, 0.0]], np.float32)  # 1e-3 itself is not < tol
    sparsity = diagnostics.weight_sparsity(model)
    assert sparsity["parameters"] == {"0.weight": 0.5, "0.bias": 0.5, "2.weight": 0.5}
    assert sparsity["overall"] == 4 / 8
    assert diagnostics.weight_sparsity(model, tol=0.6)["overall"] == 7 / 8
    assert diagnostics.weight_sparsity({"w": np.zeros(3), "v": np.ones(1)})["overall"] == 0.75
    with pytest.raises(ValueError, match="tol"):
        diagnostics.weight_sparsity(model, tol=-1)


def test_update_to_weight_ratio_on_hand_made_states():
    before = {"w": np.array([3.0, 4.0], np.float32), "b": np.zeros(2, np.float32), "c": np.zeros(1)}
    after = {"w": np.array([3.0, 4.5], np.float32), "b": np.array([0.0, 1.0], np.float32), "c": np.zeros(1)}
    ratios = diagnostics.update_to_weight_ratio(before, after)
    assert ratios["w"] == pytest.approx(0.5 / 5.0, rel=1e-12)
    assert ratios["b"] == math.inf and math.isnan(ratios["c"])


def test_update_to_weight_ratio_of_an_sgd_step_is_lr_times_grad_over_weight():
    model = mlp(4, 3)
    before = model.state_dict()
    F.cross_entropy(model(cr.randn(6, 4)), cr.tensor([0, 1, 2, 0, 1, 2])).backward()
    grads = {name: p.grad.detach().numpy().copy() for name, p in model.named_parameters()}
    optim.SGD(model.parameters(), lr=0.1).step()
    ratios = diagnostics.update_to_weight_ratio(before, model.state_dict())
    for name, grad in grads.items():
        assert ratios[name] == pytest.approx(0.1 * np.linalg.norm(grad) / np.linalg.norm(before[name]), rel=1e-5)


def test_update_to_weight_ratio_rejects_mismatched_states():
    with pytest.raises(ValueError, match=r"only in before: \['b'\]"):
        diagnostics.update_to_weight_ratio({"a": np.zeros(1), "b": np.zeros(1)}, {"a": np.zeros(1)})
    with pytest.raises(ValueError, match="shape"):
        diagnostics.update_to_weight_ratio({"a": np.zeros(1)}, {"a": np.zeros(2)})


def test_wrong_argument_types_raise_type_error():
    with pytest.raises(TypeError, match="gradient_norms: expected a chainrule.nn.Module"):
        diagnostics.gradient_norms({"w": np.zeros(1)})
    with pytest.raises(TypeError, match="dead_relu_fraction: expected a Tensor"):
        diagnostics.dead_relu_fraction(mlp(2, 2), 3.0)
    with pytest.raises(ValueError, match="no batches"):
        diagnostics.dead_relu_fraction(mlp(2, 2), [])
