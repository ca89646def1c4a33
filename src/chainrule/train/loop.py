"""``fit`` and ``evaluate``: the PyTorch training loop, written once, with Keras-style callbacks.

The loop is the one every PyTorch tutorial writes by hand::

    model.train()
    for x, y in train_loader:
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()

``fit`` adds only what every run needs — per-epoch averages of the loss and metrics, a
validation pass, a scheduler step — and leaves the rest to callbacks
(:mod:`chainrule.train.callbacks`), so reading ``_train_one_epoch`` still shows the loop above.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ..autograd import no_grad
from ..nn.utils import clip_grad_norm_
from ..optim.lr_scheduler import ReduceLROnPlateau
from ..tensor import Tensor
from .callbacks import Callback, CallbackList, ProgressBar

__all__ = ["History", "Trainer", "accuracy", "evaluate", "fit"]


def _as_array(value) -> np.ndarray:
    return value._data if isinstance(value, Tensor) else np.asarray(value)


def accuracy(outputs, targets) -> float:
    """Fraction of samples whose predicted class equals the target.

    Args:
        outputs: class scores (N, C, ...) (logits or probabilities; the class axis is 1, as for
            ``cross_entropy``), or binary logits of the targets' shape, predicted positive when > 0.
        targets: class indices (N, ...).
    """
    scores, labels = _as_array(outputs), _as_array(targets)
    if scores.ndim == labels.ndim + 1:
        predicted = scores.argmax(axis=1)
    elif scores.shape == labels.shape:
        predicted = scores > 0
    else:
        raise ValueError(
            f"accuracy: outputs of shape {scores.shape} do not match targets of shape {labels.shape}; "
            "expected class scores (N, C, ...) with class indices (N, ...), or binary logits of the "
            "targets' shape"
        )
    if predicted.shape != labels.shape:
        raise ValueError(
            f"accuracy: outputs of shape {scores.shape} give predictions of shape {predicted.shape}, which do "
            f"not match targets of shape {labels.shape}"
        )
    return float(np.mean(predicted == labels)) if labels.size else math.nan


BUILTIN_METRICS = {"accuracy": accuracy, "acc": accuracy}


def _resolve_metrics(metrics) -> dict:
    """``None``, a dict name -> fn (or built-in name), or a list of built-in names / functions."""
    if metrics is None:
        return {}
    if isinstance(metrics, str):
        metrics = [metrics]
    items = (
        metrics.items()
        if isinstance(metrics, dict)
        else ((m if isinstance(m, str) else getattr(m, "__name__", None), m) for m in metrics)
    )
    resolved = {}
    for name, fn in items:
        if isinstance(fn, str):
            if fn not in BUILTIN_METRICS:
                raise ValueError(f"fit: unknown metric {fn!r}; built-in metrics are {sorted(BUILTIN_METRICS)}")
            fn = BUILTIN_METRICS[fn]
        if not callable(fn) or not isinstance(name, str):
            raise TypeError(f"fit: metric {name!r} must be a callable fn(outputs, targets) -> float")
        if name == "loss" or name.startswith("val_"):
            raise ValueError(f"fit: metric name {name!r} is reserved for the loss and validation logs")
        resolved[name] = fn
    return resolved


def _split_batch(batch, where: str):
    if isinstance(batch, (list, tuple)) and len(batch) == 2:
        return batch[0], batch[1]
    raise ValueError(
        f"{where}: each batch must be an (inputs, targets) pair, got {type(batch).__name__}"
        + (f" of length {len(batch)}" if isinstance(batch, (list, tuple)) else "")
    )


def _batch_size(targets) -> int:
    shape = _as_array(targets).shape
    return int(shape[0]) if shape else 1


class _RunningMeans:
    """Sample-weighted means over an epoch: for a mean-reduced loss (or accuracy), the mean over
    batches weighted by batch size equals the value over the whole epoch's samples."""

    def __init__(self):
        self.sums: dict[str, float] = {}
        self.count = 0

    def add(self, values: dict, size: int) -> None:
        self.count += size
        for key, value in values.items():
            self.sums[key] = self.sums.get(key, 0.0) + float(value) * size

    def result(self, where: str) -> dict:
        if self.count == 0:
            raise ValueError(f"{where}: the data loader produced no batches")
        return {key: total / self.count for key, total in self.sums.items()}


class Trainer:
    """The state of one ``fit`` run, shared with every callback as ``callback.trainer``.

    Args:
        model, loss_fn, optimizer, scheduler, epochs, grad_clip: as given to :func:`fit`.
        metrics: name -> ``fn(outputs, targets)``, already resolved.
        steps_per_epoch: the loader's length, or None if it has none.

    Besides those, ``epoch`` (current, 0-based), ``global_step`` (optimizer steps taken in this
    run) and ``stop_training``, which a callback sets to end training after the current batch.
    """

    def __init__(
        self, model, loss_fn, optimizer, scheduler=None, metrics=None, epochs=1, steps_per_epoch=None, grad_clip=None
    ):
        self.model = model
        self.loss_fn = loss_fn
        self.optimizer = optimizer
        self.scheduler = scheduler
        self.metrics = metrics or {}
        self.epochs = epochs
        self.epoch = 0
        self.steps_per_epoch = steps_per_epoch
        self.global_step = 0
        self.grad_clip = grad_clip
        self.stop_training = False


class History(Callback):
    """Records the logs of every epoch: ``history['loss'][i]`` is epoch ``epoch[i]``'s loss.

    Keys: ``'loss'``, each metric name, ``'val_loss'`` and ``'val_<metric>'`` when there is
    validation data, and ``'lr'`` (the first group's learning rate during that epoch).
    """

    def __init__(self):
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []

    def on_epoch_end(self, epoch, logs=None):
        self.epoch.append(epoch)
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(value)


def _train_one_epoch(trainer: Trainer, loader, callbacks) -> dict:
    model, optimizer, loss_fn = trainer.model, trainer.optimizer, trainer.loss_fn
    means = _RunningMeans()
    model.train()
    for batch_index, batch in enumerate(loader):
        callbacks.on_batch_begin(batch_index, {})
        inputs, targets = _split_batch(batch, "fit")
        optimizer.zero_grad()
        outputs = model(inputs)
        loss = loss_fn(outputs, targets)
        loss.backward()
        callbacks.on_after_backward(model)
        if trainer.grad_clip is not None:
            clip_grad_norm_(model.parameters(), trainer.grad_clip)
        optimizer.step()
        trainer.global_step += 1

        size = _batch_size(targets)
        logs = {"loss": loss.item()}
        for name, metric in trainer.metrics.items():
            logs[name] = float(metric(outputs.detach(), targets))
        means.add(logs, size)
        callbacks.on_batch_end(batch_index, {**logs, "size": size})
        if trainer.stop_training:
            break
    return means.result("fit")


def evaluate(model, loader, loss_fn=None, metrics=None) -> dict:
    """Mean loss and metrics of ``model`` over ``loader`` in eval mode, without building graphs.

    The model's train/eval mode is restored afterwards.

    Args:
        model: the ``chainrule.nn.Module`` to evaluate.
        loader: yields ``(inputs, targets)`` batches.
        loss_fn: ``loss_fn(outputs, targets) -> scalar Tensor``, or None for metrics only.
        metrics: as for :func:`fit`.

    Returns:
        ``{'loss': ..., '<metric>': ...}``: means weighted by batch size.
    """
    metric_fns = _resolve_metrics(metrics)
    means = _RunningMeans()
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            for batch in loader:
                inputs, targets = _split_batch(batch, "evaluate")
                outputs = model(inputs)
                logs = {}
                if loss_fn is not None:
                    logs["loss"] = loss_fn(outputs, targets).item()
                for name, metric in metric_fns.items():
                    logs[name] = float(metric(outputs, targets))
                means.add(logs, _batch_size(targets))
    finally:
        model.train(was_training)
    return means.result("evaluate")


def _step_scheduler(scheduler, logs: dict) -> None:
    if isinstance(scheduler, ReduceLROnPlateau):
        scheduler.step(logs["val_loss"] if "val_loss" in logs else logs["loss"])
    else:
        scheduler.step()


def _check_fit_arguments(epochs, initial_epoch, grad_clip) -> None:
    for name, value in (("epochs", epochs), ("initial_epoch", initial_epoch)):
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 0:
            raise ValueError(f"fit: {name} must be a non-negative integer, got {value!r}")
    if grad_clip is not None and not grad_clip > 0:
        raise ValueError(f"fit: grad_clip must be a positive max norm or None, got {grad_clip!r}")


def _with_progress_bar(callbacks, verbose: int) -> list:
    """The user's callbacks, plus a ProgressBar at ``verbose`` unless they brought their own."""
    callbacks = list(callbacks)
    if verbose and not any(isinstance(c, ProgressBar) for c in callbacks):
        callbacks.append(ProgressBar(verbose=verbose))
    return callbacks


def _run_epoch(trainer: Trainer, train_loader, val_loader, callbacks) -> dict:
    """Train for one epoch, validate, step the scheduler; return the epoch's logs."""
    lr = trainer.optimizer.param_groups[0]["lr"]  # read after on_epoch_begin: a callback may set it
    logs = _train_one_epoch(trainer, train_loader, callbacks)
    if val_loader is not None:
        validation = evaluate(trainer.model, val_loader, trainer.loss_fn, trainer.metrics)
        logs.update({f"val_{key}": value for key, value in validation.items()})
    logs["lr"] = float(lr)
    if trainer.scheduler is not None:
        _step_scheduler(trainer.scheduler, logs)
    return logs


def fit(
    model,
    loss_fn,
    optimizer,
    train_loader,
    val_loader=None,
    epochs: int = 1,
    callbacks=(),
    metrics=None,
    scheduler=None,
    verbose: int = 1,
    grad_clip=None,
    initial_epoch: int = 0,
) -> History:
    """Train ``model`` for ``epochs`` epochs and return its :class:`History`.

    Args:
        model: a ``chainrule.nn.Module``; called as ``model(inputs)``.
        loss_fn: ``loss_fn(outputs, targets) -> scalar Tensor`` (e.g. ``nn.CrossEntropyLoss()``).
        optimizer: a ``chainrule.optim`` optimizer over the model's parameters.
        train_loader: yields ``(inputs, targets)`` batches (e.g. a shuffling ``DataLoader``).
        val_loader: evaluated after every epoch; its results are logged as ``val_*``.
        epochs: index of the last epoch + 1 (with ``initial_epoch``, as in Keras: the run covers
            epochs ``initial_epoch .. epochs-1``).
        callbacks: :class:`~chainrule.train.callbacks.Callback` instances.
        metrics: ``{'name': fn(outputs, targets) -> float}``, or built-in names (``'accuracy'``).
        scheduler: a learning-rate scheduler stepped once after every epoch (with the validation
            loss, or the training loss, for ``ReduceLROnPlateau``).
        verbose: 0 silent, 1 progress bar, 2 one line per epoch (adds a
            :class:`~chainrule.train.callbacks.ProgressBar` unless one is in ``callbacks``).
        grad_clip: if given, clip the gradients' total L2 norm to this value before each step.
        initial_epoch: the epoch to start from, e.g. the value returned by
            :func:`~chainrule.train.callbacks.resume`.
    """
    _check_fit_arguments(epochs, initial_epoch, grad_clip)
    history = History()
    callbacks = CallbackList([history, *_with_progress_bar(callbacks, verbose)])
    trainer = Trainer(
        model,
        loss_fn,
        optimizer,
        scheduler=scheduler,
        metrics=_resolve_metrics(metrics),
        epochs=epochs,
        steps_per_epoch=len(train_loader) if hasattr(train_loader, "__len__") else None,
        grad_clip=grad_clip,
    )
    callbacks.set_trainer(trainer)

    logs: dict = {}
    callbacks.on_train_begin(logs)
    for epoch in range(initial_epoch, epochs):
        trainer.epoch = epoch
        callbacks.on_epoch_begin(epoch, {})
        logs = _run_epoch(trainer, train_loader, val_loader, callbacks)
        callbacks.on_epoch_end(epoch, logs)
        if trainer.stop_training:
            break
    callbacks.on_train_end(logs)
    return history
