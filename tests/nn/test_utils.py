"""nn.utils: clip_grad_norm_ / clip_grad_value_ against torch.nn.utils (returned norm and clipped
gradients), and parameters_to_vector / vector_to_parameters."""

import math

import numpy as np
import pytest
import torch
import torch.nn.utils as tutils

import chainrule as cr
import chainrule.nn as nn
from chainrule.nn import utils

SHAPES = [(3, 4), (4,), (2, 2, 2), ()]


def twins_with_grads(dtype, scale=1.0, seed=0):
    rng = np.random.default_rng(seed)
    ours, theirs = [], []
    for shape in SHAPES:
        p, g = rng.standard_normal(shape).astype(dtype), (rng.standard_normal(shape) * scale).astype(dtype)
        o, t = nn.Parameter(cr.tensor(p)), torch.nn.Parameter(torch.tensor(p))
        o.grad, t.grad = cr.tensor(g.copy()), torch.tensor(g.copy())
        ours.append(o)
        theirs.append(t)
    return ours, theirs


def assert_grads_equal(ours, theirs, rtol):
    for o, t in zip(ours, theirs):
        assert o.grad.dtype == t.grad.numpy().dtype
        np.testing.assert_allclose(o.grad.detach().numpy(), t.grad.numpy(), rtol=rtol, atol=rtol * 1e-3)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf, 0.5])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_torch(dtype, norm_type, max_norm):
    ours, theirs = twins_with_grads(dtype)
    total = utils.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    t_total = tutils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    rtol = 1e-12 if dtype == np.float64 else 1e-5
    assert isinstance(total, cr.Tensor) and total.shape == () and total.dtype == t_total.numpy().dtype
    np.testing.assert_allclose(total.item(), t_total.item(), rtol=rtol)
    assert_grads_equal(ours, theirs, rtol)
    if max_norm < total.item():  # clipped: the new joint norm is max_norm (up to the 1e-6 guard)
        per = [np.abs(o.grad.detach().numpy().astype(np.float64)).ravel() for o in ours]
        joint = np.concatenate(per)
        new = joint.max() if norm_type == math.inf else np.sum(joint**norm_type) ** (1 / norm_type)
        np.testing.assert_allclose(new, max_norm, rtol=1e-4)


def test_clip_grad_norm_skips_params_without_grad_and_accepts_a_tensor():
    ours, theirs = twins_with_grads(np.float64)
    ours[1].grad, theirs[1].grad = None, None
    np.testing.assert_allclose(
        utils.clip_grad_norm_(iter(ours), 0.1).item(), tutils.clip_grad_norm_(iter(theirs), 0.1).item(), rtol=1e-12
    )
    assert ours[1].grad is None
    assert_grads_equal([ours[0]], [theirs[0]], 1e-12)
    single, t_single = twins_with_grads(np.float64, seed=1)
    np.testing.assert_allclose(
        utils.clip_grad_norm_(single[0], 0.2).item(), tutils.clip_grad_norm_(t_single[0], 0.2).item(), rtol=1e-12
    )
    assert utils.clip_grad_norm_([nn.Parameter(cr.ones(2))], 1.0).item() == 0.0


def test_clip_grad_norm_scales_the_held_gradients_in_place_like_torch():
    ours, theirs = twins_with_grads(np.float32)
    held, t_held = ours[0].grad, theirs[0].grad
    held_array, before = held.numpy(), held.numpy().copy()
    utils.clip_grad_norm_(ours, 0.01)
    tutils.clip_grad_norm_(theirs, 0.01)
    assert ours[0].grad is held and theirs[0].grad is t_held  # torch's grad.mul_(coef)
    assert held._version == t_held._version == 1
    np.testing.assert_allclose(held_array, t_held.numpy(), rtol=1e-5)  # the same memory, clipped
    assert not np.allclose(held_array, before)


@pytest.mark.parametrize("bad", [math.inf, math.nan])
def test_clip_grad_norm_non_finite(bad):
    ours, theirs = twins_with_grads(np.float64)
    ours[0].grad.detach().numpy()[0, 0] = bad
    theirs[0].grad[0, 0] = bad
    with pytest.raises(RuntimeError):
        tutils.clip_grad_norm_(theirs, 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError, match="non-finite"):
        utils.clip_grad_norm_(ours, 1.0, error_if_nonfinite=True)
    # Without the check, the non-finite norm propagates exactly as in torch (NaNs and zeros).
    total = utils.clip_grad_norm_(ours, 1.0)
    t_total = tutils.clip_grad_norm_(theirs, 1.0)
    np.testing.assert_array_equal(total.item(), t_total.item())
    for o, t in zip(ours, theirs):
        np.testing.assert_array_equal(o.grad.detach().numpy(), t.grad.numpy())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_clip_grad_value_matches_torch(dtype):
    ours, theirs = twins_with_grads(dtype, scale=2.0)
    assert utils.clip_grad_value_(ours, 0.7) is None
    tutils.clip_grad_value_(theirs, 0.7)
    assert_grads_equal(ours, theirs, 0)
    assert max(np.abs(o.grad.detach().numpy()).max() for o in ours) == pytest.approx(0.7)


def test_parameters_to_vector_and_back_match_torch():
    ours_model = nn.Sequential(nn.Linear(3, 2), nn.LayerNorm(2))
    theirs_model = torch.nn.Sequential(torch.nn.Linear(3, 2), torch.nn.LayerNorm(2))
    ours_model.load_state_dict({k: v.numpy() for k, v in theirs_model.state_dict().items()})
    vec = utils.parameters_to_vector(ours_model.parameters())
    t_vec = tutils.parameters_to_vector(theirs_model.parameters())
    np.testing.assert_array_equal(vec.detach().numpy(), t_vec.detach().numpy())
    (vec * cr.arange(vec.shape[0]).float()).sum().backward()  # differentiable, as in torch
    np.testing.assert_array_equal(ours_model[0].weight.grad.detach().numpy(), np.arange(6).reshape(2, 3))
    new = np.arange(vec.shape[0], dtype=np.float32) / 10
    utils.vector_to_parameters(cr.tensor(new), ours_model.parameters())
    tutils.vector_to_parameters(torch.tensor(new), theirs_model.parameters())
    for o, t in zip(ours_model.parameters(), theirs_model.parameters()):
        np.testing.assert_array_equal(o.detach().numpy(), t.detach().numpy())
    with pytest.raises(TypeError, match="Tensor"):
        utils.vector_to_parameters(new, ours_model.parameters())
    with pytest.raises(ValueError, match="12 elements"):
        utils.vector_to_parameters(cr.zeros(11), ours_model.parameters())
    with pytest.raises(ValueError, match="empty"):
        utils.parameters_to_vector([])
