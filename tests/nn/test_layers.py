"""Linear, Embedding, Dropout, Identity and Flatten against their PyTorch twins: same weights, same
input; outputs, input gradients and parameter gradients."""

import numpy as np
import pytest
import torch
import torch.nn as tnn

import chainrule as cr
import chainrule.nn as nn

DTYPES = [np.float64, np.float32]


def randn(*shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def as_dtype(module, dtype):
    return module.double() if dtype == np.float64 else module.float()


# ---------------------------------------------------------------- Linear
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3), (3,)])
def test_linear_matches_torch(twin, dtype, bias, shape):
    ours, theirs = as_dtype(nn.Linear(3, 4, bias=bias), dtype), as_dtype(tnn.Linear(3, 4, bias=bias), dtype)
    twin(ours, theirs, randn(*shape, dtype=dtype, seed=1))


def test_linear_layout_init_and_errors():
    layer = nn.Linear(3, 4)
    assert layer.weight.shape == (4, 3) and layer.bias.shape == (4,) and layer.weight.dtype == np.float32
    assert nn.Linear(3, 4, bias=False).bias is None
    assert [n for n, _ in layer.named_parameters()] == ["weight", "bias"]
    assert nn.Linear(2, 2, dtype=cr.float64).weight.dtype == np.float64
    with pytest.raises(ValueError, match=r"in_features=3"):
        layer(cr.randn(2, 4))


def test_linear_init_bounds_follow_torch():
    # kaiming_uniform_(a=sqrt(5)) gives U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias.
    fan_in = 400
    layer = nn.Linear(fan_in, 300)
    bound = 1 / np.sqrt(fan_in)
    w = layer.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    np.testing.assert_allclose(w.std(), bound / np.sqrt(3), rtol=0.02)
    np.testing.assert_allclose(w.std(), tnn.Linear(fan_in, 300).weight.detach().numpy().std(), rtol=0.03)
    assert np.abs(layer.bias.detach().numpy()).max() <= bound
    big_bias = nn.Linear(4, 20000).bias.detach().numpy()
    assert np.abs(big_bias).max() <= 0.5 and np.abs(big_bias).max() > 0.499


def test_linear_init_is_seeded():
    cr.manual_seed(3)
    a = nn.Linear(3, 3).weight.detach().numpy().copy()
    cr.manual_seed(3)
    b = nn.Linear(3, 3).weight.detach().numpy().copy()
    np.testing.assert_array_equal(a, b)
    c = nn.Linear(3, 3, generator=cr.random.Generator(5)).weight.detach().numpy()
    d = nn.Linear(3, 3, generator=cr.random.Generator(5)).weight.detach().numpy()
    np.testing.assert_array_equal(c, d)
    assert not np.array_equal(a, nn.Linear(3, 3).weight.detach().numpy())


# ---------------------------------------------------------------- Embedding
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
def test_embedding_matches_torch(twin, dtype, padding_idx):
    ours = as_dtype(nn.Embedding(6, 3, padding_idx=padding_idx), dtype)
    theirs = as_dtype(tnn.Embedding(6, 3, padding_idx=padding_idx), dtype)
    with torch.no_grad():
        theirs.weight.normal_()  # give the padding row non-zero values too: its grad must still be 0
    indices = np.array([[0, 2, 5, 2], [5, 5, 1, 3]])
    twin(ours, theirs, indices)
    assert ours.padding_idx == theirs.padding_idx


def test_embedding_init_zeroes_padding_row_and_is_standard_normal():
    emb = nn.Embedding(2000, 100, padding_idx=3)
    assert not emb.weight.detach().numpy()[3].any()
    rest = np.delete(emb.weight.detach().numpy(), 3, axis=0)
    assert abs(rest.mean()) < 0.01 and abs(rest.std() - 1) < 0.01


def test_embedding_from_pretrained_and_max_norm():
    table = randn(5, 4, dtype=np.float32, seed=2) * 3
    frozen = nn.Embedding.from_pretrained(cr.tensor(table))
    assert not frozen.weight.requires_grad
    np.testing.assert_array_equal(frozen(cr.tensor([1, 4])).detach().numpy(), table[[1, 4]])
    ours = nn.Embedding.from_pretrained(cr.tensor(table), freeze=False, max_norm=1.5)
    theirs = tnn.Embedding.from_pretrained(torch.tensor(table), freeze=False, max_norm=1.5)
    idx = np.array([0, 3, 3])
    np.testing.assert_allclose(
        ours(cr.tensor(idx)).detach().numpy(), theirs(torch.tensor(idx)).detach().numpy(), rtol=1e-6
    )
    np.testing.assert_allclose(ours.weight.detach().numpy(), theirs.weight.detach().numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="padding_idx"):
        nn.Embedding(3, 2, padding_idx=3)
    with pytest.raises(NotImplementedError):
        nn.Embedding(3, 2, sparse=True)


# ---------------------------------------------------------------- Dropout
def test_dropout_train_and_eval():
    drop = nn.Dropout(0.25)
    x = cr.ones(200, 500, requires_grad=True)
    y = drop(x)
    kept = y.detach().numpy() != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(y.detach().numpy()[kept], 1 / 0.75, rtol=1e-6)
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.detach().numpy(), y.detach().numpy())  # same mask, same 1/(1-p) scale
    drop.eval()
    z = drop(x)
    np.testing.assert_array_equal(z.detach().numpy(), x.detach().numpy())
    assert nn.Dropout(0.0)(x) is x and not nn.Dropout(1.0)(x).detach().numpy().any()
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)


def test_dropout_is_seeded():
    x = cr.ones(10, 10)
    cr.manual_seed(7)
    a = nn.Dropout()(x).detach().numpy()
    cr.manual_seed(7)
    b = nn.Dropout()(x).detach().numpy()
    np.testing.assert_array_equal(a, b)
    c = nn.Dropout(generator=cr.random.Generator(1))(x).detach().numpy()
    d = nn.Dropout(generator=cr.random.Generator(1))(x).detach().numpy()
    np.testing.assert_array_equal(c, d)


# ---------------------------------------------------------------- shape layers
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("start,end", [(1, -1), (0, -1), (1, 2), (-2, -1)])
def test_flatten_matches_torch(twin, dtype, start, end):
    twin(nn.Flatten(start, end), tnn.Flatten(start, end), randn(2, 3, 4, 5, dtype=dtype))


def test_identity_returns_input():
    x = cr.randn(3)
    assert nn.Identity(54, unused="argument")(x) is x


# ---------------------------------------------------------------- repr
REPRS = [
    lambda m: m.Linear(3, 4),
    lambda m: m.Linear(3, 4, bias=False),
    lambda m: m.Embedding(10, 3),
    lambda m: m.Embedding(10, 3, padding_idx=0, max_norm=1.0),
    lambda m: m.Dropout(),
    lambda m: m.Dropout(0.2, inplace=True),
    lambda m: m.Identity(),
    lambda m: m.Flatten(),
    lambda m: m.Flatten(0, 2),
]


@pytest.mark.parametrize("build", REPRS)
def test_repr_matches_torch(build):
    assert repr(build(nn)) == repr(build(tnn))
