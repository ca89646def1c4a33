"""``Tensor``: one NumPy array plus the bookkeeping reverse-mode autodiff needs.

A tensor holds ``data`` (an ``np.ndarray``), ``grad`` (a Tensor or None), ``requires_grad`` and
``grad_fn`` (the ``Function`` node that produced it, or None for leaves). Every operator and method
is a thin call into ``chainrule.ops``; nothing here computes a derivative.
"""
from __future__ import annotations

import weakref

import numpy as np

from . import backend
from .autograd import backward as _backward
from .ops import arithmetic, fused, linalg, reduce, shape, unary


def _raw_scalar(value):
    # NumPy scalars are strongly typed (np.float64(2) * float32 array -> float64 under NEP 50);
    # PyTorch treats Python and NumPy scalars alike as weak, so unwrap them to Python numbers.
    if isinstance(value, np.generic):
        return value.item()
    return value


def _check_operand(op_name, other):
    if type(other) is Tensor or type(other) is float or type(other) is int:  # the common cases, first
        return other
    if isinstance(other, (Tensor, int, float, bool, np.generic)):
        return _raw_scalar(other)
    if isinstance(other, np.ndarray):
        return Tensor(other)
    raise TypeError(
        f"{op_name}: unsupported operand of type {type(other).__name__}; expected a Tensor, "
        "a NumPy array or a Python number"
    )


class Tensor:
    """A multi-dimensional array that can record the operations applied to it."""

    __slots__ = ("data", "grad", "requires_grad", "grad_fn", "_hooks", "_retains_grad", "__weakref__")
    __array_priority__ = 1000  # so ndarray (op) Tensor defers to Tensor's reflected operators

    def __init__(self, data, dtype=None, requires_grad: bool = False):
        if isinstance(data, Tensor):
            data = data.data
        self.data = backend.as_array(data, dtype)
        self.grad = None
        self.grad_fn = None
        self._hooks = None
        self._retains_grad = False
        self.requires_grad = False
        if requires_grad:
            self.requires_grad_(True)

    # ------------------------------------------------------------------ basic properties
    @property
    def shape(self):
        return self.data.shape

    def size(self, dim=None):
        return self.data.shape if dim is None else self.data.shape[dim]

    @property
    def ndim(self) -> int:
        return self.data.ndim

    def dim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def is_leaf(self) -> bool:
        return self.grad_fn is None

    def numel(self) -> int:
        return self.data.size

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(")
        extras = []
        if self.data.dtype not in (backend.float32, backend.int64, backend.bool_):
            extras.append(f"dtype={self.data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn!r}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    def __array__(self, dtype=None, copy=None):
        return self.data if dtype is None else self.data.astype(dtype)

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise RuntimeError(
                f"bool() of a tensor with {self.data.size} elements is ambiguous; use .any() or .all()"
            )
        return bool(self.data)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.data)

    def __hash__(self):
        return id(self)

    # ------------------------------------------------------------------ autograd API
    def requires_grad_(self, requires_grad: bool = True) -> "Tensor":
        if requires_grad and self.data.dtype.kind not in "fc":
            raise RuntimeError(
                f"requires_grad_: only floating point tensors can require gradients, got dtype "
                f"{self.data.dtype} (convert with .float() or .double() first)"
            )
        if not requires_grad and self.grad_fn is not None:
            raise RuntimeError(
                "requires_grad_(False): cannot change requires_grad of a non-leaf tensor; use .detach()"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def backward(self, gradient=None, retain_graph: bool = False, inputs=None) -> None:
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (see ``autograd.backward``)."""
        _backward(self, gradient, retain_graph=retain_graph, inputs=inputs)

    def detach(self) -> "Tensor":
        """A new leaf sharing this tensor's data, cut off from the graph."""
        out = Tensor.__new__(Tensor)
        out.data, out.grad, out.grad_fn, out.requires_grad = self.data, None, None, False
        out._hooks, out._retains_grad = None, False
        return out

    def detach_(self) -> "Tensor":
        self.grad_fn = None
        self.requires_grad = False
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

    def zero_(self) -> "Tensor":
        self.data[...] = 0
        return self

    # ------------------------------------------------------------------ conversion
    def numpy(self) -> np.ndarray:
        if self.requires_grad:
            raise RuntimeError("numpy: can't call numpy() on a tensor that requires grad; use .detach().numpy()")
        return self.data

    def item(self):
        if self.data.size != 1:
            raise ValueError(
                f"item: only one-element tensors can be converted to a Python scalar, got shape {self.data.shape}"
            )
        return self.data.item()

    def tolist(self):
        return self.data.tolist()

    def to(self, *args, dtype=None, device=None) -> "Tensor":
        """``to(dtype)`` casts (differentiably for float targets); ``to('cpu')`` / ``device='cpu'``
        is accepted and changes nothing, since NumPy arrays always live in host memory."""
        for arg in args:
            if isinstance(arg, str):
                device = arg
            else:
                dtype = arg
        if device is not None and str(device) != "cpu":
            raise ValueError(f"to: only the 'cpu' device exists in chainrule's NumPy backend, got {device!r}")
        if dtype is None:
            return self
        return shape.Cast.apply(self, dtype=backend.to_dtype(dtype))

    def type(self, dtype) -> "Tensor":
        return self.to(dtype)

    def cpu(self) -> "Tensor":
        return self

    @property
    def device(self) -> str:
        return "cpu"

    def float(self) -> "Tensor":
        return self.to(backend.float32)

    def double(self) -> "Tensor":
        return self.to(backend.float64)

    def long(self) -> "Tensor":
        return self.to(backend.int64)

    def int(self) -> "Tensor":
        return self.to(backend.int32)

    def bool(self) -> "Tensor":
        return self.to(backend.bool_)

    def clone(self) -> "Tensor":
        return shape.Clone.apply(self)

    def copy_(self, src) -> "Tensor":
        src = src.data if isinstance(src, Tensor) else np.asarray(src)
        self.data[...] = src
        return self

    def contiguous(self) -> "Tensor":
        return self

    # ------------------------------------------------------------------ arithmetic operators
    def __add__(self, other):
        return arithmetic.Add.apply(self, _check_operand("add", other))

    def __radd__(self, other):
        return arithmetic.Add.apply(_check_operand("add", other), self)

    def __sub__(self, other):
        return arithmetic.Sub.apply(self, _check_operand("sub", other))

    def __rsub__(self, other):
        return arithmetic.Sub.apply(_check_operand("sub", other), self)

    def __mul__(self, other):
        return arithmetic.Mul.apply(self, _check_operand("mul", other))

    def __rmul__(self, other):
        return arithmetic.Mul.apply(_check_operand("mul", other), self)

    def __truediv__(self, other):
        return arithmetic.Div.apply(self, _check_operand("div", other))

    def __rtruediv__(self, other):
        return arithmetic.Div.apply(_check_operand("div", other), self)

    def __pow__(self, other):
        return arithmetic.Pow.apply(self, _check_operand("pow", other))

    def __rpow__(self, other):
        return arithmetic.Pow.apply(_check_operand("pow", other), self)

    def __neg__(self):
        return arithmetic.Neg.apply(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return unary.Abs.apply(self)

    def __matmul__(self, other):
        return linalg.MatMul.apply(self, _check_operand("matmul", other))

    def __rmatmul__(self, other):
        return linalg.MatMul.apply(_check_operand("matmul", other), self)

    def __floordiv__(self, other):
        return Tensor(self.data // _unwrap(other))

    def __mod__(self, other):
        return Tensor(self.data % _unwrap(other))

    # In-place operators rebind ``data`` to a new array instead of writing into the old one, so a
    # tensor saved by some graph node (or a .grad shared with another tensor) is never corrupted.
    # They are only allowed where no graph is being recorded through the tensor.
    def _inplace(self, op_name, result):
        if self.requires_grad and self.is_leaf and _grad_enabled():
            raise RuntimeError(
                f"{op_name}: a leaf tensor that requires grad is used in an in-place operation; "
                "wrap the update in chainrule.no_grad()"
            )
        if result.data.dtype != self.data.dtype:
            result_data = result.data.astype(self.data.dtype)
        else:
            result_data = result.data
        if self.grad_fn is not None or result.grad_fn is not None:
            self.grad_fn, self.requires_grad = result.grad_fn, result.requires_grad
        self.data = result_data
        return self

    def __iadd__(self, other):
        return self._inplace("__iadd__", self + other)

    def __isub__(self, other):
        return self._inplace("__isub__", self - other)

    def __imul__(self, other):
        return self._inplace("__imul__", self * other)

    def __itruediv__(self, other):
        return self._inplace("__itruediv__", self / other)

    def add_(self, other, alpha=1):
        return self._inplace("add_", self + (other * alpha if alpha != 1 else other))

    def sub_(self, other, alpha=1):
        return self._inplace("sub_", self - (other * alpha if alpha != 1 else other))

    def mul_(self, other):
        return self._inplace("mul_", self * other)

    def div_(self, other):
        return self._inplace("div_", self / other)

    # ------------------------------------------------------------------ comparisons (no gradient)
    def __eq__(self, other):
        return Tensor(self.data == _unwrap(other))

    def __ne__(self, other):
        return Tensor(self.data != _unwrap(other))

    def __lt__(self, other):
        return Tensor(self.data < _unwrap(other))

    def __le__(self, other):
        return Tensor(self.data <= _unwrap(other))

    def __gt__(self, other):
        return Tensor(self.data > _unwrap(other))

    def __ge__(self, other):
        return Tensor(self.data >= _unwrap(other))

    def __invert__(self):
        return Tensor(~self.data)

    def __and__(self, other):
        return Tensor(self.data & _unwrap(other))

    def __or__(self, other):
        return Tensor(self.data | _unwrap(other))

    def eq(self, other):
        return self == other

    def ne(self, other):
        return self != other

    def lt(self, other):
        return self < other

    def le(self, other):
        return self <= other

    def gt(self, other):
        return self > other

    def ge(self, other):
        return self >= other

    def any(self, dim=None, keepdim=False):
        return Tensor(self.data.any(axis=dim, keepdims=keepdim))

    def all(self, dim=None, keepdim=False):
        return Tensor(self.data.all(axis=dim, keepdims=keepdim))

    def argmax(self, dim=None, keepdim=False):
        return Tensor(reduce.arg_reduce(np.argmax, "argmax", self.data, dim, keepdim))

    def argmin(self, dim=None, keepdim=False):
        return Tensor(reduce.arg_reduce(np.argmin, "argmin", self.data, dim, keepdim))

    def isnan(self):
        return Tensor(np.isnan(self.data))

    def isfinite(self):
        return Tensor(np.isfinite(self.data))

    def sign(self):
        return Tensor(np.sign(self.data))

    def allclose(self, other, rtol=1e-5, atol=1e-8):
        return bool(np.allclose(self.data, _unwrap(other), rtol=rtol, atol=atol))

    # ------------------------------------------------------------------ math methods
    def add(self, other, alpha=1):
        return self + (other * alpha if alpha != 1 else other)

    def sub(self, other, alpha=1):
        return self - (other * alpha if alpha != 1 else other)

    def mul(self, other):
        return self * other

    def div(self, other):
        return self / other

    def pow(self, exponent):
        return self ** exponent

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

    def clamp(self, min=None, max=None):
        return unary.Clamp.apply(self, min=min, max=max)

    clip = clamp

    def maximum(self, other):
        return arithmetic.Maximum.apply(self, _check_operand("maximum", other))

    def minimum(self, other):
        return arithmetic.Minimum.apply(self, _check_operand("minimum", other))

    def softmax(self, dim):
        return fused.Softmax.apply(self, dim=dim)

    def log_softmax(self, dim):
        return fused.LogSoftmax.apply(self, dim=dim)

    # ------------------------------------------------------------------ reductions
    def sum(self, dim=None, keepdim=False):
        return reduce.Sum.apply(self, dim=dim, keepdim=keepdim)

    def mean(self, dim=None, keepdim=False):
        return reduce.Mean.apply(self, dim=dim, keepdim=keepdim)

    def max(self, dim=None, keepdim=False):
        return reduce.max_or_min(self, dim, keepdim, is_max=True)

    def min(self, dim=None, keepdim=False):
        return reduce.max_or_min(self, dim, keepdim, is_max=False)

    # PyTorch's positional order is (dim, unbiased, keepdim): x.var(0, True) means unbiased.
    def var(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        if isinstance(dim, bool):  # x.var(False): the unbiased-only overload
            dim, unbiased = None, dim
        return reduce.Var.apply(self, dim=dim, keepdim=keepdim,
                                correction=reduce.resolve_correction("var", correction, unbiased))

    def std(self, dim=None, unbiased=None, keepdim=False, *, correction=None):
        if isinstance(dim, bool):
            dim, unbiased = None, dim
        return reduce.Std.apply(self, dim=dim, keepdim=keepdim,
                                correction=reduce.resolve_correction("std", correction, unbiased))

    def logsumexp(self, dim, keepdim=False):
        return reduce.LogSumExp.apply(self, dim=dim, keepdim=keepdim)

    def norm(self, p=2, dim=None, keepdim=False):
        if p == 2:
            return unary.Sqrt.apply(reduce.Sum.apply(self * self, dim=dim, keepdim=keepdim))
        if p == 1:
            return reduce.Sum.apply(unary.Abs.apply(self), dim=dim, keepdim=keepdim)
        raise ValueError(f"norm: p={p!r} is not supported; expected 1 or 2")

    # ------------------------------------------------------------------ shape
    def reshape(self, *shape_args):
        return shape.Reshape.apply(self, shape=shape.parse_shape_args("reshape", shape_args))

    def view(self, *shape_args):
        return self.reshape(*shape_args)

    def view_as(self, other):
        return self.reshape(other.shape)

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

    def squeeze(self, dim=None):
        return shape.Squeeze.apply(self, dim=dim)

    def unsqueeze(self, dim):
        return shape.Unsqueeze.apply(self, dim=dim)

    def flatten(self, start_dim=0, end_dim=-1):
        return shape.flatten(self, start_dim, end_dim)

    def split(self, split_size_or_sections, dim=0):
        return shape.split(self, split_size_or_sections, dim)

    def chunk(self, chunks, dim=0):
        return shape.chunk(self, chunks, dim)

    def __getitem__(self, index):
        return shape.GetItem.apply(self, index=shape.normalize_index(index))

    def __setitem__(self, index, value):
        if self.requires_grad and _grad_enabled():
            raise RuntimeError(
                "__setitem__: in-place assignment into a tensor that requires grad is not supported; "
                "build the result with where()/cat() instead, or assign under no_grad()"
            )
        self.data[shape.normalize_index(index)] = _unwrap(value)

    def __iter__(self):
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    def where(self, condition, other):
        """``x.where(cond, y)``: x where cond holds, else y (torch.Tensor.where)."""
        return arithmetic.Where.apply(_unwrap(condition), self, _check_operand("where", other))

    def masked_fill(self, mask, value):
        mask = _unwrap(mask)
        return arithmetic.Where.apply(Tensor(np.asarray(mask, dtype=bool)), Tensor(np.asarray(value, dtype=self.dtype)), self)

    def gather(self, dim, index):
        return shape.Gather.apply(self, dim=dim, index=_unwrap(index))


class _HookHandle:
    def __init__(self, hooks, hook):
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _unwrap(value):
    return value.data if isinstance(value, Tensor) else value


def _grad_enabled() -> bool:
    from .autograd import is_grad_enabled

    return is_grad_enabled()
