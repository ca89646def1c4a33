"""Gradient clipping and flat parameter vectors (``torch.nn.utils`` names and semantics).

``clip_grad_norm_`` treats all gradients as one long vector g and, when ||g||_p exceeds
``max_norm``, rescales every gradient by max_norm / (||g||_p + 1e-6): the update keeps its direction
and only its length is capped, which is what stops one exploding step from wrecking training (the
classic remedy for RNNs). ``clip_grad_value_`` clamps each element instead, which changes the
direction.
"""

from __future__ import annotations

import math

import numpy as np

from ... import backend
from ... import functional as F
from ...autograd import no_grad
from ...tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]


def _as_list(fn_name: str, parameters) -> list:
    if isinstance(parameters, Tensor):
        return [parameters]
    params = list(parameters)
    for p in params:
        if not isinstance(p, Tensor):
            raise TypeError(f"{fn_name}: expected Tensors (parameters), got {type(p).__name__}")
    return params


def _vector_norm(array: np.ndarray, norm_type: float) -> float:
    """||array||_p over all elements, in float64: inf -> max |x|, -inf -> min |x|, 0 -> number of
    non-zeros, else (sum |x|^p)^(1/p) (torch.linalg.vector_norm's definitions)."""
    values = np.abs(array.astype(np.float64, copy=False)).ravel()
    if norm_type == math.inf:
        return float(values.max()) if values.size else 0.0
    if norm_type == -math.inf:
        if not values.size:
            raise RuntimeError("clip_grad_norm_: the -inf norm of an empty gradient is undefined")
        return float(values.min())
    if norm_type == 0:
        return float(np.count_nonzero(values))
    if norm_type == 2:
        return float(np.sqrt(np.dot(values, values)))
    return float(np.sum(values**norm_type) ** (1.0 / norm_type))


def clip_grad_norm_(
    parameters, max_norm: float, norm_type: float = 2.0, error_if_nonfinite: bool = False, foreach=None
) -> Tensor:
    """Scale the gradients of ``parameters`` in place so their joint ``norm_type``-norm is at most
    ``max_norm``; return the joint norm *before* clipping, as a 0-d Tensor.

    The joint norm is the norm of the per-parameter norms (equal to the norm of all gradients
    concatenated). The scale is min(1, max_norm / (total + 1e-6)) and is applied even when it is 1,
    as in PyTorch.

    Args:
        parameters: a Tensor or an iterable of Tensors whose ``.grad`` is clipped.
        max_norm: the largest joint norm allowed.
        norm_type: the order p of the norm (``inf`` for the max norm).
        error_if_nonfinite: raise RuntimeError on a NaN/Inf total norm instead of letting it
            propagate into the gradients.
        foreach: accepted for compatibility and ignored.
    """
    params = _as_list("clip_grad_norm_", parameters)
    grads = [p.grad for p in params if p.grad is not None]
    norm_type = float(norm_type)
    if not grads:
        return Tensor(np.asarray(0.0, dtype=backend.get_default_dtype()))
    dtype = np.result_type(*[g.dtype for g in grads])
    per_grad = np.array([_vector_norm(g._data, norm_type) for g in grads])
    total = _vector_norm(per_grad, norm_type)
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(
            f"clip_grad_norm_: the total norm of order {norm_type} for gradients from `parameters` is non-finite "
            f"({total}), so it cannot be clipped. To disable this error and scale the gradients by the "
            "non-finite norm anyway, set `error_if_nonfinite=False`"
        )
    coefficient = float(max_norm) / (total + 1e-6)
    if coefficient > 1.0:  # NaN compares False, so a NaN coefficient is applied, as in PyTorch
        coefficient = 1.0
    with np.errstate(invalid="ignore", over="ignore"):
        for g in grads:
            # In place, as torch's grad.mul_(coefficient): a reference to p.grad sees the clipping.
            np.multiply(g._data, coefficient, out=g._data, casting="unsafe")
            g._bump_version()
    return Tensor(np.asarray(total, dtype=dtype))


def clip_grad_value_(parameters, clip_value: float, foreach=None) -> None:
    """Clamp every gradient element of ``parameters`` to [-clip_value, clip_value] in place.

    Args:
        parameters: a Tensor or an iterable of Tensors whose ``.grad`` is clamped.
        clip_value: the largest absolute value a gradient element keeps.
        foreach: accepted for compatibility and ignored.
    """
    params = _as_list("clip_grad_value_", parameters)
    clip_value = float(clip_value)
    for p in params:
        if p.grad is not None:
            np.clip(p.grad._data, -clip_value, clip_value, out=p.grad._data, casting="unsafe")
            p.grad._bump_version()


def parameters_to_vector(parameters) -> Tensor:
    """Concatenate the flattened parameters into one 1-D tensor (differentiable, as in PyTorch).

    Args:
        parameters: a Tensor or a non-empty iterable of Tensors.
    """
    params = _as_list("parameters_to_vector", parameters)
    if not params:
        raise ValueError("parameters_to_vector: got an empty parameter list")
    return F.cat([p.reshape(-1) for p in params])


def vector_to_parameters(vec, parameters) -> None:
    """Copy consecutive slices of the 1-D ``vec`` into ``parameters`` (reshaped to each one).

    Each parameter's memory becomes a *copy* of its slice (PyTorch makes it a view of ``vec``):
    a later in-place update of one would otherwise silently change the other.

    Args:
        vec: a 1-D Tensor with as many elements as all ``parameters`` together.
        parameters: a Tensor or an iterable of Tensors, filled in order.
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected a chainrule Tensor for vec, but got {type(vec).__name__}")
    params = _as_list("vector_to_parameters", parameters)
    total = sum(p.numel() for p in params)
    if vec.ndim != 1 or vec.shape[0] != total:
        raise ValueError(
            f"vector_to_parameters: vec must be 1-D with {total} elements (the parameters' total size), "
            f"got shape {tuple(vec.shape)}"
        )
    offset = 0
    with no_grad():
        for p in params:
            n = p.numel()
            p._data = vec._data[offset : offset + n].reshape(p.shape).copy()
            p._bump_version()
            offset += n
