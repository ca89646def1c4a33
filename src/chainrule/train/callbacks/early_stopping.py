"""``EarlyStopping``: stop when a monitored metric stops improving, optionally restoring the best
epoch's weights (Keras semantics)."""

from __future__ import annotations

import math
import sys

import numpy as np

from .base import Callback, _monitor_op, _monitored_value

__all__ = ["EarlyStopping"]


def _copy_state(state) -> dict:
    # state_dict() may hand out views of the live parameters; a snapshot must not move with them.
    return {name: np.array(value, copy=True) for name, value in state.items()}


class EarlyStopping(Callback):
    """Stop training when a monitored quantity has stopped improving (Keras semantics).

    At the end of each epoch (from ``start_from_epoch`` on) the monitored value counts as an
    improvement if it beats the best so far by more than ``min_delta``. ``patience`` epochs in a
    row without improvement stop training. With ``baseline``, the patience counter is only reset
    by values that also beat the baseline, so training stops after ``patience`` epochs unless the
    model gets better than the baseline.

    With ``restore_best_weights=True`` the model's ``state_dict()`` is copied whenever the
    monitored value improves, and loaded back when training ends (whether it stopped early or
    ran all its epochs): the model is left at its best epoch, not its last.

    Args:
        monitor: the logged quantity to watch, e.g. 'val_loss' or 'val_accuracy'.
        min_delta: the smallest change that counts as an improvement.
        patience: epochs without improvement before training stops.
        verbose: 1 prints a line to stderr when stopping and when restoring weights.
        mode: 'min', 'max', or 'auto' (inferred from the monitor's name).
        baseline: a value the monitored quantity must beat to reset the patience counter.
        restore_best_weights: whether to load the best epoch's weights at the end of training.
        start_from_epoch: epochs of warm-up during which nothing is monitored.

    Attributes after training: ``stopped_epoch`` (0 if training was not stopped), ``best``,
    ``best_epoch``, ``best_weights``.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0,
        patience: int = 0,
        verbose: int = 0,
        mode: str = "auto",
        baseline=None,
        restore_best_weights: bool = False,
        start_from_epoch: int = 0,
    ):
        self.monitor = monitor
        self.min_delta = abs(min_delta)
        self.patience = patience
        self.verbose = verbose
        self.mode = mode
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.monitor_op = _monitor_op(monitor, mode, "EarlyStopping")
        self._reset()

    def _reset(self) -> None:
        self.wait = 0
        self.stopped_epoch = 0
        self.best = math.inf if self.monitor_op is np.less else -math.inf
        self.best_epoch = 0
        self.best_weights = None

    def _is_improvement(self, value, reference) -> bool:
        # min mode: value + min_delta < reference; max mode: value - min_delta > reference.
        delta = -self.min_delta if self.monitor_op is np.less else self.min_delta
        return bool(self.monitor_op(value - delta, reference))

    def on_train_begin(self, logs=None):
        self._reset()  # a callback object may be reused across fit() calls

    def on_epoch_end(self, epoch, logs=None):
        current = _monitored_value(logs, self.monitor, "EarlyStopping")
        if current is None or epoch < self.start_from_epoch:
            return
        model = self.trainer.model
        if self.restore_best_weights and self.best_weights is None:
            # Nothing better seen yet: the current weights are the best so far.
            self.best_weights = _copy_state(model.state_dict())
            self.best_epoch = epoch
        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = _copy_state(model.state_dict())
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.trainer.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping", file=sys.stderr)
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(
                    f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.", file=sys.stderr
                )
            self.trainer.model.load_state_dict(self.best_weights)
