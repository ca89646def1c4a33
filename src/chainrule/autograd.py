"""The reverse-mode engine: ``Function``, the backward pass, grad mode and anomaly detection.

Every differentiable op is a ``Function`` subclass with two static methods:

* ``forward(ctx, *arrays, **options)`` computes the output from raw NumPy arrays and saves
  whatever the backward pass needs on ``ctx`` (arrays through ``ctx.save_for_backward`` so the
  engine can free them once they have been used);
* ``backward(ctx, grad_output)`` receives dL/d(output) and returns dL/d(input) for every
  positional input (``None`` where an input needs no gradient).

``Function.apply`` runs ``forward`` on the raw arrays and, only when grad mode is on and some
input requires a gradient, records the ``ctx`` object as the output's ``grad_fn``. That ``ctx`` is
the graph node: its ``edges`` point at the nodes (or leaf tensors) that produced its inputs, so
the recorded graph is simply the chain of ``grad_fn.edges`` links. ``backward`` walks it once, in
reverse topological order, built with an explicit stack (never recursion: an LSTM unrolled over
thousands of steps, or a 100,000-op chain, must not hit Python's recursion limit).

In-place writes are guarded by version counters: a node that saved an array of some tensor
remembers that tensor's version, and backward refuses to run it if the tensor was written in
place since (docs/autograd.md).
"""

from __future__ import annotations

import contextlib
import threading

import numpy as np

__all__ = [
    "Function",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "inference_mode",
    "is_anomaly_enabled",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
]


class _State(threading.local):
    def __init__(self):
        self.grad_enabled = True
        self.anomaly = False


_state = _State()


def is_grad_enabled() -> bool:
    return _state.grad_enabled


class _GradMode(contextlib.ContextDecorator):
    """Sets grad mode on ``__enter__`` and restores the previous mode on ``__exit__``."""

    mode = True

    def __enter__(self):
        self.previous = _state.grad_enabled
        _state.grad_enabled = self.mode
        return self

    def __exit__(self, *exc):
        _state.grad_enabled = self.previous
        return False


class _BareDecoratorGradMode(_GradMode):
    """A grad mode usable as ``@no_grad()`` and, as in PyTorch, as a bare ``@no_grad``."""

    def __new__(cls, function=None):
        if function is None:
            return super().__new__(cls)
        if not callable(function):
            raise TypeError(f"{cls.__name__}() takes no arguments, got {function!r}")
        return cls()(function)

    def __init__(self, function=None):
        pass


class no_grad(_BareDecoratorGradMode):
    """Disable graph recording: used for evaluation and for optimizer updates, where building
    a graph would only waste memory."""

    mode = False


class enable_grad(_BareDecoratorGradMode):
    """Re-enable graph recording inside a ``no_grad`` block."""

    mode = True


class inference_mode(_GradMode):
    """PyTorch's faster no_grad variant; here exactly ``no_grad`` (nothing is recorded either way)."""

    def __init__(self, mode: bool = True):
        self.mode = not mode


class set_grad_enabled(_GradMode):
    """Set grad mode to ``mode``, as PyTorch's ``set_grad_enabled`` does: *immediately* when
    called as a plain function (``set_grad_enabled(False)`` switches recording off until it is
    switched on again), and for the duration of a ``with`` block or a decorated function, after
    which the previous mode comes back."""

    def __init__(self, mode: bool):
        self.previous = _state.grad_enabled
        self.mode = bool(mode)
        _state.grad_enabled = self.mode

    def __call__(self, function):
        # Used as a decorator the call above must not leak: restore, and apply on each call.
        _state.grad_enabled = self.previous
        return super().__call__(function)

    def __enter__(self):
        _state.grad_enabled = self.mode
        return self


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


# A tensor's version counter is a one-element list, ``[number of in-place writes]``, shared by the
# tensor, its views and its ``detach()``-ed aliases (they are the same memory). A list rather than
# a small class because one is made for every tensor that a node saves: it must cost nothing.


# The node names torch prints where they differ from chainrule's class name + "Backward0"
# (torch names nodes after the ATen op that ran: relu -> ReluBackward0, mse_loss -> MseLossBackward0).
_TORCH_NODE_NAMES = {
    "BCEWithLogits": "BinaryCrossEntropyWithLogitsBackward0",
    "BatchNorm": "NativeBatchNormBackward0",
    "Cast": "ToCopyBackward0",
    "Clamp": "ClampBackward1",
    "CopySlices": "CopySlices",
    "CrossEntropy": "NllLossBackward0",  # torch's cross_entropy ends in nll_loss
    "Dropout": "MulBackward0",
    "ELU": "EluBackward0",
    "GELU": "GeluBackward0",
    "LayerNorm": "NativeLayerNormBackward0",
    "LeakyReLU": "LeakyReluBackward0",
    "Linear": "AddmmBackward0",
    "LogSumExp": "LogsumexpBackward0",
    "MSELoss": "MseLossBackward0",
    "MatMul": "MmBackward0",
    "MaxAll": "MaxBackward1",
    "MaxDim": "MaxBackward0",
    "NLLLoss": "NllLossBackward0",
    "Norm": "LinalgVectorNormBackward0",
    "Pad": "ConstantPadNdBackward0",
    "ReLU": "ReluBackward0",
    "Reshape": "ViewBackward0",
    "Squeeze": "SqueezeBackward1",
}


class Function:
    """Base class of every differentiable op. An instance is both the ``ctx`` handed to
    ``forward``/``backward`` and the graph node recorded as the output's ``grad_fn``.

    A recorded node keeps *edges*, not tensors: for each input, the node that produced it (its
    ``grad_fn`` at the moment the op ran), the leaf tensor itself, or None when the input needs no
    gradient. Capturing ``grad_fn`` at record time is what keeps a graph right when a tensor is
    later modified in place: the tensor moves on to a new node, and this node still points at
    the history of the value it actually read.
    """

    # Graph bookkeeping lives in instance attributes set by ``apply``; subclasses may add any
    # non-array attributes of their own (shapes, axes, flags) to ctx in ``forward``.

    saved_tensors: tuple = ()
    saved_versions = None  # [(index in saved_tensors, version counter, version)], see backward
    is_view = False  # True for ops whose output may share the input's memory (reshape, slicing, ...)
    # What backward reads of the op's arrays: input positions and/or "out" (a set, or a function of
    # forward's arguments). tests/ops/test_saved_tensors.py checks that forward saves exactly this.
    saves = None
    non_differentiable = False  # set by mark_non_differentiable (integer outputs, ...)
    # Per-node state with class-level defaults, so recording a node stores only what differs.
    out_hooks = None  # hooks registered on the output tensor (Tensor.register_hook)
    retained = None  # weakref to the output tensor when it retain_grad()s
    freed = False  # True once backward has dropped the saved arrays
    _visit = None  # traversal mark of the current backward (see _collect_nodes)
    _grad_sum = None  # gradient w.r.t. this node's output, summed while backward runs
    _grad_owned = False  # True when _grad_sum is an array backward made itself (may add into it)
    # Optional ``accumulate_backward(ctx, grad_output, grad_input)`` for one-input ops whose input
    # gradient is mostly zeros (slicing): it adds dL/d(input) into ``grad_input`` in place. The
    # engine then keeps one buffer per input instead of a zero array per consumer, so unbinding a
    # tensor into T slices costs O(size) in backward, not O(T * size).
    accumulate_backward = None

    def save_for_backward(self, *arrays) -> None:
        """Keep arrays for the backward pass. The engine drops them after backward (unless
        ``retain_graph=True``), which is what lets a training loop run in constant memory.

        Any saved array that is (a view of) an input or of the output has that tensor's version
        recorded, so backward can refuse to use it if it was modified in place in between.
        Arrays an op keeps as plain ctx attributes are not protected: inputs and outputs that
        backward reads must go through here."""
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

    @property
    def needs_input_grad(self) -> list:
        """For each input, whether backward must return its gradient (read it in backward)."""
        return [edge is not None for edge in self.edges]

    @property
    def next_functions(self) -> tuple:
        """The nodes this one sends gradient to (a leaf tensor appears as itself), as in PyTorch."""
        return tuple(getattr(self, "edges", ()))

    def __repr__(self) -> str:
        """``<MulBackward0>``, the name torch gives the node of the same op; a Function defined
        outside chainrule prints ``<CubeBackward>``, as a custom ``torch.autograd.Function`` does."""
        cls = type(self)
        if not cls.__module__.startswith("chainrule."):
            return f"<{cls.__name__}Backward>"
        return f"<{_TORCH_NODE_NAMES.get(cls.__name__, cls.__name__ + 'Backward0')}>"

    @classmethod
    def apply(cls, *inputs, **kwargs):
        """Run the op on tensors: unwrap, compute, wrap, and record the node if needed."""
        # This is the hottest path in the library (once per op): plain loops, no helpers.
        tensor_type = _TENSOR_TYPE[0] if _TENSOR_TYPE else _tensor_type()
        ctx = cls.__new__(cls)
        raw = []
        edges = []
        any_requires_grad = False
        for x in inputs:
            if isinstance(x, tensor_type):
                if x._base is not None and x._view_version != x._vc[0]:
                    x._sync_view()  # the memory was written in place since this view's node was made
                raw.append(x._data)
                if x._requires_grad:
                    any_requires_grad = True
                    fn = x._grad_fn
                    edges.append(x if fn is None else fn)
                else:
                    edges.append(None)
            else:
                raw.append(x)
                edges.append(None)
        out = cls.forward(ctx, *raw, **kwargs)
        if type(out) is not np.ndarray:
            # A ufunc on 0-d arrays returns a NumPy scalar; the data must stay an array, or a later
            # op that takes this tensor as input sees a non-array and drops its gradient.
            out = np.asarray(out)
        elif out.base is not None and not cls.is_view:
            out = _own_memory(out, raw)
        if _state.anomaly:
            _check_finite(out, "forward", cls.__name__)
        result = tensor_type.__new__(tensor_type)
        result._data = out
        result.grad = None
        result._hooks = None
        result._retains_grad = False
        result._vc = None
        result._base = None
        if cls.is_view and out.base is not None:
            _mark_view(result, inputs[0], raw[0], cls, kwargs)
        if any_requires_grad and _state.grad_enabled and not ctx.non_differentiable:
            ctx.edges = edges
            ctx.out_shape = out.shape
            saved = ctx.saved_tensors
            if saved:
                if len(saved) == 1 and saved[0] is out and result._vc is None:
                    # the usual unary case (exp, tanh, sigmoid, relu save their output)
                    counter = result._vc = [0]
                    ctx.saved_versions = ((0, counter, 0),)
                elif (
                    len(saved) == 2
                    and len(raw) == 2
                    and saved[0] is raw[0]
                    and saved[1] is raw[1]
                    and inputs[0] is not raw[0]
                    and inputs[1] is not raw[1]
                ):
                    # the usual binary case (mul, div, matmul save both operand tensors)
                    first, second = inputs[0]._vc, inputs[1]._vc
                    if first is None:
                        first = inputs[0]._vc = [0]
                    if second is None:
                        second = inputs[1]._vc = [0]
                    ctx.saved_versions = ((0, first, first[0]), (1, second, second[0]))
                else:
                    ctx.saved_versions = _versions_of_saved(saved, inputs, raw, result)
            result._grad_fn = ctx
            result._requires_grad = True
        else:
            result._grad_fn = None
            result._requires_grad = False
        return result


_TENSOR_TYPE = []


def _tensor_type():
    # tensor.py imports this module, so the Tensor class is looked up lazily and cached.
    if not _TENSOR_TYPE:
        from .tensor import Tensor

        _TENSOR_TYPE.append(Tensor)
    return _TENSOR_TYPE[0]


def memory_root(array):
    """The object that owns an array's memory: NumPy points every view's ``base`` at it."""
    base = array.base
    return array if base is None else base


def _own_memory(out, raw):
    # A compute op must return new memory; one that handed back (a view of) an input would let an
    # in-place write to its output silently change that input. Copy in that rare case.
    root = out.base
    for a in raw:
        if type(a) is np.ndarray and memory_root(a) is root:
            return out.copy()
    return out


def _mark_view(result, source, source_array, cls, kwargs):
    """Make ``result`` a view of ``source``'s memory: the same version counter, the same base, and
    the recipe (a chain of view ops) that rebuilds it from the base when the base's history
    changes. Ops flagged ``is_view`` may still copy (reshape of a transposed array): then this
    is skipped and the output owns its memory."""
    if memory_root(result._data) is not memory_root(source_array):
        return
    base = source if source._base is None else source._base
    counter = base._vc
    if counter is None:
        counter = base._vc = [0]
    result._vc = counter
    result._base = base
    result._view_version = counter[0]
    if source._base is None:
        steps, kind = (), VIEW_NORMAL
    else:
        steps, kind = source._view_steps, source._view_kind
    result._view_steps = steps + ((cls, kwargs),)
    # PyTorch refuses to rebase views made under no_grad of a tensor that requires grad.
    result._view_kind = VIEW_NO_GRAD if (not _state.grad_enabled and base._requires_grad) else kind


VIEW_NORMAL, VIEW_NO_GRAD, VIEW_MULTI_OUTPUT = 0, 1, 2


def _versions_of_saved(saved, inputs, raw, result):
    """For each saved array that is (a view of) an input's or the output's memory, remember that
    tensor's version counter and current version. Runs once per recorded op that saves, so the
    usual cases (the very output array, the first or second input's array) are tested first."""
    checks = []
    out = result._data
    first = raw[0] if raw else None
    second = raw[1] if len(raw) > 1 else None
    index = -1
    for array in saved:
        index += 1
        if array is out:
            owner = result
        elif array is first:
            owner = inputs[0]
        elif array is second:
            owner = inputs[1]
        elif type(array) is np.ndarray:
            owner = _owner_by_memory(array, inputs, raw, result)
        else:
            continue
        if owner is array or owner is None:  # a raw NumPy input, or memory of no tensor
            continue
        counter = owner._vc
        if counter is None:
            counter = owner._vc = [0]
        checks.append((index, counter, counter[0]))
    return checks or None


def _owner_by_memory(array, inputs, raw, result):
    """The tensor (input or output) whose memory ``array`` is, or is a view of, if any."""
    root = memory_root(array)
    if root is memory_root(result._data):
        return result
    for x, r in zip(inputs, raw):
        if x is not r and type(r) is np.ndarray and (r is array or memory_root(r) is root):
            return x
    return None


def _check_saved_versions(node):
    for index, counter, version in node.saved_versions:
        if counter[0] != version:
            array = node.saved_tensors[index]
            shape, dtype = array.shape, array.dtype
            raise RuntimeError(
                f"backward: one of the tensors {node.name} saved for its gradient (shape "
                f"{tuple(shape)}, dtype {dtype}) has been modified by an in-place operation: it is at "
                f"version {counter[0]}, but version {version} was saved. Compute the in-place op on "
                "a .clone() of the tensor (or write it out of place) so the saved value survives."
            )


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
        for edge in node.edges:
            if edge is not None and isinstance(edge, Function) and edge._visit is not token:
                push((edge, False))
    order.reverse()
    return order


def _run_hooks(hooks, grad_array):
    from .tensor import Tensor, unwrap_tensor

    for hook in hooks:
        result = hook(Tensor._wrap(grad_array))
        if result is not None:
            grad_array = np.asarray(unwrap_tensor(result))
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
    if grad_array.dtype != leaf._data.dtype:
        grad_array = grad_array.astype(leaf._data.dtype)
    grad = leaf.grad
    if grad is None:
        from .tensor import Tensor

        leaf.grad = Tensor._wrap(grad_array)
    elif grad._data.shape == grad_array.shape and grad._data.flags.writeable:
        # As PyTorch's AccumulateGrad: add into the existing .grad, so a reference to it sees
        # the sum (and an optimizer holding it stays valid).
        np.add(grad._data, grad_array, out=grad._data)
        grad._bump_version()
    else:
        grad._data = grad._data + grad_array


def _seed(tensor, grad_tensor):
    """The starting gradient dL/d(tensor) for one root of backward, validated."""
    from .tensor import unwrap_tensor

    if not tensor.requires_grad:
        raise RuntimeError(
            "backward: element 0 of tensors does not require grad and does not have a grad_fn "
            "(did you forget requires_grad=True on an input, or compute it under no_grad()?)"
        )
    if grad_tensor is None:
        if tensor._data.size != 1:
            raise RuntimeError(
                f"backward: grad can be implicitly created only for scalar outputs, but the "
                f"output has shape {tensor._data.shape}; pass gradient= of that shape"
            )
        return np.ones_like(tensor._data)
    seed = np.asarray(unwrap_tensor(grad_tensor))
    if seed.shape != tensor._data.shape:
        raise RuntimeError(
            f"backward: gradient has shape {seed.shape} but the output has shape {tensor._data.shape}; they must match"
        )
    return seed.astype(tensor._data.dtype, copy=False)


def _roots_and_seeds(tensors, grad_tensors):
    """The roots of a backward call and their seeds dL/d(root), validated.

    A root that is a leaf has nothing to walk: its seed goes straight into ``leaf_grads``.
    Returns ``(root nodes, their seeds, leaf_grads, leaves)``, the last two keyed by ``id``.
    """
    from .tensor import Tensor

    if isinstance(tensors, Tensor):
        tensors = [tensors]
    if grad_tensors is None or isinstance(grad_tensors, Tensor):
        grad_tensors = [grad_tensors] * len(tensors) if grad_tensors is None else [grad_tensors]
    roots, root_seeds = [], []
    leaf_grads = {}
    leaves = {}
    for tensor, grad_tensor in zip(tensors, grad_tensors):
        seed = _seed(tensor, grad_tensor)
        node = tensor.grad_fn
        if node is None:  # backward on a leaf: its gradient is the seed itself
            leaf_grads[id(tensor)] = leaf_grads.get(id(tensor), 0) + seed
            leaves[id(tensor)] = tensor
            continue
        roots.append(node)
        root_seeds.append(seed)
    return roots, root_seeds, leaf_grads, leaves


def _accumulate_leaves(leaves, leaf_grads, inputs):
    """Add each leaf's summed gradient into its ``.grad`` (only the ``inputs`` leaves, if given)."""
    only = None if inputs is None else {id(t) for t in inputs}
    owned = set()
    for key, leaf in leaves.items():
        if only is not None and key not in only:
            continue
        _accumulate_leaf(leaf, np.asarray(leaf_grads[key]), owned)


def backward(tensors, grad_tensors=None, retain_graph=False, inputs=None):
    """Backpropagate from ``tensors`` into the leaves' ``.grad``, as ``torch.autograd.backward``.

    The graph is walked once in reverse topological order; each node's gradient is complete
    before its ``backward`` runs, and unless ``retain_graph`` the node frees its saved arrays
    and its edges afterwards.

    Args:
        tensors: a tensor or a sequence of them (the roots).
        grad_tensors: dL/d(root) for each root; None for a one-element root means 1.
        retain_graph: keep the graph (saved arrays and edges) for another backward.
        inputs: if given, accumulate only into these leaves.
    """
    from .tensor import Tensor

    roots, root_seeds, leaf_grads, leaves = _roots_and_seeds(tensors, grad_tensors)
    anomaly = _state.anomaly
    order = _collect_nodes(roots)
    owned_leaf_grads = set()  # ids of leaves whose summed gradient backward allocated itself
    for node, seed in zip(roots, root_seeds):
        node._grad_sum = seed if node._grad_sum is None else node._grad_sum + seed
    try:
        # The per-node body stays inline: it runs once per node, the hottest loop of backward.
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
            if node.saved_versions is not None:
                for _, counter, version in node.saved_versions:  # inline: once per node
                    if counter[0] != version:
                        _check_saved_versions(node)
            if node.out_hooks:
                grad_output = _run_hooks(node.out_hooks, grad_output)
            if node.retained is not None:
                kept = node.retained()
                if kept is not None:
                    kept.grad = (
                        Tensor._wrap(grad_output.copy())
                        if kept.grad is None
                        else Tensor._wrap(kept.grad._data + grad_output)
                    )
            if node.accumulate_backward is not None and _accumulate_in_place(
                node, grad_output, leaves, leaf_grads, owned_leaf_grads, anomaly
            ):
                if not retain_graph:
                    node.saved_tensors = ()
                    node.freed = True
                    node.edges = ()
                continue
            input_grads = node.backward(node, grad_output)
            if type(input_grads) is not tuple:
                input_grads = (input_grads,)
            if not retain_graph:
                node.saved_tensors = ()
                node.freed = True
            for edge, g in zip(node.edges, input_grads):
                if g is None or edge is None:
                    continue
                if anomaly:
                    _check_finite(g, "backward", type(node).__name__)
                if isinstance(edge, Function):
                    if g.shape != edge.out_shape:
                        _raise_bad_gradient_shape(node, g, edge.out_shape)
                    if edge._grad_sum is None:
                        edge._grad_sum = g
                        edge._grad_owned = False  # g may be shared (add hands one array to both inputs)
                    else:
                        edge._grad_sum = edge._grad_sum + g
                        edge._grad_owned = True
                else:
                    if g.shape != edge._data.shape:
                        _raise_bad_gradient_shape(node, g, edge._data.shape)
                    key = id(edge)
                    leaves[key] = edge
                    if key in leaf_grads:
                        leaf_grads[key] = leaf_grads[key] + g
                        owned_leaf_grads.add(key)
                    else:
                        leaf_grads[key] = g
                        owned_leaf_grads.discard(key)
            if not retain_graph:
                # Drop the links to the input nodes too: a loss kept alive by user code (say,
                # appended to a list) must not keep every activation of its graph in memory.
                node.edges = ()
    finally:
        for node in order:  # after an error, leave no half-summed gradient behind
            node._grad_sum = None
            node._grad_owned = False
    _accumulate_leaves(leaves, leaf_grads, inputs)


def _accumulate_in_place(node, grad_output, leaves, leaf_grads, owned_leaf_grads, anomaly):
    """Run ``node.accumulate_backward`` into its input's gradient buffer; False when the node
    must take the ordinary path instead (its input needs no gradient, or dtypes differ).

    The buffer is the input's running sum if backward allocated it (so nothing else holds it),
    a copy of that sum otherwise, or fresh zeros; afterwards it is owned, so the next slice of
    the same input adds into it without touching the rest of the array."""
    edge = node.edges[0]
    if edge is None or len(node.edges) != 1:
        return False
    is_node = isinstance(edge, Function)
    if is_node:
        current, owned, shape = edge._grad_sum, edge._grad_owned, edge.out_shape
    else:
        key = id(edge)
        current, owned, shape = leaf_grads.get(key), key in owned_leaf_grads, edge._data.shape
    if current is not None and (current.dtype != grad_output.dtype or current.shape != shape):
        return False
    if anomaly:
        _check_finite(grad_output, "backward", type(node).__name__)
    if current is None:
        buffer = np.zeros(shape, dtype=grad_output.dtype)
    elif owned:
        buffer = current
    else:
        buffer = current.copy()
    node.accumulate_backward(node, grad_output, buffer)
    if is_node:
        edge._grad_sum, edge._grad_owned = buffer, True
    else:
        leaves[key] = edge
        leaf_grads[key] = buffer
        owned_leaf_grads.add(key)
    return True


def _raise_bad_gradient_shape(node, grad, shape):
    raise RuntimeError(
        f"{type(node).__name__}.backward returned a gradient of shape {grad.shape} for an "
        f"input of shape {shape}; an op's backward must return one gradient per input with "
        "that input's shape"
    )


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
        backward(outputs, grad_outputs, retain_graph=retain_graph, inputs=[t for t in inputs if t.grad_fn is None])
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
