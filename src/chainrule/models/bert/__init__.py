"""BERT: tokenizer, config, model pieces (one file each), masked-LM pre-training, Hugging Face checkpoints."""

from .collator import DataCollatorForLanguageModeling, DataCollatorForWholeWordMask
from .config import BertConfig
from .corpus import Corpus, load_corpus
from .modeling import BertForMaskedLM, BertForSequenceClassification, BertModel, BertPreTrainedModel
from .pretrain import PretrainConfig, fill_mask, pretrain
from .tokenizer import BertTokenizer
from .wordpiece import train_wordpiece

__all__ = [
    "BertConfig",
    "BertForMaskedLM",
    "BertForSequenceClassification",
    "BertModel",
    "BertPreTrainedModel",
    "BertTokenizer",
    "Corpus",
    "DataCollatorForLanguageModeling",
    "DataCollatorForWholeWordMask",
    "PretrainConfig",
    "fill_mask",
    "load_corpus",
    "pretrain",
    "train_wordpiece",
]
