"""Matrix multiplication with ``torch.matmul``'s rules (1-D, 2-D and broadcast batches), the fused
``linear``, the vector p-norm (``torch.linalg.vector_norm`` / ``torch.norm``) and the matrix norms
(``torch.linalg.matrix_norm``); einsum, kron and cross; the strict products (mm, bmm, mv, dot,
outer, addmm, baddbmm) and cdist as compositions."""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ._util import normalize_dim, normalize_dims, unbroadcast
from .unary import require_floating

__all__ = ["Cross", "Einsum", "Kron", "Linear", "MatMul", "Norm", "SingularValueNorm", "matrix_norm", "norm_order"]


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
        # Leading axes folded into rows: one (N, in) x (in, out) GEMM; NumPy's stacked matmul of a
        # (B, S, in) input would run B smaller GEMMs (25% slower for BERT's (16, 128, 256) tokens).
        out = (x.reshape(-1, x.shape[-1]) @ weight.T).reshape(*x.shape[:-1], weight.shape[0])
        if bias is not None:
            out += bias  # out is freshly allocated: adding in place saves a temporary
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, weight = ctx.saved_tensors
        needs = ctx.needs_input_grad
        g2 = grad_output.reshape(-1, grad_output.shape[-1])  # (..., out) -> (N, out), as in forward
        grad_x = (g2 @ weight).reshape(*grad_output.shape[:-1], weight.shape[1]) if needs[0] else None
        grad_w = grad_b = None
        if needs[1]:
            grad_w = g2.T @ x.reshape(-1, x.shape[-1])
        if len(needs) > 2 and needs[2]:
            grad_b = g2.sum(axis=0)
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


# ---------------------------------------------------------------- einsum, kron, cross
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _parse_einsum(equation, shapes):
    """Explicit subscripts for every operand and the output: '...' replaced by letters the
    equation does not use (right-aligned, as broadcasting), and an implicit output (no '->')
    made of the once-seen letters in alphabetical order after the broadcast dims."""
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise RuntimeError(
            f"einsum(): the equation {equation!r} names {len(terms)} operands but {len(shapes)} were given"
        )
    free = [c for c in _LETTERS if c not in equation]
    ellipsis_ndim = 0
    for term, shape in zip(terms, shapes):
        if "..." in term:
            ellipsis_ndim = max(ellipsis_ndim, len(shape) - (len(term) - 3))
    broadcast = "".join(free[:ellipsis_ndim])
    subscripts = []
    for term, shape in zip(terms, shapes):
        explicit = len(term) - 3 if "..." in term else len(term)
        if not all(c in _LETTERS for c in term.replace("...", "")) or ("..." not in term and explicit != len(shape)):
            raise RuntimeError(
                f"einsum(): the subscripts {term!r} do not match an operand of {len(shape)} dims (shape {tuple(shape)})"
            )
        if "..." in term:
            k = len(shape) - explicit
            term = term.replace("...", broadcast[ellipsis_ndim - k :] if k else "")
        subscripts.append(term)
    if arrow:
        output = output.replace("...", broadcast)
        for c in output:
            if output.count(c) > 1:
                raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
            if not any(c in s for s in subscripts):
                raise RuntimeError(
                    f"einsum(): output subscript {c} does not appear in the equation for any input operand"
                )
    else:
        joined = "".join(subscripts)
        output = broadcast + "".join(sorted(c for c in set(joined) if joined.count(c) == 1 and c not in broadcast))
    return subscripts, output


class Einsum(Function):
    """y = einsum(equation, *operands): a sum of products over the letters not in the output.

    y is linear in each operand A_k, so dL/dA_k is the same contraction with g in A_k's place:
    grad_k = einsum("out, the others -> A_k's subscripts", g, *others). Two details: a letter
    of A_k seen nowhere else (summed out of A_k alone) is broadcast back over its size, and a
    repeated letter (a diagonal, "ii->i") receives the gradient on that diagonal only. A size-1
    broadcast dim sums its gradient back to size 1."""

    saves = staticmethod(lambda *operands: set(range(len(operands))) if len(operands) > 1 else set())

    @staticmethod
    def forward(ctx, *operands, equation):
        subscripts, output = _parse_einsum(equation, [np.shape(a) for a in operands])
        sizes = {}
        for term, a in zip(subscripts, operands):
            for c, n in zip(term, a.shape):
                if sizes.get(c, 1) != 1 and n != 1 and sizes[c] != n:
                    raise RuntimeError(
                        f"einsum(): subscript {c} has size {n} for an operand which does not broadcast with "
                        f"previously seen size {sizes[c]} (equation {equation!r})"
                    )
                sizes[c] = n if sizes.get(c, 1) == 1 else sizes[c]
        if len({a.dtype for a in operands}) > 1:
            raise RuntimeError(f"einsum(): operands must have one dtype, got {[str(a.dtype) for a in operands]}")
        ctx.meta = (subscripts, output, sizes, [a.shape for a in operands], operands[0].dtype)
        if len(operands) > 1:
            ctx.save_for_backward(*operands)
        spec = ",".join(subscripts) + "->" + output
        return np.asarray(np.einsum(spec, *operands, optimize=len(operands) > 2))

    @staticmethod
    def backward(ctx, grad_output):
        subscripts, output, sizes, shapes, dtype = ctx.meta
        operands = ctx.saved_tensors
        grads = []
        for k, (term, shape) in enumerate(zip(subscripts, shapes)):
            if not ctx.needs_input_grad[k]:
                grads.append(None)
                continue
            others = [(s, a) for i, (s, a) in enumerate(zip(subscripts, operands)) if i != k]
            seen = output + "".join(s for s, _ in others)
            letters = "".join(dict.fromkeys(term))  # unique, in order
            reachable = "".join(c for c in letters if c in seen)
            spec = ",".join([output] + [s for s, _ in others]) + "->" + reachable
            grad = np.einsum(spec, grad_output, *[a for _, a in others], optimize=len(others) > 1)
            # letters only A_k has: broadcast the gradient over them (in term's order)
            grad = (
                np.expand_dims(grad, [i for i, c in enumerate(letters) if c not in seen])
                if len(reachable) < len(letters)
                else grad
            )
            full = tuple(sizes[c] if c in seen else shape[term.index(c)] for c in letters)
            grad = np.broadcast_to(grad, np.broadcast_shapes(grad.shape, full))
            own = tuple(shape[term.index(c)] for c in letters)
            summed = tuple(i for i, (n, m) in enumerate(zip(own, grad.shape)) if n == 1 and m != 1)
            if summed:
                grad = grad.sum(axis=summed, keepdims=True)
            if len(letters) < len(term):  # a repeated letter: the gradient lies on its diagonal
                full_grad = np.zeros(shape, dtype=grad_output.dtype)
                grids = np.indices(grad.shape, sparse=True)
                full_grad[tuple(grids[letters.index(c)] for c in term)] = grad
                grad = full_grad
            grads.append(np.array(grad, dtype=dtype))  # a C-ordered copy (0-d stays 0-d)
        return tuple(grads)


class Kron(Function):
    """y = kron(a, b): y[i * m + j] = a[i] b[j] per dim (the shorter shape padded with leading 1s).
    With g viewed as G[i0, j0, i1, j1, ...]: dL/da[i] = sum_j G[i, j] b[j] and
    dL/db[j] = sum_i G[i, j] a[i]."""

    saves = {0, 1}

    @staticmethod
    def forward(ctx, a, b):
        if a.dtype != b.dtype:
            _check_same_dtype("kron", a.dtype, b.dtype)
        ctx.save_for_backward(a, b)
        return np.kron(a, b)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        ndim = max(a.ndim, b.ndim)
        a2 = a.reshape((1,) * (ndim - a.ndim) + a.shape)
        b2 = b.reshape((1,) * (ndim - b.ndim) + b.shape)
        interleaved = tuple(v for n, m in zip(a2.shape, b2.shape) for v in (n, m))
        g = grad_output.reshape(interleaved)
        a_letters = _LETTERS[:ndim]
        b_letters = _LETTERS[ndim : 2 * ndim]
        g_letters = "".join(x + y for x, y in zip(a_letters, b_letters))
        grad_a = np.einsum(f"{g_letters},{b_letters}->{a_letters}", g, b2).reshape(a.shape)
        grad_b = np.einsum(f"{g_letters},{a_letters}->{b_letters}", g, a2).reshape(b.shape)
        return grad_a, grad_b


class Cross(Function):
    """y = a x b along ``dim`` (size 3), a and b broadcast (of one rank, as PyTorch wants). The cross product is bilinear with
    <g, a x b> = <b x g, a> = <g x a, b>, so dL/da = b x g and dL/db = g x a (unbroadcast)."""

    saves = {0, 1}

    @staticmethod
    def forward(ctx, a, b, dim=None):
        if a.ndim != b.ndim:
            raise RuntimeError(
                f"cross: inputs must have the same number of dimensions, got shapes {a.shape} and {b.shape}"
            )
        try:
            shape = np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise RuntimeError(f"cross: shapes {a.shape} and {b.shape} do not broadcast") from None
        if dim is None:
            axis = next((d for d, n in enumerate(shape) if n == 3), None)
            if axis is None:
                raise RuntimeError(f"cross: no dimension of size 3 in input (shapes {a.shape}, {b.shape})")
        else:
            axis = normalize_dims("cross", dim, len(shape))[0]
            if shape[axis] != 3 or a.shape[axis - len(shape) + a.ndim] != 3 or b.shape[axis - len(shape) + b.ndim] != 3:
                raise RuntimeError(
                    f"cross: inputs dimension {dim} must have length 3, got shapes {a.shape} and {b.shape}"
                )
        if a.dtype != b.dtype:
            _check_same_dtype("cross", a.dtype, b.dtype)
        ctx.save_for_backward(a, b)
        ctx.axis = axis - len(shape)  # negative: the same axis in every broadcast operand
        return np.cross(np.broadcast_to(a, shape), np.broadcast_to(b, shape), axis=ctx.axis)

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        axis = ctx.axis
        shape = grad_output.shape
        grad_a = np.cross(np.broadcast_to(b, shape), grad_output, axis=axis)
        grad_b = np.cross(grad_output, np.broadcast_to(a, shape), axis=axis)
        return unbroadcast(grad_a, a.shape), unbroadcast(grad_b, b.shape)


# ---------------------------------------------------------------- strict products (compositions of MatMul)
def _require_ndim(op_name, tensor, ndim, what):
    if tensor.ndim != ndim:
        raise RuntimeError(f"{op_name}: {what} must be a {ndim}D tensor, got shape {tuple(tensor.shape)}")


def mm(a, b):
    """torch.mm: (n, k) @ (k, m), no broadcasting; one MatMul."""
    _require_ndim("mm", a, 2, "self")
    _require_ndim("mm", b, 2, "mat2")
    if a.shape[1] != b.shape[0]:
        raise RuntimeError(
            f"mm: mat1 and mat2 shapes cannot be multiplied ({a.shape[0]}x{a.shape[1]} and {b.shape[0]}x{b.shape[1]})"
        )
    return MatMul.apply(a, b)


def bmm(a, b):
    """torch.bmm: (B, n, k) @ (B, k, m), equal batches, no broadcasting; one MatMul."""
    _require_ndim("bmm", a, 3, "batch1")
    _require_ndim("bmm", b, 3, "batch2")
    if b.shape[:2] != (a.shape[0], a.shape[2]):
        raise RuntimeError(
            f"bmm: expected size for first two dimensions of batch2 tensor to be: {[a.shape[0], a.shape[2]]} "
            f"but got: {list(b.shape[:2])}"
        )
    return MatMul.apply(a, b)


def mv(a, v):
    """torch.mv: (n, m) @ (m,); one MatMul."""
    _require_ndim("mv", a, 2, "mat")
    _require_ndim("mv", v, 1, "vec")
    if a.shape[1] != v.shape[0]:
        raise RuntimeError(f"mv: size mismatch, got mat ({a.shape[0]}x{a.shape[1]}), vec ({v.shape[0]})")
    return MatMul.apply(a, v)


def dot(a, b):
    """torch.dot: the inner product of two 1-D tensors of one length; one MatMul."""
    if a.ndim != 1 or b.ndim != 1:
        raise RuntimeError(f"dot: 1D tensors expected, but got {a.ndim}D and {b.ndim}D tensors")
    if a.shape != b.shape:
        raise RuntimeError(f"dot: inconsistent tensor size, got shapes {tuple(a.shape)} and {tuple(b.shape)}")
    return MatMul.apply(a, b)


def outer(a, b):
    """torch.outer: y_ij = a_i b_j, a column times a row (broadcast Mul)."""
    from . import arithmetic, shape

    for name, t in (("self", a), ("vec2", b)):
        if t.ndim != 1:
            raise RuntimeError(f"outer: expected 1-D argument {name}, but got {t.ndim}-D (shape {tuple(t.shape)})")
    return arithmetic.Mul.apply(shape.Reshape.apply(a, shape=(-1, 1)), shape.Reshape.apply(b, shape=(1, -1)))


def _scaled_sum(op_name, input, product, beta, alpha):
    """beta * input + alpha * product, input broadcast to product's shape; beta = 0 ignores input
    (its nan and inf do not propagate), as in PyTorch."""
    from . import arithmetic

    try:
        expandable = np.broadcast_shapes(tuple(input.shape), tuple(product.shape)) == tuple(product.shape)
    except ValueError:
        expandable = False
    if not expandable:
        raise RuntimeError(
            f"{op_name}: input of shape {tuple(input.shape)} cannot be expanded to the product's shape "
            f"{tuple(product.shape)}"
        )
    out = arithmetic.Mul.apply(product, alpha) if alpha != 1 else product
    if beta == 0:
        return out
    return arithmetic.Add.apply(out, arithmetic.Mul.apply(input, beta) if beta != 1 else input)


def addmm(input, mat1, mat2, beta=1, alpha=1):
    """torch.addmm: beta * input + alpha * (mat1 @ mat2)."""
    return _scaled_sum("addmm", input, mm(mat1, mat2), beta, alpha)


def baddbmm(input, batch1, batch2, beta=1, alpha=1):
    """torch.baddbmm: beta * input + alpha * bmm(batch1, batch2)."""
    return _scaled_sum("baddbmm", input, bmm(batch1, batch2), beta, alpha)


def cdist(x1, x2, p=2.0):
    """torch.cdist: the p-norm distance of every row of x1 to every row of x2, batched:
    Norm over the last dim of the broadcast difference (so the gradient at a zero distance is
    0, as in PyTorch)."""
    from . import arithmetic, shape

    if x1.ndim < 2 or x2.ndim < 2:
        bad = "X1" if x1.ndim < 2 else "X2"
        raise RuntimeError(f"cdist: only supports at least 2D tensors, {bad} got: {min(x1.ndim, x2.ndim)}D")
    if x1.shape[-1] != x2.shape[-1]:
        raise RuntimeError(
            f"cdist: X1 and X2 must have the same number of columns. X1: {x1.shape[-1]} X2: {x2.shape[-1]}"
        )
    if p < 0:
        raise RuntimeError(f"cdist: only supports non-negative p values, got {p}")
    diff = arithmetic.Sub.apply(shape.Unsqueeze.apply(x1, dim=-2), shape.Unsqueeze.apply(x2, dim=-3))
    return Norm.apply(diff, p=p, dim=-1)
