"""Normalisation layers as fused ops: batch norm and layer norm.

Both compute y = gamma * x_hat + beta with x_hat = (x - mu) / sqrt(var + eps); they differ only in
which axes mu and var are taken over (batch norm: every axis but the channel axis 1; layer norm: the
trailing ``normalized_shape`` axes). Composing the graph out of mean, sub, pow, sqrt, div would
record about ten nodes and keep their intermediates alive; the fused backward below needs only
x_hat and 1/sqrt(var + eps), and its closed form is the clearest statement of *why* normalised
layers pass gradients the way they do: the gradient loses its component along the mean and along
x_hat.

The shared derivation (M = number of elements in one normalisation group, sums over the group,
g = dL/dy, g_hat = dL/dx_hat = g * gamma, s = 1/sqrt(var + eps)):

    dx_hat_i/dx_k = s (delta_ik - 1/M) - x_hat_i x_hat_k s / M

because dmu/dx_k = 1/M and dvar/dx_k = 2 (x_k - mu) / M, so ds/dx_k = -s^3 (x_k - mu) / M. Then

    dL/dx_k = sum_i g_hat_i dx_hat_i/dx_k
            = (s / M) (M g_hat_k - sum_i g_hat_i - x_hat_k sum_i g_hat_i x_hat_i),

and, since gamma and beta enter y linearly, dL/dgamma = sum g * x_hat and dL/dbeta = sum g over
every axis gamma was broadcast along.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function

__all__ = ["BatchNorm", "LayerNorm"]


def _check_param(op_name, what, param, shape, dtype):
    if param is None:
        return
    if param.shape != shape:
        raise ValueError(f"{op_name}: {what} must have shape {shape}, got {param.shape}")
    if what in ("weight", "bias") and param.dtype != dtype:
        raise TypeError(
            f"{op_name}: {what} has dtype {param.dtype} but the input has dtype {dtype}; "
            "cast the module or the input so they match (e.g. module.double())"
        )


def _save_normalised(ctx, y, x_hat, centred, inv_std, weight):
    """Save what the backward needs: x_hat, 1/sqrt(var + eps) and gamma.

    Without weight and bias the output *is* x_hat; saving it would tie the backward to the
    output, so an in-place change to the output (legal in PyTorch, whose batch/layer norm save
    the input statistics, never the result) would make backward raise. Then the centred input
    is saved instead and x_hat = centred * inv_std is recomputed, the same product as here.
    """
    ctx.recompute_x_hat = y is x_hat
    ctx.save_for_backward(centred if ctx.recompute_x_hat else x_hat, inv_std, weight)


def _saved_normalised(ctx):
    x_hat, inv_std, weight = ctx.saved_tensors
    if ctx.recompute_x_hat:
        x_hat = x_hat * inv_std
    return x_hat, inv_std, weight


def _normalized_input_grad(grad_hat, x_hat, inv_std, axes, count, owned=False):
    """The closed form above: (s / M) (M g_hat - sum g_hat - x_hat sum(g_hat x_hat)).

    With ``owned`` (``grad_hat`` is a fresh array nobody else holds) the result is built in
    ``grad_hat``'s memory with one scratch array, instead of five full-size temporaries: for
    BERT's (16, 128, 256) activations the allocations cost more than the arithmetic.
    """
    sum_g = np.sum(grad_hat, axis=axes, keepdims=True)
    if not owned:
        return (inv_std / count) * (
            count * grad_hat - sum_g - x_hat * np.sum(grad_hat * x_hat, axis=axes, keepdims=True)
        )
    scratch = np.multiply(grad_hat, x_hat)
    sum_gx = np.sum(scratch, axis=axes, keepdims=True)
    grad_hat *= count
    grad_hat -= sum_g
    np.multiply(x_hat, sum_gx, out=scratch)
    grad_hat -= scratch
    grad_hat *= inv_std / count
    return grad_hat


class BatchNorm(Function):
    """Batch normalisation over every axis but the channel axis 1 (``torch.batch_norm``).

    Inputs: x (N, C, *), weight, bias, running_mean, running_var (each (C,) or None).

    Training: mu and var are the batch statistics (var biased, divided by M = N * prod(*)), so they
    depend on x and dL/dx is the full formula in the module docstring,
        dx = (1/M) * inv_std * (M*g_hat - sum(g_hat) - x_hat*sum(g_hat*x_hat)).
    The running buffers are updated in place, running = (1 - momentum) running + momentum batch,
    with the *unbiased* batch variance var * M / (M - 1) (PyTorch's convention: the running value
    estimates the population variance used at evaluation time).

    Evaluation: mu and var are the running buffers, constants, so y is an affine map of x and
    dL/dx = g_hat * inv_std.

    In both modes dL/dgamma = sum g x_hat and dL/dbeta = sum g over the non-channel axes. The
    running buffers never receive a gradient.
    """

    saves = {1}  # gamma; never the output, even when it is x_hat itself

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, training=False, momentum=0.1, eps=1e-5):
        if x.ndim < 2:
            raise ValueError(
                f"batch_norm: expected an input of shape (N, C, *) with at least 2 dimensions, got shape {x.shape}"
            )
        if x.dtype.kind != "f":
            raise TypeError(f"batch_norm: expected a floating point input, got dtype {x.dtype}")
        channels = x.shape[1]
        for what, param in (
            ("weight", weight),
            ("bias", bias),
            ("running_mean", running_mean),
            ("running_var", running_var),
        ):
            _check_param("batch_norm", what, param, (channels,), x.dtype)
        axes = (0,) + tuple(range(2, x.ndim))
        count = x.size // channels if channels else 0
        broadcast = (1, channels) + (1,) * (x.ndim - 2)
        if training:
            if count <= 1:
                raise ValueError(
                    f"batch_norm: expected more than 1 value per channel when training, got input of shape {x.shape}"
                )
            mean = x.mean(axis=axes, keepdims=True)
            centred = x - mean
            var = np.mean(centred * centred, axis=axes, keepdims=True)
            # Updated in place without a version bump, exactly as torch's native batch_norm does.
            if running_mean is not None:
                running_mean *= 1.0 - momentum
                running_mean += momentum * mean.reshape(channels)
            if running_var is not None:
                running_var *= 1.0 - momentum
                running_var += momentum * var.reshape(channels) * (count / (count - 1))
        else:
            if running_mean is None or running_var is None:
                raise ValueError(
                    "batch_norm: running_mean and running_var must be given in evaluation mode "
                    "(training=False); pass training=True to normalise with the batch statistics"
                )
            mean = running_mean.reshape(broadcast).astype(x.dtype, copy=False)
            var = running_var.reshape(broadcast).astype(x.dtype, copy=False)
            centred = x - mean
        inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
        x_hat = centred * inv_std
        y = x_hat if weight is None else x_hat * weight.reshape(broadcast)
        if bias is not None:
            y = y + bias.reshape(broadcast)
        _save_normalised(ctx, y, x_hat, centred, inv_std, weight)
        ctx.meta = (axes, count, broadcast, bool(training))
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        x_hat, inv_std, weight = _saved_normalised(ctx)
        axes, count, broadcast, training = ctx.meta
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        grad_x = grad_w = grad_b = None
        if need_x:
            grad_hat = grad_output if weight is None else grad_output * weight.reshape(broadcast)
            if training:
                grad_x = _normalized_input_grad(grad_hat, x_hat, inv_std, axes, count)
            else:
                grad_x = grad_hat * inv_std
        if need_w:
            grad_w = np.sum(grad_output * x_hat, axis=axes)
        if need_b:
            grad_b = np.sum(grad_output, axis=axes)
        return grad_x, grad_w, grad_b, None, None


class LayerNorm(Function):
    """Layer normalisation over the last ``normalized_ndim`` axes (``torch.layer_norm``).

    Inputs: x (*, D1..Dk), weight and bias of shape (D1..Dk) or None. Each leading index is its own
    group of M = D1*...*Dk elements with its own (biased) mean and variance, so
    dL/dx = (1/M) * inv_std * (M*g_hat - sum(g_hat) - x_hat*sum(g_hat*x_hat)) with the sums over
    the group's trailing axes; dL/dgamma = sum g x_hat and dL/dbeta = sum g over the leading axes.
    There are no running statistics: training and evaluation compute the same thing.
    """

    saves = {1}

    @staticmethod
    def forward(ctx, x, weight, bias, normalized_ndim=1, eps=1e-5):
        if x.dtype.kind != "f":
            raise TypeError(f"layer_norm: expected a floating point input, got dtype {x.dtype}")
        if not 1 <= normalized_ndim <= x.ndim:
            raise ValueError(
                f"layer_norm: cannot normalise over the last {normalized_ndim} dimensions of an input of "
                f"shape {x.shape}"
            )
        normalized_shape = x.shape[x.ndim - normalized_ndim :]
        for what, param in (("weight", weight), ("bias", bias)):
            _check_param("layer_norm", what, param, normalized_shape, x.dtype)
        axes = tuple(range(x.ndim - normalized_ndim, x.ndim))
        count = int(np.prod(normalized_shape))
        if _rows_in_chunks(x, weight, bias, normalized_ndim):
            return _layer_norm_rows(ctx, x, weight, bias, eps, axes, count)
        mean = x.mean(axis=axes, keepdims=True)
        centred = x - mean
        squares = centred * centred
        var = np.mean(squares, axis=axes, keepdims=True)
        inv_std = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
        if weight is None:
            x_hat = centred * inv_std  # centred stays intact: it may be what is saved (see _save_normalised)
            y = x_hat if bias is None else x_hat + bias
        else:
            # in place: with a weight, only x_hat is saved, so centred's and squares' memory is reused
            x_hat = centred
            x_hat *= inv_std
            y = (
                np.multiply(x_hat, weight, out=squares)
                if squares.dtype == np.result_type(x_hat, weight)
                else x_hat * weight
            )
            if bias is not None:
                y += bias
        _save_normalised(ctx, y, x_hat, centred, inv_std, weight)
        ctx.meta = (axes, count)
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad_output):
        x_hat, inv_std, weight = _saved_normalised(ctx)
        axes, count = ctx.meta
        if getattr(ctx, "rows", False):
            return _layer_norm_rows_backward(ctx, grad_output, x_hat, inv_std, weight)
        leading = tuple(range(grad_output.ndim - len(axes)))
        need_x, need_w, need_b = ctx.needs_input_grad[:3]
        grad_x = grad_w = grad_b = None
        if need_x:
            if weight is None:
                grad_x = _normalized_input_grad(grad_output, x_hat, inv_std, axes, count)
            else:
                grad_hat = grad_output * weight
                grad_x = _normalized_input_grad(
                    grad_hat, x_hat, inv_std, axes, count, owned=grad_hat.shape == x_hat.shape
                )
        if need_w:
            grad_w = np.sum(grad_output * x_hat, axis=leading)
        if need_b:
            grad_b = np.sum(grad_output, axis=leading)
        return grad_x, grad_w, grad_b


# Elements per chunk of rows in the layer norm's row path: a handful of 256 KB blocks stay in L2.
_ROW_CHUNK = 1 << 16


def _rows_in_chunks(x, weight, bias, normalized_ndim):
    """Whether layer_norm takes the row path: the usual transformer case (one normalised axis,
    weight and bias, a contiguous input of several chunks)."""
    return (
        normalized_ndim == 1
        and weight is not None
        and bias is not None
        and x.flags.c_contiguous
        and x.dtype == weight.dtype == bias.dtype
        and x.size >= 4 * _ROW_CHUNK
    )


def _layer_norm_rows(ctx, x, weight, bias, eps, axes, count):
    """LayerNorm's forward on (R, D) rows a cache-sized block of rows at a time: the same
    arithmetic, row by row, as the whole-array code (so the same bits), but every pass reads
    data that the previous pass left in cache instead of an array several times the cache."""
    d = x.shape[-1]
    x2 = x.reshape(-1, d)  # (*, D) -> (R, D)
    y = np.empty_like(x2)
    x_hat = np.empty_like(x2)
    inv_std = np.empty((x2.shape[0], 1), dtype=x.dtype)
    step = max(1, _ROW_CHUNK // max(1, d))
    for start in range(0, x2.shape[0], step):
        rows = slice(start, start + step)
        chunk, hat, out = x2[rows], x_hat[rows], y[rows]
        np.subtract(chunk, chunk.mean(axis=1, keepdims=True), out=hat)  # centred
        np.multiply(hat, hat, out=out)  # squares, in y's memory until y is written
        inv_std[rows] = 1.0 / np.sqrt(out.mean(axis=1, keepdims=True) + eps)
        hat *= inv_std[rows]
        np.multiply(hat, weight, out=out)
        out += bias
    ctx.recompute_x_hat = False
    ctx.save_for_backward(x_hat, inv_std, weight)
    ctx.meta = (axes, count)
    ctx.rows = True
    return y.reshape(x.shape)


def _layer_norm_rows_backward(ctx, grad_output, x_hat, inv_std, weight):
    """The layer norm's backward (the closed form of the module docstring) on the row path's
    blocks of rows; dgamma and dbeta add up each block's column sums."""
    need_x, need_w, need_b = ctx.needs_input_grad[:3]
    d = x_hat.shape[-1]
    count = ctx.meta[1]
    g2 = np.ascontiguousarray(grad_output).reshape(-1, d)  # (*, D) -> (R, D)
    grad_x = np.empty(g2.shape, dtype=np.result_type(g2, weight)) if need_x else None
    grad_w = np.zeros(d, dtype=g2.dtype) if need_w else None
    grad_b = np.zeros(d, dtype=g2.dtype) if need_b else None
    scratch = np.empty(
        (min(g2.shape[0], max(1, _ROW_CHUNK // max(1, d))), d), dtype=grad_x.dtype if need_x else g2.dtype
    )
    step = scratch.shape[0]
    for start in range(0, g2.shape[0], step):
        rows = slice(start, start + step)
        g, hat = g2[rows], x_hat[rows]
        tmp = scratch[: g.shape[0]]
        if need_w:
            np.multiply(g, hat, out=tmp)
            grad_w += tmp.sum(axis=0)
        if need_b:
            grad_b += g.sum(axis=0)
        if need_x:
            grad_hat = grad_x[rows]
            np.multiply(g, weight, out=grad_hat)
            _normalized_input_grad(grad_hat, hat, inv_std[rows], (1,), count, owned=True)  # in place
    return (None if grad_x is None else grad_x.reshape(grad_output.shape)), grad_w, grad_b
