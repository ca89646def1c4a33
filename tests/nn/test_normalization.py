"""BatchNorm1d/2d and LayerNorm modules against PyTorch: training steps (outputs, input and
parameter gradients, running statistics, num_batches_tracked), evaluation, options and errors."""

import numpy as np
import pytest
import torch
import torch.nn as tnn

import chainrule as cr
import chainrule.nn as nn

DTYPES = [np.float64, np.float32]


def as_dtype(module, dtype):
    return module.double() if dtype == np.float64 else module.float()


def sgd_step(ours, theirs, lr=0.1):
    """The same plain SGD update on both, so later steps run with trained (non-trivial) weights."""
    with torch.no_grad():
        for (_, p), (_, t) in zip(ours.named_parameters(), theirs.named_parameters()):
            p.data = p.data - lr * p.grad.data
            t -= lr * t.grad
    ours.zero_grad()
    theirs.zero_grad()


def compare_buffers(ours, theirs, dtype):
    rtol = 1e-10 if dtype == np.float64 else 1e-5
    for (name, b), (t_name, t) in zip(ours.named_buffers(), theirs.named_buffers()):
        assert name == t_name and b.dtype == t.numpy().dtype, name
        np.testing.assert_allclose(b.detach().numpy(), t.numpy(), rtol=rtol, atol=rtol, err_msg=name)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5)])
@pytest.mark.parametrize("momentum", [0.1, None])
def test_batchnorm1d_ten_training_steps_then_eval_match_torch(twin, dtype, shape, momentum):
    ours = as_dtype(nn.BatchNorm1d(3, momentum=momentum), dtype)
    theirs = as_dtype(tnn.BatchNorm1d(3, momentum=momentum), dtype)
    rng = np.random.default_rng(0)
    for step in range(10):
        x = (rng.standard_normal(shape) * (1 + step) + step).astype(dtype)
        twin(ours, theirs, x, seed=step, copy=step == 0)
        sgd_step(ours, theirs)
    compare_buffers(ours, theirs, dtype)
    assert int(ours.num_batches_tracked.item()) == 10
    ours.eval()
    theirs.eval()
    twin(ours, theirs, rng.standard_normal(shape).astype(dtype) * 4, copy=False)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "options",
    [
        dict(affine=False),
        dict(track_running_stats=False),
        dict(bias=False),
        dict(eps=1e-2, momentum=0.5),
        dict(affine=False, track_running_stats=False),
    ],
)
def test_batchnorm1d_options_match_torch(twin, dtype, options):
    ours = as_dtype(nn.BatchNorm1d(4, **options), dtype)
    theirs = as_dtype(tnn.BatchNorm1d(4, **options), dtype)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    rng = np.random.default_rng(1)
    for step in range(3):
        twin(ours, theirs, rng.standard_normal((6, 4, 2)).astype(dtype) + step, copy=step == 0)
    compare_buffers(ours, theirs, dtype)
    ours.eval()
    theirs.eval()
    twin(ours, theirs, rng.standard_normal((5, 4)).astype(dtype), copy=False)


def test_batchnorm_running_var_is_unbiased_and_num_batches_counts():
    bn = nn.BatchNorm1d(2, momentum=1.0)
    x = np.random.default_rng(2).standard_normal((5, 2)).astype(np.float32)
    out = bn(cr.tensor(x))
    np.testing.assert_allclose(bn.running_mean.detach().numpy(), x.mean(0), rtol=1e-5)
    np.testing.assert_allclose(bn.running_var.detach().numpy(), x.var(0, ddof=1), rtol=1e-5)
    # ... while the output is normalised with the biased variance.
    np.testing.assert_allclose(out.detach().numpy(), (x - x.mean(0)) / np.sqrt(x.var(0) + 1e-5), rtol=1e-4, atol=1e-5)
    bn.eval()
    bn(cr.tensor(x))
    assert int(bn.num_batches_tracked.item()) == 1  # eval does not count


@pytest.mark.parametrize("dtype", DTYPES)
def test_batchnorm2d_matches_torch(twin, dtype):
    ours, theirs = as_dtype(nn.BatchNorm2d(3), dtype), as_dtype(tnn.BatchNorm2d(3), dtype)
    rng = np.random.default_rng(3)
    for step in range(3):
        twin(ours, theirs, rng.standard_normal((2, 3, 4, 5)).astype(dtype) * 2, copy=step == 0)
        sgd_step(ours, theirs)
    compare_buffers(ours, theirs, dtype)
    ours.eval()
    theirs.eval()
    twin(ours, theirs, rng.standard_normal((2, 3, 4, 5)).astype(dtype), copy=False)


def test_batchnorm_errors_and_repr():
    bn = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        bn(cr.randn(2, 3, 4, 5))
    with pytest.raises(ValueError, match="3 channels"):
        bn(cr.randn(4, 5))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        bn(cr.randn(1, 3))
    assert bn.eval()(cr.randn(1, 3)).shape == (1, 3)  # fine in eval mode, as in torch
    for kwargs in [{}, dict(momentum=None, affine=False), dict(track_running_stats=False, bias=False)]:
        assert repr(nn.BatchNorm1d(3, **kwargs)) == repr(tnn.BatchNorm1d(3, **kwargs))
    assert repr(nn.BatchNorm2d(3)) == repr(tnn.BatchNorm2d(3))


def test_batchnorm_reset_and_state_dict():
    bn = nn.BatchNorm1d(2)
    bn(cr.randn(4, 2) + 3)
    assert list(bn.state_dict()) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    bn.reset_running_stats()
    np.testing.assert_array_equal(bn.running_mean.detach().numpy(), 0)
    np.testing.assert_array_equal(bn.running_var.detach().numpy(), 1)
    assert int(bn.num_batches_tracked.item()) == 0


LN_CASES = [(4, (3, 4)), ((4,), (2, 3, 4)), ((3, 4), (2, 3, 4)), ([5], (5,))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("normalized_shape,input_shape", LN_CASES)
@pytest.mark.parametrize("options", [{}, dict(elementwise_affine=False), dict(bias=False), dict(eps=0.1)])
def test_layernorm_matches_torch(twin, dtype, normalized_shape, input_shape, options):
    ours = as_dtype(nn.LayerNorm(normalized_shape, **options), dtype)
    theirs = as_dtype(tnn.LayerNorm(normalized_shape, **options), dtype)
    with torch.no_grad():  # non-trivial weights so the weight path is exercised
        for p in theirs.parameters():
            p.uniform_(0.5, 1.5)
    x = np.random.default_rng(4).standard_normal(input_shape).astype(dtype) * 3 + 1
    twin(ours, theirs, x)
    assert repr(ours) == repr(theirs)
    assert list(ours.state_dict()) == list(theirs.state_dict())


def test_layernorm_errors():
    with pytest.raises(ValueError, match="normalized_shape"):
        nn.LayerNorm(4)(cr.randn(2, 3))
