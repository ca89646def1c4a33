"""l1_penalty / l2_penalty (values and (sub)gradients against torch) and the weight-decay
parameter split (every parameter in exactly one group; biases and norm weights exempt)."""

import numpy as np
import pytest
import torch

import chainrule as cr
import chainrule.nn as nn
from chainrule.nn import regularization


def params_with_zero(dtype=np.float64):
    w = np.array([[0.5, -2.0, 0.0], [1.5, -0.1, 3.0]], dtype=dtype)  # includes an exact 0
    b = np.array([-1.0, 0.25], dtype=dtype)
    return w, b


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_l2_penalty_value_and_gradient_match_torch(dtype):
    w, b = params_with_zero(dtype)
    ours = [nn.Parameter(cr.tensor(w)), nn.Parameter(cr.tensor(b))]
    theirs = [torch.tensor(w, requires_grad=True), torch.tensor(b, requires_grad=True)]
    penalty = nn.l2_penalty(ours)
    t_penalty = sum((t**2).sum() for t in theirs)
    np.testing.assert_allclose(penalty.item(), t_penalty.item(), rtol=1e-6)
    assert penalty.dtype == dtype
    (0.3 * penalty).backward()
    (0.3 * t_penalty).backward()
    for o, t in zip(ours, theirs):
        np.testing.assert_allclose(o.grad.detach().numpy(), t.grad.numpy(), rtol=1e-6)
        np.testing.assert_allclose(o.grad.detach().numpy(), 0.6 * o.detach().numpy(), rtol=1e-6)


@pytest.mark.parametrize("lam", [1.0, 0.01])
def test_l1_penalty_gradient_is_lambda_sign(lam):
    w, b = params_with_zero()
    ours = [nn.Parameter(cr.tensor(w)), nn.Parameter(cr.tensor(b))]
    penalty = nn.l1_penalty(ours)
    assert penalty.item() == pytest.approx(np.abs(w).sum() + np.abs(b).sum())
    (lam * penalty).backward()
    for o in ours:
        np.testing.assert_array_equal(o.grad.detach().numpy(), lam * np.sign(o.detach().numpy()))
    assert ours[0].grad.detach().numpy()[0, 2] == 0  # subgradient 0 at w = 0, as torch's abs
    t = torch.tensor(w, requires_grad=True)
    (lam * t.abs().sum()).backward()
    np.testing.assert_array_equal(ours[0].grad.detach().numpy(), t.grad.numpy())


def test_penalties_accept_modules_and_single_tensors():
    model = nn.Sequential(nn.Linear(3, 2), nn.Linear(2, 1))
    expected = sum(float((p.detach().numpy().astype(np.float64) ** 2).sum()) for p in model.parameters())
    assert nn.l2_penalty(model).item() == pytest.approx(expected, rel=1e-5)
    p = nn.Parameter(cr.tensor([-2.0, 3.0]))
    assert nn.l1_penalty(p).item() == 5.0
    assert nn.l2_penalty([]).item() == 0.0
    with pytest.raises(TypeError, match="iterable of Tensors"):
        nn.l1_penalty([np.ones(2)])


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(10, 4)
        self.fc1 = nn.Linear(4, 8)
        self.bn = nn.BatchNorm1d(8)
        self.fc2 = nn.Linear(8, 8, bias=False)
        self.ln = nn.LayerNorm(8)
        self.head = self.fc2  # shared module: its weight must still be counted once
        self.scale = nn.Parameter(cr.ones(1, 8))


def test_weight_decay_split_covers_every_parameter_once():
    model = Net()
    decay_group, no_decay_group = nn.param_groups_weight_decay(model, weight_decay=0.05)
    assert decay_group["weight_decay"] == 0.05 and no_decay_group["weight_decay"] == 0.0
    names = {id(p): n for n, p in model.named_parameters()}
    decay = [names[id(p)] for p in decay_group["params"]]
    no_decay = [names[id(p)] for p in no_decay_group["params"]]
    assert decay == ["scale", "emb.weight", "fc1.weight", "fc2.weight"]  # own parameters first, as torch
    assert no_decay == ["fc1.bias", "bn.weight", "bn.bias", "ln.weight", "ln.bias"]
    ids = [id(p) for p in decay_group["params"] + no_decay_group["params"]]
    assert sorted(ids) == sorted(id(p) for p in model.parameters()) and len(ids) == len(set(ids))


def test_weight_decay_split_extra_exclusions_and_consistency_check():
    model = Net()
    decay_group, no_decay_group = nn.param_groups_weight_decay(model, 0.1, no_weight_decay_list=("scale",))
    assert all(p is not model.scale for p in decay_group["params"])
    assert any(p is model.scale for p in no_decay_group["params"])

    class Duplicating(Net):
        def named_parameters(self, *args, **kwargs):  # a broken traversal that yields one twice
            items = list(super().named_parameters(*args, **kwargs))
            return iter(items + items[:1])

    with pytest.raises(RuntimeError, match="exactly one group"):
        regularization.param_groups_weight_decay(Duplicating(), 0.1)
    with pytest.raises(TypeError, match="Module"):
        regularization.param_groups_weight_decay([cr.ones(2)], 0.1)
