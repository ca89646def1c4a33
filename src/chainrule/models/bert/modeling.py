"""BertModel and its heads: BertForMaskedLM and BertForSequenceClassification.

The modules nest and are named exactly as Hugging Face's ``modeling_bert.py``, so that every
``state_dict`` key (``bert.encoder.layer.0.attention.self.query.weight``, ``cls.predictions.bias``)
is the key of the checkpoints people have, and loading one is a rename-free copy.

    BertModel: embeddings -> encoder (num_hidden_layers x BertLayer) -> pooler (tanh(dense(h[CLS])))
    BertForMaskedLM: bert -> cls.predictions: transform (dense, act, LayerNorm) -> decoder tied to
        the word embeddings, plus a separate per-token bias
    BertForSequenceClassification: bert -> dropout(pooled) -> classifier
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, fields

import numpy as np

from ... import functional as F
from ... import nn
from ...autograd import no_grad
from ...tensor import Tensor
from . import checkpoint
from .attention import extended_attention_mask
from .config import BertConfig
from .embeddings import BertEmbeddings
from .layer import BertEncoder, activation

__all__ = [
    "BaseModelOutputWithPooling",
    "BertForMaskedLM",
    "BertForSequenceClassification",
    "BertLMPredictionHead",
    "BertModel",
    "BertOnlyMLMHead",
    "BertPooler",
    "BertPreTrainedModel",
    "BertPredictionHeadTransform",
    "MaskedLMOutput",
    "ModelOutput",
    "SequenceClassifierOutput",
]


class ModelOutput(OrderedDict):
    """A model's named results, readable as attributes (``out.logits``), by key (``out['logits']``)
    or by position like a tuple of the fields that are not None (``out[0]``), as Hugging Face's
    ``ModelOutput``: code written against transformers' outputs works unchanged."""

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None:
                super().__setitem__(f.name, value)

    def __getitem__(self, key):
        if isinstance(key, str):
            return super().__getitem__(key)
        return self.to_tuple()[key]

    def to_tuple(self) -> tuple:
        return tuple(self[name] for name in self.keys())


@dataclass(eq=False)
class BaseModelOutputWithPooling(ModelOutput):
    """BertModel's output: ``last_hidden_state`` (B, S, H); ``pooler_output`` (B, H) (None without
    a pooler); ``hidden_states`` (the embeddings and every layer's output) and ``attentions``
    (every layer's (B, heads, S, S) probabilities) when requested."""

    last_hidden_state: Tensor | None = None
    pooler_output: Tensor | None = None
    hidden_states: tuple | None = None
    attentions: tuple | None = None


@dataclass(eq=False)
class MaskedLMOutput(ModelOutput):
    """BertForMaskedLM's output: ``loss`` (with labels), ``logits`` (B, S, vocab), and on request
    ``hidden_states`` and ``attentions``."""

    loss: Tensor | None = None
    logits: Tensor | None = None
    hidden_states: tuple | None = None
    attentions: tuple | None = None


@dataclass(eq=False)
class SequenceClassifierOutput(ModelOutput):
    """BertForSequenceClassification's output: ``loss`` (with labels), ``logits`` (B, num_labels),
    and on request ``hidden_states`` and ``attentions``."""

    loss: Tensor | None = None
    logits: Tensor | None = None
    hidden_states: tuple | None = None
    attentions: tuple | None = None


class BertPreTrainedModel(nn.Module):
    """What every BERT model shares: Hugging Face's initialisation and checkpoint loading/saving."""

    base_model_prefix = "bert"
    # state_dict keys that are the same tensor as another key (tied), so a checkpoint need not hold them.
    tied_weights_keys: dict = {}

    def __init__(self, config: BertConfig):
        super().__init__()
        if not isinstance(config, BertConfig):
            raise TypeError(f"{type(self).__name__}: config must be a BertConfig, got {type(config).__name__}")
        self.config = config

    def init_weights(self, generator=None) -> None:
        """Hugging Face's ``_init_weights``: Linear and Embedding weights ~ N(0, initializer_range),
        biases 0 (the MLM output bias too), the padding row of embeddings 0, LayerNorm weight 1 and
        bias 0. A tied tensor is initialised once (by its first owner), so the word embedding's
        padding row stays zero although the decoder shares it."""
        std = self.config.initializer_range
        done = set()
        for module in self.modules():
            if isinstance(module, (nn.Linear, nn.Embedding)) and id(module.weight) not in done:
                done.add(id(module.weight))
                nn.init.normal_(module.weight, 0.0, std, generator=generator)
                if isinstance(module, nn.Embedding) and module.padding_idx is not None:
                    with no_grad():
                        module.weight[module.padding_idx].fill_(0)
            if isinstance(module, nn.LayerNorm):
                nn.init.ones_(module.weight)
            for name in ("bias",):
                bias = getattr(module, name, None)
                if isinstance(bias, nn.Parameter) and id(bias) not in done:
                    done.add(id(bias))
                    nn.init.zeros_(bias)

    @classmethod
    def from_pretrained(cls, directory, *, output_loading_info: bool = False, dtype=None):
        """Build the model from a Hugging Face folder (``config.json`` + ``model.safetensors``).

        See :func:`chainrule.models.bert.checkpoint.load_pretrained` for what is accepted and refused.

        Args:
            directory: the folder.
            output_loading_info: also return the dict of ``missing_keys`` (heads initialised
                afresh), ``unexpected_keys`` (tensors of heads this class does not build) and
                ``ignored_keys`` (buffers such as ``embeddings.position_ids``).
            dtype: the parameters' floating dtype (default float32).
        """
        model, info = checkpoint.load_pretrained(cls, directory, dtype=dtype)
        return (model, info) if output_loading_info else model

    def save_pretrained(self, directory) -> None:
        """Write ``config.json`` and ``model.safetensors`` that transformers loads."""
        checkpoint.save_pretrained(self, directory)

    def _dtype(self):
        return self.get_input_embeddings().weight.dtype

    def get_input_embeddings(self) -> nn.Embedding:
        return getattr(self, self.base_model_prefix, self).embeddings.word_embeddings


class BertPooler(nn.Module):
    """tanh(dense(h[:, 0])): the [CLS] token's vector, as pre-trained on next-sentence prediction."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)

    def forward(self, hidden_states):
        return F.tanh(self.dense(hidden_states[:, 0]))


class BertModel(BertPreTrainedModel):
    """The BERT encoder: embeddings, ``num_hidden_layers`` Transformer layers and (optionally) the pooler.

    Args:
        config: the BertConfig.
        add_pooling_layer: build the pooler (BertForMaskedLM does not, as Hugging Face).
        generator: seeds the initialisation (a chainrule addition).
    """

    def __init__(self, config: BertConfig, add_pooling_layer: bool = True, *, generator=None):
        super().__init__(config)
        self.embeddings = BertEmbeddings(config)
        self.encoder = BertEncoder(config)
        self.pooler = BertPooler(config) if add_pooling_layer else None
        self.init_weights(generator)

    def get_input_embeddings(self) -> nn.Embedding:
        return self.embeddings.word_embeddings

    def forward(
        self,
        input_ids,
        attention_mask=None,
        token_type_ids=None,
        position_ids=None,
        output_hidden_states: bool = False,
        output_attentions: bool = False,
        return_dict: bool = True,
    ):
        """Encode ``input_ids`` (B, S); ``attention_mask`` is 1 for tokens to attend, 0 for padding.

        Returns:
            BaseModelOutputWithPooling (or its tuple when ``return_dict=False``).
        """
        hidden_states = self.embeddings(input_ids, token_type_ids=token_type_ids, position_ids=position_ids)
        batch, seq = hidden_states.shape[:2]
        additive_mask = extended_attention_mask(attention_mask, batch, seq, hidden_states.dtype)
        last, all_hidden, all_attentions = self.encoder(
            hidden_states, additive_mask, output_hidden_states=output_hidden_states, output_attentions=output_attentions
        )
        pooled = self.pooler(last) if self.pooler is not None else None
        output = BaseModelOutputWithPooling(last, pooled, all_hidden, all_attentions)
        return output if return_dict else output.to_tuple()


class BertPredictionHeadTransform(nn.Module):
    """LayerNorm(act(dense(h))): the MLM head's transform before the vocabulary projection."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.dense = nn.Linear(config.hidden_size, config.hidden_size)
        self.transform_act_fn = activation(config.hidden_act)
        self.LayerNorm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)

    def forward(self, hidden_states):
        return self.LayerNorm(self.transform_act_fn(self.dense(hidden_states)))


class BertLMPredictionHead(nn.Module):
    """transform, then logits = h E^T + b with E the word embedding (tied by the owner) and a
    separate per-token bias ``bias`` (also reachable as ``decoder.bias``, as Hugging Face)."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.transform = BertPredictionHeadTransform(config)
        self.decoder = nn.Linear(config.hidden_size, config.vocab_size, bias=False)
        self.bias = nn.Parameter(np.zeros(config.vocab_size, dtype=self.decoder.weight.dtype))
        self.decoder.bias = self.bias

    def forward(self, hidden_states):
        return self.decoder(self.transform(hidden_states))


class BertOnlyMLMHead(nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.predictions = BertLMPredictionHead(config)

    def forward(self, sequence_output):
        return self.predictions(sequence_output)


def _labels_array(where: str, labels) -> np.ndarray:
    return labels._data if isinstance(labels, Tensor) else np.asarray(labels)


class BertForMaskedLM(BertPreTrainedModel):
    """BERT with the masked-language-model head (no pooler), decoder tied to the word embeddings.

    Args:
        config: the BertConfig.
        generator: seeds the initialisation (a chainrule addition).
    """

    tied_weights_keys = {
        "cls.predictions.decoder.weight": "bert.embeddings.word_embeddings.weight",
        "cls.predictions.decoder.bias": "cls.predictions.bias",
    }

    def __init__(self, config: BertConfig, *, generator=None):
        super().__init__(config)
        self.bert = BertModel(config, add_pooling_layer=False, generator=generator)
        self.cls = BertOnlyMLMHead(config)
        predictions = self.cls.predictions
        # Tie the decoder (weight, then bias: the order of Hugging Face's state_dict).
        predictions.decoder.weight = self.bert.embeddings.word_embeddings.weight
        predictions.decoder.bias = predictions.bias
        self.init_weights(generator)

    def forward(
        self,
        input_ids,
        attention_mask=None,
        token_type_ids=None,
        position_ids=None,
        labels=None,
        output_hidden_states: bool = False,
        output_attentions: bool = False,
        return_dict: bool = True,
    ):
        """Logits (B, S, vocab) for every position; with ``labels`` (B, S) the mean cross-entropy
        over the positions whose label is not -100 (the masked ones).

        Returns:
            MaskedLMOutput (or its tuple when ``return_dict=False``).
        """
        outputs = self.bert(
            input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            position_ids=position_ids,
            output_hidden_states=output_hidden_states,
            output_attentions=output_attentions,
        )
        logits = self.cls(outputs.last_hidden_state)  # (B, S, V)
        loss = None
        if labels is not None:
            labels = _labels_array("BertForMaskedLM", labels)
            if tuple(labels.shape) != tuple(logits.shape[:2]):
                raise ValueError(
                    f"BertForMaskedLM: labels have shape {tuple(labels.shape)}, expected {tuple(logits.shape[:2])} "
                    "(one token id per input position, -100 where no loss is taken)"
                )
            vocab = self.config.vocab_size
            # (B, S, V) -> (B*S, V) against (B*S,)
            loss = F.cross_entropy(logits.reshape(-1, vocab), Tensor(labels.reshape(-1).astype(np.int64)))
        output = MaskedLMOutput(loss, logits, outputs.hidden_states, outputs.attentions)
        return output if return_dict else output.to_tuple()


class BertForSequenceClassification(BertPreTrainedModel):
    """BERT, dropout on the pooled [CLS] vector, and a linear classifier to ``config.num_labels``.

    The loss follows ``config.problem_type`` as Hugging Face: regression (MSE) when
    ``num_labels == 1``, single-label cross-entropy for integer labels, multi-label
    BCE-with-logits for float labels of shape (B, num_labels).

    Args:
        config: the BertConfig.
        generator: seeds the initialisation and the dropout masks (a chainrule addition).
    """

    def __init__(self, config: BertConfig, *, generator=None):
        super().__init__(config)
        self.num_labels = config.num_labels
        self.bert = BertModel(config, generator=generator)
        dropout = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
        self.dropout = nn.Dropout(dropout)
        self.classifier = nn.Linear(config.hidden_size, config.num_labels)
        self.init_weights(generator)

    def _problem_type(self, labels: np.ndarray) -> str:
        if self.config.problem_type is not None:
            return self.config.problem_type
        if self.num_labels == 1:
            return "regression"
        if labels.dtype.kind in "iu":
            return "single_label_classification"
        return "multi_label_classification"

    def forward(
        self,
        input_ids,
        attention_mask=None,
        token_type_ids=None,
        position_ids=None,
        labels=None,
        output_hidden_states: bool = False,
        output_attentions: bool = False,
        return_dict: bool = True,
    ):
        """Logits (B, num_labels); with ``labels`` the loss of ``config.problem_type``.

        Returns:
            SequenceClassifierOutput (or its tuple when ``return_dict=False``).
        """
        outputs = self.bert(
            input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            position_ids=position_ids,
            output_hidden_states=output_hidden_states,
            output_attentions=output_attentions,
        )
        logits = self.classifier(self.dropout(outputs.pooler_output))  # (B, num_labels)
        loss = None
        if labels is not None:
            labels = _labels_array("BertForSequenceClassification", labels)
            problem = self._problem_type(labels)
            if problem == "regression":
                target = Tensor(labels.astype(logits.dtype))
                if self.num_labels == 1:
                    loss = F.mse_loss(logits.squeeze(), target.squeeze())
                else:
                    loss = F.mse_loss(logits, target)
            elif problem == "single_label_classification":
                # (B, num_labels) -> (B, num_labels) rows against (B,) class ids
                loss = F.cross_entropy(logits.reshape(-1, self.num_labels), Tensor(labels.reshape(-1).astype(np.int64)))
            else:
                loss = F.binary_cross_entropy_with_logits(logits, Tensor(labels.astype(logits.dtype)))
        output = SequenceClassifierOutput(loss, logits, outputs.hidden_states, outputs.attentions)
        return output if return_dict else output.to_tuple()
