"""``Tensor``: one NumPy array plus the bookkeeping reverse-mode autodiff needs.

A tensor holds its array (``._data``, private; ``.numpy()`` hands it out), ``grad`` (a Tensor or
None), ``requires_grad`` and ``grad_fn`` (the ``Function`` node that produced it, or None for
leaves). Every operator and method is a thin call into ``chainrule.ops``; nothing here computes a
derivative.

Memory works as in PyTorch. A view (``view``, ``reshape`` where possible, slicing, ``transpose``,
``T``, ``expand``, ...) shares its base's array and its base's *version counter*; so do ``detach()``
and ``numpy()`` / ``from_numpy``. An in-place op (``add_``, ``+=``, ``x[i] = v``, ...) writes into
that memory, bumps the counter, and rebases the tensor's history onto a new node whose input is
the previous value; on a view it also rebases the base (``CopySlices``), and every other view of
the base rebuilds its ``grad_fn`` from the base the next time it is used. That machinery lives in
``inplace.py``; docs/autograd.md walks through it with examples.
"""

from __future__ import annotations

import weakref

import numpy as np

from . import backend, inplace
from .autograd import _state
from .autograd import backward as _backward
from .ops import activation, arithmetic, linalg, reduce, shape, unary
from .ops.softmax import LogSoftmax, Softmax

__all__ = ["Tensor", "as_tensor_operand", "unwrap_tensor"]


# keep_numbers is an ordinary parameter, not keyword-only: a keyword-only default costs a lookup on
# every call, and chainrule.functional makes one call per op.
def as_tensor_operand(op_name, value, keep_numbers=False):
    """``value`` as an input of a differentiable op: a Tensor as it is, an ndarray wrapped (no copy).

    With ``keep_numbers`` (the other operand of an operator: ``x + 1``), Python and NumPy numbers
    come back as Python numbers: NumPy scalars are strongly typed (np.float64(2) * a float32
    array is float64 under NEP 50) but PyTorch treats both kinds as weak, and Python numbers are
    weak in NumPy too. Without it (the input of a ``chainrule.functional`` function), numbers and
    nested lists become tensors as ``chainrule.tensor(value)`` builds them.

    Args:
        op_name: the op's name for the error message.
        value: the operand.
        keep_numbers: whether numbers stay numbers (True) or become tensors (False).

    Raises:
        TypeError: ``value`` is of no type the op accepts.
    """
    kind = type(value)
    if kind is Tensor:  # the common cases, first
        return value
    if keep_numbers and (kind is float or kind is int):
        return value
    if isinstance(value, np.ndarray):
        return Tensor._wrap(value)
    if keep_numbers:
        if isinstance(value, np.generic):  # np.float64 is also a float: unwrap it first
            return value.item()
        if isinstance(value, (Tensor, int, float)):  # bool is an int
            return value
        raise TypeError(
            f"{op_name}: unsupported operand of type {kind.__name__}; expected a Tensor, "
            "a NumPy array or a Python number"
        )
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (list, tuple, int, float)):
        # torch.tensor's inference (ints stay int64); Tensor(3) would mean "3 zeros", as in torch
        return Tensor._wrap(backend.as_array(value))
    raise TypeError(
        f"{op_name}: unsupported input of type {kind.__name__}; expected a Tensor, a NumPy array, "
        "a number or a (nested) list of numbers"
    )


def _bitwise(op_name, ufunc, a, b):
    """An integer/bool bitwise op on arrays or Python ints and bools; a float operand raises
    NotImplementedError, as PyTorch ("bitwise_and_cpu" not implemented for 'Float'); a Python int
    past 64 bits raises OverflowError first, as there."""
    arithmetic._check_python_int(a)
    arithmetic._check_python_int(b)
    for x in (a, b):
        kind = x.dtype.kind if isinstance(x, np.ndarray) else ("f" if isinstance(x, float) else "i")
        if kind not in "iub":
            raise NotImplementedError(
                f"{op_name}: not implemented for dtype {getattr(x, 'dtype', type(x).__name__)}; "
                "expected integer or bool tensors"
            )
    try:
        return np.asarray(arithmetic.compare(op_name, ufunc, a, b))  # PyTorch's promotion first
    except ValueError:  # PyTorch raises RuntimeError for shapes that do not broadcast
        raise RuntimeError(
            f"{op_name}: shapes {np.shape(a)} and {np.shape(b)} cannot be broadcast together; expected "
            "equal trailing dims or 1"
        ) from None


def _logical(op_name, ufunc, a, b):
    """A logical op of two tensors (nonzero counts as True): a bool tensor, as in PyTorch."""
    b = _tensor_argument(op_name, b, "other")
    try:
        return np.asarray(ufunc(a._data, b._data))
    except ValueError:
        raise arithmetic.broadcast_error(op_name, a._data, b._data) from None


def _tensor_argument(op_name, value, name="other", position=None):
    """``value`` as a Tensor where PyTorch's signature says Tensor (torch.maximum(x, 3), atan2's
    other, lerp's end): an ndarray is wrapped, a number is refused with PyTorch's TypeError."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, np.ndarray):
        return Tensor._wrap(value)
    where = f" (position {position})" if position is not None else ""
    raise TypeError(f"{op_name}(): argument '{name}'{where} must be Tensor, not {type(value).__name__}")


def _dim_or_axis(op_name, dim, axis, required=False):
    """``dim``, or its NumPy-style alias ``axis=`` that PyTorch also accepts (never both)."""
    if axis is not None:
        if dim is not None:
            raise TypeError(f"{op_name}() got both 'dim' and its alias 'axis'")
        return axis
    if required and dim is None:
        raise TypeError(f"{op_name}() missing required argument 'dim' (or its alias 'axis')")
    return dim


def _compare(op_name, ufunc, tensor, other):
    """A comparison or bitwise op of a tensor and another operand, promoted as PyTorch (no grad)."""
    other = unwrap_tensor(as_tensor_operand(op_name, other, keep_numbers=True))
    return np.asarray(arithmetic.compare(op_name, ufunc, tensor._data, other))


def unwrap_tensor(value):
    """The NumPy array behind a Tensor (its own memory, no copy); any other value unchanged, so
    Python numbers stay weakly typed in the NumPy expression that receives them."""
    return value._data if isinstance(value, Tensor) else value


class Tensor:
    """A multi-dimensional array that can record the operations applied to it.

    ``Tensor(2, 3)`` is an (uninitialised in PyTorch, zero-filled here) float32 tensor of that
    shape and ``Tensor([1, 2])`` a float32 tensor of that data, as ``torch.Tensor``; an ndarray
    is wrapped without a copy and keeps its dtype. ``chainrule.tensor(...)`` is the usual factory.
    """

    __slots__ = (
        "_data",
        "grad",
        "_requires_grad",
        "_grad_fn",
        "_hooks",
        "_retains_grad",
        "_vc",
        "_base",
        "_view_steps",
        "_view_version",
        "_view_kind",
        "__weakref__",
    )
    __array_priority__ = 1000  # so ndarray (op) Tensor defers to Tensor's reflected operators

    def __init__(self, *args, dtype=None, requires_grad: bool = False):
        if len(args) == 1 and type(args[0]) is not int:
            data = args[0]
            if isinstance(data, Tensor):
                data = data._data
            elif not isinstance(data, (np.ndarray, np.generic)) and dtype is None:
                dtype = backend.get_default_dtype()  # torch.Tensor([1, 2]) is a float tensor
            array = backend.as_array(data, dtype)
        else:
            sizes = shape.parse_shape_args("Tensor", args)
            if any(n < 0 for n in sizes):
                raise RuntimeError(f"Tensor: sizes must be non-negative, got {sizes}")
            array = np.zeros(sizes, dtype=backend.to_dtype(dtype) or backend.get_default_dtype())
        self._data = array
        self.grad = None
        self._grad_fn = None
        self._hooks = None
        self._retains_grad = False
        self._requires_grad = False
        self._vc = None
        self._base = None
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _wrap(cls, array, requires_grad: bool = False) -> Tensor:
        """Wrap an ndarray as a new leaf without a copy or any dtype conversion (internal)."""
        out = cls.__new__(cls)
        out._data = array
        out.grad = None
        out._grad_fn = None
        out._hooks = None
        out._retains_grad = False
        out._requires_grad = bool(requires_grad)
        out._vc = None
        out._base = None
        return out

    # ------------------------------------------------------------------ memory and versions
    @property
    def data(self) -> Tensor:
        """A tensor sharing this one's memory, cut off from the graph, with a version counter of
        its own (as in PyTorch, writes through ``.data`` are invisible to autograd's checks:
        ``p.data.zero_()`` works, and is exactly the escape hatch that makes it dangerous)."""
        return Tensor._wrap(self._data)

    @data.setter
    def data(self, value) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"data: expected a Tensor to assign to .data, got {type(value).__name__}")
        self._data = value._data

    @property
    def _version(self) -> int:
        """How many in-place writes this tensor's memory has seen (shared with its views)."""
        return 0 if self._vc is None else self._vc[0]

    def _bump_version(self) -> None:
        counter = self._vc
        if counter is None:
            counter = self._vc = [0]
        counter[0] += 1

    # The in-place machinery lives in inplace.py; bound here as methods, so it costs no extra call.
    _inplace = inplace.write_inplace
    _check_inplace_allowed = inplace.check_inplace_allowed
    _sync_view = inplace.sync_view
    _set_history = inplace.set_history

    # ------------------------------------------------------------------ basic properties
    @property
    def shape(self):
        return self._data.shape

    def size(self, dim=None):
        return self._data.shape if dim is None else self._data.shape[dim]

    @property
    def ndim(self) -> int:
        return self._data.ndim

    def dim(self) -> int:
        return self._data.ndim

    @property
    def dtype(self):
        return self._data.dtype

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    @property
    def grad_fn(self):
        """The node that produced this tensor (None for a leaf). A view whose memory was written
        in place since its node was made first rebuilds the node from its base."""
        if self._base is not None and self._view_version != self._vc[0]:
            self._sync_view()
        return self._grad_fn

    @property
    def requires_grad(self) -> bool:
        if self._base is not None and self._view_version != self._vc[0]:
            self._sync_view()
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value) -> None:
        self.requires_grad_(value)

    def numel(self) -> int:
        return self._data.size

    def __len__(self) -> int:
        if self._data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    def __repr__(self) -> str:
        """As torch prints: ``tensor([0.5122, 1.0000], requires_grad=True)`` (see _printing)."""
        from ._printing import tensor_repr

        return tensor_repr(self)

    def __array__(self, dtype=None, copy=None):
        if copy:
            return self._data.astype(dtype) if dtype is not None else self._data.copy()
        return self._data if dtype is None else self._data.astype(dtype, copy=False)

    def __bool__(self) -> bool:
        if self._data.size != 1:
            raise RuntimeError(f"bool() of a tensor with {self._data.size} elements is ambiguous; use .any() or .all()")
        return bool(self._data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self._data.dtype.kind not in "iu" or self._data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self._data)

    def __hash__(self):
        return id(self)

    # ------------------------------------------------------------------ autograd API
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        if requires_grad and self._data.dtype.kind not in "fc":
            raise RuntimeError(
                f"requires_grad_: only floating point tensors can require gradients, got dtype "
                f"{self._data.dtype} (convert with .float() or .double() first)"
            )
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError("requires_grad_(False): cannot change requires_grad of a non-leaf tensor; use .detach()")
        self._requires_grad = bool(requires_grad)
        return self

    def backward(self, gradient=None, retain_graph: bool = False, inputs=None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (see ``autograd.backward``)."""
        _backward(self, gradient, retain_graph=retain_graph, inputs=inputs)

    def detach(self) -> Tensor:
        """A new leaf sharing this tensor's memory *and* version counter, cut off from the graph:
        an in-place write through it is still seen by backward's saved-tensor checks."""
        out = Tensor._wrap(self._data)
        counter = self._vc
        if counter is None:
            counter = self._vc = [0]
        out._vc = counter
        return out

    def detach_(self) -> Tensor:
        if self._base is not None and self._base._requires_grad:
            raise RuntimeError(f"detach_: can't detach a view (shape {self.shape}) in place; use detach() instead")
        self._grad_fn = None
        self._requires_grad = False
        return self

    def retain_grad(self) -> None:
        """Keep ``.grad`` on a non-leaf tensor after backward (leaves always keep theirs)."""
        if not self.requires_grad:
            raise RuntimeError("retain_grad: can't retain_grad on a tensor that doesn't require grad")
        if self.grad_fn is not None:
            self._retains_grad = True
            self.grad_fn.retained = weakref.ref(self)

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor replaces
        the gradient. Returns a handle whose ``remove()`` unregisters the hook."""
        if not self.requires_grad:
            raise RuntimeError("register_hook: cannot register a hook on a tensor that doesn't require grad")
        if self.grad_fn is not None:
            if self.grad_fn.out_hooks is None:
                self.grad_fn.out_hooks = []
            hooks = self.grad_fn.out_hooks
        else:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    # ------------------------------------------------------------------ conversion
    def numpy(self) -> np.ndarray:
        """The tensor's own array (no copy: writes to either show in the other, as in PyTorch)."""
        if self.requires_grad:
            raise RuntimeError("numpy: can't call numpy() on a tensor that requires grad; use .detach().numpy()")
        return self._data

    def item(self):
        if self._data.size != 1:
            raise ValueError(
                f"item: only one-element tensors can be converted to a Python scalar, got shape {self._data.shape}"
            )
        return self._data.item()

    def tolist(self):
        return self._data.tolist()

    def to(self, *args, dtype=None, device=None) -> Tensor:
        """``to(dtype)`` casts (differentiably for float targets); ``to('cpu')`` / ``device='cpu'``
        is accepted and changes nothing, since NumPy arrays always live in host memory."""
        dtype, _ = backend.parse_to_args("Tensor.to", args, dtype=dtype, device=device)
        if dtype is None:
            return self
        if dtype == self._data.dtype:  # PyTorch returns the tensor itself when nothing changes
            return self
        return shape.Cast.apply(self, dtype=dtype)

    def type(self, dtype) -> Tensor:
        return self.to(dtype)

    def cpu(self) -> Tensor:
        return self

    @property
    def device(self) -> str:
        return "cpu"

    def float(self) -> Tensor:
        return self.to(backend.float32)

    def double(self) -> Tensor:
        return self.to(backend.float64)

    def long(self) -> Tensor:
        return self.to(backend.int64)

    def int(self) -> Tensor:
        return self.to(backend.int32)

    def bool(self) -> Tensor:
        return self.to(backend.bool_)

    def half(self) -> Tensor:
        return self.to(backend.float16)

    def type_as(self, other) -> Tensor:
        return self.to(other.dtype)

    # new_*: a tensor with this one's dtype (unless dtype= says otherwise), as torch.Tensor.new_*
    def _new(self, fill, size, dtype, requires_grad):
        sizes = shape.parse_shape_args("new", size)
        if any(n < 0 for n in sizes):
            raise RuntimeError(f"new: sizes must be non-negative, got {sizes}")
        array = fill(sizes, backend.to_dtype(dtype) or self._data.dtype)
        return Tensor(array, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, requires_grad=False) -> Tensor:
        return self._new(np.zeros, size, dtype, requires_grad)

    def new_ones(self, *size, dtype=None, requires_grad=False) -> Tensor:
        return self._new(np.ones, size, dtype, requires_grad)

    def new_empty(self, *size, dtype=None, requires_grad=False) -> Tensor:
        return self._new(np.zeros, size, dtype, requires_grad)

    def new_full(self, size, fill_value, *, dtype=None, requires_grad=False) -> Tensor:
        return self._new(lambda s, d: np.full(s, fill_value, dtype=d), (tuple(size),), dtype, requires_grad)

    def new_tensor(self, data, *, dtype=None, requires_grad=False) -> Tensor:
        array = np.array(unwrap_tensor(data), dtype=backend.to_dtype(dtype) or self._data.dtype)
        return Tensor(array, requires_grad=requires_grad)

    def clone(self) -> Tensor:
        return shape.Clone.apply(self)

    def contiguous(self) -> Tensor:
        """Itself when its memory is already C-ordered, else a C-ordered copy (as in PyTorch)."""
        return self if self._data.flags.c_contiguous else shape.Clone.apply(self)

    # ------------------------------------------------------------------ arithmetic operators
    # A non-Tensor operand is converted by as_tensor_operand; a Tensor skips that call, since
    # these operators are the hot path of every model.
    def __add__(self, other):
        if type(other) is not Tensor:
            other = as_tensor_operand("add", other, keep_numbers=True)
        return arithmetic.Add.apply(self, other)

    def __radd__(self, other):
        if type(other) is not Tensor:
            other = as_tensor_operand("add", other, keep_numbers=True)
        return arithmetic.Add.apply(other, self)

    def __sub__(self, other):
        if type(other) is not Tensor:
            other = as_tensor_operand("sub", other, keep_numbers=True)
        return arithmetic.Sub.apply(self, other)

    def __rsub__(self, other):
        if type(other) is not Tensor:
            other = as_tensor_operand("sub", other, keep_numbers=True)
        return arithmetic.Sub.apply(other, self)

    def __mul__(self, other):
        if type(other) is not Tensor:
            other = as_tensor_operand("mul", other, keep_numbers=True)
        return arithmetic.Mul.apply(self, other)

    def __rmul__(self, other):
        if type(other) is not Tensor:
            other = as_tensor_operand("mul", other, keep_numbers=True)
        return arithmetic.Mul.apply(other, self)

    def __truediv__(self, other):
        if type(other) is not Tensor:
            other = as_tensor_operand("div", other, keep_numbers=True)
        return arithmetic.Div.apply(self, other)

    def __rtruediv__(self, other):
        if type(other) is not Tensor:
            other = as_tensor_operand("div", other, keep_numbers=True)
        return arithmetic.Div.apply(other, self)

    def __pow__(self, other):
        return arithmetic.Pow.apply(self, as_tensor_operand("pow", other, keep_numbers=True))

    def __rpow__(self, other):
        return arithmetic.Pow.apply(as_tensor_operand("pow", other, keep_numbers=True), self)

    def __neg__(self):
        return arithmetic.Neg.apply(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return unary.Abs.apply(self)

    def __matmul__(self, other):
        return linalg.MatMul.apply(self, as_tensor_operand("matmul", other, keep_numbers=True))

    def __rmatmul__(self, other):
        return linalg.MatMul.apply(as_tensor_operand("matmul", other, keep_numbers=True), self)

    # In-place operators write into the tensor's memory and rebase its history (see _inplace).
    def __iadd__(self, other):
        return self._inplace("__iadd__", arithmetic.Add.apply, as_tensor_operand("add", other, keep_numbers=True))

    def __isub__(self, other):
        return self._inplace("__isub__", arithmetic.Sub.apply, as_tensor_operand("sub", other, keep_numbers=True))

    def __imul__(self, other):
        return self._inplace("__imul__", arithmetic.Mul.apply, as_tensor_operand("mul", other, keep_numbers=True))

    def __itruediv__(self, other):
        return self._inplace("__itruediv__", arithmetic.Div.apply, as_tensor_operand("div", other, keep_numbers=True))

    def add_(self, other, alpha=1):
        other = as_tensor_operand("add_", other * alpha if alpha != 1 else other, keep_numbers=True)
        return self._inplace("add_", arithmetic.Add.apply, other)

    def sub_(self, other, alpha=1):
        other = as_tensor_operand("sub_", other * alpha if alpha != 1 else other, keep_numbers=True)
        return self._inplace("sub_", arithmetic.Sub.apply, other)

    def mul_(self, other):
        return self._inplace("mul_", arithmetic.Mul.apply, as_tensor_operand("mul_", other, keep_numbers=True))

    def div_(self, other):
        return self._inplace("div_", arithmetic.Div.apply, as_tensor_operand("div_", other, keep_numbers=True))

    def pow_(self, exponent):
        return self._inplace("pow_", arithmetic.Pow.apply, as_tensor_operand("pow_", exponent, keep_numbers=True))

    def neg_(self):
        return self._inplace("neg_", arithmetic.Neg.apply)

    def exp_(self):
        return self._inplace("exp_", unary.Exp.apply)

    def log_(self):
        return self._inplace("log_", unary.Log.apply)

    def sqrt_(self):
        return self._inplace("sqrt_", unary.Sqrt.apply)

    def abs_(self):
        return self._inplace("abs_", unary.Abs.apply)

    def relu_(self):
        return self._inplace("relu_", unary.ReLU.apply)

    def sigmoid_(self):
        return self._inplace("sigmoid_", unary.Sigmoid.apply)

    def tanh_(self):
        return self._inplace("tanh_", unary.Tanh.apply)

    def clamp_(self, min=None, max=None):
        return self._inplace("clamp_", unary.Clamp.apply, min=min, max=max)

    clip_ = clamp_

    def copy_(self, src) -> Tensor:
        """Write ``src`` (broadcast to this shape, cast to this dtype) into this tensor's memory.
        The gradient flows to ``src``; the overwritten value gets none."""
        if not isinstance(src, Tensor):
            src = np.asarray(src)
        return self._inplace("copy_", shape.Copy.apply, src, check_dtype=False)

    def fill_(self, value) -> Tensor:
        if isinstance(value, Tensor):
            if value.ndim != 0:
                raise RuntimeError(
                    f"fill_: only supports a 0-dimensional value tensor, but got one with shape {value.shape}"
                )
            return self._inplace("fill_", shape.Copy.apply, value, check_dtype=False)
        return self._inplace("fill_", shape.Copy.apply, np.asarray(value).astype(self._data.dtype), check_dtype=False)

    def zero_(self) -> Tensor:
        return self.fill_(0)

    def uniform_(self, a=0.0, b=1.0, *, generator=None) -> Tensor:
        """Fill with draws from U[a, b) (from the default or the given generator)."""
        from .random import get_generator

        values = get_generator(generator).uniform(a, b, self.shape)
        return self._inplace("uniform_", shape.Copy.apply, values.astype(self._data.dtype), check_dtype=False)

    def normal_(self, mean=0.0, std=1.0, *, generator=None) -> Tensor:
        """Fill with draws from N(mean, std^2) (from the default or the given generator)."""
        from .random import get_generator

        values = get_generator(generator).normal(mean, std, self.shape)
        return self._inplace("normal_", shape.Copy.apply, values.astype(self._data.dtype), check_dtype=False)

    def masked_fill_(self, mask, value) -> Tensor:
        mask, value = self._masked_fill_arguments("masked_fill_", mask, value)
        return self._inplace("masked_fill_", inplace.masked_fill, mask, value, check_dtype=False)

    def __floordiv__(self, other):
        return arithmetic.FloorDivide.apply(self, as_tensor_operand("floor_divide", other, keep_numbers=True))

    def __rfloordiv__(self, other):
        return arithmetic.FloorDivide.apply(as_tensor_operand("floor_divide", other, keep_numbers=True), self)

    def __ifloordiv__(self, other):
        other = as_tensor_operand("floor_divide", other, keep_numbers=True)
        return self._inplace("__ifloordiv__", arithmetic.FloorDivide.apply, other)

    def __mod__(self, other):
        return arithmetic.Remainder.apply(self, as_tensor_operand("remainder", other, keep_numbers=True))

    def __rmod__(self, other):
        return arithmetic.Remainder.apply(as_tensor_operand("remainder", other, keep_numbers=True), self)

    def __imod__(self, other):
        other = as_tensor_operand("remainder", other, keep_numbers=True)
        return self._inplace("__imod__", arithmetic.Remainder.apply, other)

    # ------------------------------------------------------------------ comparisons (no gradient)
    # PyTorch's __eq__ / __ne__ answer a plain False / True for an operand that is no tensor or
    # number (None, a string, a list) instead of comparing elementwise
    def __eq__(self, other):
        if not isinstance(other, (Tensor, np.ndarray, int, float, np.generic)):
            return False
        return Tensor._wrap(_compare("eq", np.equal, self, other))

    def __ne__(self, other):
        if not isinstance(other, (Tensor, np.ndarray, int, float, np.generic)):
            return True
        return Tensor._wrap(_compare("ne", np.not_equal, self, other))

    def __lt__(self, other):
        return Tensor._wrap(_compare("lt", np.less, self, other))

    def __le__(self, other):
        return Tensor._wrap(_compare("le", np.less_equal, self, other))

    def __gt__(self, other):
        return Tensor._wrap(_compare("gt", np.greater, self, other))

    def __ge__(self, other):
        return Tensor._wrap(_compare("ge", np.greater_equal, self, other))

    def __invert__(self):
        if self._data.dtype.kind not in "iub":  # torch raises TypeError here, NotImplementedError in bitwise_not
            raise TypeError(
                f"~ (operator.invert) is only implemented on integer and Boolean-type tensors, got dtype {self._data.dtype}"
            )
        return Tensor(~self._data)

    def __and__(self, other):
        return Tensor(_bitwise("bitwise_and", np.bitwise_and, self._data, unwrap_tensor(other)))

    def __rand__(self, other):
        return Tensor(_bitwise("bitwise_and", np.bitwise_and, unwrap_tensor(other), self._data))

    def __or__(self, other):
        return Tensor(_bitwise("bitwise_or", np.bitwise_or, self._data, unwrap_tensor(other)))

    def __ror__(self, other):
        return Tensor(_bitwise("bitwise_or", np.bitwise_or, unwrap_tensor(other), self._data))

    def __xor__(self, other):
        return Tensor(_bitwise("bitwise_xor", np.bitwise_xor, self._data, unwrap_tensor(other)))

    def __rxor__(self, other):
        return Tensor(_bitwise("bitwise_xor", np.bitwise_xor, unwrap_tensor(other), self._data))

    # In place (&= |= ^=): the result is written into this tensor's memory, which every view sees.
    def __iand__(self, other):
        return self._inplace("__iand__", Tensor.__and__, other)

    def __ior__(self, other):
        return self._inplace("__ior__", Tensor.__or__, other)

    def __ixor__(self, other):
        return self._inplace("__ixor__", Tensor.__xor__, other)

    def eq(self, other):
        if other is None:  # t == None is False, but torch's eq() takes only a tensor or a number
            raise TypeError(
                "eq() received an invalid combination of arguments - got (NoneType); expected a Tensor or a number"
            )
        return self == other

    def ne(self, other):
        if other is None:
            raise TypeError(
                "ne() received an invalid combination of arguments - got (NoneType); expected a Tensor or a number"
            )
        return self != other

    def lt(self, other):
        return self < other

    def le(self, other):
        return self <= other

    def gt(self, other):
        return self > other

    def ge(self, other):
        return self >= other

    def any(self, dim=None, keepdim=False, *, axis=None):
        return Tensor(reduce.any_or_all(self._data, _dim_or_axis("any", dim, axis), keepdim, is_any=True))

    def all(self, dim=None, keepdim=False, *, axis=None):
        return Tensor(reduce.any_or_all(self._data, _dim_or_axis("all", dim, axis), keepdim, is_any=False))

    def argmax(self, dim=None, keepdim=False, *, axis=None):
        dim = _dim_or_axis("argmax", dim, axis)
        return Tensor(reduce.arg_reduce(np.argmax, "argmax", self._data, dim, keepdim))

    def argmin(self, dim=None, keepdim=False, *, axis=None):
        dim = _dim_or_axis("argmin", dim, axis)
        return Tensor(reduce.arg_reduce(np.argmin, "argmin", self._data, dim, keepdim))

    # ------------------------------------------------------------------ math methods
    def add(self, other, alpha=1):
        return self + (other * alpha if alpha != 1 else other)

    def sub(self, other, alpha=1):
        return self - (other * alpha if alpha != 1 else other)

    def mul(self, other):
        return self * other

    def div(self, other, *, rounding_mode=None):
        """``self / other``; ``rounding_mode='floor'`` or ``'trunc'`` rounds the quotient (in the
        promoted dtype, integers staying integers) and, as in PyTorch, carries no gradient."""
        if rounding_mode is None:
            return self / other
        other = unwrap_tensor(as_tensor_operand("div", other, keep_numbers=True))
        return Tensor._wrap(arithmetic.rounded_divide(self._data, other, rounding_mode))

    def pow(self, exponent):
        return self**exponent

    def neg(self):
        return -self

    def matmul(self, other):
        return self @ other

    def exp(self):
        return unary.Exp.apply(self)

    def log(self):
        return unary.Log.apply(self)

    def sqrt(self):
        return unary.Sqrt.apply(self)

    def abs(self):
        return unary.Abs.apply(self)

    def tanh(self):
        return unary.Tanh.apply(self)

    def sigmoid(self):
        return unary.Sigmoid.apply(self)

    def relu(self):
        return unary.ReLU.apply(self)

    def hardshrink(self, lambd=0.5):
        return activation.Hardshrink.apply(self, lambd=lambd)

    def prelu(self, weight):
        return activation.PReLU.apply(self, as_tensor_operand("prelu", weight))

    def clamp(self, min=None, max=None):
        return unary.Clamp.apply(self, min=min, max=max)

    clip = clamp

    def maximum(self, other):
        return arithmetic.Maximum.apply(self, _tensor_argument("maximum", other, position=2))

    def minimum(self, other):
        return arithmetic.Minimum.apply(self, _tensor_argument("minimum", other, position=2))

    def softmax(self, dim=None, *, axis=None):
        return Softmax.apply(self, dim=_dim_or_axis("softmax", dim, axis, required=True))

    def log_softmax(self, dim=None, *, axis=None):
        return LogSoftmax.apply(self, dim=_dim_or_axis("log_softmax", dim, axis, required=True))

    def sin(self):
        return unary.Sin.apply(self)

    def sin_(self):
        return self._inplace("sin_", unary.Sin.apply)

    def cos(self):
        return unary.Cos.apply(self)

    def cos_(self):
        return self._inplace("cos_", unary.Cos.apply)

    def tan(self):
        return unary.Tan.apply(self)

    def tan_(self):
        return self._inplace("tan_", unary.Tan.apply)

    def asin(self):
        return unary.Asin.apply(self)

    def asin_(self):
        return self._inplace("asin_", unary.Asin.apply)

    def acos(self):
        return unary.Acos.apply(self)

    def acos_(self):
        return self._inplace("acos_", unary.Acos.apply)

    def atan(self):
        return unary.Atan.apply(self)

    def atan_(self):
        return self._inplace("atan_", unary.Atan.apply)

    def sinh(self):
        return unary.Sinh.apply(self)

    def sinh_(self):
        return self._inplace("sinh_", unary.Sinh.apply)

    def cosh(self):
        return unary.Cosh.apply(self)

    def cosh_(self):
        return self._inplace("cosh_", unary.Cosh.apply)

    def asinh(self):
        return unary.Asinh.apply(self)

    def asinh_(self):
        return self._inplace("asinh_", unary.Asinh.apply)

    def acosh(self):
        return unary.Acosh.apply(self)

    def acosh_(self):
        return self._inplace("acosh_", unary.Acosh.apply)

    def atanh(self):
        return unary.Atanh.apply(self)

    def atanh_(self):
        return self._inplace("atanh_", unary.Atanh.apply)

    def log2(self):
        return unary.Log2.apply(self)

    def log2_(self):
        return self._inplace("log2_", unary.Log2.apply)

    def log10(self):
        return unary.Log10.apply(self)

    def log10_(self):
        return self._inplace("log10_", unary.Log10.apply)

    def log1p(self):
        return unary.Log1p.apply(self)

    def log1p_(self):
        return self._inplace("log1p_", unary.Log1p.apply)

    def exp2(self):
        return unary.Exp2.apply(self)

    def exp2_(self):
        return self._inplace("exp2_", unary.Exp2.apply)

    def expm1(self):
        return unary.Expm1.apply(self)

    def expm1_(self):
        return self._inplace("expm1_", unary.Expm1.apply)

    def rsqrt(self):
        return unary.Rsqrt.apply(self)

    def rsqrt_(self):
        return self._inplace("rsqrt_", unary.Rsqrt.apply)

    def reciprocal(self):
        return unary.Reciprocal.apply(self)

    def reciprocal_(self):
        return self._inplace("reciprocal_", unary.Reciprocal.apply)

    def square(self):
        return unary.Square.apply(self)

    def square_(self):
        return self._inplace("square_", unary.Square.apply)

    def erf(self):
        return unary.Erf.apply(self)

    def erf_(self):
        return self._inplace("erf_", unary.Erf.apply)

    def erfc(self):
        return unary.Erfc.apply(self)

    def erfc_(self):
        return self._inplace("erfc_", unary.Erfc.apply)

    def erfinv(self):
        return unary.Erfinv.apply(self)

    def erfinv_(self):
        return self._inplace("erfinv_", unary.Erfinv.apply)

    def floor(self):
        return unary.Floor.apply(self)

    def floor_(self):
        return self._inplace("floor_", unary.Floor.apply)

    def ceil(self):
        return unary.Ceil.apply(self)

    def ceil_(self):
        return self._inplace("ceil_", unary.Ceil.apply)

    def trunc(self):
        return unary.Trunc.apply(self)

    def trunc_(self):
        return self._inplace("trunc_", unary.Trunc.apply)

    def frac(self):
        return unary.Frac.apply(self)

    def frac_(self):
        return self._inplace("frac_", unary.Frac.apply)

    def sign(self):
        return unary.Sign.apply(self)

    def sign_(self):
        return self._inplace("sign_", unary.Sign.apply)

    def round(self, *, decimals=0):
        return unary.Round.apply(self, decimals=decimals)

    def round_(self, *, decimals=0):
        return self._inplace("round_", unary.Round.apply, decimals=decimals)

    sgn, sgn_ = sign, sign_  # the same for real tensors
    arcsin, arcsin_, arccos, arccos_, arctan, arctan_ = asin, asin_, acos, acos_, atan, atan_
    arcsinh, arcsinh_, arccosh, arccosh_, arctanh, arctanh_ = asinh, asinh_, acosh, acosh_, atanh, atanh_
    fix, fix_ = trunc, trunc_

    def atan2(self, other):
        return arithmetic.Atan2.apply(self, _tensor_argument("atan2", other, "other"))

    def atan2_(self, other):
        return self._inplace("atan2_", arithmetic.Atan2.apply, _tensor_argument("atan2", other, "other"))

    def copysign(self, other):
        return arithmetic.Copysign.apply(self, as_tensor_operand("copysign", other, keep_numbers=True))

    def copysign_(self, other):
        return self._inplace(
            "copysign_", arithmetic.Copysign.apply, as_tensor_operand("copysign", other, keep_numbers=True)
        )

    def logaddexp(self, other):
        return arithmetic.LogAddExp.apply(self, _tensor_argument("logaddexp", other, "other"))

    def logaddexp2(self, other):
        return arithmetic.LogAddExp2.apply(self, _tensor_argument("logaddexp2", other, "other"))

    def fmod(self, other):
        return arithmetic.Fmod.apply(self, as_tensor_operand("fmod", other, keep_numbers=True))

    def fmod_(self, other):
        return self._inplace("fmod_", arithmetic.Fmod.apply, as_tensor_operand("fmod", other, keep_numbers=True))

    def remainder(self, other):
        return arithmetic.Remainder.apply(self, as_tensor_operand("remainder", other, keep_numbers=True))

    def remainder_(self, other):
        return self._inplace(
            "remainder_", arithmetic.Remainder.apply, as_tensor_operand("remainder", other, keep_numbers=True)
        )

    def floor_divide(self, other):
        return arithmetic.FloorDivide.apply(self, as_tensor_operand("floor_divide", other, keep_numbers=True))

    def floor_divide_(self, other):
        return self._inplace(
            "floor_divide_", arithmetic.FloorDivide.apply, as_tensor_operand("floor_divide", other, keep_numbers=True)
        )

    def hypot(self, other):
        return arithmetic.Hypot.apply(self, _tensor_argument("hypot", other, "other"))

    def hypot_(self, other):
        return self._inplace("hypot_", arithmetic.Hypot.apply, _tensor_argument("hypot", other, "other"))

    def xlogy(self, other):
        return arithmetic.Xlogy.apply(self, as_tensor_operand("xlogy", other, keep_numbers=True))

    def xlogy_(self, other):
        return self._inplace("xlogy_", arithmetic.Xlogy.apply, as_tensor_operand("xlogy", other, keep_numbers=True))

    arctan2, arctan2_ = atan2, atan2_

    def lerp(self, end, weight):
        return arithmetic.Lerp.apply(
            self, _tensor_argument("lerp", end, "end"), as_tensor_operand("lerp", weight, keep_numbers=True)
        )

    def lerp_(self, end, weight):
        end = _tensor_argument("lerp_", end, "end")
        return self._inplace("lerp_", arithmetic.Lerp.apply, end, as_tensor_operand("lerp_", weight, keep_numbers=True))

    # predicates and logical / bitwise ops: no gradient (bool or integer results), as in PyTorch
    def isnan(self):
        return Tensor(np.isnan(self._data) if self._data.dtype.kind == "f" else np.zeros(self.shape, bool))

    def isinf(self):
        return Tensor(np.isinf(self._data) if self._data.dtype.kind == "f" else np.zeros(self.shape, bool))

    def isposinf(self):
        return Tensor(np.isposinf(self._data) if self._data.dtype.kind == "f" else np.zeros(self.shape, bool))

    def isneginf(self):
        return Tensor(np.isneginf(self._data) if self._data.dtype.kind == "f" else np.zeros(self.shape, bool))

    def isfinite(self):
        return Tensor(np.isfinite(self._data) if self._data.dtype.kind == "f" else np.ones(self.shape, bool))

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """|self - other| <= atol + rtol |other| elementwise (infinities equal to themselves; nan
        equal to nan only with ``equal_nan``). Both must be tensors of one dtype, as in PyTorch."""
        a, b = self._data, _tensor_argument("isclose", other, "other")._data
        if a.dtype != b.dtype:
            raise RuntimeError(f"isclose: {a.dtype} did not match {b.dtype} (the two tensors' dtypes must agree)")
        if rtol < 0 or atol < 0:
            raise RuntimeError(
                f"isclose: rtol and atol must be greater than or equal to zero, but got rtol={rtol}, atol={atol}"
            )
        try:
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise arithmetic.broadcast_error("isclose", a, b) from None
        if a.dtype.kind == "b":
            return Tensor(np.broadcast_to(a == b, np.broadcast_shapes(a.shape, b.shape)).copy())
        with np.errstate(over="ignore", invalid="ignore"):
            return Tensor(np.asarray(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)))

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """Whether every element isclose (a Python bool)."""
        return bool(self.isclose(other, rtol=rtol, atol=atol, equal_nan=equal_nan)._data.all())

    def logical_and(self, other):
        return Tensor(_logical("logical_and", np.logical_and, self, other))

    def logical_or(self, other):
        return Tensor(_logical("logical_or", np.logical_or, self, other))

    def logical_xor(self, other):
        return Tensor(_logical("logical_xor", np.logical_xor, self, other))

    def logical_not(self):
        return Tensor(np.logical_not(self._data))

    def bitwise_and(self, other):
        return self & other

    def bitwise_or(self, other):
        return self | other

    def bitwise_xor(self, other):
        return self ^ other

    def bitwise_not(self):
        if self._data.dtype.kind not in "iub":
            raise NotImplementedError(
                f"bitwise_not: not implemented for dtype {self._data.dtype}; expected an integer or bool tensor"
            )
        return Tensor(~self._data)

    def bitwise_and_(self, other):
        return self._inplace("bitwise_and_", Tensor.__and__, other)

    def bitwise_or_(self, other):
        return self._inplace("bitwise_or_", Tensor.__or__, other)

    def bitwise_xor_(self, other):
        return self._inplace("bitwise_xor_", Tensor.__xor__, other)

    def bitwise_not_(self):
        return self._inplace("bitwise_not_", Tensor.bitwise_not)

    # ------------------------------------------------------------------ reductions
    def sum(self, dim=None, keepdim=False, *, dtype=None, axis=None):
        if axis is not None or dtype is not None:
            dim, dtype = _dim_or_axis("sum", dim, axis), backend.to_dtype(dtype)
            return reduce.Sum.apply(self, dim=dim, keepdim=keepdim, dtype=dtype)
        return reduce.Sum.apply(self, dim=dim, keepdim=keepdim)

    def mean(self, dim=None, keepdim=False, *, dtype=None, axis=None):
        if axis is not None or dtype is not None:
            dim, dtype = _dim_or_axis("mean", dim, axis), backend.to_dtype(dtype)
            return reduce.Mean.apply(self, dim=dim, keepdim=keepdim, dtype=dtype)
        return reduce.Mean.apply(self, dim=dim, keepdim=keepdim)

    def max(self, dim=None, keepdim=False, *, axis=None):
        return reduce.max_or_min(self, _dim_or_axis("max", dim, axis), keepdim, is_max=True)

    def min(self, dim=None, keepdim=False, *, axis=None):
        return reduce.max_or_min(self, _dim_or_axis("min", dim, axis), keepdim, is_max=False)

    # PyTorch's positional order is (dim, unbiased, keepdim): x.var(0, True) means unbiased.
    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None):
        dim = _dim_or_axis("var", dim, axis)
        if isinstance(dim, bool):  # x.var(False): the unbiased-only overload
            dim, unbiased = None, dim
        return reduce.Var.apply(
            self, dim=dim, keepdim=keepdim, correction=reduce.resolve_correction("var", correction, unbiased)
        )

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None, axis=None):
        dim = _dim_or_axis("std", dim, axis)
        if isinstance(dim, bool):
            dim, unbiased = None, dim
        return reduce.Std.apply(
            self, dim=dim, keepdim=keepdim, correction=reduce.resolve_correction("std", correction, unbiased)
        )

    def logsumexp(self, dim=None, keepdim=False, *, axis=None):
        return reduce.LogSumExp.apply(self, dim=_dim_or_axis("logsumexp", dim, axis, required=True), keepdim=keepdim)

    def norm(self, p="fro", dim=None, keepdim=False):
        """The vector p-norm over ``dim`` (all elements by default); gradient 0 at a zero vector.
        p='nuc': the nuclear norm of the matrices over the two ``dim``s."""
        if isinstance(p, str) and p == "nuc":
            return linalg.matrix_norm(self, "nuc", tuple(range(self.ndim)) if dim is None else dim, keepdim)
        return linalg.Norm.apply(self, p=p, dim=dim, keepdim=keepdim)

    def _as_dtype(self, dtype):
        return self if dtype is None else self.to(dtype)

    def prod(self, dim=None, keepdim=False, *, dtype=None):
        return reduce.Prod.apply(self._as_dtype(dtype), dim=dim, keepdim=keepdim)

    def amax(self, dim=(), keepdim=False):
        return reduce.AMax.apply(self, dim=dim, keepdim=keepdim)

    def amin(self, dim=(), keepdim=False):
        return reduce.AMax.apply(self, dim=dim, keepdim=keepdim, is_max=False)

    def aminmax(self, *, dim=None, keepdim=False):
        return reduce.aminmax(self, dim, keepdim)

    def cumsum(self, dim, *, dtype=None):
        return reduce.CumSum.apply(self._as_dtype(dtype), dim=dim)

    def cumsum_(self, dim, *, dtype=None):
        return self._inplace("cumsum_", reduce.CumSum.apply, dim=dim)

    def cumprod(self, dim, *, dtype=None):
        return reduce.CumProd.apply(self._as_dtype(dtype), dim=dim)

    def cumprod_(self, dim, *, dtype=None):
        return self._inplace("cumprod_", reduce.CumProd.apply, dim=dim)

    def logcumsumexp(self, dim):
        return reduce.LogCumSumExp.apply(self, dim=dim)

    def cummax(self, dim):
        return reduce.cum_extreme(self, dim, is_max=True)

    def cummin(self, dim):
        return reduce.cum_extreme(self, dim, is_max=False)

    def sort(self, dim=-1, descending=False, stable=False):
        return reduce.sort(self, dim, descending, stable)

    def argsort(self, dim=-1, descending=False, stable=False):
        axis = reduce.normalize_dim("argsort", reduce._int_dim("argsort", dim), self.ndim)
        return Tensor(reduce.sort_indices(self._data, axis, descending))

    def topk(self, k, dim=-1, largest=True, sorted=True):  # noqa: A002
        return reduce.topk(self, k, dim, largest, sorted)

    def median(self, dim=None, keepdim=False):
        return reduce.median(self, dim, keepdim)

    def nanmedian(self, dim=None, keepdim=False):
        return reduce.median(self, dim, keepdim, ignore_nan=True)

    def kthvalue(self, k, dim=-1, keepdim=False):
        return reduce.kthvalue(self, k, dim, keepdim)

    def mode(self, dim=-1, keepdim=False):
        return reduce.mode(self, dim, keepdim)

    def quantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        return reduce.Quantile.apply(self, q, dim=dim, keepdim=keepdim, interpolation=interpolation)

    def nanquantile(self, q, dim=None, keepdim=False, *, interpolation="linear"):
        return reduce.Quantile.apply(self, q, dim=dim, keepdim=keepdim, interpolation=interpolation, ignore_nan=True)

    def nansum(self, dim=None, keepdim=False, *, dtype=None):
        x = self._as_dtype(dtype)
        if x.dtype.kind != "f":
            return x.sum(dim, keepdim)
        return reduce.NanSum.apply(x, dim=dim, keepdim=keepdim)

    def nanmean(self, dim=None, keepdim=False, *, dtype=None):
        return reduce.NanMean.apply(self._as_dtype(dtype), dim=dim, keepdim=keepdim)

    def nonzero(self, *, as_tuple=False):
        found = reduce.nonzero(self._data, as_tuple)
        return tuple(Tensor(i) for i in found) if as_tuple else Tensor(found)

    def count_nonzero(self, dim=None):
        return Tensor(reduce.count_nonzero(self._data, dim))

    def masked_select(self, mask):
        mask = mask if isinstance(mask, Tensor) else Tensor(np.asarray(mask))
        if mask._data.dtype != np.bool_:
            raise RuntimeError(f"masked_select: expected BoolTensor for mask, got dtype {mask.dtype}")
        try:
            shape = np.broadcast_shapes(self.shape, mask.shape)
        except ValueError:
            raise RuntimeError(
                f"masked_select: the shapes of input {tuple(self.shape)} and mask {tuple(mask.shape)} do not broadcast"
            ) from None
        shape = shape or (1,)  # 0-d: a 1-D result, as PyTorch
        source = self.reshape(shape) if self.ndim == 0 else self
        source = source if tuple(source.shape) == shape else source.expand(*shape)
        return source[Tensor(np.broadcast_to(mask._data, shape).copy())]

    def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
        """Always sorted, as PyTorch's CPU kernels in practice."""
        found = reduce.unique(self._data, return_inverse, return_counts, dim)
        return tuple(Tensor(a) for a in found) if isinstance(found, tuple) else Tensor(found)

    def bincount(self, weights=None, minlength=0):
        weights = None if weights is None else np.asarray(unwrap_tensor(weights))
        return Tensor(reduce.bincount(self._data, weights, minlength))

    # ------------------------------------------------------------------ shape
    def reshape(self, *shape_args):
        return shape.Reshape.apply(self, shape=shape.parse_shape_args("reshape", shape_args))

    def view(self, *shape_args):
        """A view with a new shape; raises where the memory layout would need a copy (use reshape)."""
        return shape.View.apply(self, shape=shape.parse_shape_args("view", shape_args))

    def view_as(self, other):
        return self.view(other.shape)

    def transpose(self, dim0, dim1):
        return shape.Transpose.apply(self, dim0=dim0, dim1=dim1)

    def t(self):
        if self.ndim > 2:
            raise ValueError(f"t: expects a tensor with <= 2 dims, got {self.ndim} (shape {self.shape})")
        return self if self.ndim < 2 else self.transpose(0, 1)

    @property
    def T(self):
        return shape.Permute.apply(self, dims=tuple(range(self.ndim - 1, -1, -1)))

    @property
    def mT(self):
        return self.transpose(-2, -1)

    def permute(self, *dims):
        return shape.Permute.apply(self, dims=shape.parse_shape_args("permute", dims))

    def expand(self, *sizes):
        return shape.Expand.apply(self, shape=shape.parse_shape_args("expand", sizes))

    def expand_as(self, other):
        return self.expand(other.shape)

    def squeeze(self, dim=None, *, axis=None):
        return shape.Squeeze.apply(self, dim=_dim_or_axis("squeeze", dim, axis))

    def unsqueeze(self, dim=None, *, axis=None):
        return shape.Unsqueeze.apply(self, dim=_dim_or_axis("unsqueeze", dim, axis, required=True))

    def flatten(self, start_dim=0, end_dim=-1):
        return shape.flatten(self, start_dim, end_dim)

    def split(self, split_size_or_sections, dim=0):
        return shape.split(self, split_size_or_sections, dim)

    def chunk(self, chunks, dim=0):
        return shape.chunk(self, chunks, dim)

    def __getitem__(self, index):
        return shape.GetItem.apply(self, index=shape.normalize_index(index))

    def __setitem__(self, index, value):
        """``x[index] = value`` as PyTorch does it: for slices and ints, a copy_ into the view
        ``x[index]``; for integer arrays and masks, an index_put. Both record a node when a graph
        is involved, so the gradient reaches ``value`` and skips the overwritten elements."""
        items = index if isinstance(index, tuple) else (index,)
        if any(unwrap_tensor(i).dtype == np.uint8 for i in items if isinstance(i, (Tensor, np.ndarray))) and (
            np.size(unwrap_tensor(value)) == 1
        ):  # PyTorch fills one value through masked_fill_, which refuses a uint8 mask
            raise RuntimeError("__setitem__: masked_fill_ only supports boolean masks, but got mask with dtype uint8")
        index = shape.normalize_index(index)
        if isinstance(value, Tensor) and value.dtype != self.dtype and not shape.is_basic_index(index):
            # index_put as PyTorch: no cast, except the masked_fill of one value under one mask
            single_mask = isinstance(index, np.ndarray) and index.dtype == bool and value.numel() == 1
            if not single_mask:
                raise RuntimeError(
                    f"__setitem__: Index put requires the source and destination dtypes match, got "
                    f"{self.dtype} for the destination and {value.dtype} for the source"
                )
        value_requires_grad = isinstance(value, Tensor) and value.requires_grad
        if not _state.grad_enabled or not (self.requires_grad or value_requires_grad):
            target = self._data
            if not target.flags.writeable:
                raise RuntimeError(
                    f"__setitem__: the tensor (shape {target.shape}) is an expand()ed view whose elements "
                    "share memory; .clone() it before assigning into it"
                )
            try:
                shape.assign(target, index, unwrap_tensor(value))
            except (IndexError, ValueError) as error:
                if not (isinstance(error, IndexError) and shape.selects_nothing(index, target.shape)):
                    kind = IndexError if isinstance(error, IndexError) else RuntimeError
                    raise kind(f"__setitem__: {error} (tensor of shape {target.shape})") from None
            self._bump_version()
            return
        if not isinstance(value, Tensor):
            value = np.asarray(value)
        if value.ndim and value.shape[0] == 1:  # x[1] = tensor([3.]): PyTorch drops leading 1s
            value = value.reshape(shape.strip_leading_ones(value.shape))
        if shape.is_basic_index(index):
            shape.GetItem.apply(self, index=index)._inplace("__setitem__", shape.Copy.apply, value, check_dtype=False)
        else:
            self._inplace("__setitem__", shape.IndexPut.apply, value, index=index, check_dtype=False)

    def __iter__(self):
        if self._data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def where(self, condition, other):
        """``x.where(cond, y)``: x where cond holds, else y (torch.Tensor.where)."""
        return arithmetic.Where.apply(
            unwrap_tensor(condition), self, as_tensor_operand("where", other, keep_numbers=True)
        )

    def _masked_fill_arguments(self, op_name, mask, value):
        mask = unwrap_tensor(mask)
        if not isinstance(mask, np.ndarray) or mask.dtype != np.bool_:
            got = mask.dtype if isinstance(mask, np.ndarray) else type(mask).__name__
            raise RuntimeError(f"{op_name}: only supports boolean masks, but got mask with dtype {got}")
        if isinstance(value, Tensor):
            if value.ndim != 0:
                raise RuntimeError(
                    f"{op_name}: only supports a 0-dimensional value tensor, but got one with shape {value.shape}"
                )
        else:
            value = np.asarray(value, dtype=self._data.dtype)
        return mask, value

    def masked_fill(self, mask, value):
        """Where ``mask`` holds, ``value`` (a number, or a 0-d tensor that may require grad)."""
        mask, value = self._masked_fill_arguments("masked_fill", mask, value)
        return inplace.masked_fill(self, mask, value)

    def gather(self, dim, index):
        return shape.Gather.apply(self, dim=dim, index=unwrap_tensor(index))

    def repeat(self, *sizes):
        return shape.Repeat.apply(self, repeats=shape.parse_shape_args("repeat", sizes))

    def repeat_interleave(self, repeats, dim=None, *, output_size=None):
        return shape.repeat_interleave(self, repeats, dim)

    def tile(self, *dims):
        return shape.tile(self, shape.parse_shape_args("tile", dims))

    def flip(self, *dims):
        return shape.Flip.apply(self, dims=shape.parse_shape_args("flip", dims))

    def fliplr(self):
        if self.ndim < 2:
            raise RuntimeError(f"fliplr: input must be >= 2-d, got shape {self.shape}")
        return shape.Flip.apply(self, dims=(1,))

    def flipud(self):
        if self.ndim < 1:
            raise RuntimeError("flipud: input must be >= 1-d, got a 0-d tensor")
        return shape.Flip.apply(self, dims=(0,))

    def roll(self, shifts, dims=None):
        shifts = (shifts,) if isinstance(shifts, (int, np.integer)) else tuple(shifts)
        if dims is not None:
            dims = (dims,) if isinstance(dims, (int, np.integer)) else tuple(dims)
        return shape.Roll.apply(self, shifts=shifts, dims=dims)

    def movedim(self, source, destination):
        source = (source,) if isinstance(source, (int, np.integer)) else tuple(source)
        destination = (destination,) if isinstance(destination, (int, np.integer)) else tuple(destination)
        return shape.MoveDim.apply(self, source=source, destination=destination)

    moveaxis = movedim

    def swapaxes(self, axis0, axis1):
        return self.transpose(axis0, axis1)

    def swapdims(self, dim0, dim1):
        return self.transpose(dim0, dim1)

    def narrow(self, dim, start, length):
        return shape.narrow(self, dim, start, length)

    def unbind(self, dim=0):
        return shape.unbind(self, dim)

    def unflatten(self, dim, sizes):
        return shape.unflatten(self, dim, sizes)

    def unfold(self, dimension, size, step):
        return shape.Unfold.apply(self, dimension=dimension, size=size, step=step)

    def diagonal(self, offset=0, dim1=0, dim2=1):
        return shape.Diagonal.apply(self, offset=offset, dim1=dim1, dim2=dim2)

    def diag(self, diagonal=0):
        return shape.diag(self, diagonal)

    def diag_embed(self, offset=0, dim1=-2, dim2=-1):
        return shape.DiagEmbed.apply(self, offset=offset, dim1=dim1, dim2=dim2)

    def tril(self, diagonal=0):
        return shape.Tril.apply(self, diagonal=diagonal)

    def triu(self, diagonal=0):
        return shape.Triu.apply(self, diagonal=diagonal)

    def tril_(self, diagonal=0):
        return self._inplace("tril_", shape.Tril.apply, diagonal=diagonal)

    def triu_(self, diagonal=0):
        return self._inplace("triu_", shape.Triu.apply, diagonal=diagonal)

    def rot90(self, k=1, dims=(0, 1)):
        return shape.rot90(self, k, dims)

    def _scatter_args(self, src, value):
        if src is None and value is None:
            raise TypeError("scatter: expected a src tensor or a value")
        if src is None or not isinstance(src, Tensor) and np.ndim(src) == 0:
            value = src if value is None else value
            return np.asarray(value, dtype=self._data.dtype).item()
        return src if isinstance(src, Tensor) else np.asarray(src)

    def scatter(self, dim, index, src=None, *, value=None):
        return shape.Scatter.apply(self, self._scatter_args(src, value), dim=dim, index=unwrap_tensor(index))

    def scatter_(self, dim, index, src=None, *, value=None):
        src = self._scatter_args(src, value)
        return self._inplace("scatter_", shape.Scatter.apply, src, dim=dim, index=unwrap_tensor(index))

    def scatter_add(self, dim, index, src):
        return shape.ScatterReduce.apply(self, src, dim=dim, index=unwrap_tensor(index))

    def scatter_add_(self, dim, index, src):
        return self._inplace("scatter_add_", shape.ScatterReduce.apply, src, dim=dim, index=unwrap_tensor(index))

    def scatter_reduce(self, dim, index, src, reduce, *, include_self=True):
        return shape.ScatterReduce.apply(
            self, src, dim=dim, index=unwrap_tensor(index), reduce=reduce, include_self=include_self
        )

    def scatter_reduce_(self, dim, index, src, reduce, *, include_self=True):
        return self._inplace(
            "scatter_reduce_",
            shape.ScatterReduce.apply,
            src,
            dim=dim,
            index=unwrap_tensor(index),
            reduce=reduce,
            include_self=include_self,
        )

    def index_select(self, dim, index):
        return shape.IndexSelect.apply(self, dim=dim, index=unwrap_tensor(index))

    def index_add(self, dim, index, source, *, alpha=1):
        return shape.IndexAdd.apply(self, source, dim=dim, index=unwrap_tensor(index), alpha=alpha)

    def index_add_(self, dim, index, source, *, alpha=1):
        return self._inplace(
            "index_add_", shape.IndexAdd.apply, source, dim=dim, index=unwrap_tensor(index), alpha=alpha
        )

    def index_copy(self, dim, index, source):
        return shape.IndexCopy.apply(self, source, dim=dim, index=unwrap_tensor(index))

    def index_copy_(self, dim, index, source):
        return self._inplace("index_copy_", shape.IndexCopy.apply, source, dim=dim, index=unwrap_tensor(index))

    def _fill_value(self, value):
        return value if isinstance(value, Tensor) else np.asarray(value, dtype=self._data.dtype).item()

    def index_fill(self, dim, index, value):
        return shape.IndexFill.apply(self, self._fill_value(value), dim=dim, index=unwrap_tensor(index))

    def index_fill_(self, dim, index, value):
        value = self._fill_value(value)
        return self._inplace("index_fill_", shape.IndexFill.apply, value, dim=dim, index=unwrap_tensor(index))

    def take(self, index):
        return shape.Take.apply(self, index=unwrap_tensor(index))

    def take_along_dim(self, indices, dim=None):
        return shape.take_along_dim(self, unwrap_tensor(indices), dim)

    def bmm(self, mat2):
        return linalg.bmm(self, as_tensor_operand("bmm", mat2))

    def mm(self, mat2):
        return linalg.mm(self, as_tensor_operand("mm", mat2))

    def mv(self, vec):
        return linalg.mv(self, as_tensor_operand("mv", vec))

    def dot(self, other):
        return linalg.dot(self, as_tensor_operand("dot", other))

    def outer(self, vec2):
        return linalg.outer(self, as_tensor_operand("outer", vec2))

    def addmm(self, mat1, mat2, *, beta=1, alpha=1):
        return linalg.addmm(self, as_tensor_operand("addmm", mat1), as_tensor_operand("addmm", mat2), beta, alpha)

    def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
        operands = as_tensor_operand("baddbmm", batch1), as_tensor_operand("baddbmm", batch2)
        return linalg.baddbmm(self, *operands, beta, alpha)

    def kron(self, other):
        return linalg.Kron.apply(self, as_tensor_operand("kron", other))

    def cross(self, other, dim=None):
        return linalg.Cross.apply(self, as_tensor_operand("cross", other), dim=dim)


class _HookHandle:
    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)
