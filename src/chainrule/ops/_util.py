"""Helpers every op family shares: the dim normaliser and ``unbroadcast``.

``normalize_dim`` is the one place that checks a ``dim`` argument against a tensor's rank and
raises PyTorch's IndexError; ``normalize_dims`` is its form for reductions, which also take None
and sequences of dims.

Broadcasting copies an input along some axes in the forward pass; the chain rule then says the
gradient of every copy flows back to the one original element, so the backward pass must *sum*
over those axes. ``unbroadcast`` is that sum, used by every op that broadcasts.
"""

from __future__ import annotations

import numpy as np

__all__ = ["normalize_dim", "normalize_dims", "unbroadcast"]


def normalize_dim(op_name, dim, ndim):
    """One ``dim`` (negatives allowed) as an axis in ``[0, ndim)``.

    A 0-d tensor accepts dim 0 and -1, as in PyTorch (the axis is then 0).

    Args:
        op_name: the op's name for the error message.
        dim: the dimension asked for.
        ndim: the tensor's number of dimensions.

    Raises:
        IndexError: ``dim`` lies outside ``[-ndim, ndim)``.
    """
    rank = max(ndim, 1)
    if not -rank <= dim < rank:
        raise IndexError(
            f"{op_name}: dimension out of range (expected to be in range of [{-rank}, {rank - 1}], but got {dim})"
        )
    return dim % rank


def normalize_dims(op_name, dim, ndim):
    """Turn a reduction's ``dim`` (None, int or sequence, negatives allowed) into a sorted tuple of axes.

    None and an empty sequence mean every axis, as in PyTorch (``x.sum(dim=())`` is the full sum),
    not "reduce nothing" as NumPy's ``axis=()``. A 0-d tensor gives ``()``.

    Args:
        op_name: the op's name for the error messages.
        dim: the dimension(s) asked for.
        ndim: the tensor's number of dimensions.

    Raises:
        TypeError: a dim that is not an int (bools included).
        IndexError: a dim out of range (see ``normalize_dim``).
        ValueError: the same dimension named twice.
    """
    if dim is None:
        return tuple(range(ndim))
    if isinstance(dim, bool):
        raise TypeError(f"{op_name}: dim must be an int or a tuple of ints, got {dim!r}")
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if not dims:
        return tuple(range(ndim))
    axes = []
    for d in dims:
        if not isinstance(d, (int, np.integer)) or isinstance(d, bool):
            raise TypeError(f"{op_name}: dim must be an int or a tuple of ints, got {d!r}")
        axes.append(int(normalize_dim(op_name, d, ndim)))
    if len(set(axes)) != len(axes):
        raise ValueError(f"{op_name}: dim {dims} names the same dimension twice")
    if ndim == 0:
        return ()
    return tuple(sorted(axes))


def unbroadcast(grad, shape):
    """Sum ``grad`` down to ``shape``: over the leading axes broadcasting added, and over every
    axis where ``shape`` has size 1 but ``grad`` does not."""
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    return grad.reshape(shape)
