"""``Optimizer``: the bookkeeping every update rule shares, laid out exactly like ``torch.optim``.

An optimizer holds

* ``param_groups`` — a list of dicts, each with ``'params'`` (a list of leaf tensors) and one
  value for every hyperparameter (``lr``, ``weight_decay``, ...). A group that does not name a
  hyperparameter takes it from ``defaults``; so one optimizer can train, say, the embeddings with
  one learning rate and the rest of the model with another, and a scheduler can change ``lr`` per
  group simply by writing into the dict;
* ``state`` — a dict from parameter tensor to that parameter's running buffers (momentum,
  Adam's moments, the step count). Buffers are created lazily on the first step that sees a
  gradient, so a parameter that never receives one costs nothing.

Subclasses implement ``step()``; it reads the gradient's array and writes the parameter's array in place with
NumPy, so the update is never recorded by autograd (the NumPy twin of torch's ``no_grad`` update)
and the parameter keeps its identity (anything holding ``p`` sees the new values).

``state_dict()`` replaces tensors by their position (counting through the groups in order), which
is what lets a checkpoint be loaded into a freshly built model whose tensors are new objects:
``{'state': {0: {'momentum_buffer': ndarray}, ...}, 'param_groups': [{'lr': ..., 'params': [0, 1]}]}``.
"""

from __future__ import annotations

import copy
import os
import warnings
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .. import autograd
from ..tensor import Tensor

__all__ = ["Optimizer", "required"]


class _RequiredParameter:
    """Marks a hyperparameter with no default: every group must then name it."""

    def __repr__(self) -> str:
        return "<required parameter>"


required = _RequiredParameter()


class Optimizer:
    """Base class of all optimizers: parameter groups, per-parameter state, checkpoints.

    Args:
        params: an iterable of tensors, or of dicts each holding ``'params'`` plus any
            hyperparameters that should differ from ``defaults`` for that group.
        defaults: hyperparameter values used by groups that do not set them.
    """

    def __init__(self, params, defaults: dict):
        self.defaults = defaults
        self.state: defaultdict = defaultdict(dict)
        self.param_groups: list[dict] = []
        if isinstance(params, Tensor):
            raise TypeError(
                f"{type(self).__name__}: params should be an iterable of Tensors or dicts, got a single "
                "Tensor; wrap it in a list"
            )
        param_groups = list(params)
        if len(param_groups) == 0:
            raise ValueError(f"{type(self).__name__}: got an empty parameter list")
        if not isinstance(param_groups[0], dict):
            param_groups = [{"params": param_groups}]
        for group in param_groups:
            self.add_param_group(group)

    def __repr__(self) -> str:
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(group):
                if key != "params":
                    lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)

    # ------------------------------------------------------------------ validation helpers
    def _check_range(self, what: str, value, low=0.0, high=None, high_inclusive=False) -> None:
        """Raise ``ValueError('<Optimizer>: invalid <what>: <value>')`` unless low <= value (< high)."""
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(f"{type(self).__name__}: {what} must be a real number, got {type(value).__name__}")
        ok = value >= low
        if high is not None:
            ok = ok and (value <= high if high_inclusive else value < high)
        if not ok:
            bound = f">= {low}" if high is None else f"in [{low}, {high}{']' if high_inclusive else ')'}"
            raise ValueError(f"{type(self).__name__}: invalid {what}: {value} (expected {bound})")

    # ------------------------------------------------------------------ groups
    def add_param_group(self, param_group: dict) -> None:
        """Append a group; hyperparameters it does not set are filled in from ``defaults``.

        Used to add parameters while training (e.g. unfreezing layers during fine-tuning).
        """
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}.add_param_group: expected a dict, got {type(param_group).__name__}")
        param_group = dict(param_group)
        params = param_group.get("params")
        if params is None:
            raise ValueError(f"{name}.add_param_group: the group has no 'params' entry")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(
                f"{name}: optimizer parameters need to be organized in ordered collections, but the "
                "ordering of tensors in sets will change between runs; use a list instead"
            )
        params = list(params)
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"{name}: can only optimize Tensors, but one of the params is {type(p).__name__}")
            if p.grad_fn is not None and not p.retains_grad:
                raise ValueError(f"{name}: can't optimize a non-leaf Tensor")
        param_group["params"] = params

        for key, default in self.defaults.items():
            if default is required and key not in param_group:
                raise ValueError(
                    f"{name}: parameter group didn't specify a value of required optimization parameter {key}"
                )
            param_group.setdefault(key, default)

        # Tensors compare elementwise, so membership is tested by identity, never with ``in``.
        ids = [id(p) for p in params]
        if len(set(ids)) != len(ids):
            warnings.warn(
                f"{name}: a parameter group contains duplicate parameters; each will be updated twice",
                stacklevel=3,
            )
        existing = {id(p) for group in self.param_groups for p in group["params"]}
        if not existing.isdisjoint(ids):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        self.param_groups.append(param_group)

    # ------------------------------------------------------------------ gradients
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget the gradients before the next backward pass (which would otherwise accumulate).

        ``set_to_none=True`` (the default, as in PyTorch) drops the arrays: cheaper than zeroing,
        and a parameter that then receives no gradient is skipped by ``step`` instead of being
        updated with a zero gradient (which still moves it under momentum or weight decay).
        """
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    if set_to_none:
                        p.grad = None
                    else:
                        p.grad.detach_()
                        p.grad.zero_()

    def step(self, closure=None):
        """Update every parameter that has a gradient; subclasses implement the rule."""
        raise NotImplementedError

    @staticmethod
    def _gradients(group):
        """Yield ``(p, data, grad)`` for every parameter of ``group`` that has a gradient, with the
        gradient negated when the group maximizes (every optimizer starts its step this way)."""
        maximize = group.get("maximize", False)
        for p in group["params"]:
            if p.grad is None:
                continue
            grad = p.grad._data
            p._bump_version()  # the caller writes into p's memory: saved copies of p become stale
            yield p, p._data, (-grad if maximize else grad)

    @staticmethod
    def _evaluate_closure(closure):
        # The closure recomputes the loss and calls backward, so it needs graph recording even if
        # the caller wrapped the step in no_grad.
        if closure is None:
            return None
        with autograd.enable_grad():
            return closure()

    # ------------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict:
        """The optimizer's state with parameters replaced by their index (PyTorch's layout).

        Buffers are deep copies, so stepping on afterwards does not change a saved dict.
        """
        index_of: dict[int, int] = {}
        packed_groups = []
        next_index = 0
        for group in self.param_groups:
            packed = {key: copy.deepcopy(value) for key, value in group.items() if key != "params"}
            for p in group["params"]:
                if id(p) not in index_of:
                    index_of[id(p)] = next_index
                    next_index += 1
            packed["params"] = [index_of[id(p)] for p in group["params"]]
            packed_groups.append(packed)
        packed_state = {index_of[id(p)]: copy.deepcopy(values) for p, values in self.state.items() if id(p) in index_of}
        return {"state": packed_state, "param_groups": packed_groups}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore a ``state_dict()``: groups are matched by order, parameters by position.

        Floating buffers are cast to their parameter's dtype (a float64 checkpoint loaded into a
        float32 model gets float32 buffers); ``step`` counts stay numbers.
        """
        self._check_loadable(state_dict)
        saved_groups = state_dict["param_groups"]
        param_of = {}
        for group, saved in zip(self.param_groups, saved_groups):
            for index, p in zip(saved["params"], group["params"]):
                param_of[index] = p

        new_state: defaultdict = defaultdict(dict)
        for index, values in state_dict["state"].items():
            if index not in param_of:
                continue  # torch keeps such entries keyed by index; they belong to no parameter
            p = param_of[index]
            new_state[p] = {key: _cast_state_value(key, value, p) for key, value in values.items()}
        self.state = new_state

        new_groups = []
        for group, saved in zip(self.param_groups, saved_groups):
            restored = {key: copy.deepcopy(value) for key, value in saved.items() if key != "params"}
            restored["params"] = group["params"]
            new_groups.append(restored)
        self.param_groups = new_groups

    def _check_loadable(self, state_dict) -> None:
        """Raise ValueError unless ``state_dict`` has this optimizer's groups and group sizes."""
        name = type(self).__name__
        if not isinstance(state_dict, dict) or "state" not in state_dict or "param_groups" not in state_dict:
            raise ValueError(f"{name}.load_state_dict: expected a dict with 'state' and 'param_groups' entries")
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: loaded state dict has {len(saved_groups)} parameter groups, "
                f"the optimizer has {len(self.param_groups)}"
            )
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {i} has {len(saved['params'])} parameters in "
                    f"the loaded state dict but {len(group['params'])} in the optimizer"
                )


def _cast_state_value(key, value, param):
    if isinstance(value, Tensor):
        value = value._data
    if key == "step":
        # a step count is a number; torch stores it as a 0-d float tensor
        return int(np.asarray(value).item())
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "f" and param.dtype.kind == "f":
            return value.astype(param.dtype, copy=True)
        return value.copy()
    return copy.deepcopy(value)


# ----------------------------------------------------------------------------- two-thread updates

_SPLIT_MIN_ELEMENTS = 1 << 20  # below ~1 M parameters the hand-over costs more than it saves
_POOL: list = [None, None]  # [executor, the pid that made it]


def run_updates(update, updates, group) -> None:
    """Call ``update(data, grad, state, group)`` for every ``(data, grad, state)`` of ``updates``.

    An optimizer step is a dozen elementwise passes over every parameter, bound by memory
    bandwidth, and NumPy runs each on one core. With about a million parameters or more, and
    BLAS allowed two or more threads here (so ``OMP_NUM_THREADS=1`` or a ``threadpoolctl`` limit
    keeps it on one core), a helper thread takes about half of the elements: the largest arrays
    first, each to the lighter side. NumPy releases the GIL inside each pass, so the two threads
    run at once (measured for the mini-BERT's 5.4 M parameters: AdamW's 17.4 ms became 8.9 ms).
    Every parameter's arithmetic is the same whichever thread runs it: the results are
    bit-identical to one thread's."""
    total = sum(data.size for data, _, _ in updates)
    if total < _SPLIT_MIN_ELEMENTS or len(updates) < 2 or _threads_allowed() < 2:
        _run_all(update, updates, group)
        return
    here, there, here_size, there_size = [], [], 0, 0
    for item in sorted(updates, key=lambda item: -item[0].size):
        if here_size <= there_size:
            here.append(item)
            here_size += item[0].size
        else:
            there.append(item)
            there_size += item[0].size
    future = _pool().submit(_run_all, update, there, group)
    try:
        _run_all(update, here, group)
    finally:
        future.result()  # waits, and raises what the helper thread raised


def _run_all(update, updates, group) -> None:
    for data, grad, state in updates:
        update(data, grad, state, group)


def _threads_allowed() -> int:
    from ..ops.row_workers import blas_threads

    blas = blas_threads()
    if blas is None or not blas.libraries:
        return 1
    return min(getter() for _, getter in blas.libraries)


def _pool() -> ThreadPoolExecutor:
    if _POOL[0] is None or _POOL[1] != os.getpid():  # none yet, or a forked child without its thread
        _POOL[0], _POOL[1] = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chainrule-optim"), os.getpid()
    return _POOL[0]
