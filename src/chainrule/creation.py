"""Tensor factories with PyTorch's names: tensor, zeros, ones, full, randn, rand, arange, eye, ..."""

from __future__ import annotations

import numpy as np

from . import backend
from .ops.shape import parse_shape_args
from .random import get_generator
from .tensor import Tensor, unwrap_tensor

__all__ = [
    "arange",
    "empty",
    "eye",
    "from_numpy",
    "full",
    "full_like",
    "linspace",
    "ones",
    "ones_like",
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "randperm",
    "tensor",
    "zeros",
    "zeros_like",
]


def tensor(data, dtype=None, requires_grad=False) -> Tensor:
    """Build a tensor from data (a copy): Python floats -> float32, ints -> int64, arrays keep dtype."""
    data = unwrap_tensor(data)
    array = backend.as_array(data, dtype)
    if array is data:
        array = array.copy()
    return Tensor(array, requires_grad=requires_grad)


def from_numpy(array: np.ndarray) -> Tensor:
    """Wrap an ndarray without copying (changes to one show in the other, as in PyTorch)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy: expected np.ndarray, got {type(array).__name__}")
    return Tensor(array)


def _factory(name, size, dtype, requires_grad, fill):
    shape = parse_shape_args(name, size)
    if any(n < 0 for n in shape):  # RuntimeError, as torch's "negative dimension"
        raise RuntimeError(f"{name}: sizes must be non-negative, got {shape}")
    dtype = backend.to_dtype(dtype) or backend.get_default_dtype()
    return Tensor(fill(shape, dtype), requires_grad=requires_grad)


def zeros(*size, dtype=None, requires_grad=False) -> Tensor:
    return _factory("zeros", size, dtype, requires_grad, np.zeros)


def ones(*size, dtype=None, requires_grad=False) -> Tensor:
    return _factory("ones", size, dtype, requires_grad, np.ones)


def empty(*size, dtype=None, requires_grad=False) -> Tensor:
    return zeros(*size, dtype=dtype, requires_grad=requires_grad)


def full(size, fill_value, dtype=None, requires_grad=False) -> Tensor:
    if dtype is None:
        dtype = backend.as_array(fill_value).dtype
    return _factory("full", (tuple(size),), dtype, requires_grad, lambda s, d: np.full(s, fill_value, dtype=d))


def _floating_only(name, kernel):
    # torch samples uniform/normal values only into floating dtypes
    def fill(shape, dtype, sample):
        if dtype.kind not in "fc":
            raise NotImplementedError(f'{name}: "{kernel}" not implemented for {dtype} (expected a floating dtype)')
        return sample(shape).astype(dtype)

    return fill


_uniform = _floating_only("rand", "check_uniform_bounds")
_normal = _floating_only("randn", "normal_kernel_cpu")


def randn(*size, dtype=None, requires_grad=False, generator=None) -> Tensor:
    rng = get_generator(generator)
    return _factory("randn", size, dtype, requires_grad, lambda s, d: _normal(s, d, rng.standard_normal))


def rand(*size, dtype=None, requires_grad=False, generator=None) -> Tensor:
    rng = get_generator(generator)
    return _factory("rand", size, dtype, requires_grad, lambda s, d: _uniform(s, d, rng.random))


def randint(low, high=None, size=None, *, dtype=None, generator=None) -> Tensor:
    """Integers in [low, high): ``randint(high, size)`` or ``randint(low, high, size)``, as torch."""
    if size is None and isinstance(high, (tuple, list)):  # randint(5, (6,))
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if size is None or not isinstance(size, (tuple, list)):
        got = "nothing" if size is None else type(size).__name__
        raise TypeError(f"randint(): argument 'size' must be tuple of ints, not {got}")
    shape = parse_shape_args("randint", (tuple(size),))
    if any(n < 0 for n in shape):
        raise RuntimeError(f"randint: sizes must be non-negative, got {shape}")
    if high <= low:
        raise RuntimeError(f"randint: random_ expects 'from' to be less than 'to', but got from={low} >= to={high}")
    rng = get_generator(generator)
    return Tensor(rng.integers(low, high, size=shape).astype(backend.to_dtype(dtype) or backend.int64))


def randperm(n, generator=None) -> Tensor:
    if n < 0:
        raise RuntimeError(f"randperm: n must be non-negative, got {n}")
    return Tensor(get_generator(generator).permutation(n).astype(np.int64))


def arange(start, end=None, step=1, dtype=None, requires_grad=False) -> Tensor:
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError(f"arange: upper bound and lower bound inconsistent with step sign ({start}, {end}, {step})")
    values = np.arange(start, end, step)
    if dtype is None:
        dtype = backend.int64 if values.dtype.kind in "iu" else backend.get_default_dtype()
    return Tensor(values.astype(backend.to_dtype(dtype)), requires_grad=requires_grad)


def linspace(start, end, steps, dtype=None, requires_grad=False) -> Tensor:
    if steps < 0:
        raise RuntimeError(f"linspace: number of steps must be non-negative, got {steps}")
    dtype = backend.to_dtype(dtype) or backend.get_default_dtype()
    return Tensor(np.linspace(start, end, steps).astype(dtype), requires_grad=requires_grad)


def eye(n, m=None, dtype=None, requires_grad=False) -> Tensor:
    for name, value in (("n", n), ("m", m)):
        if value is not None and value < 0:
            raise RuntimeError(f"eye: {name} must be greater or equal to 0, got {value}")
    dtype = backend.to_dtype(dtype) or backend.get_default_dtype()
    return Tensor(np.eye(n, m, dtype=dtype), requires_grad=requires_grad)


def _like(name, fill):
    def factory(input, dtype=None, requires_grad=False, **kwargs):
        dtype = backend.to_dtype(dtype) or input.dtype
        return Tensor(fill(input.shape, dtype, **kwargs), requires_grad=requires_grad)

    factory.__name__ = name
    factory.__doc__ = f"``{name}(input)``: a new tensor with input's shape and dtype."
    return factory


zeros_like = _like("zeros_like", lambda s, d: np.zeros(s, d))
ones_like = _like("ones_like", lambda s, d: np.ones(s, d))
randn_like = _like("randn_like", lambda s, d, generator=None: _normal(s, d, get_generator(generator).standard_normal))
rand_like = _like("rand_like", lambda s, d, generator=None: _uniform(s, d, get_generator(generator).random))


def full_like(input, fill_value, dtype=None, requires_grad=False) -> Tensor:
    dtype = backend.to_dtype(dtype) or input.dtype
    return Tensor(np.full(input.shape, fill_value, dtype=dtype), requires_grad=requires_grad)
