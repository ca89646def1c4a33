"""One BERT Transformer layer (post-LayerNorm, as in Vaswani et al. and BERT):

    x = LayerNorm(x + SelfAttention(x))
    x = LayerNorm(x + W2 act(W1 x))

and BertEncoder, the stack of ``num_hidden_layers`` of them.
"""

from __future__ import annotations

from ... import functional as F
from ... import nn
from .attention import BertAttention
from .config import BertConfig

__all__ = ["BertEncoder", "BertIntermediate", "BertLayer", "BertOutput", "activation"]


def activation(name: str):
    """The function Hugging Face's ``ACT2FN[name]`` computes."""
    if name == "gelu":
        return F.gelu  # exact: x * Phi(x) with the erf
    if name in ("gelu_new", "gelu_pytorch_tanh"):
        return lambda x: F.gelu(x, approximate="tanh")
    if name == "relu":
        return F.relu
    if name in ("silu", "swish"):
        return F.silu
    if name == "tanh":
        return F.tanh
    raise ValueError(f"BERT: hidden_act={name!r} is not supported")


class BertIntermediate(nn.Module):
    """The feed-forward layer's expansion: act(dense(x)), hidden_size -> intermediate_size."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.intermediate_size)
        self.intermediate_act_fn = activation(config.hidden_act)

    def forward(self, hidden_states):
        return self.intermediate_act_fn(self.dense(hidden_states))


class BertOutput(nn.Module):
    """The feed-forward layer's projection back, residual and LayerNorm."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.intermediate_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def forward(self, hidden_states, input_tensor):
        return self.LayerNorm(self.dropout(self.dense(hidden_states)) + input_tensor)


class BertLayer(nn.Module):
    """Self-attention block then feed-forward block, each with its residual and LayerNorm."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.attention = BertAttention(config)
        self.intermediate = BertIntermediate(config)
        self.output = BertOutput(config)

    def forward(self, hidden_states, additive_mask=None, output_attentions=False):
        """Returns (output (B, S, H), attention probabilities (B, nh, S, S) or None)."""
        attention_output, probs = self.attention(hidden_states, additive_mask, output_attentions)
        return self.output(self.intermediate(attention_output), attention_output), probs


class BertEncoder(nn.Module):
    """``num_hidden_layers`` BertLayers applied in turn."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.layer = nn.ModuleList([BertLayer(config) for _ in range(config.num_hidden_layers)])

    def forward(self, hidden_states, additive_mask=None, output_hidden_states=False, output_attentions=False):
        """Returns (last hidden state, tuple of every layer's input and the last output or None,
        tuple of every layer's attention probabilities or None)."""
        all_hidden_states = [hidden_states] if output_hidden_states else None
        all_attentions = [] if output_attentions else None
        for layer in self.layer:
            hidden_states, probs = layer(hidden_states, additive_mask, output_attentions)
            if output_hidden_states:
                all_hidden_states.append(hidden_states)
            if output_attentions:
                all_attentions.append(probs)
        return (
            hidden_states,
            None if all_hidden_states is None else tuple(all_hidden_states),
            None if all_attentions is None else tuple(all_attentions),
        )
