"""Weight initialisation with PyTorch's names and formulas (``chainrule.nn.init``).

Every function fills the tensor in place (``copy_`` under no_grad, bumping its version), outside
any graph, and returns the tensor. Draws come from ``generator=`` or chainrule's default
generator, so ``chainrule.manual_seed`` makes them
reproducible (the numbers differ from PyTorch's, whose generator is a different algorithm; the
*distributions* are the same).

Why the scales: for y = W x with n inputs of unit variance and W_ij of variance s^2, Var(y_i) =
n s^2. Keeping activations (forward) or gradients (backward) at unit variance needs s^2 = 1/fan_in
or 1/fan_out; Xavier/Glorot compromises with 2/(fan_in + fan_out); Kaiming/He multiplies by
gain^2 = 2 for ReLU, which zeroes half its inputs. A uniform on [-b, b] has variance b^2/3, hence
every ``bound = sqrt(3) * std``.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from ..autograd import no_grad
from ..random import get_generator
from ..tensor import Tensor

__all__ = [
    "calculate_gain",
    "constant_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "normal_",
    "ones_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]

_LINEAR_FNS = ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d")


def calculate_gain(nonlinearity: str, param=None):
    """The factor by which a nonlinearity shrinks the standard deviation of its input, inverted:
    1 for linear/sigmoid, 5/3 for tanh, sqrt(2) for ReLU, sqrt(2 / (1 + slope^2)) for leaky ReLU
    (slope ``param``, default 0.01), 3/4 for SELU (PyTorch's values).

    Args:
        nonlinearity: the function's name as in ``torch.nn.functional`` ('relu', 'tanh', ...).
        param: the negative slope, for ``'leaky_relu'``.
    """
    if nonlinearity in _LINEAR_FNS or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif isinstance(param, (int, float)) and not isinstance(param, bool):
            negative_slope = param
        else:
            raise ValueError(
                f"calculate_gain: negative_slope is not a valid number, got {param!r}; expected an int or float"
            )
        return math.sqrt(2.0 / (1 + negative_slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(
        f"calculate_gain: unsupported nonlinearity {nonlinearity!r}; expected one of "
        f"{', '.join(_LINEAR_FNS)}, sigmoid, tanh, relu, leaky_relu, selu"
    )


def _check_tensor(fn_name: str, tensor) -> None:
    if not isinstance(tensor, Tensor):
        raise TypeError(f"{fn_name}: expected a chainrule Tensor, got {type(tensor).__name__}")
    if tensor.dtype.kind != "f":
        raise TypeError(f"{fn_name}: expected a floating point tensor, got dtype {tensor.dtype}")


def _calculate_fan_in_and_fan_out(tensor):
    """fan_in = size(1) * receptive field, fan_out = size(0) * receptive field, where the receptive
    field is the product of the dims after the first two (1 for a Linear weight (out, in))."""
    shape = tensor.shape
    if len(shape) < 2:
        raise ValueError(
            f"Fan in and fan out can not be computed for tensor with fewer than 2 dimensions (got shape {tuple(shape)})"
        )
    receptive_field = int(np.prod(shape[2:])) if len(shape) > 2 else 1
    return shape[1] * receptive_field, shape[0] * receptive_field


def _calculate_correct_fan(tensor, mode: str) -> int:
    mode = mode.lower()
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def _fill(tensor, values):
    # In place into the existing array: a Parameter built on a caller's array keeps sharing it.
    with no_grad():
        tensor.copy_(values)
    return tensor


def uniform_(tensor, a: float = 0.0, b: float = 1.0, generator=None):
    """Fill with U(a, b).

    Args:
        tensor: the floating point Tensor to fill in place (returned).
        a: the lower bound.
        b: the upper bound.
        generator: the ``numpy.random.Generator`` to draw from (default: chainrule's).
    """
    _check_tensor("uniform_", tensor)
    return _fill(tensor, get_generator(generator).uniform(a, b, size=tensor.shape))


def normal_(tensor, mean: float = 0.0, std: float = 1.0, generator=None):
    """Fill with N(mean, std^2).

    Args:
        tensor: the floating point Tensor to fill in place (returned).
        mean: the mean.
        std: the standard deviation.
        generator: the ``numpy.random.Generator`` to draw from (default: chainrule's).
    """
    _check_tensor("normal_", tensor)
    return _fill(tensor, get_generator(generator).normal(mean, std, size=tensor.shape))


def constant_(tensor, val: float):
    """Fill with ``val``.

    Args:
        tensor: the floating point Tensor to fill in place (returned).
        val: the value.
    """
    _check_tensor("constant_", tensor)
    return _fill(tensor, val)


def zeros_(tensor):
    """Fill with 0.

    Args:
        tensor: the floating point Tensor to fill in place (returned).
    """
    return constant_(tensor, 0.0)


def ones_(tensor):
    """Fill with 1.

    Args:
        tensor: the floating point Tensor to fill in place (returned).
    """
    return constant_(tensor, 1.0)


def xavier_uniform_(tensor, gain: float = 1.0, generator=None):
    """Glorot uniform: U(-b, b) with b = gain * sqrt(6 / (fan_in + fan_out)).

    Args:
        tensor: the floating point Tensor to fill in place (returned).
        gain: the scale, e.g. ``calculate_gain('tanh')``.
        generator: the ``numpy.random.Generator`` to draw from (default: chainrule's).
    """
    _check_tensor("xavier_uniform_", tensor)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator=generator)


def xavier_normal_(tensor, gain: float = 1.0, generator=None):
    """Glorot normal: N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)).

    Args:
        tensor: the floating point Tensor to fill in place (returned).
        gain: the scale, e.g. ``calculate_gain('tanh')``.
        generator: the ``numpy.random.Generator`` to draw from (default: chainrule's).
    """
    _check_tensor("xavier_normal_", tensor)
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator=generator)


def _kaiming_std(fn_name, tensor, a, mode, nonlinearity):
    _check_tensor(fn_name, tensor)
    if 0 in tensor.shape:
        warnings.warn("Initializing zero-element tensors is a no-op", stacklevel=3)
        return None
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", generator=None):
    """He uniform: U(-b, b) with b = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a).

    ``nn.Linear`` uses a = sqrt(5), which makes gain^2 = 2 / 6 and b = 1 / sqrt(fan_in).

    Args:
        tensor: the floating point Tensor to fill in place (returned).
        a: the negative slope of the rectifier after this layer (for ``leaky_relu``).
        mode: ``'fan_in'`` keeps the forward pass's variance, ``'fan_out'`` the backward pass's.
        nonlinearity: the nonlinearity after this layer, as for :func:`calculate_gain`.
        generator: the ``numpy.random.Generator`` to draw from (default: chainrule's).
    """
    std = _kaiming_std("kaiming_uniform_", tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator=generator)


def kaiming_normal_(tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", generator=None):
    """He normal: N(0, std^2) with std = gain / sqrt(fan).

    Args:
        tensor: the floating point Tensor to fill in place (returned).
        a: the negative slope of the rectifier after this layer (for ``leaky_relu``).
        mode: ``'fan_in'`` keeps the forward pass's variance, ``'fan_out'`` the backward pass's.
        nonlinearity: the nonlinearity after this layer, as for :func:`calculate_gain`.
        generator: the ``numpy.random.Generator`` to draw from (default: chainrule's).
    """
    std = _kaiming_std("kaiming_normal_", tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    return normal_(tensor, 0.0, std, generator=generator)
