"""Activation layers: thin Modules over the elementwise ops, with PyTorch's names, arguments and
reprs. ``inplace=True`` is accepted for compatibility; results are always new tensors (in-place
activations would overwrite arrays a graph node may still need for its backward pass).

Each layer is declared in one statement: the functional it applies, its constructor arguments
with PyTorch's defaults (stored as attributes, passed on to the functional by keyword, shown in
the repr) and whether it takes ``inplace``. ``_Activation`` derives the constructor, ``forward``
and ``extra_repr`` from that declaration.
"""

from __future__ import annotations

import inspect
import warnings

from .. import functional as F
from .module import Module

__all__ = ["ELU", "GELU", "LeakyReLU", "LogSoftmax", "ReLU", "Sigmoid", "Softmax", "Softplus", "Tanh"]


class _Activation(Module):
    """Base of the stateless activation layers. A subclass declares itself with class keywords::

        class LeakyReLU(_Activation, function=F.leaky_relu, arguments={"negative_slope": 0.01},
                        inplace=True):
            ...

    Args:
        function: the functional applied by ``forward`` as ``function(input, **arguments)``.
        arguments: constructor argument name -> PyTorch's default, in PyTorch's positional order.
        inplace: whether the constructor also takes PyTorch's ``inplace=False`` (stored and shown in
            the repr when True, never passed on: see the module docstring).

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
        return self._function(input, **{name: getattr(self, name) for name in self._arguments})

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
