"""Matrix multiplication with ``torch.matmul``'s rules (1-D, 2-D and broadcast batches)."""
from __future__ import annotations

import numpy as np

from ..autograd import Function
from .arithmetic import unbroadcast


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
        raise NotImplementedError(f"{op_name}: bool tensors cannot be multiplied, got dtype {dtype_a}; "
                                  "expected a numeric dtype (cast with .float() or .long())")


class MatMul(Function):
    """C = A @ B, C_ij = sum_k A_ik B_kj.

    dC_ij/dA_ik = B_kj, so dL/dA_ik = sum_j G_ij B_kj: dL/dA = G @ B^T; likewise dL/dB = A^T @ G.
    Batched inputs broadcast like any binary op, so each gradient is unbroadcast over the batch
    axes. A 1-D operand is treated as a row (left) or column (right) vector and the added axis is
    removed again, exactly as in the forward pass.
    """

    @staticmethod
    def forward(ctx, a, b):
        if not isinstance(a, np.ndarray) or not isinstance(b, np.ndarray) or a.ndim == 0 or b.ndim == 0:
            raise ValueError(
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
            raise ValueError(f"matmul: shapes {a.shape} and {b.shape} are incompatible: {detail}") from None

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
