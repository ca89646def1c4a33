"""Adam and AdamW: adaptive moment estimation with coupled (L2) or decoupled weight decay."""

from __future__ import annotations

import math

import numpy as np

from .optimizer import Optimizer, run_updates

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), step for step the same as ``torch.optim.Adam``.

    For each parameter p with gradient g (g ← -g when maximize), step t = 1, 2, ...::

        g  = g + λ p                       coupled weight decay (Adam, the default)
        p  ← p (1 - η λ)                   decoupled weight decay (AdamW) instead
        m  ← β1 m + (1 - β1) g             first moment: a running mean of the gradient
        v  ← β2 v + (1 - β2) g²            second moment: a running mean of its square
        v̂max ← max(v̂max, v)                only with amsgrad; then v is replaced by v̂max below
        p  ← p - η/(1 - β1ᵗ) · m / ( sqrt(v)/sqrt(1 - β2ᵗ) + ε )

    Why the bias corrections: m and v start at 0, so after t steps m = (1-β1) Σ β1^(t-i) g_i
    has expectation (1 - β1ᵗ)·E[g]; dividing by (1 - β1ᵗ) (and likewise for v) removes the
    pull towards zero in the first steps. ε sits outside the square root, after the correction,
    exactly where PyTorch puts it.

    Coupled vs decoupled weight decay: in Adam the decay term λp is added to the gradient, so it
    is divided by sqrt(v) like everything else — weights whose gradients are large (big v) are
    barely decayed, and the regularisation strength depends on gradient history. This is plain
    L2 regularisation, and for adaptive methods it is *not* equivalent to weight decay. AdamW
    (Loshchilov & Hutter, 2019) shrinks the weights directly, p ← p(1 - ηλ), before the Adam
    step, so every weight decays at the same relative rate ηλ per step regardless of its
    gradient scale; that is why AdamW's default λ is 1e-2 while Adam's is 0.

    AMSGrad (Reddi et al., 2018) normalises by the running maximum of v, so the effective step
    size never grows, which fixes Adam's non-convergence counter-example.

    Args:
        params: tensors or parameter-group dicts to optimize.
        lr (float): learning rate η. Default: 1e-3.
        betas (tuple[float, float]): decay rates (β1, β2) of the two moments. Default: (0.9, 0.999).
        eps (float): ε added to the denominator for numerical stability. Default: 1e-8.
        weight_decay (float): λ. Default: 0.
        amsgrad (bool): use the AMSGrad variant. Default: False.
        maximize (bool): ascend the objective. Default: False.
        decoupled_weight_decay (bool): apply λ as AdamW does. Default: False.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas=(0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
    ):
        self._check_range("learning rate", lr)
        self._check_range("epsilon value", eps)
        betas = tuple(betas)
        if len(betas) != 2:
            raise ValueError(f"{type(self).__name__}: betas must be a pair (beta1, beta2), got {betas}")
        for index, beta in enumerate(betas):
            self._check_range(f"beta parameter at index {index}", beta, 0.0, 1.0)
        self._check_range("weight_decay value", weight_decay)
        defaults = dict(
            lr=lr,
            betas=(float(betas[0]), float(betas[1])),
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=decoupled_weight_decay,
        )
        super().__init__(params, defaults)

    def step(self, closure=None):
        """Perform one Adam update of every parameter that has a gradient; returns the closure's loss."""
        loss = self._evaluate_closure(closure)
        for group in self.param_groups:
            amsgrad = group["amsgrad"]
            updates = []
            for p, data, grad in self._gradients(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["exp_avg"] = np.zeros_like(data)
                    state["exp_avg_sq"] = np.zeros_like(data)
                    if amsgrad:
                        state["max_exp_avg_sq"] = np.zeros_like(data)
                state["step"] += 1
                updates.append((data, grad, state))
            run_updates(_adam_update, updates, group)
        return loss


def _adam_update(data, grad, state, group) -> None:
    """One parameter's Adam step, in place (the formulas of the class docstring)."""
    lr = float(group["lr"])
    beta1, beta2 = group["betas"]
    eps = group["eps"]
    weight_decay = group["weight_decay"]
    step = state["step"]
    if weight_decay != 0:
        if group["decoupled_weight_decay"]:
            data *= 1 - lr * weight_decay
        else:
            grad = grad + weight_decay * data

    exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
    # one scratch array serves as (1-β1)g, then (1-β2)g², then the denominator
    scratch = np.multiply(grad, 1 - beta1)
    exp_avg *= beta1
    exp_avg += scratch
    np.multiply(grad, grad, out=scratch)
    scratch *= 1 - beta2
    exp_avg_sq *= beta2
    exp_avg_sq += scratch

    bias_correction1 = 1 - beta1**step
    bias_correction2_sqrt = math.sqrt(1 - beta2**step)
    step_size = lr / bias_correction1
    if group["amsgrad"]:
        max_exp_avg_sq = state["max_exp_avg_sq"]
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        np.sqrt(max_exp_avg_sq, out=scratch)
    else:
        np.sqrt(exp_avg_sq, out=scratch)
    scratch /= bias_correction2_sqrt
    scratch += eps
    np.divide(exp_avg, scratch, out=scratch)
    scratch *= step_size
    data -= scratch


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as ``torch.optim.AdamW``.

    Each step first shrinks the weights, p ← p(1 - ηλ), and then takes the Adam step on the
    *unregularised* gradient. Unlike Adam's coupled L2 term (λp added to g and then divided by
    sqrt(v)), the decay here is not rescaled per coordinate, so every weight decays at the same
    relative rate — which is what "weight decay" means for SGD and what generalises better for
    adaptive methods. See ``Adam`` for the full update.

    Args:
        params: tensors or parameter-group dicts to optimize.
        lr (float): learning rate η. Default: 1e-3.
        betas (tuple[float, float]): decay rates (β1, β2) of the two moments. Default: (0.9, 0.999).
        eps (float): ε added to the denominator for numerical stability. Default: 1e-8.
        weight_decay (float): λ, applied decoupled. Default: 1e-2.
        amsgrad (bool): use the AMSGrad variant. Default: False.
        maximize (bool): ascend the objective. Default: False.
    """

    def __init__(
        self,
        params,
        lr: float = 1e-3,
        betas=(0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ):
        super().__init__(
            params,
            lr=lr,
            betas=betas,
            eps=eps,
            weight_decay=weight_decay,
            amsgrad=amsgrad,
            maximize=maximize,
            decoupled_weight_decay=True,
        )

    def load_state_dict(self, state_dict: dict) -> None:
        # AdamW is decoupled by definition, whatever the loaded groups say (as torch ensures)
        super().load_state_dict(state_dict)
        for group in self.param_groups:
            group["decoupled_weight_decay"] = True
