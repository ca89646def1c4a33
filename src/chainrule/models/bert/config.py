"""BertConfig: the hyper-parameters of a BERT model, under Hugging Face's field names.

The field names and defaults are those of ``transformers.BertConfig`` (the defaults describe
``bert-base-uncased``), so a ``config.json`` from the Hugging Face hub reads into this class and
the ``config.json`` this class writes reads into transformers. Keys we do not use (``architectures``,
``model_type``, ``transformers_version``, ...) are kept in ``extra`` and written back unchanged.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field

__all__ = ["ACTIVATIONS", "BertConfig"]

# hidden_act names (Hugging Face's ACT2FN keys) -> what they compute. 'gelu' is the exact erf
# form of the original BERT; 'gelu_new' and 'gelu_pytorch_tanh' are both the tanh approximation.
ACTIVATIONS = ("gelu", "gelu_new", "gelu_pytorch_tanh", "relu", "silu", "swish", "tanh")

# Published sizes. bert-base/large: Devlin et al. 2018; bert-mini/tiny: Turc et al. 2019 ("Well-Read
# Students Learn Better", google/bert_uncased_L-4_H-256_A-4 and L-2_H-128_A-2), heads = hidden / 64.
_PRESETS = {
    "bert-base": dict(hidden_size=768, num_hidden_layers=12, num_attention_heads=12, intermediate_size=3072),
    "bert-large": dict(hidden_size=1024, num_hidden_layers=24, num_attention_heads=16, intermediate_size=4096),
    "bert-mini": dict(hidden_size=256, num_hidden_layers=4, num_attention_heads=4, intermediate_size=1024),
    "bert-tiny": dict(hidden_size=128, num_hidden_layers=2, num_attention_heads=2, intermediate_size=512),
}


@dataclass
class BertConfig:
    """The sizes and switches of a BERT encoder and its heads (Hugging Face's names and defaults).

    Args:
        vocab_size: rows of the word embedding (and columns of the MLM logits).
        hidden_size: the width of every token vector; must be a multiple of ``num_attention_heads``.
        num_hidden_layers: the number of Transformer layers.
        num_attention_heads: heads per self-attention; each has ``hidden_size // num_attention_heads`` dims.
        intermediate_size: the width of the feed-forward layer inside each Transformer layer.
        hidden_act: the feed-forward (and MLM transform) non-linearity, one of ``ACTIVATIONS``.
        hidden_dropout_prob: dropout after the embeddings and after each sub-layer.
        attention_probs_dropout_prob: dropout on the attention probabilities.
        max_position_embeddings: the longest sequence the learned position embedding covers.
        type_vocab_size: the number of segment (token type) ids.
        initializer_range: the standard deviation of the normal weight initialisation.
        layer_norm_eps: the LayerNorm epsilon (1e-12 in BERT, not PyTorch's 1e-5).
        pad_token_id: the padding token; its word-embedding row starts at zero.
        position_embedding_type: only 'absolute' (learned positions) is implemented.
        num_labels: the outputs of BertForSequenceClassification.
        problem_type: 'regression', 'single_label_classification', 'multi_label_classification' or
            None (inferred from ``num_labels`` and the labels' dtype, as Hugging Face does).
        classifier_dropout: the classifier's dropout; None means ``hidden_dropout_prob``.
        extra: the other keys of a ``config.json``, written back unchanged by :meth:`to_dict`.
    """

    vocab_size: int = 30522
    hidden_size: int = 768
    num_hidden_layers: int = 12
    num_attention_heads: int = 12
    intermediate_size: int = 3072
    hidden_act: str = "gelu"
    hidden_dropout_prob: float = 0.1
    attention_probs_dropout_prob: float = 0.1
    max_position_embeddings: int = 512
    type_vocab_size: int = 2
    initializer_range: float = 0.02
    layer_norm_eps: float = 1e-12
    pad_token_id: int = 0
    position_embedding_type: str = "absolute"
    num_labels: int = 2
    problem_type: str | None = None
    classifier_dropout: float | None = None
    extra: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        for name in ("vocab_size", "hidden_size", "num_hidden_layers", "num_attention_heads", "intermediate_size"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"BertConfig: {name} must be a positive int, got {value!r}")
        if self.hidden_size % self.num_attention_heads != 0:
            raise ValueError(
                f"BertConfig: hidden_size={self.hidden_size} is not a multiple of num_attention_heads="
                f"{self.num_attention_heads}; each head needs hidden_size // num_attention_heads dims"
            )
        if self.hidden_act not in ACTIVATIONS:
            raise ValueError(
                f"BertConfig: hidden_act={self.hidden_act!r} is not supported; expected one of {ACTIVATIONS}"
            )
        if self.position_embedding_type != "absolute":
            raise ValueError(
                f"BertConfig: position_embedding_type={self.position_embedding_type!r} is not supported; only "
                "'absolute' (learned position embeddings, as every released BERT uses) is implemented"
            )
        problem_types = (None, "regression", "single_label_classification", "multi_label_classification")
        if self.problem_type not in problem_types:
            raise ValueError(f"BertConfig: problem_type={self.problem_type!r}; expected one of {problem_types}")
        for name in ("max_position_embeddings", "type_vocab_size"):
            if getattr(self, name) <= 0:
                raise ValueError(f"BertConfig: {name} must be positive, got {getattr(self, name)!r}")

    @property
    def head_dim(self) -> int:
        return self.hidden_size // self.num_attention_heads

    @classmethod
    def preset(cls, name: str, **overrides) -> BertConfig:
        """A published size: 'bert-base', 'bert-large', 'bert-mini' or 'bert-tiny' (plus overrides,
        e.g. ``vocab_size=`` for a vocabulary trained from scratch)."""
        if name not in _PRESETS:
            raise ValueError(f"BertConfig.preset: unknown preset {name!r}; expected one of {sorted(_PRESETS)}")
        return cls(**{**_PRESETS[name], **overrides})

    def to_dict(self) -> dict:
        """The ``config.json`` mapping: our fields plus ``extra``, with ``model_type`` 'bert' and
        ``num_labels`` spelled as transformers stores it (``id2label``/``label2id``)."""
        out = dict(self.extra)
        for f in dataclasses.fields(self):
            if f.name not in ("extra", "num_labels"):
                out[f.name] = getattr(self, f.name)
        out["id2label"] = {str(i): f"LABEL_{i}" for i in range(self.num_labels)}
        out["label2id"] = {f"LABEL_{i}": i for i in range(self.num_labels)}
        out.setdefault("model_type", "bert")
        return out

    @classmethod
    def from_dict(cls, config: dict) -> BertConfig:
        """Read a ``config.json`` mapping; unknown keys go to ``extra``."""
        if not isinstance(config, dict):
            raise TypeError(f"BertConfig.from_dict: expected a dict, got {type(config).__name__}")
        model_type = config.get("model_type", "bert")
        if model_type != "bert":
            raise ValueError(f"BertConfig.from_dict: model_type is {model_type!r}, expected 'bert'")
        names = {f.name for f in dataclasses.fields(cls)} - {"extra"}
        kwargs = {key: value for key, value in config.items() if key in names}
        extra = {
            key: value for key, value in config.items() if key not in names and key not in ("id2label", "label2id")
        }
        if "num_labels" not in kwargs and isinstance(config.get("id2label"), dict):
            kwargs["num_labels"] = len(config["id2label"])
        return cls(**kwargs, extra=extra)

    @classmethod
    def from_json_file(cls, path) -> BertConfig:
        try:
            with open(path, encoding="utf-8") as f:
                config = json.load(f)
        except json.JSONDecodeError as exc:
            raise ValueError(f"BertConfig.from_json_file: {os.fspath(path)!r} is not valid JSON ({exc})") from None
        return cls.from_dict(config)

    def to_json_string(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    def save(self, path) -> None:
        """Write ``config.json`` (or any file name) as pretty-printed JSON."""
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_json_string())
