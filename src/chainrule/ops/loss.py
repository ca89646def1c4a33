"""Losses with hand-derived backward passes, each one fused node: cross-entropy, NLL, binary
cross-entropy (with logits and on probabilities), MSE and L1.

A fused loss is both faster and more instructive than the composed graph: its backward is the
closed form (for softmax cross-entropy, (p - onehot(y)) / N) instead of a chain of small nodes.
"""

from __future__ import annotations

import numpy as np

from ..autograd import Function
from ._util import unbroadcast
from .softmax import log_softmax_array
from .unary import require_floating, stable_sigmoid

__all__ = ["BCEWithLogits", "BinaryCrossEntropy", "CrossEntropy", "L1Loss", "MSELoss", "NLLLoss", "check_reduction"]

_REDUCTIONS = ("mean", "sum", "none")


def check_reduction(op_name, reduction):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{op_name}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")


def _target_shape_error(x_shape, target_shape, message):
    """PyTorch's type for a target of the wrong shape: ValueError when the batch sizes differ
    (or the input is 1-d), RuntimeError when only the other dims do."""
    batch_differs = len(x_shape) == 1 or len(target_shape) == 0 or target_shape[0] != x_shape[0]
    return (ValueError if batch_differs else RuntimeError)(message)


class _ProbabilityRangeError(RuntimeError, ValueError):
    """PyTorch raises RuntimeError for probabilities outside [0, 1]; chainrule raised ValueError
    before, so this is both."""


def _classes_last(x):
    """(N, C, d1, ...) -> (N*d1*..., C), and (C,) -> (1, C): one row per prediction."""
    if x.ndim == 1:
        return x[None, :]
    return np.moveaxis(x, 1, -1).reshape(-1, x.shape[1])


def _classes_back(rows, shape):
    if len(shape) == 1:
        return rows[0]
    moved = rows.reshape((shape[0],) + tuple(shape[2:]) + (shape[1],))
    return np.moveaxis(moved, -1, 1)


def _index_target_weights(op_name, target, n_classes, weight, ignore_index, reduction, dtype):
    """Per-row weight a_n = w_{y_n} / D (D = sum of non-ignored w_{y_n} for 'mean', else 1),
    0 for ignored rows; plus the row scale s_n = 1/D (or 1) used by label smoothing.

    If every row is ignored, 'mean' is 0/0: the loss is nan (flagged by ``empty_mean``), yet,
    as in PyTorch, an ignored row receives no gradient, so its a_n and s_n stay 0, never nan."""
    target = target.reshape(-1)
    if target.dtype.kind not in "iu":
        raise TypeError(f"{op_name}: class-index targets must be integers (int64), got dtype {target.dtype}")
    keep = target != ignore_index
    safe = np.where(keep, target, 0)
    if keep.any():
        kept = target[keep]
        bad = kept[(kept < 0) | (kept >= n_classes)]
        if bad.size:
            raise IndexError(
                f"{op_name}: target {int(bad[0])} is out of bounds for {n_classes} classes "
                f"(expected 0 <= target < {n_classes}, or ignore_index={ignore_index})"
            )
    class_w = np.ones(n_classes, dtype=dtype) if weight is None else weight.astype(dtype, copy=False)
    row_w = np.where(keep, class_w[safe], 0).astype(dtype, copy=False)
    scale = keep.astype(dtype)
    if reduction == "mean":
        denominator = row_w.sum()
        with np.errstate(invalid="ignore", divide="ignore"):
            row_w = np.where(keep, row_w / denominator, 0)
            scale = np.where(keep, scale / denominator, 0)
    empty_mean = reduction == "mean" and not keep.any()
    return safe, row_w, scale, class_w, empty_mean


class CrossEntropy(Function):
    """Softmax cross-entropy from logits, fused (``F.cross_entropy``).

    Write the per-row loss as l = -sum_c q_c log p_c with p = softmax(x) and q the effective
    target weights: for a class index y with label smoothing e, q = a e_y + b w with
    a = w_y (1 - e) s, b = (e / C) s (s the reduction scale); for probability targets
    q_c = s w_c ((1 - e) t_c + e / C). Since d log p_c / dx_k = delta_ck - p_k,
        dl/dx = (sum_c q_c) p - q,
    which for plain one-hot targets is the familiar (p - onehot(y)) / N. Probability targets
    are differentiable too (as in PyTorch): dl/dt_c = -s w_c (1 - e) log p_c.
    """

    saves = {2}  # the class weights (as torch's nll_loss); log-probabilities are fresh

    @staticmethod
    def forward(ctx, x, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
        check_reduction("cross_entropy", reduction)
        if x.ndim == 0:
            raise ValueError("cross_entropy: input must have a class dimension, got a 0-d tensor")
        require_floating("cross_entropy", x, "input (the logits)")
        if not 0.0 <= label_smoothing <= 1.0:
            raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
        n_classes = x.shape[0] if x.ndim == 1 else x.shape[1]
        if weight is not None and weight.shape != (n_classes,):
            raise ValueError(f"cross_entropy: weight must have shape ({n_classes},), got {weight.shape}")
        rows = _classes_last(x)
        logp = log_softmax_array(rows, axis=1)
        probability_target = target.dtype.kind == "f"
        ctx.meta = (x.shape, reduction, probability_target)
        if probability_target:
            if target.shape != x.shape:
                raise _target_shape_error(
                    x.shape,
                    target.shape,
                    f"cross_entropy: probability targets must have the input's shape {x.shape}, got {target.shape}",
                )
            t = _classes_last(target.astype(x.dtype, copy=False))
            if label_smoothing:
                t = t * (1 - label_smoothing) + label_smoothing / n_classes
            class_w = np.ones(n_classes, x.dtype) if weight is None else weight.astype(x.dtype)
            q = t * class_w[None, :]
            if reduction == "mean":
                q = q / rows.shape[0]
            per_row = -np.sum(q * logp, axis=1)
            ctx.save_for_backward(logp, q, class_w)
            ctx.target_scale = (1 - label_smoothing) / (max(rows.shape[0], 1) if reduction == "mean" else 1)
            ctx.dense = True
            empty_mean = reduction == "mean" and rows.shape[0] == 0
        else:
            expected = (x.shape[0],) + x.shape[2:] if x.ndim > 1 else ()
            if target.shape == x.shape:  # PyTorch tells the two kinds of target apart by shape
                raise RuntimeError(
                    f"cross_entropy: a target of the input's shape {x.shape} holds class probabilities and "
                    f"must be floating point, got dtype {target.dtype}; expected float32 or float64, or "
                    f"class indices of shape {expected}"
                )
            if target.shape != expected:
                raise _target_shape_error(
                    x.shape,
                    target.shape,
                    f"cross_entropy: for input of shape {x.shape} class-index targets must have shape "
                    f"{expected}, got {target.shape}",
                )
            safe, row_w, scale, class_w, empty_mean = _index_target_weights(
                "cross_entropy", target, n_classes, weight, ignore_index, reduction, x.dtype
            )
            a = row_w * (1 - label_smoothing)
            index = np.arange(rows.shape[0])
            per_row = -a * logp[index, safe]
            b = None
            if label_smoothing:
                b = scale * (label_smoothing / n_classes)
                per_row = per_row - b * (logp @ class_w)
            ctx.save_for_backward(logp, safe, a, b, class_w)
            ctx.dense = False
        if reduction == "none":
            return per_row.reshape(x.shape[:1] + x.shape[2:] if x.ndim > 1 else ()).astype(x.dtype, copy=False)
        if empty_mean:  # a mean over no rows is 0/0, as in PyTorch
            return np.asarray(np.nan, dtype=x.dtype)
        return np.asarray(per_row.sum(), dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        shape, reduction, _ = ctx.meta
        row_grad = grad_output.reshape(-1, 1) if reduction == "none" else grad_output
        grad_target = None
        if ctx.dense:
            logp, q, class_w = ctx.saved_tensors
            grad = np.exp(logp) * q.sum(axis=1, keepdims=True) - q
            if ctx.needs_input_grad[1]:
                grad_target = _classes_back(-ctx.target_scale * class_w[None, :] * logp * row_grad, shape)
        else:
            logp, safe, a, b, class_w = ctx.saved_tensors
            total = a if b is None else a + b * class_w.sum()
            grad = np.exp(logp)
            grad *= total[:, None]
            grad[np.arange(grad.shape[0]), safe] -= a
            if b is not None:
                grad -= b[:, None] * class_w[None, :]
        grad *= row_grad
        return _classes_back(grad, shape), grad_target


class NLLLoss(Function):
    """Negative log-likelihood on log-probabilities: l_n = -w_{y_n} x_{n, y_n} (scaled by the
    reduction). It is linear in x, so dl/dx_{n,c} = -a_n [c = y_n] and zero elsewhere."""

    saves = set()

    @staticmethod
    def forward(ctx, x, target, weight=None, ignore_index=-100, reduction="mean"):
        check_reduction("nll_loss", reduction)
        if x.ndim == 0:
            raise ValueError("nll_loss: input must have a class dimension, got a 0-d tensor")
        require_floating("nll_loss", x, "input (the log-probabilities)")
        n_classes = x.shape[0] if x.ndim == 1 else x.shape[1]
        expected = (x.shape[0],) + x.shape[2:] if x.ndim > 1 else ()
        if target.shape != expected:
            raise _target_shape_error(
                x.shape,
                target.shape,
                f"nll_loss: for input of shape {x.shape} the target must have shape {expected}, got {target.shape}",
            )
        if weight is not None and weight.shape != (n_classes,):
            raise ValueError(f"nll_loss: weight must have shape ({n_classes},), got {weight.shape}")
        rows = _classes_last(x)
        safe, row_w, _, _, empty_mean = _index_target_weights(
            "nll_loss", target, n_classes, weight, ignore_index, reduction, x.dtype
        )
        per_row = -row_w * rows[np.arange(rows.shape[0]), safe]
        ctx.save_for_backward(safe, row_w)
        ctx.meta = (x.shape, reduction)
        if reduction == "none":
            return per_row.reshape(expected).astype(x.dtype, copy=False)
        if empty_mean:  # a mean over no rows is 0/0, as in PyTorch
            return np.asarray(np.nan, dtype=x.dtype)
        return np.asarray(per_row.sum(), dtype=x.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        safe, row_w = ctx.saved_tensors
        shape, reduction = ctx.meta
        n_classes = shape[0] if len(shape) == 1 else shape[1]
        grad = np.zeros((safe.shape[0], n_classes), dtype=grad_output.dtype)
        scale = grad_output.reshape(-1) if reduction == "none" else grad_output
        grad[np.arange(safe.shape[0]), safe] = -row_w * scale
        return _classes_back(grad, shape), None


def _reduce(op_name, loss, reduction):
    check_reduction(op_name, reduction)
    if reduction == "none":
        return loss, 1.0
    if reduction == "sum":
        return np.asarray(loss.sum(), dtype=loss.dtype), 1.0
    if loss.size == 0:  # a mean over nothing is nan, as in PyTorch (and no NumPy warning)
        return np.asarray(np.nan, dtype=loss.dtype), 1.0
    return np.asarray(loss.mean(), dtype=loss.dtype), 1.0 / loss.size


def _broadcast_shapes(op_name, *shapes, error=RuntimeError):
    # PyTorch: RuntimeError "The size of tensor a (3) must match the size of tensor b (4)" for the
    # regression losses, ValueError ("Target size ... must be the same as input size") for BCE.
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise error(f"{op_name}: shapes {', '.join(map(str, shapes))} cannot be broadcast together") from None


class BCEWithLogits(Function):
    """l = w [ p_w y softplus(-x) + (1 - y) softplus(x) ], i.e. binary cross-entropy on
    sigmoid(x) with log sigmoid(x) = -softplus(-x) and log(1 - sigmoid(x)) = -softplus(x), so it
    never overflows or takes log(0). Computed in PyTorch's equal form
    w [ (1 - y) x - (1 + (p_w - 1) y) log sigmoid(x) ], which gives torch's inf/nan at x = +-inf.

    dl/dx = w [ (p_w y + 1 - y) sigmoid(x) - p_w y ]   (reduces to sigmoid(x) - y when p_w = 1);
    dl/dy = w [ p_w softplus(-x) - softplus(x) ]         (reduces to -x when p_w = 1, since
    softplus(x) - softplus(-x) = x).
    """

    saves = {0, 1, 2, 3}  # input, target, weight and pos_weight where given

    @staticmethod
    def forward(ctx, x, target, weight=None, pos_weight=None, reduction="mean"):
        if target.shape != x.shape:
            raise ValueError(
                f"binary_cross_entropy_with_logits: target size {target.shape} must be the same as input size {x.shape}"
            )
        shapes = [x.shape] + [w.shape for w in (weight, pos_weight) if w is not None]
        _broadcast_shapes("binary_cross_entropy_with_logits", *shapes, error=ValueError)
        require_floating("binary_cross_entropy_with_logits", x, "input (the logits)")
        require_floating("binary_cross_entropy_with_logits", target, "target", error=RuntimeError)
        target = target.astype(x.dtype, copy=False)
        pw = 1.0 if pos_weight is None else pos_weight.astype(x.dtype, copy=False)
        # PyTorch's formula, (1 - y) x - (1 + (p_w - 1) y) log sigmoid(x), so that infinite
        # logits give what torch gives: inf for (+inf, 0), nan for (+inf, 1), (-inf, 0), (-inf, 1).
        with np.errstate(invalid="ignore", over="ignore"):
            log1p_exp = np.log1p(np.exp(-np.abs(x)))
            log_sigmoid = np.minimum(x, 0) - log1p_exp
            # for backward, each finite or +inf at x = +-inf (never inf - inf)
            softplus_pos, softplus_neg = np.maximum(x, 0) + log1p_exp, -log_sigmoid
            log_weight = 1.0 if pos_weight is None else (pw - 1) * target + 1
            loss = (1 - target) * x - log_weight * log_sigmoid
        if weight is not None:
            loss = loss * weight
        loss = np.broadcast_to(loss, x.shape) if loss.shape != x.shape else loss
        out, scale = _reduce("binary_cross_entropy_with_logits", loss.astype(x.dtype, copy=False), reduction)
        ctx.save_for_backward(x, target, weight, pos_weight, softplus_pos, softplus_neg)
        ctx.meta = (reduction, scale)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        x, target, weight, pos_weight, softplus_pos, softplus_neg = ctx.saved_tensors
        reduction, scale = ctx.meta
        g = grad_output if reduction == "none" else grad_output * scale
        pw = 1.0 if pos_weight is None else pos_weight
        w = 1.0 if weight is None else weight
        grad_x = g * w * ((pw * target + 1 - target) * stable_sigmoid(x) - pw * target)
        grad_t = None
        if ctx.needs_input_grad[1]:
            # -x without pos_weight; both terms are never infinite together at x = +-inf
            with np.errstate(invalid="ignore"):
                d_target = -x if pos_weight is None else pw * softplus_neg - softplus_pos
            grad_t = unbroadcast(np.broadcast_to(g * w * d_target, x.shape), target.shape)
        return grad_x.astype(x.dtype, copy=False), grad_t, None, None


class BinaryCrossEntropy(Function):
    """l = -w [ y log p + (1 - y) log(1 - p) ] on probabilities p, with each log clamped at -100
    as PyTorch does so p = 0 or 1 gives a large finite loss instead of inf.

    dl/dp = w (p - y) / (p (1 - p)), with the denominator clamped at 1e-12 (PyTorch's epsilon).
    """

    saves = {0, 1, 2}

    @staticmethod
    def forward(ctx, p, target, weight=None, reduction="mean"):
        if target.shape != p.shape:
            raise ValueError(
                f"binary_cross_entropy: target size {target.shape} must be the same as input size {p.shape}"
            )
        require_floating("binary_cross_entropy", p, "input (the probabilities)")
        require_floating("binary_cross_entropy", target, "target", error=RuntimeError)
        if not ((p >= 0) & (p <= 1)).all():  # NaN fails too, as in PyTorch
            raise _ProbabilityRangeError(
                "binary_cross_entropy: all input elements must be probabilities in [0, 1] "
                "(for logits use binary_cross_entropy_with_logits)"
            )
        target = target.astype(p.dtype, copy=False)
        with np.errstate(divide="ignore"):
            log_p = np.maximum(np.log(p), -100)
            log_q = np.maximum(np.log1p(-p), -100)
        loss = -(target * log_p + (1 - target) * log_q)
        if weight is not None:
            loss = np.broadcast_to(loss * weight, p.shape)
        out, scale = _reduce("binary_cross_entropy", loss.astype(p.dtype, copy=False), reduction)
        ctx.save_for_backward(p, target, weight, log_p, log_q)
        ctx.meta = (reduction, scale)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        p, target, weight, log_p, log_q = ctx.saved_tensors
        reduction, scale = ctx.meta
        g = grad_output if reduction == "none" else grad_output * scale
        w = 1.0 if weight is None else weight
        grad_p = g * w * (p - target) / np.maximum(p * (1 - p), 1e-12)
        grad_t = None
        if ctx.needs_input_grad[1]:
            grad_t = g * w * (log_q - log_p)
        return grad_p.astype(p.dtype, copy=False), grad_t, None


class MSELoss(Function):
    """l = mean (x - y)^2 (or sum / none); dl/dx = 2 (x - y) s and dl/dy = -dl/dx, s = 1/N
    for 'mean'. Broadcast inputs are unbroadcast as in any binary op."""

    saves = set()  # x - y, fresh

    @staticmethod
    def forward(ctx, x, target, reduction="mean"):
        _broadcast_shapes("mse_loss", x.shape, target.shape)
        if np.result_type(x, target).kind != "f":  # one floating operand is enough, as in PyTorch
            raise NotImplementedError(
                f"mse_loss: input and target must not both be integer or bool tensors, got dtypes {x.dtype} "
                f"and {target.dtype}; expected a floating point input or target (cast with .float())"
            )
        diff = x - target
        out, scale = _reduce("mse_loss", diff * diff, reduction)
        ctx.save_for_backward(diff)
        ctx.meta = (x.shape, target.shape, reduction, scale)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (diff,) = ctx.saved_tensors
        x_shape, t_shape, reduction, scale = ctx.meta
        grad = (2 * scale) * diff * grad_output
        return unbroadcast(grad, x_shape), unbroadcast(-grad, t_shape)


class L1Loss(Function):
    """l = mean |x - y|; dl/dx = sign(x - y) s (subgradient 0 at a tie), dl/dy = -dl/dx."""

    saves = set()

    @staticmethod
    def forward(ctx, x, target, reduction="mean"):
        _broadcast_shapes("l1_loss", x.shape, target.shape)
        check_reduction("l1_loss", reduction)
        if x.dtype.kind == "b" or target.dtype.kind == "b":
            raise RuntimeError(
                f"l1_loss: a bool tensor cannot be subtracted, got dtypes {x.dtype} and {target.dtype}; "
                "expected numeric tensors (cast a mask with .float())"
            )
        if reduction == "mean" and np.result_type(x, target).kind != "f":
            raise RuntimeError(
                f"l1_loss: reduction='mean' needs a floating point tensor, got dtypes {x.dtype} and "
                f"{target.dtype}; expected a floating point input or target (or reduction='sum' / 'none')"
            )
        diff = x - target
        out, scale = _reduce("l1_loss", np.abs(diff), reduction)
        ctx.save_for_backward(diff)
        ctx.meta = (x.shape, target.shape, reduction, scale)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        (diff,) = ctx.saved_tensors
        x_shape, t_shape, reduction, scale = ctx.meta
        grad = (np.sign(diff) * scale * grad_output).astype(diff.dtype, copy=False)
        return unbroadcast(grad, x_shape), unbroadcast(-grad, t_shape)
