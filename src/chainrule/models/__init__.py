"""Models built from chainrule's layers: one package per model family."""

from .lenet import LeNet

__all__ = ["LeNet"]
