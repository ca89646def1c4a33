"""Look inside a network while it trains: gradient flow, dead ReLUs, saturation, sparsity.

Each function answers one question a practitioner asks when training goes wrong:

* :func:`gradient_norms` / :func:`layer_gradient_norms` — do the gradients reach the first
  layers, or do they vanish (sigmoid stacks) or explode (no normalisation, large init)?
* :func:`dead_relu_fraction` — how many ReLU units never fire on the data? A unit whose
  pre-activation is negative for every input has zero gradient and will never recover.
* :func:`activation_stats` — are activations centred and of sensible scale, and how many
  sigmoid/tanh units sit in the flat tails, where their derivative is ~0?
* :func:`weight_sparsity` — how much of the weight mass is (near) zero, e.g. after L1?
* :func:`update_to_weight_ratio` — is the learning rate sensible? A rule of thumb
  (Karpathy's) puts one step's ||Δw|| / ||w|| near 1e-3: much larger and training is unstable,
  much smaller and it crawls.

Activations are observed with forward hooks; every hook is removed before the function returns,
even if the forward pass raises, and the forward passes run under ``no_grad`` in eval mode (the
model's mode is restored afterwards).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np

from . import nn
from .autograd import no_grad
from .tensor import Tensor

__all__ = [
    "activation_stats",
    "dead_relu_fraction",
    "gradient_norms",
    "layer_gradient_norms",
    "update_to_weight_ratio",
    "weight_sparsity",
]


def _raw(value) -> np.ndarray:
    return value._data if isinstance(value, Tensor) else np.asarray(value)


def _l2(array) -> float:
    # float64 accumulation: a float32 sum of squares loses digits for large layers.
    return float(np.sqrt(np.sum(np.square(array, dtype=np.float64))))


def _check_module(model, where: str) -> None:
    if not isinstance(model, nn.Module):
        raise TypeError(f"{where}: expected a chainrule.nn.Module, got {type(model).__name__}")


# ---------------------------------------------------------------------------- gradients
def gradient_norms(model) -> dict:
    """``{parameter name: L2 norm of its .grad}``, for every parameter that has a gradient
    (parameters whose ``.grad`` is None — frozen, or unused in the last backward — are left out).

    Args:
        model: the Module whose parameters' gradients are measured (after a backward pass).
    """
    _check_module(model, "gradient_norms")
    return {name: _l2(p.grad._data) for name, p in model.named_parameters() if p.grad is not None}


def layer_gradient_norms(model, include_bias: bool = False) -> dict:
    """``{module name: L2 norm of the gradient of that module's own weights}``.

    The parameters directly owned by a module (``'0.weight'`` belongs to module ``'0'``) are
    pooled into one norm — the classic per-layer gradient-flow plot. Biases (parameters whose
    name starts with ``bias``) are left out unless ``include_bias=True``: their gradient is just
    the summed upstream gradient and says little about how well the layer's weights learn.

    Args:
        model: the Module whose gradients are measured (after a backward pass).
        include_bias: whether bias gradients count towards their module's norm.
    """
    _check_module(model, "layer_gradient_norms")
    squares: dict[str, float] = {}
    for name, p in model.named_parameters():
        module_name, _, leaf = name.rpartition(".")
        if p.grad is None or (leaf.startswith("bias") and not include_bias):
            continue
        squares[module_name] = squares.get(module_name, 0.0) + _l2(p.grad._data) ** 2
    return {name: math.sqrt(total) for name, total in squares.items()}


# ---------------------------------------------------------------------------- activations
def _batches(data, where: str):
    """Inputs from a Tensor/array (one batch) or from a loader of batches or (inputs, targets)."""
    if isinstance(data, (Tensor, np.ndarray)):
        yield data if isinstance(data, Tensor) else Tensor(data)
        return
    try:
        iterator = iter(data)
    except TypeError:
        raise TypeError(
            f"{where}: expected a Tensor, a NumPy array or a data loader, got {type(data).__name__}"
        ) from None
    for batch in iterator:
        yield batch[0] if isinstance(batch, (list, tuple)) else batch


def _observe(model, data, modules: dict, on_output, where: str) -> None:
    """Run ``model`` over ``data`` with a forward hook on each of ``modules`` (name -> module)
    calling ``on_output(name, module, output_array)``; remove the hooks whatever happens."""
    handles = []
    was_training = model.training
    try:
        for name, module in modules.items():

            def hook(module, inputs, output, name=name):
                if isinstance(output, Tensor):
                    on_output(name, module, output._data)

            handles.append(module.register_forward_hook(hook))
        model.eval()
        seen = 0
        with no_grad():
            for inputs in _batches(data, where):
                model(inputs)
                seen += 1
        if seen == 0:
            raise ValueError(f"{where}: the data produced no batches")
    finally:
        for handle in handles:
            handle.remove()
        model.train(was_training)


def dead_relu_fraction(model, data, layer_types=(nn.ReLU,)) -> dict:
    """``{module name: fraction of its units that output 0 for every sample in data}``.

    A *unit* is one position of the layer's output without the batch axis (a feature for (N, F)
    outputs). Layers that never ran are left out.

    Args:
        model: the Module to run.
        data: a Tensor/array of inputs, or a loader yielding inputs or (inputs, targets) batches.
        layer_types: the module classes to watch.
    """
    _check_module(model, "dead_relu_fraction")
    layer_types = tuple(layer_types)
    modules = {name: m for name, m in model.named_modules() if isinstance(m, layer_types)}
    alive: dict[str, np.ndarray] = {}

    def record(name, module, output):
        fired = np.any(output != 0, axis=0) if output.ndim else np.asarray(output != 0)
        alive[name] = fired if name not in alive else (alive[name] | fired)

    _observe(model, data, modules, record, "dead_relu_fraction")
    return {name: 1.0 - float(np.mean(fired)) for name, fired in alive.items()}


def _saturated(module, output):
    """Count of outputs in the flat tails of a sigmoid/tanh, or None for other layers."""
    if isinstance(module, nn.Sigmoid):
        return int(np.count_nonzero((output < 0.01) | (output > 0.99)))
    if isinstance(module, nn.Tanh):
        return int(np.count_nonzero(np.abs(output) > 0.99))
    return None


def activation_stats(model, data) -> dict:
    """``{module name: {'mean', 'std', 'saturation'}}`` of every leaf module's output over data.

    ``std`` is the population standard deviation over all output elements of all samples.
    ``saturation`` is, for ``Sigmoid`` layers, the fraction of outputs < 0.01 or > 0.99 and, for
    ``Tanh`` layers, the fraction with |output| > 0.99 (where the derivative is below ~0.02);
    None for other layers.

    Args:
        model: the Module to run.
        data: a Tensor/array of inputs, or a loader yielding inputs or (inputs, targets) batches.
    """
    _check_module(model, "activation_stats")
    modules = {name: m for name, m in model.named_modules() if name and next(m.children(), None) is None}
    totals: dict[str, tuple] = {}  # name -> (count, mean, m2, saturated count)

    def record(name, module, output):
        batch = (*_moments(output), _saturated(module, output))
        totals[name] = batch if name not in totals else _merge(totals[name], batch)

    _observe(model, data, modules, record, "activation_stats")
    stats = {}
    for name, (count, mean, m2, saturated) in totals.items():
        stats[name] = {
            "mean": mean if count else math.nan,
            "std": math.sqrt(m2 / count) if count else math.nan,
            "saturation": None if saturated is None else (saturated / count if count else math.nan),
        }
    return stats


def _moments(output) -> tuple:
    """(element count, mean, sum of squared deviations) of one batch, in float64."""
    values = output.astype(np.float64, copy=False)
    mean = float(values.mean()) if values.size else 0.0
    return values.size, mean, float(np.sum(np.square(values - mean)))


def _merge(totals: tuple, batch: tuple) -> tuple:
    """Combine two (count, mean, m2, saturated) summaries with Chan et al.'s parallel update, so
    that many batches do not lose the precision a running sum of squares would."""
    n, mean, m2, saturated = totals
    count, batch_mean, batch_m2, batch_saturated = batch
    delta = batch_mean - mean
    total = n + count
    return (
        total,
        mean + delta * count / total if total else 0.0,
        m2 + batch_m2 + delta * delta * n * count / total if total else 0.0,
        None if batch_saturated is None else saturated + batch_saturated,
    )


# ---------------------------------------------------------------------------- weights
def _named_arrays(obj, where: str) -> dict:
    if isinstance(obj, nn.Module):
        return {name: p._data for name, p in obj.named_parameters()}
    if isinstance(obj, Mapping):
        return {name: _raw(value) for name, value in obj.items()}
    raise TypeError(f"{where}: expected a Module or a state dict (name -> array), got {type(obj).__name__}")


def weight_sparsity(model, tol: float = 1e-3) -> dict:
    """``{'parameters': {name: fraction of |w| < tol}, 'overall': fraction over all of them}``.

    ``overall`` weighs each parameter by its size, i.e. it is the fraction over every scalar
    weight of the model.

    Args:
        model: a Module (its parameters) or a state dict (name -> array).
        tol: the magnitude below which a weight counts as zero.
    """
    if not tol >= 0:
        raise ValueError(f"weight_sparsity: tol must be >= 0, got {tol!r}")
    arrays = _named_arrays(model, "weight_sparsity")
    per_parameter, small, total = {}, 0, 0
    for name, array in arrays.items():
        count = int(np.count_nonzero(np.abs(array) < tol))
        per_parameter[name] = count / array.size if array.size else math.nan
        small += count
        total += array.size
    return {"parameters": per_parameter, "overall": small / total if total else math.nan}


def update_to_weight_ratio(before_state, after_state) -> dict:
    """``{name: ||after - before|| / ||before||}`` for two snapshots of the same model.

    Take ``before = model.state_dict()``, run an optimizer step (or an epoch), then
    ``after = model.state_dict()``. A weight that was exactly zero gives ``inf`` if it moved and
    NaN if it did not.

    Args:
        before_state: the earlier snapshot: a state dict or a Module.
        after_state: the later snapshot, with the same entries and shapes.
    """
    before = _named_arrays(before_state, "update_to_weight_ratio")
    after = _named_arrays(after_state, "update_to_weight_ratio")
    if before.keys() != after.keys():
        missing = sorted(before.keys() - after.keys())
        extra = sorted(after.keys() - before.keys())
        raise ValueError(
            f"update_to_weight_ratio: the two states have different entries (only in before: {missing}; "
            f"only in after: {extra})"
        )
    ratios = {}
    for name, old in before.items():
        new = after[name]
        if old.shape != new.shape:
            raise ValueError(f"update_to_weight_ratio: {name!r} has shape {old.shape} before but {new.shape} after")
        update = _l2(new.astype(np.float64) - old.astype(np.float64))
        weight = _l2(old)
        if weight == 0:
            ratios[name] = math.inf if update > 0 else math.nan
        else:
            ratios[name] = update / weight
    return ratios
