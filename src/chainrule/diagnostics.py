"""Look inside a network while it trains: gradient flow, dead ReLUs, saturation, sparsity.

Each function answers one question a practitioner asks when training goes wrong:

* :func:`gradient_norms` / :func:`layer_gradient_norms` — do the gradients reach the first
  layers, or do they vanish (sigmoid stacks) or explode (no normalisation, large init)?
* :func:`dead_relu_fraction` — how many ReLU units never fire on the data? A unit whose
  pre-activation is negative for every input has zero gradient and will never recover.
* :func:`activation_stats` — are activations centred and of sensible scale, and how many
  sigmoid/tanh units sit in the flat tails, where their derivative is ~0?
* :func:`weight_sparsity` — how much of the weight mass is (near) zero, e.g. after L1?
* :func:`time_step_gradient_norms` / :func:`hidden_state_gradient_norms` — in a recurrent
  model, how far back in time does the learning signal reach? ``||dL/dx_t||`` and
  ``||dL/dh_t||`` per step ``t`` show vanishing gradients through time directly.
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

from . import creation, nn
from .autograd import grad as autograd_grad
from .autograd import no_grad
from .tensor import Tensor

__all__ = [
    "activation_stats",
    "dead_relu_fraction",
    "gradient_norms",
    "hidden_state_gradient_norms",
    "layer_gradient_norms",
    "time_step_gradient_norms",
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


# ---------------------------------------------------------------------------- time steps
_RECURRENT_LAYERS = ("RNN", "LSTM", "GRU")


def _recurrent_kind(module) -> str | None:
    """'RNN', 'LSTM' or 'GRU' for chainrule's fused recurrent layers (and their subclasses), by
    the PyTorch parameter layout they share (``weight_ih_l0`` ...), else None."""
    if not isinstance(module, nn.Module) or "weight_ih_l0" not in module._parameters:
        return None
    for cls in type(module).__mro__:
        if cls.__name__ in _RECURRENT_LAYERS:
            return cls.__name__
    return None


def _sequence_input(inputs, batch_first: bool, where: str) -> tuple[Tensor, int]:
    """A fresh float leaf that requires grad (the caller's tensor is left alone), and its time axis."""
    if not isinstance(batch_first, bool):
        raise TypeError(f"{where}: batch_first should be True or False, got {batch_first!r}")
    array = _raw(inputs)
    if array.dtype.kind != "f":
        raise TypeError(
            f"{where}: inputs must be a floating-point (T, B, F) / (B, T, F) tensor to be "
            f"differentiated, got dtype {array.dtype} (one-hot encode token ids first)"
        )
    if array.ndim not in (2, 3):
        raise ValueError(
            f"{where}: inputs should be (T, B, F), (B, T, F) with batch_first=True, or unbatched (T, F); "
            f"got shape {tuple(array.shape)}"
        )
    time_axis = 1 if batch_first and array.ndim == 3 else 0
    return Tensor(array).requires_grad_(), time_axis


def _packed_input(inputs, where: str):
    """The PackedSequence with its data copied into a fresh float leaf that requires grad."""
    data = _raw(inputs.data)
    if data.dtype.kind != "f" or data.ndim != 2:
        raise TypeError(
            f"{where}: a packed input must hold floating-point (sum of lengths, F) data to be "
            f"differentiated, got dtype {data.dtype} and shape {tuple(data.shape)}"
        )
    leaf = Tensor(data).requires_grad_()
    return nn.utils.rnn.PackedSequence(leaf, inputs.batch_sizes, inputs.sorted_indices, inputs.unsorted_indices)


def _scalar_loss(model, x, targets, loss_fn, where: str) -> Tensor:
    output = model(x)
    # a bare recurrent layer returns (output, state); a PackedSequence is a namedtuple, not that
    if isinstance(output, (tuple, list)) and not isinstance(output, nn.utils.rnn.PackedSequence):
        output = output[0]
    if targets is not None and not isinstance(targets, Tensor):
        targets = Tensor(np.asarray(targets))
    loss = loss_fn(output, targets)
    if not isinstance(loss, Tensor) or loss.numel() != 1:
        shape = tuple(loss.shape) if isinstance(loss, Tensor) else type(loss).__name__
        raise ValueError(f"{where}: loss_fn must return a scalar Tensor, got {shape}")
    return loss.reshape(())


def _step_norms(grad, time_axis: int) -> np.ndarray:
    """L2 norm of each time slice of ``grad`` (over batch and features), in float64."""
    squares = np.square(grad.astype(np.float64))
    axes = tuple(a for a in range(squares.ndim) if a != time_axis)
    return np.sqrt(squares.sum(axis=axes))


def time_step_gradient_norms(model, inputs, targets, loss_fn, *, batch_first: bool = False) -> np.ndarray:
    """``||dL/dx_t||`` for every time step ``t``: how strongly the loss reacts to each input step.

    Plotted against ``t`` this shows how far back the learning signal reaches: for a tanh RNN
    whose loss is read at the last step, the norm typically decays geometrically towards the
    early steps (vanishing gradients), which is why it cannot learn to use them; an LSTM's
    additive cell path keeps it far flatter.

    The input is copied into a fresh leaf that requires grad, the model is run once in eval
    mode (dropout off, so the number is reproducible; the mode is restored), and the gradient
    is taken with :func:`chainrule.autograd.grad`, so no parameter's ``.grad`` is touched. Any
    model works: all it needs is to take the whole sequence as one tensor.

    Args:
        model: a callable (usually a Module) mapping the input sequence to an output; if it
            returns a tuple (as a bare ``nn.LSTM`` does) the first element is the output.
        inputs: a float tensor or array of shape (T, B, F), (B, T, F) with
            ``batch_first=True``, or unbatched (T, F); or a ``PackedSequence`` of float data,
            passed to ``model`` as one (``batch_first`` is then ignored).
        targets: passed to ``loss_fn`` unchanged (an array becomes a Tensor); None if
            ``loss_fn`` needs none.
        loss_fn: ``loss_fn(output, targets)`` returning a scalar loss, e.g. ``F.mse_loss``.
        batch_first: whether axis 0 of a 3-D input is the batch (then axis 1 is time).

    Returns:
        A float64 array of shape (T,): entry ``t`` is the L2 norm of ``dL/dx_t`` over the batch
        and the features. For a ``PackedSequence``, T is ``len(batch_sizes)`` (the longest
        sequence) and entry ``t`` is over the ``batch_sizes[t]`` sequences longer than ``t``.
    """
    where = "time_step_gradient_norms"
    if isinstance(inputs, nn.utils.rnn.PackedSequence):
        x = _packed_input(inputs, where)
        with _eval_mode(model):
            loss = _scalar_loss(model, x, targets, loss_fn, where)
        (grad,) = autograd_grad(loss, [x.data], allow_unused=True)
        sizes = x.batch_sizes._data
        if grad is None:
            return np.zeros(len(sizes))
        # packed data is time-major: the rows of step t are the batch_sizes[t] running sequences
        ends = np.cumsum(sizes)
        squares = np.square(grad._data.astype(np.float64)).sum(axis=1)  # (sum of lengths,)
        return np.sqrt([squares[end - size : end].sum() for size, end in zip(sizes, ends)])
    x, time_axis = _sequence_input(inputs, batch_first, where)
    with _eval_mode(model):
        loss = _scalar_loss(model, x, targets, loss_fn, where)
    (grad,) = autograd_grad(loss, [x], allow_unused=True)
    if grad is None:
        return np.zeros(x.shape[time_axis])
    return _step_norms(grad._data, time_axis)


def hidden_state_gradient_norms(
    model, inputs, targets, loss_fn, *, module=None, layer: int = -1, batch_first: bool = False
) -> np.ndarray:
    """``||dL/dh_t||`` for every time step ``t``: the learning signal arriving at the hidden state.

    ``dL/dh_t`` is the *total* gradient of the loss with respect to the hidden state after step
    ``t`` -- through the output at ``t`` and through every later step -- so it is the signal the
    recurrent weights receive from step ``t``. Unlike :func:`time_step_gradient_norms` it does
    not mix in the input weights.

    Which tensors are the hidden states depends on the model:

    * **step-wise models** -- a forward loop calling a cell once per step (``nn.RNNCell``,
      ``nn.LSTMCell``, ``nn.GRUCell`` or a hand-built cell such as ``tanh(Linear(x) +
      Linear(h))``): pass that cell as ``module``. The output of each call (``h``, or the
      first element of ``(h, c)``) is recorded, in call order, with a forward hook.
    * **fused layers** -- ``nn.RNN``, ``nn.LSTM``, ``nn.GRU``: their fused kernels keep the
      per-step states inside one op, so there is no ``h_t`` tensor to differentiate. For the
      duration of this call the layer's forward is replaced by a loop that feeds the sequence
      through the layer one step at a time, carrying ``h`` (and ``c``), with the layer's own
      parameters and gate equations (PyTorch's: LSTM i, f, g, o; GRU r, z, n with ``b_hn``
      inside the reset product). That is the same function -- the loss is unchanged -- and it
      exposes every ``h_t``. For a stack (``num_layers > 1``) ``layer`` picks whose states are
      measured; for a bidirectional layer step ``t`` combines both directions' states at ``t``.
      With ``proj_size`` P > 0 (LSTM), ``h_t`` is the projected state ``(o * tanh c_t) W_hr^T``
      of width P -- the tensor fed back and output -- so the norm is over P units, not over
      the cell's H.

    **Packed sequences**: ``inputs`` may be a ``PackedSequence`` (it is passed to ``model``
    as one, with its data copied into a fresh leaf), and a fused layer may also receive one
    from inside the model (a model that packs its padded input). Step ``t`` then runs only the
    ``batch_sizes[t]`` sequences longer than ``t`` (a sequence that has ended keeps its state,
    so the final states are taken at each sequence's own last step, as in torch), and entry
    ``t`` is the norm of ``dL/dh_t`` over those running sequences: the padding of shorter
    sequences contributes nothing, because there is no ``h_t`` for them. The result has one
    entry per step of the longest sequence, ``len(batch_sizes)``.

    Like :func:`time_step_gradient_norms` it runs in eval mode (restored afterwards) and leaves
    every ``.grad`` untouched.

    Args:
        model: the Module to run on ``inputs``.
        inputs: a float tensor or array (T, B, F), (B, T, F) with ``batch_first=True``, or
            unbatched (T, F); or a ``PackedSequence`` of float data (``batch_first`` is then
            ignored).
        targets: passed to ``loss_fn`` unchanged (an array becomes a Tensor).
        loss_fn: ``loss_fn(output, targets)`` returning a scalar loss.
        module: the recurrent submodule (or its name in ``model``); default: the one fused
            ``RNN``/``LSTM``/``GRU`` layer in ``model`` (an error if there is none or several).
        layer: for a fused stack, the layer whose hidden states are measured (default the last).
        batch_first: whether axis 0 of a 3-D ``inputs`` is the batch.

    Returns:
        A float64 array: one entry per recorded step (T of them for a cell called once per
        step or a fused layer; T = ``len(batch_sizes)`` for packed input), entry ``t`` being the
        L2 norm of ``dL/dh_t`` over the batch (for packed input, the sequences running at
        ``t``), the hidden units (P of them with ``proj_size``) and, for a bidirectional
        layer, both directions: ``sqrt(||dL/dh_t_fwd||^2 + ||dL/dh_t_bwd||^2)``.
    """
    where = "hidden_state_gradient_norms"
    _check_module(model, where)
    target_module = _find_recurrent(model, module, where)
    x = _packed_input(inputs, where) if isinstance(inputs, nn.utils.rnn.PackedSequence) else None
    if x is None:
        x, _ = _sequence_input(inputs, batch_first, where)
    kind = _recurrent_kind(target_module)
    states: list = []
    with _eval_mode(model):
        if kind is None:
            handle = target_module.register_forward_hook(
                lambda mod, args, output: states.append([output[0] if isinstance(output, (tuple, list)) else output])
            )
            try:
                loss = _scalar_loss(model, x, targets, loss_fn, where)
            finally:
                handle.remove()
        else:
            layers = int(target_module.num_layers)
            if not -layers <= layer < layers:
                raise IndexError(f"{where}: layer {layer} is out of range for a {kind} with num_layers={layers}")
            with _unrolled(target_module, kind, layer % layers, states, where):
                loss = _scalar_loss(model, x, targets, loss_fn, where)
    if not states:
        raise ValueError(f"{where}: the watched module {type(target_module).__name__} was not called by the model")
    flat = [h for step in states for h in step]
    for h in flat:
        if not isinstance(h, Tensor) or not h.requires_grad:
            raise ValueError(f"{where}: the watched module's outputs are not tensors that take part in the loss")
    grads = autograd_grad(loss, flat, allow_unused=True)
    norms, position = [], 0
    for step in states:
        squares = 0.0
        for gradient in grads[position : position + len(step)]:
            squares += 0.0 if gradient is None else _l2(gradient._data) ** 2
        position += len(step)
        norms.append(math.sqrt(squares))
    return np.asarray(norms, dtype=np.float64)


class _eval_mode:
    """Run a Module in eval mode and restore its mode (a plain callable is left alone)."""

    def __init__(self, model) -> None:
        self.model = model if isinstance(model, nn.Module) else None

    def __enter__(self):
        if self.model is not None:
            self.was_training = self.model.training
            self.model.eval()

    def __exit__(self, *exc):
        if self.model is not None:
            self.model.train(self.was_training)


def _find_recurrent(model, module, where: str):
    if isinstance(module, str):
        try:
            return model.get_submodule(module)
        except AttributeError as error:
            raise ValueError(f"{where}: model has no submodule named {module!r}") from error
    if module is not None:
        if not isinstance(module, nn.Module) or not any(m is module for m in model.modules()):
            raise ValueError(f"{where}: module must be a submodule of model (or its name), got {type(module).__name__}")
        return module
    found = [m for m in model.modules() if _recurrent_kind(m) is not None]
    if len(found) != 1:
        raise ValueError(
            f"{where}: found {len(found)} fused RNN/LSTM/GRU layers in the model; pass module= to say "
            "which recurrent layer or cell to watch"
        )
    return found[0]


class _unrolled:
    """Temporarily replace a fused recurrent layer's forward with a step-by-step loop (same
    parameters, same equations) that appends, per time step, the watched layer's ``h_t`` of
    each direction to ``states``."""

    def __init__(self, module, kind: str, layer: int, states: list, where: str) -> None:
        self.module, self.kind, self.layer, self.states, self.where = module, kind, layer, states, where

    def __enter__(self):
        self.previous = self.module.__dict__.get("forward")
        self.module.__dict__["forward"] = self.forward

    def __exit__(self, *exc):
        if self.previous is None:
            del self.module.__dict__["forward"]
        else:
            self.module.__dict__["forward"] = self.previous

    def forward(self, input, hx=None):  # noqa: A002 - PyTorch's argument name
        """The layer's function on a padded (T, B, F) / (B, T, F) / (T, F) tensor or on a
        PackedSequence, as a loop over time steps. Each step's input is a (B_t, F) tensor where
        B_t is how many sequences still run at step t (B for padded input); a sequence that has
        ended keeps its last state, as in torch's packed kernels."""
        from . import functional as F

        module, kind, where = self.module, self.kind, self.where
        packed = isinstance(input, nn.utils.rnn.PackedSequence)
        if not packed and not isinstance(input, Tensor):
            raise TypeError(
                f"{where}: the unrolled {kind} takes a Tensor or a PackedSequence, got {type(input).__name__}"
            )
        directions = 2 if module.bidirectional else 1
        proj_size = int(getattr(module, "proj_size", 0) or 0)
        width = proj_size or module.hidden_size  # of h; c keeps hidden_size
        if packed:
            data, batch_sizes, sorted_indices, unsorted_indices = input
            sizes = [int(n) for n in batch_sizes._data]
            offsets = np.concatenate([[0], np.cumsum(sizes)])
            steps_in = [data[offsets[t] : offsets[t + 1]] for t in range(len(sizes))]  # each (B_t, F)
            batched = True
        else:
            batched = input.dim() == 3
            x = input if batched else input.unsqueeze(1)  # (T, B, F) or (B, T, F)
            if batched and module.batch_first:
                x = x.transpose(0, 1)  # (T, B, F)
            steps_in = list(x.unbind(0))  # T tensors (B, F)
            sizes = [x.shape[1]] * x.shape[0]
            sorted_indices = unsorted_indices = None
        steps, batch = len(sizes), sizes[0]
        rows = module.num_layers * directions
        if hx is None:
            h0 = creation.zeros(rows, batch, width, dtype=steps_in[0].dtype)
            c0 = creation.zeros(rows, batch, module.hidden_size, dtype=steps_in[0].dtype)
        else:
            h0, c0 = hx if kind == "LSTM" else (hx, None)
            if not batched:
                h0, c0 = h0.unsqueeze(1), (c0.unsqueeze(1) if c0 is not None else None)  # (L*D, 1, W)
            if sorted_indices is not None:  # the packed batch runs in order of decreasing length
                h0 = h0.index_select(1, sorted_indices)
                c0 = c0.index_select(1, sorted_indices) if c0 is not None else None
        if kind != "LSTM":
            c0 = None
        watched = [[None] * directions for _ in range(steps)]
        final_h, final_c = [], []
        layer_input = steps_in
        for index in range(module.num_layers):
            per_direction = []
            for direction in range(directions):
                suffix = f"_l{index}" + ("_reverse" if direction else "")
                slot = index * directions + direction
                c_init = c0[slot] if c0 is not None else None
                outputs, h, c = self._direction(layer_input, sizes, h0[slot], c_init, suffix, bool(direction))
                if index == self.layer:
                    for t in range(steps):
                        watched[t][direction] = outputs[t]
                per_direction.append(outputs)
                final_h.append(h)
                final_c.append(c)
            layer_input = [
                outs[0] if directions == 1 else F.cat(outs, dim=1) for outs in zip(*per_direction)
            ]  # each (B_t, D*W)
        self.states.extend(watched)
        h_n = F.stack(final_h)  # (L*D, B, W)
        c_n = F.stack(final_c) if kind == "LSTM" else None  # (L*D, B, H)
        if packed:
            output = nn.utils.rnn.PackedSequence(
                F.cat(layer_input, dim=0), batch_sizes, sorted_indices, unsorted_indices
            )
            if unsorted_indices is not None:  # the states back in the caller's order
                h_n = h_n.index_select(1, unsorted_indices)
                c_n = c_n.index_select(1, unsorted_indices) if c_n is not None else None
        else:
            output = F.stack(layer_input)  # (T, B, D*W)
            if batched and module.batch_first:
                output = output.transpose(0, 1)  # (B, T, D*W)
            if not batched:
                output, h_n = output.squeeze(1), h_n.squeeze(1)
                c_n = c_n.squeeze(1) if c_n is not None else None
        return (output, h_n) if kind != "LSTM" else (output, (h_n, c_n))

    def _direction(self, inputs: list, sizes: list, h0, c0, suffix: str, reverse: bool):
        """One direction of one layer over the per-step inputs ``inputs[t]`` (sizes[t], F):
        returns ([h_t (sizes[t], W) for each t], final h (B, W), final c (B, H) or None).

        Forwards, step t updates the first sizes[t] rows (the sequences still running; sizes
        never increase) and the others keep their state, so each row ends at its own last step.
        Backwards, a sequence starts at its own last step from its initial state: the rows
        joining at step t are taken from h0 / c0."""
        from . import functional as F

        outputs = [None] * len(sizes)
        if not reverse:
            h, c = h0, c0
            for t, x_t in enumerate(inputs):
                n = sizes[t]
                if n == h.shape[0]:
                    h, c = self._cell(x_t, h, c, suffix)
                    outputs[t] = h
                    continue
                h_t, c_t = self._cell(x_t, h[:n], c[:n] if c is not None else None, suffix)
                outputs[t] = h_t
                h = F.cat([h_t, h[n:]], dim=0)  # (B, W): finished rows keep their last state
                c = F.cat([c_t, c[n:]], dim=0) if c is not None else None
            return outputs, h, c
        h, c = h0[: sizes[-1]], (c0[: sizes[-1]] if c0 is not None else None)
        for t in range(len(sizes) - 1, -1, -1):
            n, running = sizes[t], h.shape[0]
            if n > running:  # sequences whose last step is t start here, from their initial state
                h = F.cat([h, h0[running:n]], dim=0)  # (n, W)
                c = F.cat([c, c0[running:n]], dim=0) if c is not None else None
            h, c = self._cell(inputs[t], h, c, suffix)
            outputs[t] = h
        return outputs, h, c

    def _cell(self, x_t, h, c, suffix: str):
        """One step of the layer's equations (PyTorch's gate order and bias placement)."""
        from . import functional as F

        module, kind = self.module, self.kind
        w_ih, w_hh = getattr(module, "weight_ih" + suffix), getattr(module, "weight_hh" + suffix)
        b_ih = getattr(module, "bias_ih" + suffix, None) if module.bias else None
        b_hh = getattr(module, "bias_hh" + suffix, None) if module.bias else None
        gates_x, gates_h = F.linear(x_t, w_ih, b_ih), F.linear(h, w_hh, b_hh)  # (B, G*H)
        if kind == "RNN":
            activation = F.relu if getattr(module, "nonlinearity", "tanh") == "relu" else F.tanh
            return activation(gates_x + gates_h), None
        if kind == "LSTM":
            i, f, g, o = F.chunk(gates_x + gates_h, 4, dim=1)  # each (B, H)
            c = F.sigmoid(f) * c + F.sigmoid(i) * F.tanh(g)
            h = F.sigmoid(o) * F.tanh(c)  # (B, H)
            if getattr(module, "proj_size", 0):
                h = F.linear(h, getattr(module, "weight_hr" + suffix))  # (B, P): h_t is the projected state
            return h, c
        x_r, x_z, x_n = F.chunk(gates_x, 3, dim=1)  # each (B, H)
        h_r, h_z, h_n = F.chunk(gates_h, 3, dim=1)
        r, z = F.sigmoid(x_r + h_r), F.sigmoid(x_z + h_z)
        n = F.tanh(x_n + r * h_n)  # b_hn sits inside the reset product, as in PyTorch
        return (1 - z) * n + z * h, None
