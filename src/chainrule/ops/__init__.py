"""The differentiable primitives, one ``Function`` subclass per op, grouped by family."""

from . import arithmetic, dropout, embedding, linalg, loss, normalization, reduce, shape, softmax, unary

__all__ = [
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
