"""Scaled dot-product attention as one fused node with a hand-derived backward.

Written out of matmul, add, softmax, dropout and matmul, attention would record five nodes and
keep every intermediate (L x S) array alive for backward. The fused node keeps only the
attention weights P (and the dropout mask), and its backward folds the softmax Jacobian into
one elementwise line, which is also the clearest statement of how gradient reaches the scores:
a key's score gains gradient in proportion to how much more its value would have helped the
output than the average value did. docs/backprop.md ("Attention") walks through the derivation.
"""

from __future__ import annotations

import math

import numpy as np

from ..autograd import Function
from ._util import unbroadcast

__all__ = ["ScaledDotProductAttention"]

_OP = "scaled_dot_product_attention"


def _broadcast_batch(what, *shapes):
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        raise RuntimeError(
            f"{_OP}: the batch dimensions of {what} do not broadcast: got {', '.join(map(str, shapes))}"
        ) from None


def _check_inputs(query, key, value, attn_mask, is_causal, dropout_p):
    if query.ndim < 2 or key.ndim < 2 or value.ndim < 2:
        raise RuntimeError(
            f"{_OP}: expected query, key and value to be at least 2-dimensional (..., L, E), (..., S, E), "
            f"(..., S, Ev); got shapes {query.shape}, {key.shape}, {value.shape}"
        )
    if not (query.dtype == key.dtype == value.dtype):
        raise RuntimeError(
            f"{_OP}: expected query, key and value to have the same dtype, got {query.dtype}, {key.dtype}, {value.dtype}"
        )
    if query.dtype.kind != "f":
        raise RuntimeError(
            f"{_OP}: expected floating point query, key and value (float32 or float64), got dtype {query.dtype}"
        )
    if key.shape[-1] != query.shape[-1]:
        raise RuntimeError(
            f"{_OP}: query and key must have the same embedding size (last dimension), got query "
            f"{query.shape} and key {key.shape}"
        )
    if key.shape[-2] != value.shape[-2]:
        raise RuntimeError(
            f"{_OP}: key and value must have the same sequence length (dimension -2), got key {key.shape} "
            f"and value {value.shape}"
        )
    if attn_mask is not None:
        if is_causal:
            raise RuntimeError(f"{_OP}: an explicit attn_mask must not be set when is_causal=True")
        # PyTorch's rule: bool, float32, or the query's own dtype (a float32 mask on float64 scores)
        if attn_mask.dtype not in (np.bool_, np.float32, query.dtype):
            raise RuntimeError(
                f"{_OP}: expected attn_mask of dtype bool, float32 or the query's dtype {query.dtype}, "
                f"got {attn_mask.dtype}"
            )
    if dropout_p > 1:
        raise RuntimeError(f"{_OP}: dropout probability has to be between 0 and 1, but got {dropout_p}")


def _check_mask_shape(mask_shape, weights_shape):
    """The mask is added to the attention weights in place, so it must broadcast *to* their shape
    (batch..., L, S) without enlarging it, as in PyTorch."""
    try:
        fits = np.broadcast_shapes(mask_shape, weights_shape) == weights_shape
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(
            f"{_OP}: attn_mask of shape {mask_shape} does not broadcast to the attention weights' shape "
            f"{weights_shape} (batch..., L, S)"
        )


def _gqa_groups(query, key, value, enable_gqa):
    """How many query heads share one key head and one value head (1, 1 without GQA)."""
    if not enable_gqa or query.ndim < 3 or key.ndim < 3:
        return 1, 1
    heads = query.shape[-3]
    if heads % key.shape[-3] or heads % value.shape[-3]:
        raise RuntimeError(
            f"{_OP}: with enable_gqa=True the number of heads in key ({key.shape[-3]}) and value "
            f"({value.shape[-3]}) must divide the number of heads in query ({heads})"
        )
    return heads // key.shape[-3], heads // value.shape[-3]


def _repeat_heads(x, groups):
    # repeat_interleave over the head axis: query head h reads key/value head h // groups.
    return x if groups == 1 else np.repeat(x, groups, axis=-3)


def _repeated_shape(x, groups):
    return x.shape if groups == 1 else x.shape[:-3] + (x.shape[-3] * groups,) + x.shape[-2:]


def _sum_heads(grad, groups):
    """The adjoint of ``_repeat_heads``: add up the gradient of the query heads sharing a head."""
    if groups == 1:
        return grad
    shape = grad.shape
    return grad.reshape(shape[:-3] + (shape[-3] // groups, groups) + shape[-2:]).sum(axis=-3)


def _softmax_rows_inplace(scores):
    """Softmax over the last axis, written over ``scores``; a row that is -inf throughout (every
    key masked) becomes all zeros, as PyTorch's math path gives, rather than 0/0 = nan."""
    if scores.size == 0:
        return scores
    row_max = scores.max(axis=-1, keepdims=True)
    row_max[row_max == -np.inf] = 0.0  # fully masked row: exp(-inf - 0) = 0, no -inf - -inf
    with np.errstate(invalid="ignore"):  # a +inf score is nan (inf - inf), as in PyTorch
        scores -= row_max
    np.exp(scores, out=scores)
    total = scores.sum(axis=-1, keepdims=True)
    total[total == 0.0] = 1.0  # only a fully masked row sums to 0: leave it at zeros
    np.reciprocal(total, out=total)
    scores *= total
    return scores


class ScaledDotProductAttention(Function):
    """O = dropout(softmax(scale * Q K^T + M)) V over the last two axes, batched over the rest.

    Forward, per batch and head (Q: L x E, K: S x E, V: S x Ev; a boolean mask M is 0 where it
    is True and -inf where False; an additive float mask is M itself; is_causal masks j > i):

        S = scale Q K^T + M,   P = softmax_rows(S),   P' = P * D / (1 - p),   O = P' V

    with D the Bernoulli(1 - p) keep mask of dropout (P' = P without dropout). Backward, with
    dO = dL/dO:

        dV = P'^T dO,   dP' = dO V^T,   dP = dP' * D / (1 - p)

    The softmax Jacobian dP_ij/dS_ik = P_ij (delta_jk - P_ik) gives, row by row,

        dS = P * (dP - rowsum(dP * P))

    and rowsum(dP * P) = rowsum(dP' * P') = rowsum(dO V^T * P') = rowsum(dO * (P' V)) =
    rowsum(dO * O): an L x Ev product instead of an L x S one, and no need to keep P' as well as
    P. Then, since S is linear in Q, K and M,

        dQ = scale dS K,   dK = scale dS^T Q,   dM = dS (summed over the axes M was broadcast on).

    A fully masked row has P = 0, so its dS, dQ and its rows of dM are 0. Batch broadcasting
    (and grouped-query heads, whose key/value heads are repeated) is undone by summing the
    gradient over the broadcast (or repeated) axes.
    """

    saves = {0, 1, 2, "out"}

    @staticmethod
    def forward(
        ctx, query, key, value, attn_mask, dropout_p=0.0, is_causal=False, scale=None, enable_gqa=False, generator=None
    ):
        _check_inputs(query, key, value, attn_mask, is_causal, dropout_p)
        key_groups, value_groups = _gqa_groups(query, key, value, enable_gqa)
        keys = _repeat_heads(key, key_groups)
        values = _repeat_heads(value, value_groups)
        length, source = query.shape[-2], key.shape[-2]
        batch = _broadcast_batch("query and key", query.shape[:-2], keys.shape[:-2])
        _broadcast_batch("the attention weights and value", batch, values.shape[:-2])
        if scale is None:
            embed = query.shape[-1]
            scale = 1.0 / math.sqrt(embed) if embed else math.inf  # E = 0: Q is empty, scores 0
        if attn_mask is not None:
            _check_mask_shape(attn_mask.shape, batch + (length, source))
        # Scale Q (L x E) rather than the scores (L x S): fewer multiplications when E < S.
        scores = np.matmul(query * query.dtype.type(scale), keys.swapaxes(-1, -2))  # (*batch, L, S)
        if attn_mask is not None:
            if attn_mask.dtype == np.bool_:
                np.copyto(scores, -np.inf, where=~attn_mask)
            else:
                scores += attn_mask
        if is_causal:
            np.copyto(scores, -np.inf, where=~np.tri(length, source, dtype=bool))  # top-left aligned
        weights = _softmax_rows_inplace(scores)
        keep = None
        attended = weights
        if dropout_p > 0:
            if dropout_p >= 1:
                keep = np.zeros(weights.shape, dtype=weights.dtype)
            else:
                keep = (generator.random(weights.shape) >= dropout_p).astype(weights.dtype)
                keep *= weights.dtype.type(1.0 / (1.0 - dropout_p))
            attended = weights * keep
        out = np.matmul(attended, values)  # (*batch_out, L, Ev)
        ctx.save_for_backward(query, key, value, out, weights, keep)
        ctx.meta = (scale, key_groups, value_groups, None if attn_mask is None else (attn_mask.shape, attn_mask.dtype))
        return out

    @staticmethod
    def backward(ctx, grad_output):
        query, key, value, out, weights, keep = ctx.saved_tensors
        scale, key_groups, value_groups, mask_meta = ctx.meta
        need_query, need_key, need_value, need_mask = ctx.needs_input_grad[:4]
        grad_query = grad_key = grad_value = grad_mask = None
        attended = weights if keep is None else weights * keep
        if need_value:
            grad_value = np.matmul(attended.swapaxes(-1, -2), grad_output)  # (*batch_out, S, Ev)
            grad_value = unbroadcast(
                _sum_heads(unbroadcast(grad_value, _repeated_shape(value, value_groups)), value_groups), value.shape
            )
        if not (need_query or need_key or need_mask):
            return grad_query, grad_key, grad_value, grad_mask
        grad_scores = np.matmul(grad_output, _repeat_heads(value, value_groups).swapaxes(-1, -2))  # dP'
        if keep is not None:
            grad_scores *= keep  # dP = dP' * D / (1 - p)
        # dP - rowsum(dO * O); einsum forms the row sums without an (L x Ev) temporary
        grad_scores -= np.einsum("...i,...i->...", grad_output, out)[..., None]
        grad_scores *= weights  # dS = P * (dP - rowsum(dO * O))
        grad_scores = unbroadcast(grad_scores, weights.shape)  # value's extra batch axes share P
        if need_mask and mask_meta is not None:
            grad_mask = unbroadcast(grad_scores, mask_meta[0]).astype(mask_meta[1], copy=False)
        if need_query:
            grad_query = np.matmul(grad_scores, _repeat_heads(key, key_groups))
            grad_query *= grad_query.dtype.type(scale)
            grad_query = unbroadcast(grad_query, query.shape)
        if need_key:
            grad_key = np.matmul(grad_scores.swapaxes(-1, -2), query)
            grad_key *= grad_key.dtype.type(scale)
            grad_key = unbroadcast(
                _sum_heads(unbroadcast(grad_key, _repeated_shape(key, key_groups)), key_groups), key.shape
            )
        return grad_query, grad_key, grad_value, grad_mask
