"""Tensor printing, character for character as PyTorch's ``torch/_tensor_str.py`` prints.

``repr(t)`` is ``tensor([0.5122, 1.0000])``: one formatter per tensor chooses, from the nonzero
finite values, between integer mode (``1., 2.``), fixed point with ``precision`` decimals, and
scientific notation (when max/min > 1000, max > 1e8 or min < 1e-4); every element is padded to
the widest; lines wrap at ``linewidth``; more than ``threshold`` elements are summarised as the
first and last ``edgeitems`` of each dimension around ``...``. Suffixes follow as in torch:
``size=`` for empty non-1-d tensors, ``dtype=`` when the dtype is not the default float dtype,
int64 or bool, then ``grad_fn=<MulBackward0>`` or ``requires_grad=True``.

One difference: chainrule's dtypes are NumPy dtype objects, whose own repr (``dtype('float64')``)
belongs to NumPy and cannot be changed, so it is the ``dtype=`` suffix that names them the
chainrule way, ``dtype=chainrule.float64`` (torch prints ``dtype=torch.float64``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import math

import numpy as np

from . import backend

__all__ = ["get_printoptions", "printoptions", "set_printoptions"]


@dataclasses.dataclass
class _PrinterOptions:
    precision: int = 4
    threshold: float = 1000
    edgeitems: int = 3
    linewidth: int = 80
    sci_mode: bool | None = None


PRINT_OPTS = _PrinterOptions()

_PROFILES = {
    "default": {"precision": 4, "threshold": 1000, "edgeitems": 3, "linewidth": 80},
    "short": {"precision": 2, "threshold": 1000, "edgeitems": 2, "linewidth": 80},
    "full": {"precision": 4, "threshold": math.inf, "edgeitems": 3, "linewidth": 80},
}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None, sci_mode=None):
    """Set how tensors print, as ``torch.set_printoptions``.

    Args:
        precision: digits after the decimal point (default 4).
        threshold: more elements than this are summarised with ``...`` (default 1000).
        edgeitems: items kept at each end of every summarised dimension (default 3).
        linewidth: characters per line before wrapping (default 80).
        profile: ``"default"``, ``"short"`` or ``"full"`` presets, overridden by the other arguments.
        sci_mode: True/False forces scientific notation on/off; None (the default, and what every
            call that omits it sets, as in torch) lets each tensor's values decide.
    """
    if profile is not None:
        if profile not in _PROFILES:
            raise ValueError(f"set_printoptions: unknown profile {profile!r}; expected one of {list(_PROFILES)}")
        for name, value in _PROFILES[profile].items():
            setattr(PRINT_OPTS, name, value)
    for name, value in (("precision", precision), ("threshold", threshold), ("edgeitems", edgeitems)):
        if value is not None:
            setattr(PRINT_OPTS, name, value)
    if linewidth is not None:
        PRINT_OPTS.linewidth = linewidth
    PRINT_OPTS.sci_mode = sci_mode


def get_printoptions() -> dict:
    """The current options, as keyword arguments for :func:`set_printoptions`."""
    return dataclasses.asdict(PRINT_OPTS)


@contextlib.contextmanager
def printoptions(**kwargs):
    """Change the print options inside a ``with`` block only."""
    old = get_printoptions()
    set_printoptions(**kwargs)
    try:
        yield
    finally:
        set_printoptions(**old)


class _Formatter:
    """Chooses one element format for a whole tensor (torch's ``_Formatter``)."""

    def __init__(self, array: np.ndarray):
        self.floating = array.dtype.kind == "f"
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        flat = array.reshape(-1)
        if not self.floating:
            for value in flat.tolist():
                self.max_width = max(self.max_width, len(f"{value}"))
            return
        values = flat[np.isfinite(flat) & (flat != 0)]
        if values.size == 0:
            return  # only zeros, inf and nan: integer mode, and sci_mode= is not consulted (as in torch)
        magnitudes = np.abs(values).astype(np.float64)
        smallest, largest = float(magnitudes.min()), float(magnitudes.max())
        self.int_mode = bool(np.all(values == np.ceil(values)))
        if PRINT_OPTS.sci_mode is None:
            self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        else:
            self.sci_mode = PRINT_OPTS.sci_mode
        precision = PRINT_OPTS.precision
        for value in values.tolist():
            if self.sci_mode:
                width = len(f"{value:.{precision}e}")
            elif self.int_mode:
                width = len(f"{value:.0f}") + 1  # the "." that marks a float
            else:
                width = len(f"{value:.{precision}f}")
            self.max_width = max(self.max_width, width)

    def format(self, value) -> str:
        if self.floating:
            if self.sci_mode:
                text = f"{value:{self.max_width}.{PRINT_OPTS.precision}e}"
            elif self.int_mode:
                text = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    text += "."
            else:
                text = f"{value:.{PRINT_OPTS.precision}f}"
        else:
            text = f"{value}"
        return (self.max_width - len(text)) * " " + text


def _summarized(array: np.ndarray) -> np.ndarray:
    """The elements a summarised print shows: the first and last ``edgeitems`` of every dimension."""
    edge = PRINT_OPTS.edgeitems
    if array.ndim == 0:
        return array
    if array.ndim == 1:
        return np.concatenate((array[:edge], array[-edge:])) if array.shape[0] > 2 * edge else array
    if not edge:
        return array[(slice(0, 0),) * array.ndim]
    rows = (
        list(range(edge)) + list(range(len(array) - edge, len(array))) if len(array) > 2 * edge else range(len(array))
    )
    return np.stack([_summarized(array[i]) for i in rows])


def _vector_str(array: np.ndarray, indent: int, summarize: bool, formatter: _Formatter) -> str:
    edge = PRINT_OPTS.edgeitems
    per_line = max(1, math.floor((PRINT_OPTS.linewidth - indent) / (formatter.max_width + 2)))
    if summarize and not edge:
        data = ["..."]
    elif summarize and array.shape[0] > 2 * edge:
        data = (
            [formatter.format(v) for v in array[:edge].tolist()]
            + [" ..."]
            + [formatter.format(v) for v in array[-edge:].tolist()]
        )
    else:
        data = [formatter.format(v) for v in array.tolist()]
    lines = [", ".join(data[i : i + per_line]) for i in range(0, len(data), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _str_with_formatter(array: np.ndarray, indent: int, summarize: bool, formatter: _Formatter) -> str:
    if array.ndim == 0:
        return formatter.format(array.item())
    if array.ndim == 1:
        return _vector_str(array, indent, summarize, formatter)
    edge = PRINT_OPTS.edgeitems
    if summarize and array.shape[0] > 2 * edge:
        slices = (
            [_str_with_formatter(array[i], indent + 1, summarize, formatter) for i in range(edge)]
            + ["..."]
            + [
                _str_with_formatter(array[i], indent + 1, summarize, formatter)
                for i in range(len(array) - edge, len(array))
            ]
        )
    else:
        slices = [_str_with_formatter(array[i], indent + 1, summarize, formatter) for i in range(array.shape[0])]
    return "[" + ("," + "\n" * (array.ndim - 1) + " " * (indent + 1)).join(slices) + "]"


def array_str(array: np.ndarray, indent: int) -> str:
    """The bracketed values of ``array``, continuation lines indented by ``indent``."""
    if array.size == 0:
        return "[]"
    summarize = array.size > PRINT_OPTS.threshold
    formatter = _Formatter(_summarized(array) if summarize else array)
    return _str_with_formatter(array, indent, summarize, formatter)


def _add_suffixes(text: str, suffixes: list, indent: int) -> str:
    parts = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > PRINT_OPTS.linewidth:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def dtype_name(dtype) -> str:
    """``chainrule.float64``: how a dtype is written in a tensor's repr."""
    return "chainrule." + np.dtype(dtype).name


def tensor_repr(tensor) -> str:
    """``repr`` of a chainrule Tensor, as torch prints the same tensor."""
    array = tensor._data
    prefix = "tensor("
    indent = len(prefix)
    suffixes = []
    default = backend.get_default_dtype()
    if array.size == 0:
        if array.ndim != 1:
            suffixes.append(f"size={tuple(array.shape)}")
        if array.dtype != default:  # no element to show it is an int64 or bool tensor
            suffixes.append(f"dtype={dtype_name(array.dtype)}")
        body = "[]"
    else:
        if not PRINT_OPTS.edgeitems:
            suffixes.append(f"size={tuple(array.shape)}")
        if array.dtype not in (default, backend.int64, backend.bool_):
            suffixes.append(f"dtype={dtype_name(array.dtype)}")
        body = array_str(array, indent)
    if tensor.grad_fn is not None:
        suffixes.append(f"grad_fn={tensor.grad_fn!r}")
    elif tensor.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
