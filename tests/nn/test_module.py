"""Module and Parameter: registration, traversal, modes, state_dict, hooks, repr, dtype casting —
checked against PyTorch's behaviour on the same architectures (the containers themselves are
tested in test_container.py)."""

import copy

import numpy as np
import pytest
import torch
import torch.nn as tnn

import chainrule as cr
import chainrule.nn as nn


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(3, 4)
        self.bn = nn.BatchNorm1d(4)
        self.act = nn.ReLU()
        self.register_buffer("scale", cr.ones(4))
        self.register_buffer("cache", cr.zeros(2), persistent=False)

    def forward(self, x):
        return self.act(self.bn(self.fc(x))) * self.scale


class TorchBlock(tnn.Module):
    def __init__(self):
        super().__init__()
        self.fc = tnn.Linear(3, 4)
        self.bn = tnn.BatchNorm1d(4)
        self.act = tnn.ReLU()
        self.register_buffer("scale", torch.ones(4))
        self.register_buffer("cache", torch.zeros(2), persistent=False)

    def forward(self, x):
        return self.act(self.bn(self.fc(x))) * self.scale


def make_pair():
    ours = nn.Sequential(Block(), nn.Linear(4, 2), nn.Sequential(nn.Tanh(), nn.LayerNorm(2)))
    theirs = tnn.Sequential(TorchBlock(), tnn.Linear(4, 2), tnn.Sequential(tnn.Tanh(), tnn.LayerNorm(2)))
    return ours, theirs


# ---------------------------------------------------------------- Parameter
def test_parameter_is_a_leaf_tensor_sharing_memory():
    array = np.arange(3.0, dtype=np.float32)
    p = nn.Parameter(array)
    assert isinstance(p, cr.Tensor) and p.requires_grad and p.is_leaf
    assert p.detach().numpy() is array
    assert not nn.Parameter(cr.ones(2), requires_grad=False).requires_grad
    assert repr(p).startswith("Parameter containing:\ntensor([0., 1., 2.], requires_grad=True)")
    assert nn.Parameter().shape == (0,)
    with pytest.raises(RuntimeError, match="floating point"):
        nn.Parameter(cr.tensor([1, 2]))
    (p * 2).sum().backward()
    np.testing.assert_array_equal(p.grad.detach().numpy(), [2, 2, 2])


# ---------------------------------------------------------------- registration and traversal
def test_named_parameters_buffers_modules_match_torch():
    ours, theirs = make_pair()
    assert [n for n, _ in ours.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [type(m).__name__ for m in ours.modules()] == [
        type(m).__name__.replace("TorchBlock", "Block") for m in theirs.modules()
    ]
    assert len(list(ours.parameters())) == len(list(theirs.parameters())) == 8
    assert [n for n, _ in ours[0].named_parameters(recurse=False)] == []
    assert [n for n, _ in ours[0].named_buffers(recurse=False)] == ["scale", "cache"]
    assert [n for n, _ in ours.named_parameters(prefix="model")][0] == "model.0.fc.weight"


def test_shared_parameters_and_modules_are_yielded_once():
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    t_shared = tnn.Linear(2, 2)
    t_model = tnn.Sequential(t_shared, tnn.ReLU(), t_shared)
    assert (
        [n for n, _ in model.named_parameters()] == [n for n, _ in t_model.named_parameters()] == ["0.weight", "0.bias"]
    )
    assert len(list(model.modules())) == len(list(t_model.modules())) == 3
    assert len(list(model.named_modules(remove_duplicate=False))) == 4
    assert list(model.state_dict()) == list(t_model.state_dict())  # state_dict keeps every path


def test_setattr_registers_and_rejects_wrong_types():
    m = nn.Module()
    m.w = nn.Parameter(cr.ones(2))
    m.child = nn.Linear(1, 1)
    m.plain = cr.ones(2)  # a plain tensor attribute is not registered (as in torch)
    assert list(m._parameters) == ["w"] and list(m._modules) == ["child"] and "plain" not in m._buffers
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'w'"):
        m.w = cr.ones(2)
    m.w = None
    assert list(m.parameters()) == list(m.child.parameters())
    with pytest.raises(TypeError, match="child module"):
        m.child = 3
    m.register_buffer("buf", cr.zeros(1))
    with pytest.raises(TypeError, match="buffer 'buf'"):
        m.buf = np.zeros(1)
    with pytest.raises(KeyError, match="contain"):
        m.register_parameter("a.b", None)
    with pytest.raises(KeyError, match="already exists"):
        m.register_buffer("plain", cr.ones(1))
    with pytest.raises(TypeError, match="Parameter or None"):
        m.register_parameter("q", cr.ones(1))
    del m.child
    assert not hasattr(m, "child") and list(m.children()) == []
    with pytest.raises(AttributeError, match="no attribute 'missing'"):
        m.missing  # noqa: B018


def test_assigning_before_init_raises():
    class Broken(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(cr.ones(1))

    with pytest.raises(AttributeError, match="before Module.__init__"):
        Broken()


def test_reassigning_a_name_moves_it_between_registries():
    m = nn.Module()
    m.register_buffer("x", cr.ones(1))
    m.x = nn.Parameter(cr.ones(1))
    assert "x" in m._parameters and "x" not in m._buffers


def test_get_submodule_and_missing_forward():
    ours, _ = make_pair()
    assert ours.get_submodule("0.bn") is ours[0].bn
    assert ours.get_submodule("") is ours
    with pytest.raises(AttributeError, match="no submodule"):
        ours.get_submodule("0.nope")
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(1)


# ---------------------------------------------------------------- modes and gradients
def test_train_eval_propagate():
    ours, _ = make_pair()
    assert ours.eval() is ours
    assert all(not m.training for m in ours.modules())
    ours[2].train()
    assert ours[2][1].training and not ours[0].training
    assert ours.train() is ours and all(m.training for m in ours.modules())
    with pytest.raises(ValueError, match="bool"):
        ours.train("yes")


def test_zero_grad_and_requires_grad():
    model = nn.Linear(3, 2)
    model(cr.randn(4, 3)).sum().backward()
    held = model.weight.grad
    model.zero_grad(set_to_none=False)
    assert model.weight.grad is held and not held.detach().numpy().any()
    model.zero_grad()
    assert model.weight.grad is None and model.bias.grad is None
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())
    assert not model(cr.randn(4, 3)).requires_grad


def test_apply_visits_children_before_parent_like_torch():
    ours, theirs = make_pair()
    seen, t_seen = [], []
    assert ours.apply(lambda m: seen.append(type(m).__name__)) is ours
    theirs.apply(lambda m: t_seen.append(type(m).__name__))
    assert seen == [name.replace("TorchBlock", "Block") for name in t_seen]

    def init_linear(m):
        if isinstance(m, nn.Linear):
            nn.init.zeros_(m.weight)

    ours.apply(init_linear)
    assert not ours[1].weight.detach().numpy().any() and not ours[0].fc.weight.detach().numpy().any()


# ---------------------------------------------------------------- dtype
def test_double_and_float_cast_in_place_keeping_parameter_identity():
    ours, _ = make_pair()
    weight = ours[1].weight
    ours(cr.randn(5, 3)).sum().backward()
    assert ours.double() is ours
    assert ours[1].weight is weight and weight.dtype == np.float64 and weight.grad.dtype == np.float64
    assert ours[0].bn.running_mean.dtype == np.float64
    assert ours[0].bn.num_batches_tracked.dtype == np.int64
    out = ours(cr.randn(5, 3, dtype=cr.float64))
    assert out.dtype == np.float64
    ours.float()
    assert weight.dtype == np.float32 and ours.to(cr.float64) is ours and weight.dtype == np.float64
    with pytest.raises(ValueError, match="cpu"):
        ours.to("cuda")


# ---------------------------------------------------------------- state dict
def test_state_dict_keys_match_torch_and_values_are_copies():
    ours, theirs = make_pair()
    sd = ours.state_dict()
    assert list(sd) == list(theirs.state_dict())
    assert "0.cache" not in sd  # non-persistent buffer
    assert all(isinstance(v, np.ndarray) for v in sd.values())
    assert sd["0.bn.num_batches_tracked"].dtype == np.int64 and sd["0.bn.num_batches_tracked"].shape == ()
    before = sd["1.weight"].copy()
    ours[1].weight.data += 1
    np.testing.assert_array_equal(sd["1.weight"], before)
    kept = ours.state_dict(keep_vars=True)
    assert kept["1.weight"] is ours[1].weight


def test_load_torch_state_dict_gives_torch_outputs():
    ours, theirs = make_pair()
    ours.double()
    theirs.double()
    with torch.no_grad():
        theirs[0].bn.running_mean.uniform_(-1, 1)
        theirs[0].bn.running_var.uniform_(0.5, 2)
        theirs[2][1].weight.uniform_(0.5, 2)
    result = ours.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    assert result == ([], []) and result.missing_keys == [] and result.unexpected_keys == []
    ours.eval()
    theirs.eval()
    x = np.random.default_rng(0).standard_normal((6, 3))
    np.testing.assert_allclose(ours(cr.tensor(x)).detach().numpy(), theirs(torch.tensor(x)).detach().numpy(), rtol=1e-9)


def test_state_dict_round_trip_accepts_arrays_and_tensors():
    a, _ = make_pair()
    b, _ = make_pair()
    a(cr.randn(4, 3))  # moves a's running stats and num_batches_tracked
    b.load_state_dict({k: cr.tensor(v) for k, v in a.state_dict().items()})
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items()):
        assert ka == kb and va.dtype == vb.dtype
        np.testing.assert_array_equal(va, vb)
    assert int(b[0].bn.num_batches_tracked.item()) == 1
    b.load_state_dict(a.state_dict())
    a[1].weight.detach().numpy()[...] = 7  # the loaded values are copies, not views of a's arrays
    assert not (b[1].weight.detach().numpy() == 7).any()


def test_strict_load_lists_missing_unexpected_and_mismatched_keys():
    ours, _ = make_pair()
    sd = ours.state_dict()
    before = {k: v.copy() for k, v in sd.items()}
    del sd["0.fc.bias"]
    sd["extra.weight"] = np.zeros(3)
    sd["1.weight"] = np.zeros((5, 5), dtype=np.float32)
    sd["2.1.weight"] = sd["2.1.weight"] + 1
    with pytest.raises(RuntimeError) as info:
        ours.load_state_dict(sd)
    message = str(info.value)
    assert 'Missing key(s) in state_dict: "0.fc.bias"' in message
    assert 'Unexpected key(s) in state_dict: "extra.weight"' in message
    assert "size mismatch for 1.weight: copying a param with shape (5, 5)" in message
    assert "current model is (2, 4)" in message
    # Nothing was copied: the failed load left the module as it was.
    for k, v in ours.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    with pytest.raises(RuntimeError, match="size mismatch") as info:
        ours.load_state_dict(sd, strict=False)
    assert "Missing" not in str(info.value)
    sd["1.weight"] = before["1.weight"]
    result = ours.load_state_dict(sd, strict=False)
    assert result.missing_keys == ["0.fc.bias"] and result.unexpected_keys == ["extra.weight"]
    np.testing.assert_array_equal(ours[2][1].weight.detach().numpy(), before["2.1.weight"] + 1)


def test_torch_reports_the_same_bad_keys():
    ours, theirs = make_pair()
    sd = ours.state_dict()
    del sd["0.bn.running_var"]
    sd["3.weight"] = np.zeros(1)
    ours_result = ours.load_state_dict(sd, strict=False)
    theirs_result = theirs.load_state_dict({k: torch.tensor(v) for k, v in sd.items()}, strict=False)
    assert ours_result.missing_keys == theirs_result.missing_keys
    assert ours_result.unexpected_keys == theirs_result.unexpected_keys


# ---------------------------------------------------------------- hooks
def test_forward_hooks_modify_and_remove():
    layer = nn.Linear(2, 2)
    calls = []
    pre = layer.register_forward_pre_hook(lambda m, args: (args[0] * 0,))
    post = layer.register_forward_hook(lambda m, args, out: calls.append((m, args[0].shape)) or out + 1)
    out = layer(cr.ones(3, 2))
    np.testing.assert_allclose(
        out.detach().numpy(), np.broadcast_to(layer.bias.detach().numpy() + 1, (3, 2)), rtol=1e-6
    )
    assert calls == [(layer, (3, 2))]
    pre.remove()
    post.remove()
    pre.remove()  # removing twice is harmless
    np.testing.assert_allclose(
        layer(cr.ones(1, 2)).detach().numpy(), (cr.ones(1, 2) @ layer.weight.T + layer.bias).detach().numpy()
    )
    assert len(calls) == 1


def test_hook_order_prepend_and_context_manager():
    layer = nn.Identity()
    order = []
    layer.register_forward_hook(lambda m, a, o: order.append("first"))
    layer.register_forward_hook(lambda m, a, o: order.append("zeroth"), prepend=True)
    with layer.register_forward_pre_hook(lambda m, a: order.append("pre")):
        layer(cr.ones(1))
    layer(cr.ones(1))
    assert order == ["pre", "zeroth", "first", "zeroth", "first"]
    layer.register_forward_pre_hook(lambda m, a: cr.zeros(2))  # a non-tuple result becomes the one argument
    assert layer(cr.ones(1)).shape == (2,)


# ---------------------------------------------------------------- repr
def test_repr_matches_torch():
    ours, theirs = make_pair()
    assert repr(ours) == repr(theirs).replace("TorchBlock", "Block")


# ---------------------------------------------------------------- copying
def test_deepcopy_gives_independent_parameters():
    ours, _ = make_pair()
    clone = copy.deepcopy(ours)
    assert isinstance(clone[1].weight, nn.Parameter)
    clone[1].weight.data += 1
    assert not np.allclose(clone[1].weight.detach().numpy(), ours[1].weight.detach().numpy())
    assert [n for n, _ in clone.named_parameters()] == [n for n, _ in ours.named_parameters()]
