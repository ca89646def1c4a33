"""Explicit weight penalties and the decay / no-decay parameter split.

``l2_penalty`` = sum w^2 (gradient 2w) and ``l1_penalty`` = sum |w| (subgradient sign(w), 0 at
w = 0): add ``lam * penalty(params)`` to a loss to regularise explicitly. L2 pulls each weight toward
0 in proportion to its size (shrinkage); L1 pulls with constant force lam, which drives small
weights exactly to 0 (sparsity).

``param_groups_weight_decay`` builds optimizer parameter groups that exempt biases and
normalisation weights (every parameter with at most one dimension) from weight decay: decaying a
bias or a LayerNorm gain only fights the role those parameters play (shift and scale), it does not
reduce capacity.
"""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .module import Module

__all__ = ["l1_penalty", "l2_penalty", "param_groups_weight_decay"]


def _tensors(fn_name: str, params) -> list:
    if isinstance(params, Module):
        return list(params.parameters())
    if isinstance(params, Tensor):
        return [params]
    tensors = list(params)
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(
                f"{fn_name}: expected a Module, a Tensor or an iterable of Tensors, got an element "
                f"of type {type(t).__name__}"
            )
    return tensors


def _sum_of(terms, dtype):
    if not terms:
        return Tensor(np.asarray(0.0, dtype=dtype))
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def l2_penalty(params) -> Tensor:
    """sum over all given tensors of w^2 (no 1/2 factor); differentiable, d/dw = 2w.

    Args:
        params: a Module (its parameters), one Tensor, or an iterable of Tensors.
    """
    tensors = _tensors("l2_penalty", params)
    dtype = tensors[0].dtype if tensors else np.float32
    return _sum_of([(w * w).sum() for w in tensors], dtype)


def l1_penalty(params) -> Tensor:
    """sum over all given tensors of |w|; differentiable with subgradient sign(w) (0 at w = 0).

    Args:
        params: a Module (its parameters), one Tensor, or an iterable of Tensors.
    """
    tensors = _tensors("l1_penalty", params)
    dtype = tensors[0].dtype if tensors else np.float32
    return _sum_of([w.abs().sum() for w in tensors], dtype)


def param_groups_weight_decay(model: Module, weight_decay: float = 1e-5, no_weight_decay_list=()) -> list:
    """Split ``model``'s parameters into two optimizer groups:
    ``[{'params': decay, 'weight_decay': weight_decay}, {'params': no_decay, 'weight_decay': 0.0}]``.

    A parameter goes to no-decay when it has at most one dimension (biases, BatchNorm/LayerNorm
    weights) or its name is in ``no_weight_decay_list``. Both groups are always returned (one may be
    empty).

    Args:
        model: the Module whose parameters are split.
        weight_decay: the decay of the first group.
        no_weight_decay_list: parameter names (as ``named_parameters`` gives them) never decayed.

    Raises:
        RuntimeError: if any parameter would land in no group or in both.
    """
    if not isinstance(model, Module):
        raise TypeError(f"param_groups_weight_decay: expected a Module, got {type(model).__name__}")
    skip = set(no_weight_decay_list)
    decay, no_decay = [], []
    for name, param in model.named_parameters():
        if param.ndim <= 1 or name in skip:
            no_decay.append(param)
        else:
            decay.append(param)
    placed = [id(p) for p in decay] + [id(p) for p in no_decay]
    expected = [id(p) for p in model.parameters()]
    if len(placed) != len(set(placed)) or set(placed) != set(expected):
        raise RuntimeError(
            f"param_groups_weight_decay: {len(expected)} parameters were split into {len(decay)} decay + "
            f"{len(no_decay)} no-decay entries; every parameter must land in exactly one group"
        )
    return [{"params": decay, "weight_decay": weight_decay}, {"params": no_decay, "weight_decay": 0.0}]
