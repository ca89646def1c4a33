"""``DataParallel``: one model whose batch is split between this process and helper processes.

PyTorch's ``nn.DataParallel`` splits a batch between GPUs; this one splits it between CPU cores,
one process per core. Why processes: a model step is thousands of NumPy calls, most of them
elementwise (GELU, LayerNorm, softmax, the optimizer) and run by NumPy on one core. Python threads
cannot share that work, since every NumPy call takes and releases the GIL, and BLAS threads only
help the matrix products. Two processes, each with half the batch and one BLAS thread, keep both
cores busy for the whole step. Measured on this project's 2-core machine, the mini-BERT training
step of ``benchmarks/bench_bert.py``: one process at two BLAS threads 399 ms; two processes with
half the batch each 320 ms (see the README's benchmark table for the current ratio to PyTorch).

The mathematics is the sum rule. With the batch cut into chunks c_1 .. c_n and a loss that adds
over them, L(θ) = Σ_i L_i(θ; c_i), so

    dL/dθ = Σ_i dL_i/dθ

and each term is what an ordinary backward computes on one chunk with the same θ. Each process
therefore backpropagates its own chunk and the gradients are added. The result equals the
one-process gradient up to rounding, because floating-point addition happens in another order.
Whether the loss adds over the chunks is the caller's business, as in PyTorch: the output is the
concatenation of the replicas' outputs, so a loss computed *after* the gather (say, a mean over
the gathered rows) is exact; a mean taken inside each replica and then averaged is exact only for
equal chunks.

How a call runs:

1. **Scatter.** Every Tensor and NumPy array among the arguments (inside lists, tuples and dicts
   too) is cut along ``dim`` as ``torch.chunk`` cuts it; everything else is given to every
   replica as it is. Chunk 0 runs here; chunk i runs in helper i.
2. **Weights.** The parameters live in one shared-memory block that every process maps: at the
   first call each parameter's array is moved there (the Parameter objects stay the same). The
   optimizers update parameters in place, so after ``opt.step()`` the helpers already see the new
   weights. A parameter whose array was replaced since (``load_state_dict``, ``p.data = ...``) is
   copied back into the block at the next call; a change of shape, dtype or of the parameter set
   sends the whole module again. Buffers travel with every call, and as in PyTorch only this
   process's in-place updates to them (BatchNorm's running statistics) are kept.
3. **Forward.** Each helper runs its replica on its chunk and keeps the graph; this process runs
   ``module`` itself on chunk 0 meanwhile, its BLAS held to one thread (so that n processes keep n
   threads busy). The outputs are concatenated along ``dim``; 0-dim outputs (a loss per replica)
   are stacked into a vector, with PyTorch's warning.
4. **Backward.** The output's gradient is cut the same way; each helper backpropagates its part
   and writes its parameter gradients into a second shared block, while this process
   backpropagates chunk 0; the parameter gradients are added, and input gradients concatenated.
   The whole call is one node of the autograd graph, so ``loss.backward()``,
   ``chainrule.autograd.grad`` and gradient hooks on parameters work as without the wrapper
   (each hook runs once, on the summed gradient).

Randomness: each call draws a seed from chainrule's default generator, and each helper reseeds its
default generator and every generator its replica holds (a Dropout's ``generator=``) from it. Runs
are reproducible from chainrule's seed, but the dropout masks differ from a one-process run's.

Limits: Linux (``/dev/shm``); the module and its arguments must pickle (helpers are started with
``multiprocessing``'s spawn method, so a script that makes a DataParallel needs the usual
``if __name__ == "__main__":`` guard); the module must return one Tensor; one backward per forward
(``retain_graph=True`` and a second backward are refused with an error).
"""

from __future__ import annotations

import contextlib
import math
import multiprocessing
import os
import pickle
import sys
import traceback
import warnings
import weakref

import numpy as np

from .. import random as _random
from .._environ import temporary_environ
from ..autograd import Function, grad, is_grad_enabled, set_grad_enabled
from ..ops._util import normalize_dim
from ..ops.row_workers import _ALIGN, _Block
from ..tensor import Tensor
from .module import Module

__all__ = ["DataParallel"]


# ----------------------------------------------------------------------------- scatter / gather


class _Chunk:
    """A Tensor's chunk on its way to a helper: the values and whether it needs a gradient."""

    __slots__ = ("array", "requires_grad", "index")

    def __init__(self, array, requires_grad, index):
        self.array, self.requires_grad, self.index = array, requires_grad, index


def _batch_size(value, dim, found):
    if isinstance(value, (Tensor, np.ndarray)):
        if value.ndim == 0:
            raise ValueError("DataParallel: cannot scatter a 0-dim tensor or array; pass it inside the module instead")
        found.append(value.shape[normalize_dim("DataParallel", dim, value.ndim)])
    elif isinstance(value, (list, tuple)):
        for item in value:
            _batch_size(item, dim, found)
    elif isinstance(value, dict):
        for item in value.values():
            _batch_size(item, dim, found)


def _cut(value, dim, bounds, grad_inputs):
    """``value`` with every tensor/array replaced by its chunks: a list with one entry per chunk."""
    n = len(bounds)
    if isinstance(value, (Tensor, np.ndarray)):
        axis = normalize_dim("DataParallel", dim, value.ndim)
        array = value._data if isinstance(value, Tensor) else value
        index = None
        if isinstance(value, Tensor) and value.requires_grad and is_grad_enabled():
            index = len(grad_inputs)
            grad_inputs.append(value)
        chunks = []
        for start, stop in bounds:
            part = array[(slice(None),) * axis + (slice(start, stop),)]
            if isinstance(value, Tensor):
                chunks.append(_Chunk(part, index is not None, index))
            else:
                chunks.append(part)
        return chunks
    if isinstance(value, (list, tuple)):
        parts = [_cut(item, dim, bounds, grad_inputs) for item in value]
        return [_rebuild(value, [part[i] for part in parts]) for i in range(n)]
    if isinstance(value, dict):
        parts = {key: _cut(item, dim, bounds, grad_inputs) for key, item in value.items()}
        return [type(value)((key, part[i]) for key, part in parts.items()) for i in range(n)]
    return [value] * n


def _rebuild(template, items):
    """A list, tuple or namedtuple of ``template``'s type holding ``items``."""
    if isinstance(template, tuple) and hasattr(template, "_fields"):  # a namedtuple
        return type(template)(*items)
    return type(template)(items)


def _chunk_bounds(size, n):
    """[start, stop) of each chunk as ``torch.chunk(n)`` cuts ``size`` rows: ceil(size / n) each,
    the last one shorter, and fewer than n chunks when the rows run out."""
    step = max(1, math.ceil(size / n))
    return [(start, min(start + step, size)) for start in range(0, size, step)]


def _as_leaves(value, leaves):
    """Turn the _Chunk markers of one replica's arguments into tensors (leaves for those that need a
    gradient, collected in ``leaves`` by input index)."""
    if isinstance(value, _Chunk):
        tensor = Tensor(np.ascontiguousarray(value.array), requires_grad=value.requires_grad)
        if value.requires_grad:
            leaves[value.index] = tensor
        return tensor
    if isinstance(value, (list, tuple)):
        return _rebuild(value, [_as_leaves(item, leaves) for item in value])
    if isinstance(value, dict):
        return type(value)((key, _as_leaves(item, leaves)) for key, item in value.items())
    return value


def _checked_output(output, who):
    if not isinstance(output, Tensor):
        raise TypeError(
            f"DataParallel: the module must return one Tensor, but {who} returned {type(output).__name__}; "
            "wrap the module so its forward returns the tensor to gather (for example the loss)"
        )
    return output


@contextlib.contextmanager
def _hooks_off(tensors):
    """Hide the tensors' gradient hooks while a replica backpropagates, so that each hook runs once,
    on the summed gradient, when the engine hands it to the parameter."""
    saved = [t._hooks for t in tensors]
    for t in tensors:
        t._hooks = None
    try:
        yield
    finally:
        for t, hooks in zip(tensors, saved):
            t._hooks = hooks


def _replica_grads(output, grad_output, wrt):
    """d(output . grad_output)/d(wrt) for one replica (None where a tensor was not used)."""
    if not wrt or not output.requires_grad:
        return [None] * len(wrt)
    with _hooks_off(wrt):
        grads = grad(output, wrt, grad_outputs=Tensor._wrap(grad_output), allow_unused=True)
    return [None if g is None else g._data for g in grads]


def _reseed(module, seed):
    """Reseed chainrule's default generator and every generator the module's layers hold."""
    _random.manual_seed(seed)
    seen = set()
    for index, layer in enumerate(module.modules()):
        for value in vars(layer).values():
            if isinstance(value, np.random.Generator) and id(value) not in seen:
                seen.add(id(value))
                fresh = type(value.bit_generator)(np.random.SeedSequence([seed, index, len(seen)]))
                value.bit_generator.state = fresh.state


def _set_training(module, flags):
    for layer, flag in zip(module.modules(), flags):
        object.__setattr__(layer, "training", flag)


def _load_buffers(module, buffers):
    for name, buffer in module.named_buffers():
        if name in buffers:
            buffer._data = buffers[name]


# ----------------------------------------------------------------------------- the helper


def _views(buffer, places):
    """The arrays at ``places`` ((offset, shape, dtype) each) of a mapped block."""
    return [np.ndarray(shape, np.dtype(dtype), buffer=buffer, offset=offset) for offset, shape, dtype in places]


def _map_views(path, nbytes, places):
    import mmap

    with open(path, "r+b") as handle:
        return _views(mmap.mmap(handle.fileno(), nbytes), places)


def _serve(connection) -> None:
    """A helper's loop: ("init", ...) installs a replica on the shared weights, ("forward", ...) runs
    it on a chunk and keeps the graph, ("backward", ...) backpropagates a kept graph."""
    module, params, grad_views, graphs = None, [], [], {}
    while True:
        try:
            kind, payload = connection.recv()
        except (EOFError, OSError):
            return
        try:
            for call in payload.get("drop", ()):
                graphs.pop(call, None)
            if kind == "init":
                module = pickle.loads(payload["module"])
                params = list(module.parameters())
                for param, view in zip(params, _map_views(payload["weights"], payload["nbytes"], payload["places"])):
                    param._data = view
                grad_views = _map_views(payload["grads"], payload["nbytes"], payload["places"])
                graphs.clear()
                reply = None
            elif kind == "forward":
                _set_training(module, payload["training"])
                _load_buffers(module, payload["buffers"])
                _reseed(module, payload["seed"])
                leaves = {}
                args = _as_leaves(payload["args"], leaves)
                kwargs = _as_leaves(payload["kwargs"], leaves)
                with set_grad_enabled(payload["record"]):
                    output = _checked_output(module(*args, **kwargs), "a helper's replica")
                if payload["record"]:
                    graphs[payload["call"]] = (output, leaves)
                reply = output._data
            elif kind == "backward":
                if payload["call"] not in graphs:
                    raise RuntimeError(
                        "DataParallel: backward through the same forward a second time (retain_graph=True) is not "
                        "supported: each replica frees its graph after one backward"
                    )
                output, leaves = graphs.pop(payload["call"])
                wanted = [params[i] for i in payload["params"]]
                inputs = sorted(leaves)
                grads = _replica_grads(output, payload["grad"], wanted + [leaves[i] for i in inputs])
                present = []
                for i, g in zip(payload["params"], grads):
                    present.append(g is not None)
                    if g is not None:
                        grad_views[i][...] = g
                reply = (present, dict(zip(inputs, grads[len(wanted) :])))
            else:
                raise ValueError(f"unknown request {kind!r}")
            connection.send(("ok", reply))
        except BaseException as error:  # reported to the caller, which raises it there
            text = traceback.format_exc()
            try:
                pickle.dumps(error)
            except Exception:
                error = None
            connection.send(("error", (error, text)))
            if isinstance(error, KeyboardInterrupt):
                return


def _start_helper(context):
    """One helper process (spawned, so it inherits no threads or locks), BLAS at one thread."""
    parent_end, child_end = context.Pipe()
    process = context.Process(target=_serve, args=(child_end,), daemon=True, name="chainrule-data-parallel")
    single = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "CHAINRULE_ROW_WORKERS": "0"}
    with temporary_environ(single):  # what the child inherits; this process keeps its own
        process.start()
    child_end.close()
    return process, parent_end


class _Replicas:
    """The helper processes of one DataParallel, the shared weight and gradient blocks, and the
    request/answer protocol with them."""

    def __init__(self, count):
        context = multiprocessing.get_context("spawn")
        self.helpers = [_start_helper(context) for _ in range(count)]
        self.signature = None
        self.views, self.grad_blocks, self.blocks = [], [], []
        self.calls = iter(range(1, 1 << 62))
        self.dropped = []  # graphs whose output was dropped without a backward
        self._finalizer = weakref.finalize(self, _close_helpers, self.helpers)

    def close(self):
        self._finalizer()

    # -- weights
    def sync(self, module):
        """Make every helper's replica use this module's current weights."""
        params = list(module.parameters())
        signature = [(id(p), p._data.shape, p._data.dtype.str) for p in params]
        if signature != self.signature:
            self._install(module, params)
            self.signature = signature
            return params
        for param, view in zip(params, self.views):
            if param._data is not view:  # replaced since (load_state_dict, p.data = ...): write it back
                view[...] = param._data
                param._data = view
        return params

    def _install(self, module, params):
        places, offset = [], 0
        for p in params:
            places.append((offset, p._data.shape, p._data.dtype.str))
            offset = -(-(offset + p._data.nbytes) // _ALIGN) * _ALIGN
        nbytes = max(offset, _ALIGN)
        weights = _Block(nbytes)
        self.views = _views(weights.map, places)
        for param, view in zip(params, self.views):
            view[...] = param._data
            param._data = view
        self.blocks = [weights]
        self.grad_blocks = []
        message = {"module": _pickled_without_weights(module, params), "places": places}
        for _, connection in self.helpers:
            grads = _Block(nbytes)
            self.blocks.append(grads)
            self.grad_blocks.append(_views(grads.map, places))
            connection.send(("init", dict(message, weights=weights.path, grads=grads.path, nbytes=nbytes)))
        for index in range(len(self.helpers)):
            self.receive(index)
        for block in self.blocks:  # every process has mapped them; the memory lives until all unmap
            block.unlink()

    # -- requests
    def send(self, index, kind, payload):
        payload["drop"], self.dropped = self.dropped, []
        try:
            self.helpers[index][1].send((kind, payload))
        except (OSError, ValueError) as error:
            raise self._died(index, error) from None

    def receive(self, index):
        try:
            status, reply = self.helpers[index][1].recv()
        except (EOFError, OSError) as error:
            raise self._died(index, error) from None
        if status == "ok":
            return reply
        error, text = reply
        if error is None:
            raise RuntimeError(f"DataParallel: helper process {index + 1} failed:\n{text}")
        error.add_note(f"(raised in DataParallel helper process {index + 1}; its traceback follows)\n{text}")
        raise error

    def receive_all(self, count, quiet=False):
        """The answers of helpers 0 .. count-1, every one read before the first error is raised
        (so no answer is left in a pipe); with ``quiet``, errors are dropped."""
        answers, first = [], None
        for index in range(count):
            try:
                answers.append(self.receive(index))
            except BaseException as error:
                answers.append(None)
                first = first or error
        if first is not None and not quiet:
            raise first
        return answers

    def _died(self, index, error):
        process = self.helpers[index][0]
        process.join(timeout=1)
        return RuntimeError(
            f"DataParallel: helper process {index + 1} is gone (exit code {process.exitcode}, {error!r}); "
            "the step cannot be completed. If it died at its start, the usual cause is a script without an "
            "`if __name__ == '__main__':` guard (helpers are spawned, and re-import the main script). "
            "Make a new DataParallel to start fresh helpers."
        )


def _pickled_without_weights(module, params):
    """The module pickled with empty arrays in place of its parameters (the helpers map the
    shared block instead) and without the parameters' gradient hooks (those run here, once)."""
    saved = [(p._data, p._hooks) for p in params]
    try:
        for p in params:
            p._data, p._hooks = np.empty(0, p._data.dtype), None
        return pickle.dumps(module, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, AttributeError, TypeError) as error:
        raise TypeError(
            f"DataParallel: the module must pickle to reach the helper processes, but pickling "
            f"{type(module).__name__} failed: {error}"
        ) from error
    finally:
        for p, (data, hooks) in zip(params, saved):
            p._data, p._hooks = data, hooks


def _close_helpers(helpers):
    for process, connection in helpers:
        with contextlib.suppress(Exception):
            connection.close()
        with contextlib.suppress(Exception):
            process.join(timeout=5)
        if process.is_alive():
            process.terminate()


# ----------------------------------------------------------------------------- the op


class _Plan:
    """Everything one DataParallel call needs between its forward and its backward."""

    def __init__(self, owner, replicas, params, chunks, bounds, record, grad_inputs):
        self.owner, self.replicas, self.params, self.chunks = owner, replicas, params, chunks
        self.dim, self.bounds, self.record, self.grad_inputs = owner.dim, bounds, record, grad_inputs
        self.call = next(replicas.calls)
        self.local = None  # (output, {input index: leaf}) of the replica here
        self.sizes = []  # each chunk's output extent along dim (None for a 0-dim output)
        self.wanted = [i for i, p in enumerate(params) if p.requires_grad]

    def forward(self):
        module, replicas = self.owner.module, self.replicas
        flags = [layer.training for layer in module.modules()]
        buffers = {name: b._data for name, b in module.named_buffers()}
        seed = int(_random.default_generator().integers(1 << 63))
        helpers = len(self.chunks) - 1
        for index in range(helpers):
            args, kwargs = self.chunks[index + 1]
            payload = {"call": self.call, "args": args, "kwargs": kwargs, "training": flags}
            replicas.send(index, "forward", dict(payload, buffers=buffers, seed=seed, record=self.record))
        leaves = {}
        args, kwargs = self.chunks[0]
        try:
            with _blas_at_one_thread(), set_grad_enabled(self.record):
                output = module(*_as_leaves(args, leaves), **_as_leaves(kwargs, leaves))
            output = _checked_output(output, "this process's replica")
        except BaseException:
            replicas.receive_all(helpers, quiet=True)  # keep the pipes in step, then report ours
            if self.record:
                replicas.dropped.append(self.call)  # no backward will come for the helpers' graphs
            raise
        outputs = [output._data] + replicas.receive_all(helpers)
        self.local = (output, leaves)
        return self._gather(outputs)

    def _gather(self, outputs):
        if all(o.ndim == 0 for o in outputs):
            warnings.warn(
                "Was asked to gather along dimension 0, but all input tensors were scalars; "
                "will instead unsqueeze and return a vector.",
                UserWarning,
                stacklevel=5,
            )
            self.sizes = [None] * len(outputs)
            return np.stack(outputs)
        shapes = [o.shape for o in outputs]
        axis = normalize_dim("DataParallel", self.dim, outputs[0].ndim)
        rest = {s[:axis] + s[axis + 1 :] for s in shapes}
        if len(rest) != 1 or any(o.ndim != outputs[0].ndim for o in outputs):
            raise RuntimeError(
                f"DataParallel: the replicas' outputs have shapes {shapes}, which cannot be concatenated along dim {self.dim}"
            )
        self.sizes = [s[axis] for s in shapes]
        return np.concatenate(outputs, axis=axis)

    def _grad_parts(self, grad_output):
        if self.sizes[0] is None:
            return [grad_output[i] for i in range(len(self.sizes))]
        axis = normalize_dim("DataParallel", self.dim, grad_output.ndim)
        cuts = np.cumsum(self.sizes)[:-1]
        return [np.ascontiguousarray(part) for part in np.split(grad_output, cuts, axis=axis)]

    def backward(self, grad_output):
        if self.local is None:
            raise RuntimeError(
                "DataParallel: backward through the same forward a second time (retain_graph=True) is not supported: "
                "each replica frees its graph after one backward"
            )
        replicas, parts = self.replicas, self._grad_parts(grad_output)
        helpers = len(self.chunks) - 1
        for index in range(helpers):
            replicas.send(index, "backward", {"call": self.call, "grad": parts[index + 1], "params": self.wanted})
        output, leaves = self.local
        self.local = None  # the graph here goes with this backward
        wanted = [self.params[i] for i in self.wanted]
        inputs = sorted(leaves)
        try:
            with _blas_at_one_thread():
                local = _replica_grads(output, parts[0], wanted + [leaves[i] for i in inputs])
        except BaseException:
            replicas.receive_all(helpers, quiet=True)
            raise
        answers = replicas.receive_all(helpers)
        param_grads = local[: len(wanted)]
        for index, (present, _) in enumerate(answers):
            views = replicas.grad_blocks[index]
            for slot, (i, there) in enumerate(zip(self.wanted, present)):
                if there:
                    current = param_grads[slot]
                    param_grads[slot] = views[i].copy() if current is None else current + views[i]
        local_inputs = dict(zip(inputs, local[len(wanted) :]))
        input_grads = []
        for index, tensor in enumerate(self.grad_inputs):
            pieces = [local_inputs.get(index)] + [answer[1].get(index) for answer in answers]
            input_grads.append(self._join_input_grad(tensor, pieces))
        return tuple(param_grads) + tuple(input_grads)

    def _join_input_grad(self, tensor, pieces):
        if all(p is None for p in pieces):
            return None
        axis = normalize_dim("DataParallel", self.dim, tensor.ndim)
        shapes = self._input_chunk_shapes(tensor, axis)
        filled = [np.zeros(s, tensor._data.dtype) if p is None else p for p, s in zip(pieces, shapes)]
        return np.concatenate(filled, axis=axis)

    def _input_chunk_shapes(self, tensor, axis):
        shape = list(tensor.shape)
        out = []
        for start, stop in self.bounds:
            shape[axis] = stop - start
            out.append(tuple(shape))
        return out


@contextlib.contextmanager
def _blas_at_one_thread():
    from ..ops import row_workers

    blas = row_workers.blas_threads()
    if blas is None:
        yield
        return
    with blas.limited_to_one():
        yield


class Gather(Function):
    """One DataParallel call as one node: its inputs are the parameters and the scattered input
    tensors that need gradients, its output the gathered replica outputs."""

    @staticmethod
    def forward(ctx, *_, plan):
        ctx.plan = plan
        if plan.record:  # an output dropped without a backward: free the helpers' graphs then
            weakref.finalize(ctx, plan.replicas.dropped.append, plan.call)
        return plan.forward()

    @staticmethod
    def backward(ctx, grad_output):
        return ctx.plan.backward(grad_output)


# ----------------------------------------------------------------------------- the module


class DataParallel(Module):
    """Run ``module`` on a batch split between this process and ``processes - 1`` helper
    processes, summing the gradients (see the module docstring for how and why).

    Args:
        module: the model. Its forward must return one Tensor (wrap it otherwise), and it and its
            arguments must pickle.
        processes: how many processes share the batch, this one included. Default: the cores this
            process may run on. With 1, or where shared memory is not available, the module runs
            here alone.
        dim: the dimension the inputs are split along and the outputs joined along. Default: 0.

    Like ``torch.nn.DataParallel``, the wrapped model is ``.module`` and the state_dict keys start
    with ``module.``. :meth:`close` stops the helpers (they also stop when the DataParallel is
    garbage collected or the program exits).
    """

    def __init__(self, module: Module, processes: int | None = None, dim: int = 0):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"DataParallel: module must be a chainrule.nn.Module, got {type(module).__name__}")
        if processes is None:
            processes = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
        if isinstance(processes, bool) or not isinstance(processes, int) or processes < 1:
            raise ValueError(f"DataParallel: processes must be an int >= 1, got {processes!r}")
        self.module = module
        self.processes = processes
        self.dim = dim
        object.__setattr__(self, "_replicas", None)

    @staticmethod
    def supported() -> bool:
        """Whether helper processes can be used here (Linux with a writable /dev/shm)."""
        return sys.platform.startswith("linux") and os.access("/dev/shm", os.W_OK)

    def forward(self, *inputs, **kwargs):
        found = []
        _batch_size((inputs, kwargs), self.dim, found)
        if self.processes == 1 or not found or not self.supported():
            return self.module(*inputs, **kwargs)
        if len(set(found)) != 1:
            raise ValueError(
                f"DataParallel: the inputs' sizes along dim {self.dim} differ ({sorted(set(found))}); "
                "every tensor and array argument is split along it, so they must agree"
            )
        bounds = _chunk_bounds(found[0], self.processes)
        if len(bounds) == 1:
            return self.module(*inputs, **kwargs)
        grad_inputs = []  # the input tensors that need a gradient, in the order they are found
        chunks = _cut((tuple(inputs), kwargs), self.dim, bounds, grad_inputs)  # [(args_i, kwargs_i)]
        replicas = self._ensure_replicas()
        params = replicas.sync(self.module)
        record = is_grad_enabled() and (any(p.requires_grad for p in params) or bool(grad_inputs))
        plan = _Plan(self, replicas, params, chunks, bounds, record, grad_inputs)
        needs = [p for p in params if p.requires_grad] + grad_inputs
        return Gather.apply(*needs, plan=plan)

    def _ensure_replicas(self) -> _Replicas:
        if self._replicas is None:
            object.__setattr__(self, "_replicas", _Replicas(self.processes - 1))
        return self._replicas

    def close(self) -> None:
        """Stop the helper processes (a later call starts new ones)."""
        if self._replicas is not None:
            self._replicas.close()
            object.__setattr__(self, "_replicas", None)

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_replicas"] = None
        return state

    def extra_repr(self) -> str:
        return f"processes={self.processes}, dim={self.dim}"
