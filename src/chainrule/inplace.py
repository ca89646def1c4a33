"""In-place operations: how ``x.add_(y)``, ``x += y``, ``x[i] = v`` and friends write into memory
and keep the recorded graph right (docs/autograd.md walks through it with examples).

An in-place op runs in four steps (``write_inplace``):

1. **Refuse** what PyTorch refuses (``check_inplace_allowed``): writing into a leaf that requires
   grad, into a view of one, into a view made under ``no_grad`` or one of several views returned
   by ``split``/``chunk``, or into memory where several elements share one location (``expand``).
2. **Compute out of place, then write.** The op's ordinary ``apply`` computes the result from
   the current value; ``np.copyto`` writes it into the tensor's array, so every view of that
   memory sees the new value. Before the write, the new node gets private copies of whatever it
   saved of the value about to be overwritten (as PyTorch saves ``original_self``), unless an
   argument aliases the tensor (``y.mul_(y)``), which PyTorch leaves unprotected too.
3. **Bump the version.** The tensor's version counter (a one-element list shared with its views,
   its base and its ``detach()``-ed aliases) goes up by one. A node that saved an array of this
   memory remembered the old version, and backward refuses to use the overwritten value.
4. **Rebase the history.** The tensor now holds the output of the new node, so its ``grad_fn``
   becomes that node, whose input edge is the tensor's previous history (``set_history``). On a
   view, the base is rebased instead: its new value is the old base with the view's region
   replaced by the op's output, recorded as a ``CopySlices`` node (``ops/shape.py``) with the
   old base and the op's node as inputs. Every view of the base then has a stale version; the
   next time one is used, ``sync_view`` replays its chain of view ops on the base, so its
   ``grad_fn`` goes through the ``CopySlices`` node.

The functions take the tensor as their first argument; ``Tensor`` binds the ones it calls as
methods (``_inplace``, ``_sync_view``, ...), so using them costs no extra call.
"""

from __future__ import annotations

import weakref

import numpy as np

from .autograd import VIEW_MULTI_OUTPUT, VIEW_NO_GRAD, _state
from .ops import arithmetic, shape

__all__ = ["check_inplace_allowed", "masked_fill", "set_history", "sync_view", "write_inplace"]


_CATEGORY = {"b": 0, "u": 1, "i": 1, "f": 2, "c": 3}


def write_inplace(tensor, op_name, compute, *args, check_dtype=True, **kwargs):
    """Compute ``compute(tensor, *args, **kwargs)`` out of place, write it into ``tensor``'s
    memory, bump the version and, when a graph is being recorded, rebase the history.

    Args:
        tensor: the tensor written into.
        op_name: the in-place op's name for error messages (``"add_"``, ``"__setitem__"``).
        compute: the out-of-place op's ``apply`` (``arithmetic.Add.apply``).
        *args: the op's other inputs.
        check_dtype: refuse a result whose dtype torch.can_cast cannot cast to the tensor's
            (``x.add_(1.5)`` on an int tensor); ``copy_`` and ``fill_`` cast freely.
        **kwargs: the op's options.

    Returns:
        ``tensor`` itself.

    Raises:
        RuntimeError: the write is refused (see ``check_inplace_allowed``), the tensor's elements
            share memory, or the result's shape or dtype does not fit the tensor.
    """
    if tensor._base is not None and tensor._view_version != tensor._vc[0]:
        sync_view(tensor)
    check_inplace_allowed(tensor, op_name)
    target = tensor._data
    # an empty array has zero strides without any aliasing (np.zeros((12, 0)).strides == (0, 0))
    aliased = target.size > 0 and any(s == 0 and n > 1 for s, n in zip(target.strides, target.shape))
    if aliased or not target.flags.writeable:
        raise RuntimeError(
            f"{op_name}: more than one element of the written-to tensor (shape {target.shape}) refers "
            "to a single memory location (an expand()ed tensor, say); .clone() it before the "
            "in-place operation"
        )
    result = compute(tensor, *args, **kwargs)
    new = result._data
    if new.shape != target.shape:
        raise RuntimeError(
            f"{op_name}: output with shape {list(target.shape)} doesn't match the broadcast shape {list(new.shape)}"
        )
    # torch.can_cast: only a cast down a category (float to integer, non-bool to bool) is refused;
    # NumPy's same_kind would also refuse int16 into uint8, which PyTorch allows
    if check_dtype and new.dtype != target.dtype and _CATEGORY[new.dtype.kind] > _CATEGORY[target.dtype.kind]:
        raise RuntimeError(
            f"{op_name}: result type {new.dtype} can't be cast to the desired output type "
            f"{target.dtype} (the in-place tensor's dtype)"
        )
    node = result._grad_fn
    if node is not None and node.saved_versions is not None and not _aliases(tensor, args):
        _detach_saved_from(node, tensor)
    np.copyto(target, new, casting="unsafe")
    tensor._bump_version()
    if node is None:
        return tensor
    if node.saved_versions is not None or node.saved_tensors:
        _resave_output_as(node, new, tensor)
    if tensor._base is None:
        set_history(tensor, node)
    else:
        _rebase_base(tensor, node)
    return tensor


def check_inplace_allowed(tensor, op_name) -> None:
    """Raise PyTorch's RuntimeError for an in-place write that autograd would have to record
    but cannot: into a leaf that requires grad, a view of one, a view made under ``no_grad``
    of a tensor that requires grad, or one of several views from split/chunk/unbind."""
    if not _state.grad_enabled:
        return
    if tensor._requires_grad and tensor._grad_fn is None and tensor._base is None:
        raise RuntimeError(
            f"{op_name}: a leaf tensor that requires grad (shape {tensor.shape}) is being used in an "
            "in-place operation; wrap the update in chainrule.no_grad() or work on a .clone()"
        )
    base = tensor._base
    if base is not None and base._requires_grad:
        if base._grad_fn is None:
            raise RuntimeError(
                f"{op_name}: a view of a leaf tensor that requires grad (base shape {base.shape}) is "
                "being used in an in-place operation; wrap it in chainrule.no_grad() or work on a .clone()"
            )
        if tensor._view_kind == VIEW_NO_GRAD:
            raise RuntimeError(
                f"{op_name}: this view (shape {tensor.shape}) was created under no_grad() of a tensor "
                "that requires grad and is being modified in place with grad mode on; make the "
                "view with grad mode on, or work on a .clone()"
            )
        if tensor._view_kind == VIEW_MULTI_OUTPUT:
            raise RuntimeError(
                f"{op_name}: this tensor (shape {tensor.shape}) is one of several views returned by "
                "split/chunk/unbind, which cannot be modified in place; use an out-of-place op "
                "or .clone() the piece first"
            )


def sync_view(view) -> None:
    """Rebuild a view's ``grad_fn`` from its base after the shared memory was written in place:
    the view now reads the base's new value, so its history is the base's new history followed
    by the same view ops."""
    counter = view._vc
    view._view_version = counter[0]
    base = view._base
    if not base._requires_grad or view._view_kind == VIEW_NO_GRAD:
        return
    previous = _state.grad_enabled
    _state.grad_enabled = True
    try:
        rebuilt = base
        for cls, kwargs in view._view_steps:
            rebuilt = cls.apply(rebuilt, **kwargs)
    finally:
        _state.grad_enabled = previous
    counter_after = view._vc[0]  # replaying views never writes: the version is unchanged
    view._view_version = counter_after
    set_history(view, rebuilt._grad_fn)


def set_history(tensor, node) -> None:
    """Point ``tensor`` at a new graph node (after an in-place op); retain_grad follows."""
    old = tensor._grad_fn
    tensor._grad_fn = node
    tensor._requires_grad = True
    if tensor._retains_grad:
        if old is not None:
            old.retained = None
        node.retained = weakref.ref(tensor)


def masked_fill(tensor, mask, value):
    """``value`` where ``mask`` holds, else ``tensor`` (out of place; ``masked_fill_`` writes it
    in place). The result keeps ``tensor``'s dtype, whatever the value's."""
    out = arithmetic.Where.apply(mask, value, tensor)
    return out if out.dtype == tensor.dtype else shape.Cast.apply(out, dtype=tensor.dtype)


def _aliases(tensor, args):
    """True when an argument shares ``tensor``'s memory (``y.mul_(y)``): as in PyTorch, what the
    node saved of that argument is then *not* protected, and backward reports the overwrite."""
    counter = tensor._vc
    return counter is not None and any(getattr(a, "_vc", None) is counter for a in args)


def _detach_saved_from(node, tensor):
    """Before an in-place op overwrites ``tensor``, give its node private copies of whatever it
    saved of the old value (as PyTorch saves ``original_self``): the gradient stays right."""
    saved = list(node.saved_tensors)
    kept = []
    for entry in node.saved_versions:
        index, counter = entry[0], entry[1]
        if counter is tensor._vc:
            saved[index] = saved[index].copy()
        else:
            kept.append(entry)
    node.saved_tensors = tuple(saved)
    node.saved_versions = kept or None


def _resave_output_as(node, result_array, tensor):
    """The in-place op's output now lives in ``tensor``'s memory: where the node saved its output,
    point it there and record the new version, so a later in-place write is caught as in PyTorch."""
    saved = list(node.saved_tensors)
    entries = [e for e in (node.saved_versions or ()) if saved[e[0]] is not result_array]
    changed = False
    for index, array in enumerate(saved):
        if array is result_array:
            saved[index] = tensor._data
            entries.append((index, tensor._vc, tensor._vc[0]))
            changed = True
    if changed:
        node.saved_tensors = tuple(saved)
        node.saved_versions = entries or None


def _rebase_base(view, node):
    """After an in-place op on ``view``, its base's value is the old base with the view's region
    replaced by the op's output: record that as a CopySlices node and make it the base's history.
    The view itself rebuilds its grad_fn from the new base when next used (its version is stale)."""
    base = view._base
    if base._requires_grad:
        base_edge = base._grad_fn if base._grad_fn is not None else base
    else:
        base_edge = None
    copy = shape.CopySlices.__new__(shape.CopySlices)
    copy.edges = [base_edge, node]
    copy.steps = view._view_steps
    copy.template = base._data
    copy.out_hooks = None
    copy.retained = None
    copy.freed = False
    copy.out_shape = base._data.shape
    set_history(base, copy)
