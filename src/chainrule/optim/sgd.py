"""Stochastic gradient descent with optional momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Stochastic gradient descent, step for step the same as ``torch.optim.SGD``.

    For each parameter p with gradient g, learning rate η, weight decay λ, momentum μ and
    dampening τ (step t counts from 1)::

        d  = g + λ p                      (g ← -g first when maximize=True)
        b  = d                            if t == 1
        b  = μ b + (1 - τ) d              otherwise          (only when μ != 0)
        d  = d + μ b   if nesterov else b                    (only when μ != 0)
        p  ← p - η d

    Why the weight-decay term is a shrink: without momentum the step is
    p ← p - η(∇L + λp) = (1 - ηλ) p - η∇L, i.e. every step first multiplies the weights by
    (1 - ηλ) and then takes the plain gradient step — the same as adding (λ/2)‖p‖² to the loss
    (L2 regularisation). With momentum the λp term also enters the buffer, so the two views stop
    being identical; that coupling is what AdamW undoes for adaptive methods.

    The buffer starts as the first gradient itself (not μ·0 + (1-τ)g), which is PyTorch's
    convention and differs from the textbook ``v ← μv + g`` only in how dampening treats step 1.
    Nesterov momentum evaluates the "look-ahead" d + μb instead of b, and needs μ > 0 and τ = 0.

    Args:
        params: tensors or parameter-group dicts to optimize.
        lr (float): learning rate η. Default: 1e-3 (PyTorch's default).
        momentum (float): momentum factor μ. Default: 0.
        dampening (float): dampening τ for the momentum buffer. Default: 0.
        weight_decay (float): L2 penalty λ. Default: 0.
        nesterov (bool): use Nesterov momentum. Default: False.
        maximize (bool): ascend the objective instead of descending it. Default: False.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        momentum: float = 0,
        dampening: float = 0,
        weight_decay: float = 0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ):
        self._check_range("learning rate", lr)
        self._check_range("momentum value", momentum)
        self._check_range("weight_decay value", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError(
                f"SGD: Nesterov momentum requires a momentum > 0 and zero dampening, got "
                f"momentum={momentum}, dampening={dampening}"
            )
        defaults = dict(
            lr=lr,
            momentum=momentum,
            dampening=dampening,
            weight_decay=weight_decay,
            nesterov=nesterov,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._evaluate_closure(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            momentum = group["momentum"]
            weight_decay = group["weight_decay"]
            maximize = group["maximize"]
            if momentum == 0 and weight_decay == 0 and not maximize:
                # The hot path of plain SGD: one scaled in-place subtraction per parameter.
                for p in group["params"]:
                    if p.grad is not None:
                        data = p._data
                        np.subtract(data, lr * p.grad._data, out=data)
                        p._bump_version()
                continue
            dampening = group["dampening"]
            nesterov = group["nesterov"]
            for p, data, grad in self._gradients(group):
                if weight_decay != 0:
                    # a new array: the caller's .grad must not change
                    grad = grad + weight_decay * data
                if momentum != 0:
                    state = self.state[p]
                    buf = state.get("momentum_buffer")
                    if buf is None:
                        buf = np.array(grad, copy=True)
                        state["momentum_buffer"] = buf
                    else:
                        buf *= momentum
                        buf += (1 - dampening) * grad if dampening != 0 else grad
                    grad = grad + momentum * buf if nesterov else buf
                np.subtract(data, lr * grad, out=data)
        return loss
