"""``chainrule.nn``: modules, layers, losses, initialisation and gradient utilities (PyTorch names).

    import chainrule.nn as nn
    model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
"""
from .. import functional  # noqa: F401 - so that chainrule.nn.functional works as torch.nn.functional
from . import functional, init, utils  # noqa: F401
from .activation import ELU, GELU, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Softplus, Tanh
from .layers import Dropout, Embedding, Flatten, Identity, Linear
from .loss import BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, FocalLoss, L1Loss, MSELoss, NLLLoss
from .module import Module, ModuleDict, ModuleList, Parameter, Sequential
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .regularization import l1_penalty, l2_penalty, param_groups_weight_decay

__all__ = [
    "Module", "Parameter", "Sequential", "ModuleList", "ModuleDict",
    "Linear", "Embedding", "Dropout", "Identity", "Flatten",
    "ReLU", "LeakyReLU", "ELU", "GELU", "Sigmoid", "Tanh", "Softmax", "LogSoftmax", "Softplus",
    "BatchNorm1d", "BatchNorm2d", "LayerNorm",
    "MSELoss", "L1Loss", "CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss", "BCELoss", "FocalLoss",
    "l1_penalty", "l2_penalty", "param_groups_weight_decay",
    "init", "utils", "functional",
]
