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


# ---------------------------------------------------------------------------- time steps
class ElmanRNN(nn.Module):
    """A tanh RNN built from Linear layers in a Python loop, reading out the last hidden state."""

    def __init__(self, input_size, hidden_size, batch_first=False):
        super().__init__()
        self.cell = ElmanCell(input_size, hidden_size)
        self.head = nn.Linear(hidden_size, 1)
        self.hidden_size, self.batch_first = hidden_size, batch_first

    def forward(self, x):
        steps = x.unbind(1 if self.batch_first else 0)
        h = cr.zeros(steps[0].shape[0], self.hidden_size, dtype=x.dtype)
        for x_t in steps:
            h = self.cell(x_t, h)
        return self.head(h)


class ElmanCell(nn.Module):
    def __init__(self, input_size, hidden_size):
        super().__init__()
        self.ih, self.hh = nn.Linear(input_size, hidden_size), nn.Linear(hidden_size, hidden_size)

    def forward(self, x_t, h):
        return F.tanh(self.ih(x_t) + self.hh(h))


def torch_elman(model, x, y, batch_first):
    """The same model in torch: per-step input and hidden-state gradient norms."""
    weights = {k: torch.from_numpy(v.astype(np.float64)) for k, v in model.state_dict().items()}
    x = torch.from_numpy(x.astype(np.float64)).requires_grad_()
    steps = x.unbind(1 if batch_first else 0)
    h = torch.zeros(steps[0].shape[0], model.hidden_size, dtype=torch.float64)
    hiddens = []
    for x_t in steps:
        h = torch.tanh(
            x_t @ weights["cell.ih.weight"].T
            + weights["cell.ih.bias"]
            + h @ weights["cell.hh.weight"].T
            + weights["cell.hh.bias"]
        )
        h.retain_grad()
        hiddens.append(h)
    prediction = h @ weights["head.weight"].T + weights["head.bias"]
    torch.nn.functional.mse_loss(prediction, torch.from_numpy(y.astype(np.float64))).backward()
    time_axis = 1 if batch_first else 0
    dims = tuple(a for a in range(3) if a != time_axis)
    return x.grad.norm(dim=dims).numpy(), np.array([h.grad.norm().item() for h in hiddens])


@pytest.mark.parametrize("batch_first", [False, True])
def test_time_step_and_hidden_state_gradient_norms_match_torch_on_a_hand_built_rnn(batch_first):
    cr.manual_seed(0)
    model = ElmanRNN(3, 5, batch_first=batch_first).double()
    rng = np.random.default_rng(0)
    shape = (4, 9, 3) if batch_first else (9, 4, 3)
    x, y = rng.standard_normal(shape), rng.standard_normal((4, 1))
    expected_inputs, expected_hidden = torch_elman(model, x, y, batch_first)
    model.train()
    inputs = diagnostics.time_step_gradient_norms(
        model, cr.tensor(x), cr.tensor(y), F.mse_loss, batch_first=batch_first
    )
    hidden = diagnostics.hidden_state_gradient_norms(
        model, x, y, F.mse_loss, module=model.cell, batch_first=batch_first
    )
    assert inputs.shape == (9,) and hidden.shape == (9,) and inputs.dtype == np.float64
    np.testing.assert_allclose(inputs, expected_inputs, rtol=1e-10)
    np.testing.assert_allclose(hidden, expected_hidden, rtol=1e-10)
    assert (
        diagnostics.hidden_state_gradient_norms(
            model, x, y, F.mse_loss, module="cell", batch_first=batch_first
        ).tolist()
        == hidden.tolist()
    )
    # The learning signal fades going back in time through the tanh recurrence.
    assert hidden[0] < hidden[-1]
    assert all(p.grad is None for p in model.parameters())  # measuring does not train
    assert model.training and no_hooks_left(model)


def test_time_step_gradient_norms_of_an_unbatched_sequence_and_of_steps_the_loss_ignores():
    model = ElmanRNN(2, 3).double()
    x = np.random.default_rng(1).standard_normal((6, 1, 2))
    batched = diagnostics.time_step_gradient_norms(model, x, np.ones((1, 1)), F.mse_loss)

    def last_output(sequence):  # an "unbatched" model: (T, F) in
        return model(sequence.unsqueeze(1))

    unbatched = diagnostics.time_step_gradient_norms(last_output, x[:, 0], np.ones((1, 1)), F.mse_loss)
    np.testing.assert_allclose(unbatched, batched, rtol=1e-12)

    def first_step_only(sequence):
        return sequence[0].sum(dim=1, keepdim=True)

    norms = diagnostics.time_step_gradient_norms(first_step_only, x, np.zeros((1, 1)), F.mse_loss)
    assert norms[0] > 0 and norms[1:].tolist() == [0.0] * 5


def test_time_step_diagnostics_reject_bad_input():
    model = ElmanRNN(2, 3)
    with pytest.raises(TypeError, match="time_step_gradient_norms: inputs must be a floating-point"):
        diagnostics.time_step_gradient_norms(model, np.zeros((4, 2, 2), np.int64), None, F.mse_loss)
    with pytest.raises(ValueError, match=r"got shape \(4,\)"):
        diagnostics.time_step_gradient_norms(model, np.zeros(4, np.float32), None, F.mse_loss)
    with pytest.raises(ValueError, match="loss_fn must return a scalar Tensor, got \\(2, 1\\)"):
        diagnostics.time_step_gradient_norms(model, np.zeros((4, 2, 2), np.float32), None, lambda out, y: out)
    with pytest.raises(ValueError, match="found 0 fused RNN/LSTM/GRU layers"):
        diagnostics.hidden_state_gradient_norms(model, np.zeros((4, 2, 2), np.float32), np.zeros((2, 1)), F.mse_loss)
    with pytest.raises(ValueError, match="no submodule named 'rnn'"):
        diagnostics.hidden_state_gradient_norms(model, np.zeros((4, 2, 2), np.float32), None, F.mse_loss, module="rnn")
    with pytest.raises(ValueError, match="module must be a submodule of model"):
        diagnostics.hidden_state_gradient_norms(
            model, np.zeros((4, 2, 2), np.float32), None, F.mse_loss, module=nn.Linear(2, 2)
        )
    model.spare = nn.Linear(3, 3)  # registered but never called by forward
    with pytest.raises(ValueError, match="the watched module Linear was not called"):
        diagnostics.hidden_state_gradient_norms(
            model, np.zeros((4, 2, 2), np.float32), np.zeros((2, 1)), F.mse_loss, module="spare"
        )


# A fused layer: the recurrence runs inside the layer, with no per-step tensor to differentiate.
# Until chainrule.nn has RNN/LSTM/GRU, a stand-in with their parameter layout plays the part;
# its own forward must never run, because the diagnostic replaces it with the unrolled loop.
FUSED = {"RNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}


def fused_standin(kind, torch_layer):
    class Layer(nn.Module):
        def __init__(self):
            super().__init__()
            for name, value in torch_layer.state_dict().items():
                setattr(self, name, nn.Parameter(cr.tensor(value.numpy())))
            for attribute in ("input_size", "hidden_size", "num_layers", "bias", "batch_first", "bidirectional"):
                setattr(self, attribute, getattr(torch_layer, attribute))
            self.nonlinearity = getattr(torch_layer, "nonlinearity", "tanh")

        def forward(self, input, hx=None):
            raise AssertionError("the fused forward ran instead of the unrolled one")

    Layer.__name__ = kind
    return Layer()


class ReadLast(nn.Module):
    """A recurrent layer followed by a Linear head on its output at the last step."""

    def __init__(self, recurrent, width, batch_first):
        super().__init__()
        self.recurrent, self.head, self.batch_first = recurrent, nn.Linear(width, 1).double(), batch_first

    def forward(self, x):
        output, _ = self.recurrent(x)
        return self.head(output[:, -1] if self.batch_first else output[-1])


def torch_unrolled_hidden_norms(kind, torch_layer, head, x, y, layer, nonlinearity):
    """Reference: the same layer stepped in torch by hand (checked against torch's own fused
    forward), and the norm of dL/dh_t of layer ``layer`` for each t (both directions pooled)."""
    weights = dict(torch_layer.named_parameters())
    steps, hidden = x.shape[0], torch_layer.hidden_size
    directions = 2 if torch_layer.bidirectional else 1
    layer_input, watched = x, []
    for index in range(torch_layer.num_layers):
        outputs = []
        for direction in range(directions):
            suffix = f"_l{index}" + ("_reverse" if direction else "")
            h = torch.zeros(x.shape[1], hidden, dtype=torch.float64)
            c = torch.zeros_like(h)
            sequence = [None] * steps
            for t in reversed(range(steps)) if direction else range(steps):
                gx = layer_input[t] @ weights["weight_ih" + suffix].T + weights["bias_ih" + suffix]
                gh = h @ weights["weight_hh" + suffix].T + weights["bias_hh" + suffix]
                if kind == "RNN":
                    h = torch.relu(gx + gh) if nonlinearity == "relu" else torch.tanh(gx + gh)
                elif kind == "LSTM":
                    i, f, g, o = (gx + gh).chunk(4, dim=1)
                    c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                    h = torch.sigmoid(o) * torch.tanh(c)
                else:
                    (xr, xz, xn), (hr, hz, hn) = gx.chunk(3, dim=1), gh.chunk(3, dim=1)
                    r, z = torch.sigmoid(xr + hr), torch.sigmoid(xz + hz)
                    h = (1 - z) * torch.tanh(xn + r * hn) + z * h
                h.retain_grad()
                sequence[t] = h
            outputs.append(torch.stack(sequence))
            if index == layer:
                watched.append(sequence)
        layer_input = torch.cat(outputs, dim=2)
    with torch.no_grad():
        torch.testing.assert_close(layer_input, torch_layer(x)[0], rtol=1e-10, atol=1e-12)
    torch.nn.functional.mse_loss(head(layer_input[-1]), y).backward()
    return np.array([math.sqrt(sum(seq[t].grad.norm().item() ** 2 for seq in watched)) for t in range(steps)])


@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("RNN", {}),
        ("RNN", {"nonlinearity": "relu"}),
        ("LSTM", {}),
        ("GRU", {}),
        ("LSTM", {"num_layers": 2, "bidirectional": True}),
        ("GRU", {"num_layers": 2}),
    ],
)
@pytest.mark.parametrize("batch_first", [False, True])
def test_hidden_state_gradient_norms_of_a_fused_layer_match_torch_stepped_by_hand(kind, options, batch_first):
    torch.manual_seed(0)
    torch_layer = FUSED[kind](3, 4, dtype=torch.float64, **options)
    layer = options.get("num_layers", 1) - 1
    width = 4 * (2 if options.get("bidirectional") else 1)
    recurrent = fused_standin(kind, torch_layer)
    recurrent.batch_first = batch_first  # the torch reference stays time-first
    model = ReadLast(recurrent, width, batch_first)
    head = torch.nn.Linear(width, 1, dtype=torch.float64)
    head.load_state_dict({k: torch.from_numpy(v) for k, v in model.head.state_dict().items()})
    rng = np.random.default_rng(2)
    x, y = rng.standard_normal((7, 2, 3)), rng.standard_normal((2, 1))
    expected = torch_unrolled_hidden_norms(
        kind, torch_layer, head, torch.from_numpy(x), torch.from_numpy(y), layer, options.get("nonlinearity")
    )
    fed = x.transpose(1, 0, 2) if batch_first else x
    ours = diagnostics.hidden_state_gradient_norms(model, fed, y, F.mse_loss, batch_first=batch_first)
    np.testing.assert_allclose(ours, expected, rtol=1e-9)
    if options.get("num_layers") == 2:
        first = diagnostics.hidden_state_gradient_norms(model, fed, y, F.mse_loss, layer=0, batch_first=batch_first)
        torch_layer.zero_grad()
        expected_first = torch_unrolled_hidden_norms(
            kind, torch_layer, head, torch.from_numpy(x), torch.from_numpy(y), 0, None
        )
        np.testing.assert_allclose(first, expected_first, rtol=1e-9)
        with pytest.raises(IndexError, match="layer 2 is out of range for a .* with num_layers=2"):
            diagnostics.hidden_state_gradient_norms(model, fed, y, F.mse_loss, layer=2, batch_first=batch_first)
    assert "forward" not in model.recurrent.__dict__  # the fused forward is back
    assert all(p.grad is None for p in model.parameters())


@pytest.mark.parametrize("kind", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("batched", [True, False])
def test_unrolled_layer_is_the_fused_function_with_initial_states(kind, batched):
    torch.manual_seed(1)
    torch_layer = FUSED[kind](3, 4, num_layers=2, bidirectional=True, batch_first=True, dtype=torch.float64)
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 5, 3) if batched else (5, 3))
    state_shape = (4, 2, 4) if batched else (4, 4)
    h0, c0 = rng.standard_normal(state_shape), rng.standard_normal(state_shape)
    torch_state = (torch.from_numpy(h0), torch.from_numpy(c0)) if kind == "LSTM" else torch.from_numpy(h0)
    with torch.no_grad():
        expected_output, expected_state = torch_layer(torch.from_numpy(x), torch_state)
    recurrent = fused_standin(kind, torch_layer)
    state = (cr.tensor(h0), cr.tensor(c0)) if kind == "LSTM" else cr.tensor(h0)

    class WithState(nn.Module):
        def __init__(self):
            super().__init__()
            self.recurrent = recurrent

        def forward(self, x):
            return self.recurrent(x, state)

    seen = {}

    def loss_fn(output, target):
        seen["output"] = output
        return output.sum()

    model = WithState()
    norms = diagnostics.hidden_state_gradient_norms(model, x, None, loss_fn, layer=0, batch_first=True)
    np.testing.assert_allclose(seen["output"].detach().numpy(), expected_output.numpy(), rtol=1e-10, atol=1e-12)
    assert norms.shape == (5,) and (norms > 0).all()
    # The states come back too (read through the tuple the layer returns).
    captured = {}
    model.recurrent.register_forward_hook(lambda m, args, out: captured.setdefault("state", out[1]))
    diagnostics.hidden_state_gradient_norms(model, x, None, loss_fn, batch_first=True)
    for ours, theirs in zip(
        captured["state"] if kind == "LSTM" else [captured["state"]],
        expected_state if kind == "LSTM" else [expected_state],
    ):
        np.testing.assert_allclose(ours.detach().numpy(), theirs.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.skipif(not all(hasattr(nn, kind) for kind in FUSED), reason="chainrule.nn has no fused RNN/LSTM/GRU yet")
@pytest.mark.parametrize(
    ("kind", "options"),
    [
        ("RNN", {"num_layers": 2}),
        ("RNN", {"nonlinearity": "relu"}),
        ("LSTM", {"num_layers": 2}),
        ("LSTM", {"bidirectional": True}),
        ("GRU", {"num_layers": 2}),
    ],
)
def test_hidden_state_gradient_norms_of_chainrule_fused_layers_match_torch(kind, options):
    torch.manual_seed(2)
    torch_layer = FUSED[kind](3, 4, dtype=torch.float64, **options)
    layer = getattr(nn, kind)(3, 4, **options).double()
    layer.load_state_dict({k: cr.tensor(v.numpy()) for k, v in torch_layer.state_dict().items()})
    width = 8 if options.get("bidirectional") else 4
    model = ReadLast(layer, width, batch_first=False)
    head = torch.nn.Linear(width, 1, dtype=torch.float64)
    head.load_state_dict({k: torch.from_numpy(v) for k, v in model.head.state_dict().items()})
    rng = np.random.default_rng(4)
    x, y = rng.standard_normal((6, 2, 3)), rng.standard_normal((2, 1))
    top = options.get("num_layers", 1) - 1
    expected = torch_unrolled_hidden_norms(
        kind, torch_layer, head, torch.from_numpy(x), torch.from_numpy(y), top, options.get("nonlinearity")
    )
    np.testing.assert_allclose(diagnostics.hidden_state_gradient_norms(model, x, y, F.mse_loss), expected, rtol=1e-9)
    # The unrolled loop computes the fused layer's function: the same loss either way.
    fused_loss = F.mse_loss(model(cr.tensor(x)), cr.tensor(y)).item()
    seen = []
    diagnostics.hidden_state_gradient_norms(model, x, y, lambda out, t: seen.append(F.mse_loss(out, t)) or seen[-1])
    assert seen[0].item() == pytest.approx(fused_loss, rel=1e-12)


@pytest.mark.skipif(not hasattr(nn, "LSTMCell"), reason="chainrule.nn has no LSTMCell yet")
def test_hidden_state_gradient_norms_of_an_lstm_cell_loop_match_torch():
    torch.manual_seed(3)
    torch_cell = torch.nn.LSTMCell(3, 4, dtype=torch.float64)
    torch_head = torch.nn.Linear(4, 1, dtype=torch.float64)

    class CellLoop(nn.Module):
        def __init__(self):
            super().__init__()
            self.cell, self.head = nn.LSTMCell(3, 4).double(), nn.Linear(4, 1).double()

        def forward(self, x):
            state = None
            for x_t in x.unbind(0):
                state = self.cell(x_t, state)
            return self.head(state[0])

    model = CellLoop()
    model.cell.load_state_dict({k: cr.tensor(v.detach().numpy()) for k, v in torch_cell.state_dict().items()})
    model.head.load_state_dict({k: cr.tensor(v.detach().numpy()) for k, v in torch_head.state_dict().items()})
    rng = np.random.default_rng(5)
    x, y = rng.standard_normal((8, 2, 3)), rng.standard_normal((2, 1))
    hiddens, state = [], None
    for x_t in torch.from_numpy(x).unbind(0):
        state = torch_cell(x_t, state)
        state[0].retain_grad()
        hiddens.append(state[0])
    torch.nn.functional.mse_loss(torch_head(state[0]), torch.from_numpy(y)).backward()
    ours = diagnostics.hidden_state_gradient_norms(model, x, y, F.mse_loss, module="cell")
    np.testing.assert_allclose(ours, [h.grad.norm().item() for h in hiddens], rtol=1e-10)


# Packed sequences and LSTM projections. The reference runs each sequence of the batch on its
# own (batch of one, exactly its length) through torch's cells with the layer's weights, so it
# needs no notion of batch sizes; it is checked against torch's fused layer on the packed batch.
def torch_step(kind, torch_layer, suffix, nonlinearity, x_t, h, c):
    """One step of layer-direction ``suffix`` with torch's own cell (LSTMCell has no projection:
    with proj_size its equations are written out and h = (o * tanh c) W_hr^T)."""
    weights = {name: getattr(torch_layer, name + suffix) for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")}
    if kind == "LSTM" and torch_layer.proj_size:
        i, f, g, o = (x_t @ weights["weight_ih"].T + weights["bias_ih"] + h @ weights["weight_hh"].T
                      + weights["bias_hh"]).chunk(4, dim=1)  # fmt: skip
        c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
        return (torch.sigmoid(o) * torch.tanh(c)) @ getattr(torch_layer, "weight_hr" + suffix).T, c
    hidden = torch_layer.hidden_size
    if kind == "LSTM":
        cell = torch.nn.LSTMCell(x_t.shape[1], hidden, dtype=torch.float64)
    elif kind == "GRU":
        cell = torch.nn.GRUCell(x_t.shape[1], hidden, dtype=torch.float64)
    else:
        cell = torch.nn.RNNCell(x_t.shape[1], hidden, nonlinearity=nonlinearity or "tanh", dtype=torch.float64)
    for name, value in weights.items():  # the layer's parameters themselves, not copies
        delattr(cell, name)
        setattr(cell, name, value)
    if kind == "LSTM":
        return cell(x_t, (h, c))
    return cell(x_t, h), None


def torch_sequence_by_sequence(kind, torch_layer, x, lengths, h0, c0, layer, nonlinearity):
    """Per sequence b: (outputs (L_b, D*W), final h (L*D, W), the watched layer's h_t of each
    direction, retain_grad'ed: watched[b][t] = [h_t fwd(, h_t bwd)])."""
    directions = 2 if torch_layer.bidirectional else 1
    outputs, finals, watched = [], [], []
    for b, length in enumerate(lengths):
        layer_input = x[:length, b : b + 1]  # (L_b, 1, F)
        final, seen = [], [[] for _ in range(length)]
        for index in range(torch_layer.num_layers):
            per_direction = []
            for direction in range(directions):
                suffix = f"_l{index}" + ("_reverse" if direction else "")
                slot = index * directions + direction
                h, c = h0[slot, b : b + 1], c0[slot, b : b + 1]
                sequence = [None] * length
                for t in reversed(range(length)) if direction else range(length):
                    h, c = torch_step(kind, torch_layer, suffix, nonlinearity, layer_input[t], h, c)
                    h.retain_grad()
                    sequence[t] = h
                    if index == layer:
                        seen[t].append(h)
                per_direction.append(torch.cat(sequence))  # (L_b, W)
                final.append(h[0])
            layer_input = torch.cat(per_direction, dim=1).unsqueeze(1)  # (L_b, 1, D*W)
        outputs.append(layer_input[:, 0])
        finals.append(torch.stack(final))
        watched.append(seen)
    return outputs, finals, watched


class ReadPackedOrPadded(nn.Module):
    """A fused layer on padded or packed input (or on padded input it packs itself); a head reads
    the top layer's final states and the sum of the outputs over each sequence's steps."""

    def __init__(self, recurrent, hx=None, pack_lengths=None):
        super().__init__()
        directions = 2 if recurrent.bidirectional else 1
        width = (recurrent.proj_size or recurrent.hidden_size) * directions
        self.recurrent, self.head = recurrent, nn.Linear(2 * width, 1).double()
        self.hx, self.pack_lengths, self.directions = hx, pack_lengths, directions

    def forward(self, x):
        if self.pack_lengths is not None:
            x = nn.utils.rnn.pack_padded_sequence(x, self.pack_lengths, enforce_sorted=False)
        output, state = self.recurrent(x, self.hx)
        h_n = state[0] if isinstance(state, tuple) else state
        if isinstance(output, nn.utils.rnn.PackedSequence):
            output, _ = nn.utils.rnn.pad_packed_sequence(output)  # (T, B, D*W), zeros past each end
        last = F.cat(list(h_n[-self.directions :]), dim=1)  # (B, D*W)
        return self.head(F.cat([last, output.sum(0)], dim=1))


PACKED_CASES = [
    ("LSTM", {}, "packed", [6, 4, 4, 1], False),
    ("LSTM", {"num_layers": 2, "bidirectional": True}, "packed", [3, 6, 1, 4], True),
    ("LSTM", {"proj_size": 2}, "padded", [6, 6, 6, 6], True),
    ("LSTM", {"proj_size": 2, "bidirectional": True}, "padded", [6, 6, 6, 6], False),
    ("LSTM", {"proj_size": 2, "num_layers": 2, "bidirectional": True}, "packed", [2, 6, 5, 5], True),
    ("LSTM", {"proj_size": 3, "num_layers": 2}, "packs_inside", [4, 1, 6, 2], False),
    ("GRU", {"bidirectional": True}, "packed", [5, 6, 2, 2], True),
    ("GRU", {"num_layers": 2}, "packs_inside", [6, 3, 3, 1], True),
    ("RNN", {"num_layers": 2}, "packed", [6, 5, 3, 1], True),
    ("RNN", {"nonlinearity": "relu", "bidirectional": True}, "packed", [1, 6, 2, 4], False),
]


@pytest.mark.parametrize(
    ("kind", "options", "feed", "lengths", "with_state"),
    PACKED_CASES,
    ids=[f"{k}-{'-'.join(f'{a}={v}' for a, v in o.items())}-{f}-{s}" for k, o, f, _, s in PACKED_CASES],
)
def test_hidden_state_gradient_norms_of_packed_and_projected_layers_match_torch_cells(
    kind, options, feed, lengths, with_state
):
    torch.manual_seed(5)
    hidden, features, steps, batch = 4, 3, max(lengths), len(lengths)
    torch_layer = FUSED[kind](features, hidden, dtype=torch.float64, **options)
    layer = getattr(nn, kind)(features, hidden, **options).double()
    layer.load_state_dict({k: cr.tensor(v.detach().numpy()) for k, v in torch_layer.state_dict().items()})
    directions, layers = 2 if options.get("bidirectional") else 1, options.get("num_layers", 1)
    width = options.get("proj_size") or hidden
    rng = np.random.default_rng(6)
    x = rng.standard_normal((steps, batch, features))
    h0 = rng.standard_normal((layers * directions, batch, width)) if with_state else None
    c0 = rng.standard_normal((layers * directions, batch, hidden)) if with_state and kind == "LSTM" else None
    y = rng.standard_normal((batch, 1))
    hx = None if h0 is None else ((cr.tensor(h0), cr.tensor(c0)) if kind == "LSTM" else cr.tensor(h0))
    model = ReadPackedOrPadded(layer, hx, pack_lengths=lengths if feed == "packs_inside" else None)
    inputs = nn.utils.rnn.pack_padded_sequence(cr.tensor(x), lengths, enforce_sorted=False) if feed == "packed" else x
    head = torch.nn.Linear(2 * width * directions, 1, dtype=torch.float64)
    head.load_state_dict({k: torch.from_numpy(v) for k, v in model.head.state_dict().items()})

    def reference(watched_layer):
        torch_layer.zero_grad()
        zeros = np.zeros((layers * directions, batch, width))
        th0 = torch.from_numpy(h0 if h0 is not None else zeros)
        tc0 = torch.from_numpy(c0 if c0 is not None else np.zeros((layers * directions, batch, hidden)))
        tx = torch.from_numpy(x)
        outputs, finals, watched = torch_sequence_by_sequence(
            kind, torch_layer, tx, lengths, th0, tc0, watched_layer, options.get("nonlinearity")
        )
        with torch.no_grad():  # the reference is torch's own fused layer, sequence by sequence
            packed = torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, enforce_sorted=False)
            fused_out, fused_state = torch_layer(packed, (th0, tc0) if kind == "LSTM" else th0)
            fused_out, _ = torch.nn.utils.rnn.pad_packed_sequence(fused_out)
            fused_h = fused_state[0] if kind == "LSTM" else fused_state
            for b, length in enumerate(lengths):
                torch.testing.assert_close(outputs[b], fused_out[:length, b], rtol=1e-10, atol=1e-12)
                torch.testing.assert_close(finals[b], fused_h[:, b], rtol=1e-10, atol=1e-12)
        last = torch.stack([f[-directions:].reshape(-1) for f in finals])  # (B, D*W)
        summed = torch.stack([o.sum(0) for o in outputs])  # (B, D*W)
        torch.nn.functional.mse_loss(head(torch.cat([last, summed], dim=1)), torch.from_numpy(y)).backward()
        return np.array(
            [
                math.sqrt(sum(h.grad.norm().item() ** 2 for seen in watched if t < len(seen) for h in seen[t]))
                for t in range(steps)
            ]
        )

    ours = diagnostics.hidden_state_gradient_norms(model, inputs, y, F.mse_loss)
    assert ours.shape == (steps,) and ours.dtype == np.float64
    np.testing.assert_allclose(ours, reference(layers - 1), rtol=1e-9)
    if layers == 2:
        first = diagnostics.hidden_state_gradient_norms(model, inputs, y, F.mse_loss, layer=0)
        np.testing.assert_allclose(first, reference(0), rtol=1e-9)
    # The unrolled loop is the fused layer's function: the same loss either way.
    fused = F.mse_loss(model(inputs if feed == "packed" else cr.tensor(x)), cr.tensor(y)).item()
    seen = []
    diagnostics.hidden_state_gradient_norms(
        model, inputs, y, lambda out, t: seen.append(F.mse_loss(out, t)) or seen[-1]
    )
    assert seen[0].item() == pytest.approx(fused, rel=1e-12)
    assert "forward" not in layer.__dict__ and all(p.grad is None for p in model.parameters())


def test_hidden_state_gradient_norms_of_a_packed_sequence_leave_the_caller_data_alone():
    layer = nn.GRU(2, 3).double()
    data = cr.tensor(np.random.default_rng(7).standard_normal((4, 3, 2)))
    packed = nn.utils.rnn.pack_padded_sequence(data, [4, 2, 1])

    def loss_fn(output, target):
        return output.data.square().sum()  # a bare layer: the first element of its (output, h_n)

    norms = diagnostics.hidden_state_gradient_norms(layer, packed, None, loss_fn)
    assert norms.shape == (4,) and (norms > 0).all()
    assert not packed.data.requires_grad and packed.data.grad is None
    with pytest.raises(TypeError, match="hidden_state_gradient_norms: a packed input must hold floating-point"):
        ints = nn.utils.rnn.pack_padded_sequence(cr.tensor(np.zeros((4, 3, 2), np.int64)), [4, 2, 1])
        diagnostics.hidden_state_gradient_norms(layer, ints, None, loss_fn)


@pytest.mark.parametrize("enforce_sorted", [True, False])
def test_time_step_gradient_norms_of_a_packed_sequence_match_torch(enforce_sorted):
    torch.manual_seed(8)
    torch_layer = torch.nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2, dtype=torch.float64)
    layer = nn.LSTM(3, 4, num_layers=2, bidirectional=True, proj_size=2).double()
    layer.load_state_dict({k: cr.tensor(v.detach().numpy()) for k, v in torch_layer.state_dict().items()})
    lengths = [6, 4, 4, 1] if enforce_sorted else [4, 1, 6, 4]
    x = np.random.default_rng(9).standard_normal((6, 4, 3))
    weights = np.random.default_rng(10).standard_normal((sum(lengths), 4))

    def loss_fn(output, target):  # a bare layer: (PackedSequence, state) -> its packed output
        return (output.data * cr.tensor(weights)).sum()

    packed = nn.utils.rnn.pack_padded_sequence(cr.tensor(x), lengths, enforce_sorted=enforce_sorted)
    ours = diagnostics.time_step_gradient_norms(layer, packed, None, loss_fn)
    tx = torch.from_numpy(x).requires_grad_()
    output, _ = torch_layer(torch.nn.utils.rnn.pack_padded_sequence(tx, lengths, enforce_sorted=enforce_sorted))
    (output.data * torch.from_numpy(weights)).sum().backward()
    assert ours.shape == (6,)
    np.testing.assert_allclose(ours, tx.grad.norm(dim=(1, 2)).numpy(), rtol=1e-10)  # padding: zero gradient
    assert packed.data.grad is None and all(p.grad is None for p in layer.parameters())


def test_a_model_returning_a_packed_sequence_hands_it_to_the_loss_whole():
    layer = nn.RNN(2, 3).double()

    def model(packed):
        return layer(packed)[0]  # a PackedSequence: a namedtuple, yet the output itself

    def loss_fn(output, target):
        assert isinstance(output, nn.utils.rnn.PackedSequence)
        return output.data.sum()

    packed = nn.utils.rnn.pack_sequence([cr.tensor(np.ones((3, 2))), cr.tensor(np.ones((2, 2)))])
    norms = diagnostics.time_step_gradient_norms(model, packed, None, loss_fn)
    assert norms.shape == (3,) and (norms > 0).all()
