"""BERT: tokenizer, model, masked-language-model pre-training and Hugging Face checkpoints."""

from .tokenizer import BertTokenizer

__all__ = ["BertTokenizer"]
