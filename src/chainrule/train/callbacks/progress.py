"""``ProgressBar``: a Keras-style progress line per epoch, redrawn in place on a terminal."""

from __future__ import annotations

import math
import sys
import time

from .base import Callback

__all__ = ["ProgressBar"]


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
    frames filling a log. verbose=0: nothing.

    Args:
        verbose: 0, 1 or 2, as above.
        stream: where to write (default: ``sys.stderr``, looked up when training starts, so
            redirection and capture work).
        width: the bar's length in characters.
        refresh_interval: the least time in seconds between two redraws.
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
