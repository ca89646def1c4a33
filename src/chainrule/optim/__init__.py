"""chainrule.optim: optimizers and learning-rate schedulers with torch.optim's names and updates.

from chainrule.optim import SGD, Adam
from chainrule.optim.lr_scheduler import CosineAnnealingLR
"""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam, AdamW
from .lr_scheduler import get_linear_schedule_with_warmup
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = [
    "Adagrad",
    "Adam",
    "AdamW",
    "Optimizer",
    "RMSprop",
    "SGD",
    "get_linear_schedule_with_warmup",
    "lr_scheduler",
]
