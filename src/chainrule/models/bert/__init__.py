"""BERT: tokenizer, model, masked-language-model pre-training and Hugging Face checkpoints."""

from .collator import DataCollatorForLanguageModeling
from .corpus import Corpus, load_corpus
from .tokenizer import BertTokenizer
from .wordpiece import train_wordpiece

__all__ = ["BertTokenizer", "Corpus", "DataCollatorForLanguageModeling", "load_corpus", "train_wordpiece"]
