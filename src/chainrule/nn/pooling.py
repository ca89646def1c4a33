"""Pooling layers: max, average and adaptive pooling (PyTorch's arguments and reprs)."""

from __future__ import annotations

from .. import functional as F
from .module import Module

__all__ = [
    "AdaptiveAvgPool1d",
    "AdaptiveAvgPool2d",
    "AdaptiveMaxPool1d",
    "AdaptiveMaxPool2d",
    "AvgPool1d",
    "AvgPool2d",
    "MaxPool1d",
    "MaxPool2d",
]


def _single(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


class _MaxPoolNd(Module):
    _function = None

    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def forward(self, input):
        return type(self)._function(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.dilation,
            ceil_mode=self.ceil_mode,
            return_indices=self.return_indices,
        )

    def extra_repr(self) -> str:
        return (
            f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}, "
            f"dilation={self.dilation}, ceil_mode={self.ceil_mode}"
        )


class MaxPool1d(_MaxPoolNd):
    """Max over sliding windows of (N, C, L) or (C, L) input (``torch.nn.MaxPool1d``).

    Args:
        kernel_size: the window length.
        stride: the step between windows (default: kernel_size).
        padding: -inf padding added at both ends (at most half the window).
        dilation: the spacing between window elements.
        return_indices: also return each max's position (for ``MaxUnpool``-style uses).
        ceil_mode: count a last partial window (one that starts inside the input).
    """

    _function = staticmethod(F.max_pool1d)


class MaxPool2d(_MaxPoolNd):
    """Max over sliding windows of (N, C, H, W) or (C, H, W) input (``torch.nn.MaxPool2d``): keeps
    the strongest response of each feature in each neighbourhood, so the output barely moves when
    the input shifts by less than the window.

    Args:
        kernel_size: the window size (an int or a pair).
        stride: the step between windows (default: kernel_size).
        padding: -inf padding added on every side (at most half the window).
        dilation: the spacing between window elements.
        return_indices: also return each max's flat index h * W + w.
        ceil_mode: count a last partial window (one that starts inside the input).
    """

    _function = staticmethod(F.max_pool2d)


class AvgPool1d(Module):
    """Mean over sliding windows of (N, C, L) or (C, L) input (``torch.nn.AvgPool1d``).

    Args:
        kernel_size: the window length.
        stride: the step between windows (default: kernel_size).
        padding: zero padding added at both ends (at most half the window).
        ceil_mode: count a last partial window (one that starts inside the input).
        count_include_pad: whether the zero padding counts in the divisor.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True):
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input):
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode, self.count_include_pad)

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(Module):
    """Mean over sliding windows of (N, C, H, W) or (C, H, W) input (``torch.nn.AvgPool2d``).

    Args:
        kernel_size: the window size (an int or a pair).
        stride: the step between windows (default: kernel_size).
        padding: zero padding added on every side (at most half the window).
        ceil_mode: count a last partial window (one that starts inside the input).
        count_include_pad: whether the zero padding counts in the divisor.
        divisor_override: divide every window's sum by this instead.
    """

    def __init__(
        self, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None
    ):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):
        return F.avg_pool2d(
            input,
            self.kernel_size,
            self.stride,
            self.padding,
            self.ceil_mode,
            self.count_include_pad,
            self.divisor_override,
        )

    def extra_repr(self) -> str:
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Mean over adaptive windows, mapping any (H, W) to ``output_size`` (``torch.nn.AdaptiveAvgPool2d``):
    the usual bridge from a convolutional trunk of any input size to a fixed-size classifier head.

    Args:
        output_size: the output's (H, W): an int, or a pair whose None entries keep the input's size.
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """Max over adaptive windows, mapping any (H, W) to ``output_size`` (``torch.nn.AdaptiveMaxPool2d``).

    Args:
        output_size: the output's (H, W): an int, or a pair whose None entries keep the input's size.
        return_indices: also return each max's flat index h * W + w.
    """

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input):
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveAvgPool1d(Module):
    """Mean over adaptive windows, mapping any length L to ``output_size`` (``torch.nn.AdaptiveAvgPool1d``).

    Args:
        output_size: the output's length.
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return F.adaptive_avg_pool1d(input, self.output_size)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"


class AdaptiveMaxPool1d(Module):
    """Max over adaptive windows, mapping any length L to ``output_size`` (``torch.nn.AdaptiveMaxPool1d``).

    Args:
        output_size: the output's length.
        return_indices: also return each max's position in L.
    """

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input):
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)

    def extra_repr(self) -> str:
        return f"output_size={self.output_size}"
