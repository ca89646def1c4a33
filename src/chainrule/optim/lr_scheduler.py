"""Learning-rate schedulers with ``torch.optim.lr_scheduler``'s names, semantics and values.

A scheduler owns nothing but a counter: each ``step()`` increments ``last_epoch`` and writes new
values into the optimizer's ``param_groups[i]['lr']``, which the optimizer reads on its next
step. Call it *after* ``optimizer.step()``. On construction the scheduler records each group's
starting rate as ``group['initial_lr']`` (kept in the optimizer's state dict, so a resumed run can
be rebuilt with ``last_epoch=N``) and performs an initial step that sets epoch 0's rate.

Most PyTorch schedulers are *chainable*: they compute the new rate from the group's current
``lr`` (e.g. StepLR multiplies by γ at each boundary) rather than from ``initial_lr``, so two
schedulers on one optimizer compose multiplicatively. We follow the same recursive forms, which
is why, e.g., ``CosineAnnealingLR`` uses a ratio of cosines rather than the closed form — the
two agree to rounding, and matching PyTorch's recursion keeps the values identical.
"""

from __future__ import annotations

import copy
import functools
import math
import types
import warnings
from bisect import bisect_right
from collections import Counter

from .optimizer import Optimizer

__all__ = [
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "ReduceLROnPlateau",
    "StepLR",
    "get_linear_schedule_with_warmup",
]

_EPOCH_DEPRECATION = (
    "{name}.step: passing an epoch is deprecated (as in PyTorch); it sets last_epoch and uses the "
    "closed-form rate where one exists. Call step() without arguments instead."
)


def _current_lrs(optimizer) -> list:
    return [group["lr"] for group in optimizer.param_groups]


class LRScheduler:
    """Base class: tracks ``last_epoch`` and writes ``get_lr()``'s values into the optimizer.

    Args:
        optimizer (Optimizer): the optimizer whose learning rates are scheduled.
        last_epoch (int): index of the last epoch seen; -1 starts a fresh schedule. A value >= 0
            resumes one and requires ``initial_lr`` in every group (restored with the optimizer's
            state dict).
    """

    _get_closed_form_lr = None

    def __init__(self, optimizer, last_epoch: int = -1):
        name = type(self).__name__
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{name}: {type(optimizer).__name__} is not an Optimizer")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"{name}: param 'initial_lr' is not specified in param_groups[{i}] when resuming a "
                        f"scheduler with last_epoch={last_epoch}; load the optimizer's state dict first"
                    )
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        # The constructor's step sets epoch 0's rate. Chainable schedulers must not apply a
        # decay here (a resumed scheduler would otherwise move one step ahead of itself), so they
        # check ``_is_initial``.
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list:
        """The learning rates for the epoch ``last_epoch`` has just moved to (one per group)."""
        raise NotImplementedError

    def get_last_lr(self) -> list:
        """The learning rates most recently written into the optimizer (a new list)."""
        return list(self._last_lr)

    def step(self, epoch=None) -> None:
        """Advance the schedule by one epoch (or, deprecated, jump to ``epoch``)."""
        self._step_count += 1
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            warnings.warn(_EPOCH_DEPRECATION.format(name=type(self).__name__), UserWarning, stacklevel=2)
            self.last_epoch = epoch
            values = self._get_closed_form_lr() if self._get_closed_form_lr is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = _current_lrs(self.optimizer)

    def state_dict(self) -> dict:
        """Every attribute except the optimizer, deep-copied."""
        return {key: copy.deepcopy(value) for key, value in self.__dict__.items() if key != "optimizer"}

    def load_state_dict(self, state_dict: dict) -> None:
        self.__dict__.update(copy.deepcopy(state_dict))


class LambdaLR(LRScheduler):
    """lr = initial_lr · lr_lambda(epoch): any schedule written as a multiplicative factor.

    Args:
        optimizer (Optimizer): wrapped optimizer.
        lr_lambda (callable or list): ``f(epoch) -> factor``, or one such function per group.
        last_epoch (int): index of the last epoch. Default: -1.

    The functions themselves are not saved in ``state_dict()`` (a plain function or lambda cannot
    be restored by value); for callable objects their ``__dict__`` is saved and restored, as in
    PyTorch.
    """

    def __init__(self, optimizer, lr_lambda, last_epoch: int = -1):
        self.optimizer = optimizer
        n_groups = len(optimizer.param_groups) if isinstance(optimizer, Optimizer) else 0
        if isinstance(lr_lambda, (list, tuple)):
            if len(lr_lambda) != n_groups:
                raise ValueError(f"LambdaLR: expected {n_groups} lr_lambdas (one per group), got {len(lr_lambda)}")
            self.lr_lambdas = list(lr_lambda)
        else:
            if not callable(lr_lambda):
                raise TypeError(
                    f"LambdaLR: lr_lambda must be callable or a list of callables, got {type(lr_lambda).__name__}"
                )
            self.lr_lambdas = [lr_lambda] * n_groups
        super().__init__(optimizer, last_epoch)

    def state_dict(self) -> dict:
        state = {
            key: copy.deepcopy(value) for key, value in self.__dict__.items() if key not in ("optimizer", "lr_lambdas")
        }
        state["lr_lambdas"] = [
            None if isinstance(fn, types.FunctionType) else copy.deepcopy(fn.__dict__) for fn in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict: dict) -> None:
        state = {key: copy.deepcopy(value) for key, value in state_dict.items() if key != "lr_lambdas"}
        self.__dict__.update(state)
        for fn, saved in zip(self.lr_lambdas, state_dict.get("lr_lambdas", [])):
            if saved is not None:
                fn.__dict__.update(copy.deepcopy(saved))

    def get_lr(self) -> list:
        return [base_lr * lmbda(self.last_epoch) for lmbda, base_lr in zip(self.lr_lambdas, self.base_lrs)]


class StepLR(LRScheduler):
    """Multiply the rate by ``gamma`` every ``step_size`` epochs: lr = initial_lr · γ^⌊epoch/step_size⌋.

    Args:
        optimizer (Optimizer): wrapped optimizer.
        step_size (int): period of the decay.
        gamma (float): multiplicative factor. Default: 0.1.
        last_epoch (int): index of the last epoch. Default: -1.
    """

    def __init__(self, optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1):
        if int(step_size) != step_size or step_size <= 0:
            raise ValueError(f"StepLR: step_size must be a positive integer, got {step_size}")
        self.step_size = int(step_size)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return _current_lrs(self.optimizer)
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list:
        return [base_lr * self.gamma ** (self.last_epoch // self.step_size) for base_lr in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the rate by ``gamma`` at each milestone epoch (a repeated milestone decays twice).

    Args:
        optimizer (Optimizer): wrapped optimizer.
        milestones (iterable of int): epochs at which to decay; should be increasing.
        gamma (float): multiplicative factor. Default: 0.1.
        last_epoch (int): index of the last epoch. Default: -1.
    """

    def __init__(self, optimizer, milestones, gamma: float = 0.1, last_epoch: int = -1):
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        if self.last_epoch not in self.milestones:
            return _current_lrs(self.optimizer)
        factor = self.gamma ** self.milestones[self.last_epoch]
        return [group["lr"] * factor for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list:
        milestones = sorted(self.milestones.elements())
        return [base_lr * self.gamma ** bisect_right(milestones, self.last_epoch) for base_lr in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the rate by ``gamma`` every epoch: lr = initial_lr · γ^epoch.

    Args:
        optimizer (Optimizer): wrapped optimizer.
        gamma (float): multiplicative factor.
        last_epoch (int): index of the last epoch. Default: -1.
    """

    def __init__(self, optimizer, gamma: float, last_epoch: int = -1):
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        if self._is_initial:
            return _current_lrs(self.optimizer)
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self) -> list:
        return [base_lr * self.gamma**self.last_epoch for base_lr in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    r"""Cosine annealing from initial_lr down to ``eta_min`` over ``T_max`` epochs (SGDR without restarts).

    Closed form: η_t = η_min + (η_0 - η_min)(1 + cos(π t / T_max)) / 2.

    Like PyTorch we apply it recursively, so it composes with other schedulers:
    η_t = η_min + (η_{t-1} - η_min) · (1 + cos(π t/T)) / (1 + cos(π (t-1)/T)). The ratio is 0/0
    at t = T + 1 (and every 2T after it), where the cosine restarts its climb; there the rate
    steps up by the closed form's increment, (η_0 - η_min)(1 - cos(π/T))/2. Past T_max the rate
    therefore rises again (a cosine, not a clamp), exactly as in PyTorch.

    Args:
        optimizer (Optimizer): wrapped optimizer.
        T_max (int): half-period of the cosine, in epochs.
        eta_min (float): the minimum learning rate. Default: 0.
        last_epoch (int): index of the last epoch. Default: -1.
    """

    def __init__(self, optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1):
        if T_max <= 0:
            raise ValueError(f"CosineAnnealingLR: T_max must be positive, got {T_max}")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        groups = self.optimizer.param_groups
        if self._is_initial:
            return _current_lrs(self.optimizer)
        if self._step_count == 1 and self.last_epoch > 0:
            return [
                self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(self.last_epoch * math.pi / self.T_max)) / 2
                for base_lr in self.base_lrs
            ]
        if (self.last_epoch - 1 - self.T_max) % (2 * self.T_max) == 0:
            return [
                group["lr"] + (base_lr - self.eta_min) * (1 - math.cos(math.pi / self.T_max)) / 2
                for base_lr, group in zip(self.base_lrs, groups)
            ]
        ratio = (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / (
            1 + math.cos(math.pi * (self.last_epoch - 1) / self.T_max)
        )
        return [ratio * (group["lr"] - self.eta_min) + self.eta_min for group in groups]

    def _get_closed_form_lr(self) -> list:
        return [
            self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
            for base_lr in self.base_lrs
        ]


class LinearLR(LRScheduler):
    """Scale the rate by a factor moving linearly from ``start_factor`` to ``end_factor`` over
    ``total_iters`` epochs, then hold it (the usual linear warm-up when start_factor < 1).

    Recursive form (as PyTorch): at epoch t in 1..total_iters the rate is multiplied by
    1 + (e - s) / (T·s + (t-1)(e - s)), the ratio of consecutive factors s + (e-s)t/T.

    Args:
        optimizer (Optimizer): wrapped optimizer.
        start_factor (float): factor at epoch 0, in (0, 1]. Default: 1/3.
        end_factor (float): factor from epoch total_iters on, in [0, 1]. Default: 1.
        total_iters (int): number of epochs of the ramp. Default: 5.
        last_epoch (int): index of the last epoch. Default: -1.
    """

    def __init__(
        self,
        optimizer,
        start_factor: float = 1.0 / 3,
        end_factor: float = 1.0,
        total_iters: int = 5,
        last_epoch: int = -1,
    ):
        if start_factor > 1.0 or start_factor <= 0:
            raise ValueError(f"LinearLR: start_factor must be in (0, 1], got {start_factor}")
        if end_factor > 1.0 or end_factor < 0:
            raise ValueError(f"LinearLR: end_factor must be in [0, 1], got {end_factor}")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list:
        groups = self.optimizer.param_groups
        if self.last_epoch == 0:
            return [group["lr"] * self.start_factor for group in groups]
        if self._is_initial or self.last_epoch > self.total_iters:
            return _current_lrs(self.optimizer)
        change = self.end_factor - self.start_factor
        factor = 1.0 + change / (self.total_iters * self.start_factor + (self.last_epoch - 1) * change)
        return [group["lr"] * factor for group in groups]

    def _get_closed_form_lr(self) -> list:
        progress = min(self.total_iters, self.last_epoch) / self.total_iters
        return [
            base_lr * (self.start_factor + (self.end_factor - self.start_factor) * progress)
            for base_lr in self.base_lrs
        ]


def _linear_warmup_factor(current_step: int, *, num_warmup_steps: int, num_training_steps: int) -> float:
    if current_step < num_warmup_steps:
        return float(current_step) / float(max(1, num_warmup_steps))
    return max(0.0, float(num_training_steps - current_step) / float(max(1, num_training_steps - num_warmup_steps)))


def get_linear_schedule_with_warmup(optimizer, num_warmup_steps: int, num_training_steps: int, last_epoch: int = -1):
    """Hugging Face transformers' BERT schedule: linear warm-up from 0 to the optimizer's lr over
    ``num_warmup_steps``, then linear decay to 0 at ``num_training_steps`` (and 0 after).

    factor(t) = t / max(1, W)                       for t < W
    factor(t) = max(0, (N - t) / max(1, N - W))     otherwise

    Warm-up matters for Adam-type optimizers: in the first steps the second-moment estimate is
    built from few gradients, so full-size steps are unreliable. Returned as a ``LambdaLR`` whose
    factor is a ``functools.partial`` of a module-level function (picklable, as in transformers).

    Args:
        optimizer (Optimizer): wrapped optimizer.
        num_warmup_steps (int): W, the steps of the warm-up.
        num_training_steps (int): N, the step at which the rate reaches 0.
        last_epoch (int): index of the last step, to resume a schedule. Default: -1.
    """
    factor = functools.partial(
        _linear_warmup_factor, num_warmup_steps=num_warmup_steps, num_training_steps=num_training_steps
    )
    return LambdaLR(optimizer, factor, last_epoch)


class ReduceLROnPlateau(LRScheduler):
    """Reduce the rate by ``factor`` when a monitored metric stops improving.

    ``step(metric)`` is called once per epoch with e.g. the validation loss. A metric counts as
    an improvement only if it beats the best so far by the threshold (relative:
    best·(1 ∓ threshold); absolute: best ∓ threshold). After more than ``patience`` epochs
    without improvement every group's rate becomes max(lr·factor, min_lr) — skipped when that
    changes it by less than ``eps`` — and the next ``cooldown`` epochs are not counted as bad.

    Args:
        optimizer (Optimizer): wrapped optimizer.
        mode (str): 'min' (metric should decrease) or 'max'. Default: 'min'.
        factor (float): multiplicative reduction, < 1. Default: 0.1.
        patience (int): bad epochs tolerated before reducing. Default: 10.
        threshold (float): minimal significant improvement. Default: 1e-4.
        threshold_mode (str): 'rel' or 'abs'. Default: 'rel'.
        cooldown (int): epochs to wait after a reduction. Default: 0.
        min_lr (float or list): lower bound on the rate, or one per group. Default: 0.
        eps (float): minimal change of the rate worth applying. Default: 1e-8.
    """

    def __init__(
        self,
        optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr=0,
        eps: float = 1e-8,
    ):
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor should be < 1.0, got {factor}")
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"ReduceLROnPlateau: {type(optimizer).__name__} is not an Optimizer")
        self.factor = factor
        self.optimizer = optimizer
        n_groups = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n_groups:
                raise ValueError(f"ReduceLROnPlateau: expected {n_groups} min_lrs (one per group), got {len(min_lr)}")
            self.default_min_lr = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * n_groups
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = _current_lrs(optimizer)
        self._init_is_better(mode, threshold, threshold_mode)
        self._reset()

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def _init_is_better(self, mode, threshold, threshold_mode) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode {mode!r} is unknown; expected 'min' or 'max'")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"ReduceLROnPlateau: threshold mode {threshold_mode!r} is unknown; expected 'rel' or 'abs'"
            )
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    @property
    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def is_better(self, a: float, best: float) -> bool:
        if self.mode == "min":
            return a < (best * (1.0 - self.threshold) if self.threshold_mode == "rel" else best - self.threshold)
        return a > (best * (self.threshold + 1.0) if self.threshold_mode == "rel" else best + self.threshold)

    def step(self, metrics, epoch=None) -> None:
        """Record this epoch's metric and reduce the rates if it has plateaued."""
        current = float(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(_EPOCH_DEPRECATION.format(name="ReduceLROnPlateau"), UserWarning, stacklevel=2)
        self.last_epoch = epoch
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = _current_lrs(self.optimizer)

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"ReduceLROnPlateau: the optimizer has {len(groups)} param groups but min_lr was given for "
                    f"{len(self.min_lrs)}; update min_lrs after adding a param group"
                )
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old_lr = float(group["lr"])
            new_lr = max(old_lr * self.factor, min_lr)
            if old_lr - new_lr > self.eps:
                group["lr"] = new_lr

    def load_state_dict(self, state_dict: dict) -> None:
        super().load_state_dict(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)
