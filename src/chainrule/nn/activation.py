"""Activation layers: thin Modules over the elementwise ops, with PyTorch's names, arguments and
reprs. ``inplace=True`` writes the result into the input's memory, as in PyTorch (the engine
rebases the input's history and its version counter protects anything a graph saved of it).

Each layer is declared in one statement: the functional it applies, its constructor arguments
with PyTorch's defaults (stored as attributes, passed on to the functional by keyword, shown in
the repr) and whether it takes ``inplace``. ``_Activation`` derives the constructor, ``forward``
and ``extra_repr`` from that declaration.
"""

from __future__ import annotations

import inspect
import warnings

import numpy as np

from .. import functional as F
from . import init as _init
from .layers import _parameter_dtype
from .module import Module, Parameter

__all__ = [
    "CELU",
    "ELU",
    "GELU",
    "GLU",
    "Hardshrink",
    "Hardsigmoid",
    "Hardswish",
    "Hardtanh",
    "LeakyReLU",
    "LogSigmoid",
    "LogSoftmax",
    "Mish",
    "PReLU",
    "ReLU",
    "ReLU6",
    "SELU",
    "SiLU",
    "Sigmoid",
    "Softmax",
    "Softmin",
    "Softplus",
    "Softshrink",
    "Softsign",
    "Tanh",
    "Tanhshrink",
    "Threshold",
]


class _Activation(Module):
    """Base of the stateless activation layers. A subclass declares itself with class keywords::

        class LeakyReLU(_Activation, function=F.leaky_relu, arguments={"negative_slope": 0.01},
                        inplace=True):
            ...

    Args:
        function: the functional applied by ``forward`` as ``function(input, **arguments)``.
        arguments: constructor argument name -> PyTorch's default, in PyTorch's positional order.
        inplace: whether the constructor also takes PyTorch's ``inplace=False`` (stored and shown in
            the repr when True, and passed on to the functional as inplace=True).

    A subclass that declares no ``function`` (e.g. a user's subclass of ``ReLU``) inherits its
    parent's declaration.
    """

    _function = None
    _arguments: dict = {}
    _takes_inplace = False
    _signature = inspect.Signature()

    def __init_subclass__(cls, function=None, arguments=None, inplace: bool = False, **kwargs):
        super().__init_subclass__(**kwargs)
        if function is None:
            return
        cls._function = staticmethod(function)
        cls._arguments = dict(arguments or {})
        cls._takes_inplace = inplace
        defaults = {**cls._arguments, **({"inplace": False} if inplace else {})}
        cls._signature = inspect.Signature(
            [
                inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=default)
                for name, default in defaults.items()
            ]
        )
        if "__init__" not in cls.__dict__:
            cls.__init__ = _derived_init(cls)

    def __init__(self, *args, **kwargs):
        super().__init__()
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError as error:
            raise TypeError(f"{type(self).__name__}: {error}; expected the arguments {self._signature}") from None
        bound.apply_defaults()
        for name, value in bound.arguments.items():
            setattr(self, name, value)

    def forward(self, input):
        arguments = {name: getattr(self, name) for name in self._arguments}
        if self._takes_inplace and self.inplace:
            arguments["inplace"] = True  # written into the input's memory, as PyTorch's inplace=True
        return self._function(input, **arguments)

    def extra_repr(self) -> str:
        # String arguments are quoted (GELU's approximate='tanh'), numbers are not, as in PyTorch.
        parts = [
            f"{name}={getattr(self, name)!r}" if isinstance(default, str) else f"{name}={getattr(self, name)}"
            for name, default in self._arguments.items()
        ]
        if self._takes_inplace and self.inplace:
            parts.append("inplace=True")
        return ", ".join(parts)


def _derived_init(cls):
    """A per-class ``__init__`` whose signature is the declared one, so ``help()`` and
    ``inspect.signature`` show e.g. ``LeakyReLU(negative_slope=0.01, inplace=False)``."""

    def __init__(self, *args, **kwargs):
        _Activation.__init__(self, *args, **kwargs)

    self_parameter = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    __init__.__signature__ = cls._signature.replace(parameters=[self_parameter, *cls._signature.parameters.values()])
    __init__.__qualname__ = f"{cls.__qualname__}.__init__"
    __init__.__module__ = cls.__module__
    return __init__


class ReLU(_Activation, function=F.relu, inplace=True):
    """max(0, x), elementwise."""


class LeakyReLU(_Activation, function=F.leaky_relu, arguments={"negative_slope": 0.01}, inplace=True):
    """max(0, x) + negative_slope · min(0, x), elementwise."""


class ELU(_Activation, function=F.elu, arguments={"alpha": 1.0}, inplace=True):
    """x for x > 0, alpha · (exp(x) - 1) otherwise, elementwise."""


class GELU(_Activation, function=F.gelu, arguments={"approximate": "none"}):
    """x · Φ(x) with Φ the standard normal CDF.

    Args:
        approximate: 'none' (the exact erf form) or 'tanh' (the tanh approximation).
    """

    def __init__(self, approximate: str = "none"):
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        super().__init__(approximate)


class Sigmoid(_Activation, function=F.sigmoid):
    """1 / (1 + exp(-x)), elementwise."""


class Tanh(_Activation, function=F.tanh):
    """tanh(x), elementwise."""


class Softplus(_Activation, function=F.softplus, arguments={"beta": 1.0, "threshold": 20.0}):
    """log(1 + exp(beta · x)) / beta, elementwise; linear where beta · x > threshold."""


class _SoftmaxLayer(_Activation):
    """Softmax and LogSoftmax: ``dim=None`` picks the axis by PyTorch's legacy rule, with its
    deprecation warning."""

    def forward(self, input):
        dim = _implicit_dim(type(self).__name__, input.ndim) if self.dim is None else self.dim
        return self._function(input, dim=dim)


def _implicit_dim(layer: str, ndim: int) -> int:
    # PyTorch's legacy rule for dim=None, kept (with its deprecation warning) for compatibility.
    warnings.warn(
        f"{layer}: implicit dimension choice has been deprecated; pass dim= explicitly", UserWarning, stacklevel=3
    )
    return 0 if ndim in (0, 1, 3) else 1


class Softmax(_SoftmaxLayer, function=F.softmax, arguments={"dim": None}):
    """exp(x) / sum(exp(x)) along ``dim``."""


class LogSoftmax(_SoftmaxLayer, function=F.log_softmax, arguments={"dim": None}):
    """log(softmax(x)) along ``dim``, computed stably."""


class SiLU(_Activation, function=F.silu, inplace=True):
    """x · sigmoid(x), elementwise (the swish)."""


class ReLU6(_Activation, function=F.relu6, inplace=True):
    """min(max(0, x), 6), elementwise."""


class SELU(_Activation, function=F.selu, inplace=True):
    """scale · elu(x, alpha) with PyTorch's self-normalising constants, elementwise."""


class CELU(_Activation, function=F.celu, arguments={"alpha": 1.0}, inplace=True):
    """x for x > 0, alpha · (exp(x / alpha) - 1) otherwise, elementwise."""


class Mish(_Activation, function=F.mish, inplace=True):
    """x · tanh(softplus(x)), elementwise."""


class Hardswish(_Activation, function=F.hardswish, inplace=True):
    """x · relu6(x + 3) / 6, elementwise. PyTorch's repr never shows ``inplace``."""

    def extra_repr(self) -> str:
        return ""


class Hardsigmoid(_Activation, function=F.hardsigmoid, inplace=True):
    """relu6(x + 3) / 6, elementwise. PyTorch's repr never shows ``inplace``."""

    def extra_repr(self) -> str:
        return ""


class LogSigmoid(_Activation, function=F.logsigmoid):
    """log(sigmoid(x)), elementwise, computed without overflow."""


class Softsign(_Activation, function=F.softsign):
    """x / (1 + |x|), elementwise."""


class Softmin(_SoftmaxLayer, function=F.softmin, arguments={"dim": None}):
    """softmax(-x) along ``dim``."""


class Tanhshrink(_Activation, function=F.tanhshrink):
    """x - tanh(x), elementwise."""


class _Shrink(_Activation):
    """Softshrink and Hardshrink: PyTorch's repr shows the bare ``lambd`` value."""

    def extra_repr(self) -> str:
        return str(self.lambd)


class Softshrink(_Shrink, function=F.softshrink, arguments={"lambd": 0.5}):
    """x - lambd for x > lambd, x + lambd for x < -lambd, 0 between, elementwise."""


class Hardshrink(_Shrink, function=F.hardshrink, arguments={"lambd": 0.5}):
    """x for |x| > lambd, 0 otherwise, elementwise."""


class Threshold(
    _Activation,
    function=F.threshold,
    arguments={"threshold": inspect.Parameter.empty, "value": inspect.Parameter.empty},
    inplace=True,
):
    """x for x > threshold, value otherwise, elementwise (both arguments are required)."""


class GLU(_Activation, function=F.glu, arguments={"dim": -1}):
    """a · sigmoid(b), with a and b the two halves of the input along ``dim``."""


class Hardtanh(_Activation, function=F.hardtanh, arguments={"min_val": -1.0, "max_val": 1.0}, inplace=True):
    """min(max(x, min_val), max_val), elementwise."""

    def __init__(self, min_val: float = -1.0, max_val: float = 1.0, inplace: bool = False):
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val cannot be greater than max_val, got {min_val} > {max_val}")
        super().__init__(min_val, max_val, inplace)


class PReLU(Module):
    """max(0, x) + weight · min(0, x) with a learned ``weight``: one slope shared by every channel
    (``num_parameters=1``) or one per channel (dim 1 of the input).

    Args:
        num_parameters: 1, or the number of input channels.
        init: the initial value of every slope.
        device: 'cpu' or None (the only device of the NumPy backend).
        dtype: the weight's floating point dtype (default: chainrule's default dtype).
    """

    def __init__(self, num_parameters: int = 1, init: float = 0.25, device=None, dtype=None):
        super().__init__()
        dtype = _parameter_dtype("PReLU", device, dtype)
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(np.full(num_parameters, init, dtype=dtype))

    def reset_parameters(self) -> None:
        _init.constant_(self.weight, self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self) -> str:
        return f"num_parameters={self.num_parameters}"
