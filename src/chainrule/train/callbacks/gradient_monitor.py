"""``GradientMonitor``: every parameter's gradient norm after each backward pass, as a history."""

from __future__ import annotations

import math
import numbers

from ...diagnostics import gradient_norms
from .base import Callback

__all__ = ["GradientMonitor"]


class GradientMonitor(Callback):
    """Record every parameter's gradient L2 norm after each backward pass (every ``every`` steps).

    Vanishing gradients show up as norms that shrink layer by layer towards the input; exploding
    ones as norms that grow step by step. ``history`` maps each parameter name to one float per
    recorded step (NaN when the parameter got no gradient that step); ``steps`` holds the global
    step numbers (0-based) of the recorded entries. Norms are of the raw gradients, before any
    clipping.

    Args:
        model: the module to watch (default: the model being trained).
        every: record every ``every``-th step only.
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
