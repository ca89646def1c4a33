"""Losses (ops/loss.py) against PyTorch: cross_entropy, nll_loss, binary cross-entropy (with logits
and on probabilities), mse_loss and l1_loss.

Class weights and pos_weight are closed over rather than passed as arrays: check_op makes every
floating array argument require grad, and PyTorch has no derivative for those arguments."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from optest import check_op, randn

import chainrule as cr
import chainrule.functional as F

DTYPES = [np.float64, np.float32]
REDUCTIONS = ["mean", "sum", "none"]


def _torch(array):
    return None if array is None else torch.from_numpy(array)


def _extreme_logits(shape, dtype, seed=0):
    """Logits of +-1000 mixed with ordinary values: exp() of them overflows unless shifted."""
    x = randn(*shape, dtype=dtype, seed=seed)
    x.flat[::3] = 1000
    x.flat[1::4] = -1000
    return x


# ------------------------------------------------------------------------------ cross-entropy / nll
# (input shape, class-index target shape)
CLASS_SHAPES = [((4, 5), (4,)), ((5,), ()), ((2, 3, 2, 2), (2, 2, 2))]


def _class_targets(target_shape, n_classes, ignore=None, seed=0):
    rng = np.random.default_rng(seed)
    target = rng.integers(0, n_classes, size=target_shape).astype(np.int64)
    if ignore is not None and target.size > 1:
        target.flat[1] = ignore
        target.flat[-1] = ignore
    return target


def _class_weight(n_classes, dtype):
    return (0.5 + np.random.default_rng(7).random(n_classes)).astype(dtype)


def _n_classes(shape):
    return shape[0] if len(shape) == 1 else shape[1]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", CLASS_SHAPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.15])
@pytest.mark.parametrize("ignore_index", [-100, 2])
def test_cross_entropy_class_indices_matches_torch(shapes, weighted, reduction, label_smoothing, ignore_index, dtype):
    x_shape, t_shape = shapes
    n_classes = _n_classes(x_shape)
    target = _class_targets(t_shape, n_classes, ignore=ignore_index, seed=len(x_shape))
    weight = _class_weight(n_classes, dtype) if weighted else None
    kw = dict(ignore_index=ignore_index, reduction=reduction, label_smoothing=label_smoothing)
    check_op(
        lambda x, t: F.cross_entropy(x, t, weight=weight, **kw),
        lambda x, t: TF.cross_entropy(x, t, weight=_torch(weight), **kw),
        randn(*x_shape, dtype=dtype, seed=2),
        target,
    )


def _probability_targets(shape, dtype, seed=3):
    logits = randn(*shape, dtype=np.float64, seed=seed)
    axis = 0 if len(shape) == 1 else 1
    return (np.exp(logits) / np.exp(logits).sum(axis=axis, keepdims=True)).astype(dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x_shape", [s for s, _ in CLASS_SHAPES])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.2])
def test_cross_entropy_probability_targets_matches_torch(x_shape, weighted, reduction, label_smoothing, dtype):
    # the target is an array argument, so its gradient is compared with torch's as well
    weight = _class_weight(_n_classes(x_shape), dtype) if weighted else None
    kw = dict(reduction=reduction, label_smoothing=label_smoothing)
    check_op(
        lambda x, t: F.cross_entropy(x, t, weight=weight, **kw),
        lambda x, t: TF.cross_entropy(x, t, weight=_torch(weight), **kw),
        randn(*x_shape, dtype=dtype, seed=4),
        _probability_targets(x_shape, dtype),
    )


def test_cross_entropy_probability_target_without_grad():
    x = cr.tensor(randn(3, 4, seed=5), requires_grad=True)
    target = _probability_targets((3, 4), np.float64)
    F.cross_entropy(x, target).backward()
    expected = torch.tensor(randn(3, 4, seed=5), requires_grad=True)
    TF.cross_entropy(expected, torch.from_numpy(target)).backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), expected.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize("target_kind", ["index", "probability"])
def test_cross_entropy_extreme_logits_finite_with_torch_gradients(label_smoothing, target_kind, dtype):
    x = _extreme_logits((4, 5), dtype, seed=6)
    target = np.array([0, 1, 2, 4]) if target_kind == "index" else _probability_targets((4, 5), dtype)
    # No gradcheck here: at +-1000 the loss is piecewise almost linear and the central difference
    # mostly measures float64 round-off of 1000-sized numbers; torch's gradient is the reference.
    for reduction in REDUCTIONS:
        out = check_op(
            lambda a, t, r=reduction: F.cross_entropy(a, t, reduction=r, label_smoothing=label_smoothing),
            lambda a, t, r=reduction: TF.cross_entropy(a, t, reduction=r, label_smoothing=label_smoothing),
            x,
            target,
            gradcheck=False,
        )[0]
        assert np.isfinite(out.detach().numpy()).all()


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("label_smoothing", [0.0, 0.1])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_all_rows_ignored(weighted, label_smoothing, reduction):
    # mean over zero rows is 0/0 = nan in torch, with a zero gradient; sum / none give zeros
    weight = _class_weight(4, np.float64) if weighted else None
    target = np.full(3, -100)
    x = randn(3, 4, seed=8)
    kw = dict(reduction=reduction, label_smoothing=label_smoothing)
    ours = cr.tensor(x, requires_grad=True)
    loss = F.cross_entropy(ours, target, weight=weight, **kw)
    theirs = torch.tensor(x, requires_grad=True)
    expected = TF.cross_entropy(theirs, torch.from_numpy(target), weight=_torch(weight), **kw)
    np.testing.assert_array_equal(loss.detach().numpy(), expected.detach().numpy())
    loss.sum().backward()
    expected.sum().backward()
    np.testing.assert_array_equal(ours.grad.detach().numpy(), theirs.grad.numpy())


def test_cross_entropy_target_out_of_range():
    x = cr.zeros(2, 5)
    with pytest.raises(IndexError, match=r"cross_entropy.*7.*5 classes"):
        F.cross_entropy(x, np.array([1, 7]))
    with pytest.raises(IndexError, match=r"cross_entropy.*-1.*5 classes"):
        F.cross_entropy(x, np.array([-1, 0]))
    with pytest.raises(IndexError, match=r"nll_loss.*5.*5 classes"):
        F.nll_loss(x, np.array([5, 0]))


def test_cross_entropy_argument_errors():
    x = cr.zeros(2, 5)
    with pytest.raises(ValueError, match=r"cross_entropy.*\(2,\).*\(3,\)"):
        F.cross_entropy(x, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="cross_entropy.*reduction"):
        F.cross_entropy(x, np.array([0, 1]), reduction="avg")
    with pytest.raises(ValueError, match="cross_entropy.*weight"):
        F.cross_entropy(x, np.array([0, 1]), weight=np.ones(4))
    with pytest.raises(ValueError, match="cross_entropy.*label_smoothing"):
        F.cross_entropy(x, np.array([0, 1]), label_smoothing=1.5)
    with pytest.raises(TypeError, match="cross_entropy.*int"):
        F.cross_entropy(x, np.array([True, False]))
    with pytest.raises(RuntimeError, match=r"cross_entropy.*probability.*\(2, 5\)"):  # torch: RuntimeError
        F.cross_entropy(x, np.zeros((2, 4)))  # (tests/test_errors.py shows it side by side)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes", CLASS_SHAPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("ignore_index", [-100, 1])
def test_nll_loss_matches_torch(shapes, weighted, reduction, ignore_index, dtype):
    x_shape, t_shape = shapes
    n_classes = _n_classes(x_shape)
    target = _class_targets(t_shape, n_classes, ignore=ignore_index, seed=9)
    weight = _class_weight(n_classes, dtype) if weighted else None
    log_probs = torch.log_softmax(
        torch.from_numpy(randn(*x_shape, dtype=dtype, seed=10)), 0 if len(x_shape) == 1 else 1
    ).numpy()
    kw = dict(ignore_index=ignore_index, reduction=reduction)
    check_op(
        lambda x, t: F.nll_loss(x, t, weight=weight, **kw),
        lambda x, t: TF.nll_loss(x, t, weight=_torch(weight), **kw),
        log_probs,
        target,
    )


def test_nll_loss_on_log_softmax_equals_cross_entropy():
    x = randn(3, 4, seed=11)
    target = np.array([3, 0, 3])
    check_op(lambda a, t: F.nll_loss(F.log_softmax(a, 1), t), lambda a, t: TF.cross_entropy(a, t), x, target)


@pytest.mark.parametrize("weighted", [False, True])
def test_nll_loss_all_rows_ignored(weighted):
    weight = _class_weight(4, np.float64) if weighted else None
    x, target = randn(3, 4, seed=12), np.full(3, -100)
    ours = cr.tensor(x, requires_grad=True)
    loss = F.nll_loss(ours, target, weight=weight)
    theirs = torch.tensor(x, requires_grad=True)
    expected = TF.nll_loss(theirs, torch.from_numpy(target), weight=_torch(weight))
    assert np.isnan(loss.item()) and np.isnan(expected.item())
    loss.backward()
    expected.backward()
    np.testing.assert_array_equal(ours.grad.detach().numpy(), theirs.grad.numpy())


# ------------------------------------------------------------------------------ binary cross-entropy
def _soft_labels(shape, dtype, seed=13):
    y = np.random.default_rng(seed).random(shape)
    y.flat[::4] = 1.0
    y.flat[1::4] = 0.0
    return y.astype(dtype)


# (weight shape or None, pos_weight shape or None) for an input of shape (4, 3)
BCE_WEIGHTS = [(None, None), ((4, 3), None), ((3,), None), ((4, 1), None), (None, (3,)), ((4, 3), (3,)), (None, (1,))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weight_shape,pos_weight_shape", BCE_WEIGHTS)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_matches_torch(weight_shape, pos_weight_shape, reduction, dtype):
    rng = np.random.default_rng(14)
    weight = None if weight_shape is None else (0.5 + rng.random(weight_shape)).astype(dtype)
    pos_weight = None if pos_weight_shape is None else (0.5 + 2 * rng.random(pos_weight_shape)).astype(dtype)
    kw = dict(reduction=reduction)
    # the target is an array argument: its gradient is checked too
    check_op(
        lambda x, y: F.binary_cross_entropy_with_logits(x, y, weight=weight, pos_weight=pos_weight, **kw),
        lambda x, y: TF.binary_cross_entropy_with_logits(
            x, y, weight=_torch(weight), pos_weight=_torch(pos_weight), **kw
        ),
        randn(4, 3, dtype=dtype, seed=15),
        _soft_labels((4, 3), dtype),
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_with_logits_extreme_logits(reduction, dtype):
    x = _extreme_logits((4, 3), dtype, seed=16)
    pos_weight = np.array([1.0, 2.0, 0.5], dtype)
    out = check_op(
        lambda a, y: F.binary_cross_entropy_with_logits(a, y, reduction=reduction, pos_weight=pos_weight),
        lambda a, y: TF.binary_cross_entropy_with_logits(a, y, reduction=reduction, pos_weight=_torch(pos_weight)),
        x,
        _soft_labels((4, 3), dtype),
        gradcheck=False,
    )[0]
    assert np.isfinite(out.detach().numpy()).all()


def test_bce_with_logits_target_without_grad_and_shape_error():
    x = cr.tensor(randn(2, 3, seed=17), requires_grad=True)
    F.binary_cross_entropy_with_logits(x, _soft_labels((2, 3), np.float64)).backward()
    theirs = torch.tensor(randn(2, 3, seed=17), requires_grad=True)
    TF.binary_cross_entropy_with_logits(theirs, torch.from_numpy(_soft_labels((2, 3), np.float64))).backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), theirs.grad.numpy(), rtol=1e-10)
    with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits.*\(3,\).*\(2, 3\)"):
        F.binary_cross_entropy_with_logits(x, np.zeros(3))
    with pytest.raises(ValueError, match="binary_cross_entropy_with_logits"):
        F.binary_cross_entropy_with_logits(x, np.zeros((2, 3)), pos_weight=np.ones(2))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("weight_shape", [None, (4, 3), (3,)])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_bce_on_probabilities_matches_torch(weight_shape, reduction, dtype):
    p = (0.05 + 0.9 * np.random.default_rng(18).random((4, 3))).astype(dtype)  # away from 0 and 1
    weight = None if weight_shape is None else (0.5 + np.random.default_rng(19).random(weight_shape)).astype(dtype)
    check_op(
        lambda a, y: F.binary_cross_entropy(a, y, weight=weight, reduction=reduction),
        lambda a, y: TF.binary_cross_entropy(a, y, weight=_torch(weight), reduction=reduction),
        p,
        _soft_labels((4, 3), dtype),
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_bce_on_exact_zero_and_one_clamps_log_like_torch(dtype):
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5, 1e-30], dtype)
    y = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 1.0], dtype)
    out = check_op(
        lambda a: F.binary_cross_entropy(a, y, reduction="none"),
        lambda a: TF.binary_cross_entropy(a, torch.from_numpy(y), reduction="none"),
        p,
        gradcheck=False,
        rtol=1e-6,
    )[0]
    np.testing.assert_allclose(out.detach().numpy()[:2], [100, 100])  # log(0) clamped at -100
    with pytest.raises(ValueError, match="binary_cross_entropy"):
        F.binary_cross_entropy(cr.tensor([1.5]), np.array([1.0]))


# ------------------------------------------------------------------------------ mse / l1
# (input shape, target shape): same shapes, and a target broadcast against the input
REGRESSION_SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((), ())]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("x_shape,t_shape", REGRESSION_SHAPES)
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
@pytest.mark.filterwarnings("ignore:Using a target size")
def test_regression_losses_match_torch(name, x_shape, t_shape, reduction, dtype):
    check_op(
        lambda x, t: getattr(F, name)(x, t, reduction=reduction),
        lambda x, t: getattr(TF, name)(x, t, reduction=reduction),
        randn(*x_shape, dtype=dtype, seed=20),
        randn(*t_shape, dtype=dtype, seed=21),
    )


def test_regression_loss_errors():
    with pytest.raises(RuntimeError, match=r"mse_loss.*\(3,\).*\(4,\)"), pytest.warns(UserWarning, match="target size"):
        F.mse_loss(cr.zeros(3), cr.zeros(4))  # torch warns first too
    with pytest.raises(ValueError, match="l1_loss.*reduction"):
        F.l1_loss(cr.zeros(3), cr.zeros(3), reduction="max")
