"""Matrix multiplication with ``torch.matmul``'s rules (1-D, 2-D and broadcast batches), the fused
``linear``, the vector p-norm (``torch.linalg.vector_norm`` / ``torch.norm``) and the matrix norms
(``torch.linalg.matrix_norm``)."""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ._util import normalize_dim, normalize_dims, unbroadcast
from .unary import require_floating

__all__ = ["Linear", "MatMul", "Norm", "SingularValueNorm", "matrix_norm", "norm_order"]


def _shape(x):
    return x.shape if isinstance(x, np.ndarray) else ()


def _check_same_dtype(op_name, dtype_a, dtype_b, what="both operands"):
    """PyTorch multiplies matrices of one dtype only (no promotion: "expected m1 and m2 to have
    the same dtype"), and has no bool kernel; NumPy would promote or compute silently."""
    if dtype_a != dtype_b:
        raise RuntimeError(
            f"{op_name}: {what} must have the same dtype, got {dtype_a} and {dtype_b}; expected one "
            "dtype (cast one side with .float() or .double(), or a module with .to(dtype))"
        )
    if dtype_a.kind == "b":
        raise NotImplementedError(
            f"{op_name}: bool tensors cannot be multiplied, got dtype {dtype_a}; "
            "expected a numeric dtype (cast with .float() or .long())"
        )


class MatMul(Function):
    """C = A @ B, C_ij = sum_k A_ik B_kj.

    dC_ij/dA_ik = B_kj, so dL/dA_ik = sum_j G_ij B_kj: dL/dA = G @ B^T; likewise dL/dB = A^T @ G.
    Batched inputs broadcast like any binary op, so each gradient is unbroadcast over the batch
    axes. A 1-D operand is treated as a row (left) or column (right) vector and the added axis is
    removed again, exactly as in the forward pass.
    """

    saves = {0, 1}

    @staticmethod
    def forward(ctx, a, b):
        # PyTorch's types: TypeError for a Python number, RuntimeError for shapes
        for operand in (a, b):
            if not isinstance(operand, np.ndarray):
                raise TypeError(
                    f"matmul: unsupported operand of type {type(operand).__name__}; expected a Tensor "
                    "(both arguments need at least 1 dimension)"
                )
        if a.ndim == 0 or b.ndim == 0:
            raise RuntimeError(
                f"matmul: both arguments need at least 1 dimension, got shapes {_shape(a)} and {_shape(b)}"
            )
        if a.dtype != b.dtype or a.dtype.kind == "b":
            _check_same_dtype("matmul", a.dtype, b.dtype)
        ctx.save_for_backward(a, b)
        try:
            return np.matmul(a, b)
        except ValueError:
            inner_a = a.shape[-1]
            inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
            if inner_a != inner_b:
                detail = f"inner dimensions differ ({inner_a} vs {inner_b})"
            else:
                detail = f"batch dimensions {a.shape[:-2]} and {b.shape[:-2]} do not broadcast"
            raise RuntimeError(f"matmul: shapes {a.shape} and {b.shape} are incompatible: {detail}") from None

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        # Re-insert the axes the forward squeezed out: b's column axis last, then a's row axis
        # before it (in this order so a 0-d dot-product gradient becomes (1, 1)).
        g = grad_output
        if b.ndim == 1:
            g = g[..., None]
        if a.ndim == 1:
            g = g[..., None, :]
        need_a, need_b = ctx.needs_input_grad
        grad_a = grad_b = None
        if need_a:  # skipping an unneeded GEMM (e.g. w.r.t. the input batch) saves a third of the work
            grad_a = unbroadcast(g @ np.swapaxes(b2, -1, -2), a2.shape).reshape(a.shape)
        if need_b:
            grad_b = unbroadcast(np.swapaxes(a2, -1, -2) @ g, b2.shape).reshape(b.shape)
        return grad_a, grad_b


class Linear(Function):
    """y = x W^T + b (``F.linear``), W stored (out_features, in_features) as in PyTorch.

    One node instead of transpose + matmul + add. With G = dL/dy:
    dL/dx = G W, dL/dW = G^T x (summed over any leading batch axes), dL/db = sum of G over
    every axis but the last. Gradients nobody needs (e.g. w.r.t. the input batch) are skipped.
    """

    saves = {0, 1}  # never the bias

    @staticmethod
    def forward(ctx, x, weight, bias=None):
        if weight.ndim != 2 or x.ndim == 0 or x.shape[-1] != weight.shape[1]:
            raise ValueError(
                f"linear: input of shape {x.shape} cannot be multiplied with weight of shape "
                f"{weight.shape}; expected input[..., {weight.shape[1] if weight.ndim == 2 else '?'}] "
                "and weight (out_features, in_features)"
            )
        if bias is not None and bias.shape != (weight.shape[0],):
            raise ValueError(f"linear: bias must have shape ({weight.shape[0]},), got {bias.shape}")
        if x.dtype != weight.dtype or x.dtype.kind == "b":
            _check_same_dtype("linear", x.dtype, weight.dtype, "input and weight")
        if bias is not None and bias.dtype != x.dtype:
            raise RuntimeError(
                f"linear: bias must have the dtype of input and weight, got {bias.dtype} and {x.dtype}; "
                "expected one dtype (cast the bias, or the module with .float() / .double())"
            )
        ctx.save_for_backward(x, weight)
        out = x @ weight.T
        if bias is not None:
            out += bias  # out is freshly allocated: adding in place saves a temporary
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad
        grad_x = grad_output @ weight if needs[0] else None
        grad_w = grad_b = None
        if needs[1]:
            g2 = grad_output.reshape(-1, grad_output.shape[-1])
            grad_w = g2.T @ x.reshape(-1, x.shape[-1])
        if len(needs) > 2 and needs[2]:
            grad_b = grad_output.reshape(-1, grad_output.shape[-1]).sum(axis=0)
        return grad_x, grad_w, grad_b


def norm_order(p, dim):
    """``torch.norm``'s ``p``: 'fro' is the 2-norm of the flattened dims (at most two of them,
    where torch would otherwise take a matrix norm); any real number or +-inf is a vector norm."""
    if isinstance(p, str):
        if p == "fro":
            if dim is not None and not isinstance(dim, (int, np.integer)) and len(dim) > 2:
                raise RuntimeError(
                    f"norm: p='fro' takes at most 2 dims, got dim={dim!r}; expected an int, "
                    "a pair, or a number p for a vector norm over more dims"
                )
            return 2.0
        if p == "nuc":
            raise NotImplementedError(
                "norm: the nuclear norm is a matrix norm and is not implemented, got "
                "p='nuc'; expected 'fro' or a number"
            )
        raise RuntimeError(f"norm: order {p!r} is not supported, got a string; expected 'fro' or a number")
    if not isinstance(p, (int, float, np.integer, np.floating)):
        raise TypeError(f"norm: p must be a number or 'fro', got {type(p).__name__}")
    return float(p)


class Norm(Function):
    """n = ||x||_p = (sum_i |x_i|^p)^(1/p), the sum over ``dim`` (every dim when None), as
    ``torch.linalg.vector_norm``; ``p`` is any real number, +-inf, or 'fro' (= 2).

    With d|x_k|/dx_k = sign(x_k), the chain rule gives
        dn/dx_k = (1/p) (sum_i |x_i|^p)^(1/p - 1) * p |x_k|^(p-1) sign(x_k)
                = sign(x_k) |x_k|^(p-1) / n^(p-1),
    so dL/dx = g sign(x) |x|^(p-1) / n^(p-1), g broadcast back over the reduced dims. Special cases:
        p = 2:     dn/dx = x / n, the unit vector along x;
        p = 1:     dn/dx = sign(x), with no n at all;
        p = +-inf: n = max (min) |x_i|, so dn/dx = sign(x) on the entries attaining it, g split
                   evenly among ties (as for max);
        p = 0:     n counts the nonzero entries, piecewise constant: no gradient at all (None,
                   as in PyTorch).
    At the zero vector n = 0 and g x / n is 0/0: the norm is not differentiable there (the tip of
    a cone, |x| in 1-D). Its subgradients are the v with dual norm ||v||_q <= 1 (1/p + 1/q = 1),
    and 0 is one of them; PyTorch returns 0, and so do we, slice by slice: with ``dim=1`` a zero
    row gets gradient 0 while every other row gets x / n. The other orders follow PyTorch's
    formulas term for term: for p < 1 the entries x_k = 0 (where |x_k|^(p-1) is infinite) get
    0 and the factor n^(1-p) vanishes at the zero vector; for p > 1 the factor g / n^(p-1) is
    set to 0 where n = 0.
    """

    saves = {0, "out"}  # linalg_vector_norm saves self and result

    @staticmethod
    def forward(ctx, x, p=2, dim=None, keepdim=False):
        p = norm_order(p, dim)
        require_floating("norm", x, error=RuntimeError)
        axes = normalize_dims("norm", dim, x.ndim)
        a = np.abs(x)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            if p == 2:
                out_keep = np.sqrt(np.sum(x * x, axis=axes, keepdims=True))
            elif p == 1:
                out_keep = np.sum(a, axis=axes, keepdims=True)
            elif np.isinf(p):
                if any(x.shape[i] == 0 for i in axes):
                    raise RuntimeError(
                        f"norm: the {'' if p > 0 else '-'}inf norm of an empty slice is undefined (max and min "
                        f"have no identity), got shape {x.shape} reduced over dims {axes}; expected "
                        "non-empty reduced dims"
                    )
                out_keep = (np.max if p > 0 else np.min)(a, axis=axes, keepdims=True)
            elif p == 0:
                out_keep = np.sum(x != 0, axis=axes, keepdims=True)
            else:
                out_keep = np.sum(a**p, axis=axes, keepdims=True) ** (1.0 / p)
        out_keep = np.asarray(out_keep).astype(x.dtype, copy=False)
        ctx.save_for_backward(x, out_keep)  # PyTorch's linalg_vector_norm saves self and result
        ctx.meta = (p, axes, keepdim)
        return out_keep if keepdim or not axes else np.squeeze(out_keep, axis=axes)

    @staticmethod
    def backward(ctx, grad_output):
        x, n = ctx.saved_tensors
        p, axes, keepdim = ctx.meta
        if p == 0:
            return None
        g = grad_output if keepdim or not axes else np.expand_dims(grad_output, axes)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            if p == 1:
                grad = g * np.sign(x)
            elif p == 2:
                grad = g * np.where(n == 0, 0, x / n)
            elif np.isinf(p):
                a = np.abs(x)
                winners = (a == n) | np.isnan(a)
                ties = np.sum(winners, axis=axes, keepdims=True).astype(x.dtype)
                grad = np.sign(x) * ((g / ties) * winners)
            elif p < 1:
                scaled = np.sign(x) * np.where(x == 0, 0, np.abs(x) ** (p - 1))
                grad = scaled * g * n ** (1 - p)
            else:
                scaled = np.sign(x) * np.abs(x) ** (p - 1) if p < 2 else x * np.abs(x) ** (p - 2)
                grad = scaled * np.where(n == 0, 0, g / n ** (p - 1))
        return grad.astype(x.dtype, copy=False)


class SingularValueNorm(Function):
    """The matrix norms of the singular values s of A (over two ``dim``s, batched over the rest):
    'nuc' = sum_i s_i, 2 = max_i s_i, -2 = min_i s_i.

    With A = U diag(s) V^T, ds_i = u_i^T dA v_i, so d(sum s)/dA = U V^T and ds_max/dA = u_1 v_1^T
    (ds_min/dA = u_k v_k^T): the backward multiplies g by that matrix, computed with the SVD in the
    forward pass. (At repeated or zero singular values this is one subgradient of several.)
    """

    saves = set()  # the derivative matrix, fresh

    @staticmethod
    def forward(ctx, x, ord="nuc", dim=(-2, -1), keepdim=False):
        require_floating("linalg.matrix_norm", x, error=RuntimeError)
        rows, cols = (int(d) % x.ndim for d in dim)
        moved = np.moveaxis(x, (rows, cols), (-2, -1))
        batch = moved.shape[:-2]
        if moved.size == 0:
            out, derivative = np.zeros(batch, dtype=x.dtype), np.zeros(moved.shape, dtype=x.dtype)
        else:
            u, s, vh = np.linalg.svd(moved, full_matrices=False)
            if ord == "nuc":
                out, derivative = s.sum(axis=-1), u @ vh
            else:
                pick = slice(0, 1) if ord == 2 else slice(-1, None)
                out, derivative = s[..., pick][..., 0], u[..., :, pick] @ vh[..., pick, :]
        ctx.save_for_backward(derivative.astype(x.dtype, copy=False))
        ctx.meta = (rows, cols, keepdim)
        out = np.asarray(out, dtype=x.dtype)
        return np.expand_dims(out, tuple(sorted((rows, cols)))) if keepdim else out

    @staticmethod
    def backward(ctx, grad_output):
        (derivative,) = ctx.saved_tensors
        rows, cols, keepdim = ctx.meta
        if keepdim:
            grad_output = np.squeeze(grad_output, axis=(rows, cols))
        grad = grad_output[..., None, None] * derivative
        return np.moveaxis(grad, (-2, -1), (rows, cols))


_MATRIX_ORDERS = ("fro", "nuc", float("inf"), float("-inf"), 1, -1, 2, -2)


def matrix_norm(tensor, ord="fro", dim=(-2, -1), keepdim=False):  # noqa: A002 - PyTorch's name
    """``torch.linalg.matrix_norm``: 'fro' (a vector 2-norm of the two dims), 'nuc' / 2 / -2
    (from the singular values), and +-inf / +-1 as torch composes them: the max (min) over one dim
    of the sums of |a| over the other, so ties of the max share the gradient as amax's."""
    from . import reduce

    if tensor.ndim < 2:
        raise RuntimeError(
            f"linalg.matrix_norm: The input tensor A must have at least 2 dimensions, got shape {tensor.shape}"
        )
    if isinstance(dim, (int, np.integer)) or len(dim) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple, got {dim!r}")
    rows, cols = (normalize_dim("linalg.matrix_norm", d, tensor.ndim) for d in dim)
    if rows == cols:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different, got {tuple(dim)}")
    if ord not in _MATRIX_ORDERS or isinstance(ord, bool):
        raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported; expected one of {_MATRIX_ORDERS}")
    require_floating("linalg.matrix_norm", tensor._data, error=RuntimeError)
    if ord == "fro":
        return Norm.apply(tensor, p=2, dim=(rows, cols), keepdim=keepdim)
    if ord in ("nuc", 2, -2):
        return SingularValueNorm.apply(tensor, ord=ord, dim=(rows, cols), keepdim=keepdim)
    summed, extreme = (cols, rows) if abs(ord) == float("inf") else (rows, cols)
    sums = tensor.abs().sum(dim=summed, keepdim=True)
    out = reduce.AMax.apply(sums, dim=extreme, keepdim=True, is_max=ord > 0)
    if keepdim:
        return out
    return out.reshape(tuple(n for i, n in enumerate(out.shape) if i not in (rows, cols)))
