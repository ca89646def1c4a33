"""What the lab tests share: which experiments can run in this checkout, and small runs."""

from __future__ import annotations

import importlib.util

from chainrule import nn


def _has_bert() -> bool:
    try:
        return importlib.util.find_spec("chainrule.models.bert") is not None
    except ModuleNotFoundError:
        return False


# Experiments that need another team's layers; they are skipped (not failed) until those land.
REQUIRES = {
    "lstm-vs-rnn": ("nn.RNN and nn.LSTM", lambda: hasattr(nn, "RNN") and hasattr(nn, "LSTM")),
    "augmentation": ("nn.Conv2d and nn.MaxPool2d", lambda: hasattr(nn, "Conv2d") and hasattr(nn, "MaxPool2d")),
    "bert-architecture-facts": ("chainrule.models.bert", _has_bert),
    "bert-mlm": ("chainrule.models.bert", _has_bert),
}


def missing(experiment_id):
    """The missing dependency's name, or None when the experiment can run here."""
    need = REQUIRES.get(experiment_id)
    return None if need is None or need[1]() else need[0]
