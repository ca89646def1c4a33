"""BERT: tokenizer, config, model pieces (one file each), masked-LM pre-training, Hugging Face checkpoints."""

from .config import BertConfig
from .modeling import BertForMaskedLM, BertForSequenceClassification, BertModel, BertPreTrainedModel
from .tokenizer import BertTokenizer

__all__ = [
    "BertConfig",
    "BertForMaskedLM",
    "BertForSequenceClassification",
    "BertModel",
    "BertPreTrainedModel",
    "BertTokenizer",
]
