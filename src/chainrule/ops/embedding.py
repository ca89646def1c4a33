"""Embedding lookup: rows of a weight matrix picked by integer indices."""

from __future__ import annotations

import numpy as np

from ..autograd import Function

__all__ = ["Embedding"]


class Embedding(Function):
    """y = W[indices]: row lookup. Each output row is a copy of one row of W, so dL/dW is the
    scatter-add of the output gradients into the looked-up rows (a repeated token adds up);
    the ``padding_idx`` row gets no gradient, as in PyTorch."""

    saves = {1}  # the indices, never the weight

    @staticmethod
    def forward(ctx, weight, indices, padding_idx=None):
        indices = np.asarray(indices)
        if indices.dtype.kind not in "iu":
            raise TypeError(f"embedding: indices must be an integer tensor, got dtype {indices.dtype}")
        if weight.ndim != 2:
            raise ValueError(f"embedding: weight must be 2-D (num_embeddings, embedding_dim), got shape {weight.shape}")
        n = weight.shape[0]
        if indices.size and (indices.min() < 0 or indices.max() >= n):
            bad = indices[(indices < 0) | (indices >= n)].flat[0]
            raise IndexError(f"embedding: index {int(bad)} is out of range for {n} embeddings")
        ctx.save_for_backward(indices)
        ctx.meta = (weight.shape, padding_idx)
        return weight[indices]

    @staticmethod
    def backward(ctx, grad_output):
        (indices,) = ctx.saved_tensors
        shape, padding_idx = ctx.meta
        grad = np.zeros(shape, dtype=grad_output.dtype)
        np.add.at(grad, indices.reshape(-1), grad_output.reshape(-1, shape[1]))
        if padding_idx is not None:
            grad[padding_idx] = 0
        return grad
