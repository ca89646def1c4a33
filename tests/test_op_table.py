"""The op table (chainrule.op_table) against PyTorch, and the checks that keep it complete.

Each row is written once as ``fn(lib, *inputs)``; here it runs with ``lib=torch`` and with
``lib=chainrule`` on the same inputs, comparing forward values and every input's gradient (and a
float64 gradcheck, through ``check_op``). The drift tests fail when a new ``Function`` or a new
``chainrule.functional`` name is added without a row, so the table cannot silently fall behind.
"""

import inspect

import numpy as np
import pytest
import torch
from optest import check_op

import chainrule
import chainrule.functional as F
from chainrule import ops
from chainrule.autograd import Function, _collect_nodes
from chainrule.op_table import OPS, make_arrays

CASES = [(row, case) for row in OPS for case in row.cases]
IDS = [f"{row.name}-{i}" for row in OPS for i, _ in enumerate(row.cases)]


@pytest.mark.parametrize("row,case", CASES, ids=IDS)
def test_row_matches_torch(row, case):
    if not row.torch:
        pytest.skip(f"{row.name} has no PyTorch twin of the same spelling (gradchecked by chainrule check)")
    arrays = make_arrays(case, np.random.default_rng(0))
    check_op(lambda *xs: row.fn(chainrule, *xs), lambda *xs: row.fn(torch, *xs), *arrays)


def test_row_names_are_unique():
    names = [row.name for row in OPS]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)


# ------------------------------------------------------------------ drift: Function classes
# Functions that no row needs to reach, and where they are tested instead.
NOT_IN_TABLE = {
    "Cast": "a float32 <-> float64 round trip cannot be gradchecked; tests/ops/test_shape.py",
    "FloorDivide": "its backward raises, as PyTorch's: tests/ops/test_elementwise.py",
}


def _function_classes():
    found = {}
    for _, module in inspect.getmembers(ops, inspect.ismodule):
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Function) and cls is not Function and cls.__module__ == module.__name__:
                found[name] = cls
    return found


def test_every_function_is_reached_by_a_row():
    reached = set()
    rng = np.random.default_rng(0)
    for row in OPS:
        for case in row.cases:
            inputs = [
                chainrule.Tensor._wrap(a, requires_grad=a.dtype.kind == "f") if isinstance(a, np.ndarray) else a
                for a in make_arrays(case, rng)
            ]
            outputs = row.fn(chainrule, *inputs)
            outputs = outputs if isinstance(outputs, (tuple, list)) else [outputs]
            roots = [o.grad_fn for o in outputs if o.grad_fn is not None]
            reached |= {type(node).__name__ for node in _collect_nodes(roots)}
    missing = sorted(set(_function_classes()) - reached - set(NOT_IN_TABLE))
    assert not missing, f"add a row to chainrule/op_table.py for {missing}"
    stale = sorted(set(NOT_IN_TABLE) - set(_function_classes()))
    assert not stale, f"NOT_IN_TABLE names Functions that no longer exist: {stale}"


# ------------------------------------------------------------------ drift: functional names
# chainrule.functional names that are no differentiable op of their own, and where they are tested.
NOT_AN_OP = {
    "relu_": "the in-place form of relu: tests/ops/test_activation_inplace.py",
    "elu_": "the in-place form of elu: tests/ops/test_activation_inplace.py",
    "leaky_relu_": "the in-place form of leaky_relu: tests/ops/test_activation_inplace.py",
    "hardtanh_": "the in-place form of hardtanh: tests/ops/test_activation_inplace.py",
    "selu_": "the in-place form of selu: tests/ops/test_activation_inplace.py",
    "celu_": "the in-place form of celu: tests/ops/test_activation_inplace.py",
    "threshold_": "the in-place form of threshold: tests/ops/test_activation_inplace.py",
    "argmax": "an index, no gradient: tests/ops/test_reduce.py",
    "any": "a bool result, no gradient: tests/ops/test_scan_search.py",
    "all": "a bool result, no gradient: tests/ops/test_scan_search.py",
    "argsort": "indices, no gradient: tests/ops/test_scan_search.py",
    "nonzero": "indices, no gradient: tests/ops/test_scan_search.py",
    "count_nonzero": "a count, no gradient: tests/ops/test_scan_search.py",
    "unique": "no gradient (PyTorch has none): tests/ops/test_scan_search.py",
    "bincount": "counts, no gradient: tests/ops/test_scan_search.py",
    "searchsorted": "indices, no gradient: tests/ops/test_scan_search.py",
    "one_hot": "integer output, no gradient: tests/test_functional.py",
    "concat": "an alias of cat",
    "clip": "an alias of clamp: tests/ops/test_unary.py",
    "add": "the + operator's row",
    "sub": "the - operator's row",
    "mul": "the * operator's row",
    "div": "the / operator's row",
    "neg": "the unary - row",
    "pow": "the ** rows",
    "max": "a.max rows",
    "min": "a.min rows",
    "sum": "a.sum row",
    "mean": "a.mean row",
    "var": "a.var row",
    "std": "a.std row",
    "reshape": "a.reshape row",
    "transpose": "a.transpose row",
    "permute": "a.permute row",
    "squeeze": "a.squeeze row",
    "unsqueeze": "a.unsqueeze row",
    "moveaxis": "an alias of movedim: tests/ops/test_shape_index.py",
    "swapaxes": "an alias of transpose: tests/ops/test_shape_index.py",
    "swapdims": "an alias of transpose: tests/ops/test_shape_index.py",
    "tril_indices": "integer output, no gradient: tests/ops/test_shape_index.py",
    "triu_indices": "integer output, no gradient: tests/ops/test_shape_index.py",
    "arcsin": "an alias of asin: tests/ops/test_elementwise.py",
    "arccos": "an alias of acos: tests/ops/test_elementwise.py",
    "arctan": "an alias of atan: tests/ops/test_elementwise.py",
    "arcsinh": "an alias of asinh: tests/ops/test_elementwise.py",
    "arccosh": "an alias of acosh: tests/ops/test_elementwise.py",
    "arctanh": "an alias of atanh: tests/ops/test_elementwise.py",
    "fix": "an alias of trunc: tests/ops/test_elementwise.py",
    "arctan2": "an alias of atan2: tests/ops/test_elementwise.py",
    "floor_divide": "no derivative (backward raises, as in PyTorch): tests/ops/test_elementwise.py",
    "isnan": "a predicate or logical/bitwise op, no gradient: tests/ops/test_elementwise.py",
    "isinf": "a predicate or logical/bitwise op, no gradient: tests/ops/test_elementwise.py",
    "isposinf": "a predicate or logical/bitwise op, no gradient: tests/ops/test_elementwise.py",
    "isneginf": "a predicate or logical/bitwise op, no gradient: tests/ops/test_elementwise.py",
    "isfinite": "a predicate or logical/bitwise op, no gradient: tests/ops/test_elementwise.py",
    "isclose": "a predicate or logical/bitwise op, no gradient: tests/ops/test_elementwise.py",
    "allclose": "a predicate or logical/bitwise op, no gradient: tests/ops/test_elementwise.py",
    "logical_and": "a predicate or logical/bitwise op, no gradient: tests/ops/test_elementwise.py",
    "logical_or": "a predicate or logical/bitwise op, no gradient: tests/ops/test_elementwise.py",
    "logical_xor": "a predicate or logical/bitwise op, no gradient: tests/ops/test_elementwise.py",
    "logical_not": "a predicate or logical/bitwise op, no gradient: tests/ops/test_elementwise.py",
    "bitwise_and": "a predicate or logical/bitwise op, no gradient: tests/ops/test_elementwise.py",
    "bitwise_or": "a predicate or logical/bitwise op, no gradient: tests/ops/test_elementwise.py",
    "bitwise_xor": "a predicate or logical/bitwise op, no gradient: tests/ops/test_elementwise.py",
    "bitwise_not": "a predicate or logical/bitwise op, no gradient: tests/ops/test_elementwise.py",
}


class _Recorder:
    """Stands in for the chainrule package in a row and records the names the row looks up."""

    def __init__(self, target, seen, prefix=""):
        self._target, self._seen, self._prefix = target, seen, prefix

    def __getattr__(self, name):
        value = getattr(self._target, name)
        self._seen.add(self._prefix + name)
        if inspect.ismodule(value):
            return _Recorder(value, self._seen, self._prefix + name + ".")
        return value


def test_every_functional_name_has_a_row_or_a_reason():
    seen = set()
    lib = _Recorder(chainrule, seen)
    rng = np.random.default_rng(0)
    for row in OPS:
        for case in row.cases:
            inputs = [
                chainrule.Tensor._wrap(a, requires_grad=a.dtype.kind == "f") if isinstance(a, np.ndarray) else a
                for a in make_arrays(case, rng)
            ]
            row.fn(lib, *inputs)
    used = {name.rsplit(".", 1)[-1] for name in seen}
    missing = sorted(set(F.__all__) - used - set(NOT_AN_OP))
    assert not missing, f"add a row to chainrule/op_table.py for chainrule.functional.{missing}"
    stale = sorted(set(NOT_AN_OP) - set(F.__all__))
    assert not stale, f"NOT_AN_OP names functions that no longer exist: {stale}"
