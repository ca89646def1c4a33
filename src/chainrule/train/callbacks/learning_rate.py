"""``LearningRateScheduler``: Keras's per-epoch ``schedule(epoch, lr)`` callback."""

from __future__ import annotations

import math
import numbers
import sys

from .base import Callback

__all__ = ["LearningRateScheduler"]


class LearningRateScheduler(Callback):
    """Set the learning rate at the start of every epoch to ``schedule(epoch, lr)`` (Keras).

    ``lr`` is the current rate of the first parameter group; the new rate is written into every
    group. For PyTorch's schedulers pass ``scheduler=`` to ``fit`` instead.

    Args:
        schedule: ``schedule(epoch, lr) -> new lr`` (epoch 0-based), returning a finite number.
        verbose: 1 prints the new rate to stderr every epoch.
    """

    def __init__(self, schedule, verbose: int = 0):
        if not callable(schedule):
            raise TypeError(f"LearningRateScheduler: schedule must be callable, got {type(schedule).__name__}")
        self.schedule = schedule
        self.verbose = verbose

    def on_epoch_begin(self, epoch, logs=None):
        groups = self.trainer.optimizer.param_groups
        lr = self.schedule(epoch, float(groups[0]["lr"]))
        if isinstance(lr, bool) or not isinstance(lr, numbers.Real) or not math.isfinite(lr):
            raise ValueError(f"LearningRateScheduler: schedule({epoch}, lr) must return a finite number, got {lr!r}")
        for group in groups:
            group["lr"] = float(lr)
        if self.verbose > 0:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {float(lr)}.", file=sys.stderr)
