"""Inverted dropout as one node that keeps its scaled mask for the backward pass."""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from .unary import require_floating

__all__ = ["Dropout"]


class Dropout(Function):
    """Inverted dropout: y = x * m / (1 - p), m_i ~ Bernoulli(1 - p).

    E[y] = x, so nothing needs rescaling at evaluation time. dL/dx = g * m / (1 - p):
    the same mask, so a dropped unit gets no gradient.
    """

    saves = set()

    @staticmethod
    def forward(ctx, x, p, generator):
        if p >= 1:
            scaled_mask = np.zeros_like(x)
        else:
            require_floating("dropout", x, error=RuntimeError)  # an int tensor cannot hold x / (1 - p)
            keep = generator.random(x.shape) >= p
            scaled_mask = keep.astype(x.dtype) * x.dtype.type(1.0 / (1.0 - p))
        ctx.save_for_backward(scaled_mask)
        return x * scaled_mask

    @staticmethod
    def backward(ctx, grad_output):
        (scaled_mask,) = ctx.saved_tensors
        return grad_output * scaled_mask
