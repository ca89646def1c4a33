"""Acceptance tests for PyTorch's in-place semantics: side-by-side parity with ``torch``.

Every ``case_*`` function below is written once against a module ``lib`` that is either ``torch``
or ``chainrule`` (they share the names used here). ``assert_same_behaviour`` runs a case under
both and requires the same observable behaviour:

* if torch raises, chainrule must raise an exception of the same builtin family (RuntimeError,
  TypeError, IndexError, ValueError; torch's NotImplementedError counts as RuntimeError) *from
  the same line of the case*;
* if torch returns, chainrule must return the same structure: tensors compared by dtype name,
  shape and values (float64 rtol 1e-6, float32 rtol 1e-5, integers and bools exactly), Python
  scalars, bools, shapes and dtypes compared by value, ``None`` only matching ``None``.

Cases whose torch outcome is an exception are marked ``@torch_raises(ExcType)``;
``test_case_runs_under_torch`` checks every case's torch outcome against that declaration, so a
typo in a case cannot hide behind both libraries failing the same way.

Error *messages* are never compared; the few chainrule-only message checks are at the end.
"""

from __future__ import annotations

import traceback
import warnings

import numpy as np
import pytest
import torch

import chainrule

# ====================================================================== harness

_ERROR_FAMILIES = (IndexError, TypeError, ValueError, RuntimeError)


def error_family(exc_type):
    """The builtin exception class ``exc_type`` is compared by (torch's NotImplementedError and
    other RuntimeError subclasses map to RuntimeError)."""
    for family in _ERROR_FAMILIES:
        if issubclass(exc_type, family):
            return family
    for klass in exc_type.__mro__:
        if klass.__module__ == "builtins":
            return klass
    return exc_type  # pragma: no cover


class TensorResult:
    """A tensor converted for comparison: dtype name, shape and a private copy of the values."""

    def __init__(self, t):
        array = np.array(t.detach().numpy(), copy=True)
        self.dtype = dtype_name(t.dtype)
        self.shape = tuple(array.shape)
        self.array = array

    def __repr__(self):
        return f"Tensor(dtype={self.dtype}, shape={self.shape}, values={self.array.tolist()})"


class ArrayResult:
    """A NumPy array returned by a case (e.g. from ``.numpy()``)."""

    def __init__(self, a):
        self.dtype = a.dtype.name
        self.shape = tuple(a.shape)
        self.array = np.array(a, copy=True)

    def __repr__(self):
        return f"ndarray(dtype={self.dtype}, shape={self.shape}, values={self.array.tolist()})"


class DTypeResult:
    def __init__(self, name):
        self.name = name

    def __eq__(self, other):
        return isinstance(other, DTypeResult) and other.name == self.name

    def __repr__(self):
        return f"dtype({self.name})"


def dtype_name(dtype) -> str:
    """torch.float32 -> 'float32'; np.dtype('float32') / np.float32 -> 'float32'."""
    if isinstance(dtype, torch.dtype):
        return str(dtype).removeprefix("torch.")
    return np.dtype(dtype).name


def to_np(obj):
    """Convert a case's result (nested dict / tuple / list) into comparable plain values."""
    if obj is None:
        return None
    if isinstance(obj, (torch.Tensor, chainrule.Tensor)):
        return TensorResult(obj)
    if isinstance(obj, np.ndarray):
        return ArrayResult(obj)
    if isinstance(obj, (torch.dtype, np.dtype)) or (isinstance(obj, type) and issubclass(obj, np.generic)):
        return DTypeResult(dtype_name(obj))
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        return float(obj)
    if isinstance(obj, str):
        return obj
    if isinstance(obj, dict):
        return {k: to_np(v) for k, v in obj.items()}
    if isinstance(obj, (tuple, list)):  # torch.Size is a tuple
        return tuple(to_np(v) for v in obj)
    raise TypeError(f"to_np: cannot convert a result of type {type(obj).__name__}: {obj!r}")


def _tolerances(dtype: str):
    if dtype == "float64":
        return 1e-6, 1e-12
    if dtype in ("float32", "float16"):
        return 1e-5, 1e-6
    return 0.0, 0.0


def check(condition, message):
    """``assert`` without pytest's rewriting, so failure reports carry only ``message``."""
    if not condition:
        raise AssertionError(message)


def compare(expected, actual, path="result"):
    """Assert that chainrule's converted result ``actual`` equals torch's ``expected``."""
    if expected is None or actual is None:
        check(expected is None and actual is None, f"{path}: torch gave {expected!r}, chainrule gave {actual!r}")
        return
    if isinstance(expected, (TensorResult, ArrayResult)):
        check(type(actual) is type(expected), f"{path}: torch gave {expected!r}, chainrule gave {actual!r}")
        check(actual.dtype == expected.dtype, f"{path}: dtype {actual.dtype} != torch's {expected.dtype}")
        check(actual.shape == expected.shape, f"{path}: shape {actual.shape} != torch's {expected.shape}")
        rtol, atol = _tolerances(expected.dtype)
        np.testing.assert_allclose(actual.array, expected.array, rtol=rtol, atol=atol, err_msg=path)
        return
    if isinstance(expected, dict):
        check(isinstance(actual, dict), f"{path}: torch gave a dict, chainrule gave {actual!r}")
        check(set(actual) == set(expected), f"{path}: keys {sorted(actual)} != {sorted(expected)}")
        for key in expected:
            compare(expected[key], actual[key], f"{path}[{key!r}]")
        return
    if isinstance(expected, tuple):
        check(
            isinstance(actual, tuple) and len(actual) == len(expected),
            f"{path}: torch gave {expected!r}, chainrule gave {actual!r}",
        )
        for i, (e, a) in enumerate(zip(expected, actual)):
            compare(e, a, f"{path}[{i}]")
        return
    if isinstance(expected, float):
        check(
            isinstance(actual, (float, int)) and not isinstance(actual, bool),
            f"{path}: torch gave {expected!r}, chainrule gave {actual!r}",
        )
        np.testing.assert_allclose(actual, expected, rtol=1e-6, atol=1e-12, err_msg=path)
        return
    check(
        type(actual) is type(expected) and actual == expected,
        f"{path}: torch gave {expected!r}, chainrule gave {actual!r}",
    )


class Outcome:
    def __init__(self, value=None, exc=None, line=None):
        self.value, self.exc, self.line = value, exc, line

    def describe(self):
        if self.exc is None:
            return f"returned {self.value!r}"
        return f"raised {type(self.exc).__name__} at case line {self.line}: {self.exc}"


def _case_line(case, tb):
    """The line of ``case`` from which the exception propagated."""
    line = None
    while tb is not None:
        if tb.tb_frame.f_code is case.__code__:
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def run_case(case, lib) -> Outcome:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. torch's "accessing .grad of a non-leaf" warning
            result = case(lib)
    except Exception as exc:  # noqa: BLE001 - the exception is the outcome being compared
        return Outcome(exc=exc, line=_case_line(case, exc.__traceback__))
    return Outcome(value=to_np(result))


def _check_same(expected, actual):
    if expected.exc is not None:
        family = error_family(type(expected.exc))
        check(
            actual.exc is not None,
            f"torch raised {type(expected.exc).__name__} ({expected.exc}) at case line {expected.line}; "
            f"chainrule {actual.describe()}",
        )
        check(
            isinstance(actual.exc, family),
            f"torch raised {type(expected.exc).__name__} (family {family.__name__}); chainrule {actual.describe()}",
        )
        check(actual.line == expected.line, f"torch raised at case line {expected.line}; chainrule {actual.describe()}")
        return
    check(actual.exc is None, f"torch {expected.describe()}; chainrule {actual.describe()}")
    compare(expected.value, actual.value)


def assert_same_behaviour(case):
    expected = run_case(case, torch)
    declared = getattr(case, "torch_raises", None)
    if declared is None:
        assert expected.exc is None, f"the case is broken under torch: {expected.describe()}"
    else:
        assert isinstance(expected.exc, declared), (
            f"torch was expected to raise {declared.__name__}, but {expected.describe()}"
        )
    actual = run_case(case, chainrule)
    try:
        _check_same(expected, actual)
    except AssertionError as failure:
        message = f"{case.__name__}: {failure}"
    else:
        return
    # Reported without pytest's traceback (rendering hundreds of them dominates the run time);
    # where chainrule raised, its own traceback is the useful one, so it is appended.
    if actual.exc is not None:
        message += "\n\nchainrule traceback:\n" + "".join(
            traceback.format_exception(type(actual.exc), actual.exc, actual.exc.__traceback__)
        )
    pytest.fail(message, pytrace=False)


def torch_raises(exc_type):
    """Declare that the decorated case raises ``exc_type`` under torch."""

    def mark(case):
        case.torch_raises = exc_type
        return case

    return mark


# ====================================================================== small helpers (no lib branches)


def f64(lib, data, requires_grad=False):
    return lib.tensor(data, dtype=lib.float64, requires_grad=requires_grad)


def f32(lib, data):
    return lib.tensor(data, dtype=lib.float32)


def all_equal(a, b) -> bool:
    return bool((a == b).all().item())


# ====================================================================== 1. every in-place method, four contexts

POS = [0.3, 0.6, 1.2, 0.9]  # positive: log_, sqrt_, pow_ with a tensor exponent
MIXED = [0.3, -0.6, 1.2, -0.9]  # signs matter: abs_, clamp_, relu_
OPERAND = [0.5, -1.5, 2.0, 0.25]  # never zero (div)
EXPONENT = [0.5, 1.5, 2.0, 3.0]
WEIGHTS = [1.0, 2.0, 3.0, 4.0]  # loss = (y * WEIGHTS).sum(), so each element's gradient differs
MASK = [True, False, True, False]


def _op_iadd_scalar(lib, t, o):
    t += 2.0
    return t


def _op_iadd(lib, t, o):
    t += o
    return t


def _op_isub(lib, t, o):
    t -= o
    return t


def _op_imul(lib, t, o):
    t *= o
    return t


def _op_idiv(lib, t, o):
    t /= o
    return t


def _op_imul_scalar(lib, t, o):
    t *= -3
    return t


def _op_setitem_int(lib, t, o):
    t[1] = 5.0
    return t


def _op_setitem_neg_int(lib, t, o):
    t[-1] = -2.0
    return t


def _op_setitem_slice(lib, t, o):
    t[1:3] = 0.5
    return t


def _op_setitem_slice_tensor(lib, t, o):
    t[1:3] = o[:2]
    return t


def _op_setitem_int_tensor(lib, t, o):
    t[2] = o[3]
    return t


def _op_setitem_mask(lib, t, o):
    t[lib.tensor(MASK)] = 0.0
    return t


def _op_setitem_mask_tensor(lib, t, o):
    mask = lib.tensor(MASK)
    t[mask] = o[mask]
    return t


def _op_setitem_index_array(lib, t, o):
    t[lib.tensor([0, 2])] = -1.0
    return t


def _op_setitem_index_array_tensor(lib, t, o):
    t[lib.tensor([3, 0])] = o[1:3]
    return t


def _op_setitem_ellipsis(lib, t, o):
    t[...] = o
    return t


# name -> (input data, op(lib, t, o) -> whatever the op returns)
INPLACE_OPS = {
    "iadd_scalar": (MIXED, _op_iadd_scalar),
    "iadd_tensor": (MIXED, _op_iadd),
    "isub_tensor": (MIXED, _op_isub),
    "imul_tensor": (MIXED, _op_imul),
    "imul_scalar": (MIXED, _op_imul_scalar),
    "idiv_tensor": (MIXED, _op_idiv),
    "add_": (MIXED, lambda lib, t, o: t.add_(o)),
    "add_scalar": (MIXED, lambda lib, t, o: t.add_(3)),
    "add_alpha": (MIXED, lambda lib, t, o: t.add_(o, alpha=-2.5)),
    "sub_": (MIXED, lambda lib, t, o: t.sub_(o)),
    "sub_alpha": (MIXED, lambda lib, t, o: t.sub_(o, alpha=0.5)),
    "mul_": (MIXED, lambda lib, t, o: t.mul_(o)),
    "mul_scalar": (MIXED, lambda lib, t, o: t.mul_(-2)),
    "div_": (MIXED, lambda lib, t, o: t.div_(o)),
    "div_scalar": (MIXED, lambda lib, t, o: t.div_(4)),
    "pow_scalar": (MIXED, lambda lib, t, o: t.pow_(3)),
    "pow_tensor": (POS, lambda lib, t, o: t.pow_(lib.tensor(EXPONENT, dtype=o.dtype))),
    "neg_": (MIXED, lambda lib, t, o: t.neg_()),
    "exp_": (MIXED, lambda lib, t, o: t.exp_()),
    "log_": (POS, lambda lib, t, o: t.log_()),
    "sqrt_": (POS, lambda lib, t, o: t.sqrt_()),
    "abs_": (MIXED, lambda lib, t, o: t.abs_()),
    "clamp_min_max": (MIXED, lambda lib, t, o: t.clamp_(min=-0.5, max=1.0)),
    "clamp_min": (MIXED, lambda lib, t, o: t.clamp_(min=0.2)),
    "clamp_max": (MIXED, lambda lib, t, o: t.clamp_(max=0.35)),
    "relu_": (MIXED, lambda lib, t, o: t.relu_()),
    "sigmoid_": (MIXED, lambda lib, t, o: t.sigmoid_()),
    "tanh_": (MIXED, lambda lib, t, o: t.tanh_()),
    "fill_": (MIXED, lambda lib, t, o: t.fill_(7.0)),
    "zero_": (MIXED, lambda lib, t, o: t.zero_()),
    "copy_": (MIXED, lambda lib, t, o: t.copy_(o)),
    "masked_fill_": (MIXED, lambda lib, t, o: t.masked_fill_(lib.tensor(MASK), -1.0)),
    "setitem_int": (MIXED, _op_setitem_int),
    "setitem_negative_int": (MIXED, _op_setitem_neg_int),
    "setitem_int_tensor_value": (MIXED, _op_setitem_int_tensor),
    "setitem_slice": (MIXED, _op_setitem_slice),
    "setitem_slice_tensor_value": (MIXED, _op_setitem_slice_tensor),
    "setitem_mask": (MIXED, _op_setitem_mask),
    "setitem_mask_tensor_value": (MIXED, _op_setitem_mask_tensor),
    "setitem_index_array": (MIXED, _op_setitem_index_array),
    "setitem_index_array_tensor_value": (MIXED, _op_setitem_index_array_tensor),
    "setitem_ellipsis_tensor_value": (MIXED, _op_setitem_ellipsis),
}


def _make_graph_case(name, data, op):
    def case(lib):
        # A non-leaf in the middle of a graph: values and the leaves' gradients after backward.
        x = f64(lib, data, requires_grad=True)
        o = f64(lib, OPERAND, requires_grad=True)
        y = x * 1.5
        returned = op(lib, y, o)
        out = {"y": y, "returned_self": returned is y, "requires_grad": y.requires_grad, "is_leaf": y.is_leaf}
        (y * f64(lib, WEIGHTS)).sum().backward()
        out.update(x_grad=x.grad, o_grad=o.grad)
        return out

    case.__name__ = case.__qualname__ = f"case_{name}_on_nonleaf"
    return case


def _make_plain_case(name, data, op):
    def case(lib):
        # A plain float32 tensor: the write lands in the tensor's memory (a view sees it).
        t = f32(lib, data)
        view = t[:]
        returned = op(lib, t, f32(lib, OPERAND))
        return {
            "t": t,
            "view": view,
            "returned_self": returned is t,
            "requires_grad": t.requires_grad,
            "is_leaf": t.is_leaf,
            "grad_fn_is_none": t.grad_fn is None,
        }

    case.__name__ = case.__qualname__ = f"case_{name}_on_plain_tensor"
    return case


def _make_no_grad_case(name, data, op):
    def case(lib):
        # Allowed on a leaf that requires grad under no_grad; it stays a leaf and later
        # graphs see the new values.
        x = f64(lib, data, requires_grad=True)
        alias = x.detach()
        with lib.no_grad():
            returned = op(lib, x, f64(lib, OPERAND))
        out = {
            "x": x,
            "alias": alias,
            "returned_self": returned is x,
            "requires_grad": x.requires_grad,
            "is_leaf": x.is_leaf,
            "grad_fn_is_none": x.grad_fn is None,
        }
        (x * x).sum().backward()
        out["x_grad"] = x.grad
        return out

    case.__name__ = case.__qualname__ = f"case_{name}_on_leaf_under_no_grad"
    return case


def _make_leaf_case(name, data, op):
    @torch_raises(RuntimeError)
    def case(lib):
        # "a leaf Variable that requires grad is being used in an in-place operation."
        x = f64(lib, data, requires_grad=True)
        op(lib, x, f64(lib, OPERAND))
        return x

    case.__name__ = case.__qualname__ = f"case_{name}_on_leaf_requiring_grad_raises"
    return case


INPLACE_MATRIX = []
for _name, (_data, _op) in INPLACE_OPS.items():
    INPLACE_MATRIX += [
        _make_graph_case(_name, _data, _op),
        _make_plain_case(_name, _data, _op),
        _make_no_grad_case(_name, _data, _op),
        _make_leaf_case(_name, _data, _op),
    ]


# uniform_ / normal_: values are random, so only shape, dtype, "values changed" and memory sharing.


def case_uniform__on_plain_tensor(lib):
    t = f32(lib, [5.0] * 6).view(2, 3)
    view = t.view(6)
    returned = t.uniform_(-1.0, 2.0)
    return {
        "shape": t.shape,
        "dtype": t.dtype,
        "returned_self": returned is t,
        "changed": not all_equal(t, f32(lib, [5.0] * 6).view(2, 3)),
        "in_range": bool(((t >= -1.0) & (t < 2.0)).all().item()),
        "view_shares": all_equal(view, t.reshape(6)),
        "requires_grad": t.requires_grad,
    }


def case_normal__on_plain_tensor(lib):
    t = f64(lib, [5.0] * 6).view(2, 3)
    view = t.view(6)
    returned = t.normal_(0.0, 1.0)
    return {
        "shape": t.shape,
        "dtype": t.dtype,
        "returned_self": returned is t,
        "changed": not all_equal(t, f64(lib, [5.0] * 6).view(2, 3)),
        "view_shares": all_equal(view, t.reshape(6)),
    }


def case_uniform__on_nonleaf(lib):
    x = f64(lib, POS, requires_grad=True)
    y = x * 1.5
    y.uniform_()
    (y * f64(lib, WEIGHTS)).sum().backward()
    return {"shape": y.shape, "dtype": y.dtype, "requires_grad": y.requires_grad, "x_grad": x.grad}


def case_normal__on_nonleaf(lib):
    x = f64(lib, POS, requires_grad=True)
    y = x * 1.5
    y.normal_()
    (y * f64(lib, WEIGHTS)).sum().backward()
    return {"shape": y.shape, "dtype": y.dtype, "requires_grad": y.requires_grad, "x_grad": x.grad}


def case_uniform__on_leaf_under_no_grad(lib):
    x = f64(lib, [5.0] * 4, requires_grad=True)
    alias = x.detach()
    with lib.no_grad():
        x.uniform_()
    return {
        "changed": not all_equal(alias, f64(lib, [5.0] * 4)),
        "alias_shares": all_equal(alias, x.detach()),
        "is_leaf": x.is_leaf,
        "requires_grad": x.requires_grad,
    }


@torch_raises(RuntimeError)
def case_uniform__on_leaf_requiring_grad_raises(lib):
    x = f64(lib, POS, requires_grad=True)
    x.uniform_()


@torch_raises(RuntimeError)
def case_normal__on_leaf_requiring_grad_raises(lib):
    x = f64(lib, POS, requires_grad=True)
    x.normal_()


# More in-place details.


def case_fill__with_0dim_tensor_requiring_grad(lib):
    x = f64(lib, POS, requires_grad=True)
    v = f64(lib, 2.5, requires_grad=True)
    y = x * 1.0
    y.fill_(v)
    (y * f64(lib, WEIGHTS)).sum().backward()
    return {"y": y, "x_grad": x.grad, "v_grad": v.grad}


def case_copy__broadcasts_source(lib):
    t = lib.zeros(2, 3, dtype=lib.float64)
    t.copy_(f64(lib, [1.0, 2.0, 3.0]))
    return t


def case_copy__converts_dtype(lib):
    t32 = lib.zeros(2, dtype=lib.float32)
    t32.copy_(f64(lib, [1.25, -2.5]))
    ints = lib.zeros(2, dtype=lib.int64)
    ints.copy_(f64(lib, [1.7, -1.7]))
    return {"float32": t32, "int64": ints}


def case_copy__into_plain_tensor_from_tensor_requiring_grad(lib):
    t = lib.zeros(4, dtype=lib.float64)
    o = f64(lib, OPERAND, requires_grad=True)
    t.copy_(o)
    out = {"requires_grad": t.requires_grad, "is_leaf": t.is_leaf}
    (t * t).sum().backward()
    out["o_grad"] = o.grad
    return out


def case_add__into_plain_tensor_from_tensor_requiring_grad(lib):
    t = f64(lib, [1.0, 1.0, 1.0, 1.0])
    o = f64(lib, OPERAND, requires_grad=True)
    t.add_(o)
    out = {"t": t, "requires_grad": t.requires_grad, "is_leaf": t.is_leaf}
    (t * t).sum().backward()
    out["o_grad"] = o.grad
    return out


def case_masked_fill__2d_row_mask_broadcast(lib):
    x = f64(lib, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    y = x * 2
    y.masked_fill_(lib.tensor([True, False, True]), 0.0)
    y.sum().backward()
    return {"y": y, "x_grad": x.grad}


def case_setitem_2d_row_and_column(lib):
    x = f64(lib, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    row = f64(lib, [7.0, 8.0, 9.0], requires_grad=True)
    y = x * 1.0
    y[0] = row
    y[:, 1] = 0.0
    (y * f64(lib, [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])).sum().backward()
    return {"y": y, "x_grad": x.grad, "row_grad": row.grad}


def case_setitem_broadcast_0dim_value_requiring_grad(lib):
    x = f64(lib, POS, requires_grad=True)
    v = f64(lib, 3.0, requires_grad=True)
    y = x * 1.0
    y[1:3] = v
    (y * f64(lib, WEIGHTS)).sum().backward()
    return {"y": y, "x_grad": x.grad, "v_grad": v.grad}


def case_setitem_list_index(lib):
    t = f64(lib, [0.0, 0.0, 0.0, 0.0])
    t[[0, 3]] = 1.0
    return t


def case_setitem_float_into_int_tensor_truncates(lib):
    t = lib.tensor([1, 2, 3])
    t[0] = 2.7
    t[1:] = 9
    return t


def case_iadd_int_tensor_with_int(lib):
    t = lib.tensor([1, 2, 3])
    t += 2
    t.mul_(3)
    return t


def case_inplace_chain_returns_self(lib):
    x = f64(lib, POS, requires_grad=True)
    y = x * 1.0
    z = y.add_(1.0).mul_(2.0).pow_(2)
    out = {"z_is_y": z is y, "y": y}
    y.sum().backward()
    out["x_grad"] = x.grad
    return out


def case_inplace_on_0dim_sum(lib):
    x = f64(lib, POS, requires_grad=True)
    s = (x * 2).sum()
    s += 1.0
    s *= 3.0
    s.backward()
    return {"s": s, "x_grad": x.grad}


# ====================================================================== 2. memory sharing


def case_view_sees_base_write_and_base_sees_view_write(lib):
    x = lib.zeros(2, 3, dtype=lib.float64)
    v = x.view(6)
    x.add_(1.0)
    v[0] = 5.0
    return {"x": x, "v": v}


def case_reshape_of_contiguous_is_a_view(lib):
    x = lib.zeros(2, 3, dtype=lib.float64)
    r = x.reshape(3, 2)
    x[1, 2] = 4.0
    r.mul_(2.0).add_(1.0)
    return {"x": x, "r": r}


def case_reshape_of_transposed_is_a_copy(lib):
    x = lib.zeros(2, 3, dtype=lib.float64)
    r = x.t().reshape(6)
    x.add_(1.0)
    return {"x": x, "r": r}


def case_slice_views(lib):
    x = lib.zeros(3, 4, dtype=lib.float64)
    rows = x[1:]
    col = x[:, 2]
    x.add_(1.0)
    col.mul_(3.0)
    rows[0, 0] = -1.0
    return {"x": x, "rows": rows, "col": col}


def case_int_index_is_a_view(lib):
    x = lib.zeros(2, 3, dtype=lib.float64)
    row = x[0]
    row[1] = 7.0
    row.add_(1.0)
    return {"x": x, "row": row}


def case_transpose_and_T_views(lib):
    x = lib.zeros(2, 3, dtype=lib.float64)
    t = x.transpose(0, 1)
    tt = x.T
    t[0, 1] = 5.0
    tt[2, 0] = 6.0
    x.add_(1.0)
    return {"x": x, "t": t, "T": tt}


def case_permute_unsqueeze_squeeze_flatten_views(lib):
    x = lib.zeros(2, 3, dtype=lib.float64)
    p = x.permute(1, 0)
    u = x.unsqueeze(0)
    s = u.squeeze(0)
    fl = x.flatten()
    x.add_(2.0)
    fl[0] = -1.0
    return {"p": p, "u": u, "s": s, "flat": fl, "x": x}


def case_expand_reads_the_base(lib):
    x = f64(lib, [1.0, 2.0, 3.0])
    e = x.expand(2, 3)
    x.mul_(10.0)
    return e


def case_view_of_view_and_sibling_views(lib):
    x = lib.zeros(3, 4, dtype=lib.float64)
    a = x[:, 0]
    b = x[0]
    c = x[1:].T[0]
    a.fill_(3.0)
    c.add_(1.0)
    return {"a": a, "b": b, "c": c, "x": x}


def case_detach_shares_memory_both_ways(lib):
    x = f64(lib, POS, requires_grad=True)
    d = x.detach()
    d.mul_(2.0)
    with lib.no_grad():
        x.add_(1.0)
    return {"x": x, "d": d, "d_requires_grad": d.requires_grad}


def case_numpy_shares_memory_both_ways(lib):
    t = lib.zeros(3, dtype=lib.float64)
    a = t.numpy()
    t.add_(1.0)
    seen = a.copy()
    a[0] = 9.0
    return {"seen_by_array": seen, "t": t}


def case_numpy_of_detached_leaf_shares_memory(lib):
    x = f64(lib, POS, requires_grad=True)
    a = x.detach().numpy()
    with lib.no_grad():
        x.mul_(2.0)
    return a.copy()


def case_from_numpy_shares_memory_both_ways(lib):
    a = np.zeros(4)
    t = lib.from_numpy(a)
    t.add_(1.0)
    t[1] = 5.0
    seen = a.copy()
    a[3] = -2.0
    return {"seen_by_array": seen, "t": t, "dtype": t.dtype}


def case_from_numpy_then_view_then_array_write(lib):
    a = np.arange(6.0)
    v = lib.from_numpy(a).view(2, 3)
    a *= 2
    return v


def case_advanced_index_is_a_copy(lib):
    x = lib.zeros(4, dtype=lib.float64)
    picked = x[lib.tensor([0, 1])]
    masked = x[lib.tensor(MASK)]
    x.add_(1.0)
    return {"picked": picked, "masked": masked}


def case_clone_is_a_copy(lib):
    x = lib.zeros(3, dtype=lib.float64)
    c = x.clone()
    x.add_(1.0)
    return c


def case_contiguous_of_contiguous_shares(lib):
    x = lib.zeros(3, dtype=lib.float64)
    c = x.contiguous()
    x.add_(1.0)
    return c


@torch_raises(RuntimeError)
def case_view_of_transposed_raises(lib):
    x = lib.zeros(2, 3)
    return x.t().view(-1)


def case_view_of_transposed_contiguous_works(lib):
    x = lib.arange(6.0).reshape(2, 3)
    return x.t().contiguous().view(-1)


def case_view_of_leaf_modified_under_no_grad(lib):
    x = f64(lib, [[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    v = x.view(4)
    with lib.no_grad():
        x.mul_(2.0)
    return {"v": v, "v_requires_grad": v.requires_grad, "v_is_leaf": v.is_leaf}


# ====================================================================== 3. history rebased correctly


def case_loss_accumulated_with_iadd_in_a_loop(lib):
    w = f64(lib, [1.0, 2.0], requires_grad=True)
    loss = 0
    for k in (1.0, 2.0, 3.0):
        loss += (w * k).sum()
    loss.backward()
    return {"loss": loss, "w_grad": w.grad}


def case_iadd_on_nonleaf(lib):
    x = f64(lib, [1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    y += 1
    y.sum().backward()
    return {"y": y, "x_grad": x.grad, "is_leaf": y.is_leaf}


def case_residual_linear_iadd(lib):
    F = lib.nn.functional
    x = f64(lib, [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6], [-0.7, 0.8, 0.9], [1.0, -1.1, 1.2]], requires_grad=True)
    W = f64(lib, [[0.5, -0.1, 0.2], [0.3, 0.4, -0.5], [-0.2, 0.6, 0.1]], requires_grad=True)
    out = F.linear(x, W)
    out += x
    out.pow(2).sum().backward()
    return {"out": out, "x_grad": x.grad, "W_grad": W.grad}


def case_residual_linear_with_bias_add_(lib):
    F = lib.nn.functional
    x = f64(lib, [[0.1, -0.2, 0.3], [0.4, 0.5, -0.6]], requires_grad=True)
    W = f64(lib, [[0.5, -0.1, 0.2], [0.3, 0.4, -0.5], [-0.2, 0.6, 0.1]], requires_grad=True)
    b = f64(lib, [0.1, 0.2, 0.3], requires_grad=True)
    h = F.linear(x, W, b)
    h.add_(x).relu_()
    h.pow(2).sum().backward()
    return {"h": h, "x_grad": x.grad, "W_grad": W.grad, "b_grad": b.grad}


@torch_raises(RuntimeError)
def case_imul_on_saved_exp_output_raises_on_backward(lib):
    x = f64(lib, [1.0, 2.0, 3.0], requires_grad=True)
    y = x.exp()
    y *= 2
    y.sum().backward()


@torch_raises(RuntimeError)
def case_add__on_saved_sigmoid_output_raises_on_backward(lib):
    x = f64(lib, [1.0, 2.0, 3.0], requires_grad=True)
    y = x.sigmoid()
    y.add_(1.0)
    y.sum().backward()


@torch_raises(RuntimeError)
def case_inplace_on_saved_pow_input_raises_on_backward(lib):
    x = f64(lib, [1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1.0
    z = y.pow(2)
    y.add_(1.0)
    z.sum().backward()


@torch_raises(RuntimeError)
def case_mul__by_itself_raises_on_backward(lib):
    x = f64(lib, [1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1.0
    y.mul_(y)
    y.sum().backward()


def case_mul__by_leaf_on_nonleaf(lib):
    x = f64(lib, [1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1.5
    y.mul_(x)
    y.sum().backward()
    return {"y": y, "x_grad": x.grad}


def case_setitem_mask_zero_on_nonleaf(lib):
    x = f64(lib, [1.0, -2.0, 3.0, -4.0], requires_grad=True)
    y = x * 2
    y[y < 0] = 0.0
    (y * f64(lib, WEIGHTS)).sum().backward()
    return {"y": y, "x_grad": x.grad}


def case_slice_imul_on_nonleaf(lib):
    x = f64(lib, [1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = x * 1.0
    y[1:3] *= 3
    (y * f64(lib, WEIGHTS)).sum().backward()
    return {"y": y, "x_grad": x.grad}


def case_index_iadd_tensor_requiring_grad(lib):
    x = f64(lib, [1.0, 2.0, 3.0, 4.0], requires_grad=True)
    v = f64(lib, 0.5, requires_grad=True)
    y = x * 1.0
    y[0] += v
    (y * f64(lib, WEIGHTS)).sum().backward()
    return {"y": y, "x_grad": x.grad, "v_grad": v.grad}


def case_setitem_value_requiring_grad(lib):
    x = f64(lib, [1.0, 2.0, 3.0, 4.0], requires_grad=True)
    v = f64(lib, 10.0, requires_grad=True)
    y = x * 2
    y[2] = v * 3
    (y * f64(lib, WEIGHTS)).sum().backward()
    return {"y": y, "x_grad": x.grad, "v_grad": v.grad}


def case_clone_then_setitem_value_requiring_grad(lib):
    x = f64(lib, [1.0, 2.0, 3.0], requires_grad=True)
    v = f64(lib, 5.0, requires_grad=True)
    y = x.clone()
    y[0] = v
    (y * y).sum().backward()
    return {"y": y, "x": x, "x_grad": x.grad, "v_grad": v.grad}


def case_setitem_index_array_values_requiring_grad(lib):
    x = f64(lib, [1.0, 2.0, 3.0, 4.0], requires_grad=True)
    v = f64(lib, [7.0, 8.0], requires_grad=True)
    y = x * 1.0
    y[lib.tensor([3, 1])] = v
    (y * f64(lib, WEIGHTS)).sum().backward()
    return {"y": y, "x_grad": x.grad, "v_grad": v.grad}


def case_masked_fill_with_0dim_value_requiring_grad(lib):
    x = f64(lib, [1.0, 2.0, 3.0, 4.0], requires_grad=True)
    v = f64(lib, -1.0, requires_grad=True)
    y = x.masked_fill(lib.tensor(MASK), v)
    (y * f64(lib, WEIGHTS)).sum().backward()
    return {"y": y, "x_grad": x.grad, "v_grad": v.grad}


def case_masked_fill__with_0dim_value_requiring_grad(lib):
    x = f64(lib, [1.0, 2.0, 3.0, 4.0], requires_grad=True)
    v = f64(lib, -1.0, requires_grad=True)
    y = x * 2
    y.masked_fill_(lib.tensor(MASK), v)
    (y * f64(lib, WEIGHTS)).sum().backward()
    return {"y": y, "x_grad": x.grad, "v_grad": v.grad}


def case_inplace_through_view_of_nonleaf(lib):
    x = f64(lib, [1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = x * 1
    v = y[1:3]
    v.mul_(3)
    (y * f64(lib, WEIGHTS)).sum().backward()
    return {"y": y, "v": v, "x_grad": x.grad, "y_is_leaf": y.is_leaf}


def case_view_used_after_base_modified_in_place(lib):
    x = f64(lib, [1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = x * 1
    v = y[0:2]
    y.mul_(2)
    (v * f64(lib, [1.0, 10.0])).sum().backward()
    return {"v": v, "x_grad": x.grad}


def case_view_in_graph_then_base_setitem(lib):
    x = f64(lib, [[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x * 1
    t = y.t()
    y[0, 1] = 0.0
    (t * f64(lib, [[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    return {"t": t, "x_grad": x.grad}


def case_inplace_under_no_grad_on_nonleaf(lib):
    x = f64(lib, [1.0, 2.0, 3.0], requires_grad=True)
    y = x * 2
    with lib.no_grad():
        y.add_(1.0)
    out = {"y": y, "requires_grad": y.requires_grad, "is_leaf": y.is_leaf}
    y.sum().backward()
    out["x_grad"] = x.grad
    return out


@torch_raises(RuntimeError)
def case_inplace_on_expanded_plain_tensor_raises(lib):
    x = lib.zeros(3, dtype=lib.float64)
    e = x.expand(2, 3)
    e.add_(1.0)


@torch_raises(RuntimeError)
def case_inplace_on_expanded_nonleaf_raises(lib):
    x = f64(lib, [1.0, 2.0, 3.0], requires_grad=True)
    e = (x * 1).expand(4, 3)
    e.mul_(2.0)


def case_inplace_on_an_empty_tensor_is_allowed(lib):
    # NumPy gives an empty array zero strides ((12, 0) has strides (0, 0)), yet nothing aliases
    x = lib.zeros(12, 0, dtype=lib.float64)
    x.uniform_(-1.0, 1.0)
    x.add_(1.0)
    return x


@torch_raises(RuntimeError)
def case_setitem_on_view_of_leaf_requiring_grad_raises(lib):
    x = f64(lib, [1.0, 2.0, 3.0], requires_grad=True)
    x[0] = 1.0


@torch_raises(RuntimeError)
def case_mul__on_slice_of_leaf_requiring_grad_raises(lib):
    x = f64(lib, [1.0, 2.0, 3.0], requires_grad=True)
    x[:2].mul_(2)


@torch_raises(RuntimeError)
def case_add__on_reshape_of_leaf_requiring_grad_raises(lib):
    x = f64(lib, [[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x.reshape(4).add_(1.0)


def case_view_of_leaf_modified_under_no_grad_then_backward(lib):
    x = f64(lib, [1.0, 2.0, 3.0], requires_grad=True)
    with lib.no_grad():
        x[:2].mul_(2)
    (x * x).sum().backward()
    return {"x": x, "x_grad": x.grad, "is_leaf": x.is_leaf}


# ====================================================================== 4. version counters


def case_version_unsaved_plain_tensor_modified_is_fine(lib):
    a = f64(lib, [1.0, 2.0, 3.0])
    w = f64(lib, [0.5, 0.5, 0.5], requires_grad=True)
    z = (a + w).sum()
    a.mul_(2)
    z.backward()
    return {"z": z, "w_grad": w.grad}


@torch_raises(RuntimeError)
def case_version_saved_plain_tensor_modified_raises(lib):
    a = f64(lib, [1.0, 2.0, 3.0])
    w = f64(lib, [0.5, 0.5, 0.5], requires_grad=True)
    z = (a * w).sum()
    a.mul_(2)
    z.backward()


@torch_raises(RuntimeError)
def case_version_saved_tensor_modified_through_view_raises(lib):
    a = f64(lib, [1.0, 2.0, 3.0])
    w = f64(lib, [0.5, 0.5, 0.5], requires_grad=True)
    z = (a * w).sum()
    a[0:1].mul_(2)
    z.backward()


@torch_raises(RuntimeError)
def case_version_saved_tensor_modified_through_setitem_raises(lib):
    a = f64(lib, [1.0, 2.0, 3.0])
    w = f64(lib, [0.5, 0.5, 0.5], requires_grad=True)
    z = (a * w).sum()
    a[1] = 0.0
    z.backward()


@torch_raises(RuntimeError)
def case_version_saved_tensor_modified_through_base_raises(lib):
    base = f64(lib, [1.0, 2.0, 3.0, 4.0])
    a = base[1:]
    w = f64(lib, [0.5, 0.5, 0.5], requires_grad=True)
    z = (a * w).sum()
    base.add_(1.0)
    z.backward()


@torch_raises(RuntimeError)
def case_version_saved_tensor_modified_through_detach_raises(lib):
    x = f64(lib, [1.0, 2.0, 3.0], requires_grad=True)
    w = f64(lib, [0.5, 0.5, 0.5], requires_grad=True)
    z = (x * w).sum()
    x.detach().zero_()
    z.backward()


@torch_raises(RuntimeError)
def case_version_saved_leaf_modified_under_no_grad_raises(lib):
    w = f64(lib, [1.0, 2.0, 3.0], requires_grad=True)
    z = (w * w).sum()
    with lib.no_grad():
        w.sub_(0.1)
    z.backward()


@torch_raises(RuntimeError)
def case_version_saved_nonleaf_modified_under_no_grad_raises(lib):
    x = f64(lib, [1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    z = (y * y).sum()
    with lib.no_grad():
        y.add_(1.0)
    z.backward()


def case_version_unsaved_nonleaf_modified_is_fine(lib):
    x = f64(lib, [1.0, 2.0, 3.0], requires_grad=True)
    w = f64(lib, [0.5, 0.5, 0.5], requires_grad=True)
    y = x + 1
    z = (y + w).sum()
    y.add_(5.0)
    unrelated = lib.ones(3)
    unrelated.mul_(4.0)
    z.backward()
    return {"z": z, "x_grad": x.grad, "w_grad": w.grad}


def case_version_scalar_mul_does_not_save_its_input(lib):
    x = f64(lib, [1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    z = y * 2
    y.add_(5.0)
    z.sum().backward()
    return {"z": z, "x_grad": x.grad}


def case_version_increments_on_each_inplace_write(lib):
    t = lib.zeros(3)
    versions = [t._version]
    t.add_(1.0)
    versions.append(t._version)
    t.mul_(2.0)
    versions.append(t._version)
    t += 1.0
    versions.append(t._version)
    t[0] = 5.0
    versions.append(t._version)
    t[lib.tensor([True, False, True])] = 2.0
    versions.append(t._version)
    t[lib.tensor([0, 1])] = 3.0
    versions.append(t._version)
    t.fill_(1.0)
    versions.append(t._version)
    t.zero_()
    versions.append(t._version)
    t.copy_(lib.ones(3))
    versions.append(t._version)
    return versions


def case_version_not_bumped_by_out_of_place_ops(lib):
    t = lib.zeros(3)
    t + 1
    t.exp()
    t.reshape(3)
    t.clone().add_(1.0)
    t.view(3)
    return t._version


def case_version_shared_by_views_and_detach(lib):
    t = lib.zeros(2, 3)
    v = t.view(6)
    s = t[0]
    d = t.detach()
    t.add_(1.0)
    s.mul_(2.0)
    d[1, 1] = 3.0
    return {"t": t._version, "view": v._version, "slice": s._version, "detach": d._version}


def case_version_of_nonleaf_outputs(lib):
    x = f64(lib, [1.0, 2.0], requires_grad=True)
    y = x * 2
    before = y._version
    y.add_(1.0)
    y.mul_(3.0)
    return {"before": before, "after": y._version, "x": x._version}


def case_version_under_no_grad_also_bumps(lib):
    x = f64(lib, [1.0, 2.0], requires_grad=True)
    with lib.no_grad():
        x.add_(1.0)
        x[0] = 0.0
    return x._version


def case_retain_graph_second_backward_accumulates(lib):
    a = f64(lib, [1.0, 2.0, 3.0])
    w = f64(lib, [0.5, 0.5, 0.5], requires_grad=True)
    z = (a * w).sum()
    z.backward(retain_graph=True)
    z.backward()
    return w.grad


@torch_raises(RuntimeError)
def case_retain_graph_second_backward_after_modification_raises(lib):
    a = f64(lib, [1.0, 2.0, 3.0])
    w = f64(lib, [0.5, 0.5, 0.5], requires_grad=True)
    z = (a * w).sum()
    z.backward(retain_graph=True)
    a.add_(1.0)
    z.backward()


@torch_raises(RuntimeError)
def case_second_backward_without_retain_graph_raises(lib):
    w = f64(lib, [0.5, 0.5, 0.5], requires_grad=True)
    z = (w * w).sum()
    z.backward()
    z.backward()


# ====================================================================== 5. errors


@torch_raises(RuntimeError)
def case_add__broadcast_would_change_shape_raises(lib):
    y = lib.zeros(3)
    y.add_(lib.ones(2, 3))


@torch_raises(RuntimeError)
def case_iadd_broadcast_would_change_shape_raises(lib):
    y = lib.zeros(3)
    y += lib.ones(2, 3)


@torch_raises(RuntimeError)
def case_mul__broadcast_would_change_shape_on_nonleaf_raises(lib):
    x = f64(lib, [1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    y.mul_(lib.ones(2, 3, dtype=lib.float64))


def case_add__broadcasting_other_is_fine(lib):
    y = lib.zeros(2, 3)
    y.add_(lib.arange(3.0))
    y.mul_(f32(lib, [[2.0], [3.0]]))
    return y


@torch_raises(RuntimeError)
def case_int_tensor_add__float_scalar_raises(lib):
    t = lib.tensor([1, 2, 3])
    t.add_(1.7)


@torch_raises(RuntimeError)
def case_int_tensor_iadd_float_scalar_raises(lib):
    t = lib.tensor([1, 2, 3])
    t += 1.5


@torch_raises(RuntimeError)
def case_int_tensor_add__float_tensor_raises(lib):
    t = lib.tensor([1, 2, 3])
    t.add_(f32(lib, [1.0, 2.0, 3.0]))


@torch_raises(RuntimeError)
def case_int_tensor_div__raises(lib):
    t = lib.tensor([2, 4, 6])
    t.div_(2)


def case_float_tensor_add__int_tensor_keeps_dtype(lib):
    t = f32(lib, [1.0, 2.0])
    t.add_(lib.tensor([1, 2]))
    return t


def case_float32_tensor_add__float64_tensor_keeps_dtype(lib):
    t = f32(lib, [1.0, 2.0])
    t.add_(f64(lib, [0.25, 0.5]))
    t *= f64(lib, [2.0, 2.0])
    return t


def _long_logits(lib):
    return lib.tensor([[1, 2, 3], [3, 2, 1]])


@torch_raises(RuntimeError)
def case_cross_entropy_long_input_raises(lib):
    lib.nn.functional.cross_entropy(_long_logits(lib), lib.tensor([0, 2]))


@torch_raises(RuntimeError)
def case_mse_loss_long_inputs_raises(lib):
    lib.nn.functional.mse_loss(_long_logits(lib), _long_logits(lib))


@torch_raises(RuntimeError)
def case_l1_loss_long_inputs_raises(lib):
    lib.nn.functional.l1_loss(_long_logits(lib), _long_logits(lib))


@torch_raises(RuntimeError)
def case_softmax_long_input_raises(lib):
    lib.nn.functional.softmax(_long_logits(lib), dim=1)


@torch_raises(RuntimeError)
def case_log_softmax_long_input_raises(lib):
    lib.nn.functional.log_softmax(_long_logits(lib), dim=1)


@torch_raises(RuntimeError)
def case_nll_loss_long_input_raises(lib):
    lib.nn.functional.nll_loss(_long_logits(lib), lib.tensor([0, 2]))


@torch_raises(RuntimeError)
def case_linear_float64_input_float32_weight_raises(lib):
    lib.nn.functional.linear(lib.ones(2, 3, dtype=lib.float64), lib.ones(4, 3))


@torch_raises(RuntimeError)
def case_matmul_float64_float32_raises(lib):
    lib.matmul(lib.ones(2, 3, dtype=lib.float64), lib.ones(3, 4))


@torch_raises(RuntimeError)
def case_matmul_operator_float32_float64_raises(lib):
    lib.ones(2, 3) @ lib.ones(3, 4, dtype=lib.float64)


# ====================================================================== 6. .data


def case_data_shares_memory_and_does_not_require_grad(lib):
    p = f64(lib, [1.0, 2.0, 3.0], requires_grad=True)
    d = p.data
    d.mul_(2.0)
    return {
        "p": p,
        "d": d,
        "d_requires_grad": d.requires_grad,
        "d_is_leaf": d.is_leaf,
        "p_requires_grad": p.requires_grad,
        "p_is_leaf": p.is_leaf,
        "d_is_tensor": isinstance(d, lib.Tensor),
    }


def case_data_zero_(lib):
    p = f64(lib, [1.0, 2.0, 3.0], requires_grad=True)
    p.data.zero_()
    return {"p": p, "requires_grad": p.requires_grad}


def case_data_copy_(lib):
    p = f64(lib, [1.0, 2.0, 3.0], requires_grad=True)
    q = f64(lib, [4.0, 5.0, 6.0])
    p.data.copy_(q)
    q.add_(1.0)  # p got a copy of q's values, not q's memory
    return p


def case_grad_data_zero_(lib):
    p = f64(lib, [1.0, 2.0, 3.0], requires_grad=True)
    (p * p).sum().backward()
    g = p.grad
    p.grad.data.zero_()
    return {"grad": p.grad, "old_reference": g}


def case_data_writes_do_not_bump_version(lib):
    p = f64(lib, [1.0, 2.0, 3.0], requires_grad=True)
    d = p.data
    d.add_(1.0)
    d.mul_(2.0)
    return {"p": p._version, "d": d._version, "fresh_data": p.data._version}


def case_data_modification_of_saved_tensor_is_not_detected(lib):
    p = f64(lib, [1.0, 2.0, 3.0], requires_grad=True)
    z = (p * p).sum()
    p.data.mul_(2.0)
    z.backward()  # no error: .data bypasses the version counter; the gradient uses the new values
    return {"z": z, "p_grad": p.grad}


def case_data_modification_under_plain_sgd_step(lib):
    p = f64(lib, [1.0, -2.0], requires_grad=True)
    for _ in range(3):
        loss = (p * p).sum()
        loss.backward()
        p.data.sub_(0.25 * p.grad.data)
        p.grad.data.zero_()
    return {"p": p, "grad": p.grad}


# ====================================================================== 7. gradient accumulation, leaves vs non-leaves


def case_grad_accumulates_over_backward_calls(lib):
    x = f64(lib, [1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    first = x.grad.clone()
    (x * 3).sum().backward()
    return {"first": first, "second": x.grad}


def case_old_grad_reference_after_second_backward(lib):
    # torch 2.x accumulates into the existing .grad in place, so a reference taken after the
    # first backward sees the second accumulation and is still the same object.
    x = f64(lib, [1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    g = x.grad
    (x * 3).sum().backward()
    return {"g": g, "grad": x.grad, "same_object": g is x.grad}


def case_grad_zero__then_backward(lib):
    x = f64(lib, [1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    x.grad.zero_()
    g = x.grad
    (x * 3).sum().backward()
    return {"g": g, "grad": x.grad, "same_object": g is x.grad}


def case_grad_set_to_none_then_backward(lib):
    x = f64(lib, [1.0, 2.0], requires_grad=True)
    (x * 2).sum().backward()
    g = x.grad
    x.grad = None
    (x * 3).sum().backward()
    return {"g": g, "grad": x.grad, "same_object": g is x.grad}


def case_retained_nonleaf_grad_accumulates(lib):
    x = f64(lib, [1.0, 2.0], requires_grad=True)
    y = x * 1
    y.retain_grad()
    (y * 2).sum().backward(retain_graph=True)
    (y * 2).sum().backward()
    return {"y_grad": y.grad, "x_grad": x.grad}


def case_nonleaf_grad_is_none(lib):
    x = f64(lib, [1.0, 2.0], requires_grad=True)
    y = x * 2
    y.sum().backward()
    return {"y_grad": y.grad, "x_grad": x.grad}


def case_leaf_not_requiring_grad_keeps_grad_none(lib):
    a = f64(lib, [1.0, 2.0])
    w = f64(lib, [3.0, 4.0], requires_grad=True)
    (a * w).sum().backward()
    return {"a_grad": a.grad, "w_grad": w.grad}


def case_backward_under_no_grad_still_computes_grads(lib):
    x = f64(lib, [1.0, 2.0], requires_grad=True)
    z = (x * x).sum()
    with lib.no_grad():
        z.backward()
    return x.grad


@torch_raises(RuntimeError)
def case_graph_built_under_no_grad_cannot_backward(lib):
    x = f64(lib, [1.0, 2.0], requires_grad=True)
    with lib.no_grad():
        z = (x * x).sum()
    z.backward()


def case_is_leaf_and_requires_grad_flags(lib):
    x = f64(lib, [1.0, 2.0], requires_grad=True)
    plain = f64(lib, [1.0, 2.0])
    y = x * 2
    with lib.no_grad():
        n = x * 2
        with lib.enable_grad():
            e = x * 2
    flags = {}
    for name, t in {
        "x": x,
        "plain": plain,
        "y": y,
        "plain_op": plain * 2,
        "no_grad": n,
        "enable_grad": e,
        "detach": y.detach(),
        "view_of_leaf": x[0:1],
    }.items():
        flags[name] = (t.is_leaf, t.requires_grad)
    return flags


def case_backward_with_gradient_argument_accumulates(lib):
    x = f64(lib, [1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    y.backward(f64(lib, [1.0, 0.5, 0.0]))
    (x * 1).sum().backward()
    return x.grad


def case_grad_accumulation_with_views_of_leaf(lib):
    x = f64(lib, [1.0, 2.0, 3.0, 4.0], requires_grad=True)
    (x[1:3] * 2).sum().backward()
    (x.view(2, 2)[1] * 3).sum().backward()
    return x.grad


# ====================================================================== 8. smaller points


def case_set_grad_enabled_as_plain_function(lib):
    x = f64(lib, [1.0, 2.0], requires_grad=True)
    try:
        lib.set_grad_enabled(False)
        y = x * 2
        off = (lib.is_grad_enabled(), y.requires_grad, y.is_leaf)
    finally:
        lib.set_grad_enabled(True)
    z = x * 2
    return {"off": off, "on": (lib.is_grad_enabled(), z.requires_grad)}


def case_set_grad_enabled_as_context_manager(lib):
    x = f64(lib, [1.0, 2.0], requires_grad=True)
    with lib.set_grad_enabled(False):
        y = x * 2
    with lib.set_grad_enabled(True):
        z = x * 2
    return {"y": y.requires_grad, "z": z.requires_grad, "after": lib.is_grad_enabled()}


def case_norm_gradient_at_zero_vector(lib):
    x = lib.zeros(3, dtype=lib.float64, requires_grad=True)
    n = x.norm()
    n.backward()
    return {"norm": n, "x_grad": x.grad}


def case_norm_dim_gradient_with_zero_row(lib):
    x = f64(lib, [[0.0, 0.0], [3.0, 4.0]], requires_grad=True)
    n = x.norm(dim=1)
    n.sum().backward()
    return {"norm": n, "x_grad": x.grad}


def case_Tensor_from_sizes(lib):
    t = lib.Tensor(2, 3)
    return {"shape": t.shape, "dtype": t.dtype, "requires_grad": t.requires_grad}


def case_Tensor_from_int_list_is_float32(lib):
    return lib.Tensor([1, 2])


def case_inplace_returns_self_for_operators_on_int_tensor(lib):
    t = lib.tensor([4, 8])
    before = t
    t -= 1
    t *= 2
    return {"t": t, "same_object": t is before}


# ---------------------------------------------------------------- saved weights and buffers
@torch_raises(RuntimeError)
def case_cross_entropy_weight_modified_after_forward_raises(lib):
    F = lib.nn.functional
    x = f64(lib, [[1.0, 2.0, 0.5], [0.1, 0.2, 0.3]], requires_grad=True)
    w = f64(lib, [1.0, 2.0, 3.0])
    loss = F.cross_entropy(x, lib.tensor([0, 2]), weight=w)
    w.mul_(2)  # the class weights were saved for backward
    loss.backward()


def case_cross_entropy_weight_unmodified_gradient(lib):
    F = lib.nn.functional
    x = f64(lib, [[1.0, 2.0, 0.5], [0.1, 0.2, 0.3]], requires_grad=True)
    w = f64(lib, [1.0, 2.0, 3.0])
    F.cross_entropy(x, lib.tensor([0, 2]), weight=w).backward()
    return {"x_grad": x.grad}


@torch_raises(RuntimeError)
def case_bce_with_logits_pos_weight_modified_after_forward_raises(lib):
    F = lib.nn.functional
    x = f64(lib, [0.5, -1.0, 2.0], requires_grad=True)
    pos_weight = f64(lib, [1.0, 2.0, 3.0])
    loss = F.binary_cross_entropy_with_logits(x, f64(lib, [1.0, 0.0, 1.0]), pos_weight=pos_weight)
    pos_weight.add_(1)
    loss.backward()


def case_batch_norm_training_running_stat_versions(lib):  # torch: updated, version not bumped
    bn = lib.nn.BatchNorm1d(2).double()
    before = (bn.running_mean._version, bn.running_var._version)
    bn(f64(lib, [[1.0, 2.0], [3.0, 5.0], [0.0, 1.0]]))
    return {
        "bumped": (bn.running_mean._version - before[0], bn.running_var._version - before[1]),
        "running_mean": bn.running_mean,
    }


def case_optimizer_step_bumps_parameter_version(lib):
    p = f64(lib, [1.0, 2.0], requires_grad=True)
    opt = lib.optim.SGD([p], lr=0.1, momentum=0.9)
    (p * p).sum().backward()
    before = p._version
    opt.step()
    return {"bumped": p._version - before, "p": p}


@torch_raises(RuntimeError)
def case_graph_saved_parameter_is_stale_after_optimizer_step(lib):
    p = f64(lib, [1.0, 2.0], requires_grad=True)
    opt = lib.optim.Adam([p], lr=0.1)
    loss = (p * p).sum()
    loss.backward(retain_graph=True)
    opt.step()
    loss.backward()


def case_load_state_dict_writes_in_place(lib):
    layer = lib.nn.Linear(2, 1).double()
    held = layer.weight
    layer.load_state_dict({"weight": f64(lib, [[5.0, 6.0]]), "bias": f64(lib, [7.0])})
    return {"same_object": layer.weight is held, "weight": held, "bumped": held._version >= 1}


# ====================================================================== collection and tests

CASES = INPLACE_MATRIX + [f for n, f in list(globals().items()) if n.startswith("case_") and callable(f)]
CASE_IDS = [c.__name__.removeprefix("case_") for c in CASES]
assert len(set(CASE_IDS)) == len(CASE_IDS), "duplicate case names"


@pytest.fixture(autouse=True)
def _restore_grad_mode():
    yield
    torch.set_grad_enabled(True)
    if not chainrule.is_grad_enabled():
        chainrule.set_grad_enabled(True)
        if not chainrule.is_grad_enabled():  # set_grad_enabled only works as a context manager
            chainrule.enable_grad().__enter__()


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_case_runs_under_torch(case):
    """Sanity check of the oracle side: the case behaves under torch as declared."""
    outcome = run_case(case, torch)
    declared = getattr(case, "torch_raises", None)
    if declared is None:
        assert outcome.exc is None, f"the case is broken under torch: {outcome.describe()}"
    else:
        assert isinstance(outcome.exc, declared), f"expected torch to raise {declared.__name__}; {outcome.describe()}"
        assert outcome.line is not None, "the exception did not come through the case function"


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_same_behaviour_as_torch(case):
    assert_same_behaviour(case)


# ====================================================================== chainrule-only message checks


def _version_error(build):
    with pytest.raises(RuntimeError) as info:
        build()
    return str(info.value)


def test_version_error_message_names_shape_and_clone_saved_input():
    def build():
        a = chainrule.ones(2, 3, dtype=chainrule.float64)
        w = chainrule.ones(2, 3, dtype=chainrule.float64, requires_grad=True)
        z = (a * w).sum()
        a.mul_(2)
        z.backward()

    message = _version_error(build)
    assert "(2, 3)" in message or "[2, 3]" in message, message
    assert "clone" in message, message


def test_version_error_message_names_shape_and_clone_saved_output():
    def build():
        x = chainrule.ones(4, 5, dtype=chainrule.float64, requires_grad=True)
        y = x.exp()
        y *= 2
        y.sum().backward()

    message = _version_error(build)
    assert "(4, 5)" in message or "[4, 5]" in message, message
    assert "clone" in message, message


def test_version_error_message_after_retain_graph():
    def build():
        a = chainrule.ones(3, dtype=chainrule.float64)
        w = chainrule.ones(3, dtype=chainrule.float64, requires_grad=True)
        z = (a * w).sum()
        z.backward(retain_graph=True)
        a.add_(1.0)
        z.backward()

    message = _version_error(build)
    assert "(3,)" in message or "[3]" in message, message
    assert "clone" in message, message
