"""``chainrule.functional`` (import as ``F``): the user-facing functions, PyTorch names and
arguments. Each is a thin call into one op in ``chainrule.ops``."""

from __future__ import annotations

import builtins
import inspect
import warnings

import numpy as np

from . import backend
from . import random as _random
from .ops import activation, arithmetic, conv, linalg, reduce, shape, unary
from .ops.attention import ScaledDotProductAttention
from .ops.dropout import Dropout
from .ops.embedding import Embedding
from .ops.loss import BCEWithLogits, BinaryCrossEntropy, CrossEntropy, L1Loss, MSELoss, NLLLoss, check_reduction
from .ops.normalization import BatchNorm, LayerNorm
from .ops.softmax import Softmax
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
        _tensor_argument("maximum", input, "input", 1),
        _tensor_argument("maximum", other, position=2),
    )


def minimum(input, other):
    return arithmetic.Minimum.apply(
        _tensor_argument("minimum", input, "input", 1),
        _tensor_argument("minimum", other, position=2),
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
    for position, name, value in ((2, "weight", weight), (3, "bias", bias)):
        if value is not None and not isinstance(value, (Tensor, np.ndarray)):
            raise TypeError(
                f"linear(): argument '{name}' (position {position}) must be Tensor, not {type(value).__name__}"
            )
    if bias is None:
        return linalg.Linear.apply(input, weight)
    return linalg.Linear.apply(input, weight, bias)


def norm(input, p="fro", dim=None, keepdim=False):
    """Vector p-norm over ``dim`` (every dim when None), ``torch.norm``'s signature: 'fro' is the
    2-norm, and p may be any real number or +-inf. The gradient at a zero vector (or zero slice)
    is 0, as in PyTorch, not the 0/0 of sqrt(sum(x * x)). 'nuc' is the nuclear matrix norm over
    the two dims (a 2-D input when dim is None)."""
    return as_tensor_operand("norm", input).norm(p, dim, keepdim)


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
    return _activation("hardtanh", unary.Hardtanh.apply, input, inplace, min_val=min_val, max_val=max_val)


def _activation(op_name, apply, input, inplace, **kwargs):
    """Apply an activation out of place or, with ``inplace=True``, into ``input``'s memory as
    PyTorch does (``F.relu(x, inplace=True)`` changes ``x``, and its history is rebased: see
    docs/autograd.md)."""
    input = as_tensor_operand(op_name, input)
    if inplace:
        return input._inplace(op_name + "_", apply, **kwargs)
    return apply(input, **kwargs)


def tanh(input):
    return unary.Tanh.apply(as_tensor_operand("tanh", input))


def sigmoid(input):
    return unary.Sigmoid.apply(as_tensor_operand("sigmoid", input))


def relu(input, inplace=False):
    return _activation("relu", unary.ReLU.apply, input, inplace)


def leaky_relu(input, negative_slope=0.01, inplace=False):
    return _activation("leaky_relu", unary.LeakyReLU.apply, input, inplace, negative_slope=negative_slope)


def elu(input, alpha=1.0, inplace=False):
    return _activation("elu", unary.ELU.apply, input, inplace, alpha=alpha)


def relu_(input):
    return relu(input, inplace=True)


def elu_(input, alpha=1.0):
    return elu(input, alpha, inplace=True)


def leaky_relu_(input, negative_slope=0.01):
    return leaky_relu(input, negative_slope, inplace=True)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    return hardtanh(input, min_val, max_val, inplace=True)


def gelu(input, approximate="none"):
    return unary.GELU.apply(as_tensor_operand("gelu", input), approximate=approximate)


def softplus(input, beta=1.0, threshold=20.0):
    return unary.Softplus.apply(as_tensor_operand("softplus", input), beta=beta, threshold=threshold)


def softmax(input, dim=None, *, axis=None):
    return as_tensor_operand("softmax", input).softmax(dim, axis=axis)


def log_softmax(input, dim=None, *, axis=None):
    return as_tensor_operand("log_softmax", input).log_softmax(dim, axis=axis)


def sin(input):
    return unary.Sin.apply(as_tensor_operand("sin", input))


def cos(input):
    return unary.Cos.apply(as_tensor_operand("cos", input))


def tan(input):
    return unary.Tan.apply(as_tensor_operand("tan", input))


def asin(input):
    return unary.Asin.apply(as_tensor_operand("asin", input))


def acos(input):
    return unary.Acos.apply(as_tensor_operand("acos", input))


def atan(input):
    return unary.Atan.apply(as_tensor_operand("atan", input))


def sinh(input):
    return unary.Sinh.apply(as_tensor_operand("sinh", input))


def cosh(input):
    return unary.Cosh.apply(as_tensor_operand("cosh", input))


def asinh(input):
    return unary.Asinh.apply(as_tensor_operand("asinh", input))


def acosh(input):
    return unary.Acosh.apply(as_tensor_operand("acosh", input))


def atanh(input):
    return unary.Atanh.apply(as_tensor_operand("atanh", input))


def log2(input):
    return unary.Log2.apply(as_tensor_operand("log2", input))


def log10(input):
    return unary.Log10.apply(as_tensor_operand("log10", input))


def log1p(input):
    return unary.Log1p.apply(as_tensor_operand("log1p", input))


def exp2(input):
    return unary.Exp2.apply(as_tensor_operand("exp2", input))


def expm1(input):
    return unary.Expm1.apply(as_tensor_operand("expm1", input))


def rsqrt(input):
    return unary.Rsqrt.apply(as_tensor_operand("rsqrt", input))


def reciprocal(input):
    return unary.Reciprocal.apply(as_tensor_operand("reciprocal", input))


def square(input):
    return unary.Square.apply(as_tensor_operand("square", input))


def erf(input):
    return unary.Erf.apply(as_tensor_operand("erf", input))


def erfc(input):
    return unary.Erfc.apply(as_tensor_operand("erfc", input))


def erfinv(input):
    return unary.Erfinv.apply(as_tensor_operand("erfinv", input))


def floor(input):
    return unary.Floor.apply(as_tensor_operand("floor", input))


def ceil(input):
    return unary.Ceil.apply(as_tensor_operand("ceil", input))


def trunc(input):
    return unary.Trunc.apply(as_tensor_operand("trunc", input))


def frac(input):
    return unary.Frac.apply(as_tensor_operand("frac", input))


def sign(input):
    return unary.Sign.apply(as_tensor_operand("sign", input))


def round(input, *, decimals=0):  # noqa: A001 - PyTorch name
    return unary.Round.apply(as_tensor_operand("round", input), decimals=decimals)


def sgn(input):
    """sign of a real tensor (PyTorch's sgn differs only for complex inputs, which chainrule lacks)."""
    return unary.Sign.apply(as_tensor_operand("sgn", input))


# aliases PyTorch has
arcsin, arccos, arctan = asin, acos, atan
arcsinh, arccosh, arctanh = asinh, acosh, atanh
fix = trunc


def atan2(input, other):
    return arithmetic.Atan2.apply(as_tensor_operand("atan2", input), _tensor_argument("atan2", other, "other"))


arctan2 = atan2


def copysign(input, other):
    return arithmetic.Copysign.apply(
        as_tensor_operand("copysign", input), as_tensor_operand("copysign", other, keep_numbers=True)
    )


def logaddexp(input, other):
    return arithmetic.LogAddExp.apply(
        as_tensor_operand("logaddexp", input), _tensor_argument("logaddexp", other, "other")
    )


def logaddexp2(input, other):
    return arithmetic.LogAddExp2.apply(
        as_tensor_operand("logaddexp2", input), _tensor_argument("logaddexp2", other, "other")
    )


def fmod(input, other):
    return arithmetic.Fmod.apply(as_tensor_operand("fmod", input), as_tensor_operand("fmod", other, keep_numbers=True))


def remainder(input, other):
    """Python's %: the result has the sign of ``other``. ``input`` may be a number (``7 % t``)."""
    keep = not isinstance(input, Tensor) and isinstance(other, Tensor)
    return arithmetic.Remainder.apply(
        as_tensor_operand("remainder", input, keep_numbers=keep),
        as_tensor_operand("remainder", other, keep_numbers=True),
    )


def floor_divide(input, other):
    keep = not isinstance(input, Tensor) and isinstance(other, Tensor)
    return arithmetic.FloorDivide.apply(
        as_tensor_operand("floor_divide", input, keep_numbers=keep),
        as_tensor_operand("floor_divide", other, keep_numbers=True),
    )


def lerp(input, end, weight):
    return arithmetic.Lerp.apply(
        as_tensor_operand("lerp", input),
        _tensor_argument("lerp", end, "end"),
        as_tensor_operand("lerp", weight, keep_numbers=True),
    )


def hypot(input, other):
    return arithmetic.Hypot.apply(as_tensor_operand("hypot", input), _tensor_argument("hypot", other, "other"))


def xlogy(input, other):
    """input * log(other), 0 where input == 0 (unless other is nan). Either may be a number."""
    keep = not isinstance(input, Tensor) and isinstance(other, Tensor)
    return arithmetic.Xlogy.apply(
        as_tensor_operand("xlogy", input, keep_numbers=keep), as_tensor_operand("xlogy", other, keep_numbers=True)
    )


def isnan(input):
    return as_tensor_operand("isnan", input).isnan()


def isinf(input):
    return as_tensor_operand("isinf", input).isinf()


def isposinf(input):
    return as_tensor_operand("isposinf", input).isposinf()


def isneginf(input):
    return as_tensor_operand("isneginf", input).isneginf()


def isfinite(input):
    return as_tensor_operand("isfinite", input).isfinite()


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return as_tensor_operand("isclose", input).isclose(other, rtol=rtol, atol=atol, equal_nan=equal_nan)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return as_tensor_operand("allclose", input).allclose(other, rtol=rtol, atol=atol, equal_nan=equal_nan)


def logical_and(input, other):
    return as_tensor_operand("logical_and", input).logical_and(other)


def logical_or(input, other):
    return as_tensor_operand("logical_or", input).logical_or(other)


def logical_xor(input, other):
    return as_tensor_operand("logical_xor", input).logical_xor(other)


def logical_not(input):
    return as_tensor_operand("logical_not", input).logical_not()


def bitwise_and(input, other):
    return as_tensor_operand("bitwise_and", input) & other


def bitwise_or(input, other):
    return as_tensor_operand("bitwise_or", input) | other


def bitwise_xor(input, other):
    return as_tensor_operand("bitwise_xor", input) ^ other


def bitwise_not(input):
    return as_tensor_operand("bitwise_not", input).bitwise_not()


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


def prod(input, dim=None, keepdim=False, *, dtype=None):
    """Product over one ``dim`` (every element when None); the gradient is exact with zeros."""
    return as_tensor_operand("prod", input).prod(dim, keepdim, dtype=dtype)


def amax(input, dim=(), keepdim=False):
    return reduce.AMax.apply(as_tensor_operand("amax", input), dim=dim, keepdim=keepdim)


def amin(input, dim=(), keepdim=False):
    return reduce.AMax.apply(as_tensor_operand("amin", input), dim=dim, keepdim=keepdim, is_max=False)


def aminmax(input, *, dim=None, keepdim=False):
    """(min, max) as ``torch.return_types.aminmax``: two amin/amax nodes."""
    return reduce.aminmax(as_tensor_operand("aminmax", input), dim, keepdim)


def any(input, dim=None, keepdim=False):  # noqa: A001
    return as_tensor_operand("any", input).any(dim, keepdim)


def all(input, dim=None, keepdim=False):  # noqa: A001
    return as_tensor_operand("all", input).all(dim, keepdim)


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(std, mean): a composition of the std and mean ops."""
    input = as_tensor_operand("std_mean", input)
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return input.std(dim, unbiased, keepdim, correction=correction), input.mean(dim, keepdim)


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):
    """(var, mean): a composition of the var and mean ops."""
    input = as_tensor_operand("var_mean", input)
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    return input.var(dim, unbiased, keepdim, correction=correction), input.mean(dim, keepdim)


def cumsum(input, dim, *, dtype=None):
    return as_tensor_operand("cumsum", input).cumsum(dim, dtype=dtype)


def cumprod(input, dim, *, dtype=None):
    return as_tensor_operand("cumprod", input).cumprod(dim, dtype=dtype)


def logcumsumexp(input, dim):
    return reduce.LogCumSumExp.apply(as_tensor_operand("logcumsumexp", input), dim=dim)


def cummax(input, dim):
    return reduce.cum_extreme(as_tensor_operand("cummax", input), dim, is_max=True)


def cummin(input, dim):
    return reduce.cum_extreme(as_tensor_operand("cummin", input), dim, is_max=False)


def sort(input, dim=-1, descending=False, stable=False):
    return reduce.sort(as_tensor_operand("sort", input), dim, descending, stable)


def argsort(input, dim=-1, descending=False, stable=False):
    return as_tensor_operand("argsort", input).argsort(dim, descending, stable=stable)


def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002
    return reduce.topk(as_tensor_operand("topk", input), k, dim, largest, sorted)


def median(input, dim=None, keepdim=False):
    """The lower of the two middle values; with ``dim``, (values, indices)."""
    return reduce.median(as_tensor_operand("median", input), dim, keepdim)


def nanmedian(input, dim=None, keepdim=False):
    return reduce.median(as_tensor_operand("nanmedian", input), dim, keepdim, ignore_nan=True)


def kthvalue(input, k, dim=-1, keepdim=False):
    return reduce.kthvalue(as_tensor_operand("kthvalue", input), k, dim, keepdim)


def mode(input, dim=-1, keepdim=False):
    return reduce.mode(as_tensor_operand("mode", input), dim, keepdim)


def quantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    return as_tensor_operand("quantile", input).quantile(q, dim, keepdim, interpolation=interpolation)


def nanquantile(input, q, dim=None, keepdim=False, *, interpolation="linear"):
    return as_tensor_operand("nanquantile", input).nanquantile(q, dim, keepdim, interpolation=interpolation)


def nansum(input, dim=None, keepdim=False, *, dtype=None):
    """sum with NaNs counted as 0 (their gradient is 0)."""
    return as_tensor_operand("nansum", input).nansum(dim, keepdim, dtype=dtype)


def nanmean(input, dim=None, keepdim=False, *, dtype=None):
    """mean of the non-NaN values (NaN for an all-NaN slice)."""
    return as_tensor_operand("nanmean", input).nanmean(dim, keepdim, dtype=dtype)


def nonzero(input, *, as_tuple=False):
    found = reduce.nonzero(as_tensor_operand("nonzero", input)._data, as_tuple)
    return tuple(Tensor(i) for i in found) if as_tuple else Tensor(found)


def count_nonzero(input, dim=None):
    return as_tensor_operand("count_nonzero", input).count_nonzero(dim)


def masked_select(input, mask):
    """input[mask] after broadcasting the two (a composition of expand and boolean indexing, so
    the gradient flows back to the selected elements, summed over broadcast copies)."""
    return as_tensor_operand("masked_select", input).masked_select(mask)


def unique(input, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    return as_tensor_operand("unique", input).unique(sorted, return_inverse, return_counts, dim)


def bincount(input, weights=None, minlength=0):
    return as_tensor_operand("bincount", input).bincount(weights, minlength)


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None, sorter=None):
    """Insertion indices of ``input`` into the last dim of ``sorted_sequence`` (no gradient)."""
    values = input._data if isinstance(input, Tensor) else np.asarray(input)
    return Tensor(
        reduce.searchsorted(
            as_tensor_operand("searchsorted", sorted_sequence)._data,
            values,
            out_int32=out_int32,
            right=right,
            side=side,
            sorter=None if sorter is None else np.asarray(unwrap_tensor(sorter)),
        )
    )


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
    """Pad the last len(pad) // 2 dims: with ``value`` (mode 'constant'), or with copies of the
    input reflected about the edge ('reflect'), of the edge element ('replicate') or wrapped
    around ('circular'); negative padding crops."""
    if mode == "constant":
        return shape.Pad.apply(as_tensor_operand("pad", input), pad=tuple(pad), value=value)
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(
            f"pad: unrecognised padding mode {mode!r}; expected constant, reflect, replicate or circular"
        )
    if value not in (None, 0, 0.0):
        raise RuntimeError(f"pad: padding mode {mode!r} doesn't take in a value argument, got value={value}")
    return shape.PadIndexed.apply(as_tensor_operand("pad", input), pad=tuple(pad), mode=mode)


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


# ---------------------------------------------------------------- activations
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def silu(input, inplace=False):
    return _activation("silu", activation.SiLU.apply, input, inplace)


def relu6(input, inplace=False):
    """min(max(x, 0), 6): hardtanh(x, 0, 6), as in PyTorch (so the slope is 0 at 0 and at 6)."""
    return _activation("relu6", unary.Hardtanh.apply, input, inplace, min_val=0.0, max_val=6.0)


def selu(input, inplace=False):
    return _activation(
        "selu", activation.ScaledELU.apply, input, inplace, alpha=_SELU_ALPHA, scale=_SELU_SCALE, name="selu"
    )


def celu(input, alpha=1.0, inplace=False):
    if alpha == 0:
        raise RuntimeError("celu: alpha cannot be 0 (ZeroDivisionError), got alpha=0; expected a non-zero alpha")
    return _activation(
        "celu", activation.ScaledELU.apply, input, inplace, alpha=alpha, input_scale=1.0 / alpha, name="celu"
    )


def mish(input, inplace=False):
    return _activation("mish", activation.Mish.apply, input, inplace)


def hardswish(input, inplace=False):
    return _activation("hardswish", activation.Hardswish.apply, input, inplace)


def hardsigmoid(input, inplace=False):
    return _activation("hardsigmoid", activation.Hardsigmoid.apply, input, inplace)


def logsigmoid(input):
    return activation.LogSigmoid.apply(as_tensor_operand("logsigmoid", input))


def softsign(input):
    return activation.Softsign.apply(as_tensor_operand("softsign", input))


def softmin(input, dim=None, _stacklevel=3, dtype=None):
    """softmax(-x) along ``dim`` (composed, as in PyTorch); ``dim=None`` picks it by PyTorch's
    legacy rule, with its deprecation warning; ``dtype`` casts the input first."""
    input = as_tensor_operand("softmin", input)
    if dim is None:
        warnings.warn(
            "softmin: implicit dimension choice has been deprecated; pass dim= explicitly",
            UserWarning,
            stacklevel=_stacklevel,
        )
        dim = 0 if input.ndim in (0, 1, 3) else 1
    if dtype is not None:
        input = input.to(dtype)
    return Softmax.apply(-input, dim=dim)


def tanhshrink(input):
    """x - tanh(x), composed exactly as PyTorch composes it."""
    input = as_tensor_operand("tanhshrink", input)
    return input - tanh(input)


def softshrink(input, lambd=0.5):
    return activation.Softshrink.apply(as_tensor_operand("softshrink", input), lambd=lambd)


def hardshrink(input, lambd=0.5):
    return activation.Hardshrink.apply(as_tensor_operand("hardshrink", input), lambd=lambd)


def threshold(input, threshold, value, inplace=False):
    return _activation("threshold", activation.Threshold.apply, input, inplace, threshold=threshold, value=value)


def selu_(input):
    return selu(input, inplace=True)


def celu_(input, alpha=1.0):
    return celu(input, alpha, inplace=True)


def threshold_(input, threshold, value):
    return _activation("threshold", activation.Threshold.apply, input, True, threshold=threshold, value=value)


def glu(input, dim=-1):
    return activation.GLU.apply(as_tensor_operand("glu", input), dim=dim)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """x / max(||x||_p, eps) along ``dim``, composed exactly as PyTorch composes it (norm,
    clamp_min, divide), so a zero slice gives 0 with gradient 0."""
    if out is not None:
        raise NotImplementedError("normalize: out= is not supported, got a tensor; expected out=None")
    input = as_tensor_operand("normalize", input)
    if input.dtype.kind != "f":
        raise RuntimeError(
            f"normalize: expected a floating point tensor as input, got dtype {input.dtype}; "
            "expected float32 or float64"
        )
    denominator = norm(input, p, dim, keepdim=True).clamp(min=eps)
    return input / denominator.expand_as(input)


def prelu(input, weight):
    """max(0, x) + weight * min(0, x), weight one slope (shape () or (1,)) or one per channel
    (shape (C,), broadcast over dim 1)."""
    return activation.PReLU.apply(as_tensor_operand("prelu", input), as_tensor_operand("prelu", weight))


def repeat_interleave(input, repeats, dim=None, *, output_size=None):
    return shape.repeat_interleave(as_tensor_operand("repeat_interleave", input), repeats, dim)


def tile(input, dims):
    return shape.tile(as_tensor_operand("tile", input), dims)


def flip(input, dims):
    return as_tensor_operand("flip", input).flip(dims)


def fliplr(input):
    return as_tensor_operand("fliplr", input).fliplr()


def flipud(input):
    return as_tensor_operand("flipud", input).flipud()


def roll(input, shifts, dims=None):
    return as_tensor_operand("roll", input).roll(shifts, dims)


def movedim(input, source, destination):
    return as_tensor_operand("movedim", input).movedim(source, destination)


moveaxis = movedim


def swapaxes(input, axis0, axis1):
    """An alias of transpose (a view), as in PyTorch."""
    return as_tensor_operand("swapaxes", input).transpose(axis0, axis1)


def swapdims(input, dim0, dim1):
    return as_tensor_operand("swapdims", input).transpose(dim0, dim1)


def narrow(input, dim, start, length):
    return shape.narrow(as_tensor_operand("narrow", input), dim, start, length)


def unbind(input, dim=0):
    return shape.unbind(as_tensor_operand("unbind", input), dim)


def unflatten(input, dim, sizes):
    return shape.unflatten(as_tensor_operand("unflatten", input), dim, sizes)


def diagonal(input, offset=0, dim1=0, dim2=1):
    return shape.Diagonal.apply(as_tensor_operand("diagonal", input), offset=offset, dim1=dim1, dim2=dim2)


def diag(input, diagonal=0):
    return shape.diag(as_tensor_operand("diag", input), diagonal)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):
    return shape.DiagEmbed.apply(as_tensor_operand("diag_embed", input), offset=offset, dim1=dim1, dim2=dim2)


def tril(input, diagonal=0):
    return shape.Tril.apply(as_tensor_operand("tril", input), diagonal=diagonal)


def triu(input, diagonal=0):
    return shape.Triu.apply(as_tensor_operand("triu", input), diagonal=diagonal)


def tril_indices(row, col, offset=0, *, dtype=None):
    """The (2, N) row and column indices (int64 unless ``dtype``) of the lower triangle of a row x
    col matrix, row by row."""
    return Tensor(shape.tril_indices(row, col, offset), dtype=dtype or backend.int64)


def triu_indices(row, col, offset=0, *, dtype=None):
    """The (2, N) row and column indices (int64 unless ``dtype``) of the upper triangle of a row x
    col matrix, row by row."""
    return Tensor(shape.tril_indices(row, col, offset, upper=True), dtype=dtype or backend.int64)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids (views); indexing 'ij' (matrix, the default) or 'xy' (Cartesian)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tensors[0]
    return shape.meshgrid([as_tensor_operand("meshgrid", t) for t in tensors], indexing or "ij")


def scatter(input, dim, index, src=None, value=None):
    return as_tensor_operand("scatter", input).scatter(dim, index, src, value=value)


def scatter_add(input, dim, index, src):
    return as_tensor_operand("scatter_add", input).scatter_add(dim, index, src)


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):
    return as_tensor_operand("scatter_reduce", input).scatter_reduce(dim, index, src, reduce, include_self=include_self)


def index_select(input, dim, index):
    return as_tensor_operand("index_select", input).index_select(dim, index)


def index_add(input, dim, index, source, *, alpha=1):
    return as_tensor_operand("index_add", input).index_add(dim, index, source, alpha=alpha)


def index_copy(input, dim, index, source):
    return as_tensor_operand("index_copy", input).index_copy(dim, index, source)


def index_fill(input, dim, index, value):
    return as_tensor_operand("index_fill", input).index_fill(dim, index, value)


def take(input, index):
    return as_tensor_operand("take", input).take(index)


def take_along_dim(input, indices, dim=None):
    return shape.take_along_dim(as_tensor_operand("take_along_dim", input), unwrap_tensor(indices), dim)


def rot90(input, k=1, dims=(0, 1)):
    return shape.rot90(as_tensor_operand("rot90", input), k, dims)


def bmm(input, mat2):
    return linalg.bmm(as_tensor_operand("bmm", input), as_tensor_operand("bmm", mat2))


def mm(input, mat2):
    return linalg.mm(as_tensor_operand("mm", input), as_tensor_operand("mm", mat2))


def mv(input, vec):
    return linalg.mv(as_tensor_operand("mv", input), as_tensor_operand("mv", vec))


def dot(input, other):
    return linalg.dot(as_tensor_operand("dot", input), as_tensor_operand("dot", other))


def outer(input, vec2):
    return linalg.outer(as_tensor_operand("outer", input), as_tensor_operand("outer", vec2))


def addmm(input, mat1, mat2, *, beta=1, alpha=1):
    operands = [as_tensor_operand("addmm", t) for t in (input, mat1, mat2)]
    return linalg.addmm(*operands, beta=beta, alpha=alpha)


def baddbmm(input, batch1, batch2, *, beta=1, alpha=1):
    operands = [as_tensor_operand("baddbmm", t) for t in (input, batch1, batch2)]
    return linalg.baddbmm(*operands, beta=beta, alpha=alpha)


def einsum(equation, *operands):
    """Einstein summation (with '...' and implicit outputs); operands may also come as one list."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = operands[0]
    return linalg.Einsum.apply(*[as_tensor_operand("einsum", t) for t in operands], equation=equation)


def kron(input, other):
    return linalg.Kron.apply(as_tensor_operand("kron", input), as_tensor_operand("kron", other))


def cross(input, other, dim=None):
    return linalg.Cross.apply(as_tensor_operand("cross", input), as_tensor_operand("cross", other), dim=dim)


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    return linalg.cdist(as_tensor_operand("cdist", x1), as_tensor_operand("cdist", x2), p)


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


def _warn_if_broadcast(input, target):
    """PyTorch's UserWarning when a regression loss would broadcast target against input."""
    if input.shape != target.shape:
        import warnings

        warnings.warn(
            f"Using a target size {tuple(target.shape)} that is different to the input size "
            f"{tuple(input.shape)}. This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            UserWarning,
            stacklevel=3,
        )


def mse_loss(input, target, reduction="mean"):
    input, target = as_tensor_operand("mse_loss", input), as_tensor_operand("mse_loss", target)
    _warn_if_broadcast(input, target)
    return MSELoss.apply(input, target, reduction=reduction)


def l1_loss(input, target, reduction="mean"):
    input, target = as_tensor_operand("l1_loss", input), as_tensor_operand("l1_loss", target)
    _warn_if_broadcast(input, target)
    return L1Loss.apply(input, target, reduction=reduction)


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


# --- attention ---


def scaled_dot_product_attention(
    query, key, value, attn_mask=None, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False
):
    """softmax(query @ key^T * scale + mask) @ value over the last two dims, as one fused node.

    Shapes (..., L, E), (..., S, E), (..., S, Ev) -> (..., L, Ev), broadcasting the leading dims.
    A boolean ``attn_mask`` is True where a query may attend to a key; a float one is added to the
    scores. ``is_causal`` masks keys after the query (top-left aligned when L != S). ``scale``
    defaults to 1/sqrt(E). ``dropout_p`` drops attention weights through chainrule's default
    generator (``chainrule.manual_seed``); as in PyTorch, pass 0.0 when evaluating. With
    ``enable_gqa`` the key/value heads (dim -3) are shared by groups of query heads.
    """
    tensors = [
        _tensor_argument("scaled_dot_product_attention", x, name)
        for x, name in ((query, "query"), (key, "key"), (value, "value"))
    ]
    if attn_mask is not None:
        attn_mask = _tensor_argument("scaled_dot_product_attention", attn_mask, "attn_mask")
    generator = _random.get_generator(None) if dropout_p > 0 else None
    return ScaledDotProductAttention.apply(
        *tensors,
        attn_mask,
        dropout_p=dropout_p,
        is_causal=is_causal,
        scale=scale,
        enable_gqa=enable_gqa,
        generator=generator,
    )


# --- recurrent ---
# torch's top-level recurrent functions (torch.lstm, torch.gru, torch.rnn_tanh, torch.rnn_relu and
# the four *_cell functions): what torch.nn.LSTM & co. call. One fused op per layer and direction
# (chainrule.ops.recurrent), so a layer over T steps is one graph node, not T * 20.
from .ops import recurrent as _recurrent_ops  # noqa: E402


def _is_batch_sizes(value):
    """The packed overloads pass an integer ``batch_sizes`` where the padded ones pass ``hx``."""
    if isinstance(value, Tensor):
        return value.dtype.kind in "iu"
    return isinstance(value, np.ndarray) and value.dtype.kind in "iu"


def _recurrent_call(mode, input, args):
    """Resolve torch's two overloads of torch.lstm / gru / rnn_tanh / rnn_relu:
    (input, hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first) and the
    packed (data, batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidirectional)."""
    if len(args) != 8:
        raise TypeError(
            f"{mode}(): expected (input, hx, params, has_biases, num_layers, dropout, train, bidirectional, "
            f"batch_first) or (data, batch_sizes, hx, params, has_biases, num_layers, dropout, train, "
            f"bidirectional), got {len(args) + 1} arguments"
        )
    if _is_batch_sizes(args[0]):
        batch_sizes, hx, params, has_biases, num_layers, dropout, train, bidirectional = args
        batch_first = False
        batch_sizes = np.asarray(unwrap_tensor(batch_sizes), dtype=np.int64)
    else:
        hx, params, has_biases, num_layers, dropout, train, bidirectional, batch_first = args
        batch_sizes = None
    input = as_tensor_operand(mode, input)
    if mode == "lstm":
        if not isinstance(hx, (tuple, list)) or len(hx) != 2:
            raise TypeError(f"lstm(): hx must be a pair (h_0, c_0) of tensors, got {type(hx).__name__}")
        states = [as_tensor_operand(mode, h) for h in hx]
    else:
        states = [as_tensor_operand(mode, hx)]
    return _recurrent_layers(
        mode, input, batch_sizes, states, list(params), bool(has_biases), int(num_layers), float(dropout),
        bool(train), bool(bidirectional), bool(batch_first),
    )  # fmt: skip


def _recurrent_layers(
    mode, input, batch_sizes, states, params, has_biases, num_layers, dropout_p, train, bidirectional, batch_first
):
    directions = 2 if bidirectional else 1
    # As torch: an LSTM whose h_0 is narrower than c_0 has a projection, so each layer-direction
    # holds w_ih, w_hh[, b_ih, b_hh], w_hr.
    projected = mode == "lstm" and states[0].ndim == states[1].ndim == 3 and states[0].shape[2] != states[1].shape[2]
    per_layer = (4 if has_biases else 2) + projected
    if len(params) != num_layers * directions * per_layer:
        raise RuntimeError(
            f"{mode}: expected {num_layers * directions * per_layer} weights for {num_layers} layer(s), "
            f"{directions} direction(s), has_biases={has_biases}{' and a projection' if projected else ''}, "
            f"got {len(params)}"
        )
    if batch_sizes is None:
        if input.ndim != 3:
            raise RuntimeError(
                f"{mode}: expected a 3-D input (seq_len, batch, input_size), got shape {tuple(input.shape)}"
            )
        x = input.transpose(0, 1) if batch_first else input  # (T, B, I)
        sizes, positions = None, None
        steps = x.shape[0]
    else:
        if input.ndim != 2:
            raise RuntimeError(
                f"{mode}: expected packed data of shape (sum of lengths, input_size), got {tuple(input.shape)}"
            )
        steps, batch = len(batch_sizes), int(batch_sizes[0]) if len(batch_sizes) else 0
        if int(batch_sizes.sum()) != input.shape[0]:
            raise RuntimeError(
                f"{mode}: batch_sizes {batch_sizes.tolist()} add up to {int(batch_sizes.sum())} rows, but the packed "
                f"data has {input.shape[0]}"
            )
        positions = _recurrent_ops.packed_positions(batch_sizes, batch)
        x = _recurrent_ops.PackedToPadded.apply(input, positions, steps=steps, batch=batch)  # (T, B, I)
        sizes = batch_sizes
    fused = {"lstm": _recurrent_ops.FusedLSTM, "gru": _recurrent_ops.FusedGRU}.get(mode, _recurrent_ops.FusedRNN)
    options = {"nonlinearity": mode[4:]} if fused is _recurrent_ops.FusedRNN else {}
    final = [[] for _ in states]
    for layer in range(num_layers):
        outputs = []
        for direction in range(directions):
            k = layer * directions + direction
            weights = params[k * per_layer : (k + 1) * per_layer]
            biases = weights[2:4] if has_biases else [None, None]
            result = fused.apply(
                x, *[s[k] for s in states], weights[0], weights[1], *biases, *weights[per_layer - projected :],
                reverse=direction == 1, batch_sizes=sizes, **options,
            )  # fmt: skip
            if projected:  # one flat vector: (T + 1, B, P) of h, then c_n (B, H) (FusedLSTM)
                batch, proj_size, hidden = x.shape[1], states[0].shape[2], states[1].shape[2]
                split = (steps + 1) * batch * proj_size
                h_rows = result[:split].reshape(steps + 1, batch, proj_size)  # (T + 1, B, P)
                outputs.append(h_rows[:steps])  # (T, B, P)
                finals = [h_rows[steps], result[split:].reshape(batch, hidden)]  # h_n (B, P), c_n (B, H)
            else:
                outputs.append(result[:steps])  # (T, B, H); then h_n (and c_n) of this layer-direction
                finals = [result[steps + j] for j in range(len(final))]
            for kept, state in zip(final, finals):
                kept.append(state)
        x = outputs[0] if directions == 1 else cat(outputs, dim=2)  # (T, B, D * H)
        if dropout_p and train and layer < num_layers - 1:
            x = dropout(x, dropout_p, True)  # between layers only, as torch
    if positions is not None:
        x = _recurrent_ops.PaddedToPacked.apply(x, positions)  # (sum of lengths, D * H)
    elif batch_first:
        x = x.transpose(0, 1)
    return (x,) + tuple(stack(kept, 0) for kept in final)  # h_n (L * D, B, H), c_n


def lstm(input, *args):
    """torch.lstm: a multi-layer LSTM over a padded or packed sequence; returns (output, h_n, c_n).

    Args:
        input: (T, B, I) (or (B, T, I) with batch_first), or packed data (N, I) followed by
            ``batch_sizes``.
        *args: torch's ``hx, params, has_biases, num_layers, dropout, train, bidirectional,
            batch_first`` (or, packed, ``batch_sizes, hx, params, ...bidirectional``); ``params``
            holds w_ih, w_hh[, b_ih, b_hh][, w_hr] per layer and direction, in nn.LSTM's order
            (w_hr, the projection, when h_0 is narrower than c_0: nn.LSTM's proj_size).
    """
    return _recurrent_call("lstm", input, args)


def gru(input, *args):
    """torch.gru: a multi-layer GRU (arguments as :func:`lstm`, hx one tensor); returns (output, h_n)."""
    return _recurrent_call("gru", input, args)


def rnn_tanh(input, *args):
    """torch.rnn_tanh: a multi-layer Elman RNN with tanh (arguments as :func:`gru`)."""
    return _recurrent_call("rnn_tanh", input, args)


def rnn_relu(input, *args):
    """torch.rnn_relu: a multi-layer Elman RNN with relu (arguments as :func:`gru`)."""
    return _recurrent_call("rnn_relu", input, args)


def _cell(mode, input, states, w_ih, w_hh, b_ih, b_hh):
    input = as_tensor_operand(mode, input)
    if input.ndim != 2:
        raise IndexError(f"{mode}: expected a 2-D input (batch, input_size), got shape {tuple(input.shape)}")
    states = [as_tensor_operand(mode, s) for s in states]
    for name, state in zip(("hx", "cx"), states):
        if state.ndim != 2 or state.shape[0] != input.shape[0]:
            raise RuntimeError(
                f"{mode}: Input batch size {input.shape[0]} doesn't match {name} of shape {tuple(state.shape)}"
            )
    fused = {"lstm_cell": _recurrent_ops.FusedLSTM, "gru_cell": _recurrent_ops.FusedGRU}.get(
        mode, _recurrent_ops.FusedRNN
    )
    options = {"nonlinearity": mode[4:-5]} if fused is _recurrent_ops.FusedRNN else {}
    # One step of the fused layer: rows [h_1, h_n(, c_n)] of shape (B, H)
    return fused.apply(input.unsqueeze(0), *states, w_ih, w_hh, b_ih, b_hh, **options)


def lstm_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """torch.lstm_cell: one LSTM step on (B, I) input; hx = (h, c); returns (h', c')."""
    if not isinstance(hx, (tuple, list)) or len(hx) != 2:
        raise TypeError(f"lstm_cell(): hx must be a pair (h, c) of tensors, got {type(hx).__name__}")
    result = _cell("lstm_cell", input, hx, w_ih, w_hh, b_ih, b_hh)
    return result[1], result[2]


def gru_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """torch.gru_cell: one GRU step on (B, I) input; returns h'."""
    return _cell("gru_cell", input, [hx], w_ih, w_hh, b_ih, b_hh)[1]


def rnn_tanh_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """torch.rnn_tanh_cell: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return _cell("rnn_tanh_cell", input, [hx], w_ih, w_hh, b_ih, b_hh)[1]


def rnn_relu_cell(input, hx, w_ih, w_hh, b_ih=None, b_hh=None):
    """torch.rnn_relu_cell: h' = relu(x W_ih^T + b_ih + h W_hh^T + b_hh)."""
    return _cell("rnn_relu_cell", input, [hx], w_ih, w_hh, b_ih, b_hh)[1]


# --- convolution ---
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D cross-correlation of (N, C, L) or unbatched (C, L) input with a (O, C/groups, K) weight:
    im2col + one GEMM (``ops/conv.py``). ``padding`` is an int, a 1-tuple, 'valid' or 'same'."""
    return _convolution("conv1d", input, weight, bias, stride, padding, dilation, groups, spatial=1)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation of (N, C, H, W) or unbatched (C, H, W) input with a
    (O, C/groups, KH, KW) weight: im2col + one GEMM per group (``ops/conv.py``). ``padding`` is an
    int, a pair, 'valid' or 'same' (an even kernel puts the extra row/column at the end, as torch)."""
    return _convolution("conv2d", input, weight, bias, stride, padding, dilation, groups, spatial=2)


def _convolution(op_name, input, weight, bias, stride, padding, dilation, groups, spatial):
    input = _tensor_argument(op_name, input, "input", 1)
    weight = _tensor_argument(op_name, weight, "weight", 2)
    if bias is not None:
        bias = _tensor_argument(op_name, bias, "bias", 3)
    return conv.Convolution.apply(
        input,
        weight,
        bias,
        stride=stride,
        padding=padding,
        dilation=dilation,
        groups=groups,
        spatial=spatial,
        op_name=op_name,
    )


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over sliding windows of (N, C, L) or (C, L); with ``return_indices`` also each max's
    position in L. Padding is -inf, so it never wins."""
    return _max_pool("max_pool1d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 1)


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """Max over sliding (dilated) windows of (N, C, H, W) or (C, H, W); ``stride`` defaults to
    ``kernel_size``. With ``return_indices`` also each max's flat index h * W + w in its channel
    (the first maximum on ties, the element that gets the gradient, as in torch)."""
    return _max_pool("max_pool2d", input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, 2)


def _max_pool(op_name, input, kernel_size, stride, padding, dilation, ceil_mode, return_indices, spatial):
    input = _tensor_argument(op_name, input, "input", 1)
    options = dict(kernel_size=kernel_size, stride=stride, padding=padding, dilation=dilation, ceil_mode=ceil_mode)
    values = conv.MaxPool2d.apply(input, **options, return_indices=return_indices, spatial=spatial, op_name=op_name)
    if not return_indices:
        return values
    if values.grad_fn is not None:
        indices = values.grad_fn.indices
    else:  # no node was recorded: run the forward on a throwaway ctx for its indices
        ctx = conv.MaxPool2d.__new__(conv.MaxPool2d)
        conv.MaxPool2d.forward(ctx, input._data, **options, return_indices=True, spatial=spatial, op_name=op_name)
        indices = ctx.indices
    return values, Tensor(np.asarray(indices, dtype=np.int64))


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
    """Mean over sliding windows of (N, C, L) or (C, L); zero padding counts in the divisor
    unless ``count_include_pad=False``."""
    return conv.AvgPool2d.apply(
        _tensor_argument("avg_pool1d", input, "input", 1),
        kernel_size=kernel_size,
        stride=stride,
        padding=padding,
        ceil_mode=ceil_mode,
        count_include_pad=count_include_pad,
        spatial=1,
        op_name="avg_pool1d",
    )


def avg_pool2d(
    input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None
):
    """Mean over sliding windows of (N, C, H, W) or (C, H, W): each window's sum divided by its
    area including zero padding (``count_include_pad``), by its real elements, or by
    ``divisor_override``; a ceil_mode overhang never counts."""
    return conv.AvgPool2d.apply(
        _tensor_argument("avg_pool2d", input, "input", 1),
        kernel_size=kernel_size,
        stride=stride,
        padding=padding,
        ceil_mode=ceil_mode,
        count_include_pad=count_include_pad,
        divisor_override=divisor_override,
        spatial=2,
        op_name="avg_pool2d",
    )


def adaptive_avg_pool1d(input, output_size):
    """Mean over torch's adaptive windows of (N, C, L) or (C, L): window i spans
    [floor(i L / out), ceil((i + 1) L / out)), so any length maps to ``output_size``."""
    input = _tensor_argument("adaptive_avg_pool1d", input, "input", 1)
    return conv.AdaptiveAvgPool2d.apply(input, output_size, spatial=1, op_name="adaptive_avg_pool1d")


def adaptive_avg_pool2d(input, output_size):
    """Mean over torch's adaptive windows (window i of L spans [floor(i L / out), ceil((i + 1) L / out))),
    so any input size maps to ``output_size`` (an int or a pair; None keeps that dim)."""
    return conv.AdaptiveAvgPool2d.apply(_tensor_argument("adaptive_avg_pool2d", input, "input", 1), output_size)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """Max over torch's adaptive windows of (N, C, L) or (C, L); with ``return_indices`` also each
    max's position in L."""
    return _adaptive_max_pool("adaptive_max_pool1d", input, output_size, return_indices, 1)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over torch's adaptive windows; with ``return_indices`` also each max's flat index h * W + w."""
    return _adaptive_max_pool("adaptive_max_pool2d", input, output_size, return_indices, 2)


def _adaptive_max_pool(op_name, input, output_size, return_indices, spatial):
    input = _tensor_argument(op_name, input, "input", 1)
    values = conv.AdaptiveMaxPool2d.apply(input, output_size, spatial=spatial, op_name=op_name)
    if not return_indices:
        return values
    if values.grad_fn is not None:
        indices = values.grad_fn.indices
    else:  # no node was recorded: run the forward on a throwaway ctx for its indices
        ctx = conv.AdaptiveMaxPool2d.__new__(conv.AdaptiveMaxPool2d)
        conv.AdaptiveMaxPool2d.forward(ctx, input._data, output_size, spatial=spatial, op_name=op_name)
        indices = ctx.indices
    return values, Tensor(np.asarray(indices, dtype=np.int64))


def dropout2d(input, p=0.5, training=True, inplace=False, generator=None):
    """Channel dropout: zero whole (H, W) feature maps of (N, C, H, W) or unbatched (C, H, W)
    input with probability p and scale the rest by 1 / (1 - p), one mask value per channel;
    neighbouring pixels are correlated, so dropping single pixels would hardly regularise.
    Identity when not training or p == 0."""
    return _channel_dropout("dropout2d", input, p, training, inplace, generator, spatial=2)


def dropout1d(input, p=0.5, training=True, inplace=False, generator=None):
    """Channel dropout of (N, C, L) or unbatched (C, L) input: one mask value per channel."""
    return _channel_dropout("dropout1d", input, p, training, inplace, generator, spatial=1)


def _channel_dropout(op_name, input, p, training, inplace, generator, spatial):
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op_name}: dropout probability has to be between 0 and 1, but got {p}")
    input = as_tensor_operand(op_name, input)
    if input.ndim == 2 + spatial - 1 and op_name == "dropout2d":
        warnings.warn(
            "dropout2d: Received a 3D input to dropout2d and assuming that channel-wise 1D dropout behavior "
            "is desired - input is interpreted as shape (N, C, L), where C is the channel dim. This behavior "
            "will change in a future release to interpret the input as one without a batch dimension, i.e. "
            "shape (C, H, W). To maintain the 1D channel-wise dropout behavior, please switch to using "
            "dropout1d instead.",
            stacklevel=3,
        )
    elif input.ndim not in (spatial + 1, spatial + 2):
        if op_name == "dropout1d":
            raise RuntimeError(
                f"dropout1d: Expected 2D or 3D input, but received a {input.ndim}D input. Note that dropout1d "
                "exists to provide channel-wise dropout on inputs with 1 spatial dimension, a channel dimension, "
                "and an optional batch dimension (i.e. 2D or 3D inputs)."
            )
        warnings.warn(
            f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and will result in an "
            "error in a future release. To retain the behavior and silence this warning, please use dropout "
            "instead. Note that dropout2d exists to provide channel-wise dropout on inputs with 2 spatial "
            "dimensions, a channel dimension, and an optional batch dimension (i.e. 3D or 4D inputs).",
            stacklevel=3,
        )
    if not training or p == 0.0:
        return input
    # One draw per (sample, channel), broadcast over the spatial dims: the leading dims up to the
    # channel dim (torch treats a 3-D dropout2d input as (N, C, L), so its channel dim is 1 too).
    batched = input.ndim != spatial + 1 or op_name == "dropout2d" and input.ndim == 3
    channel_dims = 2 if batched and input.ndim >= 2 else 1
    mask_shape = tuple(input.shape[:channel_dims]) + (1,) * (input.ndim - channel_dims)
    if p == 1.0:
        scaled_mask = np.zeros(mask_shape, dtype=input.dtype)
    else:
        keep = _random.get_generator(generator).random(mask_shape) >= p
        scaled_mask = keep.astype(input.dtype) * input.dtype.type(1.0 / (1.0 - p))
    if inplace:
        return input.mul_(Tensor(scaled_mask))
    return input * Tensor(scaled_mask)


def _mha_mask(mask, name, dtype):
    """MultiheadAttention's masks as additive float masks: a bool mask is True where attending is
    NOT allowed (the opposite of scaled_dot_product_attention's) and becomes -inf there."""
    if mask is None:
        return None
    mask = mask if isinstance(mask, Tensor) else Tensor(np.asarray(mask))
    if mask.dtype == np.bool_:
        return Tensor(np.where(mask._data, -np.inf, 0.0).astype(dtype))
    if mask.dtype.kind != "f":
        raise AssertionError(f"multi_head_attention_forward: only bool and floating types of {name} are supported")
    return mask


def _mha_check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads):
    """torch's _mha_shape_check (AssertionError, as torch): 3-D (batched) or 2-D (unbatched)
    query, key and value, with masks of the matching rank. Returns whether the input is batched."""
    op = "multi_head_attention_forward"
    if query.ndim not in (2, 3):
        raise AssertionError(
            f"{op}: query should be unbatched 2D or batched 3D tensor but received {query.ndim}-D query tensor "
            f"of shape {tuple(query.shape)}"
        )
    batched = query.ndim == 3
    kind = "batched (3-D)" if batched else "unbatched (2-D)"
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise AssertionError(
            f"{op}: for {kind} `query`, expected `key` and `value` to be {query.ndim}-D but found {key.ndim}-D "
            f"and {value.ndim}-D tensors respectively"
        )
    if key_padding_mask is not None and key_padding_mask.ndim != query.ndim - 1:
        raise AssertionError(
            f"{op}: for {kind} `query`, expected `key_padding_mask` to be `None` or {query.ndim - 1}-D but found "
            f"{key_padding_mask.ndim}-D tensor instead"
        )
    if attn_mask is not None:
        if attn_mask.ndim not in (2, 3):
            raise AssertionError(
                f"{op}: for {kind} `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found "
                f"{attn_mask.ndim}-D tensor instead"
            )
        expected = (num_heads, query.shape[0], key.shape[0])
        if not batched and attn_mask.ndim == 3 and tuple(attn_mask.shape) != expected:
            raise AssertionError(f"{op}: expected `attn_mask` shape to be {expected} but got {tuple(attn_mask.shape)}")
    return batched


def _mha_views(view, query, key, value):
    """``view`` applied to query, key and value, keeping self-attention recognisable: an input
    passed twice gives one view (the projection then uses one GEMM, see _mha_in_projection)."""
    query_view = view(query)
    key_view = query_view if key is query else view(key)
    value_view = key_view if value is key else (query_view if value is query else view(value))
    return query_view, key_view, value_view


def _mha_in_projection(query, key, value, embed, in_proj_weight, in_proj_bias, separate):
    """The q, k, v projections: one GEMM against the packed weight for self-attention, two when
    key is value, three otherwise or with separate (q, k, v) weights."""
    if separate is not None:
        biases = (None,) * 3 if in_proj_bias is None else in_proj_bias.chunk(3)
        return tuple(linear(x, w, b) for x, w, b in zip((query, key, value), separate, biases))
    if in_proj_weight is None:
        raise AssertionError(
            "multi_head_attention_forward: use_separate_proj_weight is False but in_proj_weight is None"
        )

    def rows(start, stop):
        bias = None if in_proj_bias is None else in_proj_bias[start:stop]
        return in_proj_weight[start:stop], bias

    if query is key and key is value:
        return linear(query, in_proj_weight, in_proj_bias).chunk(3, dim=-1)  # (N, L, 3E) -> 3 x (N, L, E)
    q = linear(query, *rows(0, embed))
    if key is value:
        k, v = linear(key, *rows(embed, 3 * embed)).chunk(2, dim=-1)  # (N, S, 2E) -> 2 x (N, S, E)
        return q, k, v
    return q, linear(key, *rows(embed, 2 * embed)), linear(value, *rows(2 * embed, 3 * embed))


def _mha_pad_keys(attn_mask, key_padding_mask):
    """One more key (bias_k or the zero key): each mask gains a column of 0, 'may attend'."""
    if attn_mask is not None:
        attn_mask = pad(attn_mask, (0, 1))
    if key_padding_mask is not None:
        key_padding_mask = pad(key_padding_mask, (0, 1))
    return attn_mask, key_padding_mask


def _mha_static(static, name, batch, heads, head_dim):
    if static.shape[0] != batch * heads or static.shape[2] != head_dim:
        raise AssertionError(
            f"multi_head_attention_forward: expecting {name} of shape ({batch * heads}, S, {head_dim}) "
            f"(batch * num_heads, source length, head_dim), but got {tuple(static.shape)}"
        )
    return static.reshape(batch, heads, static.shape[1], head_dim)  # (N*H, S, D) -> (N, H, S, D)


def multi_head_attention_forward(
    query,
    key,
    value,
    embed_dim_to_check,
    num_heads,
    in_proj_weight,
    in_proj_bias,
    bias_k,
    bias_v,
    add_zero_attn,
    dropout_p,
    out_proj_weight,
    out_proj_bias,
    training=True,
    key_padding_mask=None,
    need_weights=True,
    attn_mask=None,
    use_separate_proj_weight=False,
    q_proj_weight=None,
    k_proj_weight=None,
    v_proj_weight=None,
    static_k=None,
    static_v=None,
    average_attn_weights=True,
    is_causal=False,
):
    """nn.MultiheadAttention's computation on (L, N, E) inputs ((L, E) unbatched), as torch's.

    Projects query, key and value, splits E into ``num_heads`` heads of E / num_heads, attends,
    and projects back with ``out_proj_weight``. Masks follow MultiheadAttention's convention: a
    bool mask is True where attending is *not* allowed (``key_padding_mask`` (N, S): padding keys;
    ``attn_mask`` (L, S) or (N * num_heads, L, S)), a float mask is added to the scores. Without
    ``need_weights`` the heads go through the fused ``scaled_dot_product_attention`` node; with
    it the softmax is spelled out, because the weights are then an output (torch does the same,
    so a fully masked row is nan there and zeros on the fused path, as in torch).

    Returns:
        (attn_output (L, N, E), attn_weights (N, L, S) averaged over heads or (N, num_heads, L, S),
        or None without ``need_weights``); without the N axis for unbatched input.
    """
    op = "multi_head_attention_forward"
    batched = _mha_check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads)
    dtype = query.dtype
    if key_padding_mask is not None and attn_mask is not None and key_padding_mask.dtype != attn_mask.dtype:
        warnings.warn(
            f"{op}: support for mismatched key_padding_mask and attn_mask is deprecated. Use same type for both "
            "instead.",
            stacklevel=2,
        )
    key_padding_mask = _mha_mask(key_padding_mask, "key_padding_mask", dtype)
    if is_causal and attn_mask is None:
        raise RuntimeError(
            f"{op}: need attn_mask if specifying the is_causal hint. You may use the Transformer module method "
            "`generate_square_subsequent_mask` to create this mask."
        )
    # As torch: only the fused path without padding applies causality itself (the mask is dropped).
    causal = is_causal and key_padding_mask is None and not need_weights
    attn_mask = None if causal else _mha_mask(attn_mask, "attn_mask", dtype)
    if batched:  # (L, N, E) -> (N, L, E): each batch element's heads become one batch of the fused op
        query, key, value = _mha_views(lambda x: x.transpose(0, 1), query, key, value)
    else:  # (L, E) -> (1, L, E)
        query, key, value = _mha_views(lambda x: x.unsqueeze(0), query, key, value)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)  # (S,) -> (1, S)
    batch, length, embed = query.shape
    source = key.shape[1]
    if embed != embed_dim_to_check:
        raise AssertionError(f"{op}: was expecting embedding dimension of {embed_dim_to_check}, but got {embed}")
    head_dim = embed // num_heads
    if head_dim * num_heads != embed:
        raise AssertionError(f"{op}: embed_dim {embed} not divisible by num_heads {num_heads}")
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(
                f"{op}: key's sequence and batch dims {tuple(key.shape[:2])} do not match value's "
                f"{tuple(value.shape[:2])}"
            )
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise AssertionError(f"{op}: use_separate_proj_weight is True but a q/k/v_proj_weight is None")
        separate = (q_proj_weight, k_proj_weight, v_proj_weight)
    else:
        if tuple(key.shape) != tuple(value.shape):
            raise AssertionError(f"{op}: key shape {tuple(key.shape)} does not match value shape {tuple(value.shape)}")
        separate = None
    if attn_mask is not None:
        expected = (length, source) if attn_mask.ndim == 2 else (batch * num_heads, length, source)
        if tuple(attn_mask.shape) != expected:
            raise RuntimeError(
                f"{op}: the shape of the {attn_mask.ndim}D attn_mask is {tuple(attn_mask.shape)}, but should be "
                f"{expected}"
            )
        if attn_mask.ndim == 3:
            attn_mask = attn_mask.reshape(batch, num_heads, length, source)  # (N*H, L, S) -> (N, H, L, S)
    q, k, v = _mha_in_projection(query, key, value, embed, in_proj_weight, in_proj_bias, separate)
    if bias_k is not None and bias_v is not None:  # one more, learned, key and value at the end
        if static_k is not None or static_v is not None:
            raise AssertionError(f"{op}: bias cannot be added to static key or value")
        k = cat([k, bias_k.reshape(1, 1, embed).expand(batch, 1, embed)], dim=1)  # (N, S + 1, E)
        v = cat([v, bias_v.reshape(1, 1, embed).expand(batch, 1, embed)], dim=1)
        attn_mask, key_padding_mask = _mha_pad_keys(attn_mask, key_padding_mask)
    elif bias_k is not None or bias_v is not None:
        raise AssertionError(f"{op}: bias_k and bias_v must be given together")
    q = q.reshape(batch, length, num_heads, head_dim).transpose(1, 2)  # (N, L, E) -> (N, H, L, D)
    if static_k is None:
        k = k.reshape(batch, k.shape[1], num_heads, head_dim).transpose(1, 2)  # (N, S', E) -> (N, H, S', D)
    else:
        k = _mha_static(static_k, "static_k", batch, num_heads, head_dim)
    if static_v is None:
        v = v.reshape(batch, v.shape[1], num_heads, head_dim).transpose(1, 2)  # (N, S', E) -> (N, H, S', D)
    else:
        v = _mha_static(static_v, "static_v", batch, num_heads, head_dim)
    if add_zero_attn:  # one more all-zero key and value per head
        zeros = Tensor(np.zeros((batch, num_heads, 1, head_dim), dtype=k.dtype))
        k = cat([k, zeros], dim=2)  # (N, H, S' + 1, D)
        v = cat([v, zeros], dim=2)
        attn_mask, key_padding_mask = _mha_pad_keys(attn_mask, key_padding_mask)
    keys = k.shape[2]
    mask = attn_mask
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (batch, keys):
            added = keys - source if static_k is None else (bias_k is not None) + bool(add_zero_attn)
            raise AssertionError(
                f"{op}: expected key_padding_mask of shape {(batch, keys - added)} (batch, source length), got "
                f"{(batch, key_padding_mask.shape[1] - added)}"
            )
        padding = key_padding_mask.reshape(batch, 1, 1, keys)  # (N, S') -> (N, 1, 1, S')
        mask = padding if mask is None else mask + padding
    if not training:
        dropout_p = 0.0
    weights = None
    if need_weights:
        scores = matmul(q * (1.0 / float(head_dim) ** 0.5), k.transpose(-2, -1))  # (N, H, L, S')
        if mask is not None:
            scores = scores + mask
        weights = softmax(scores, dim=-1)
        if dropout_p > 0.0:
            weights = dropout(weights, p=dropout_p)
        out = matmul(weights, v)  # (N, H, L, D)
        if average_attn_weights:
            weights = weights.mean(dim=1)  # (N, H, L, S') -> (N, L, S')
        if not batched:
            weights = weights.squeeze(0)
    else:
        out = scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout_p, is_causal=causal)
    out = out.transpose(1, 2).reshape(batch, length, embed)  # (N, H, L, D) -> (N, L, E)
    out = linear(out, out_proj_weight, out_proj_bias)
    out = out.transpose(0, 1) if batched else out.squeeze(0)  # (N, L, E) -> (L, N, E), or (L, E)
    return out, weights


# Every public function defined above, so a new one needs no list of its own to be edited;
# tests/test_public_api.py pins the result, so an accidental export still shows up in review.
__all__ = sorted(
    name
    for name, value in list(globals().items())
    if inspect.isfunction(value) and value.__module__ == __name__ and not name.startswith("_")
)
