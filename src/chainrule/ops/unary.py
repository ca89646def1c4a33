"""Elementwise functions of one tensor: exp log sqrt abs clamp, the activations, trigonometric and
hyperbolic functions, logs and powers, error functions, rounding and sign.

Each backward is g * f'(x): the Jacobian of an elementwise map is diagonal, so the
vector-Jacobian product is an elementwise product with the derivative.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import scipy.special as _scipy_special

from .. import backend
from ..autograd import Function

__all__ = [
    "Abs",
    "Acos",
    "Acosh",
    "Asin",
    "Asinh",
    "Atan",
    "Atanh",
    "Ceil",
    "Clamp",
    "Cos",
    "Cosh",
    "ELU",
    "Erf",
    "Erfc",
    "Erfinv",
    "Exp",
    "Exp2",
    "Expm1",
    "Floor",
    "Frac",
    "GELU",
    "LeakyReLU",
    "Log",
    "Log10",
    "Log1p",
    "Log2",
    "ReLU",
    "Reciprocal",
    "Round",
    "Rsqrt",
    "Sigmoid",
    "Sign",
    "Sin",
    "Sinh",
    "Softplus",
    "Sqrt",
    "Square",
    "Tan",
    "Tanh",
    "Trunc",
    "floating",
    "require_floating",
    "stable_sigmoid",
]

try:  # SciPy's erfc is exact and vectorised; the fallback below is exact but slower.
    from scipy.special import erfc as _erfc
except ImportError:  # pragma: no cover - exercised only without SciPy
    _erfc = np.vectorize(math.erfc, otypes=[np.float64])


def floating(x):
    """Integer and bool inputs of a transcendental function become the default float dtype
    (float32), as in PyTorch: exp of an int64 tensor is float32, not int64 and not float64."""
    return x if x.dtype.kind in "fc" else x.astype(backend.get_default_dtype())


def require_floating(op_name, x, what="input", error=NotImplementedError):
    """Refuse an integer or bool array where PyTorch has no kernel for it.

    PyTorch raises NotImplementedError (a RuntimeError) for these ops, e.g. softmax or a loss of
    an int64 tensor; computing anyway would return a dtype PyTorch never gives (or truncate a
    float result to int), so we raise the same exception type. Pass ``error=RuntimeError`` where
    PyTorch's failure is a RuntimeError proper.
    """
    if x.dtype.kind != "f":
        raise error(
            f"{op_name}: {what} must be a floating point tensor, got dtype {x.dtype}; "
            "expected float32 or float64 (cast it with .float() or .double())"
        )


class Exp(Function):
    """y = e^x, dy/dx = e^x = y, so dL/dx = g * y (reuse the output, no second exp)."""

    saves = {"out"}

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        y = np.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        return grad_output * y


class Log(Function):
    """y = ln x, dy/dx = 1/x, so dL/dx = g / x."""

    saves = {0}

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad_output / x


class Sqrt(Function):
    """y = sqrt(x), dy/dx = 1 / (2 sqrt x) = 1 / (2y), so dL/dx = g / (2y)."""

    saves = {"out"}

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        with np.errstate(invalid="ignore"):
            y = np.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad_output / (2 * y)


class Abs(Function):
    """y = |x|, dy/dx = sign(x), taking the subgradient 0 at x = 0 (as PyTorch)."""

    saves = {0}

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind == "b":  # torch: "abs_cpu" not implemented for 'Bool'
            raise NotImplementedError(
                f"abs: input must be a numeric tensor, got dtype {x.dtype}; expected an integer or floating point dtype"
            )
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * np.sign(x)


class Clamp(Function):
    """y = min(max(x, lo), hi).

    Where x lies inside [lo, hi] y = x (slope 1); outside, y is a constant (slope 0). PyTorch
    counts the boundary as inside, so the mask is lo <= x <= hi.
    """

    saves = {0}

    @staticmethod
    def forward(ctx, x, min=None, max=None):
        if min is None and max is None:
            raise ValueError("clamp: at least one of min or max must be given")
        if any(isinstance(bound, float) for bound in (min, max)):
            x = floating(x)  # an int tensor clamped to a float bound is a float tensor in PyTorch
        ctx.save_for_backward(x)
        ctx.bounds = (min, max)
        return np.clip(x, min, max).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        mask = np.ones(x.shape, dtype=bool)
        if lo is not None:
            mask &= x >= lo
        if hi is not None:
            mask &= x <= hi
        return grad_output * mask


class Hardtanh(Function):
    """y = min(max(x, min_val), max_val): the identity inside the band, flat outside.

    dy/dx = 1 where min_val < x < max_val and 0 elsewhere. Unlike clamp, PyTorch puts the
    boundaries themselves outside (hardtanh_backward's mask is strict), so dL/dx = g * mask; a NaN
    input passes its gradient on (the mask is "not x <= min_val or x >= max_val"), as in PyTorch.
    """

    saves = {0}

    @staticmethod
    def forward(ctx, x, min_val=-1.0, max_val=1.0):
        if min_val > max_val:
            raise ValueError(f"hardtanh: min_val cannot be greater than max_val, got {min_val} > {max_val}")
        ctx.save_for_backward(x)
        ctx.bounds = (min_val, max_val)
        return np.clip(x, min_val, max_val).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        return grad_output * ~((x <= lo) | (x >= hi))


class Tanh(Function):
    """y = tanh x, dy/dx = 1 - tanh^2 x = 1 - y^2, so dL/dx = g * (1 - y^2).

    Its slope is at most 1 and decays like 4e^{-2|x|}: stacking tanh layers multiplies such
    factors, one root of vanishing gradients.
    """

    saves = {"out"}

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        y = np.tanh(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        return grad_output * (1 - y * y)


def stable_sigmoid(x):
    """1 / (1 + e^-x) without overflow: with e = e^{-|x|} (always in (0, 1]),
    sigmoid(x) = 1/(1+e) for x >= 0 and e/(1+e) for x < 0."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1, e) / (1 + e)


class Sigmoid(Function):
    """y = 1 / (1 + e^-x), dy/dx = y (1 - y), so dL/dx = g * y * (1 - y).

    The slope peaks at 1/4 (x = 0): ten sigmoid layers scale a gradient by at most 4^-10.
    """

    saves = {"out"}

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        y = stable_sigmoid(x).astype(x.dtype, copy=False)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        return grad_output * y * (1 - y)


class ReLU(Function):
    """y = max(x, 0); dy/dx = 1 for x > 0 and 0 for x < 0, and the subgradient 0 at x = 0.

    A unit whose input stays negative gets no gradient at all: the "dead ReLU".
    """

    saves = {"out"}

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind == "b":  # NumPy would return int64; PyTorch refuses
            raise RuntimeError(
                f"relu: input must be a numeric tensor, got dtype {x.dtype}; "
                "expected an integer or floating point dtype (cast a mask with .float())"
            )
        y = np.maximum(x, 0)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        # "not y <= 0" rather than "y > 0": a NaN input passes its gradient on, as in PyTorch
        return grad_output * ~(y <= 0)


class LeakyReLU(Function):
    """y = x for x > 0, a*x otherwise; dy/dx = 1 or a. The small slope a keeps "dead" units
    learning."""

    saves = set()  # a fresh mask x > 0

    @staticmethod
    def forward(ctx, x, negative_slope=0.01):
        require_floating("leaky_relu", x)
        positive = x > 0
        ctx.save_for_backward(positive)
        ctx.slope = negative_slope
        return np.where(positive, x, x * negative_slope).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        (positive,) = ctx.saved_tensors
        return np.where(positive, grad_output, grad_output * ctx.slope).astype(grad_output.dtype, copy=False)


class ELU(Function):
    """y = x for x > 0, alpha (e^x - 1) otherwise.

    dy/dx = 1 for x > 0, alpha e^x (= y + alpha) otherwise. Negative outputs pull the mean
    activation toward 0, which answers ReLU's "not zero-centred" problem.
    The backward evaluates alpha e^x from x, not y + alpha: for x << 0, y is within rounding of
    -alpha and y + alpha would keep only a few correct digits of the tiny slope.
    """

    saves = {0}

    @staticmethod
    def forward(ctx, x, alpha=1.0):
        x = floating(x)
        positive = ~(x <= 0)  # NaN takes the identity branch (slope 1), as in PyTorch
        y = np.where(positive, x, alpha * np.expm1(np.minimum(x, 0))).astype(x.dtype, copy=False)
        ctx.save_for_backward(x, positive)
        ctx.alpha = alpha
        return y

    @staticmethod
    def backward(ctx, grad_output):
        x, positive = ctx.saved_tensors
        slope = ctx.alpha * np.exp(np.minimum(x, 0))
        return np.where(positive, grad_output, grad_output * slope).astype(grad_output.dtype, copy=False)


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


# float32 erf as a rational function of z^2 on [-4, 4] (XLA's ErfImpl32; erf(+-4) is +-1 in
# float32): |error| < 2.5e-7, within 4 ulp of 1. SciPy's float32 erf/erfc cost ~40 ns an element
# (a double-precision Cephes call each), which made GELU a third of a BERT training step; this is
# ~20 NumPy passes, each cheap when the chunk is small (see _CHUNK).
_ERF_NUMERATOR = tuple(
    np.float32(c)
    for c in (
        -2.72614225801306e-10,
        2.77068142495902e-08,
        -2.10102402082508e-06,
        -5.69250639462346e-05,
        -7.34990630326855e-04,
        -2.95459980854025e-03,
        -1.60960333262415e-02,
    )
)
_ERF_DENOMINATOR = tuple(
    np.float32(c)
    for c in (
        -1.45660718464996e-05,
        -2.13374055278905e-04,
        -1.68282697438203e-03,
        -7.37332916720468e-03,
        -1.42647390514189e-02,
    )
)
# Elements per chunk: the chunk's handful of 128 KB temporaries stay in L2 cache and are reused by
# the allocator, where whole-tensor temporaries (8 MB for one BERT-mini FFN activation) go to fresh
# pages each time; chunking made the float32 GELU ~6x faster.
_CHUNK = 1 << 15
# Below x = -2, Phi(x) < 0.023 and (1 + erf(x / sqrt 2)) / 2 starts losing relative digits to
# cancellation (5e-6 at -2, all of them by -6); those few elements take SciPy's exact erfc.
_CDF_TAIL = np.float32(-2.0)


def _erf_float32(z: np.ndarray, out: np.ndarray) -> np.ndarray:
    z = np.clip(z, np.float32(-4.0), np.float32(4.0))
    z2 = z * z
    numerator = z2 * _ERF_NUMERATOR[0]
    numerator += _ERF_NUMERATOR[1]
    for c in _ERF_NUMERATOR[2:]:
        numerator *= z2
        numerator += c
    numerator *= z
    denominator = z2 * _ERF_DENOMINATOR[0]
    denominator += _ERF_DENOMINATOR[1]
    for c in _ERF_DENOMINATOR[2:]:
        denominator *= z2
        denominator += c
    return np.divide(numerator, denominator, out=out)


def _normal_cdf_chunk(x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Phi(x) = (1 + erf(x / sqrt 2)) / 2 for one float32 chunk, its far-left tail from erfc."""
    _erf_float32(x * np.float32(_INV_SQRT_2), out)
    out += np.float32(1.0)
    out *= np.float32(0.5)
    tail = x < _CDF_TAIL
    if tail.any():
        out[tail] = 0.5 * _erfc(-x[tail] * _INV_SQRT_2)
    return out


_POOL = {"pid": None, "threads": 0, "executor": None}


def _threads() -> int:
    """How many threads chunked elementwise work may use: OMP_NUM_THREADS (the knob that also
    sizes OpenBLAS's and PyTorch's pools) or the CPU count, at most 8, and no more than BLAS may
    use right now. The last rule keeps code that holds BLAS to one thread because other processes
    share the cores (``nn.DataParallel``, the recurrent row split) from starting a second thread
    here (three busy threads on two cores). Measured on the split mini-BERT step: 301-302 ms
    against 303-308 ms with the second thread, in three alternating pairs."""
    try:
        wanted = int(os.environ.get("OMP_NUM_THREADS") or os.cpu_count() or 1)
    except ValueError:
        wanted = 1
    if wanted > 1:
        from .row_workers import blas_threads

        blas = blas_threads()
        if blas is not None and blas.libraries:
            wanted = min(wanted, min(getter() for _, getter in blas.libraries))
    return max(1, min(wanted, 8))


def _for_each_chunk(work, size: int) -> None:
    """Call ``work(start, stop)`` over [0, size) in _CHUNK pieces, on several threads when the
    array is big: NumPy releases the GIL inside each ufunc loop, so threads working on disjoint
    chunks run in parallel, as PyTorch's elementwise kernels do on its intra-op pool."""
    spans = list(range(0, size, _CHUNK))
    threads = min(_threads(), len(spans) // 4)
    if threads <= 1:
        for start in spans:
            work(start, min(start + _CHUNK, size))
        return
    pool = _POOL
    if pool["pid"] != os.getpid() or pool["threads"] != threads:  # a forked child cannot reuse the parent's threads
        pool.update(pid=os.getpid(), threads=threads, executor=ThreadPoolExecutor(threads, "chainrule-elementwise"))
    groups = [spans[i::threads] for i in range(threads)]

    def run(group):
        for start in group:
            work(start, min(start + _CHUNK, size))

    for future in [pool["executor"].submit(run, group) for group in groups]:
        future.result()


def _normal_cdf_float32(x: np.ndarray) -> np.ndarray:
    """Phi(x) elementwise for a float32 array, chunk by chunk (NaN stays NaN, Phi(+-inf) = 1, 0)."""
    flat = np.ascontiguousarray(x).reshape(-1)
    out = np.empty_like(flat)
    _for_each_chunk(lambda start, stop: _normal_cdf_chunk(flat[start:stop], out[start:stop]), flat.size)
    return out.reshape(x.shape)


def _gelu_grad_float32(x: np.ndarray, cdf: np.ndarray, grad_output: np.ndarray) -> np.ndarray:
    """grad_output * (Phi(x) + x phi(x)) chunk by chunk, the exact GELU's backward in float32,
    given Phi(x) from the forward pass."""
    flat = np.ascontiguousarray(x).reshape(-1)
    cdf = cdf.reshape(-1)
    grad = np.ascontiguousarray(np.broadcast_to(grad_output, x.shape)).reshape(-1)
    out = np.empty(flat.shape, dtype=np.result_type(grad.dtype, np.float32))

    def work(start, stop):
        chunk = flat[start:stop]
        # set here, not by the caller: NumPy's error state is per thread. x*x overflowing to inf
        # gives phi = 0, as it should; x = +-inf then gives inf * 0 = nan, as in PyTorch.
        with np.errstate(over="ignore", invalid="ignore"):
            density = chunk * chunk
            density *= np.float32(-0.5)
            np.exp(density, out=density)
            density *= chunk
            density *= np.float32(_INV_SQRT_2PI)
            density += cdf[start:stop]
            np.multiply(grad[start:stop], density, out=out[start:stop])

    _for_each_chunk(work, flat.size)
    return out.reshape(x.shape)


class GELU(Function):
    """y = x Phi(x), Phi the standard normal CDF.

    exact:  dy/dx = Phi(x) + x phi(x), phi(x) = e^{-x^2/2} / sqrt(2 pi).
    'tanh': y = x/2 (1 + tanh u), u = sqrt(2/pi)(x + 0.044715 x^3);
            dy/dx = (1 + tanh u)/2 + x/2 (1 - tanh^2 u) du/dx, du/dx = sqrt(2/pi)(1 + 3*0.044715 x^2).
    Both are evaluated without cancellation for x << 0, where Phi(x) and 1 + tanh u are tiny:
    Phi(x) = erfc(-x / sqrt 2) / 2 (not (1 + erf)/2), and with s = sigmoid(2u),
    (1 + tanh u)/2 = s and 1 - tanh^2 u = 4 s sigmoid(-2u).
    """

    saves = {0}

    @staticmethod
    def forward(ctx, x, approximate="none"):
        x = floating(x)
        if approximate not in ("none", "tanh"):
            raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        with np.errstate(invalid="ignore"):  # x = -inf: -inf * 0 = nan, as in PyTorch
            if approximate == "tanh":
                u = _SQRT_2_OVER_PI * (x + 0.044715 * x**3)
                return (x * stable_sigmoid(2 * u)).astype(x.dtype, copy=False)
            if x.dtype == np.float32:
                # kept for backward (a derived array, not an input): recomputing it costs more than the erf saves
                ctx.cdf = _normal_cdf_float32(x)
                return x * ctx.cdf
            cdf = 0.5 * _erfc(-x * _INV_SQRT_2)
            return (x * cdf).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        with np.errstate(invalid="ignore"):  # x = +-inf: inf * 0 = nan, as in PyTorch
            if ctx.approximate == "tanh":
                u = _SQRT_2_OVER_PI * (x + 0.044715 * x**3)
                du = _SQRT_2_OVER_PI * (1 + 3 * 0.044715 * x * x)
                s = stable_sigmoid(2 * u)
                local = s + 2 * x * s * stable_sigmoid(-2 * u) * du
            elif x.dtype == np.float32:
                return _gelu_grad_float32(x, ctx.cdf, grad_output)
            else:
                cdf = 0.5 * _erfc(-x * _INV_SQRT_2)
                local = cdf + x * _INV_SQRT_2PI * np.exp(-0.5 * x * x)
        return (grad_output * local).astype(grad_output.dtype, copy=False)


class Softplus(Function):
    """y = (1/beta) ln(1 + e^{beta x}), linear (y = x) where beta x > threshold, as PyTorch.

    dy/dx = e^{beta x} / (1 + e^{beta x}) = sigmoid(beta x) (and 1 in the linear region).
    Computed as max(z, 0) + ln(1 + e^{-|z|}) with z = beta x so e^z never overflows.
    """

    saves = set()  # beta * x, fresh

    @staticmethod
    def forward(ctx, x, beta=1.0, threshold=20.0):
        x = floating(x)
        z = x * beta
        linear = z > threshold
        ctx.save_for_backward(z, linear)
        y = (np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))) / beta
        return np.where(linear, x, y).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        z, linear = ctx.saved_tensors
        return np.where(linear, grad_output, grad_output * stable_sigmoid(z)).astype(grad_output.dtype, copy=False)


# ---------------------------------------------------------------- trigonometric and hyperbolic
# Each backward follows PyTorch's formula (tools/autograd/derivatives.yaml), so the values at the
# domain's edges (inf at asin(+-1), nan outside it) are PyTorch's too.
_LN2 = math.log(2.0)
_LN10 = math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)
_HALF_SQRT_PI = 0.5 * math.sqrt(math.pi)


def _local(grad_output, local):
    """g * f'(x) in g's dtype (a float64 constant must not promote a float32 gradient)."""
    return (grad_output * local).astype(grad_output.dtype, copy=False)


class Sin(Function):
    """y = sin x, dy/dx = cos x."""

    saves = {0}

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        with np.errstate(invalid="ignore"):
            return np.sin(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        with np.errstate(invalid="ignore"):
            return grad_output * np.cos(x)


class Cos(Function):
    """y = cos x, dy/dx = -sin x."""

    saves = {0}

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        with np.errstate(invalid="ignore"):
            return np.cos(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        with np.errstate(invalid="ignore"):
            return grad_output * -np.sin(x)


class Tan(Function):
    """y = tan x, dy/dx = 1 / cos^2 x = 1 + tan^2 x = 1 + y^2 (reuse the output)."""

    saves = {"out"}

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        with np.errstate(invalid="ignore"):
            y = np.tan(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        with np.errstate(over="ignore"):
            return grad_output * (1 + y * y)


class Asin(Function):
    """y = asin x, dy/dx = 1 / sqrt(1 - x^2) (inf at x = +-1, nan outside [-1, 1])."""

    saves = {0}

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        with np.errstate(invalid="ignore"):
            return np.arcsin(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return grad_output / np.sqrt(1 - x * x)


class Acos(Function):
    """y = acos x = pi/2 - asin x, dy/dx = -1 / sqrt(1 - x^2)."""

    saves = {0}

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        with np.errstate(invalid="ignore"):
            return np.arccos(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return -grad_output / np.sqrt(1 - x * x)


class Atan(Function):
    """y = atan x, dy/dx = 1 / (1 + x^2)."""

    saves = {0}

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return np.arctan(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        with np.errstate(over="ignore"):
            return grad_output / (1 + x * x)


class Sinh(Function):
    """y = sinh x, dy/dx = cosh x."""

    saves = {0}

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        with np.errstate(over="ignore"):
            return np.sinh(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        with np.errstate(over="ignore", invalid="ignore"):
            return grad_output * np.cosh(x)


class Cosh(Function):
    """y = cosh x, dy/dx = sinh x."""

    saves = {0}

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        with np.errstate(over="ignore"):
            return np.cosh(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        with np.errstate(over="ignore", invalid="ignore"):
            return grad_output * np.sinh(x)


class Asinh(Function):
    """y = asinh x = ln(x + sqrt(x^2 + 1)), dy/dx = 1 / sqrt(x^2 + 1)."""

    saves = {0}

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return np.arcsinh(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        with np.errstate(over="ignore"):
            return grad_output / np.sqrt(x * x + 1)


class Acosh(Function):
    """y = acosh x = ln(x + sqrt(x^2 - 1)) (x >= 1), dy/dx = 1 / sqrt(x^2 - 1).

    As PyTorch, the slope is evaluated wherever the formula is real: inf at x = +-1, nan between.
    """

    saves = {0}

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        with np.errstate(invalid="ignore"):
            return np.arccosh(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return grad_output / np.sqrt(x * x - 1)


class Atanh(Function):
    """y = atanh x = ln((1 + x) / (1 - x)) / 2, dy/dx = 1 / (1 - x^2) (evaluated everywhere, as
    PyTorch: -1/3 at x = 2 although atanh(2) is nan)."""

    saves = {0}

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.arctanh(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return grad_output / (1 - x * x)


# ---------------------------------------------------------------- logs, powers, error functions
class Log2(Function):
    """y = log2 x = ln x / ln 2, dy/dx = 1 / (x ln 2)."""

    saves = {0}

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log2(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad_output / (x * x.dtype.type(_LN2))


class Log10(Function):
    """y = log10 x = ln x / ln 10, dy/dx = 1 / (x ln 10)."""

    saves = {0}

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log10(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad_output / (x * x.dtype.type(_LN10))


class Log1p(Function):
    """y = ln(1 + x), exact for tiny x; dy/dx = 1 / (1 + x)."""

    saves = {0}

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log1p(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore"):
            return grad_output / (x + 1)


class Exp2(Function):
    """y = 2^x = e^{x ln 2}, dy/dx = y ln 2."""

    saves = {"out"}

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        with np.errstate(over="ignore"):
            y = np.exp2(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        with np.errstate(over="ignore", invalid="ignore"):
            return grad_output * (y * y.dtype.type(_LN2))


class Expm1(Function):
    """y = e^x - 1, exact for tiny x; dy/dx = e^x = y + 1."""

    saves = {"out"}

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        with np.errstate(over="ignore"):
            y = np.expm1(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        with np.errstate(invalid="ignore"):
            return grad_output * (y + 1)


class Rsqrt(Function):
    """y = x^{-1/2}, dy/dx = -x^{-3/2} / 2 = -y^3 / 2."""

    saves = {"out"}

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            y = 1 / np.sqrt(x)
        ctx.save_for_backward(y)
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        with np.errstate(over="ignore", invalid="ignore"):
            return _local(grad_output, -0.5 * y * y * y)


class Reciprocal(Function):
    """y = 1 / x, dy/dx = -1 / x^2 = -y^2."""

    saves = {"out"}

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        with np.errstate(divide="ignore"):
            y = np.reciprocal(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        with np.errstate(over="ignore", invalid="ignore"):
            return -grad_output * (y * y)


class Square(Function):
    """y = x^2, dy/dx = 2x. Integers stay integers (bool becomes int64), as in PyTorch."""

    saves = {0}

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind == "b":
            x = x.astype(np.int64)
        ctx.save_for_backward(x)
        with np.errstate(over="ignore"):
            return x * x

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        with np.errstate(over="ignore", invalid="ignore"):
            return grad_output * (2 * x)


class Erf(Function):
    """y = erf x = (2/sqrt(pi)) int_0^x e^{-t^2} dt, dy/dx = (2/sqrt(pi)) e^{-x^2}."""

    saves = {0}

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return _scipy_special.erf(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return _local(grad_output, _TWO_OVER_SQRT_PI * np.exp(-x * x))


class Erfc(Function):
    """y = erfc x = 1 - erf x (without the cancellation for large x), dy/dx = -(2/sqrt(pi)) e^{-x^2}."""

    saves = {0}

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        ctx.save_for_backward(x)
        return _scipy_special.erfc(x)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return _local(grad_output, -_TWO_OVER_SQRT_PI * np.exp(-x * x))


class Erfinv(Function):
    """y = erf^{-1}(x) on (-1, 1). From erf(y) = x: (2/sqrt(pi)) e^{-y^2} dy = dx, so
    dy/dx = (sqrt(pi)/2) e^{y^2} (inf at x = +-1, nan outside)."""

    saves = {"out"}

    @staticmethod
    def forward(ctx, x):
        x = floating(x)
        with np.errstate(invalid="ignore"):
            y = _scipy_special.erfinv(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad_output):
        (y,) = ctx.saved_tensors
        with np.errstate(over="ignore", invalid="ignore"):
            return _local(grad_output, _HALF_SQRT_PI * np.exp(y * y))


# ---------------------------------------------------------------- rounding and sign
# Piecewise constant: the derivative is 0 wherever it exists, and PyTorch records a node whose
# backward returns zeros (not a cut graph), so (x.floor() + x).sum().backward() gives x.grad == 1.
# Integer inputs come back as a copy in their own dtype; bool has no kernel in PyTorch.
def _require_numeric(op_name, x):
    if x.dtype.kind == "b":  # torch: "floor_vml_cpu" not implemented for 'Bool'
        raise NotImplementedError(
            f"{op_name}: input must be a numeric tensor, got dtype {x.dtype}; expected an integer or floating point dtype"
        )


def _zero_gradient(ctx, grad_output):
    """The backward of a piecewise-constant map: dy/dx = 0 wherever it is defined, so dL/dx = 0."""
    return np.zeros_like(grad_output)


class Floor(Function):
    """y = the largest integer <= x; dy/dx = 0 (PyTorch's convention at the jumps too)."""

    saves = set()
    backward = staticmethod(_zero_gradient)

    @staticmethod
    def forward(ctx, x):
        _require_numeric("floor", x)
        return np.floor(x) if x.dtype.kind == "f" else x.copy()


class Ceil(Function):
    """y = the smallest integer >= x; dy/dx = 0."""

    saves = set()
    backward = staticmethod(_zero_gradient)

    @staticmethod
    def forward(ctx, x):
        _require_numeric("ceil", x)
        return np.ceil(x) if x.dtype.kind == "f" else x.copy()


class Trunc(Function):
    """y = x rounded toward zero; dy/dx = 0."""

    saves = set()
    backward = staticmethod(_zero_gradient)

    @staticmethod
    def forward(ctx, x):
        _require_numeric("trunc", x)
        return np.trunc(x) if x.dtype.kind == "f" else x.copy()


class Round(Function):
    """y = x rounded to ``decimals`` places, halves to even (as PyTorch); dy/dx = 0.

    With decimals != 0 it is round(x * 10^d) / 10^d, as PyTorch and np.round compute it; an
    integer input is refused there, as in PyTorch.
    """

    saves = set()
    backward = staticmethod(_zero_gradient)

    @staticmethod
    def forward(ctx, x, decimals=0):
        _require_numeric("round", x)
        if x.dtype.kind != "f":
            if decimals != 0:  # torch: "round_cpu" not implemented for 'Long'
                raise NotImplementedError(
                    f"round: decimals={decimals} needs a floating point tensor, got dtype {x.dtype}"
                )
            return x.copy()
        with np.errstate(over="ignore", invalid="ignore"):
            return np.round(x, decimals)


class Sign(Function):
    """y = -1, 0 or 1 by the sign of x (0 for nan, as PyTorch; bool stays bool); dy/dx = 0."""

    saves = set()
    backward = staticmethod(_zero_gradient)

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind == "b":
            return x.copy()
        y = np.sign(x)
        if x.dtype.kind == "f":
            y[np.isnan(x)] = 0
        return y


class Frac(Function):
    """y = x - trunc(x), the fractional part with the sign of x; dy/dx = 1 (trunc's slope is 0)."""

    saves = set()

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind != "f":  # torch: "frac_cpu" not implemented for 'Long'
            raise NotImplementedError(
                f"frac: input must be a floating point tensor, got dtype {x.dtype}; expected float32 or float64"
            )
        with np.errstate(invalid="ignore"):
            return x - np.trunc(x)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output
