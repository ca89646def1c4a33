"""Loss modules with PyTorch's constructor arguments, each a thin wrapper over a fused loss op in
``chainrule.functional``. Class weights (``weight``, ``pos_weight``) are registered buffers, as in
PyTorch, so they appear in ``state_dict`` and follow ``module.double()``."""

from __future__ import annotations

import warnings

import numpy as np

from .. import functional as F
from ..tensor import Tensor
from .module import Module

__all__ = ["BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "FocalLoss", "L1Loss", "MSELoss", "NLLLoss"]

_REDUCTIONS = ("mean", "sum", "none")


def _legacy_reduction(size_average, reduce) -> str:
    """Map PyTorch's deprecated size_average/reduce flags onto ``reduction`` (None means True)."""
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    reduction = "mean" if size_average and reduce else "sum" if reduce else "none"
    warnings.warn(
        f"size_average and reduce args will be deprecated, please use reduction='{reduction}' instead.",
        UserWarning,
        stacklevel=4,
    )
    return reduction


def _as_tensor(name: str, value):
    if value is None or isinstance(value, Tensor):
        return value
    if isinstance(value, (np.ndarray, list, tuple)):
        return Tensor(np.asarray(value))
    raise TypeError(f"{name}: expected a Tensor (or array) or None, got {type(value).__name__}")


class _Loss(Module):
    """Base of the loss modules: resolves ``reduction`` (and PyTorch's legacy flags)."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__()
        if size_average is not None or reduce is not None:
            reduction = _legacy_reduction(size_average, reduce)
        if reduction not in _REDUCTIONS:
            raise ValueError(
                f"{type(self).__name__}: {reduction!r} is not a valid value for reduction; "
                f"expected one of {_REDUCTIONS}"
            )
        self.reduction = reduction


class _WeightedLoss(_Loss):
    """A loss with an optional per-class ``weight``, registered as a buffer."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean"):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _as_tensor(type(self).__name__ + " weight", weight))


def _warn_if_broadcasting(name: str, input, target) -> None:
    if tuple(np.shape(target)) != tuple(np.shape(input)):
        warnings.warn(
            f"{name}: using a target size {tuple(np.shape(target))} that is different to the input size "
            f"{tuple(np.shape(input))}. This will likely lead to incorrect results due to broadcasting. "
            "Please ensure they have the same size.",
            UserWarning,
            stacklevel=3,
        )


class MSELoss(_Loss):
    """Mean squared error: mean over elements of (input - target)^2.

    Args:
        size_average, reduce: PyTorch's deprecated flags, mapped onto ``reduction`` with a warning.
        reduction: 'mean', 'sum' or 'none' (the per-element losses).
    """

    def forward(self, input, target):
        _warn_if_broadcasting("MSELoss", input, target)
        return F.mse_loss(input, target, reduction=self.reduction)


class L1Loss(_Loss):
    """Mean absolute error: mean over elements of |input - target|.

    Args:
        size_average, reduce: PyTorch's deprecated flags, mapped onto ``reduction`` with a warning.
        reduction: 'mean', 'sum' or 'none' (the per-element losses).
    """

    def forward(self, input, target):
        _warn_if_broadcasting("L1Loss", input, target)
        return F.l1_loss(input, target, reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """Softmax cross-entropy from logits (N, C, *) against class indices (N, *) or class
    probabilities (N, C, *).

    Args:
        weight: a per-class rescaling weight of shape (C,) (a buffer, so it is in ``state_dict``).
        size_average, reduce: PyTorch's deprecated flags, mapped onto ``reduction`` with a warning.
        ignore_index: a target value that contributes nothing (and is left out of the mean).
        reduction: 'mean', 'sum' or 'none' (the per-element losses).
        label_smoothing: the share ε of the target mass spread uniformly over the classes, in [0, 1].
    """

    def __init__(
        self,
        weight=None,
        size_average=None,
        ignore_index: int = -100,
        reduce=None,
        reduction: str = "mean",
        label_smoothing: float = 0.0,
    ):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return F.cross_entropy(
            input,
            target,
            weight=self.weight,
            ignore_index=self.ignore_index,
            reduction=self.reduction,
            label_smoothing=self.label_smoothing,
        )


class NLLLoss(_WeightedLoss):
    """Negative log-likelihood on log-probabilities (pair with LogSoftmax).

    Args:
        weight: a per-class rescaling weight of shape (C,) (a buffer, so it is in ``state_dict``).
        size_average, reduce: PyTorch's deprecated flags, mapped onto ``reduction`` with a warning.
        ignore_index: a target value that contributes nothing (and is left out of the mean).
        reduction: 'mean', 'sum' or 'none' (the per-element losses).
    """

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None, reduction: str = "mean"):
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index, reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits (sigmoid folded in, never overflows); ``pos_weight`` scales
    the positive term per class, the usual lever for class imbalance.

    Args:
        weight: a rescaling weight broadcast against the per-element losses (a buffer).
        size_average, reduce: PyTorch's deprecated flags, mapped onto ``reduction`` with a warning.
        reduction: 'mean', 'sum' or 'none' (the per-element losses).
        pos_weight: a weight of the positive term per class, e.g. negatives / positives (a buffer).
    """

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean", pos_weight=None):
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", _as_tensor("BCEWithLogitsLoss weight", weight))
        self.register_buffer("pos_weight", _as_tensor("BCEWithLogitsLoss pos_weight", pos_weight))

    def forward(self, input, target):
        return F.binary_cross_entropy_with_logits(
            input, target, self.weight, reduction=self.reduction, pos_weight=self.pos_weight
        )


class BCELoss(_WeightedLoss):
    """Binary cross-entropy on probabilities in [0, 1] (logs clamped at -100 as in PyTorch).

    Args:
        weight: a rescaling weight broadcast against the per-element losses (a buffer).
        size_average, reduce: PyTorch's deprecated flags, mapped onto ``reduction`` with a warning.
        reduction: 'mean', 'sum' or 'none' (the per-element losses).
    """

    def forward(self, input, target):
        return F.binary_cross_entropy(input, target, weight=self.weight, reduction=self.reduction)


class FocalLoss(_Loss):
    """Focal loss (Lin et al. 2017): cross-entropy scaled by (1 - p_t)^gamma so that the many
    easy, confidently-classified examples stop dominating the gradient of a rare class.

    ``binary=True`` takes logits and 0/1 targets of the same shape (torchvision's
    ``sigmoid_focal_loss``, alpha weighting positives vs negatives; alpha < 0 disables it);
    ``binary=False`` takes (N, C) logits and class indices, ``alpha`` an optional per-class weight.

    Args:
        alpha: the positive-class weight (binary; None or < 0 disables it) or a per-class weight.
        gamma: the focusing exponent, >= 0 (0 gives plain cross-entropy).
        reduction: 'mean', 'sum' or 'none' (the per-element losses).
        binary: sigmoid focal loss on logits (True) or softmax focal loss over C classes (False).
        ignore_index: a class index that contributes nothing (``binary=False`` only).
    """

    def __init__(
        self, alpha=0.25, gamma: float = 2.0, reduction: str = "mean", binary: bool = True, ignore_index: int = -100
    ):
        super().__init__(None, None, reduction)
        if gamma < 0:
            raise ValueError(f"FocalLoss: gamma must be >= 0, got {gamma}")
        self.alpha, self.gamma, self.binary, self.ignore_index = alpha, float(gamma), bool(binary), ignore_index

    def forward(self, input, target):
        if self.binary:
            alpha = -1.0 if self.alpha is None else self.alpha
            return F.sigmoid_focal_loss(input, target, alpha=alpha, gamma=self.gamma, reduction=self.reduction)
        return F.focal_loss(
            input, target, gamma=self.gamma, alpha=self.alpha, reduction=self.reduction, ignore_index=self.ignore_index
        )

    def extra_repr(self) -> str:
        return f"alpha={self.alpha}, gamma={self.gamma}, binary={self.binary}"
