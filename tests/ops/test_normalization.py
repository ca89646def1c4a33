"""The fused BatchNorm and LayerNorm ops (ops/normalization.py): forward and every gradient against
PyTorch in float32 and float64, and the hand-derived backward against float64 central differences."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from optest import check_op, randn

import chainrule as cr
import chainrule.functional as F
from chainrule.ops.normalization import BatchNorm, LayerNorm

BN_SHAPES = [(6, 3), (4, 3, 5), (3, 2, 3, 2), (2, 1)]


@pytest.mark.parametrize("shape", BN_SHAPES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_batch_norm_training_matches_torch(shape, dtype):
    c = shape[1]
    x = (randn(*shape, dtype=dtype, seed=1) * 3 + 1).astype(dtype)
    w = randn(c, dtype=dtype, seed=2)
    b = randn(c, dtype=dtype, seed=3)
    check_op(
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True),
        x,
        w,
        b,
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_batch_norm_eval_uses_running_stats(dtype):
    x = randn(5, 3, 4, dtype=dtype, seed=4)
    w, b = randn(3, dtype=dtype, seed=5), randn(3, dtype=dtype, seed=6)
    mean, var = randn(3, dtype=dtype, seed=7), randn(3, dtype=dtype, low=0.5)
    check_op(
        lambda x, w, b: F.batch_norm(x, cr.tensor(mean), cr.tensor(var), w, b, training=False, eps=1e-3),
        lambda x, w, b: TF.batch_norm(x, torch.tensor(mean), torch.tensor(var), w, b, training=False, eps=1e-3),
        x,
        w,
        b,
    )


@pytest.mark.parametrize("affine", ["none", "weight", "bias"])
def test_batch_norm_without_affine_params(affine):
    x = randn(7, 4, dtype=np.float64, seed=8)
    p = randn(4, dtype=np.float64, seed=9)
    if affine == "none":
        check_op(
            lambda x: F.batch_norm(x, None, None, training=True),
            lambda x: TF.batch_norm(x, None, None, training=True),
            x,
        )
    elif affine == "weight":
        check_op(
            lambda x, w: F.batch_norm(x, None, None, w, training=True),
            lambda x, w: TF.batch_norm(x, None, None, w, training=True),
            x,
            p,
        )
    else:
        check_op(
            lambda x, b: F.batch_norm(x, None, None, None, b, training=True),
            lambda x, b: TF.batch_norm(x, None, None, None, b, training=True),
            x,
            p,
        )


def test_batch_norm_gradcheck_including_weight_and_bias():
    x = cr.tensor(randn(5, 3, 2, seed=10) * 2 + 0.5, requires_grad=True)
    w = cr.tensor(randn(3, seed=11), requires_grad=True)
    b = cr.tensor(randn(3, seed=12), requires_grad=True)
    assert cr.gradcheck(
        lambda x, w, b: BatchNorm.apply(x, w, b, None, None, training=True, momentum=0.1, eps=1e-5), (x, w, b)
    )
    mean, var = cr.tensor(randn(3, seed=13)), cr.tensor(randn(3, seed=14, low=0.2))
    assert cr.gradcheck(lambda x, w, b: BatchNorm.apply(x, w, b, mean, var, training=False), (x, w, b))


def test_batch_norm_backward_is_not_the_eval_formula_in_training():
    # Guards against a backward that forgets the batch statistics depend on x: in training the
    # input gradient of sum(y) is exactly 0 (every channel's x_hat sums to zero whatever x is).
    x = cr.tensor(randn(6, 2, seed=15), requires_grad=True)
    F.batch_norm(x, None, None, training=True).sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), 0, atol=1e-12)


@pytest.mark.parametrize("momentum", [0.1, 0.5, 1.0])
@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5)])
def test_batch_norm_updates_running_stats_like_torch(momentum, shape):
    x = randn(*shape, dtype=np.float32, seed=16) * 2 + 3
    ours_mean, ours_var = cr.tensor(np.full(3, 0.5, np.float32)), cr.tensor(np.full(3, 2.0, np.float32))
    t_mean, t_var = torch.full((3,), 0.5), torch.full((3,), 2.0)
    F.batch_norm(cr.tensor(x), ours_mean, ours_var, training=True, momentum=momentum)
    TF.batch_norm(torch.tensor(x), t_mean, t_var, training=True, momentum=momentum)
    np.testing.assert_allclose(ours_mean.detach().numpy(), t_mean.numpy(), rtol=1e-6)
    np.testing.assert_allclose(ours_var.detach().numpy(), t_var.numpy(), rtol=1e-5)  # unbiased variance, as torch
    assert ours_mean.dtype == np.float32 and ours_var.dtype == np.float32


def test_batch_norm_errors():
    x = cr.randn(4, 3)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(cr.randn(1, 3), None, None, training=True)
    with pytest.raises(ValueError, match="running_mean and running_var"):
        F.batch_norm(x, None, None, training=False)
    with pytest.raises(ValueError, match=r"weight must have shape \(3,\)"):
        F.batch_norm(x, None, None, cr.ones(4), training=True)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        F.batch_norm(cr.randn(3), None, None, training=True)
    with pytest.raises(TypeError, match="dtype float64"):
        F.batch_norm(x, None, None, cr.ones(3, dtype=cr.float64), training=True)


LN_CASES = [((4, 5), (5,)), ((2, 3, 4), (3, 4)), ((2, 3, 4), (4,)), ((3, 1), (1,)), ((0, 4), (4,))]


@pytest.mark.parametrize("shape,normalized", LN_CASES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_layer_norm_matches_torch(shape, normalized, dtype):
    x = (randn(*shape, dtype=dtype, seed=17) * 2 - 1).astype(dtype)
    w = randn(*normalized, dtype=dtype, seed=18)
    b = randn(*normalized, dtype=dtype, seed=19)
    check_op(
        lambda x, w, b: F.layer_norm(x, normalized, w, b), lambda x, w, b: TF.layer_norm(x, normalized, w, b), x, w, b
    )


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_layer_norm_without_affine_and_custom_eps(dtype):
    x = randn(3, 6, dtype=dtype, seed=20)
    check_op(lambda x: F.layer_norm(x, 6, eps=0.1), lambda x: TF.layer_norm(x, (6,), eps=0.1), x)
    w = randn(6, dtype=dtype, seed=21)
    check_op(lambda x, w: F.layer_norm(x, [6], w), lambda x, w: TF.layer_norm(x, [6], w), x, w)


def test_layer_norm_gradcheck_including_weight_and_bias():
    x = cr.tensor(randn(3, 2, 4, seed=22), requires_grad=True)
    w = cr.tensor(randn(2, 4, seed=23), requires_grad=True)
    b = cr.tensor(randn(2, 4, seed=24), requires_grad=True)
    assert cr.gradcheck(lambda x, w, b: LayerNorm.apply(x, w, b, normalized_ndim=2, eps=1e-5), (x, w, b))


def test_layer_norm_errors():
    with pytest.raises(ValueError, match=r"normalized_shape=\[5\]"):
        F.layer_norm(cr.randn(2, 4), (5,))
    with pytest.raises(ValueError, match="normalized_shape"):
        F.layer_norm(cr.randn(4), (2, 4))
    with pytest.raises(ValueError, match="weight must have shape"):
        F.layer_norm(cr.randn(2, 4), (4,), cr.ones(3))
    with pytest.raises(TypeError, match="floating point"):
        F.layer_norm(cr.tensor([[1, 2]]), (2,))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape", [(6, 7, 32), (40, 17), (3, 100, 9)])
def test_layer_norm_row_path_matches_torch_and_the_whole_array_forward(shape, dtype, monkeypatch):
    # big contiguous inputs with weight and bias are normalised a block of rows at a time; a small
    # block size sends these small inputs down that path (ragged last blocks included)
    from chainrule.ops import normalization

    d = shape[-1]
    x = (randn(*shape, dtype=dtype, seed=11) * 2 + 0.5).astype(dtype)
    w, b = randn(d, dtype=dtype, seed=12), randn(d, dtype=dtype, seed=13)
    monkeypatch.setattr(normalization, "_ROW_CHUNK", 4 * d + 3)
    assert normalization._rows_in_chunks(x, w, b, 1)
    check_op(
        lambda x, w, b: F.layer_norm(x, (d,), w, b, eps=1e-6),
        lambda x, w, b: TF.layer_norm(x, (d,), w, b, eps=1e-6),
        x,
        w,
        b,
    )
    rows = F.layer_norm(cr.tensor(x), (d,), cr.tensor(w), cr.tensor(b)).numpy()
    monkeypatch.setattr(normalization, "_ROW_CHUNK", 10 * x.size)  # now too small for the row path
    assert not normalization._rows_in_chunks(x, w, b, 1)
    whole = F.layer_norm(cr.tensor(x), (d,), cr.tensor(w), cr.tensor(b)).numpy()
    np.testing.assert_array_equal(rows, whole)
