"""The differentiable primitives, one ``Function`` subclass per op, grouped by family."""

from . import activation, arithmetic, dropout, embedding, linalg, loss, normalization, reduce, shape, softmax, unary

__all__ = [
    "activation",
    "arithmetic",
    "dropout",
    "embedding",
    "linalg",
    "loss",
    "normalization",
    "reduce",
    "shape",
    "softmax",
    "unary",
]
