"""Callbacks: code that :func:`~chainrule.train.fit` runs at fixed points of training.

The loop itself stays a dozen plain PyTorch-style lines; everything optional — stopping early,
checkpointing, changing the learning rate, watching gradients, drawing a progress bar — hooks in
from outside, with Keras's hook names and semantics:

    on_train_begin(logs)            once, before the first epoch
    on_epoch_begin(epoch, logs)     epoch is 0-based
    on_batch_begin(batch, logs)     batch is 0-based within the epoch
    on_after_backward(model)        gradients are in p.grad, before clipping and optimizer.step()
    on_batch_end(batch, logs)       logs: this batch's 'loss', metrics and 'size'
    on_epoch_end(epoch, logs)       logs: the epoch's 'loss', metrics, 'val_*', 'lr'
    on_train_end(logs)              once, after the last epoch (also after an early stop)

Every callback sees the running :class:`~chainrule.train.loop.Trainer` as ``self.trainer``
(model, optimizer, scheduler, epochs, ...). Setting ``self.trainer.stop_training = True`` ends
training after the current batch (Keras's ``model.stop_training``).
"""

from .base import Callback, CallbackList
from .checkpoint import ModelCheckpoint, resume
from .early_stopping import EarlyStopping
from .gradient_monitor import GradientMonitor
from .learning_rate import LearningRateScheduler
from .progress import ProgressBar

__all__ = [
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "GradientMonitor",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ProgressBar",
    "resume",
]
