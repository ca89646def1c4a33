"""ops/conv.py against PyTorch: convolution and pooling over a sweep of shapes and arguments
(forward values, every input's gradient, float64 gradcheck), max-pool ties, non-contiguous
inputs, float32, and the errors PyTorch raises for bad input."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from optest import check_op, randn

import chainrule as cr
import chainrule.functional as F

# torch warns that its own "same" padding of an even kernel costs a copy; not our concern here
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel")

# (input shape, weight shape, keyword arguments): strides, paddings incl. 'same'/'valid' with odd
# and even kernels, dilations, groups incl. depthwise, odd sizes, batch 1, unbatched input.
CONV2D_CASES = [
    ((2, 3, 5, 5), (4, 3, 3, 3), {}),
    ((1, 3, 6, 7), (2, 3, 3, 3), dict(stride=2)),
    ((2, 2, 7, 5), (3, 2, 3, 2), dict(stride=(2, 3), padding=(1, 2))),
    ((2, 2, 7, 6), (3, 2, 3, 3), dict(dilation=2, padding=2)),
    ((1, 2, 9, 8), (2, 2, 2, 3), dict(stride=(1, 2), dilation=(3, 1))),
    ((2, 4, 5, 6), (6, 2, 3, 3), dict(groups=2, padding=1)),
    ((2, 3, 6, 5), (6, 1, 3, 3), dict(groups=3, stride=2, padding=1)),  # depthwise, multiplier 2
    ((2, 4, 5, 5), (4, 1, 3, 3), dict(groups=4, padding="same")),  # depthwise
    ((2, 3, 5, 6), (2, 3, 2, 4), dict(padding="same")),  # even kernel: extra padding at the end
    ((1, 2, 7, 7), (2, 2, 2, 2), dict(padding="same", dilation=3)),
    ((2, 3, 4, 5), (2, 3, 4, 5), dict(padding="valid")),  # kernel = input: a 1x1 output
    ((3, 4, 5), (2, 3, 3, 3), dict(padding=1)),  # unbatched (C, H, W)
    ((2, 3, 1, 1), (5, 3, 1, 1), {}),  # 1x1 input and kernel
    ((1, 2, 4, 5), (2, 2, 3, 3), dict(padding=(3, 1))),  # padding wider than the kernel: col2im backward
    ((2, 4, 6, 6), (4, 2, 2, 3), dict(stride=(1, 2), padding=(0, 2), groups=2)),  # strided: col2im backward
]


@pytest.mark.parametrize("x_shape,w_shape,kwargs", CONV2D_CASES)
@pytest.mark.parametrize("bias", [True, False])
def test_conv2d_matches_torch(x_shape, w_shape, kwargs, bias):
    arrays = [randn(*x_shape, seed=1), randn(*w_shape, seed=2)] + ([randn(w_shape[0], seed=3)] if bias else [])
    check_op(lambda *a: F.conv2d(*a, **kwargs), lambda *a: TF.conv2d(*a, **kwargs), *arrays)


CONV1D_CASES = [
    ((2, 3, 8), (4, 3, 3), {}),
    ((1, 4, 9), (6, 2, 3), dict(stride=2, padding=2, dilation=2, groups=2)),
    ((2, 3, 7), (3, 1, 4), dict(groups=3, padding="same")),
    ((3, 6), (2, 3, 2), dict(padding=(1,))),  # unbatched (C, L)
]


@pytest.mark.parametrize("x_shape,w_shape,kwargs", CONV1D_CASES)
def test_conv1d_matches_torch(x_shape, w_shape, kwargs):
    arrays = [randn(*x_shape, seed=1), randn(*w_shape, seed=2), randn(w_shape[0], seed=3)]
    check_op(lambda *a: F.conv1d(*a, **kwargs), lambda *a: TF.conv1d(*a, **kwargs), *arrays)


def test_conv2d_float32_matches_torch_with_float32_tolerance():
    arrays = [randn(2, 8, 9, 9, dtype=np.float32), randn(16, 8, 3, 3, dtype=np.float32), randn(16, dtype=np.float32)]
    out = check_op(lambda *a: F.conv2d(*a, padding=1), lambda *a: TF.conv2d(*a, padding=1), *arrays)
    assert out[0].dtype == np.float32


@pytest.mark.parametrize(
    "make_view",
    [
        lambda a: a.transpose(0, 1, 3, 2),  # a transposed view
        lambda a: a[:, :, ::2, 1::2],  # a strided slice
        lambda a: np.asfortranarray(a),
    ],
    ids=["transposed", "strided", "fortran"],
)
def test_conv2d_and_pooling_on_non_contiguous_inputs(make_view):
    x = make_view(randn(2, 3, 8, 8, seed=4))
    weight = randn(4, 3, 3, 3, seed=5).transpose(0, 1, 3, 2)  # a non-contiguous weight too
    assert not x.flags.c_contiguous
    check_op(lambda a, w: F.conv2d(a, w, padding=1), lambda a, w: TF.conv2d(a, w, padding=1), x, weight)
    check_op(lambda a: F.max_pool2d(a, 2), lambda a: TF.max_pool2d(a, 2), x)
    check_op(lambda a: F.avg_pool2d(a, 3, 1, 1), lambda a: TF.avg_pool2d(a, 3, 1, 1), x)


def test_conv_saves_no_copy_of_the_input_it_could_miss_in_place_changes_to():
    x = cr.tensor(randn(1, 2, 4, 4), requires_grad=True)
    weight = cr.tensor(randn(3, 2, 3, 3), requires_grad=True)
    y = F.conv2d(x * 1, weight)
    z = x * 1
    w2 = weight * 1
    y2 = F.conv2d(z, w2)
    with cr.no_grad():
        z.add_(1)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y2.sum().backward()
    y.sum().backward()  # the untouched graph still works
    assert x.grad is not None


# ----------------------------------------------------------------------------- pooling
MAX_POOL_CASES = [
    ((2, 3, 6, 6), dict(kernel_size=2)),
    ((1, 2, 7, 5), dict(kernel_size=3, stride=2, padding=1)),
    ((2, 2, 7, 7), dict(kernel_size=3, stride=2, ceil_mode=True)),
    ((2, 2, 8, 7), dict(kernel_size=(3, 2), stride=(2, 1), padding=(1, 1), dilation=(2, 1))),
    ((1, 1, 5, 5), dict(kernel_size=2, stride=2, padding=1, ceil_mode=True)),
    ((2, 6, 5), dict(kernel_size=3, stride=1)),  # unbatched (C, H, W); overlapping windows
    ((1, 2, 5, 5), dict(kernel_size=5)),
]


@pytest.mark.parametrize("shape,kwargs", MAX_POOL_CASES)
def test_max_pool2d_matches_torch(shape, kwargs):
    check_op(lambda a: F.max_pool2d(a, **kwargs), lambda a: TF.max_pool2d(a, **kwargs), randn(*shape, seed=6))


@pytest.mark.parametrize("shape,kwargs", MAX_POOL_CASES)
def test_max_pool2d_indices_match_torch(shape, kwargs):
    x = randn(*shape, seed=7)
    values, indices = F.max_pool2d(cr.tensor(x), return_indices=True, **kwargs)
    t_values, t_indices = TF.max_pool2d(torch.tensor(x), return_indices=True, **kwargs)
    np.testing.assert_array_equal(values.numpy(), t_values.numpy())
    np.testing.assert_array_equal(indices.numpy(), t_indices.numpy())
    assert indices.dtype == np.int64
    with cr.no_grad():  # no node recorded: the indices are recomputed, the same ones
        np.testing.assert_array_equal(F.max_pool2d(cr.tensor(x), return_indices=True, **kwargs)[1].numpy(), indices)


@pytest.mark.parametrize(
    "x",
    [
        np.ones((1, 1, 4, 4)),  # every window a tie
        np.array([[[[1.0, 2.0, 2.0], [2.0, 0.0, 2.0], [1.0, 2.0, 2.0]]]]),
        np.zeros((2, 2, 5, 5)),
    ],
)
@pytest.mark.parametrize("kwargs", [dict(kernel_size=2), dict(kernel_size=3, stride=1), dict(kernel_size=2, stride=1)])
def test_max_pool_ties_send_the_gradient_to_the_same_element_as_torch(x, kwargs):
    # One element per window gets the gradient (torch keeps the first maximum in row-major
    # order); overlapping windows that pick the same element add up.
    if min(x.shape[-2:]) < kwargs["kernel_size"]:
        pytest.skip("window larger than the input")
    ours = cr.tensor(x, requires_grad=True)
    theirs = torch.tensor(x, requires_grad=True)
    weights = randn(*TF.max_pool2d(theirs, **kwargs).shape, seed=8)
    (F.max_pool2d(ours, **kwargs) * cr.tensor(weights)).sum().backward()
    (TF.max_pool2d(theirs, **kwargs) * torch.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


def test_max_pool_of_an_integer_tensor_matches_torch():
    x = np.arange(2 * 5 * 5).reshape(1, 2, 5, 5) % 7
    np.testing.assert_array_equal(F.max_pool2d(cr.tensor(x), 2, 1, 1).numpy(), TF.max_pool2d(torch.tensor(x), 2, 1, 1))


AVG_POOL_CASES = [
    ((2, 3, 6, 6), dict(kernel_size=2)),
    ((1, 2, 7, 5), dict(kernel_size=3, stride=2, padding=1)),
    ((1, 2, 7, 5), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
    ((2, 2, 7, 7), dict(kernel_size=3, stride=2, ceil_mode=True)),
    ((2, 2, 6, 7), dict(kernel_size=(2, 3), stride=2, padding=1, ceil_mode=True, count_include_pad=False)),
    ((1, 1, 5, 5), dict(kernel_size=2, stride=2, padding=1, ceil_mode=True)),
    ((2, 5, 6), dict(kernel_size=3, stride=1, padding=1)),  # unbatched
    ((1, 2, 5, 5), dict(kernel_size=3, padding=1, divisor_override=2)),
]


@pytest.mark.parametrize("shape,kwargs", AVG_POOL_CASES)
def test_avg_pool2d_matches_torch(shape, kwargs):
    check_op(lambda a: F.avg_pool2d(a, **kwargs), lambda a: TF.avg_pool2d(a, **kwargs), randn(*shape, seed=9))


def test_avg_pool2d_float32_and_integers_match_torch():
    check_op(
        lambda a: F.avg_pool2d(a, 3, 2, 1), lambda a: TF.avg_pool2d(a, 3, 2, 1), randn(2, 3, 7, 7, dtype=np.float32)
    )
    x = np.arange(50).reshape(1, 2, 5, 5)
    np.testing.assert_array_equal(F.avg_pool2d(cr.tensor(x), 2).numpy(), TF.avg_pool2d(torch.tensor(x), 2))


@pytest.mark.parametrize(
    "shape,kwargs",
    [
        ((2, 3, 9), dict(kernel_size=3, stride=2, padding=1)),
        ((2, 3, 9), dict(kernel_size=2, ceil_mode=True)),
        ((3, 8), dict(kernel_size=3, stride=1)),  # unbatched (C, L)
    ],
)
def test_pool1d_matches_torch(shape, kwargs):
    x = randn(*shape, seed=10)
    check_op(lambda a: F.max_pool1d(a, **kwargs), lambda a: TF.max_pool1d(a, **kwargs), x)
    check_op(lambda a: F.avg_pool1d(a, **kwargs), lambda a: TF.avg_pool1d(a, **kwargs), x)
    check_op(lambda a: cr.max_pool1d(a, **kwargs), lambda a: torch.max_pool1d(a, **kwargs), x)
    values, indices = F.max_pool1d(cr.tensor(x), return_indices=True, **kwargs)
    np.testing.assert_array_equal(indices.numpy(), TF.max_pool1d(torch.tensor(x), return_indices=True, **kwargs)[1])


@pytest.mark.parametrize(
    "shape,output_size",
    [((2, 3, 7, 5), (3, 4)), ((1, 2, 6, 6), 3), ((2, 2, 5, 9), (None, 4)), ((3, 5, 4), 1), ((1, 1, 3, 3), (5, 7))],
)
def test_adaptive_pooling_matches_torch(shape, output_size):
    x = randn(*shape, seed=11)
    check_op(lambda a: F.adaptive_avg_pool2d(a, output_size), lambda a: TF.adaptive_avg_pool2d(a, output_size), x)
    check_op(lambda a: F.adaptive_max_pool2d(a, output_size), lambda a: TF.adaptive_max_pool2d(a, output_size), x)
    _, indices = F.adaptive_max_pool2d(cr.tensor(x), output_size, return_indices=True)
    np.testing.assert_array_equal(indices.numpy(), TF.adaptive_max_pool2d(torch.tensor(x), output_size, True)[1])


@pytest.mark.parametrize("shape,output_size", [((2, 3, 9), 4), ((3, 5), (7,)), ((1, 2, 6), 1)])
def test_adaptive_pooling_1d_matches_torch(shape, output_size):
    x = randn(*shape, seed=12)
    check_op(lambda a: F.adaptive_avg_pool1d(a, output_size), lambda a: TF.adaptive_avg_pool1d(a, output_size), x)
    check_op(lambda a: F.adaptive_max_pool1d(a, output_size), lambda a: TF.adaptive_max_pool1d(a, output_size), x)
    check_op(lambda a: cr.adaptive_avg_pool1d(a, output_size), lambda a: torch.adaptive_avg_pool1d(a, output_size), x)
    _, indices = F.adaptive_max_pool1d(cr.tensor(x), output_size, return_indices=True)
    np.testing.assert_array_equal(indices.numpy(), TF.adaptive_max_pool1d(torch.tensor(x), output_size, True)[1])


@pytest.mark.parametrize(
    "call",
    [
        lambda F, t: F.adaptive_avg_pool1d(t(np.ones((1, 2, 3, 4))), 2),
        lambda F, t: F.adaptive_max_pool1d(t(np.ones(4)), 2),
        lambda F, t: F.adaptive_avg_pool1d(t(np.ones((2, 5))), (2, 3)),
        lambda F, t: F.adaptive_avg_pool1d(t(np.ones((2, 5))), None),
    ],
)
def test_adaptive_pooling_1d_errors_match_torch(call):
    ours, theirs = _both(call)
    assert type(ours) is type(theirs), (ours, theirs)
    assert "adaptive" in str(ours)


def test_an_empty_batch_gives_an_empty_output_as_torch():
    x = np.zeros((0, 3, 5, 5))
    weight = np.ones((2, 3, 3, 3))
    for ours, theirs in [
        (lambda a, w: F.conv2d(a, w, padding=1), lambda a, w: TF.conv2d(a, w, padding=1)),
        (lambda a, w: F.max_pool2d(a, 2) * w.sum(), lambda a, w: TF.max_pool2d(a, 2) * w.sum()),
        (lambda a, w: F.avg_pool2d(a, 3, 1, 1) * w.sum(), lambda a, w: TF.avg_pool2d(a, 3, 1, 1) * w.sum()),
        (lambda a, w: F.adaptive_max_pool2d(a, 2) * w.sum(), lambda a, w: TF.adaptive_max_pool2d(a, 2) * w.sum()),
        (lambda a, w: F.adaptive_avg_pool2d(a, 2) * w.sum(), lambda a, w: TF.adaptive_avg_pool2d(a, 2) * w.sum()),
    ]:
        check_op(ours, theirs, x, weight, gradcheck=False)


def test_nan_propagates_through_max_pooling_as_in_torch():
    x = np.array([[[[1.0, np.nan], [3.0, 4.0]]]])
    np.testing.assert_array_equal(F.max_pool2d(cr.tensor(x), 2).numpy(), TF.max_pool2d(torch.tensor(x), 2).numpy())


def test_adaptive_pooling_float32():
    x = randn(2, 3, 7, 6, dtype=np.float32)
    check_op(lambda a: F.adaptive_avg_pool2d(a, 3), lambda a: TF.adaptive_avg_pool2d(a, 3), x)
    check_op(lambda a: F.adaptive_max_pool2d(a, 3), lambda a: TF.adaptive_max_pool2d(a, 3), x)


# ----------------------------------------------------------------------------- channel dropout
@pytest.mark.parametrize("fn,shape", [(F.dropout2d, (4, 6, 3, 3)), (F.dropout1d, (4, 6, 5)), (F.dropout1d, (6, 5))])
def test_channel_dropout_zeros_whole_channels_and_scales_the_rest(fn, shape):
    x = cr.tensor(randn(*shape, low=1.0), requires_grad=True)
    y = fn(x, 0.5, generator=cr.Generator(0))
    ratio = (y / x).detach().numpy()
    spatial = ratio.reshape(ratio.shape[:-2] + (-1,)) if fn is F.dropout2d else ratio
    per_channel = spatial.reshape(-1, spatial.shape[-1])
    assert np.all(per_channel == per_channel[:, :1]), "one mask value per channel"
    assert set(np.unique(per_channel)) <= {0.0, 2.0} and len(np.unique(per_channel)) == 2
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), ratio)  # the same mask scales the gradient


def test_dropout2d_on_3d_input_warns_and_masks_dim_1_as_torch():
    x = cr.tensor(randn(3, 4, 5, low=1.0))
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        y = F.dropout2d(x, 0.5, generator=cr.Generator(1))
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        TF.dropout2d(torch.ones(3, 4, 5), 0.5)
    ratio = (y / x).numpy()
    assert np.all(ratio == ratio[:, :, :1])  # (N, C, L): one value per (n, c)


def test_channel_dropout_identity_and_errors():
    x = cr.tensor(randn(2, 3, 4, 4))
    assert F.dropout2d(x, 0.5, training=False) is x
    assert F.dropout2d(x, 0.0) is x
    np.testing.assert_array_equal(F.dropout2d(x, 1.0).numpy(), np.zeros((2, 3, 4, 4)))
    with pytest.raises(ValueError, match="between 0 and 1"):
        F.dropout2d(x, 1.5)
    with pytest.raises(RuntimeError, match="dropout1d: Expected 2D or 3D input"):
        F.dropout1d(x, 0.5)
    with pytest.raises(RuntimeError):
        TF.dropout1d(torch.ones(2, 3, 4, 4), 0.5)


# ----------------------------------------------------------------------------- bad input
def _both(call):
    """Run ``call(F)`` and ``call(torch F)`` on the same arrays; return the two exceptions."""
    errors = []
    for lib, wrap in ((F, cr.tensor), (TF, torch.tensor)):
        with pytest.raises(Exception) as info:
            call(lib, wrap)
        errors.append(info.value)
    return errors


@pytest.mark.parametrize(
    "call,match",
    [
        (
            lambda F, t: F.conv2d(t(np.ones((1, 1, 1, 4, 4))), t(np.ones((1, 1, 3, 3)))),
            r"4D \(batched\).*\[1, 1, 1, 4, 4\]",
        ),
        (lambda F, t: F.conv2d(t(np.ones((4, 8))), t(np.ones((8, 4, 3, 3)))), r"input to conv2d.*\[4, 8\]"),
        (lambda F, t: F.conv2d(t(np.ones((2, 4, 8, 8))), t(np.ones((8, 3, 3, 3)))), r"to have 3 channels, but got 4"),
        (
            lambda F, t: F.conv2d(t(np.ones((1, 3, 2, 2))), t(np.ones((8, 3, 3, 3)))),
            r"\(2 x 2\).*Kernel size: \(3 x 3\)",
        ),
        (lambda F, t: F.conv2d(t(np.ones((1, 4, 5, 5))), t(np.ones((3, 2, 3, 3))), groups=2), r"divisible by 2"),
        (lambda F, t: F.conv2d(t(np.ones((1, 4, 5, 5))), t(np.ones((4, 4, 3, 3))), stride=0), r"non-positive stride"),
        (lambda F, t: F.conv2d(t(np.ones((1, 4, 5, 5))), t(np.ones((4, 4, 3, 3))), padding=-1), r"negative padding"),
        (
            lambda F, t: F.conv2d(t(np.ones((1, 4, 5, 5))), t(np.ones((4, 4, 3, 3))), dilation=0),
            r"non-positive dilation",
        ),
        (lambda F, t: F.conv2d(t(np.ones((1, 4, 5, 5))), t(np.ones((4, 4, 3, 3))), groups=0), r"non-positive groups"),
        (
            lambda F, t: F.conv2d(t(np.ones((1, 4, 5, 5))), t(np.ones((4, 4, 3, 3))), padding="same", stride=2),
            "strided",
        ),
        (lambda F, t: F.conv2d(t(np.ones((1, 4, 5, 5))), t(np.ones((4, 4, 3, 3))), padding="full"), "Invalid padding"),
        (lambda F, t: F.conv2d(t(np.ones((1, 4, 5, 5))), t(np.ones((4, 4, 3, 3))), t(np.ones(3))), "bias"),
        (lambda F, t: F.conv2d(t(np.ones((1, 4, 5, 5))), t(np.ones((4, 4, 3, 3))), stride=(1, 1, 1)), "list of 2"),
        (lambda F, t: F.conv2d(t(np.ones((1, 4, 5, 5))), t(np.ones((4, 4, 3, 3), np.float32))), ""),  # dtypes
        (lambda F, t: F.conv1d(t(np.ones((2, 3, 5, 5))), t(np.ones((4, 3, 3)))), r"3D \(batched\) input to conv1d"),
        (lambda F, t: F.conv1d(t(np.ones((2, 3, 5))), t(np.ones((4, 3, 7)))), r"Kernel size: \(7\)"),
        (lambda F, t: F.max_pool2d(t(np.ones((2, 3, 5, 5))), 3, padding=2), "at most half"),
        (lambda F, t: F.max_pool2d(t(np.ones((3, 2, 2))), 3), r"\(3x2x2\).*\(3x0x0\).*too small"),
        (lambda F, t: F.max_pool2d(t(np.ones((1, 1, 1, 3, 3))), 2), r"\[1, 1, 1, 3, 3\]"),
        (lambda F, t: F.max_pool2d(t(np.ones((1, 1, 3, 3))), 2, stride=0), "stride should not be zero"),
        (lambda F, t: F.max_pool2d(t(np.ones((1, 1, 3, 3))), 2, padding=-1), "non-negative"),
        (lambda F, t: F.max_pool2d(t(np.ones((1, 1, 3, 3))), 2, dilation=0), "dilation"),
        (lambda F, t: F.max_pool2d(t(np.ones((1, 1, 3, 3))), (2, 2, 2)), "kernel_size"),
        (lambda F, t: F.avg_pool2d(t(np.ones((2, 3, 5, 5))), 3, padding=2), "at most half"),
        (lambda F, t: F.avg_pool2d(t(np.ones((1, 1, 1, 3, 3))), 2), r"\[1, 1, 1, 3, 3\]"),
        (lambda F, t: F.avg_pool2d(t(np.ones((1, 1, 4, 4))), 2, divisor_override=0), "divisor must be not zero"),
        (lambda F, t: F.max_pool1d(t(np.ones((2, 3, 4, 4))), 2), r"\[2, 3, 4, 4\]"),
        (lambda F, t: F.adaptive_avg_pool2d(t(np.ones((1, 1, 1, 3, 3))), 2), r"\[1, 1, 1, 3, 3\]"),
        (lambda F, t: F.adaptive_max_pool2d(t(np.ones((1, 1, 1, 3, 3))), 2), r"\[1, 1, 1, 3, 3\]"),
    ],
)
def test_bad_input_raises_torchs_exception_type_with_a_clear_message(call, match):
    ours, theirs = _both(call)
    assert isinstance(ours, type(theirs)) or type(theirs) in type(ours).__mro__, (ours, theirs)
    assert type(ours) is RuntimeError and type(theirs) is RuntimeError
    import re

    assert re.search(match, str(ours)), str(ours)


def test_conv_argument_types():
    x, w = cr.tensor(np.ones((1, 1, 3, 3))), cr.tensor(np.ones((1, 1, 2, 2)))
    with pytest.raises(TypeError, match="'weight'"):
        F.conv2d(x, [[1.0]])
    with pytest.raises(TypeError, match="'input'"):
        F.conv2d(3.0, w)
    with pytest.raises(TypeError, match="groups"):
        F.conv2d(x, w, groups=1.5)
