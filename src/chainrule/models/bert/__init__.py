"""BERT in chainrule: config, model pieces (one file each), Hugging Face checkpoints in and out."""

from .config import BertConfig
from .modeling import BertForMaskedLM, BertForSequenceClassification, BertModel, BertPreTrainedModel

__all__ = ["BertConfig", "BertForMaskedLM", "BertForSequenceClassification", "BertModel", "BertPreTrainedModel"]
