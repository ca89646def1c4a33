"""Adam and AdamW: adaptive moment estimation with coupled (L2) or decoupled weight decay."""

from __future__ import annotations

import math

import numpy as np

from ..ops import unary as _unary
from .optimizer import Optimizer

__all__ = ["Adam", "AdamW"]


# Elements per chunk of a big parameter's update (see Adam.step): five 256 KB float32 arrays fit L2.
_CHUNK = 1 << 16
# Below this many elements per thread the update runs on one thread (thread handover costs more).
_THREADED_ELEMENTS = 1 << 19


def _adam_update(
    data, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, scratch, shrink, beta1, beta2, step_size, bc2_sqrt, eps
):
    """One Adam update in place (the formulas of ``Adam``), with one scratch array serving as
    (1-beta1) g, then (1-beta2) g^2, then the denominator."""
    if shrink is not None:
        data *= shrink  # decoupled weight decay
    np.multiply(grad, 1 - beta1, out=scratch)
    exp_avg *= beta1
    exp_avg += scratch
    np.multiply(grad, grad, out=scratch)
    scratch *= 1 - beta2
    exp_avg_sq *= beta2
    exp_avg_sq += scratch
    if max_exp_avg_sq is not None:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        np.sqrt(max_exp_avg_sq, out=scratch)
    else:
        np.sqrt(exp_avg_sq, out=scratch)
    scratch /= bc2_sqrt
    scratch += eps
    np.divide(exp_avg, scratch, out=scratch)
    scratch *= step_size
    data -= scratch


def _update_one(arrays, amsgrad, update):
    data = arrays[0]
    same_layout = all(a.flags.c_contiguous and a.shape == data.shape and a.dtype == data.dtype for a in arrays)
    if data.size > _CHUNK and same_layout:
        # A big parameter is updated a cache-sized chunk at a time: the dozen passes of the update
        # then stream through memory once instead of a dozen times. Elementwise, so the same bits.
        flat = [a.reshape(-1) for a in arrays]
        scratch = np.empty(_CHUNK, dtype=data.dtype)
        for start in range(0, data.size, _CHUNK):
            piece = [a[start : start + _CHUNK] for a in flat]
            _adam_update(*piece[:4], piece[4] if amsgrad else None, scratch[: piece[0].size], *update)
    else:
        scratch = np.empty(data.shape, dtype=np.result_type(data, arrays[1]))
        _adam_update(*arrays[:4], arrays[4] if amsgrad else None, scratch, *update)


def _run_updates(jobs):
    """Run the per-parameter updates, split over the elementwise thread pool when they are big
    (each parameter's update is independent, and NumPy releases the GIL inside every pass)."""
    threads = min(_unary._threads(), sum(arrays[0].size for arrays, _, _ in jobs) // _THREADED_ELEMENTS)
    if len({id(arrays[0]) for arrays, _, _ in jobs}) < len(jobs):
        threads = 1  # a parameter listed twice is updated twice, in order, as torch does
    if threads <= 1:
        for job in jobs:
            _update_one(*job)
        return
    # largest first, each to the thread with the least work so far: balanced groups
    loads, groups = [0] * threads, [[] for _ in range(threads)]
    for job in sorted(jobs, key=lambda job: -job[0][0].size):
        k = loads.index(min(loads))
        loads[k] += job[0][0].size
        groups[k].append(job)

    def run(group):
        for job in group:
            _update_one(*job)

    executor = _unary._elementwise_executor(threads)
    for future in [executor.submit(run, group) for group in groups]:
        future.result()


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
        jobs = []  # (arrays, amsgrad, update constants) per parameter, run by _run_updates
        for group in self.param_groups:
            lr = float(group["lr"])
            beta1, beta2 = group["betas"]
            eps = group["eps"]
            weight_decay = group["weight_decay"]
            amsgrad = group["amsgrad"]
            decoupled = group["decoupled_weight_decay"]
            for p, data, grad in self._gradients(group):
                state = self.state[p]
                if len(state) == 0:
                    state["step"] = 0
                    state["exp_avg"] = np.zeros_like(data)
                    state["exp_avg_sq"] = np.zeros_like(data)
                    if amsgrad:
                        state["max_exp_avg_sq"] = np.zeros_like(data)
                state["step"] += 1
                step = state["step"]

                if weight_decay != 0 and not decoupled:
                    grad = grad + weight_decay * data
                shrink = 1 - lr * weight_decay if weight_decay != 0 and decoupled else None
                bias_correction1 = 1 - beta1**step
                bias_correction2_sqrt = math.sqrt(1 - beta2**step)
                arrays = [data, grad, state["exp_avg"], state["exp_avg_sq"]]
                if amsgrad:
                    arrays.append(state["max_exp_avg_sq"])
                update = (shrink, beta1, beta2, lr / bias_correction1, bias_correction2_sqrt, eps)
                jobs.append((arrays, amsgrad, update))
        _run_updates(jobs)
        return loss


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
