"""BERT self-attention: every token's query scores every key, the scores (plus an additive mask
that is 0 where a key may be attended and a huge negative number where not) go through a softmax,
and the probabilities average the values:

    softmax(Q K^T / sqrt(d_head) + mask) V,   per head, then the heads are concatenated,

followed by BertSelfOutput: LayerNorm(x + dropout(dense(attention))) (post-LayerNorm, as BERT).
"""

from __future__ import annotations

import numpy as np

from ... import functional as F
from ... import nn
from ...tensor import Tensor
from .config import BertConfig

__all__ = ["BertAttention", "BertSelfAttention", "BertSelfOutput", "extended_attention_mask", "scaled_attention"]


def extended_attention_mask(attention_mask, batch: int, seq: int, dtype) -> np.ndarray | None:
    """Turn a 1-keep/0-mask ``attention_mask`` into the additive mask the scores receive, as
    Hugging Face's ``get_extended_attention_mask`` builds it: ``(1 - mask) * finfo(dtype).min``.

    Accepted shapes: (B, S) one flag per key (padding); (B, S, S) one per query-key pair; and the
    already-broadcastable (B, 1, 1, S), (B, 1, S, S) or (B, heads, S, S). B may be 1 (shared by the batch).

    Returns:
        None when ``attention_mask`` is None (attend everywhere), else a (B, 1|heads, 1|S, S) array.
    """
    if attention_mask is None:
        return None
    mask = attention_mask._data if isinstance(attention_mask, Tensor) else np.asarray(attention_mask)
    if mask.dtype.kind not in "biuf":
        raise TypeError(f"BertModel: attention_mask must be bool or numeric, got dtype {mask.dtype}")
    shape = tuple(mask.shape)
    fits = len(shape) >= 2 and shape[0] in (1, batch) and shape[-1] == seq
    if fits and len(shape) == 2:
        mask = mask[:, None, None, :]  # (B, S) -> (B, 1, 1, S): the same keys for every head and query
    elif fits and len(shape) == 3 and shape[1] == seq:
        mask = mask[:, None, :, :]  # (B, S, S) -> (B, 1, S, S): the same pattern for every head
    elif not (fits and len(shape) == 4 and shape[2] in (1, seq)):
        raise ValueError(
            f"BertModel: attention_mask of shape {shape} does not fit input_ids of shape ({batch}, {seq}); expected "
            f"({batch}, {seq}), ({batch}, {seq}, {seq}), ({batch}, 1, 1, {seq}) or ({batch}, 1, {seq}, {seq}) "
            "(1 = attend, 0 = masked)"
        )
    keep = mask.astype(dtype)
    return (1.0 - keep) * np.finfo(dtype).min


def scaled_attention(query, key, value, additive_mask, dropout: nn.Module, output_attentions: bool = False):
    """softmax(Q K^T / sqrt(d) + mask) V for (B, heads, S, d) query/key/value.

    The one place attention is computed. Unless the probabilities are asked for, it is the fused
    ``F.scaled_dot_product_attention`` (one node, hand-derived backward); with
    ``output_attentions`` it is spelled out so that the probabilities exist to be returned (as
    transformers switches from SDPA to its eager path).

    Returns:
        (context (B, heads, S, d), probabilities (B, heads, S, S) or None).
    """
    if not output_attentions:
        mask = None if additive_mask is None else Tensor(additive_mask.astype(query.dtype, copy=False))
        dropout_p = dropout.p if dropout.training else 0.0
        return F.scaled_dot_product_attention(query, key, value, attn_mask=mask, dropout_p=dropout_p), None
    scale = 1.0 / float(np.sqrt(query.shape[-1]))
    scores = F.matmul(query, key.transpose(-1, -2)) * scale  # (B, nh, S, S)
    if additive_mask is not None:
        scores = scores + Tensor(additive_mask.astype(scores.dtype, copy=False))
    probs = F.softmax(scores, dim=-1)
    return F.matmul(dropout(probs), value), probs


class BertSelfAttention(nn.Module):
    """Multi-head scaled dot-product self-attention with separate query/key/value projections
    (Hugging Face's ``attention.self.{query,key,value}`` parameter names)."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.num_attention_heads = config.num_attention_heads
        self.attention_head_size = config.head_dim
        self.all_head_size = config.hidden_size
        self.query = nn.Linear(config.hidden_size, config.hidden_size)
        self.key = nn.Linear(config.hidden_size, config.hidden_size)
        self.value = nn.Linear(config.hidden_size, config.hidden_size)
        self.dropout = nn.Dropout(config.attention_probs_dropout_prob)

    def _split_heads(self, x):
        batch, seq, _ = x.shape
        # (B, S, H) -> (B, S, nh, hd) -> (B, nh, S, hd)
        return x.reshape(batch, seq, self.num_attention_heads, self.attention_head_size).permute(0, 2, 1, 3)

    def forward(self, hidden_states, additive_mask=None, output_attentions=False):
        """Returns (context (B, S, H), attention probabilities (B, nh, S, S) or None)."""
        batch, seq, _ = hidden_states.shape
        query = self._split_heads(self.query(hidden_states))  # (B, nh, S, hd)
        key = self._split_heads(self.key(hidden_states))  # (B, nh, S, hd)
        value = self._split_heads(self.value(hidden_states))  # (B, nh, S, hd)
        context, probs = scaled_attention(query, key, value, additive_mask, self.dropout, output_attentions)
        # (B, nh, S, hd) -> (B, S, nh, hd) -> (B, S, H)
        context = context.permute(0, 2, 1, 3).reshape(batch, seq, self.all_head_size)
        return context, probs


class BertSelfOutput(nn.Module):
    """LayerNorm(input + dropout(dense(attention context))): the residual and post-LayerNorm."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states, input_tensor):
        return self.LayerNorm(self.dropout(self.dense(hidden_states)) + input_tensor)


class BertAttention(nn.Module):
    """Self-attention followed by its output projection, residual and LayerNorm."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.self = BertSelfAttention(config)
        self.output = BertSelfOutput(config)

    def forward(self, hidden_states, additive_mask=None, output_attentions=False):
        """Returns (output (B, S, H), attention probabilities (B, nh, S, S) or None)."""
        context, probs = self.self(hidden_states, additive_mask, output_attentions)
        return self.output(context, hidden_states), probs
