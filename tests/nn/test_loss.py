"""Loss modules against their PyTorch twins: constructor arguments (weights, ignore_index, label
smoothing, pos_weight, the legacy size_average/reduce flags), values and input gradients."""

import numpy as np
import pytest
import torch
import torch.nn as tnn

import chainrule as cr
import chainrule.nn as nn

DTYPES = [np.float64, np.float32]
REDUCTIONS = ["mean", "sum", "none"]


def rng(seed=0):
    return np.random.default_rng(seed)


def check(ours, theirs, x, target, dtype, target_grad=False):
    """Compare value and d(loss)/d(input) (and d/d(target) when it is a float that needs grad)."""
    tol = dict(rtol=1e-7, atol=1e-10) if dtype == np.float64 else dict(rtol=2e-4, atol=1e-6)
    ox, tx = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ot = cr.tensor(target, requires_grad=target_grad)
    tt = torch.tensor(target, requires_grad=target_grad)
    out, t_out = ours(ox, ot), theirs(tx, tt)
    assert out.shape == tuple(t_out.shape) and out.dtype == t_out.detach().numpy().dtype
    np.testing.assert_allclose(out.detach().numpy(), t_out.detach().numpy(), **tol)
    weights = rng(9).standard_normal(out.shape).astype(dtype)
    out.backward(cr.tensor(weights))
    t_out.backward(torch.from_numpy(weights))
    np.testing.assert_allclose(ox.grad.detach().numpy(), tx.grad.numpy(), **tol)
    if target_grad:
        np.testing.assert_allclose(ot.grad.detach().numpy(), tt.grad.numpy(), **tol)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["MSELoss", "L1Loss"])
def test_regression_losses(dtype, reduction, name):
    x = rng(1).standard_normal((4, 3)).astype(dtype)
    y = rng(2).standard_normal((4, 3)).astype(dtype)
    check(
        getattr(nn, name)(reduction=reduction), getattr(tnn, name)(reduction=reduction), x, y, dtype, target_grad=True
    )


CE_OPTIONS = [
    {},
    dict(ignore_index=1),
    dict(label_smoothing=0.2),
    dict(weight=[0.2, 1.0, 3.0, 0.5]),
    dict(weight=[0.2, 1.0, 3.0, 0.5], ignore_index=0, label_smoothing=0.1),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", CE_OPTIONS)
def test_cross_entropy_loss(dtype, reduction, options):
    x = rng(3).standard_normal((6, 4, 2)).astype(dtype) * 2
    y = rng(4).integers(0, 4, size=(6, 2))
    weight = options.get("weight")
    ours_options = dict(options, weight=None if weight is None else cr.tensor(np.array(weight, dtype)))
    theirs_options = dict(options, weight=None if weight is None else torch.tensor(np.array(weight, dtype)))
    check(
        nn.CrossEntropyLoss(reduction=reduction, **ours_options),
        tnn.CrossEntropyLoss(reduction=reduction, **theirs_options),
        x,
        y,
        dtype,
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_cross_entropy_loss_probability_targets(dtype):
    x = rng(5).standard_normal((5, 3)).astype(dtype)
    p = rng(6).random((5, 3)).astype(dtype)
    p /= p.sum(1, keepdims=True)
    check(nn.CrossEntropyLoss(label_smoothing=0.1), tnn.CrossEntropyLoss(label_smoothing=0.1), x, p, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(dtype, reduction):
    x = rng(7).standard_normal((5, 3)).astype(dtype)
    y = np.array([0, 2, 1, 2, 0])
    w = np.array([1.0, 2.0, 0.5], dtype)
    check(
        nn.NLLLoss(weight=cr.tensor(w), ignore_index=1, reduction=reduction),
        tnn.NLLLoss(weight=torch.tensor(w), ignore_index=1, reduction=reduction),
        x,
        y,
        dtype,
    )
    # NLLLoss after LogSoftmax equals CrossEntropyLoss on the logits.
    logits = cr.tensor(x)
    np.testing.assert_allclose(
        nn.NLLLoss()(nn.LogSoftmax(1)(logits), cr.tensor(y)).detach().numpy(),
        nn.CrossEntropyLoss()(logits, cr.tensor(y)).detach().numpy(),
        rtol=1e-6,
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_with_logits_loss(dtype, reduction, weighted):
    x = rng(8).standard_normal((4, 3)).astype(dtype) * 5
    y = (rng(9).random((4, 3)) > 0.5).astype(dtype)
    kwargs, t_kwargs = {}, {}
    if weighted:
        w, pw = rng(10).random(3).astype(dtype) + 0.5, np.array([1.0, 3.0, 0.2], dtype)
        kwargs = dict(weight=cr.tensor(w), pos_weight=cr.tensor(pw))
        t_kwargs = dict(weight=torch.tensor(w), pos_weight=torch.tensor(pw))
    check(
        nn.BCEWithLogitsLoss(reduction=reduction, **kwargs),
        tnn.BCEWithLogitsLoss(reduction=reduction, **t_kwargs),
        x,
        y,
        dtype,
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_loss(dtype, reduction, weighted):
    p = (rng(11).random((4, 3)) * 0.98 + 0.01).astype(dtype)
    y = rng(12).random((4, 3)).astype(dtype)
    w = rng(13).random((4, 3)).astype(dtype)
    ours = nn.BCELoss(weight=cr.tensor(w) if weighted else None, reduction=reduction)
    theirs = tnn.BCELoss(weight=torch.tensor(w) if weighted else None, reduction=reduction)
    check(ours, theirs, p, y, dtype)


@pytest.mark.parametrize("size_average,reduce", [(None, False), (False, None), (False, True), (True, True)])
def test_legacy_size_average_and_reduce_map_like_torch(size_average, reduce):
    with pytest.warns(UserWarning, match="size_average and reduce"):
        ours = nn.MSELoss(size_average=size_average, reduce=reduce)
    with pytest.warns(UserWarning):
        theirs = tnn.MSELoss(size_average=size_average, reduce=reduce)
    assert ours.reduction == theirs.reduction


def test_loss_buffers_repr_and_errors():
    ce = nn.CrossEntropyLoss(weight=cr.tensor([1.0, 2.0]))
    t_ce = tnn.CrossEntropyLoss(weight=torch.tensor([1.0, 2.0]))
    assert list(ce.state_dict()) == list(t_ce.state_dict()) == ["weight"]
    bce = nn.BCEWithLogitsLoss(pos_weight=cr.tensor([2.0]))
    assert list(bce.state_dict()) == list(tnn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0])).state_dict())
    assert ce.double().weight.dtype == np.float64
    assert repr(ce) == repr(t_ce) == "CrossEntropyLoss()"
    with pytest.raises(ValueError, match="not a valid value for reduction"):
        nn.L1Loss(reduction="avg")
    with pytest.warns(UserWarning, match="different to the input size"):
        nn.MSELoss()(cr.randn(3, 1), cr.randn(3))
