"""Convolution layers: Conv1d and Conv2d (PyTorch's arguments, initialisation and state_dict)."""

from __future__ import annotations

import math

import numpy as np

from .. import functional as F
from . import init
from .layers import _parameter_dtype
from .module import Module, Parameter

__all__ = ["Conv1d", "Conv2d"]

_PADDING_MODES = ("zeros", "reflect", "replicate", "circular")


def _ntuple(value, count):
    if isinstance(value, (int, np.integer)):
        return (int(value),) * count
    value = tuple(value)
    return value * count if len(value) == 1 else value


class _ConvNd(Module):
    """The shared body of Conv1d and Conv2d: argument checks, parameters, init, repr, forward.

    The weight is (out_channels, in_channels / groups, *kernel_size), initialised as PyTorch's
    kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in =
    in_channels / groups * prod(kernel_size), and the bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)): a
    unit's output variance then stays about that of one input, whatever the receptive field.
    """

    _spatial = 2
    _function = None

    def __init__(
        self,
        in_channels,
        out_channels,
        kernel_size,
        stride=1,
        padding=0,
        dilation=1,
        groups=1,
        bias=True,
        padding_mode="zeros",
        device=None,
        dtype=None,
        *,
        generator=None,
    ):
        super().__init__()
        name = type(self).__name__
        dtype = _parameter_dtype(name, device, dtype)
        n = self._spatial
        kernel_size, stride, dilation = _ntuple(kernel_size, n), _ntuple(stride, n), _ntuple(dilation, n)
        if groups <= 0:
            raise ValueError(f"{name}: groups must be a positive integer, got groups={groups}")
        if in_channels % groups != 0:
            raise ValueError(f"{name}: in_channels must be divisible by groups, got {in_channels} and groups={groups}")
        if out_channels % groups != 0:
            raise ValueError(
                f"{name}: out_channels must be divisible by groups, got {out_channels} and groups={groups}"
            )
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"{name}: Invalid padding string {padding!r}, should be one of {{'same', 'valid'}}")
            if padding == "same" and any(s != 1 for s in stride):
                raise ValueError(f"{name}: padding='same' is not supported for strided convolutions")
        else:
            padding = _ntuple(padding, n)
        if padding_mode not in _PADDING_MODES:
            raise ValueError(
                f"{name}: padding_mode must be one of {_PADDING_MODES}, but got padding_mode='{padding_mode}'"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = False
        self.output_padding = (0,) * n
        self.groups = groups
        self.padding_mode = padding_mode
        # F.pad's (left, right) pairs from the last dim backward, for the non-zero padding modes
        # (pad first, then convolve unpadded); 'same' puts an odd total's extra one at the end.
        if padding == "same":
            pairs = [(d * (k - 1) // 2, d * (k - 1) - d * (k - 1) // 2) for k, d in zip(kernel_size, dilation)]
        elif padding == "valid":
            pairs = [(0, 0)] * n
        else:
            pairs = [(p, p) for p in padding]
        self._reversed_padding_repeated_twice = [v for pair in reversed(pairs) for v in pair]
        self.weight = Parameter(np.zeros((out_channels, in_channels // groups, *kernel_size), dtype=dtype))
        if bias:
            self.bias = Parameter(np.zeros(out_channels, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters(generator)

    def reset_parameters(self, generator=None) -> None:
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=generator)
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound, generator=generator)

    def forward(self, input):
        try:
            if self.padding_mode != "zeros":
                padded = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
                return type(self)._function(padded, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)
            return type(self)._function(
                input, self.weight, self.bias, self.stride, self.padding, self.dilation, self.groups
            )
        except RuntimeError as error:  # name the layer, not only the functional op inside it
            raise RuntimeError(f"{type(self).__name__}({self.extra_repr()}): {error}") from None

    def extra_repr(self) -> str:
        text = "{in_channels}, {out_channels}, kernel_size={kernel_size}, stride={stride}"
        if self.padding != (0,) * len(self.padding):
            text += ", padding={padding}"
        if self.dilation != (1,) * len(self.dilation):
            text += ", dilation={dilation}"
        if self.groups != 1:
            text += ", groups={groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += ", padding_mode={padding_mode}"
        return text.format(**self.__dict__)


class Conv1d(_ConvNd):
    """1-D convolution over (N, C_in, L) or unbatched (C_in, L) input (``torch.nn.Conv1d``).

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output (number of filters).
        kernel_size: the filter length (an int or a 1-tuple).
        stride: the step between windows.
        padding: zeros (or ``padding_mode`` copies) added at both ends; an int, 'valid' or 'same'.
        dilation: the spacing between filter taps.
        groups: split the channels into this many independent groups (groups = in_channels is a
            depthwise convolution).
        bias: whether to learn a bias per output channel.
        padding_mode: 'zeros', 'reflect', 'replicate' or 'circular'.
        device: 'cpu' or None (the only device of the NumPy backend).
        dtype: the parameters' floating point dtype (default: chainrule's default dtype).
        generator: seeds the initialisation draw (a chainrule addition).
    """

    _spatial = 1
    _function = staticmethod(F.conv1d)


class Conv2d(_ConvNd):
    """2-D convolution over (N, C_in, H, W) or unbatched (C_in, H, W) input (``torch.nn.Conv2d``).

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output (number of filters).
        kernel_size: the filter size (an int or a pair).
        stride: the step between windows (an int or a pair).
        padding: zeros (or ``padding_mode`` copies) added on every side; an int, a pair, 'valid' or
            'same'.
        dilation: the spacing between filter taps (an int or a pair).
        groups: split the channels into this many independent groups (groups = in_channels is a
            depthwise convolution).
        bias: whether to learn a bias per output channel.
        padding_mode: 'zeros', 'reflect', 'replicate' or 'circular'.
        device: 'cpu' or None (the only device of the NumPy backend).
        dtype: the parameters' floating point dtype (default: chainrule's default dtype).
        generator: seeds the initialisation draw (a chainrule addition).
    """

    _spatial = 2
    _function = staticmethod(F.conv2d)
