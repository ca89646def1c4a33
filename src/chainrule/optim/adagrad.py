"""Adagrad: per-coordinate learning rates from the sum of all past squared gradients."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    r"""Adagrad (Duchi, Hazan & Singer, 2011), step for step the same as ``torch.optim.Adagrad``.

    For each parameter p with gradient g (g ← -g when maximize), step t = 1, 2, ...::

        g   = g + λ p                          (weight decay, coupled)
        η_t = η / (1 + (t - 1) δ)              (lr_decay δ)
        G  ← G + g²                            (G starts at initial_accumulator_value)
        p  ← p - η_t g / (sqrt(G) + ε)

    Why: coordinates that have seen large or frequent gradients accumulate a large G and take
    small steps; rare features (sparse gradients) keep large steps. Because G only grows, the
    effective learning rate decays like 1/sqrt(t) even when δ = 0 — good for convex problems,
    often too aggressive for deep nets (the motivation for RMSprop's leaky average).

    As in PyTorch, the state (``sum`` and ``step``) is created for every parameter at
    construction, and the accumulator always starts at the optimizer-wide
    ``initial_accumulator_value`` (a per-group value is stored in the group but not used).

    Args:
        params: tensors or parameter-group dicts to optimize.
        lr (float): learning rate η. Default: 1e-2.
        lr_decay (float): δ. Default: 0.
        weight_decay (float): λ. Default: 0.
        initial_accumulator_value (float): starting value of G. Default: 0.
        eps (float): ε added to the denominator. Default: 1e-10.
        maximize (bool): ascend the objective. Default: False.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        lr_decay: float = 0,
        weight_decay: float = 0,
        initial_accumulator_value: float = 0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ):
        self._check_range("learning rate", lr)
        self._check_range("lr_decay value", lr_decay)
        self._check_range("weight_decay value", weight_decay)
        self._check_range("initial_accumulator_value value", initial_accumulator_value)
        self._check_range("epsilon value", eps)
        defaults = dict(
            lr=lr,
            lr_decay=lr_decay,
            eps=eps,
            weight_decay=weight_decay,
            initial_accumulator_value=initial_accumulator_value,
            maximize=maximize,
        )
        super().__init__(params, defaults)
        for group in self.param_groups:
            for p in group["params"]:
                self._init_state(p)

    def _init_state(self, p) -> None:
        state = self.state[p]
        state["step"] = 0
        state["sum"] = np.full_like(p._data, self.defaults["initial_accumulator_value"])

    def step(self, closure=None):
        """Perform one Adagrad update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._evaluate_closure(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            lr_decay = group["lr_decay"]
            eps = group["eps"]
            weight_decay = group["weight_decay"]
            for p, data, grad in self._gradients(group):
                state = self.state[p]
                if len(state) == 0:  # a parameter added with add_param_group
                    self._init_state(p)
                state["step"] += 1
                if weight_decay != 0:
                    grad = grad + weight_decay * data
                clr = lr / (1 + (state["step"] - 1) * lr_decay)
                state_sum = state["sum"]
                scratch = np.multiply(grad, grad)
                state_sum += scratch
                np.sqrt(state_sum, out=scratch)
                scratch += eps
                np.divide(grad, scratch, out=scratch)
                scratch *= clr
                data -= scratch
        return loss
