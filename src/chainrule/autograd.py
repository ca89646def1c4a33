"""The reverse-mode engine: ``Function``, the backward pass, grad mode and anomaly detection.

Every differentiable op is a ``Function`` subclass with two static methods:

* ``forward(ctx, *arrays, **options)`` computes the output from raw NumPy arrays and saves
  whatever the backward pass needs on ``ctx`` (arrays through ``ctx.save_for_backward`` so the
  engine can free them once they have been used);
* ``backward(ctx, grad_output)`` receives dL/d(output) and returns dL/d(input) for every
  positional input (``None`` where an input needs no gradient).

``Function.apply`` runs ``forward`` on the raw arrays and, only when grad mode is on and some
input requires a gradient, records the ``ctx`` object as the output's ``grad_fn``. That ``ctx`` is
the graph node: it knows its input tensors, so the recorded graph is simply the chain of
``grad_fn.inputs`` links. ``backward`` walks it once, in reverse topological order, built with an
explicit stack (never recursion: an LSTM unrolled over thousands of steps, or a 100,000-op chain,
must not hit Python's recursion limit).
"""
from __future__ import annotations

import contextlib
import threading

import numpy as np

__all__ = [
    "Function",
    "no_grad",
    "enable_grad",
    "inference_mode",
    "set_grad_enabled",
    "is_grad_enabled",
    "detect_anomaly",
    "is_anomaly_enabled",
    "backward",
    "grad",
]


class _State(threading.local):
    def __init__(self):
        self.grad_enabled = True
        self.anomaly = False


_state = _State()


def is_grad_enabled() -> bool:
    return _state.grad_enabled


class set_grad_enabled(contextlib.ContextDecorator):
    """Context manager / decorator that sets grad mode to ``mode`` and restores it on exit."""

    def __init__(self, mode: bool):
        self.mode = bool(mode)

    def __enter__(self):
        self.previous = _state.grad_enabled
        _state.grad_enabled = self.mode
        return self

    def __exit__(self, *exc):
        _state.grad_enabled = self.previous
        return False


class no_grad(set_grad_enabled):
    """Disable graph recording: used for evaluation and for optimizer updates, where building
    a graph would only waste memory."""

    def __init__(self):
        super().__init__(False)


class inference_mode(no_grad):
    """PyTorch's faster no_grad variant; here exactly ``no_grad`` (nothing is recorded either way)."""

    def __init__(self, mode: bool = True):
        set_grad_enabled.__init__(self, not mode)


class enable_grad(set_grad_enabled):
    """Re-enable graph recording inside a ``no_grad`` block."""

    def __init__(self):
        super().__init__(True)


def is_anomaly_enabled() -> bool:
    return _state.anomaly


class detect_anomaly(contextlib.ContextDecorator):
    """Check every forward output and every backward gradient for NaN/Inf and raise at the first
    op that produces one, naming it. This costs one ``isfinite`` pass per op, so it is off by
    default; turn it on when a loss suddenly becomes NaN and you need to know *where*."""

    def __init__(self, mode: bool = True):
        self.mode = bool(mode)

    def __enter__(self):
        self.previous = _state.anomaly
        _state.anomaly = self.mode
        return self

    def __exit__(self, *exc):
        _state.anomaly = self.previous
        return False


def _check_finite(array, what: str, op_name: str) -> None:
    if isinstance(array, np.ndarray) and array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = "NaN" if np.isnan(array).any() else "Inf"
        raise RuntimeError(
            f"detect_anomaly: {op_name}.{what} produced {bad} values "
            f"(output shape {array.shape}). This is the first op where a non-finite value appeared."
        )


class Function:
    """Base class of every differentiable op. An instance is both the ``ctx`` handed to
    ``forward``/``backward`` and the graph node recorded as the output's ``grad_fn``."""

    # Graph bookkeeping lives in instance attributes set by ``apply``; subclasses may add any
    # non-array attributes of their own (shapes, axes, flags) to ctx in ``forward``.

    saved_tensors: tuple = ()
    _visit = None  # traversal mark of the current backward (see _collect_nodes)
    _grad_sum = None  # gradient w.r.t. this node's output, summed while backward runs

    def save_for_backward(self, *arrays) -> None:
        """Keep arrays for the backward pass. The engine drops them after backward (unless
        ``retain_graph=True``), which is what lets a training loop run in constant memory."""
        self.saved_tensors = arrays

    def mark_non_differentiable(self) -> None:
        self.non_differentiable = True

    @staticmethod
    def forward(ctx, *args, **kwargs):  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def backward(ctx, grad_output):  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{type(self).__name__}Backward>"

    @classmethod
    def apply(cls, *inputs, **kwargs):
        """Run the op on tensors: unwrap, compute, wrap, and record the node if needed."""
        # This is the hottest path in the library (once per op): plain loops, no helpers.
        tensor_type = _tensor_type()
        ctx = cls.__new__(cls)
        raw = []
        needs = []
        any_requires_grad = False
        for x in inputs:
            if isinstance(x, tensor_type):
                raw.append(x.data)
                if x.requires_grad:
                    any_requires_grad = True
                    needs.append(True)
                else:
                    needs.append(False)
            else:
                raw.append(x)
                needs.append(False)
        out = cls.forward(ctx, *raw, **kwargs)
        if type(out) is not np.ndarray:
            # A ufunc on 0-d arrays returns a NumPy scalar; .data must stay an array, or a later op
            # that takes this tensor as input sees a non-array and drops its gradient.
            out = np.asarray(out)
        if _state.anomaly:
            _check_finite(out, "forward", cls.__name__)
        result = tensor_type.__new__(tensor_type)
        result.data = out
        result.grad = None
        result._hooks = None
        result._retains_grad = False
        if any_requires_grad and _state.grad_enabled and not getattr(ctx, "non_differentiable", False):
            ctx.inputs = inputs
            ctx.needs_input_grad = needs
            ctx.out_hooks = None
            ctx.retained = None
            ctx.freed = False
            result.grad_fn = ctx
            result.requires_grad = True
        else:
            result.grad_fn = None
            result.requires_grad = False
        return result


_TENSOR_TYPE = []


def _tensor_type():
    # tensor.py imports this module, so the Tensor class is looked up lazily and cached.
    if not _TENSOR_TYPE:
        from .tensor import Tensor

        _TENSOR_TYPE.append(Tensor)
    return _TENSOR_TYPE[0]


def _collect_nodes(roots):
    """Return graph nodes in reverse topological order (outputs first), iteratively.

    Post-order DFS with an explicit stack: a node is emitted only after everything it depends on
    (its inputs' nodes), so reversing the emission order visits each node after all nodes that
    consume its output, i.e. after its gradient is complete. Visited nodes are marked with a
    fresh token object instead of a set of ids: one attribute store per node, no hashing.
    """
    token = object()
    order = []
    stack = [(node, False) for node in roots]
    pop, push, emit = stack.pop, stack.append, order.append
    while stack:
        node, expanded = pop()
        if expanded:
            emit(node)
            continue
        if node._visit is token:
            continue
        node._visit = token
        push((node, True))
        for x, needed in zip(node.inputs, node.needs_input_grad):
            if needed:
                parent = x.grad_fn
                if parent is not None and parent._visit is not token:
                    push((parent, False))
    order.reverse()
    return order


def _run_hooks(hooks, grad_array):
    from .tensor import Tensor

    for hook in hooks:
        result = hook(Tensor(grad_array))
        if result is not None:
            grad_array = result.data if isinstance(result, Tensor) else np.asarray(result)
    return grad_array


def _accumulate_leaf(leaf, grad_array, owned_ids):
    # A backward may hand the very same array (or a view of one) to several leaves, e.g. both
    # inputs of an add. Storing it twice would let an in-place change to one .grad silently
    # change another, so shared or borrowed arrays are copied before they become a .grad.
    if grad_array.base is not None or id(grad_array) in owned_ids:
        grad_array = grad_array.copy()
    owned_ids.add(id(grad_array))
    if leaf._hooks:
        grad_array = _run_hooks(leaf._hooks, grad_array)
    if grad_array.dtype != leaf.data.dtype:
        grad_array = grad_array.astype(leaf.data.dtype)
    if leaf.grad is None:
        from .tensor import Tensor

        leaf.grad = Tensor(grad_array)
    else:
        leaf.grad.data = leaf.grad.data + grad_array


def backward(tensors, grad_tensors=None, retain_graph=False, inputs=None):
    """Backpropagate from ``tensors`` (a tensor or a sequence of them) into the leaves' ``.grad``.

    ``inputs`` optionally restricts accumulation to those leaves (as in ``torch.autograd.backward``).
    """
    from .tensor import Tensor

    if isinstance(tensors, Tensor):
        tensors = [tensors]
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors] * len(tensors) if grad_tensors is None else [grad_tensors]
    roots, root_seeds = [], []
    leaf_grads = {}
    leaves = {}
    only = None if inputs is None else {id(t) for t in inputs}
    for tensor, grad_tensor in zip(tensors, grad_tensors):
        if not tensor.requires_grad:
            raise RuntimeError(
                "backward: element 0 of tensors does not require grad and does not have a grad_fn "
                "(did you forget requires_grad=True on an input, or compute it under no_grad()?)"
            )
        if grad_tensor is None:
            if tensor.data.size != 1:
                raise RuntimeError(
                    f"backward: grad can be implicitly created only for scalar outputs, but the "
                    f"output has shape {tensor.data.shape}; pass gradient= of that shape"
                )
            seed = np.ones_like(tensor.data)
        else:
            seed = grad_tensor.data if isinstance(grad_tensor, Tensor) else np.asarray(grad_tensor)
            if seed.shape != tensor.data.shape:
                raise RuntimeError(
                    f"backward: gradient has shape {seed.shape} but the output has shape "
                    f"{tensor.data.shape}; they must match"
                )
            seed = seed.astype(tensor.data.dtype, copy=False)
        if tensor.grad_fn is None:  # backward on a leaf: its gradient is the seed itself
            leaf_grads[id(tensor)] = leaf_grads.get(id(tensor), 0) + seed
            leaves[id(tensor)] = tensor
            continue
        roots.append(tensor.grad_fn)
        root_seeds.append(seed)

    anomaly = _state.anomaly
    order = _collect_nodes(roots)
    for node, seed in zip(roots, root_seeds):
        node._grad_sum = seed if node._grad_sum is None else node._grad_sum + seed
    try:
        for node in order:
            grad_output = node._grad_sum
            if grad_output is None:
                continue
            node._grad_sum = None
            if node.freed:
                raise RuntimeError(
                    f"backward: trying to backward through the graph a second time (at "
                    f"{type(node).__name__}); its saved arrays were freed after the first backward. "
                    "Pass retain_graph=True to the first backward if you need to call it twice."
                )
            if node.out_hooks:
                grad_output = _run_hooks(node.out_hooks, grad_output)
            if node.retained is not None:
                kept = node.retained()
                if kept is not None:
                    kept.grad = Tensor(grad_output.copy()) if kept.grad is None else Tensor(kept.grad.data + grad_output)
            input_grads = node.backward(node, grad_output)
            if type(input_grads) is not tuple:
                input_grads = (input_grads,)
            if not retain_graph:
                node.saved_tensors = ()
                node.freed = True
            for x, g, needed in zip(node.inputs, input_grads, node.needs_input_grad):
                if g is None or not needed:
                    continue
                if anomaly:
                    _check_finite(g, "backward", type(node).__name__)
                if g.shape != x.data.shape:
                    raise RuntimeError(
                        f"{type(node).__name__}.backward returned a gradient of shape {g.shape} for an "
                        f"input of shape {x.data.shape}; an op's backward must return one gradient per "
                        "input with that input's shape"
                    )
                parent = x.grad_fn
                if parent is None:
                    key = id(x)
                    leaves[key] = x
                    leaf_grads[key] = leaf_grads[key] + g if key in leaf_grads else g
                elif parent._grad_sum is None:
                    parent._grad_sum = g
                else:
                    parent._grad_sum = parent._grad_sum + g
            if not retain_graph:
                # Drop the links to the input tensors too: a loss kept alive by user code (say,
                # appended to a list) must not keep every activation of its graph in memory.
                node.inputs = ()
    finally:
        for node in order:  # after an error, leave no half-summed gradient behind
            node._grad_sum = None
    owned = set()
    for key, leaf in leaves.items():
        if only is not None and key not in only:
            continue
        _accumulate_leaf(leaf, np.asarray(leaf_grads[key]), owned)


def grad(outputs, inputs, grad_outputs=None, retain_graph=False, allow_unused=False):
    """Return d(outputs)/d(inputs) as new tensors without touching any ``.grad`` (like
    ``torch.autograd.grad``, first order only)."""
    from .tensor import Tensor

    single = isinstance(inputs, Tensor)
    inputs = [inputs] if single else list(inputs)
    saved = [(t.grad, t._hooks) for t in inputs]
    temporary = []
    for t in inputs:
        if t.grad_fn is not None:
            # Non-leaf input: capture its gradient with a one-shot retain.
            t.retain_grad()
            temporary.append(t)
        t.grad = None
    try:
        backward(outputs, grad_outputs, retain_graph=retain_graph,
                 inputs=[t for t in inputs if t.grad_fn is None])
        results = []
        for t in inputs:
            if t.grad is None and not allow_unused:
                raise RuntimeError(
                    "grad: one of the differentiated tensors was not used in the graph; "
                    "pass allow_unused=True to get None for it"
                )
            results.append(t.grad)
    finally:
        for t, (old_grad, hooks) in zip(inputs, saved):
            t.grad = old_grad
            t._hooks = hooks
        for t in temporary:
            t._retains_grad = False
            if t.grad_fn is not None:
                t.grad_fn.retained = None
    return results[0] if single else tuple(results)
