"""Focal losses: torchvision's sigmoid_focal_loss formula (reference built from torch ops),
reduction to BCE / cross-entropy at gamma = 0, and float64 gradchecks."""

import numpy as np
import pytest
import torch
from optest import check_op

import chainrule as cr
import chainrule.functional as F


def torchvision_sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0, reduction="none"):
    # The formula of torchvision.ops.sigmoid_focal_loss, written with plain torch ops.
    p = torch.sigmoid(inputs)
    ce = torch.nn.functional.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * ((1 - p_t) ** gamma)
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    return {"none": loss, "mean": loss.mean(), "sum": loss.sum()}[reduction]


@pytest.mark.parametrize("alpha,gamma", [(0.25, 2.0), (0.5, 1.0), (-1, 2.0), (0.25, 0.0), (0.9, 3.5)])
@pytest.mark.parametrize("reduction", ["none", "mean", "sum"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_focal_loss_matches_torchvision_formula(alpha, gamma, reduction, dtype):
    rng = np.random.default_rng(0)
    x = (rng.standard_normal((6, 3)) * 3).astype(dtype)
    t = (rng.random((6, 3)) < 0.3).astype(dtype)
    check_op(
        lambda a, b: F.sigmoid_focal_loss(a, b, alpha, gamma, reduction),
        lambda a, b: torchvision_sigmoid_focal_loss(a, b, alpha, gamma, reduction),
        x,
        t,
    )


def test_sigmoid_focal_loss_is_bce_at_gamma_zero():
    rng = np.random.default_rng(1)
    x, t = cr.tensor(rng.standard_normal(20)), cr.tensor((rng.random(20) < 0.5).astype(np.float64))
    focal = F.sigmoid_focal_loss(x, t, alpha=-1, gamma=0, reduction="mean")
    bce = F.binary_cross_entropy_with_logits(x, t)
    assert focal.item() == pytest.approx(bce.item(), rel=1e-12)


def test_sigmoid_focal_loss_finite_at_extreme_logits():
    x = cr.tensor([-1000.0, 1000.0, -1000.0, 1000.0], dtype=cr.float64, requires_grad=True)
    t = cr.tensor([0.0, 1.0, 1.0, 0.0], dtype=cr.float64)
    loss = F.sigmoid_focal_loss(x, t, reduction="sum")
    loss.backward()
    assert np.isfinite(loss.item()) and np.isfinite(x.grad.detach().numpy()).all()


def _torch_focal(x, y, gamma, alpha):
    logp = torch.log_softmax(x, 1).gather(1, y[:, None]).squeeze(1)
    loss = -((1 - logp.exp()) ** gamma) * logp
    if alpha is not None:
        loss = loss * alpha[y]
    return loss.mean()


@pytest.mark.parametrize("gamma", [0.0, 1.0, 2.0])
@pytest.mark.parametrize("with_alpha", [False, True])
def test_multiclass_focal_loss(gamma, with_alpha):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((7, 4)) * 2
    y = rng.integers(0, 4, 7)
    alpha = np.array([0.1, 0.2, 0.3, 0.4])
    check_op(
        lambda a: F.focal_loss(a, y, gamma=gamma, alpha=alpha if with_alpha else None),
        lambda a: _torch_focal(a, torch.from_numpy(y), gamma, torch.from_numpy(alpha) if with_alpha else None),
        x,
    )


def test_multiclass_focal_is_cross_entropy_at_gamma_zero_and_checks_targets():
    rng = np.random.default_rng(3)
    x, y = cr.tensor(rng.standard_normal((9, 5))), cr.tensor(rng.integers(0, 5, 9))
    assert F.focal_loss(x, y, gamma=0).item() == pytest.approx(F.cross_entropy(x, y).item(), rel=1e-12)
    with pytest.raises(IndexError, match="focal_loss"):
        F.focal_loss(x, cr.tensor(np.full(9, 7)))
    with pytest.raises(ValueError, match="reduction"):
        F.sigmoid_focal_loss(x, x, reduction="avg")


def test_focal_loss_module_wraps_both_forms():
    rng = np.random.default_rng(4)
    x = cr.tensor(rng.standard_normal((5, 3)))
    t = cr.tensor((rng.random((5, 3)) < 0.4).astype(np.float64))
    binary = cr.nn.FocalLoss(alpha=0.25, gamma=2.0)
    assert binary(x, t).item() == pytest.approx(F.sigmoid_focal_loss(x, t, 0.25, 2.0, "mean").item())
    y = cr.tensor(rng.integers(0, 3, 5))
    multi = cr.nn.FocalLoss(alpha=None, gamma=0.0, binary=False)
    assert multi(x, y).item() == pytest.approx(F.cross_entropy(x, y).item(), rel=1e-12)
    assert "gamma=2.0" in repr(binary)
    with pytest.raises(ValueError, match="gamma"):
        cr.nn.FocalLoss(gamma=-1)
