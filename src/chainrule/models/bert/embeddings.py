"""BertEmbeddings: the vector of token t at position i in segment s is

    LayerNorm(word[t] + position[i] + token_type[s]),  then dropout,

all three tables learned (Devlin et al. 2018, section 3, figure 2).
"""

from __future__ import annotations

import numpy as np

from ... import nn
from ...tensor import Tensor
from .config import BertConfig

__all__ = ["BertEmbeddings", "as_index_array"]


def as_index_array(where: str, name: str, value) -> np.ndarray:
    """``value`` (a Tensor, array or nested list of ints) as an integer NumPy array, or a clear error."""
    array = value._data if isinstance(value, Tensor) else np.asarray(value)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{where}: {name} must hold integers, got dtype {array.dtype}")
    return array


class BertEmbeddings(nn.Module):
    """Word + position + token-type embeddings, LayerNorm and dropout (Hugging Face's names).

    Args:
        config: the model's BertConfig.
    """

    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = config
        self.word_embeddings = nn.Embedding(config.vocab_size, config.hidden_size, padding_idx=config.pad_token_id)
        self.position_embeddings = nn.Embedding(config.max_position_embeddings, config.hidden_size)
        self.token_type_embeddings = nn.Embedding(config.type_vocab_size, config.hidden_size)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.dropout = nn.Dropout(config.hidden_dropout_prob)

    def _checked(self, name: str, ids, size: int, table: str, shape) -> np.ndarray:
        ids = as_index_array("BertEmbeddings", name, ids)
        if tuple(ids.shape) != tuple(shape):
            raise ValueError(
                f"BertEmbeddings: {name} has shape {tuple(ids.shape)}, expected {tuple(shape)} (the shape of input_ids)"
            )
        if ids.size and (ids.min() < 0 or ids.max() >= size):
            bad = ids[(ids < 0) | (ids >= size)]
            # IndexError, as torch's embedding lookup raises for the same mistake.
            raise IndexError(
                f"BertEmbeddings: {name} holds {bad.size} id(s) outside [0, {size}) (e.g. {int(bad[0])}); "
                f"{table} has {size} rows"
            )
        return ids

    def forward(self, input_ids, token_type_ids=None, position_ids=None):
        config = self.config
        ids = as_index_array("BertEmbeddings", "input_ids", input_ids)
        if ids.ndim != 2:
            raise ValueError(
                f"BertEmbeddings: input_ids must be 2-D (batch, sequence), got shape {tuple(ids.shape)}; "
                "wrap a single sequence in a list"
            )
        batch, seq = ids.shape
        if position_ids is None and seq > config.max_position_embeddings:
            raise ValueError(
                f"BertEmbeddings: sequence length {seq} is longer than max_position_embeddings="
                f"{config.max_position_embeddings}; truncate the input (e.g. tokenizer truncation=True, max_length="
                f"{config.max_position_embeddings})"
            )
        ids = self._checked("input_ids", ids, config.vocab_size, "word_embeddings (vocab_size)", (batch, seq))
        if position_ids is None:
            position_ids = np.arange(seq)[None, :]  # (1, S), broadcast over the batch
        else:
            position_ids = np.broadcast_to(
                as_index_array("BertEmbeddings", "position_ids", position_ids), (batch, seq)
            ).copy()
            position_ids = self._checked(
                "position_ids", position_ids, config.max_position_embeddings, "position_embeddings", (batch, seq)
            )
        if token_type_ids is None:
            token_type_ids = np.zeros((1, seq), dtype=np.int64)  # (1, S): segment A everywhere
        else:
            token_type_ids = self._checked(
                "token_type_ids",
                token_type_ids,
                config.type_vocab_size,
                "token_type_embeddings (type_vocab_size)",
                (batch, seq),
            )
        embeddings = (
            self.word_embeddings(ids)
            + self.position_embeddings(position_ids)
            + self.token_type_embeddings(token_type_ids)
        )
        return self.dropout(self.LayerNorm(embeddings))
