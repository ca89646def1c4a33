"""``chainrule.functional`` (import as ``F``): the user-facing functions, PyTorch names and
arguments. Each is a thin call into one op in ``chainrule.ops``."""

from __future__ import annotations

import builtins
import inspect

import numpy as np

from . import random as _random
from .ops import arithmetic, linalg, shape, unary
from .ops.dropout import Dropout
from .ops.embedding import Embedding
from .ops.loss import BCEWithLogits, BinaryCrossEntropy, CrossEntropy, L1Loss, MSELoss, NLLLoss, check_reduction
from .ops.normalization import BatchNorm, LayerNorm
from .tensor import Tensor, _tensor_argument, as_tensor_operand, unwrap_tensor


def _tensor_or_array(value):
    """A loss's target or weight argument as an op input: a Tensor stays one (a target of
    probabilities may want a gradient, and backward can tell if either was modified in place
    after the forward pass); None stays None; anything else becomes an ndarray."""
    if value is None or isinstance(value, Tensor):
        return value
    return np.asarray(value)


# ---------------------------------------------------------------- arithmetic
def add(input, other, *, alpha=1):
    return as_tensor_operand("add", input).add(other, alpha=alpha)


def sub(input, other, *, alpha=1):
    return as_tensor_operand("sub", input).sub(other, alpha=alpha)


def mul(input, other):
    return as_tensor_operand("mul", input) * other


def div(input, other, *, rounding_mode=None):
    return as_tensor_operand("div", input).div(other, rounding_mode=rounding_mode)


def neg(input):
    return -as_tensor_operand("neg", input)


def pow(input, exponent):  # noqa: A001 - PyTorch name
    if not isinstance(input, Tensor):
        if isinstance(exponent, Tensor):
            return as_tensor_operand("pow", input, keep_numbers=True) ** exponent
        return as_tensor_operand("pow", input) ** exponent
    return input**exponent


def maximum(input, other):
    return arithmetic.Maximum.apply(
        as_tensor_operand("maximum", _tensor_argument("maximum", input, "input", 1)),
        as_tensor_operand("maximum", _tensor_argument("maximum", other)),
    )


def minimum(input, other):
    return arithmetic.Minimum.apply(
        as_tensor_operand("minimum", _tensor_argument("minimum", input, "input", 1)),
        as_tensor_operand("minimum", _tensor_argument("minimum", other)),
    )


def where(condition, input, other):
    return arithmetic.Where.apply(
        np.asarray(unwrap_tensor(condition)),
        as_tensor_operand("where", input, keep_numbers=True),
        as_tensor_operand("where", other, keep_numbers=True),
    )


def matmul(input, other):
    return linalg.MatMul.apply(as_tensor_operand("matmul", input), as_tensor_operand("matmul", other))


def linear(input, weight, bias=None):
    """y = x W^T + b, with W stored (out_features, in_features) as in PyTorch (one fused op)."""
    input = as_tensor_operand("linear", input)
    if bias is None:
        return linalg.Linear.apply(input, weight)
    return linalg.Linear.apply(input, weight, bias)


def norm(input, p="fro", dim=None, keepdim=False):
    """Vector p-norm over ``dim`` (every dim when None), ``torch.norm``'s signature: 'fro' is the
    2-norm, and p may be any real number or +-inf. The gradient at a zero vector (or zero slice)
    is 0, as in PyTorch, not the 0/0 of sqrt(sum(x * x))."""
    return linalg.Norm.apply(as_tensor_operand("norm", input), p=p, dim=dim, keepdim=keepdim)


# ---------------------------------------------------------------- elementwise
def exp(input):
    return unary.Exp.apply(as_tensor_operand("exp", input))


def log(input):
    return unary.Log.apply(as_tensor_operand("log", input))


def sqrt(input):
    return unary.Sqrt.apply(as_tensor_operand("sqrt", input))


def abs(input):  # noqa: A001
    return unary.Abs.apply(as_tensor_operand("abs", input))


def clamp(input, min=None, max=None):  # noqa: A002
    return unary.Clamp.apply(as_tensor_operand("clamp", input), min=min, max=max)


clip = clamp


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    return unary.Hardtanh.apply(as_tensor_operand("hardtanh", input), min_val=min_val, max_val=max_val)


def tanh(input):
    return unary.Tanh.apply(as_tensor_operand("tanh", input))


def sigmoid(input):
    return unary.Sigmoid.apply(as_tensor_operand("sigmoid", input))


def relu(input, inplace=False):
    return unary.ReLU.apply(as_tensor_operand("relu", input))


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return unary.LeakyReLU.apply(as_tensor_operand("leaky_relu", input), negative_slope=negative_slope)


def elu(input, alpha=1.0, inplace=False):
    return unary.ELU.apply(as_tensor_operand("elu", input), alpha=alpha)


def gelu(input, approximate="none"):
    return unary.GELU.apply(as_tensor_operand("gelu", input), approximate=approximate)


def softplus(input, beta=1.0, threshold=20.0):
    return unary.Softplus.apply(as_tensor_operand("softplus", input), beta=beta, threshold=threshold)


def softmax(input, dim=None, *, axis=None):
    return as_tensor_operand("softmax", input).softmax(dim, axis=axis)


def log_softmax(input, dim=None, *, axis=None):
    return as_tensor_operand("log_softmax", input).log_softmax(dim, axis=axis)


# ---------------------------------------------------------------- reductions
def sum(input, dim=None, keepdim=False, *, dtype=None, axis=None):  # noqa: A001
    return as_tensor_operand("sum", input).sum(dim, keepdim, dtype=dtype, axis=axis)


def mean(input, dim=None, keepdim=False, *, dtype=None, axis=None):
    return as_tensor_operand("mean", input).mean(dim, keepdim, dtype=dtype, axis=axis)


def max(input, dim=None, keepdim=False, *, axis=None):  # noqa: A001
    return as_tensor_operand("max", input).max(dim, keepdim, axis=axis)


def min(input, dim=None, keepdim=False, *, axis=None):  # noqa: A001
    return as_tensor_operand("min", input).min(dim, keepdim, axis=axis)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None):
    return as_tensor_operand("var", input).var(dim, unbiased, keepdim, correction=correction, axis=axis)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None):
    return as_tensor_operand("std", input).std(dim, unbiased, keepdim, correction=correction, axis=axis)


def logsumexp(input, dim=None, keepdim=False, *, axis=None):
    return as_tensor_operand("logsumexp", input).logsumexp(dim, keepdim, axis=axis)


def argmax(input, dim=None, keepdim=False, *, axis=None):
    return as_tensor_operand("argmax", input).argmax(dim, keepdim, axis=axis)


# ---------------------------------------------------------------- shape
def reshape(input, shape):  # the module ``shape`` is not needed here, so torch's argument name wins
    return as_tensor_operand("reshape", input).reshape(shape)


def transpose(input, dim0, dim1):
    return as_tensor_operand("transpose", input).transpose(dim0, dim1)


def permute(input, dims):
    return as_tensor_operand("permute", input).permute(dims)


def squeeze(input, dim=None, *, axis=None):
    return as_tensor_operand("squeeze", input).squeeze(dim, axis=axis)


def unsqueeze(input, dim=None, *, axis=None):
    return as_tensor_operand("unsqueeze", input).unsqueeze(dim, axis=axis)


def flatten(input, start_dim=0, end_dim=-1):
    return shape.flatten(as_tensor_operand("flatten", input), start_dim, end_dim)


def cat(tensors, dim=0, *, axis=None):
    if axis is not None:
        dim = axis  # torch.cat's alias
    for position, t in enumerate(tensors):
        if not isinstance(t, (Tensor, np.ndarray)):  # torch.cat([x, 3]) is a TypeError, not a cast
            raise TypeError(f"cat(): expected Tensor as element {position} in argument 0, but got {type(t).__name__}")
    tensors = [as_tensor_operand("cat", t) for t in tensors]
    return shape.Cat.apply(*tensors, dim=dim)


concat = cat


def stack(tensors, dim=0, *, axis=None):
    if axis is not None:
        dim = axis  # torch.stack's alias
    tensors = [as_tensor_operand("stack", t) for t in tensors]
    return shape.Stack.apply(*tensors, dim=dim)


def split(tensor, split_size_or_sections, dim=0):
    return shape.split(as_tensor_operand("split", tensor), split_size_or_sections, dim)


def chunk(input, chunks, dim=0):
    return shape.chunk(as_tensor_operand("chunk", input), chunks, dim)


def pad(input, pad, mode="constant", value=0.0):  # noqa: A002
    if mode != "constant":
        raise NotImplementedError(f"pad: mode {mode!r} is not implemented; only 'constant' is")
    return shape.Pad.apply(as_tensor_operand("pad", input), pad=tuple(pad), value=value)


def gather(input, dim, index):
    return as_tensor_operand("gather", input).gather(dim, index)


def one_hot(tensor, num_classes=-1):
    """Class indices -> int64 one-hot rows (no gradient, as in PyTorch)."""
    indices = np.asarray(unwrap_tensor(tensor))
    if indices.dtype.kind not in "iu":
        raise TypeError(f"one_hot: expected an integer (int64) tensor of class indices, got dtype {indices.dtype}")
    if indices.size and indices.min() < 0:
        raise ValueError(f"one_hot: class values must be non-negative, got {int(indices.min())}")
    if num_classes == -1:
        num_classes = int(indices.max()) + 1 if indices.size else 0
    elif indices.size and indices.max() >= num_classes:
        raise ValueError(f"one_hot: class value {int(indices.max())} is not below num_classes={num_classes}")
    out = np.zeros(indices.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, indices[..., None].astype(np.int64), 1, axis=-1)
    return Tensor(out)


# ---------------------------------------------------------------- losses
def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    # weight goes in positionally (a non-differentiable input), so the version check covers it
    return CrossEntropy.apply(
        as_tensor_operand("cross_entropy", input),
        _tensor_or_array(target),
        _tensor_or_array(weight),
        ignore_index=ignore_index,
        reduction=reduction,
        label_smoothing=label_smoothing,
    )


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    return NLLLoss.apply(
        as_tensor_operand("nll_loss", input),
        np.asarray(unwrap_tensor(target)),
        _tensor_or_array(weight),
        ignore_index=ignore_index,
        reduction=reduction,
    )


def binary_cross_entropy_with_logits(input, target, weight=None, reduction="mean", pos_weight=None):
    return BCEWithLogits.apply(
        as_tensor_operand("binary_cross_entropy_with_logits", input),
        _tensor_or_array(target),
        _tensor_or_array(weight),
        _tensor_or_array(pos_weight),
        reduction=reduction,
    )


def binary_cross_entropy(input, target, weight=None, reduction="mean"):
    return BinaryCrossEntropy.apply(
        as_tensor_operand("binary_cross_entropy", input),
        _tensor_or_array(target),
        _tensor_or_array(weight),
        reduction=reduction,
    )


def mse_loss(input, target, reduction="mean"):
    return MSELoss.apply(
        as_tensor_operand("mse_loss", input), as_tensor_operand("mse_loss", target), reduction=reduction
    )


def l1_loss(input, target, reduction="mean"):
    return L1Loss.apply(as_tensor_operand("l1_loss", input), as_tensor_operand("l1_loss", target), reduction=reduction)


# ---------------------------------------------------------------- layers' functions
def embedding(input, weight, padding_idx=None):
    return Embedding.apply(weight, np.asarray(unwrap_tensor(input)), padding_idx=padding_idx)


def dropout(input, p=0.5, training=True, inplace=False, generator=None):
    """Inverted dropout; identity when not training or p == 0 (the input itself is returned)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout: probability has to be between 0 and 1, but got {p}")
    input = as_tensor_operand("dropout", input)
    if not training or p == 0.0:
        return input
    return Dropout.apply(input, p=p, generator=_random.get_generator(generator))


# ---------------------------------------------------------------- normalisation


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalise over the trailing ``normalized_shape`` dims, then scale by weight and shift by bias."""
    input = as_tensor_operand("layer_norm", input)
    normalized_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    k = len(normalized_shape)
    if k == 0 or k > input.ndim or tuple(input.shape[input.ndim - k :]) != normalized_shape:
        raise ValueError(
            f"layer_norm: given normalized_shape={list(normalized_shape)}, expected an input of shape "
            f"[*, {', '.join(map(str, normalized_shape))}], but got an input of shape {tuple(input.shape)}"
        )
    return LayerNorm.apply(input, weight, bias, normalized_ndim=len(normalized_shape), eps=eps)


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Normalise each channel (axis 1) by batch statistics (training, updating the running buffers
    in place) or by the running buffers (evaluation)."""
    return BatchNorm.apply(
        as_tensor_operand("batch_norm", input),
        weight,
        bias,
        running_mean,
        running_var,
        training=training,
        momentum=momentum,
        eps=eps,
    )


# ---------------------------------------------------------------- cost-sensitive losses
def sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0, reduction="none"):
    """Binary focal loss of Lin et al. (2017), with torchvision's arguments and defaults.

    FL = -alpha_t (1 - p_t)^gamma log p_t, p_t the probability given to the true label. The
    factor (1 - p_t)^gamma shrinks the loss of examples the model already gets right, so the
    many easy majority examples stop drowning out the few hard (often minority) ones; alpha_t
    (alpha for positives, 1 - alpha for negatives; alpha < 0 disables it) re-weights the classes.
    gamma = 0 and alpha < 0 give plain binary cross-entropy. Built from differentiable ops, so
    its gradient follows from the chain rule (and is gradchecked in the tests).
    """
    check_reduction("sigmoid_focal_loss", reduction)
    inputs = as_tensor_operand("sigmoid_focal_loss", inputs)
    targets = targets if isinstance(targets, Tensor) else Tensor(np.asarray(targets, dtype=inputs.dtype))
    p = sigmoid(inputs)
    ce = binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce * (1 - p_t) ** gamma if gamma else ce
    if alpha >= 0:
        loss = (alpha * targets + (1 - alpha) * (1 - targets)) * loss
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def focal_loss(input, target, gamma=2.0, alpha=None, reduction="mean", ignore_index=-100):
    """Multi-class focal loss on logits: l_n = -alpha_{y_n} (1 - p_{n,y_n})^gamma log p_{n,y_n}.

    ``alpha`` is an optional per-class weight (like cross_entropy's ``weight``, but the 'mean'
    here is a plain mean over non-ignored rows). gamma = 0 without alpha equals cross_entropy.
    """
    check_reduction("focal_loss", reduction)
    input = as_tensor_operand("focal_loss", input)
    target_raw = np.asarray(unwrap_tensor(target))
    if input.ndim != 2:
        raise ValueError(f"focal_loss: expected (N, C) logits, got shape {input.shape}")
    if target_raw.shape != (input.shape[0],):
        raise ValueError(f"focal_loss: expected targets of shape ({input.shape[0]},), got {target_raw.shape}")
    keep = target_raw != ignore_index
    safe = np.where(keep, target_raw, 0)
    if keep.any() and (safe[keep].min() < 0 or safe[keep].max() >= input.shape[1]):
        raise IndexError(
            f"focal_loss: targets must lie in [0, {input.shape[1]}), got values {np.unique(target_raw[keep])}"
        )
    log_p = log_softmax(input, dim=1).gather(1, safe[:, None]).squeeze(1)
    loss = -((1 - log_p.exp()) ** gamma) * log_p if gamma else -log_p
    if alpha is not None:
        loss = loss * Tensor(np.asarray(unwrap_tensor(alpha), dtype=input.dtype)[safe])
    loss = loss * Tensor(keep.astype(input.dtype))
    if reduction == "mean":
        return loss.sum() / builtins.max(int(keep.sum()), 1)
    if reduction == "sum":
        return loss.sum()
    return loss


# Every public function defined above, so a new one needs no list of its own to be edited;
# tests/test_public_api.py pins the result, so an accidental export still shows up in review.
__all__ = sorted(
    name
    for name, value in list(globals().items())
    if inspect.isfunction(value) and value.__module__ == __name__ and not name.startswith("_")
)
