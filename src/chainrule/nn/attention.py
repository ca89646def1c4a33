"""Multi-head attention with PyTorch's constructor, forward signature, masks and state_dict.

``MultiheadAttention`` projects query, key and value, splits the embedding into ``num_heads``
heads, attends with the fused ``F.scaled_dot_product_attention`` node (or, when the attention
weights are asked for, with the explicit softmax the weights are read from, as PyTorch does), and
projects back. Its parameters carry torch's names (``in_proj_weight``, ``in_proj_bias``,
``out_proj.weight``, ...), so a ``torch.nn.MultiheadAttention`` state_dict loads unchanged.

Internally every tensor is batch-first, (N, L, E); ``batch_first=False`` inputs are transposed
on the way in and out, unbatched inputs get a batch axis of one.
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from .. import functional as F
from ..tensor import Tensor
from . import init
from .layers import Linear, _parameter_dtype
from .module import Module, Parameter

__all__ = ["MultiheadAttention"]


class NonDynamicallyQuantizableLinear(Linear):
    """``MultiheadAttention.out_proj``: a plain Linear under the class name PyTorch gives it, so
    that the module's repr and the type of its child read as in torch (torch uses the name to keep
    its dynamic quantisation away from the output projection)."""


def _canonical_mask(mask, name, dtype):
    """An additive float mask from a bool one (True = may NOT attend, MultiheadAttention's
    convention: -inf) or a float one as it is; anything else is refused, as torch does."""
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        mask = Tensor(np.asarray(mask))
    if mask.dtype == np.bool_:
        return Tensor(np.where(mask.numpy(), -np.inf, 0.0).astype(dtype))
    if mask.dtype.kind != "f":
        raise AssertionError(
            f"MultiheadAttention: only bool and floating types of {name} are supported, got {mask.dtype}"
        )
    return mask


def _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads):
    """torch's _mha_shape_check: 3-D (batched) or 2-D (unbatched) inputs and masks to match;
    returns whether the input is batched. torch raises AssertionError for these."""
    if query.ndim not in (2, 3):
        raise AssertionError(
            f"MultiheadAttention: query should be unbatched 2D or batched 3D tensor but received "
            f"{query.ndim}-D query tensor of shape {tuple(query.shape)}"
        )
    batched = query.ndim == 3
    kind = "batched (3-D)" if batched else "unbatched (2-D)"
    if key.ndim != query.ndim or value.ndim != query.ndim:
        raise AssertionError(
            f"MultiheadAttention: for {kind} `query`, expected `key` and `value` to be {query.ndim}-D but found "
            f"{key.ndim}-D and {value.ndim}-D tensors respectively"
        )
    if key_padding_mask is not None and key_padding_mask.ndim != query.ndim - 1:
        raise AssertionError(
            f"MultiheadAttention: for {kind} `query`, expected `key_padding_mask` to be `None` or "
            f"{query.ndim - 1}-D but found {key_padding_mask.ndim}-D tensor instead"
        )
    if attn_mask is not None:
        if attn_mask.ndim not in (2, 3):
            raise AssertionError(
                f"MultiheadAttention: for {kind} `query`, expected `attn_mask` to be `None`, 2-D or 3-D but "
                f"found {attn_mask.ndim}-D tensor instead"
            )
        if not batched and attn_mask.ndim == 3:
            expected = (num_heads, query.shape[0], key.shape[0])
            if tuple(attn_mask.shape) != expected:
                raise AssertionError(
                    f"MultiheadAttention: expected `attn_mask` shape to be {expected} but got {tuple(attn_mask.shape)}"
                )
    return batched


class MultiheadAttention(Module):
    """Multi-head attention, "Attention Is All You Need" section 3.2.2, with torch's interface.

    out = concat(head_1, ..., head_h) W_o^T + b_o, head_i = softmax(q_i k_i^T / sqrt(d) + mask) v_i,
    with q_i, k_i, v_i the i-th ``head_dim`` slice of the projected query, key and value.

    Args:
        embed_dim: the model dimension E (query's last axis and the output's).
        num_heads: the number of heads; E must be divisible by it.
        dropout: the dropout probability on the attention weights (in training mode only).
        bias: whether the in- and out-projections have biases.
        add_bias_kv: whether to append a learned key and value (``bias_k``, ``bias_v``) to the sequence.
        add_zero_attn: whether to append a zero key and value to the sequence (after the heads split).
        kdim: the key's feature size (default E); with vdim, separate q/k/v projection weights
            when either differs from E.
        vdim: the value's feature size (default E).
        batch_first: whether inputs and outputs are (N, L, E) rather than (L, N, E).
        device: 'cpu' or None.
        dtype: the parameters' dtype (default: chainrule's default dtype).
        generator: seeds the initialisation (a chainrule addition).
    """

    def __init__(
        self,
        embed_dim,
        num_heads,
        dropout=0.0,
        bias=True,
        add_bias_kv=False,
        add_zero_attn=False,
        kdim=None,
        vdim=None,
        batch_first=False,
        device=None,
        dtype=None,
        *,
        generator=None,
    ):
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(
                f"MultiheadAttention: embed_dim and num_heads must be greater than 0, got embed_dim={embed_dim} "
                f"and num_heads={num_heads} instead"
            )
        super().__init__()
        dtype = _parameter_dtype("MultiheadAttention", device, dtype)
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        if self.head_dim * num_heads != embed_dim:
            raise AssertionError(
                f"MultiheadAttention: embed_dim must be divisible by num_heads, got embed_dim={embed_dim} "
                f"and num_heads={num_heads}"
            )
        if self._qkv_same_embed_dim:
            self.in_proj_weight = Parameter(np.zeros((3 * embed_dim, embed_dim), dtype=dtype))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        else:
            self.q_proj_weight = Parameter(np.zeros((embed_dim, embed_dim), dtype=dtype))
            self.k_proj_weight = Parameter(np.zeros((embed_dim, self.kdim), dtype=dtype))
            self.v_proj_weight = Parameter(np.zeros((embed_dim, self.vdim), dtype=dtype))
            self.register_parameter("in_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(np.zeros(3 * embed_dim, dtype=dtype))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(
            embed_dim, embed_dim, bias=bias, dtype=dtype, generator=generator
        )
        if add_bias_kv:
            self.bias_k = Parameter(np.zeros((1, 1, embed_dim), dtype=dtype))
            self.bias_v = Parameter(np.zeros((1, 1, embed_dim), dtype=dtype))
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters(generator)

    def _reset_parameters(self, generator=None):
        """torch's init: Glorot-uniform in-projections, zero biases, Glorot-normal bias_k/bias_v; the
        out-projection keeps Linear's init but its bias is zeroed too."""
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight, generator=generator)
        else:
            for weight in (self.q_proj_weight, self.k_proj_weight, self.v_proj_weight):
                init.xavier_uniform_(weight, generator=generator)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k, generator=generator)
            init.xavier_normal_(self.bias_v, generator=generator)

    def _project(self, query, key, value, same_qkv, same_kv):
        """The three input projections; one GEMM for self-attention, two when key is value."""
        embed = self.embed_dim
        weight, bias = self.in_proj_weight, self.in_proj_bias
        if not self._qkv_same_embed_dim:
            biases = (None, None, None) if bias is None else (bias[:embed], bias[embed : 2 * embed], bias[2 * embed :])
            return (
                F.linear(query, self.q_proj_weight, biases[0]),
                F.linear(key, self.k_proj_weight, biases[1]),
                F.linear(value, self.v_proj_weight, biases[2]),
            )
        if same_qkv:
            return F.linear(query, weight, bias).chunk(3, dim=-1)  # (N, L, 3E) -> 3 x (N, L, E)
        q = F.linear(query, weight[:embed], None if bias is None else bias[:embed])
        if same_kv:
            k, v = F.linear(key, weight[embed:], None if bias is None else bias[embed:]).chunk(2, dim=-1)
            return q, k, v
        k = F.linear(key, weight[embed : 2 * embed], None if bias is None else bias[embed : 2 * embed])
        v = F.linear(value, weight[2 * embed :], None if bias is None else bias[2 * embed :])
        return q, k, v

    def forward(
        self,
        query,
        key,
        value,
        key_padding_mask=None,
        need_weights=True,
        attn_mask=None,
        average_attn_weights=True,
        is_causal=False,
    ):
        """Attend from ``query`` to ``key``/``value``.

        Args:
            query: (L, N, E), (N, L, E) with ``batch_first``, or (L, E) unbatched.
            key: (S, N, kdim), (N, S, kdim) or (S, kdim).
            value: (S, N, vdim), (N, S, vdim) or (S, vdim).
            key_padding_mask: (N, S) or (S,); True (bool) marks a padding key to ignore, a float mask
                is added to the scores.
            need_weights: whether to return the attention weights too (they are then computed
                with an explicit softmax, as in torch; False uses the fused op).
            attn_mask: (L, S) or (N * num_heads, L, S); True (bool) forbids attending, a float mask
                is added to the scores.
            average_attn_weights: average the returned weights over the heads.
            is_causal: a hint that ``attn_mask`` is the causal mask (torch's semantics: it must be
                given, and it is used as is unless the fused path can apply causality itself).

        Returns:
            (attn_output, attn_weights or None): the output in the input's layout, and the
            weights of shape (N, L, S) (averaged) or (N, num_heads, L, S), without N if unbatched.
        """
        same_qkv, same_kv = query is key and key is value, key is value
        batched = _check_shapes(query, key, value, key_padding_mask, attn_mask, self.num_heads)
        dtype = query.dtype
        if (
            key_padding_mask is not None
            and attn_mask is not None
            and getattr(key_padding_mask, "dtype", None) != getattr(attn_mask, "dtype", None)
        ):
            warnings.warn(
                "MultiheadAttention: support for mismatched key_padding_mask and attn_mask is deprecated. "
                "Use same type for both instead.",
                stacklevel=2,
            )
        key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", dtype)
        if is_causal and attn_mask is None:
            raise RuntimeError(
                "MultiheadAttention: need attn_mask if specifying the is_causal hint. You may use the "
                "Transformer module method `generate_square_subsequent_mask` to create this mask."
            )
        # torch drops the mask and lets the fused op apply causality only on that path
        causal = is_causal and key_padding_mask is None and not need_weights
        attn_mask = None if causal else _canonical_mask(attn_mask, "attn_mask", dtype)
        if not batched:  # (L, E) -> (1, L, E)
            query, key, value = query.unsqueeze(0), key.unsqueeze(0), value.unsqueeze(0)
            if key_padding_mask is not None:
                key_padding_mask = key_padding_mask.unsqueeze(0)  # (S,) -> (1, S)
        elif not self.batch_first:  # (L, N, E) -> (N, L, E)
            query, key, value = query.transpose(0, 1), key.transpose(0, 1), value.transpose(0, 1)
        batch, length, embed = query.shape
        source = key.shape[1]
        if embed != self.embed_dim:
            raise AssertionError(
                f"MultiheadAttention: was expecting embedding dimension of {self.embed_dim}, but got {embed}"
            )
        if self._qkv_same_embed_dim and tuple(key.shape) != tuple(value.shape):
            raise AssertionError(
                f"MultiheadAttention: key shape {tuple(key.shape)} does not match value shape {tuple(value.shape)}"
            )
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise AssertionError(
                f"MultiheadAttention: key's sequence and batch dims {tuple(key.shape[:2])} do not match value's "
                f"{tuple(value.shape[:2])}"
            )
        if key_padding_mask is not None and tuple(key_padding_mask.shape) != (batch, source):
            raise AssertionError(
                f"MultiheadAttention: expected key_padding_mask of shape {(batch, source)} (batch, source length), "
                f"got {tuple(key_padding_mask.shape)}"
            )
        heads, head_dim = self.num_heads, self.head_dim
        if attn_mask is not None:
            expected = (length, source) if attn_mask.ndim == 2 else (batch * heads, length, source)
            if tuple(attn_mask.shape) != expected:
                raise RuntimeError(
                    f"MultiheadAttention: the shape of the {attn_mask.ndim}D attn_mask is {tuple(attn_mask.shape)}, "
                    f"but should be {expected}"
                )
            if attn_mask.ndim == 3:
                attn_mask = attn_mask.reshape(batch, heads, length, source)  # (N*H, L, S) -> (N, H, L, S)
        q, k, v = self._project(query, key, value, same_qkv, same_kv)  # (N, L, E), (N, S, E), (N, S, E)
        if self.bias_k is not None:  # one more (learned) key and value at the end of the sequence
            k = F.cat([k, self.bias_k.expand(batch, 1, embed)], dim=1)  # (N, S + 1, E)
            v = F.cat([v, self.bias_v.expand(batch, 1, embed)], dim=1)
            attn_mask, key_padding_mask = _pad_key_axis(attn_mask, key_padding_mask)
        q = q.reshape(batch, length, heads, head_dim).transpose(1, 2)  # (N, H, L, D)
        k = k.reshape(batch, k.shape[1], heads, head_dim).transpose(1, 2)  # (N, H, S', D)
        v = v.reshape(batch, v.shape[1], heads, head_dim).transpose(1, 2)  # (N, H, S', D)
        if self.add_zero_attn:  # one more all-zero key and value per head
            zeros = Tensor(np.zeros((batch, heads, 1, head_dim), dtype=k.dtype))
            k = F.cat([k, zeros], dim=2)  # (N, H, S' + 1, D)
            v = F.cat([v, zeros], dim=2)
            attn_mask, key_padding_mask = _pad_key_axis(attn_mask, key_padding_mask)
        mask = attn_mask
        if key_padding_mask is not None:
            padding = key_padding_mask.reshape(batch, 1, 1, key_padding_mask.shape[-1])  # (N, S') -> (N, 1, 1, S')
            mask = padding if mask is None else mask + padding
        dropout_p = self.dropout if self.training else 0.0
        weights = None
        if need_weights:
            # The weights are an output, so the softmax is spelled out (as torch does on this path).
            scores = F.matmul(q * (1.0 / math.sqrt(head_dim)), k.transpose(-2, -1))  # (N, H, L, S')
            if mask is not None:
                scores = scores + mask
            weights = F.softmax(scores, dim=-1)
            if dropout_p > 0.0:
                weights = F.dropout(weights, p=dropout_p)
            out = F.matmul(weights, v)  # (N, H, L, D)
            if average_attn_weights:
                weights = weights.mean(dim=1)  # (N, L, S')
            if not batched:
                weights = weights.squeeze(0)
        else:
            out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout_p, is_causal=causal)
        out = out.transpose(1, 2).reshape(batch, length, embed)  # (N, H, L, D) -> (N, L, E)
        out = self.out_proj(out)
        if not batched:
            out = out.squeeze(0)  # (1, L, E) -> (L, E)
        elif not self.batch_first:
            out = out.transpose(0, 1)  # (N, L, E) -> (L, N, E)
        return out, weights

    def extra_repr(self) -> str:
        return ""


def _pad_key_axis(attn_mask, key_padding_mask):
    """One more key (bias_k or the zero key): every mask gains a column of 0, i.e. 'may attend'."""
    if attn_mask is not None:
        attn_mask = F.pad(attn_mask, (0, 1))
    if key_padding_mask is not None:
        key_padding_mask = F.pad(key_padding_mask, (0, 1))
    return attn_mask, key_padding_mask
