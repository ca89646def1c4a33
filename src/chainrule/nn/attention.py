"""Multi-head attention with PyTorch's constructor, forward signature, masks and state_dict.

``MultiheadAttention`` holds the parameters, under torch's names (``in_proj_weight``,
``in_proj_bias``, ``out_proj.weight``, ...), so a ``torch.nn.MultiheadAttention`` state_dict
loads unchanged; ``F.multi_head_attention_forward`` does the computation, as in torch: project
query, key and value, split the embedding into ``num_heads`` heads, attend with the fused
``F.scaled_dot_product_attention`` node (or, when the attention weights are asked for, with the
explicit softmax the weights are read from, as PyTorch does), and project back.
"""

from __future__ import annotations

import numpy as np

from .. import functional as F
from . import init
from .layers import Linear, _parameter_dtype
from .module import Module, Parameter

__all__ = ["MultiheadAttention"]


class NonDynamicallyQuantizableLinear(Linear):
    """``MultiheadAttention.out_proj``: a plain Linear under the class name PyTorch gives it, so
    that the module's repr and the type of its child read as in torch (torch uses the name to keep
    its dynamic quantisation away from the output projection)."""


def _transposed(query, key, value):
    """Swap the first two axes of each, keeping an input passed twice one tensor, so that the
    functional form still sees self-attention (and projects it with one GEMM)."""
    query_t = query.transpose(0, 1)
    key_t = query_t if key is query else key.transpose(0, 1)
    value_t = key_t if value is key else (query_t if value is query else value.transpose(0, 1))
    return query_t, key_t, value_t


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
        """Attend from ``query`` to ``key``/``value`` (``F.multi_head_attention_forward``).

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
        batched = query.ndim == 3
        if self.batch_first and batched:  # (N, L, E) -> (L, N, E), keeping query is key is value
            query, key, value = _transposed(query, key, value)
        separate = {}
        if not self._qkv_same_embed_dim:
            separate = dict(
                use_separate_proj_weight=True,
                q_proj_weight=self.q_proj_weight,
                k_proj_weight=self.k_proj_weight,
                v_proj_weight=self.v_proj_weight,
            )
        out, weights = F.multi_head_attention_forward(
            query,
            key,
            value,
            self.embed_dim,
            self.num_heads,
            self.in_proj_weight,
            self.in_proj_bias,
            self.bias_k,
            self.bias_v,
            self.add_zero_attn,
            self.dropout,
            self.out_proj.weight,
            self.out_proj.bias,
            training=self.training,
            key_padding_mask=key_padding_mask,
            need_weights=need_weights,
            attn_mask=attn_mask,
            average_attn_weights=average_attn_weights,
            is_causal=is_causal,
            **separate,
        )
        if self.batch_first and batched:
            out = out.transpose(0, 1)  # (L, N, E) -> (N, L, E)
        return out, weights

    def extra_repr(self) -> str:
        return ""
