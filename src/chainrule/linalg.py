"""chainrule.linalg: ``torch.linalg``'s norms (``norm``, ``vector_norm``, ``matrix_norm``), with its
names, arguments and errors. The ops live in ops/linalg.py (``Norm``, ``SingularValueNorm``)."""

from __future__ import annotations

from .ops import linalg as _ops
from .tensor import as_tensor_operand

__all__ = ["matrix_norm", "norm", "vector_norm"]


def _cast(x, dtype):
    return x if dtype is None else x.to(dtype)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002 - PyTorch's names
    """||x||_ord over ``dim`` (every element when None): any real ord, +-inf, or 0 (a count)."""
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: ord must be a number, got {ord!r}; expected a float or +-inf")
    x = as_tensor_operand("linalg.vector_norm", x)
    if x.dtype.kind not in "fc":
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor as input, got {x.dtype}")
    return _ops.Norm.apply(_cast(x, dtype), p=ord, dim=dim, keepdim=keepdim)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002
    """The matrix norm over the two ``dim``s: 'fro', 'nuc', +-inf, +-1, +-2 (batched over the rest)."""
    if isinstance(dim, int):
        raise TypeError(f"linalg.matrix_norm(): dim must be a tuple of two ints, got the int {dim}")
    A = _cast(as_tensor_operand("linalg.matrix_norm", A), dtype)
    return _ops.matrix_norm(A, ord, dim, keepdim)


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """``torch.linalg.norm``: a vector norm over one dim, a matrix norm over two; with dim None,
    ord None is the 2-norm of all elements, and any other ord needs a 1-D (vector) or 2-D (matrix)
    input."""
    A = as_tensor_operand("linalg.norm", A)
    if dim is not None:
        dims = (dim,) if isinstance(dim, int) else tuple(dim)
        if len(dims) == 1:
            return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)
        if len(dims) == 2:
            return matrix_norm(A, "fro" if ord is None else ord, dims, keepdim, dtype=dtype)
        raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2, got {dim!r}")
    if ord is None:
        return vector_norm(A, 2, None, keepdim, dtype=dtype)
    if A.ndim == 1:
        return vector_norm(A, ord, None, keepdim, dtype=dtype)
    if A.ndim == 2:
        return matrix_norm(A, ord, (-2, -1), keepdim, dtype=dtype)
    raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D, got {A.ndim}D")
