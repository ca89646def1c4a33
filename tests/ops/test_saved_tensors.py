"""What each op keeps for its backward pass, checked on every ``Function`` of the op modules.

The engine's in-place check sees only the arrays an op passes to ``ctx.save_for_backward``: right
after ``forward`` it records the version of each input (or output) tensor whose memory a saved
array lives in, and ``backward`` raises if that tensor has been modified in place since. So

* an input or output array (or a view of one) kept as a plain ``ctx`` attribute escapes the
  check, and an in-place change to that tensor gives a silently wrong gradient; and
* an input or output saved although backward never reads it makes legal code raise.

The first test runs every op's ``forward`` on plain NumPy arrays (``ctx = Cls.__new__(Cls)``,
no Tensor, no graph) and asserts that no ctx attribute outside ``saved_tensors`` shares memory
with an input or the output. The second compares what each op saves with what its derivative
reads, which is PyTorch's choice (tools/autograd/derivatives.yaml) wherever ours is the same
formula. Cases come from tracing the ``chainrule check`` self-test table (every op call it makes
is recorded with its raw arguments), plus the explicit ``EXTRA`` cases below for branches it does
not reach; a new op is picked up by ``inspect`` and fails ``test_every_op_has_a_case`` until it
has one.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest

import chainrule
from chainrule import selfcheck
from chainrule.autograd import Function
from chainrule.ops import (
    activation,
    arithmetic,
    attention,
    conv,
    dropout,
    embedding,
    linalg,
    loss,
    normalization,
    recurrent,
    reduce,
    softmax,
    unary,
)

MODULES = (
    arithmetic,
    unary,
    activation,
    reduce,
    linalg,
    softmax,
    loss,
    embedding,
    dropout,
    normalization,
    attention,
    recurrent,
    conv,
)


def _functions():
    found = []
    for module in MODULES:
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if issubclass(cls, Function) and cls is not Function and cls.__module__ == module.__name__:
                found.append(cls)
    return found


FUNCTIONS = _functions()


def _trace_selfcheck():
    """Run the self-test table forward once, recording (op class, raw args, kwargs) of every
    ``forward`` call the engine makes."""
    calls = []
    originals = {cls: cls.__dict__["forward"] for cls in FUNCTIONS if "forward" in cls.__dict__}

    def recording(cls, forward):
        def record(ctx, *args, **kwargs):
            calls.append((cls, args, kwargs))
            return forward(ctx, *args, **kwargs)

        return staticmethod(record)

    try:
        for cls, forward in originals.items():
            cls.forward = recording(cls, forward.__func__)
        rng = np.random.default_rng(0)
        for row in selfcheck.OPS:
            for case in row.cases:
                row.fn(chainrule, *selfcheck.make_inputs(case, rng))
    finally:
        for cls, forward in originals.items():
            cls.forward = forward
    return calls


_rng = np.random.default_rng(1)


def _x(*shape):
    return _rng.standard_normal(shape)


def _pos(*shape):
    return _rng.uniform(0.5, 2.5, shape)


def _prob(*shape):
    return _rng.uniform(0.05, 0.95, shape)


# Branches the self-test table does not reach: Python-number operands, keepdim, empty and 0-d
# inputs, probability targets, running statistics, no affine parameters, ...
EXTRA = [
    (arithmetic.Mul, (_x(3, 4), 2.5), {}),
    (arithmetic.Mul, (-1.5, _x(3, 4)), {}),
    (arithmetic.Div, (_x(3, 4), 4.0), {}),
    (arithmetic.Div, (2.0, _pos(3, 4)), {}),
    (arithmetic.Pow, (2.0, _x(3, 4)), {}),
    (arithmetic.Pow, (_pos(3, 4), 0.5), {}),
    (arithmetic.Pow, (_x(3, 4), 0), {}),
    (arithmetic.Add, (_x(3, 4), 1.0), {}),
    (arithmetic.Sub, (1.0, _x(3, 4)), {}),
    (arithmetic.Where, (_x(3, 4) > 0, 0.0, _x(3, 4)), {}),
    (arithmetic.FloorDivide, (_x(3, 4), _pos(4)), {}),
    (arithmetic.FloorDivide, (7.0, _pos(3, 4)), {}),
    (arithmetic.Remainder, (7.0, _pos(3, 4)), {}),
    (arithmetic.Remainder, (_x(3, 4), 2.5), {}),
    (arithmetic.Fmod, (_x(3, 4), _pos(3, 1)), {}),
    (arithmetic.Copysign, (_x(3, 4), -1.0), {}),
    (arithmetic.Xlogy, (2.0, _pos(3, 4)), {}),
    (arithmetic.Xlogy, (_x(3, 4), 3.0), {}),
    (unary.Clamp, (_x(3, 4),), dict(min=0.0)),
    (unary.Clamp, (_x(3, 4),), dict(max=1)),
    (unary.Softplus, (_x(3, 4),), dict(beta=2.0, threshold=1.0)),
    (activation.PReLU, (_x(2, 3, 2), _pos(3)), {}),
    (activation.PReLU, (_x(3), _pos(1)), {}),
    (activation.GLU, (_x(2, 4, 3),), dict(dim=1)),
    (reduce.Sum, (_x(3, 4),), dict(dim=0, keepdim=True)),
    (reduce.Sum, (_x(3, 4),), {}),
    (reduce.Mean, (_x(3, 4),), {}),
    (reduce.MaxDim, (_x(3, 4),), dict(dim=0, keepdim=True)),
    (reduce.MaxDim, (np.asarray(1.5),), dict(dim=0)),
    (reduce.MaxAll, (_x(3, 4),), {}),
    (reduce.Var, (_x(3, 4),), {}),
    (reduce.Std, (_x(3, 4),), dict(dim=1, keepdim=True)),
    (reduce.LogSumExp, (_x(3, 4),), dict(dim=(0, 1), keepdim=True)),
    (reduce.LogSumExp, (np.zeros((0, 3)),), dict(dim=0)),
    (linalg.MatMul, (_x(4), _x(4)), {}),
    (linalg.Norm, (_x(3, 4),), dict(p=1, dim=0)),
    (linalg.Norm, (_x(3, 4),), dict(p=float("inf"), keepdim=True)),
    (linalg.Norm, (_x(3, 4),), dict(p=0.5, dim=(0, 1))),
    (linalg.Norm, (np.asarray(-2.0),), {}),
    (linalg.Linear, (_x(2, 5, 3), _x(4, 3)), {}),
    (softmax.Softmax, (np.asarray(0.3),), dict(dim=0)),
    (softmax.LogSoftmax, (_x(2, 3, 4),), dict(dim=-1)),
    (loss.CrossEntropy, (_x(4, 3), _prob(4, 3)), dict(label_smoothing=0.1, weight=_pos(3))),
    (loss.CrossEntropy, (_x(2, 3, 5), np.array([[0, 1, 2, 0, 1], [2, 2, 1, 0, -100]])), dict(reduction="none")),
    (loss.CrossEntropy, (_x(3), np.array(1)), {}),
    (loss.NLLLoss, (_x(4, 3), np.array([0, 2, 1, 2])), dict(weight=_pos(3), reduction="sum")),
    (loss.BCEWithLogits, (_x(4, 3), _prob(4, 3)), dict(weight=_pos(3), reduction="none")),
    (loss.BinaryCrossEntropy, (_prob(4, 3), _prob(4, 3)), {}),
    (loss.BinaryCrossEntropy, (_prob(4, 3), _prob(4, 3)), dict(weight=_pos(4, 3), reduction="sum")),
    (loss.MSELoss, (_x(4, 3), _x(3)), dict(reduction="none")),
    (loss.L1Loss, (_x(4, 3), _x(4, 1)), dict(reduction="sum")),
    (dropout.Dropout, (_x(3, 4), 1.0, np.random.default_rng(0)), {}),
    (normalization.BatchNorm, (_x(5, 3), _x(3), _x(3), _x(3), _pos(3)), dict(training=False)),
    (normalization.BatchNorm, (_x(5, 3, 2), None, None, _x(3), _pos(3)), dict(training=True)),
    (normalization.BatchNorm, (_x(5, 3), None, None, _x(3), _pos(3)), dict(training=False)),
    (normalization.LayerNorm, (_x(4, 3, 2), None, None), dict(normalized_ndim=2)),
    (normalization.LayerNorm, (_x(4, 3), _x(3), None), {}),
    (
        attention.ScaledDotProductAttention,
        (_x(2, 3, 4), _x(2, 5, 4), _x(2, 5, 3), None),
        dict(dropout_p=0.5, generator=np.random.default_rng(0)),
    ),
]

CASES = [case for case in _trace_selfcheck() if case[0] in FUNCTIONS] + EXTRA


def _case_id(case, counter={}):  # noqa: B006 - a per-collection numbering of each op's cases
    name = case[0].__name__
    counter[name] = counter.get(name, 0) + 1
    return f"{name}-{counter[name]}"


IDS = [_case_id(case) for case in CASES]


def test_every_op_has_a_case():
    covered = {case[0] for case in CASES}
    missing = [cls.__name__ for cls in FUNCTIONS if cls not in covered]
    assert not missing, f"add a case for {missing} to EXTRA (or an entry to selfcheck.OPS)"


def _attributes(ctx):
    names = list(getattr(ctx, "__dict__", {}))
    for klass in type(ctx).__mro__:
        names += [n for n in getattr(klass, "__slots__", ()) if n != "__dict__" and hasattr(ctx, n)]
    return {n: getattr(ctx, n) for n in names if n != "saved_tensors"}


def _arrays(value, path):
    """Every ndarray inside an attribute, looking into tuples, lists and dicts."""
    if isinstance(value, np.ndarray):
        yield path, value
    elif isinstance(value, (tuple, list)):
        for i, item in enumerate(value):
            yield from _arrays(item, f"{path}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _arrays(item, f"{path}[{key!r}]")


def _operands(args, kwargs, out):
    """The op's array operands by label: position, keyword name, and 'out'."""
    labelled = [(i, a) for i, a in enumerate(args)] + list(kwargs.items()) + [("out", out)]
    return [(label, a) for label, a in labelled if isinstance(a, (np.ndarray, np.generic))]


def _aliases(array, ref):
    if array is ref:
        return True
    return isinstance(array, np.ndarray) and isinstance(ref, np.ndarray) and np.shares_memory(array, ref)


@pytest.mark.parametrize("cls,args,kwargs", CASES, ids=IDS)
def test_no_ctx_attribute_holds_an_input_or_the_output(cls, args, kwargs):
    ctx = cls.__new__(cls)
    out = cls.forward(ctx, *args, **kwargs)
    operands = _operands(args, kwargs, out)
    for name, value in _attributes(ctx).items():
        for path, array in _arrays(value, name):
            for label, ref in operands:
                assert not _aliases(array, ref), (
                    f"{cls.__name__}: ctx.{path} shares memory with "
                    f"{'the output' if label == 'out' else f'input {label!r}'}; the engine cannot see "
                    "an in-place change to it. Pass it through ctx.save_for_backward instead."
                )


# Each op declares ``saves`` beside its backward: what that backward reads of its positional
# inputs (0, 1, ...) and its output ('out'), i.e. the arrays it must save and the only ones it
# may. A callable gets the positional args; inputs that are Python numbers in a case are dropped
# from the expectation.


def test_every_op_declares_what_it_saves():
    missing = [cls.__name__ for cls in FUNCTIONS if cls.saves is None]
    assert not missing, f"declare `saves` on {missing}: which inputs (or 'out') does each backward read?"


@pytest.mark.parametrize("cls,args,kwargs", CASES, ids=IDS)
def test_saves_exactly_what_backward_reads(cls, args, kwargs):
    ctx = cls.__new__(cls)
    out = cls.forward(ctx, *args, **kwargs)
    operands = [(label, a) for label, a in _operands(args, {}, out)]
    saved = [s for s in ctx.saved_tensors if s is not None]
    actual = {label for label, ref in operands if any(_aliases(s, ref) for s in saved)}
    expected = cls.saves(*args) if callable(cls.saves) else cls.saves
    expected = expected & {label for label, _ in operands}
    assert actual == expected, f"{cls.__name__} saves {sorted(map(str, actual))}, expected {sorted(map(str, expected))}"
