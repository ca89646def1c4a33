"""``ModelCheckpoint`` writes everything an exact resume needs; ``resume`` reads it back."""

from __future__ import annotations

import math
import sys

import numpy as np

from ... import random as cr_random
from ...serialization import load, save
from .base import Callback, _monitor_op, _monitored_value

__all__ = ["ModelCheckpoint", "resume"]


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
        verbose: 1 prints a line to stderr for every checkpoint written.
        initial_value_threshold: a value the monitored quantity must beat before the first save
            (with ``save_best_only``), e.g. the best value of the run being resumed.
    """

    def __init__(
        self,
        path,
        monitor: str = "val_loss",
        save_best_only: bool = False,
        mode: str = "auto",
        verbose: int = 0,
        initial_value_threshold=None,
    ):
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
        save(
            {
                "model": trainer.model.state_dict(),
                "optimizer": trainer.optimizer.state_dict(),
                "scheduler": scheduler.state_dict() if scheduler is not None else None,
                "epoch": epoch,
                "rng": cr_random.default_generator().bit_generator.state,
                "logs": {key: float(value) for key, value in (logs or {}).items()},
            },
            path,
        )
        self.last_saved = path
        if self.verbose > 0:
            print(f"Epoch {epoch + 1}: saved checkpoint to {path}", file=sys.stderr)


def resume(path, model, optimizer, scheduler=None) -> int:
    """Restore a :class:`ModelCheckpoint` file into ``model``, ``optimizer`` (and ``scheduler``)
    and chainrule's default generator; return the epoch to continue from.

    Pass the result as ``fit(..., initial_epoch=resume(...))``: with the same data, model code
    and hyperparameters, the resumed run then repeats exactly (bit for bit) the losses the
    uninterrupted run would have produced.

    Args:
        path: a file written by :class:`ModelCheckpoint`.
        model: the model to load the weights into.
        optimizer: the optimizer to load the state into.
        scheduler: the learning-rate scheduler to restore, if the run had one.

    Raises:
        ValueError: the file is not a ModelCheckpoint file, holds no scheduler state while a
            scheduler was given, or holds a different kind of generator state.
    """
    checkpoint = load(path)
    required = ("model", "optimizer", "epoch", "rng")
    if (
        not isinstance(checkpoint, dict)
        or any(key not in checkpoint for key in required)
        or not isinstance(checkpoint["rng"], dict)
    ):
        found = sorted(checkpoint) if isinstance(checkpoint, dict) else type(checkpoint).__name__
        raise ValueError(
            f"resume: {str(path)!r} is not a ModelCheckpoint file: expected the entries {list(required)}, found {found}"
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
