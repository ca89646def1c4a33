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
from __future__ import annotations

import math
import numbers
import sys
import time
import warnings

import numpy as np

from .. import random as cr_random
from ..diagnostics import gradient_norms
from ..serialization import load, save

__all__ = [
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "ModelCheckpoint",
    "resume",
    "LearningRateScheduler",
    "GradientMonitor",
    "ProgressBar",
]


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
    """Calls each hook on every callback, in the order they were given."""

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


# ---------------------------------------------------------------------------- monitoring helpers
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
    value = (logs or {}).get(monitor)
    if value is None:
        warnings.warn(
            f"{who}: conditioned on metric {monitor!r}, which is not available; available metrics are: "
            f"{', '.join(logs or {})}",
            RuntimeWarning,
            stacklevel=3,
        )
    return value


def _copy_state(state) -> dict:
    # state_dict() may hand out views of the live parameters; a snapshot must not move with them.
    return {name: np.array(value, copy=True) for name, value in state.items()}


# ---------------------------------------------------------------------------- EarlyStopping
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

    Attributes after training: ``stopped_epoch`` (0 if training was not stopped), ``best``,
    ``best_epoch``, ``best_weights``.
    """

    def __init__(self, monitor: str = "val_loss", min_delta: float = 0, patience: int = 0, verbose: int = 0,
                 mode: str = "auto", baseline=None, restore_best_weights: bool = False,
                 start_from_epoch: int = 0):
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
                print(f"Restoring model weights from the end of the best epoch: {self.best_epoch + 1}.",
                      file=sys.stderr)
            self.trainer.model.load_state_dict(self.best_weights)


# ---------------------------------------------------------------------------- checkpoints
class ModelCheckpoint(Callback):
    """Save everything needed to resume training at the end of each epoch (or of each best one).

    The checkpoint, written with :func:`chainrule.save` (safetensors, atomic), holds
    ``{'model': model.state_dict(), 'optimizer': optimizer.state_dict(), 'epoch': epoch,
    'scheduler': scheduler.state_dict() or None, 'rng': <chainrule's default generator state>,
    'logs': the epoch's logs}``. The generator state matters for an exact resume: the
    DataLoader's shuffling (and dropout, and augmentation) draw from chainrule's default
    generator, so the next epoch's batch order is fixed by that state, not by the seed alone.
    Objects that were given a private ``generator=`` are not covered; save those yourself.

    Args:
        path: the file to write. It may contain ``str.format`` fields filled with ``epoch``
            (1-based, as in Keras file names) and the epoch's logs, e.g.
            ``'ckpt-{epoch:02d}-{val_loss:.3f}.safetensors'``.
        monitor, mode: the quantity that decides what "best" is (see :class:`EarlyStopping`).
        save_best_only: only write when ``monitor`` improved on the best value so far.
        initial_value_threshold: a value the monitored quantity must beat before the first save
            (with ``save_best_only``), e.g. the best value of the run being resumed.
    """

    def __init__(self, path, monitor: str = "val_loss", save_best_only: bool = False, mode: str = "auto",
                 verbose: int = 0, initial_value_threshold=None):
        self.path = path
        self.monitor = monitor
        self.save_best_only = save_best_only
        self.verbose = verbose
        self.monitor_op = _monitor_op(monitor, mode, "ModelCheckpoint") if save_best_only else None
        if initial_value_threshold is not None:
            self.best = float(initial_value_threshold)
        elif self.monitor_op is np.greater:
            self.best = -math.inf
        else:
            self.best = math.inf
        self.last_saved = None

    def _filepath(self, epoch: int, logs) -> str:
        path = str(self.path)
        if "{" not in path:
            return path
        return path.format(epoch=epoch + 1, **(logs or {}))

    def on_epoch_end(self, epoch, logs=None):
        if self.save_best_only:
            current = _monitored_value(logs, self.monitor, "ModelCheckpoint")
            if current is None or not self.monitor_op(current, self.best):
                return
            self.best = current
        path = self._filepath(epoch, logs)
        trainer = self.trainer
        scheduler = trainer.scheduler
        save({
            "model": trainer.model.state_dict(),
            "optimizer": trainer.optimizer.state_dict(),
            "scheduler": scheduler.state_dict() if scheduler is not None else None,
            "epoch": epoch,
            "rng": cr_random.default_generator().bit_generator.state,
            "logs": {key: float(value) for key, value in (logs or {}).items()},
        }, path)
        self.last_saved = path
        if self.verbose > 0:
            print(f"Epoch {epoch + 1}: saved checkpoint to {path}", file=sys.stderr)


def resume(path, model, optimizer, scheduler=None) -> int:
    """Restore a :class:`ModelCheckpoint` file into ``model``, ``optimizer`` (and ``scheduler``)
    and chainrule's default generator; return the epoch to continue from.

    Pass the result as ``fit(..., initial_epoch=resume(...))``: with the same data, model code
    and hyperparameters, the resumed run then repeats exactly (bit for bit) the losses the
    uninterrupted run would have produced.
    """
    checkpoint = load(path)
    required = ("model", "optimizer", "epoch", "rng")
    if (not isinstance(checkpoint, dict) or any(key not in checkpoint for key in required)
            or not isinstance(checkpoint["rng"], dict)):
        found = sorted(checkpoint) if isinstance(checkpoint, dict) else type(checkpoint).__name__
        raise ValueError(
            f"resume: {str(path)!r} is not a ModelCheckpoint file: expected the entries {list(required)}, "
            f"found {found}"
        )
    if scheduler is not None and checkpoint.get("scheduler") is None:
        raise ValueError(f"resume: a scheduler was given but {str(path)!r} holds no scheduler state")
    model.load_state_dict(checkpoint["model"])
    optimizer.load_state_dict(checkpoint["optimizer"])
    if scheduler is not None:
        scheduler.load_state_dict(checkpoint["scheduler"])
    generator = cr_random.default_generator()
    saved_kind = checkpoint["rng"].get("bit_generator")
    current_kind = generator.bit_generator.state["bit_generator"]
    if saved_kind != current_kind:
        raise ValueError(
            f"resume: {str(path)!r} holds a {saved_kind} generator state but chainrule's default generator "
            f"is a {current_kind}"
        )
    # Set in place, so every object already holding the default generator continues the stream.
    generator.bit_generator.state = checkpoint["rng"]
    return int(checkpoint["epoch"]) + 1


# ---------------------------------------------------------------------------- learning rate
class LearningRateScheduler(Callback):
    """Set the learning rate at the start of every epoch to ``schedule(epoch, lr)`` (Keras).

    ``lr`` is the current rate of the first parameter group; the new rate is written into every
    group. For PyTorch's schedulers pass ``scheduler=`` to ``fit`` instead.
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
            raise ValueError(
                f"LearningRateScheduler: schedule({epoch}, lr) must return a finite number, got {lr!r}"
            )
        for group in groups:
            group["lr"] = float(lr)
        if self.verbose > 0:
            print(f"Epoch {epoch + 1}: LearningRateScheduler setting learning rate to {float(lr)}.",
                  file=sys.stderr)


# ---------------------------------------------------------------------------- gradients
class GradientMonitor(Callback):
    """Record every parameter's gradient L2 norm after each backward pass (every ``every`` steps).

    Vanishing gradients show up as norms that shrink layer by layer towards the input; exploding
    ones as norms that grow step by step. ``history`` maps each parameter name to one float per
    recorded step (NaN when the parameter got no gradient that step); ``steps`` holds the global
    step numbers (0-based) of the recorded entries. Norms are of the raw gradients, before any
    clipping.
    """

    def __init__(self, model=None, every: int = 1):
        if not isinstance(every, numbers.Integral) or every < 1:
            raise ValueError(f"GradientMonitor: every must be a positive integer, got {every!r}")
        self.model = model
        self.every = int(every)
        self.history: dict[str, list[float]] = {}
        self.steps: list[int] = []
        self._step = 0

    def on_after_backward(self, model):
        step = self._step
        self._step += 1
        if step % self.every:
            return
        watched = self.model if self.model is not None else model
        norms = gradient_norms(watched)
        for name, _ in watched.named_parameters():
            self.history.setdefault(name, []).append(norms.get(name, math.nan))
        self.steps.append(step)


# ---------------------------------------------------------------------------- progress
def _format_logs(logs, skip=("size", "lr")) -> str:
    return "  ".join(f"{key} {value:.4f}" for key, value in logs.items() if key not in skip)


def _format_seconds(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, seconds = divmod(int(seconds), 60)
    return f"{minutes}m{seconds:02d}s" if minutes < 60 else f"{minutes // 60}h{minutes % 60:02d}m"


class ProgressBar(Callback):
    """A one-line progress bar rewritten in place with ``\\r`` on an interactive terminal.

    verbose=1 on a TTY: ``Epoch 3/10  12/45 [=======>......] loss 0.1234  accuracy 0.9500  3.2s``,
    redrawn at most every ``refresh_interval`` seconds, then completed with the validation
    metrics at the end of the epoch. verbose=1 when the stream is not a TTY (a log file, CI,
    pytest's capture) or verbose=2: only that completed line, once per epoch — no ``\\r``
    frames filling a log. verbose=0: nothing. Written to ``stream`` (default: ``sys.stderr``,
    looked up when training starts, so redirection and capture work).
    """

    def __init__(self, verbose: int = 1, stream=None, width: int = 30, refresh_interval: float = 0.1):
        if verbose not in (0, 1, 2):
            raise ValueError(f"ProgressBar: verbose must be 0, 1 or 2, got {verbose!r}")
        self.verbose = verbose
        self.stream = stream
        self.width = width
        self.refresh_interval = refresh_interval

    def on_train_begin(self, logs=None):
        self._out = self.stream if self.stream is not None else sys.stderr
        isatty = getattr(self._out, "isatty", None)
        self._interactive = self.verbose == 1 and callable(isatty) and bool(isatty())

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()
        self._last_draw = -math.inf
        self._seen = 0
        self._sums: dict[str, float] = {}
        self._batches = 0
        self._line_length = 0

    def on_batch_end(self, batch, logs=None):
        logs = logs or {}
        size = logs.get("size", 1)
        self._seen += size
        self._batches = batch + 1
        for key, value in logs.items():
            if key != "size":
                self._sums[key] = self._sums.get(key, 0.0) + float(value) * size
        if not self._interactive:
            return
        now = time.perf_counter()
        total = self.trainer.steps_per_epoch
        if now - self._last_draw >= self.refresh_interval or self._batches == total:
            self._last_draw = now
            running = {key: total_value / self._seen for key, total_value in self._sums.items()}
            self._draw(self._head(self._batches) + "  " + _format_logs(running))

    def _head(self, done: int) -> str:
        trainer = self.trainer
        text = f"Epoch {trainer.epoch + 1}/{trainer.epochs}"
        total = trainer.steps_per_epoch
        if total:
            filled = min(self.width, self.width * done // total)
            arrow = ">" if filled < self.width else ""
            bar = "=" * filled + arrow + "." * (self.width - filled - len(arrow))
            text += f"  {done:>{len(str(total))}}/{total} [{bar}]"
        else:
            text += f"  {done}"
        return text

    def _draw(self, line: str) -> None:
        # Pad with spaces over whatever a longer previous frame left on the line.
        self._out.write("\r" + line + " " * max(0, self._line_length - len(line)))
        self._out.flush()
        self._line_length = len(line)

    def on_epoch_end(self, epoch, logs=None):
        if self.verbose == 0:
            return
        elapsed = _format_seconds(time.perf_counter() - self._start)
        line = f"{self._head(self._batches)}  {_format_logs(logs or {})}  {elapsed}"
        if self._interactive:
            self._draw(line)
            self._out.write("\n")
        else:
            self._out.write(line + "\n")
        self._out.flush()
