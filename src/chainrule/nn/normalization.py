"""Normalisation layers: BatchNorm1d/BatchNorm2d and LayerNorm, over the fused ops in
``chainrule.ops.normalization`` (PyTorch's arguments, buffers, state_dict keys and running-statistics rules)."""

from __future__ import annotations

import numpy as np

from .. import functional as F
from ..autograd import no_grad
from ..tensor import Tensor
from . import init
from .layers import _parameter_dtype
from .module import Module, Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d", "LayerNorm"]


class _BatchNorm(Module):
    """Shared logic of BatchNorm1d/2d; subclasses only check the input's rank.

    Training: normalise with the batch mean and *biased* batch variance; update
    running = (1 - momentum) * running + momentum * batch with the *unbiased* variance
    (momentum=None: cumulative average, momentum_t = 1 / num_batches_tracked). Evaluation: normalise
    with the running statistics. With ``track_running_stats=False`` there are no buffers and batch
    statistics are used in both modes.

    Args:
        num_features: the number of channels C (dim 1 of the input).
        eps: added to the variance before the square root.
        momentum: the weight of the batch statistics in the running update (None: cumulative).
        affine: whether to learn a per-channel ``weight`` (ones) and ``bias`` (zeros).
        track_running_stats: whether to keep ``running_mean``/``running_var`` buffers.
        device: 'cpu' or None (the only device of the NumPy backend).
        dtype: the parameters' and buffers' floating point dtype (default: chainrule's default).
        bias: with ``affine``, whether to learn the bias too.
    """

    _expected_ranks: tuple = ()

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum=0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        device=None,
        dtype=None,
        *,
        bias: bool = True,
    ):
        super().__init__()
        dtype = _parameter_dtype(type(self).__name__, device, dtype)
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(np.ones(num_features, dtype=dtype))
            if bias:
                self.bias = Parameter(np.zeros(num_features, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", Tensor(np.zeros(num_features, dtype=dtype)))
            self.register_buffer("running_var", Tensor(np.ones(num_features, dtype=dtype)))
            self.register_buffer("num_batches_tracked", Tensor(np.zeros((), dtype=np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self) -> None:
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self) -> None:
        self.reset_running_stats()
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def _check_input(self, input) -> None:
        name = type(self).__name__
        if input.ndim not in self._expected_ranks:
            expected = " or ".join(f"{r}D" for r in self._expected_ranks)
            raise ValueError(
                f"{name}: expected {expected} input (got {input.ndim}D input of shape {tuple(input.shape)})"
            )
        if input.shape[1] != self.num_features:
            raise ValueError(
                f"{name}: expected {self.num_features} channels in dim 1 (num_features), got input of shape "
                f"{tuple(input.shape)}"
            )

    def forward(self, input):
        self._check_input(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            with no_grad():
                self.num_batches_tracked.add_(1)
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked)
        # Batch statistics in training, and in eval too when there are no running buffers.
        use_batch_stats = self.training or (self.running_mean is None and self.running_var is None)
        # Buffers are passed only where they are used or should be updated.
        pass_buffers = not self.training or self.track_running_stats
        return F.batch_norm(
            input,
            self.running_mean if pass_buffers else None,
            self.running_var if pass_buffers else None,
            self.weight,
            self.bias,
            training=use_batch_stats,
            momentum=factor,
            eps=self.eps,
        )

    def extra_repr(self) -> str:
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs, one mean/variance per channel C."""

    _expected_ranks = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) inputs, one mean/variance per channel C."""

    _expected_ranks = (4,)


class LayerNorm(Module):
    """Normalise each sample over its trailing ``normalized_shape`` dims (no running statistics, so
    train and eval behave the same), then apply an elementwise weight (ones) and bias (zeros).

    Args:
        normalized_shape: the trailing shape normalised over (an int for the last dim alone).
        eps: added to the variance before the square root.
        elementwise_affine: whether to learn ``weight`` and ``bias`` of ``normalized_shape``.
        bias: with ``elementwise_affine``, whether to learn the bias too.
        device: 'cpu' or None (the only device of the NumPy backend).
        dtype: the parameters' and buffers' floating point dtype (default: chainrule's default).
    """

    def __init__(
        self,
        normalized_shape,
        eps: float = 1e-5,
        elementwise_affine: bool = True,
        bias: bool = True,
        device=None,
        dtype=None,
    ):
        super().__init__()
        dtype = _parameter_dtype("LayerNorm", device, dtype)
        if isinstance(normalized_shape, (int, np.integer)):
            normalized_shape = (int(normalized_shape),)
        self.normalized_shape = tuple(int(d) for d in normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(np.ones(self.normalized_shape, dtype=dtype))
            if bias:
                self.bias = Parameter(np.zeros(self.normalized_shape, dtype=dtype))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def reset_parameters(self) -> None:
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input):
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self) -> str:
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )
