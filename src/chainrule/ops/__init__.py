"""The differentiable primitives, one ``Function`` subclass per op, grouped by family."""

from . import (
    activation,
    arithmetic,
    conv,
    dropout,
    embedding,
    linalg,
    loss,
    normalization,
    reduce,
    shape,
    softmax,
    unary,
)

__all__ = [
    "activation",
    "arithmetic",
    "conv",
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
