"""Ops that move elements around without changing their values: reshape, transpose, permute,
expand, squeeze, unsqueeze, indexing, gather, cat, stack, split, pad, dtype casts; repeat, flip,
roll, movedim, diagonal, tril/triu, unfold (windows), scatter and the index_* ops, take.

Each output element is a copy of one input element, so every backward just routes the gradient
back to where the element came from (summing when one element was copied several times).
"""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np

from ..autograd import VIEW_MULTI_OUTPUT, Function, memory_root
from ._util import normalize_dim, unbroadcast
from .arithmetic import torch_promote_types

__all__ = [
    "Cast",
    "Cat",
    "Clone",
    "Copy",
    "CopySlices",
    "DiagEmbed",
    "Diagonal",
    "Expand",
    "Flip",
    "Gather",
    "GetItem",
    "IndexAdd",
    "IndexCopy",
    "IndexFill",
    "IndexPut",
    "IndexSelect",
    "MoveDim",
    "Pad",
    "PadIndexed",
    "Permute",
    "Repeat",
    "Reshape",
    "Roll",
    "Scatter",
    "ScatterReduce",
    "Squeeze",
    "Stack",
    "Take",
    "Transpose",
    "Tril",
    "Triu",
    "Unfold",
    "Unsqueeze",
    "View",
    "chunk",
    "flatten",
    "is_basic_index",
    "assign",
    "normalize_index",
    "strip_leading_ones",
    "torch_advanced_layout",
    "parse_shape_args",
    "replay_view",
    "split",
]


def parse_shape_args(op_name, args):
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])`` like PyTorch."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = tuple(args[0])
    for a in args:
        if not isinstance(a, (int, np.integer)) or isinstance(a, bool):
            raise TypeError(f"{op_name}: sizes must be ints, got {args!r}")
    return tuple(int(a) for a in args)


class Cast(Function):
    """y = x converted to another dtype; the gradient is cast back to x's dtype."""

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.source_dtype = x.dtype
        if dtype.kind not in "fc":
            ctx.mark_non_differentiable()
        return x.astype(dtype)  # always new memory: a cast is not a view

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.astype(ctx.source_dtype, copy=False)


class Clone(Function):
    """y = a copy of x; dL/dx = g."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


class Reshape(Function):
    """y = x with a new shape (same elements in the same order); dL/dx = g reshaped back.
    A view of x where the memory layout allows it, else a copy (as torch.reshape)."""

    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.input_shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise RuntimeError(  # as torch
                f"reshape: shape {list(shape)} is invalid for input of size {x.size} (shape {x.shape})"
            ) from None

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.reshape(ctx.input_shape)


class View(Reshape):
    """y = x.view(shape): Reshape that must not copy. PyTorch refuses a view whose elements are
    not evenly spaced in x's memory (say, flattening a transposed matrix), and so do we."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.input_shape = x.shape
        try:
            return np.reshape(x, shape, copy=False)
        except ValueError:
            if -1 not in shape and math.prod(shape) != x.size or shape.count(-1) > 1:
                raise RuntimeError(
                    f"view: shape {list(shape)} is invalid for input of size {x.size} (shape {x.shape})"
                ) from None
            try:
                x.reshape(shape)
            except ValueError:
                raise RuntimeError(
                    f"view: shape {list(shape)} is invalid for input of size {x.size} (shape {x.shape})"
                ) from None
            raise RuntimeError(
                f"view: size {list(shape)} is not compatible with the input's size {list(x.shape)} and "
                f"stride {[s // x.itemsize for s in x.strides]} (at least one dimension spans across two "
                "contiguous subspaces); use .reshape(...) instead"
            ) from None


class Transpose(Function):
    """y = x with axes dim0 and dim1 swapped; swapping them again routes g back."""

    is_view = True

    @staticmethod
    def forward(ctx, x, dim0, dim1):
        d0, d1 = normalize_dim("transpose", dim0, x.ndim), normalize_dim("transpose", dim1, x.ndim)
        ctx.dims = (d0, d1)
        return np.swapaxes(x, d0, d1) if x.ndim else x

    @staticmethod
    def backward(ctx, grad_output):
        return np.swapaxes(grad_output, *ctx.dims) if grad_output.ndim else grad_output


class Permute(Function):
    """y = x.transpose(dims); the inverse permutation (argsort of dims) routes g back."""

    is_view = True

    @staticmethod
    def forward(ctx, x, dims):
        if len(dims) != x.ndim:
            raise RuntimeError(f"permute: got {len(dims)} dims {tuple(dims)} for a tensor of shape {x.shape}")
        axes = tuple(normalize_dim("permute", d, x.ndim) for d in dims)
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"permute: dims {tuple(dims)} repeat a dimension")
        ctx.inverse = tuple(np.argsort(axes))
        return np.transpose(x, axes)

    @staticmethod
    def backward(ctx, grad_output):
        return np.transpose(grad_output, ctx.inverse)


class Expand(Function):
    """y = x broadcast to a larger shape (-1 keeps a size); dL/dx = unbroadcast(g)."""

    is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        extra = len(shape) - x.ndim
        if extra < 0:
            raise ValueError(
                f"expand: the number of sizes {len(shape)} must be >= the tensor's dims {x.ndim} (shape {x.shape})"
            )
        target = tuple(x.shape[i - extra] if (n == -1 and i >= extra) else n for i, n in enumerate(shape))
        ctx.input_shape = x.shape
        try:
            return np.broadcast_to(x, target)
        except ValueError:
            raise ValueError(
                f"expand: cannot expand shape {x.shape} to {tuple(shape)}; only size-1 dims can grow"
            ) from None

    @staticmethod
    def backward(ctx, grad_output):
        return unbroadcast(grad_output, ctx.input_shape)


class Squeeze(Function):
    """Drop size-1 axes (all, or those in ``dim`` that have size 1); reshape g back."""

    is_view = True

    @staticmethod
    def forward(ctx, x, dim=None):
        ctx.input_shape = x.shape
        if dim is None:
            return x.reshape(tuple(n for n in x.shape if n != 1))
        dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
        axes = {normalize_dim("squeeze", d, x.ndim) for d in dims}
        return x.reshape(tuple(n for i, n in enumerate(x.shape) if not (i in axes and n == 1)))

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.reshape(ctx.input_shape)


class Unsqueeze(Function):
    """Insert a size-1 axis at ``dim`` (in [-ndim-1, ndim]); reshape g back."""

    is_view = True

    @staticmethod
    def forward(ctx, x, dim):
        axis = normalize_dim("unsqueeze", dim, x.ndim + 1)  # the new axis may also go last
        ctx.input_shape = x.shape
        return np.expand_dims(x, axis)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output.reshape(ctx.input_shape)


def flatten(tensor, start_dim=0, end_dim=-1):
    shape = tensor.shape
    if len(shape) == 0:
        return Reshape.apply(tensor, shape=(1,))
    start, end = normalize_dim("flatten", start_dim, len(shape)), normalize_dim("flatten", end_dim, len(shape))
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} for shape {shape}")
    merged = math.prod(shape[start : end + 1])
    return Reshape.apply(tensor, shape=shape[:start] + (merged,) + shape[end + 1 :])


def normalize_index(index):
    """Turn Tensors and lists inside an index into NumPy arrays (ints as int64, masks as bool)."""
    from ..tensor import unwrap_tensor  # the tensor module sits above the ops

    def convert(item):
        item = unwrap_tensor(item)
        if isinstance(item, list):
            item = np.asarray(item)
            if item.dtype.kind not in "biu":
                raise IndexError(f"getitem: index lists must hold ints or bools, got dtype {item.dtype}")
        if isinstance(item, np.ndarray):
            if item.dtype.kind == "f":
                raise IndexError("getitem: tensors used as indices must be long, int or bool, got a float tensor")
            if item.dtype == np.uint8:  # a mask, as PyTorch still reads it (with its deprecation warning)
                warnings.warn(
                    "indexing with dtype torch.uint8 is now deprecated, please use a dtype torch.bool instead.",
                    UserWarning,
                    stacklevel=4,
                )
                return item.astype(bool)
            if item.ndim == 0 and item.dtype.kind in "iu":
                return int(item)  # a 0-d integer tensor indexes as an int does in PyTorch (a view)
        return item

    if isinstance(index, tuple):
        return tuple(convert(i) for i in index)
    return convert(index)


def torch_advanced_layout(index, ndim):
    """Where PyTorch and NumPy put the dims of an advanced index apart: ``(count, position)``, or
    None where they agree.

    Both put the broadcast dims of the index arrays first when the arrays are separated (by a
    slice, None or ...) and in place of the arrays when they are adjacent. NumPy counts ints as
    advanced indices too; PyTorch applies ints first (as a select) and looks only at the tensors.
    So x[1, :, idx] is (len(idx), n1) in NumPy and (n1, len(idx)) in PyTorch: NumPy's result needs
    its first ``count`` dims moved to ``position``.
    """
    items = index if isinstance(index, tuple) else (index,)
    kinds = []
    for item in items:
        if isinstance(item, (np.ndarray, list)) or type(item) is bool or isinstance(item, np.bool_):
            kinds.append("array")
        elif isinstance(item, (int, np.integer)):
            kinds.append("int")
        else:
            kinds.append("other")
    advanced = [i for i, kind in enumerate(kinds) if kind != "other"]
    arrays = [i for i in advanced if kinds[i] == "array"]
    if not arrays or advanced == list(range(advanced[0], advanced[-1] + 1)):
        return None  # NumPy keeps the advanced dims in place, where PyTorch puts them too
    consumed = sum(
        np.ndim(item) if kind == "array" and np.asarray(item).dtype == bool else 1
        for item, kind in zip(items, kinds)
        if item is not None and item is not Ellipsis
    )
    ellipsis_dims = ndim - consumed
    # NumPy saw them separated; for PyTorch, ints and an ... of no dims do not separate tensors
    if any(kinds[i] == "other" and (items[i] is not Ellipsis or ellipsis_dims) for i in range(arrays[0], arrays[-1])):
        return None  # the tensors are separated for PyTorch as well: both put their dims first
    position = 0
    for item in items[: arrays[0]]:
        if item is Ellipsis:
            position += ellipsis_dims
        elif not isinstance(item, (int, np.integer)):
            position += 1  # a slice or None
    # the dims that are not the index tensors': slices, Nones, and the dims nothing indexes
    result_dims = sum(1 for item, kind in zip(items, kinds) if kind == "other" and item is not Ellipsis)
    return position, result_dims + ndim - consumed


def _to_torch_layout(out, layout):
    position, other_dims = layout
    count = out.ndim - other_dims
    return np.moveaxis(out, range(count), range(position, position + count))


def _from_torch_layout(array, layout):
    position, other_dims = layout
    count = array.ndim - other_dims
    return np.moveaxis(array, range(position, position + count), range(count))


def strip_leading_ones(value_shape):
    """PyTorch drops a value's leading size-1 dims before broadcasting it into x[index]
    (x[1] = tensor([3.]) is allowed)."""
    shape = tuple(value_shape)
    while shape and shape[0] == 1:
        shape = shape[1:]
    return shape


def assign(target, index, value):
    """``target[index] = value`` with PyTorch's layout of advanced dims and value broadcasting."""
    value = np.asarray(value)
    value = value.reshape(strip_leading_ones(value.shape))
    layout = None if is_basic_index(index) else torch_advanced_layout(index, target.ndim)
    if layout is not None:
        result_shape = _to_torch_layout(np.empty(target[index].shape, dtype=bool), layout).shape
        value = _from_torch_layout(np.broadcast_to(value, result_shape), layout)
    target[index] = value


def selects_nothing(index, shape):
    """True when the slices of ``index`` already select no element: PyTorch then never looks at
    its index tensors, so an out-of-range one is not an error (``x[:0, tensor([9])] = v``)."""
    items = index if isinstance(index, tuple) else (index,)
    basic = []
    for item in items:
        if isinstance(item, np.ndarray) and item.dtype == bool:
            basic.extend([slice(None)] * max(item.ndim, 1))
        elif isinstance(item, np.ndarray) and item.ndim > 0:
            basic.append(slice(None))
        else:
            basic.append(item)
    try:
        return np.broadcast_to(np.empty((), dtype=np.uint8), shape)[tuple(basic)].size == 0
    except (IndexError, TypeError, ValueError):
        return False


def is_basic_index(index):
    """True for indices made only of ints, slices, None and Ellipsis: those give a view."""
    items = index if isinstance(index, tuple) else (index,)
    return all(i is None or i is Ellipsis or isinstance(i, (int, np.integer, slice)) for i in items)


def _expand_masks(index):
    """Replace boolean masks by their nonzero() integer arrays so np.add.at can scatter."""
    items = index if isinstance(index, tuple) else (index,)
    expanded = []
    for item in items:
        if isinstance(item, np.ndarray) and item.dtype == bool:
            expanded.extend(np.nonzero(item))
        else:
            expanded.append(item)
    return tuple(expanded)


class GetItem(Function):
    """y = x[index] (slices, ints, integer arrays, boolean masks); a view for basic indices.

    Each y element is one x element; dL/dx is zero except that g is *added* at the indexed
    positions, so an index that repeats receives the sum of its gradients (np.add.at).
    Because dL/dx is that sparse, the engine calls ``accumulate_backward`` to add it into x's
    gradient buffer, rather than summing one zero-filled x-sized array per slice.
    """

    is_view = True

    @staticmethod
    def forward(ctx, x, index):
        ctx.input_shape, ctx.dtype = x.shape, x.dtype
        ctx.index = index
        ctx.basic = is_basic_index(index)
        if ctx.basic and index is not Ellipsis and not (isinstance(index, tuple) and Ellipsis in index):
            # x[1] on a 1-D array is a NumPy scalar (a copy); x[1, ...] is the 0-d view PyTorch gives.
            index = (index if isinstance(index, tuple) else (index,)) + (Ellipsis,)
        try:
            out = x[index]
        except IndexError as error:
            raise IndexError(f"getitem: {error} (tensor of shape {x.shape})") from None
        ctx.layout = None if ctx.basic else torch_advanced_layout(index, x.ndim)
        if ctx.layout is not None:
            out = _to_torch_layout(out, ctx.layout)
        return out if isinstance(out, np.ndarray) else np.asarray(out)

    @staticmethod
    def backward(ctx, grad_output):
        grad = np.zeros(ctx.input_shape, dtype=grad_output.dtype)
        GetItem.accumulate_backward(ctx, grad_output, grad)
        return grad

    @staticmethod
    def accumulate_backward(ctx, grad_output, grad_input):
        if ctx.basic:
            grad_input[ctx.index] += grad_output
        else:
            if ctx.layout is not None:
                grad_output = _from_torch_layout(grad_output, ctx.layout)
            np.add.at(grad_input, _expand_masks(ctx.index), grad_output)


class Gather(Function):
    """y[i][j] = x[i][index[i][j]] along ``dim`` (torch.gather); backward scatter-adds g into
    the gathered positions (indices may repeat).

    As in PyTorch the index may be smaller than x in the other dims (it then reads the leading
    block of x), and a negative index is an error rather than counting from the end."""

    @staticmethod
    def forward(ctx, x, dim, index):
        index = np.asarray(index)
        if index.dtype.kind not in "iu":
            raise RuntimeError(f"gather: index must be an integer tensor, got dtype {index.dtype}")
        if index.ndim != x.ndim:  # every gather error is a RuntimeError in PyTorch
            raise RuntimeError(
                f"gather: index has {index.ndim} dims but input has {x.ndim} (shapes {index.shape}, {x.shape})"
            )
        axis = normalize_dim("gather", dim, x.ndim)
        if any(index.shape[d] > x.shape[d] for d in range(x.ndim) if d != axis):
            raise RuntimeError(
                f"gather: index shape {index.shape} must not exceed input shape {x.shape} except in dim {dim}"
            )
        if index.size and (index.min() < 0 or index.max() >= x.shape[axis]):
            bad = index[(index < 0) | (index >= x.shape[axis])].flat[0]
            raise RuntimeError(
                f"gather: index {int(bad)} is out of bounds for dim {dim} with size {x.shape[axis]} "
                f"(input {x.shape}, index {index.shape})"
            )
        ctx.save_for_backward(index)
        ctx.meta = (x.shape, axis)
        # take_along_axis needs matching sizes outside ``axis``: read the block the index covers.
        block = tuple(slice(None) if d == axis else slice(0, n) for d, n in enumerate(index.shape))
        return np.take_along_axis(x[block], index, axis=axis)

    @staticmethod
    def backward(ctx, grad_output):
        (index,) = ctx.saved_tensors
        shape, axis = ctx.meta
        grad = np.zeros(shape, dtype=grad_output.dtype)
        positions = list(np.indices(index.shape, sparse=True))
        positions[axis] = index
        np.add.at(grad, tuple(positions), grad_output)
        return grad


def _check_same_shapes(op_name, arrays, skip_axis):
    first = arrays[0].shape
    for i, a in enumerate(arrays[1:], start=1):
        if a.ndim != len(first) or any(n != m for d, (n, m) in enumerate(zip(a.shape, first)) if d != skip_axis):
            where = "except in the concatenation dim " if skip_axis is not None else ""
            raise ValueError(
                f"{op_name}: tensor 0 has shape {first} but tensor {i} has shape {a.shape}; "
                f"sizes must match {where}".rstrip()
            )


class Cat(Function):
    """y = [x_1; x_2; ...] along ``dim``; g is sliced back into the pieces.

    As in PyTorch, a 1-D empty tensor of shape (0,) may sit among tensors of any shape (a legacy
    "nothing yet" placeholder): it is skipped, and its gradient is empty."""

    @staticmethod
    def forward(ctx, *arrays, dim=0):
        if not arrays:
            raise ValueError("cat: expected a non-empty sequence of tensors")
        placeholder = [a.shape == (0,) for a in arrays]
        ctx.placeholder = placeholder if not all(placeholder) else [False] * len(arrays)
        used = [a for a, skip in zip(arrays, ctx.placeholder) if not skip]
        for position, a in enumerate(arrays):
            if a.ndim == 0:
                raise RuntimeError(f"cat: zero-dimensional tensor (at position {position}) cannot be concatenated")
        axis = normalize_dim("cat", dim, used[0].ndim)
        _check_same_shapes("cat", used, axis)
        ctx.axis = axis
        ctx.sections = np.cumsum([a.shape[axis] for a in used])[:-1]
        ctx.dtypes = [a.dtype for a in arrays]
        dtype = functools.reduce(torch_promote_types, ctx.dtypes)  # int64 with float32 gives float32
        if all(a.dtype == dtype for a in used):
            return np.concatenate(used, axis=axis)
        with np.errstate(over="ignore", invalid="ignore"):  # int32 past float16's range is inf, as in PyTorch
            return np.concatenate(used, axis=axis, dtype=dtype, casting="unsafe")

    @staticmethod
    def backward(ctx, grad_output):
        pieces = iter(np.split(grad_output, ctx.sections, axis=ctx.axis))
        return tuple(np.zeros(0, dtype) if skip else next(pieces) for skip, dtype in zip(ctx.placeholder, ctx.dtypes))


class Stack(Function):
    """y = x_1, x_2, ... stacked along a new axis ``dim``; g is unstacked along it."""

    @staticmethod
    def forward(ctx, *arrays, dim=0):
        if not arrays:
            raise ValueError("stack: expected a non-empty sequence of tensors")
        _check_same_shapes("stack", arrays, None)
        ctx.axis = normalize_dim("stack", dim, arrays[0].ndim + 1)  # the new axis may also go last
        return np.stack(arrays, axis=ctx.axis)

    @staticmethod
    def backward(ctx, grad_output):
        return tuple(np.moveaxis(grad_output, ctx.axis, 0))


def split(tensor, split_size_or_sections, dim=0):
    """torch.split: equal pieces of ``split_size`` (the last may be smaller) or explicit sizes."""
    length = tensor.shape[normalize_dim("split", dim, tensor.ndim)]
    if isinstance(split_size_or_sections, (int, np.integer)):
        size = int(split_size_or_sections)
        if size < 0 or (size == 0 and length):
            raise ValueError(f"split: split_size must be positive (0 only for an empty dim), got {size}")
        sizes = [size] * (length // size) + ([length % size] if length % size else []) if length else []
        sizes = sizes or [0]  # an empty dim still gives one (empty) piece
    else:
        sizes = [int(n) for n in split_size_or_sections]
        if any(n < 0 for n in sizes):
            raise ValueError(f"split: sizes {sizes} must be non-negative")
        if sum(sizes) != length:
            raise ValueError(f"split: sizes {sizes} sum to {sum(sizes)} but dim {dim} has size {length}")
    return _slices(tensor, sizes, dim)


def chunk(tensor, chunks, dim=0):
    """torch.chunk: pieces of ceil(n / chunks) elements (so possibly fewer than ``chunks``)."""
    if chunks <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    length = tensor.shape[normalize_dim("chunk", dim, tensor.ndim)]
    if length == 0:  # PyTorch then returns ``chunks`` empty pieces
        return _slices(tensor, [0] * chunks, dim)
    return split(tensor, math.ceil(length / chunks), dim)


def _slices(tensor, sizes, dim):
    axis = normalize_dim("split", dim, tensor.ndim)
    pieces, start = [], 0
    for size in sizes:
        index = (slice(None),) * axis + (slice(start, start + size),)
        piece = GetItem.apply(tensor, index=index)
        if piece._base is not None:
            piece._view_kind = VIEW_MULTI_OUTPUT  # PyTorch forbids in-place writes to these
        pieces.append(piece)
        start += size
    return tuple(pieces)


class Copy(Function):
    """y = src broadcast to dst's shape and cast to dst's dtype: the out-of-place half of
    ``dst.copy_(src)`` / ``fill_`` / ``x[i] = v``. y does not depend on dst, so dL/d(dst) = 0
    (PyTorch returns zeros too); dL/d(src) = unbroadcast(g) in src's dtype."""

    @staticmethod
    def forward(ctx, dst, src):
        src = np.asarray(src)
        ctx.src_shape, ctx.src_dtype = src.shape, src.dtype
        try:
            out = np.broadcast_to(src, dst.shape)
        except ValueError:
            raise RuntimeError(
                f"copy_: the source of shape {list(src.shape)} cannot be broadcast to the destination's "
                f"shape {list(dst.shape)}"
            ) from None
        return out.astype(dst.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        grad_src = unbroadcast(grad_output, ctx.src_shape)
        if ctx.src_dtype.kind in "fc":
            grad_src = grad_src.astype(ctx.src_dtype, copy=False)
        return np.zeros_like(grad_output), grad_src


class IndexPut(Function):
    """y = x with y[index] = value for an advanced index (integer arrays, masks): the out-of-place
    half of ``x[index] = value``. Overwritten elements get no gradient: dL/dx = g with zeros at
    ``index``; value's gradient is g[index] summed back to value's shape."""

    @staticmethod
    def forward(ctx, x, value, index):
        value = np.asarray(value)
        ctx.index, ctx.value_shape, ctx.value_dtype = index, value.shape, value.dtype
        ctx.layout = torch_advanced_layout(index, x.ndim)
        out = x.copy()
        ctx.selects_nothing = False
        try:
            assign(out, index, value)
        except IndexError as error:
            if not selects_nothing(index, x.shape):
                raise IndexError(f"__setitem__: {error} (tensor of shape {x.shape})") from None
            ctx.selects_nothing = True
        except ValueError as error:
            raise RuntimeError(
                f"__setitem__: {error} (tensor of shape {x.shape}, value of shape {value.shape})"
            ) from None
        return out

    @staticmethod
    def backward(ctx, grad_output):
        if ctx.selects_nothing:  # nothing was overwritten: the value gets no gradient
            return grad_output, np.zeros(ctx.value_shape, dtype=grad_output.dtype)
        grad_x = grad_output.copy()
        grad_x[ctx.index] = 0
        grad_value = grad_output[ctx.index]
        if ctx.layout is not None:
            grad_value = _to_torch_layout(grad_value, ctx.layout)
        stripped = strip_leading_ones(ctx.value_shape)
        grad_value = unbroadcast(grad_value, stripped).reshape(ctx.value_shape)
        if ctx.value_dtype.kind in "fc":
            grad_value = grad_value.astype(ctx.value_dtype, copy=False)
        return grad_x, grad_value


def replay_view(array, steps):
    """Apply a view's recipe (the view ops that made it from its base) to another array of the
    base's shape and layout, giving the same view of that array."""
    for cls, kwargs in steps:
        array = cls.forward(cls.__new__(cls), array, **kwargs)
    return array


class CopySlices(Function):
    """The base's new value after an in-place op on one of its views: the old base everywhere
    except the view's region, which holds the op's output. So dL/d(old base) is g with the
    region zeroed, and dL/d(op output) is g's region. Built by ``inplace.write_inplace``, never by
    ``apply`` (its "forward" is the write into shared memory)."""

    @staticmethod
    def forward(ctx, *args, **kwargs):  # pragma: no cover - recorded directly, never applied
        raise RuntimeError("CopySlices is recorded by in-place ops on views and has no forward")

    @staticmethod
    def backward(ctx, grad_output):
        # Same layout as the base, so replaying the view's recipe yields views, never copies.
        grad_base = np.empty_like(ctx.template, dtype=grad_output.dtype)
        grad_base[...] = grad_output
        region = replay_view(grad_base, ctx.steps)
        if memory_root(region) is not grad_base:  # a copy would silently lose the zeroing below
            raise RuntimeError("CopySlices.backward: the view's recipe did not give a view of the gradient")
        grad_view = region.copy()
        region[...] = 0
        return grad_base, grad_view


class Pad(Function):
    """Constant padding (``F.pad``; ``pad`` lists (left, right) pairs from the last dim backward).
    Padding adds constants, so dL/dx is g with the padded border sliced off. Negative padding
    crops, and then the gradient of the cropped elements is zero."""

    @staticmethod
    def forward(ctx, x, pad, value=0.0):
        if len(pad) % 2 or len(pad) // 2 > x.ndim:
            raise ValueError(f"pad: pad {tuple(pad)} must have an even length of at most 2 * ndim = {2 * x.ndim}")
        widths = [(0, 0)] * x.ndim
        for i in range(len(pad) // 2):
            widths[x.ndim - 1 - i] = (pad[2 * i], pad[2 * i + 1])
        grow = [(max(lo, 0), max(hi, 0)) for lo, hi in widths]
        padded = np.pad(x, grow, mode="constant", constant_values=value)
        crop = tuple(slice(-min(lo, 0), padded.shape[d] + min(hi, 0)) for d, (lo, hi) in enumerate(widths))
        out = padded[crop]
        if any(n < 0 for n in out.shape) or any(
            padded.shape[d] + min(lo, 0) + min(hi, 0) < 0 for d, (lo, hi) in enumerate(widths)
        ):
            raise ValueError(f"pad: padding {tuple(pad)} crops more than the input's shape {x.shape}")
        ctx.meta = (x.shape, widths)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        shape, widths = ctx.meta
        # Undo the crop with zeros, then slice away the added border.
        regrown = np.pad(grad_output, [(max(-lo, 0), max(-hi, 0)) for lo, hi in widths])
        inner = tuple(slice(max(lo, 0), max(lo, 0) + n) for (lo, hi), n in zip(widths, shape))
        return regrown[inner]


# ---------------------------------------------------------------- repeat, flip, roll, views
class Repeat(Function):
    """y = x tiled ``repeats[d]`` times along each dim (``Tensor.repeat``; extra leading repeats add
    dims). Every x element is copied once per tile, so dL/dx sums g over the tiles: viewed as
    (r_0, n_0, r_1, n_1, ...), g is summed over the r axes."""

    @staticmethod
    def forward(ctx, x, repeats):
        if len(repeats) < x.ndim:
            raise RuntimeError(
                f"repeat: number of repeat dims {len(repeats)} can not be smaller than the tensor's dims {x.ndim} "
                f"(shape {x.shape})"
            )
        if any(r < 0 for r in repeats):
            raise RuntimeError(f"repeat: repeats {list(repeats)} must be non-negative")
        shape = (1,) * (len(repeats) - x.ndim) + x.shape
        ctx.meta = (x.shape, shape, tuple(repeats))
        return np.tile(x.reshape(shape), repeats) if repeats else x.copy()

    @staticmethod
    def backward(ctx, grad_output):
        input_shape, shape, repeats = ctx.meta
        interleaved = tuple(v for r, n in zip(repeats, shape) for v in (r, n))
        summed = grad_output.reshape(interleaved).sum(axis=tuple(range(0, 2 * len(shape), 2)))
        return summed.reshape(input_shape)


class Flip(Function):
    """y = x reversed along ``dims`` (a copy, as torch.flip); flipping g routes it back."""

    @staticmethod
    def forward(ctx, x, dims):
        axes = tuple(normalize_dim("flip", d, x.ndim) for d in dims)
        if len(set(axes)) != len(axes):
            raise RuntimeError(f"flip: dims {list(dims)} name a dim more than once (shape {x.shape})")
        ctx.axes = axes
        return np.flip(x, axes) if x.ndim else x.copy()

    @staticmethod
    def backward(ctx, grad_output):
        return np.flip(grad_output, ctx.axes) if grad_output.ndim else grad_output


class Roll(Function):
    """y = x shifted cyclically by ``shifts`` along ``dims`` (over the flattened tensor when dims is
    None); rolling g back by -shifts routes it home."""

    @staticmethod
    def forward(ctx, x, shifts, dims=None):
        if dims is None:
            if len(shifts) != 1:
                raise RuntimeError(f"roll: shifts {list(shifts)} need dims when there is more than one shift")
            ctx.meta = (shifts[0], None)
            return np.roll(x, shifts[0])
        if len(shifts) != len(dims):
            raise RuntimeError(f"roll: shifts and dimensions must align, got {len(shifts)} shifts and {len(dims)} dims")
        axes = tuple(normalize_dim("roll", d, x.ndim) for d in dims)
        ctx.meta = (tuple(shifts), axes)
        return np.roll(x, shifts, axes) if x.ndim else x.copy()

    @staticmethod
    def backward(ctx, grad_output):
        shifts, axes = ctx.meta
        if not grad_output.ndim:
            return grad_output
        back = -shifts if axes is None else tuple(-s for s in shifts)
        return np.roll(grad_output, back, axes)


class MoveDim(Function):
    """y = x with the dims ``source`` moved to ``destination`` (a view); moving them back routes g."""

    is_view = True

    @staticmethod
    def forward(ctx, x, source, destination):
        if len(source) != len(destination):
            raise RuntimeError(
                f"movedim: source {list(source)} and destination {list(destination)} must have the same number of dims"
            )
        src = tuple(normalize_dim("movedim", d, x.ndim) for d in source)
        dst = tuple(normalize_dim("movedim", d, x.ndim) for d in destination)
        for name, dims, given in (("source", src, source), ("destination", dst, destination)):
            if len(set(dims)) != len(dims):
                raise RuntimeError(f"movedim: repeated dim in `{name}` ({list(given)})")
        ctx.dims = (src, dst)
        return np.moveaxis(x, src, dst) if x.ndim else x

    @staticmethod
    def backward(ctx, grad_output):
        src, dst = ctx.dims
        return np.moveaxis(grad_output, dst, src) if grad_output.ndim else grad_output


def _diagonal_axes(op_name, dim1, dim2, ndim):
    d1, d2 = normalize_dim(op_name, dim1, ndim), normalize_dim(op_name, dim2, ndim)
    if d1 == d2:
        raise RuntimeError(f"{op_name}: diagonal dimensions cannot be identical, got {dim1} and {dim2}")
    return d1, d2


def _writeable_diagonal(array, offset, d1, d2):
    # np.diagonal is a read-only view for backward compatibility; writing through it is safe.
    view = np.diagonal(array, offset, d1, d2)
    if array.flags.writeable:
        view.flags.writeable = True
    return view


class Diagonal(Function):
    """y = the ``offset`` diagonal of the (dim1, dim2) planes, as a last dim (a view, torch.diagonal).
    Each y element is one x element, so dL/dx is zero except for g written onto that diagonal."""

    is_view = True

    @staticmethod
    def forward(ctx, x, offset=0, dim1=0, dim2=1):
        d1, d2 = _diagonal_axes("diagonal", dim1, dim2, x.ndim)
        ctx.meta = (x.shape, offset, d1, d2)
        return _writeable_diagonal(x, offset, d1, d2)

    @staticmethod
    def backward(ctx, grad_output):
        shape, offset, d1, d2 = ctx.meta
        grad = np.zeros(shape, dtype=grad_output.dtype)
        _writeable_diagonal(grad, offset, d1, d2)[...] = grad_output
        return grad


class DiagEmbed(Function):
    """y = zeros with x's last dim written onto the ``offset`` diagonal of new (dim1, dim2) planes
    (torch.diag_embed); dL/dx is that diagonal of g."""

    @staticmethod
    def forward(ctx, x, offset=0, dim1=-2, dim2=-1):
        if x.ndim == 0:
            raise RuntimeError("diag_embed: expected a tensor with at least 1 dim, got a 0-d tensor")
        d1, d2 = _diagonal_axes("diag_embed", dim1, dim2, x.ndim + 1)
        n = x.shape[-1] + abs(offset)
        others = iter(x.shape[:-1])
        shape = [n if d in (d1, d2) else next(others) for d in range(x.ndim + 1)]
        out = np.zeros(shape, dtype=x.dtype)
        _writeable_diagonal(out, offset, d1, d2)[...] = x
        ctx.meta = (offset, d1, d2)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        offset, d1, d2 = ctx.meta
        return np.diagonal(grad_output, offset, d1, d2).copy()


class Tril(Function):
    """y = x with the elements above the ``diagonal`` of its last two dims zeroed (torch.tril);
    the kept elements pass g through, so dL/dx = tril(g)."""

    @staticmethod
    def forward(ctx, x, diagonal=0):
        if x.ndim < 2:
            raise RuntimeError(f"tril: input tensor must have at least 2 dimensions, got shape {x.shape}")
        ctx.diagonal = diagonal
        return np.tril(x, diagonal)

    @staticmethod
    def backward(ctx, grad_output):
        return np.tril(grad_output, ctx.diagonal)


class Triu(Function):
    """y = x with the elements below the ``diagonal`` of its last two dims zeroed (torch.triu);
    dL/dx = triu(g)."""

    @staticmethod
    def forward(ctx, x, diagonal=0):
        if x.ndim < 2:
            raise RuntimeError(f"triu: input tensor must have at least 2 dimensions, got shape {x.shape}")
        ctx.diagonal = diagonal
        return np.triu(x, diagonal)

    @staticmethod
    def backward(ctx, grad_output):
        return np.triu(grad_output, ctx.diagonal)


def _strided_view(x, shape, strides, writeable):
    """A view of x's memory with the given shape and strides whose ``base`` is x's memory root,
    as autograd's view tracking needs (np.lib.stride_tricks.as_strided hides it behind a wrapper)."""
    root = memory_root(x)
    try:
        offset = x.__array_interface__["data"][0] - root.__array_interface__["data"][0]
        view = np.ndarray(shape, x.dtype, buffer=root, offset=offset, strides=strides)
    except (AttributeError, TypeError, ValueError, BufferError):  # a root that exposes no buffer
        return np.lib.stride_tricks.as_strided(x, shape, strides, writeable=writeable)
    if not writeable:
        view.flags.writeable = False
    return view


class Unfold(Function):
    """y = every window of ``size`` elements, ``step`` apart, along ``dimension`` (Tensor.unfold, a
    view: the windows become that dim, their elements a new last dim). Overlapping windows
    (step < size) share elements, so, as in PyTorch, they cannot be written in place. dL/dx adds
    g of every window back onto the elements it covers."""

    is_view = True

    @staticmethod
    def forward(ctx, x, dimension, size, step):
        axis = normalize_dim("unfold", dimension, x.ndim)
        length = x.shape[axis] if x.ndim else 1
        if step <= 0:
            raise RuntimeError(f"unfold: step is {step} but must be > 0")
        if size < 0 or size > length:
            raise RuntimeError(
                f"unfold: maximum size for tensor at dimension {dimension} is {length} but size is {size}"
            )
        windows = (length - size) // step + 1
        ctx.meta = (x.shape, axis, size, step, windows)
        if x.ndim == 0:
            return x.reshape(size)
        shape = x.shape[:axis] + (windows,) + x.shape[axis + 1 :] + (size,)
        strides = x.strides[:axis] + (x.strides[axis] * step,) + x.strides[axis + 1 :] + (x.strides[axis],)
        return _strided_view(x, shape, strides, writeable=x.flags.writeable and step >= size)

    @staticmethod
    def backward(ctx, grad_output):
        shape, axis, size, step, windows = ctx.meta
        if not shape:
            return grad_output.reshape(shape)
        grad = np.zeros(shape, dtype=grad_output.dtype)
        lead = (slice(None),) * axis
        for j in range(size):  # one strided add per window position: within one, no overlap
            grad[lead + (slice(j, j + step * (windows - 1) + 1, step),)] += grad_output[..., j]
        return grad


# ---------------------------------------------------------------- scatter and index ops
def _check_index(op_name, index, error=RuntimeError):
    index = np.asarray(index)
    if index.dtype.kind not in "iu":
        raise error(f"{op_name}: expected dtype int32/int64 for index, got {index.dtype}")
    return index


def _scatter_positions(op_name, x, dim, index, src_shape=None):
    """The positions ``x[index-based position]`` that scatter writes: for each element of index,
    its own coordinates with the ``dim`` coordinate replaced by the index value."""
    axis = normalize_dim(op_name, dim, x.ndim)
    if index.ndim != max(x.ndim, 1) and not (index.ndim == 0 and x.ndim == 0):
        raise RuntimeError(
            f"{op_name}: index tensor must have the same number of dimensions as self tensor, got "
            f"{index.ndim} and {x.ndim} (shapes {index.shape}, {x.shape})"
        )
    if x.ndim == 0:
        index = index.reshape(())
    too_big = any(index.shape[d] > x.shape[d] for d in range(x.ndim) if d != axis)
    if src_shape is not None and len(src_shape) == index.ndim:
        too_big = too_big or any(i > s for i, s in zip(index.shape, src_shape))
    if too_big:
        raise RuntimeError(
            f"{op_name}: expected index {list(index.shape)} to be no larger than self {list(x.shape)} apart "
            f"from dimension {axis}" + (f" and no larger than src {list(src_shape)}" if src_shape is not None else "")
        )
    size = x.shape[axis] if x.ndim else 1
    if index.size and (index.min() < 0 or index.max() >= size):
        bad = index[(index < 0) | (index >= size)].flat[0]
        raise RuntimeError(f"{op_name}: index {int(bad)} is out of bounds for dimension {axis} with size {size}")
    if x.ndim == 0:
        return ()
    positions = list(np.indices(index.shape, sparse=True))
    positions[axis] = index
    return tuple(positions)


def _src_block(src, index_shape):
    return src[tuple(slice(0, n) for n in index_shape)] if src.ndim else src


def _scatter_src(op_name, x, src):
    src = np.asarray(src)
    if src.dtype != x.dtype:
        raise RuntimeError(f"{op_name}: expected self.dtype to be equal to src.dtype, got {x.dtype} and {src.dtype}")
    if src.ndim != x.ndim:
        raise RuntimeError(
            f"{op_name}: src must have the same number of dimensions as self, got shapes {src.shape} and {x.shape}"
        )
    return src


class Scatter(Function):
    """y = x with y[..index..] = src (torch.scatter; along ``dim``, position i of index names where
    src[i] goes). Overwritten x elements get no gradient: dL/dx = g zeroed at the written
    positions; dL/dsrc = g gathered at them (zero outside index's block of src). With a number
    ``value`` instead of src only x has a gradient."""

    @staticmethod
    def forward(ctx, x, src, dim, index):
        index = _check_index("scatter", index)
        is_tensor = isinstance(src, np.ndarray)
        if is_tensor:
            src = _scatter_src("scatter", x, src)
        positions = _scatter_positions("scatter", x, dim, index, src.shape if is_tensor else None)
        out = x.copy()
        out[positions] = _src_block(src, index.shape) if is_tensor else src
        ctx.meta = (positions, src.shape if is_tensor else None, index.shape)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        positions, src_shape, index_shape = ctx.meta
        grad_x = grad_output.copy()
        grad_x[positions] = 0
        if src_shape is None:
            return grad_x, None
        grad_src = np.zeros(src_shape, dtype=grad_output.dtype)
        grad_src[tuple(slice(0, n) for n in index_shape)] = grad_output[positions]
        return grad_x, grad_src


_REDUCE_IDENTITY = {"sum": 0, "mean": 0, "prod": 1}


class ScatterReduce(Function):
    """y = x with src reduced into the positions index names (torch.scatter_reduce / scatter_add):
    ``reduce`` is sum, prod, mean, amax or amin, over src's contributions and, with include_self,
    the x element already there. Derivatives, for each contributor c of a position with result r:
        sum:  dr/dc = 1;  mean: dr/dc = 1 / (number of contributors);
        prod: dr/dc = product of the other contributors (computed without dividing by zero);
        amax/amin: dr/dc = 1 / (number of contributors equal to r) if c == r, else 0 (ties share).
    x elements no index names pass g through; those excluded by include_self=False get none.
    PyTorch's quirk, matched: for amax/amin an excluded x equal to the result still counts as a
    tie, so the src winners share g with it (and its share is dropped)."""

    saves = staticmethod(
        lambda *args, reduce="sum", **_: {0, 1, "out"} if reduce in ("prod", "amax", "amin", "max", "min") else set()
    )

    @staticmethod
    def forward(ctx, x, src, dim, index, reduce="sum", include_self=True):
        reduce = {"max": "amax", "min": "amin"}.get(reduce, reduce)  # PyTorch's undocumented aliases
        op_name = f"scatter_reduce({reduce!r})" if reduce != "sum" else "scatter_add"
        if reduce not in ("sum", "prod", "mean", "amax", "amin"):
            raise RuntimeError(
                f"scatter_reduce: reduce argument must be one of sum, prod, mean, amax, amin, got {reduce!r}"
            )
        index = _check_index(op_name, index)
        src = _scatter_src(op_name, x, src)
        positions = _scatter_positions(op_name, x, dim, index, src.shape)
        block = _src_block(src, index.shape)
        out = x.copy()
        hit = np.zeros(x.shape, dtype=bool)
        hit[positions] = True
        if not include_self:
            if reduce in _REDUCE_IDENTITY:
                out[positions] = _REDUCE_IDENTITY[reduce]
            else:
                info = np.finfo(x.dtype) if x.dtype.kind == "f" else np.iinfo(x.dtype)
                out[positions] = -np.inf if reduce == "amax" and x.dtype.kind == "f" else info.min
                if reduce == "amin":
                    out[positions] = np.inf if x.dtype.kind == "f" else info.max
        ufunc = {"sum": np.add, "mean": np.add, "prod": np.multiply, "amax": np.maximum, "amin": np.minimum}[reduce]
        ufunc.at(out, positions, block)
        counts = None
        if reduce == "mean":
            counts = np.zeros(x.shape, dtype=x.dtype)
            np.add.at(counts, positions, 1)
            counts = counts + (1 if include_self else 0)
            counts[~hit] = 1
            out = out / counts if x.dtype.kind == "f" else out // counts.astype(x.dtype)
        if reduce in ("prod", "amax", "amin"):  # sum and mean need no values, only the positions
            ctx.save_for_backward(x, src, out)
        ctx.meta = (positions, index.shape, reduce, include_self, hit, counts, src.shape)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        positions, index_shape, reduce, include_self, hit, counts, src_shape = ctx.meta
        g = grad_output
        if reduce in ("prod", "amax", "amin"):
            x, src, out = ctx.saved_tensors
            block = _src_block(src, index_shape)
        with np.errstate(divide="ignore", invalid="ignore"):
            if reduce == "sum":
                grad_x, grad_block = g.copy(), g[positions]
            elif reduce == "mean":
                scaled = g / counts
                grad_x, grad_block = scaled, scaled[positions]
            elif reduce == "prod":
                # Product of the other contributors, without dividing by a zero one: count the zeros
                # at each position and keep the product of the nonzero contributors.
                zeros = np.zeros(x.shape, dtype=np.int64)
                np.add.at(zeros, positions, (block == 0).astype(np.int64))
                nonzero = np.ones_like(out)
                np.multiply.at(nonzero, positions, np.where(block == 0, 1, block))
                if include_self:
                    zeros += x == 0
                    nonzero = nonzero * np.where(x == 0, 1, x)

                def others(c, z, p):
                    return np.where(c == 0, np.where(z == 1, p, 0), np.where(z == 0, p / np.where(c == 0, 1, c), 0))

                grad_x = g * others(x, zeros, nonzero)
                grad_block = g[positions] * others(block, zeros[positions], nonzero[positions])
            else:
                ties = np.zeros(x.shape, dtype=x.dtype)
                np.add.at(ties, positions, (block == out[positions]).astype(x.dtype))
                ties = ties + (x == out)  # as PyTorch, x counts as a tie even when include_self=False
                ties[~hit] = 1
                shared = g / ties
                grad_x = np.where(x == out, shared, 0)
                grad_block = np.where(block == out[positions], shared[positions], 0)
        grad_x = np.where(hit, grad_x, g) if include_self else np.where(hit, 0, g)
        grad_src = np.zeros(src_shape, dtype=g.dtype)
        if src_shape:
            grad_src[tuple(slice(0, n) for n in index_shape)] = grad_block
        else:
            grad_src = np.asarray(grad_block, dtype=g.dtype).reshape(())
        return grad_x.astype(g.dtype, copy=False), grad_src


def _index_along(op_name, x, dim, index, error=IndexError, wrap=False):
    """A 1-D index (0-d counts as one element) into dim of x, checked; negatives are errors
    unless ``wrap`` (then they count from the end, as index_fill's do)."""
    index = _check_index(op_name, index, error=RuntimeError)
    if index.ndim > 1:
        raise IndexError(f"{op_name}: index is supposed to be a vector, got shape {index.shape}")
    index = index.reshape(-1)
    axis = normalize_dim(op_name, dim, x.ndim)
    size = x.shape[axis] if x.ndim else 1
    if wrap:
        index = np.where((index < 0) & (index >= -size), index + size, index)
    if index.size and (index.min() < 0 or index.max() >= size):
        bad = index[(index < 0) | (index >= size)][0]
        raise error(f"{op_name}: index {int(bad)} is out of range for dimension {axis} with size {size}")
    return axis, index


class IndexSelect(Function):
    """y = x's slices at ``index`` along ``dim`` (torch.index_select); dL/dx adds each g slice back
    into the slice it came from (so a repeated index sums its gradients)."""

    @staticmethod
    def forward(ctx, x, dim, index):
        axis, index = _index_along("index_select", x, dim, index)
        ctx.meta = (x.shape, axis, index)
        return np.take(x, index, axis=axis) if x.ndim else x.reshape(-1)[index].reshape(())

    @staticmethod
    def backward(ctx, grad_output):
        shape, axis, index = ctx.meta
        grad = np.zeros(shape, dtype=grad_output.dtype)
        if not shape:
            return grad + grad_output.sum()
        np.add.at(grad, (slice(None),) * axis + (index,), grad_output)
        return grad


def _index_source(op_name, x, axis, index, source):
    source = np.asarray(source)
    expected = x.shape[:axis] + (index.size,) + x.shape[axis + 1 :] if x.ndim else ()
    if source.shape != expected and not (x.ndim == 0 and source.size == 1):
        raise RuntimeError(f"{op_name}: source of shape {source.shape} does not match; expected {expected}")
    if source.dtype != x.dtype:
        raise RuntimeError(f"{op_name}: source dtype {source.dtype} must equal self's dtype {x.dtype}")
    return source.reshape(expected)


class IndexAdd(Function):
    """y = x with alpha * source's slices added at ``index`` along ``dim`` (torch.index_add);
    dL/dx = g, dL/dsource = alpha * g's slices at index."""

    @staticmethod
    def forward(ctx, x, source, dim, index, alpha=1):
        axis, index = _index_along("index_add", x, dim, index, error=RuntimeError)
        source = _index_source("index_add", x, axis, index, source)
        out = x.copy()
        if x.ndim:
            np.add.at(out, (slice(None),) * axis + (index,), source * alpha if alpha != 1 else source)
        else:
            out = out + alpha * source * index.size
        ctx.meta = (axis, index, alpha, source.shape)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        axis, index, alpha, source_shape = ctx.meta
        taken = np.take(grad_output, index, axis=axis) if grad_output.ndim else grad_output
        return grad_output, (taken * alpha if alpha != 1 else taken).reshape(source_shape)


class IndexCopy(Function):
    """y = x with source's slices copied in at ``index`` along ``dim`` (torch.index_copy);
    dL/dx = g zeroed at the overwritten slices, dL/dsource = g's slices at index."""

    @staticmethod
    def forward(ctx, x, source, dim, index):
        axis, index = _index_along("index_copy", x, dim, index)
        source = _index_source("index_copy", x, axis, index, source)
        out = x.copy()
        region = (slice(None),) * axis + (index,) if x.ndim else ()
        out[region] = source if x.ndim else source.reshape(())
        ctx.meta = (region, axis, index, source.shape)
        return out

    @staticmethod
    def backward(ctx, grad_output):
        region, axis, index, source_shape = ctx.meta
        grad_x = grad_output.copy()
        grad_x[region] = 0
        taken = np.take(grad_output, index, axis=axis) if grad_output.ndim else grad_output
        return grad_x, taken.reshape(source_shape)


class IndexFill(Function):
    """y = x with its slices at ``index`` along ``dim`` set to ``value`` (torch.index_fill);
    dL/dx = g zeroed there, and a 0-d tensor value gets the sum of g over the filled slices."""

    @staticmethod
    def forward(ctx, x, value, dim, index):
        axis, index = _index_along("index_fill", x, dim, index, wrap=True)
        if isinstance(value, np.ndarray) and value.ndim != 0:
            raise RuntimeError(
                f"index_fill: only supports a 0-dimensional value tensor, got one with shape {value.shape}"
            )
        out = x.copy()
        region = (slice(None),) * axis + (np.unique(index),) if x.ndim else ()
        out[region] = value
        ctx.meta = (region, isinstance(value, np.ndarray), getattr(value, "dtype", None))
        return out

    @staticmethod
    def backward(ctx, grad_output):
        region, value_is_tensor, value_dtype = ctx.meta
        grad_x = grad_output.copy()
        grad_x[region] = 0
        if not value_is_tensor:
            return grad_x, None
        return grad_x, np.asarray(grad_output[region].sum(), dtype=grad_output.dtype)


class Take(Function):
    """y = x.flatten()[index], shaped like index (torch.take; negative indices count from the end).
    dL/dx adds g back at each taken element (repeats sum)."""

    @staticmethod
    def forward(ctx, x, index):
        index = _check_index("take", index)
        if index.size and (index.min() < -x.size or index.max() >= x.size):
            bad = index[(index < -x.size) | (index >= x.size)].flat[0]
            raise IndexError(f"take: out of range: tried to access index {int(bad)} on a tensor of {x.size} elements")
        ctx.meta = (x.shape, index)
        return x.reshape(-1)[index] if x.size else np.zeros(index.shape, x.dtype)

    @staticmethod
    def backward(ctx, grad_output):
        shape, index = ctx.meta
        grad = np.zeros(math.prod(shape), dtype=grad_output.dtype)
        np.add.at(grad, index, grad_output)
        return grad.reshape(shape)


def _pad_widths(op_name, pad, ndim):
    if len(pad) % 2:
        raise RuntimeError(f"{op_name}: padding length must be divisible by 2, got {len(pad)}")
    if len(pad) // 2 > ndim:
        raise RuntimeError(f"{op_name}: padding length {len(pad)} is too large for a tensor with {ndim} dims")
    widths = [(0, 0)] * ndim
    for i in range(len(pad) // 2):
        widths[ndim - 1 - i] = (int(pad[2 * i]), int(pad[2 * i + 1]))
    return widths


class PadIndexed(Function):
    """F.pad with mode reflect, replicate or circular: every output element is a copy of one input
    element (reflected about the edge, the nearest edge element, or wrapped around), so forward
    gathers x at a source index per axis and backward scatter-adds g back there. Negative
    padding crops (for circular, as in PyTorch, before wrapping)."""

    @staticmethod
    def forward(ctx, x, pad, mode):
        widths = _pad_widths("pad", pad, x.ndim)
        count = len(pad) // 2
        if x.ndim not in (count + 1, count + 2) or count > 3:
            raise NotImplementedError(
                f"pad: padding size {len(pad)} is not supported for {x.ndim}D input tensor with mode {mode!r}; "
                "expected a pad of 2, 4 or 6 numbers for a 2D/3D, 3D/4D or 4D/5D input"
            )
        sources = []
        for d, (lo, hi) in enumerate(widths):
            n = x.shape[d]
            source = np.arange(n)
            if lo or hi:
                if mode == "reflect" and (lo >= n or hi >= n):
                    raise RuntimeError(
                        f"pad: padding size should be less than the corresponding input dimension, got padding "
                        f"({lo}, {hi}) at dimension {d} of input {list(x.shape)}"
                    )
                if mode == "circular" and (lo > n or hi > n):
                    raise RuntimeError(
                        f"pad: padding ({lo}, {hi}) causes wrapping around more than once (dimension {d} has size {n})"
                    )
                if n == 0 and (max(lo, 0) or max(hi, 0)):
                    raise RuntimeError(
                        f"pad: cannot pad an empty dimension {d} (input {list(x.shape)}) with mode {mode!r}"
                    )
                if mode == "circular":  # PyTorch crops first, then wraps what is left
                    source = source[max(-lo, 0) : n - max(-hi, 0)]
                    source = np.pad(source, (max(lo, 0), max(hi, 0)), mode="wrap")
                else:  # pad, then crop
                    source = np.pad(source, (max(lo, 0), max(hi, 0)), mode="reflect" if mode == "reflect" else "edge")
                    source = source[max(-lo, 0) : len(source) - max(-hi, 0)]
            sources.append(source)
        ctx.meta = (x.shape, sources)
        return x[np.ix_(*sources)] if x.ndim else x.copy()

    @staticmethod
    def backward(ctx, grad_output):
        shape, sources = ctx.meta
        grad = np.zeros(shape, dtype=grad_output.dtype)
        np.add.at(grad, np.ix_(*sources), grad_output)
        return grad


# ---------------------------------------------------------------- compositions of the ops above
def repeat_interleave(tensor, repeats, dim=None):
    """torch.repeat_interleave: each slice along ``dim`` (of the flattened tensor when None)
    repeated ``repeats`` times (an int, or one count per slice): an index_select whose index
    repeats each position, so its gradient sums the copies."""
    from ..tensor import unwrap_tensor

    if dim is None:
        tensor, dim = flatten(tensor), 0
    axis = normalize_dim("repeat_interleave", dim, tensor.ndim)
    length = tensor.shape[axis] if tensor.ndim else 1
    counts = np.asarray(unwrap_tensor(repeats))
    if counts.dtype.kind not in "iu":
        raise RuntimeError(f"repeat_interleave: repeats must be an int or an integer tensor, got dtype {counts.dtype}")
    if counts.ndim > 1:
        raise RuntimeError(f"repeat_interleave: repeats must be a 0-dim or 1-dim tensor, got shape {counts.shape}")
    counts = counts.reshape(-1)
    if counts.size == 1:
        counts = np.full(length, counts[0])
    elif counts.size != length:
        raise RuntimeError(
            f"repeat_interleave: repeats must have the same size as input along dim, got {counts.size} repeats "
            f"and size {length} of dim {dim}"
        )
    if (counts < 0).any():
        raise RuntimeError(f"repeat_interleave: repeats can not be negative, got {counts.tolist()}")
    return IndexSelect.apply(tensor, dim=axis, index=np.repeat(np.arange(length), counts))


def tile(tensor, dims):
    """torch.tile: Repeat with ``dims`` padded by leading 1s to the tensor's rank."""
    dims = tuple(dims)
    return Repeat.apply(tensor, repeats=(1,) * (tensor.ndim - len(dims)) + dims)


def narrow(tensor, dim, start, length):
    """torch.narrow: the slice [start, start + length) of ``dim``, a view (a basic GetItem)."""
    axis = normalize_dim("narrow", dim, tensor.ndim)
    size = tensor.shape[axis]
    if not -size <= start <= size:
        raise IndexError(f"narrow: start out of range (expected to be in range of [{-size}, {size}], but got {start})")
    start = start % size if start < 0 else start
    if length < 0:
        raise RuntimeError(f"narrow: length must be non-negative, got {length}")
    if start + length > size:
        raise RuntimeError(f"narrow: start ({start}) + length ({length}) exceeds dimension size ({size})")
    return GetItem.apply(tensor, index=(slice(None),) * axis + (slice(start, start + length),))


def unbind(tensor, dim=0):
    """torch.unbind: the slices along ``dim`` as views; like split's pieces, they cannot be
    written in place (several views of one base returned together)."""
    if tensor.ndim == 0:
        raise IndexError("unbind: dimension specified as 0 but tensor has no dimensions")
    axis = normalize_dim("unbind", dim, tensor.ndim)
    pieces = []
    for i in range(tensor.shape[axis]):
        piece = GetItem.apply(tensor, index=(slice(None),) * axis + (i,))
        if piece._base is not None:
            piece._view_kind = VIEW_MULTI_OUTPUT
        pieces.append(piece)
    return tuple(pieces)


def unflatten(tensor, dim, sizes):
    """torch.unflatten: ``dim`` split into ``sizes`` (one may be -1), a Reshape."""
    axis = normalize_dim("unflatten", dim, tensor.ndim)
    sizes = tuple(int(n) for n in sizes)
    length = tensor.shape[axis]
    known = math.prod(n for n in sizes if n != -1)
    unknown = sizes.count(-1)
    if not sizes or unknown > 1 or (unknown and (known == 0 or length % known)) or (not unknown and known != length):
        raise RuntimeError(
            f"unflatten: provided sizes {list(sizes)} don't multiply up to the size of dim {dim} ({length}) in the input tensor"
        )
    return Reshape.apply(tensor, shape=tensor.shape[:axis] + sizes + tensor.shape[axis + 1 :])


def diag(tensor, diagonal=0):
    """torch.diag: a 1-D tensor's square matrix with it on the ``diagonal`` (diag_embed), or a
    2-D tensor's ``diagonal`` as a new tensor (diagonal, then a copy)."""
    if tensor.ndim == 1:
        return DiagEmbed.apply(tensor, offset=diagonal, dim1=0, dim2=1)
    if tensor.ndim == 2:
        return Clone.apply(Diagonal.apply(tensor, offset=diagonal, dim1=0, dim2=1))
    raise RuntimeError(f"diag: supports 1D or 2D tensors, got {tensor.ndim}D (shape {tensor.shape})")


def meshgrid(tensors, indexing="ij"):
    """torch.meshgrid: each 0-d/1-d tensor reshaped along its own axis and expanded to the grid
    (views). indexing='xy' swaps the first two axes of the grid (Cartesian)."""
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    tensors = list(tensors)
    for t in tensors:
        if t.ndim > 1:
            raise RuntimeError(f"meshgrid: expected 0D or 1D tensors, got one of shape {t.shape}")
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:
        tensors[0], tensors[1] = tensors[1], tensors[0]
    sizes = tuple(t.numel() for t in tensors)
    grids = []
    for i, t in enumerate(tensors):
        shape = tuple(-1 if j == i else 1 for j in range(len(tensors)))
        grids.append(Expand.apply(Reshape.apply(t, shape=shape), shape=sizes))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def rot90(tensor, k=1, dims=(0, 1)):
    """torch.rot90: rotate by 90 degrees k times from dims[0] towards dims[1] (flips and a transpose)."""
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"rot90: expected total rotation dims == 2, but got dims = {len(dims)}")
    if tensor.ndim < 2:
        raise RuntimeError(f"rot90: expected total dims >= 2, but got total dims = {tensor.ndim}")
    d0, d1 = normalize_dim("rot90", dims[0], tensor.ndim), normalize_dim("rot90", dims[1], tensor.ndim)
    if d0 == d1:
        raise RuntimeError(f"rot90: expected rotation dims to be different, but got dim0 = {d0} and dim1 = {d1}")
    k %= 4
    if k == 1:
        return Transpose.apply(Flip.apply(tensor, dims=(d1,)), dim0=d0, dim1=d1)
    if k == 2:
        return Flip.apply(tensor, dims=(d0, d1))
    if k == 3:
        return Transpose.apply(Flip.apply(tensor, dims=(d0,)), dim0=d0, dim1=d1)
    return Clone.apply(tensor)


def take_along_dim(tensor, indices, dim=None):
    """torch.take_along_dim: gather along ``dim`` with input and indices broadcast against each
    other outside it (Expand, then Gather); over the flattened input when dim is None."""
    indices = np.asarray(indices)
    if indices.dtype.kind not in "iu":
        raise RuntimeError(f"take_along_dim: expected an integer tensor of indices, got dtype {indices.dtype}")
    if dim is None:
        size = tensor.numel()
        return Gather.apply(flatten(tensor), dim=0, index=np.where(indices < 0, indices + size, indices).reshape(-1))
    if indices.ndim != tensor.ndim:
        raise RuntimeError(
            f"take_along_dim: input and indices should have the same number of dimensions, got {tensor.ndim} "
            f"and {indices.ndim} (shapes {tensor.shape}, {indices.shape})"
        )
    axis = normalize_dim("take_along_dim", dim, tensor.ndim)
    outer = [1 if d == axis else n for d, n in enumerate(tensor.shape)]
    other = [1 if d == axis else n for d, n in enumerate(indices.shape)]
    try:
        common = list(np.broadcast_shapes(tuple(outer), tuple(other)))
    except ValueError:
        raise RuntimeError(f"take_along_dim: shapes {tensor.shape} and {indices.shape} do not broadcast") from None
    target = tuple(tensor.shape[d] if d == axis else n for d, n in enumerate(common))
    if target != tensor.shape:
        tensor = Expand.apply(tensor, shape=target)
    size = tensor.shape[axis]
    indices = np.broadcast_to(indices, tuple(indices.shape[d] if d == axis else n for d, n in enumerate(common)))
    return Gather.apply(tensor, dim=axis, index=np.where(indices < 0, indices + size, indices))


def tril_indices(row, col, offset=0, upper=False):
    """The (2, N) int64 coordinates of the lower (or upper) triangle, row by row, as torch."""
    rows, cols = (np.triu_indices if upper else np.tril_indices)(row, offset, col)
    return np.stack([rows, cols]).astype(np.int64).reshape(2, -1)
