"""The callback protocol: ``Callback`` (every hook a no-op), ``CallbackList`` (calls a hook on
every callback in order), and the helpers of callbacks that watch one logged metric."""

from __future__ import annotations

import warnings

import numpy as np

__all__ = ["Callback", "CallbackList"]


class Callback:
    """Base class: every hook does nothing, so a subclass overrides only what it needs."""

    trainer = None

    def set_trainer(self, trainer) -> None:
        self.trainer = trainer

    def on_train_begin(self, logs=None):
        pass

    def on_train_end(self, logs=None):
        pass

    def on_epoch_begin(self, epoch, logs=None):
        pass

    def on_epoch_end(self, epoch, logs=None):
        pass

    def on_batch_begin(self, batch, logs=None):
        pass

    def on_batch_end(self, batch, logs=None):
        pass

    def on_after_backward(self, model):
        pass


class CallbackList:
    """Calls each hook on every callback, in the order they were given.

    Args:
        callbacks: an iterable of :class:`Callback` instances.
    """

    def __init__(self, callbacks):
        self.callbacks = list(callbacks)
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(
                    f"fit: callbacks must be chainrule.train.Callback instances, got {type(callback).__name__}"
                )

    def set_trainer(self, trainer) -> None:
        for callback in self.callbacks:
            callback.set_trainer(trainer)

    def __getattr__(self, hook):
        if not hook.startswith("on_"):
            raise AttributeError(hook)

        def dispatch(*args):
            for callback in self.callbacks:
                getattr(callback, hook)(*args)

        return dispatch


# ---------------------------------------------------------------------------- the monitored quantity
# Shared by the callbacks that watch one logged value (EarlyStopping, ModelCheckpoint).
_MAXIMIZED = ("acc", "auc", "f1", "precision", "recall", "fbeta", "iou", "r2")


def _monitor_op(monitor: str, mode: str, who: str):
    """Return ``np.less`` or ``np.greater``: the comparison under which a value is better."""
    if mode == "min":
        return np.less
    if mode == "max":
        return np.greater
    if mode != "auto":
        raise ValueError(f"{who}: mode must be 'auto', 'min' or 'max', got {mode!r}")
    # Keras infers the direction from the metric; here from its name.
    name = monitor.removeprefix("val_").lower()
    if name == "loss" or name.endswith("loss") or name.endswith("error"):
        return np.less
    if any(token in name for token in _MAXIMIZED):
        return np.greater
    raise ValueError(
        f"{who}: cannot tell whether monitor={monitor!r} should be minimized or maximized; "
        "pass mode='min' or mode='max'"
    )


def _monitored_value(logs, monitor: str, who: str):
    """``logs[monitor]``, or None with a RuntimeWarning naming the available keys (Keras's rule)."""
    value = (logs or {}).get(monitor)
    if value is None:
        warnings.warn(
            f"{who}: conditioned on metric {monitor!r}, which is not available; available metrics are: "
            f"{', '.join(logs or {})}",
            RuntimeWarning,
            stacklevel=3,
        )
    return value
