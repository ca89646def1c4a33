"""The one place that chooses the array module and creates arrays.

Everything numeric in chainrule runs on NumPy today. Keeping array creation here means a GPU
backend (CuPy exposes the same API) would be a change to this file, not to every op.
"""

from __future__ import annotations

import builtins
import ctypes
import ctypes.util
import os
import sys

import numpy as np

__all__ = [
    "allocator_tuned",
    "as_array",
    "bool_",
    "double",
    "float",
    "float16",
    "float32",
    "float64",
    "get_default_dtype",
    "int16",
    "int32",
    "int64",
    "int8",
    "long",
    "parse_to_args",
    "set_default_dtype",
    "to_dtype",
    "uint8",
    "xp",
]

xp = np

float16 = np.dtype(np.float16)
float32 = np.dtype(np.float32)
float64 = np.dtype(np.float64)
int8 = np.dtype(np.int8)
int16 = np.dtype(np.int16)
int32 = np.dtype(np.int32)
int64 = np.dtype(np.int64)
uint8 = np.dtype(np.uint8)
bool_ = np.dtype(np.bool_)
long = int64
float = float32  # noqa: A001 - mirrors torch.float
double = float64

_default_dtype = float32


def get_default_dtype():
    return _default_dtype


def set_default_dtype(dtype) -> None:
    """Set the floating dtype used for Python floats (float32 unless changed, as in PyTorch)."""
    global _default_dtype
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise TypeError(f"set_default_dtype: expected a floating dtype, got {dtype}")
    _default_dtype = dtype


def to_dtype(dtype):
    """Accept NumPy dtypes, Python types and chainrule's names; return a NumPy dtype."""
    if dtype is None:
        return None
    if dtype is builtins.float:
        return _default_dtype
    if dtype is builtins.int:
        return int64
    try:
        return np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unsupported dtype {dtype!r}; expected a NumPy dtype such as chainrule.float32") from None


def parse_to_args(owner, args, dtype=None, device=None):
    """Read the arguments of a PyTorch-style ``.to()`` call, shared by Tensor.to and Module.to.

    A positional string is a device, any other positional is a dtype (the last one of each wins,
    as before); ``dtype=`` and ``device=`` may also be given by keyword. Only 'cpu' is a device
    here, since NumPy arrays always live in host memory.

    Args:
        owner: the calling method's name for error messages, e.g. ``"Tensor.to"``.
        args: the positional arguments of the call.
        dtype: the ``dtype=`` keyword, if given.
        device: the ``device=`` keyword, if given.

    Returns:
        ``(dtype, device)``: a NumPy dtype or None, and the device string or None.

    Raises:
        ValueError: a device other than 'cpu'.
        TypeError: something that is not a dtype.
    """
    for arg in args:
        if isinstance(arg, str):
            device = arg
        else:
            dtype = arg
    if device is not None:
        if str(device) != "cpu":
            raise ValueError(
                f"{owner}: only the 'cpu' device exists in chainrule's NumPy backend, got {device!r}; expected 'cpu'"
            )
        device = "cpu"
    return to_dtype(dtype), device


def _numpy_float_dtypes(data):
    """The dtypes of the NumPy floating scalars in nested lists (stopping at the first float64)."""
    found, stack = set(), [data]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, np.floating):
            found.add(item.dtype)
            if item.dtype == float64:
                break
    return found


def as_array(data, dtype=None):
    """Convert ``data`` to an ndarray following torch.tensor's inference: Python floats become the
    default float dtype (float32), Python ints int64, bools bool; NumPy arrays keep their dtype."""
    dtype = to_dtype(dtype)
    if isinstance(data, np.ndarray):
        array = data
    else:
        try:
            array = np.asarray(data)
        except ValueError as error:  # ragged nested lists
            raise ValueError(f"tensor: data must be rectangular (every row the same length): {error}") from None
        if array.dtype.kind == "f" and array.dtype != _default_dtype and not isinstance(data, np.generic):
            # NumPy floats in a list keep their precision, as torch.tensor([np.float64(1), 2.0])
            array = array.astype(np.result_type(_default_dtype, *_numpy_float_dtypes(data)))
        elif array.dtype.kind in "iu" and not isinstance(data, np.generic):
            array = array.astype(np.int64)
        elif array.dtype.kind not in "fiub":
            raise TypeError(
                f"tensor: cannot build a tensor from data of dtype {array.dtype}; expected numbers or bools"
            )
    if dtype is not None and array.dtype != dtype:
        array = array.astype(dtype)
    return array


def _keep_freed_arrays_in_the_heap() -> bool:
    """Ask glibc's malloc to serve large arrays from its heap instead of fresh mmap()s.

    By default glibc hands every block above ~128 KiB-32 MiB (a dynamic threshold) straight to
    mmap and returns it to the kernel on free. A training step allocates and frees the same
    dozen activation and gradient arrays (0.5-2 MB each) every iteration, so each step would pay
    for hundreds of fresh zero-filled pages: measured here as ~3 ms of a ~9 ms MLP step.
    PyTorch avoids this with its caching allocator; raising the mmap and trim thresholds gives
    NumPy the same reuse. Set CHAINRULE_NO_MALLOPT=1 to leave malloc alone.
    """
    if not sys.platform.startswith("linux") or os.environ.get("CHAINRULE_NO_MALLOPT"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (e.g. musl): nothing to tune
        return False
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    ok = mallopt(M_MMAP_THRESHOLD, 64 * 1024 * 1024) == 1
    ok &= mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024) == 1
    return bool(ok)


allocator_tuned = _keep_freed_arrays_in_the_heap()
