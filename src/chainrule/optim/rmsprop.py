"""RMSprop: divide the gradient by a running root-mean-square of its recent magnitudes."""

from __future__ import annotations

import numpy as np

from .optimizer import Optimizer

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    r"""RMSprop (Hinton, lecture 6e), step for step the same as ``torch.optim.RMSprop``.

    For each parameter p with gradient g (g ← -g when maximize)::

        g  = g + λ p                       (weight decay, coupled as in SGD)
        v  ← α v + (1 - α) g²              running mean of the squared gradient
        ḡ  ← α ḡ + (1 - α) g               centered only: running mean of the gradient
        s  = sqrt(v - ḡ²) + ε  if centered else  sqrt(v) + ε
        b  ← μ b + g / s;  p ← p - η b     with momentum μ > 0
        p  ← p - η g / s                   without momentum

    Why: dividing by the RMS of recent gradients gives each coordinate a step of roughly η
    regardless of its gradient scale (Adam = RMSprop + momentum on g + bias correction). The
    centered variant divides by an estimate of the gradient's standard deviation instead of its
    raw second moment, so a consistently large gradient (large mean, small variance) still gets a
    large step. Unlike Adam there is no bias correction, so v starts at 0 and the first steps are
    large (≈ η/sqrt(1-α)).

    Args:
        params: tensors or parameter-group dicts to optimize.
        lr (float): learning rate η. Default: 1e-2.
        alpha (float): smoothing constant α. Default: 0.99.
        eps (float): ε added to the denominator. Default: 1e-8.
        weight_decay (float): λ. Default: 0.
        momentum (float): momentum μ. Default: 0.
        centered (bool): normalise by the estimated variance. Default: False.
        maximize (bool): ascend the objective. Default: False.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0,
        momentum: float = 0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ):
        self._check_range("learning rate", lr)
        self._check_range("epsilon value", eps)
        self._check_range("momentum value", momentum)
        self._check_range("weight_decay value", weight_decay)
        self._check_range("alpha value", alpha)
        defaults = dict(
            lr=lr,
            momentum=momentum,
            alpha=alpha,
            eps=eps,
            centered=centered,
            weight_decay=weight_decay,
            maximize=maximize,
        )
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one RMSprop update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._evaluate_closure(closure)
        for group in self.param_groups:
            lr = float(group["lr"])
            alpha = group["alpha"]
            eps = group["eps"]
            weight_decay = group["weight_decay"]
            momentum = group["momentum"]
            centered = group["centered"]
            for p, data, grad in self._gradients(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["square_avg"] = np.zeros_like(data)
                    if momentum > 0:
                        state["momentum_buffer"] = np.zeros_like(data)
                    if centered:
                        state["grad_avg"] = np.zeros_like(data)
                state["step"] += 1
                if weight_decay != 0:
                    grad = grad + weight_decay * data

                square_avg = state["square_avg"]
                denom = np.multiply(grad, grad)
                denom *= 1 - alpha
                square_avg *= alpha
                square_avg += denom
                if centered:
                    grad_avg = state["grad_avg"]
                    grad_avg *= alpha
                    grad_avg += (1 - alpha) * grad
                    np.multiply(grad_avg, grad_avg, out=denom)
                    np.subtract(square_avg, denom, out=denom)
                    np.sqrt(denom, out=denom)
                else:
                    np.sqrt(square_avg, out=denom)
                denom += eps
                # denom becomes g / s in place: the only full-size temporary of the step
                np.divide(grad, denom, out=denom)
                if momentum > 0:
                    buf = state["momentum_buffer"]
                    buf *= momentum
                    buf += denom
                    np.multiply(buf, lr, out=denom)
                else:
                    denom *= lr
                data -= denom
        return loss
