"""Ops that move elements around without changing their values: reshape, transpose, permute,
expand, squeeze, unsqueeze, indexing, gather, cat, stack, split, pad, dtype casts.

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
    "Expand",
    "Gather",
    "GetItem",
    "IndexPut",
    "Pad",
    "Permute",
    "Reshape",
    "Squeeze",
    "Stack",
    "Transpose",
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
            raise ValueError(
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
            raise ValueError(f"permute: got {len(dims)} dims {tuple(dims)} for a tensor of shape {x.shape}")
        axes = tuple(normalize_dim("permute", d, x.ndim) for d in dims)
        if len(set(axes)) != len(axes):
            raise ValueError(f"permute: dims {tuple(dims)} repeat a dimension")
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
        if ctx.basic:
            grad[ctx.index] = grad_output
        else:
            if ctx.layout is not None:
                grad_output = _from_torch_layout(grad_output, ctx.layout)
            np.add.at(grad, _expand_masks(ctx.index), grad_output)
        return grad


class Gather(Function):
    """y[i][j] = x[i][index[i][j]] along ``dim`` (torch.gather); backward scatter-adds g into
    the gathered positions (indices may repeat).

    As in PyTorch the index may be smaller than x in the other dims (it then reads the leading
    block of x), and a negative index is an error rather than counting from the end."""

    @staticmethod
    def forward(ctx, x, dim, index):
        index = np.asarray(index)
        if index.dtype.kind not in "iu":
            raise TypeError(f"gather: index must be an integer tensor, got dtype {index.dtype}")
        if index.ndim != x.ndim:
            raise ValueError(
                f"gather: index has {index.ndim} dims but input has {x.ndim} (shapes {index.shape}, {x.shape})"
            )
        axis = normalize_dim("gather", dim, x.ndim)
        if any(index.shape[d] > x.shape[d] for d in range(x.ndim) if d != axis):
            raise IndexError(
                f"gather: index shape {index.shape} must not exceed input shape {x.shape} except in dim {dim}"
            )
        if index.size and (index.min() < 0 or index.max() >= x.shape[axis]):
            bad = index[(index < 0) | (index >= x.shape[axis])].flat[0]
            raise IndexError(
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
        try:
            assign(out, index, value)
        except IndexError as error:
            raise IndexError(f"__setitem__: {error} (tensor of shape {x.shape})") from None
        except ValueError as error:
            raise RuntimeError(
                f"__setitem__: {error} (tensor of shape {x.shape}, value of shape {value.shape})"
            ) from None
        return out

    @staticmethod
    def backward(ctx, grad_output):
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
