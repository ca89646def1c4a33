"""Errors, warnings and non-finite results side by side with PyTorch.

Each case is written once as ``fn(lib, F)`` and run on torch and on chainrule: where torch
raises, chainrule must raise an exception of the same type (an instance of torch's class);
where torch returns, chainrule must return the same values (nan where torch has nan) without
any NumPy RuntimeWarning escaping; where torch warns, chainrule must warn with the same category.
"""

import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import chainrule as cr
import chainrule.nn.functional as CF

inf, nan = float("inf"), float("nan")


def _run(lib, F, fn):
    """(exception or None, result, warnings caught) of one library's run."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result = fn(lib, F)
        except Exception as exc:  # noqa: BLE001 - the type is what the test compares
            return exc, None, caught
    return None, result, caught


def _both(fn):
    return _run(torch, TF, fn), _run(cr, CF, fn)


# ---------------------------------------------------------------------------------- raises
RAISES = {
    "eq(None)": lambda lib, F: lib.ones(2).eq(None),
    "ne(None)": lambda lib, F: lib.ones(2).ne(None),
    "var of an integer tensor": lambda lib, F: lib.tensor([1, 2, 3]).var(),
    "std of an integer tensor": lambda lib, F: lib.tensor([1, 2, 3]).std(),
    # shapes that do not broadcast: RuntimeError in torch, for every elementwise op and loss
    "add, shapes do not broadcast": lambda lib, F: lib.ones(3) + lib.ones(4),
    "mul, shapes do not broadcast": lambda lib, F: lib.ones(2, 3) * lib.ones(2),
    "where, shapes do not broadcast": lambda lib, F: lib.where(lib.ones(3) > 0, lib.ones(3), lib.ones(4)),
    "maximum, shapes do not broadcast": lambda lib, F: lib.maximum(lib.ones(3), lib.ones(4)),
    "atan2, shapes do not broadcast": lambda lib, F: lib.atan2(lib.ones(3), lib.ones(4)),
    "mse_loss, shapes do not broadcast": lambda lib, F: F.mse_loss(lib.ones(3), lib.ones(4)),
    # F.linear / nn.Linear arguments
    "linear weight is a list": lambda lib, F: F.linear(lib.ones(2, 3), [[1.0, 2.0, 3.0]]),
    "linear bias is a list": lambda lib, F: F.linear(lib.ones(2, 3), lib.ones(1, 3), [1.0]),
    "Linear(-1, 3)": lambda lib, F: lib.nn.Linear(-1, 3),
    "Linear(3, -1)": lambda lib, F: lib.nn.Linear(3, -1),
    "Linear(-1, -2)": lambda lib, F: lib.nn.Linear(-1, -2),
    "Linear(2.5, 3)": lambda lib, F: lib.nn.Linear(2.5, 3),
    # bitwise operators on floating tensors
    "float ^ float": lambda lib, F: lib.ones(2) ^ lib.ones(2),
    "int ^ float": lambda lib, F: lib.tensor([1, 2]) ^ lib.ones(2),
    "int ^ 1.5": lambda lib, F: lib.tensor([1, 2]) ^ 1.5,
    "1.5 ^ int": lambda lib, F: 1.5 ^ lib.tensor([1, 2]),
    "float64 ^ int": lambda lib, F: lib.ones(2, dtype=lib.float64) ^ lib.tensor([1, 2]),
    "float & float": lambda lib, F: lib.ones(2) & lib.ones(2),
    "float | float": lambda lib, F: lib.ones(2) | lib.ones(2),
    "~float": lambda lib, F: ~lib.ones(2),
    "int ^ int, shapes do not broadcast": lambda lib, F: lib.tensor([1, 2]) ^ lib.tensor([1, 2, 3]),
    # binary_cross_entropy: probabilities outside [0, 1], NaN included
    "bce nan probability": lambda lib, F: F.binary_cross_entropy(lib.tensor([nan, 0.5]), lib.tensor([0.0, 1.0])),
    "bce probability > 1": lambda lib, F: F.binary_cross_entropy(lib.tensor([1.5]), lib.tensor([0.0])),
    "bce probability < 0": lambda lib, F: F.binary_cross_entropy(lib.tensor([-0.1]), lib.tensor([0.0])),
    # matmul shapes
    "matmul inner dims": lambda lib, F: lib.ones(2, 3) @ lib.ones(2, 3),
    "matmul 1-d sizes": lambda lib, F: lib.ones(3) @ lib.ones(2),
    "matmul matrix @ vector": lambda lib, F: lib.ones(2, 3) @ lib.ones(4),
    "matmul batch dims": lambda lib, F: lib.ones(2, 3, 4) @ lib.ones(3, 4, 5),
    "matmul 0-d": lambda lib, F: lib.matmul(lib.tensor(1.0), lib.ones(2)),
    "matmul 0-d and 0-d": lambda lib, F: lib.matmul(lib.tensor(1.0), lib.tensor(2.0)),
    "tensor @ python float": lambda lib, F: lib.ones(3) @ 2.0,
    "python float @ tensor": lambda lib, F: 2.0 @ lib.ones(3),
    # reshape / permute
    "reshape wrong size": lambda lib, F: lib.ones(2, 3).reshape(4, 2),
    "reshape two -1": lambda lib, F: lib.ones(2, 3).reshape(-1, -1),
    "view wrong size": lambda lib, F: lib.ones(2, 3).view(4, 2),
    "permute repeats a dim": lambda lib, F: lib.ones(2, 3).permute(0, 0),
    "permute too few dims": lambda lib, F: lib.ones(2, 3).permute(0),
    "permute too many dims": lambda lib, F: lib.ones(2, 3).permute(0, 1, 2),
    "permute dim out of range": lambda lib, F: lib.ones(2, 3).permute(0, 2),
    # gather
    "gather index ndim": lambda lib, F: lib.ones(2, 3).gather(1, lib.tensor([0, 1])),
    "gather index larger than input": lambda lib, F: lib.ones(2, 3).gather(1, lib.tensor([[0], [0], [0]])),
    "gather index out of bounds": lambda lib, F: lib.ones(2, 3).gather(1, lib.tensor([[5]])),
    "gather negative index": lambda lib, F: lib.ones(2, 3).gather(1, lib.tensor([[-1]])),
    "gather float index": lambda lib, F: lib.ones(2, 3).gather(1, lib.tensor([[0.0]])),
    "gather dim out of range": lambda lib, F: lib.ones(2, 3).gather(2, lib.tensor([[0]])),
    # cross-entropy / nll targets of the wrong shape: ValueError when the batch sizes differ, as in torch
    "cross_entropy target batch": lambda lib, F: F.cross_entropy(lib.ones(4, 3), lib.tensor([0, 1])),
    "cross_entropy 2-d target batch": lambda lib, F: F.cross_entropy(lib.ones(4, 3), lib.tensor([[0, 1, 1, 1]])),
    "cross_entropy 1-d input target": lambda lib, F: F.cross_entropy(lib.zeros(5), lib.zeros(2, dtype=lib.int64)),
    "cross_entropy 3-d target dims": lambda lib, F: F.cross_entropy(
        lib.zeros(2, 5, 3), lib.zeros(2, 4, dtype=lib.int64)
    ),
    "cross_entropy 3-d target batch": lambda lib, F: F.cross_entropy(
        lib.zeros(2, 5, 3), lib.zeros(3, 3, dtype=lib.int64)
    ),
    "cross_entropy probability target classes": lambda lib, F: F.cross_entropy(lib.zeros(2, 5), lib.zeros(2, 4)),
    "cross_entropy probability target batch": lambda lib, F: F.cross_entropy(lib.zeros(2, 5), lib.zeros(3, 5)),
    "cross_entropy probability target extra dim": lambda lib, F: F.cross_entropy(lib.zeros(2, 5), lib.zeros(2, 5, 1)),
    "cross_entropy target out of range": lambda lib, F: F.cross_entropy(lib.ones(4, 3), lib.tensor([0, 1, 2, 3])),
    "nll_loss target batch": lambda lib, F: F.nll_loss(lib.ones(4, 3), lib.tensor([0, 1])),
    "nll_loss 3-d target dims": lambda lib, F: F.nll_loss(lib.zeros(2, 5, 3), lib.zeros(2, 4, dtype=lib.int64)),
    "bce_with_logits target shape": lambda lib, F: F.binary_cross_entropy_with_logits(lib.ones(2, 3), lib.zeros(3)),
}


@pytest.mark.parametrize("name", list(RAISES))
def test_raises_the_exception_type_torch_raises(name):
    (torch_exc, torch_out, _), (cr_exc, cr_out, _) = _both(RAISES[name])
    assert torch_exc is not None, f"torch returned {torch_out!r}: the case is wrong"
    assert cr_exc is not None, f"torch raises {type(torch_exc).__name__}; chainrule returned {cr_out!r}"
    assert isinstance(cr_exc, type(torch_exc)), (
        f"torch raises {type(torch_exc).__name__}({torch_exc}); chainrule {type(cr_exc).__name__}({cr_exc})"
    )


def test_probability_range_error_is_still_a_value_error():
    # chainrule raised ValueError before; RuntimeError is torch's type. The error is both.
    with pytest.raises(ValueError, match="binary_cross_entropy"):
        CF.binary_cross_entropy(cr.tensor([nan]), cr.tensor([0.0]))


# ------------------------------------------------------------------------ values, no warnings
VALUES = {
    # softmax / log_softmax: empty dims, +inf, all -inf, huge values
    "softmax over a size-0 dim": lambda lib, F: F.softmax(lib.ones(2, 0), dim=1),
    "softmax beside a size-0 dim": lambda lib, F: F.softmax(lib.ones(0, 3), dim=1),
    "log_softmax over a size-0 dim": lambda lib, F: F.log_softmax(lib.ones(2, 0), dim=1),
    "log_softmax over a size-0 dim, dim 0": lambda lib, F: F.log_softmax(lib.ones(0, 2), dim=0),
    "softmax with +inf": lambda lib, F: F.softmax(lib.tensor([inf, 1.0]), dim=0),
    "softmax all -inf": lambda lib, F: F.softmax(lib.tensor([-inf, -inf]), dim=0),
    "softmax one -inf": lambda lib, F: F.softmax(lib.tensor([-inf, 1.0]), dim=0),
    "softmax huge float32": lambda lib, F: F.softmax(lib.tensor([1e38, -1e38, 3e38]), dim=0),
    "softmax nan": lambda lib, F: F.softmax(lib.tensor([nan, 1.0]), dim=0),
    "log_softmax with +inf": lambda lib, F: F.log_softmax(lib.tensor([inf, 1.0]), dim=0),
    "log_softmax all -inf": lambda lib, F: F.log_softmax(lib.tensor([-inf, -inf]), dim=0),
    "log_softmax one -inf": lambda lib, F: F.log_softmax(lib.tensor([-inf, 1.0]), dim=0),
    "log_softmax rows with inf": lambda lib, F: F.log_softmax(lib.tensor([[inf, 1.0], [0.0, 1.0], [-inf, -inf]]), 1),
    "log_softmax huge float32": lambda lib, F: F.log_softmax(lib.tensor([1e38, -1e38, 3e38]), dim=0),
    "cross_entropy inf logit": lambda lib, F: F.cross_entropy(lib.tensor([[inf, 1.0]]), lib.tensor([0])),
    "cross_entropy -inf logit": lambda lib, F: F.cross_entropy(
        lib.tensor([[-inf, 1.0], [0.0, 1.0]]), lib.tensor([1, 0]), reduction="none"
    ),
    # binary cross-entropy with logits at infinite logits
    "bce_with_logits(+inf, 0)": lambda lib, F: F.binary_cross_entropy_with_logits(lib.tensor([inf]), lib.tensor([0.0])),
    "bce_with_logits(+inf, 1)": lambda lib, F: F.binary_cross_entropy_with_logits(lib.tensor([inf]), lib.tensor([1.0])),
    "bce_with_logits(-inf, 0)": lambda lib, F: F.binary_cross_entropy_with_logits(
        lib.tensor([-inf]), lib.tensor([0.0])
    ),
    "bce_with_logits(-inf, 1)": lambda lib, F: F.binary_cross_entropy_with_logits(
        lib.tensor([-inf]), lib.tensor([1.0])
    ),
    "bce_with_logits(nan, 0)": lambda lib, F: F.binary_cross_entropy_with_logits(lib.tensor([nan]), lib.tensor([0.0])),
    "bce_with_logits large logits": lambda lib, F: F.binary_cross_entropy_with_logits(
        lib.tensor([1000.0, -1000.0, 30.0, -30.0]), lib.tensor([0.0, 1.0, 0.25, 0.75]), reduction="none"
    ),
    "bce_with_logits inf with pos_weight": lambda lib, F: F.binary_cross_entropy_with_logits(
        lib.tensor([inf, -inf, 3.0, inf, -inf]),
        lib.tensor([0.0, 0.0, 0.5, 1.0, 1.0]),
        pos_weight=lib.tensor([2.0]),
        reduction="none",
    ),
    "bce_with_logits inf with weight": lambda lib, F: F.binary_cross_entropy_with_logits(
        lib.tensor([inf, 2.0]), lib.tensor([0.0, 1.0]), weight=lib.tensor([0.5, 2.0]), reduction="sum"
    ),
    # means over nothing
    "mse_loss on empty input": lambda lib, F: F.mse_loss(lib.ones(0), lib.ones(0)),
    "mse_loss on empty input, sum": lambda lib, F: F.mse_loss(lib.ones(0), lib.ones(0), reduction="sum"),
    "l1_loss on empty input": lambda lib, F: F.l1_loss(lib.ones(0, 3), lib.ones(0, 3)),
    "bce on empty input": lambda lib, F: F.binary_cross_entropy(lib.ones(0), lib.ones(0)),
    "bce_with_logits on empty input": lambda lib, F: F.binary_cross_entropy_with_logits(lib.ones(0), lib.ones(0)),
    "cross_entropy on empty input": lambda lib, F: F.cross_entropy(lib.ones(0, 3), lib.tensor([], dtype=lib.int64)),
    # bitwise operators where torch has them
    "int ^ int": lambda lib, F: lib.tensor([1, 3, 5]) ^ lib.tensor([2, 3, 4]),
    "bool ^ bool": lambda lib, F: lib.tensor([True, False, True]) ^ lib.tensor([True, True, False]),
    "int ^ python int": lambda lib, F: lib.tensor([1, 3]) ^ 1,
    "python int ^ int": lambda lib, F: 6 ^ lib.tensor([1, 3]),
    "bool ^ python bool": lambda lib, F: lib.tensor([True, False]) ^ True,
    "bool ^ int": lambda lib, F: lib.tensor([True, False]) ^ lib.tensor([1, 2]),
    "int32 ^ int64": lambda lib, F: lib.tensor([1, 2], dtype=lib.int32) ^ lib.tensor([3, 3]),
    "int32 ^ python int": lambda lib, F: lib.tensor([1, 2], dtype=lib.int32) ^ 3,
    "int ^ int, broadcast": lambda lib, F: lib.tensor([[1], [2]]) ^ lib.tensor([1, 2, 3]),
    "int & int": lambda lib, F: lib.tensor([6, 5]) & lib.tensor([3, 3]),
    "python int & int": lambda lib, F: 3 & lib.tensor([6, 5]),
    "python int | int": lambda lib, F: 8 | lib.tensor([6, 5]),
    "~int": lambda lib, F: ~lib.tensor([0, 5]),
    "~bool": lambda lib, F: ~lib.tensor([True, False]),
}


def _as_numpy(out):
    if isinstance(out, torch.Tensor):
        return out.detach().numpy()
    return out.detach().numpy() if isinstance(out, cr.Tensor) else np.asarray(out)


@pytest.mark.parametrize("name", list(VALUES))
def test_values_as_torch_without_numpy_warnings(name):
    (torch_exc, torch_out, _), (cr_exc, cr_out, caught) = _both(VALUES[name])
    assert torch_exc is None, f"torch raised {torch_exc!r}: the case is wrong"
    assert cr_exc is None, f"torch returns {torch_out!r}; chainrule raised {cr_exc!r}"
    assert not caught, f"chainrule warned: {[str(w.message) for w in caught]}"
    expected, got = _as_numpy(torch_out), _as_numpy(cr_out)
    assert got.shape == expected.shape and got.dtype == expected.dtype
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=0, equal_nan=True)


@pytest.mark.parametrize("pos_weight", [None, [2.0], [0.5]])
def test_bce_with_logits_gradients_at_infinite_logits_as_torch(pos_weight):
    logits, target = [inf, -inf, 2.0, inf, -inf], [0.0, 1.0, 0.5, 1.0, 0.0]
    grads = []
    for lib, F in ((torch, TF), (cr, CF)):
        x = lib.tensor(logits, requires_grad=True)
        y = lib.tensor(target, requires_grad=True)
        pw = None if pos_weight is None else lib.tensor(pos_weight)
        with warnings.catch_warnings():
            warnings.simplefilter("error" if lib is cr else "ignore")
            F.binary_cross_entropy_with_logits(x, y, pos_weight=pw, reduction="none").sum().backward()
        grads.append((_as_numpy(x.grad), _as_numpy(y.grad)))
    (tx, ty), (cx, cy) = grads
    np.testing.assert_allclose(cx, tx, rtol=1e-6, equal_nan=True)
    np.testing.assert_allclose(cy, ty, rtol=1e-6, equal_nan=True)


def test_softmax_gradients_through_inf_are_nan_without_warnings():
    for fn in ("softmax", "log_softmax"):
        x = cr.tensor([inf, 1.0], requires_grad=True)
        theirs = torch.tensor([inf, 1.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            getattr(CF, fn)(x, 0).sum().backward()
        getattr(TF, fn)(theirs, 0).sum().backward()
        np.testing.assert_array_equal(x.grad.numpy(), theirs.grad.numpy())


# ---------------------------------------------------------------------------------- warnings
WARNS = {
    "mse_loss target broadcast": lambda lib, F: F.mse_loss(lib.ones(3), lib.full((2, 3), 2.0)),
    "mse_loss input broadcast": lambda lib, F: F.mse_loss(lib.ones(2, 3), lib.zeros(3)),
    "mse_loss size-1 dim": lambda lib, F: F.mse_loss(lib.ones(4, 1), lib.zeros(4)),
    "l1_loss target broadcast": lambda lib, F: F.l1_loss(lib.ones(3), lib.full((2, 3), 3.0)),
}


@pytest.mark.parametrize("name", list(WARNS))
def test_regression_loss_broadcast_warns_as_torch(name):
    (torch_exc, torch_out, torch_caught), (cr_exc, cr_out, caught) = _both(WARNS[name])
    assert torch_exc is None and cr_exc is None
    assert [w.category for w in torch_caught] == [UserWarning]
    assert [w.category for w in caught] == [UserWarning]
    assert "target size" in str(caught[0].message) and "broadcasting" in str(caught[0].message)
    assert caught[0].filename == __file__  # points at the caller, as torch's does
    np.testing.assert_allclose(_as_numpy(cr_out), _as_numpy(torch_out))


def test_same_shapes_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        CF.mse_loss(cr.ones(2, 3), cr.zeros(2, 3))
        CF.l1_loss(cr.ones(2, 3), cr.zeros(2, 3))
