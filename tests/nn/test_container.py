"""Sequential, ModuleList and ModuleDict: indexing, slicing, editing with positional renumbering,
registration of their members and reprs — checked against PyTorch's containers."""

import pytest
import torch.nn as tnn

import chainrule as cr
import chainrule.nn as nn


def test_container_repr_matches_torch():
    lst = nn.ModuleList([nn.Linear(2, 3), nn.Linear(2, 3), nn.ReLU(), nn.Linear(2, 3), nn.Dropout(0.1)])
    t_lst = tnn.ModuleList([tnn.Linear(2, 3), tnn.Linear(2, 3), tnn.ReLU(), tnn.Linear(2, 3), tnn.Dropout(0.1)])
    assert repr(lst) == repr(t_lst)
    assert repr(nn.ModuleList()) == repr(tnn.ModuleList())
    d = nn.ModuleDict({"enc": nn.Sequential(nn.Linear(1, 2)), "act": nn.GELU()})
    t_d = tnn.ModuleDict({"enc": tnn.Sequential(tnn.Linear(1, 2)), "act": tnn.GELU()})
    assert repr(d) == repr(t_d)


def test_sequential_indexing_slicing_and_editing():
    seq = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(seq) == 3 and isinstance(seq[-1], nn.Linear) and seq[1] is list(seq)[1]
    head = seq[:2]
    assert isinstance(head, nn.Sequential) and list(head._modules) == ["0", "1"] and head[0] is seq[0]
    assert seq(cr.randn(4, 2)).shape == (4, 1)
    seq.append(nn.Sigmoid())
    assert list(seq._modules) == ["0", "1", "2", "3"]
    del seq[1]
    assert list(seq._modules) == ["0", "1", "2"] and isinstance(seq[1], nn.Linear)
    seq.insert(1, nn.Tanh())
    assert [type(m).__name__ for m in seq] == ["Linear", "Tanh", "Linear", "Sigmoid"]
    seq[1] = nn.ReLU()
    assert isinstance(seq[1], nn.ReLU)
    with pytest.raises(IndexError, match="out of range"):
        seq[4]
    named = nn.Sequential({"enc": nn.Linear(2, 2), "act": nn.ReLU()})
    assert [n for n, _ in named.named_parameters()] == ["enc.weight", "enc.bias"]
    with pytest.raises(TypeError, match="not a Module subclass"):
        nn.Sequential(nn.ReLU(), 3)


def test_module_list_and_dict_register_their_members():
    layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    assert len(list(layers.parameters())) == 6
    layers.append(nn.Linear(2, 1))
    layers += [nn.ReLU()]
    assert len(layers) == 5 and isinstance(layers[-1], nn.ReLU)
    assert isinstance(layers[1:3], nn.ModuleList) and len(layers[1:3]) == 2
    del layers[0]
    assert list(layers._modules) == ["0", "1", "2", "3"]
    layers.insert(0, nn.Tanh())
    assert isinstance(layers[0], nn.Tanh) and list(layers._modules) == ["0", "1", "2", "3", "4"]
    assert isinstance(layers.pop(0), nn.Tanh) and len(layers) == 4
    with pytest.raises(TypeError, match="not a Module subclass"):
        layers.insert(1, 3)
    assert len(layers) == 4 and list(layers._modules) == ["0", "1", "2", "3"]
    with pytest.raises(NotImplementedError):
        layers(cr.ones(1))
    with pytest.raises(TypeError, match="iterable"):
        layers.extend(nn.ReLU())
    heads = nn.ModuleDict({"a": nn.Linear(2, 1)})
    heads["b"] = nn.Linear(2, 3)
    assert list(heads) == ["a", "b"] and "b" in heads and len(heads) == 2
    assert [n for n, _ in heads.named_parameters()] == ["a.weight", "a.bias", "b.weight", "b.bias"]
    assert isinstance(heads.pop("a"), nn.Linear) and list(heads.keys()) == ["b"]
