"""The differentiable primitives, one ``Function`` subclass per op, grouped by family."""
from . import arithmetic, fused, linalg, reduce, shape, unary  # noqa: F401
