"""matmul (ops/linalg.py) against PyTorch: every rank combination torch.matmul accepts, batch
broadcasting, empty dims, and the errors."""

import numpy as np
import pytest
import torch
from optest import check_op, randn

import chainrule as cr
import chainrule.functional as F

SHAPES = [
    ((4,), (4,)),  # dot product -> 0-d
    ((3, 4), (4,)),  # matrix @ vector
    ((4,), (4, 5)),  # vector @ matrix
    ((3, 4), (4, 5)),
    ((1, 4), (4, 1)),
    ((2, 3, 4), (2, 4, 5)),  # batched
    ((2, 1, 3, 4), (5, 4, 2)),  # batch dims broadcast: (2,1) vs (5,) -> (2,5)
    ((3, 4), (2, 4, 5)),  # a matrix broadcast over b's batch
    ((2, 3, 4), (4, 5)),
    ((4,), (2, 4, 5)),  # 1-D on the left of a batch
    ((2, 3, 4), (4,)),  # 1-D on the right of a batch
    ((1, 3, 4), (6, 4, 2)),
    ((0,), (0,)),  # empty inner dim: zeros
    ((3, 0), (0, 5)),
    ((0, 4), (4, 5)),
    ((3, 4), (4, 0)),
    ((0, 3, 4), (4, 2)),  # empty batch
    ((2, 3, 0), (1, 0, 5)),
]


@pytest.mark.parametrize("sa,sb", SHAPES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matmul_matches_torch(sa, sb, dtype):
    a, b = randn(*sa, dtype=dtype, seed=0), randn(*sb, dtype=dtype, seed=1)
    check_op(lambda x, y: x @ y, lambda x, y: x @ y, a, b)
    check_op(F.matmul, torch.matmul, a, b, gradcheck=False)
    check_op(lambda x, y: x.matmul(y), lambda x, y: x.matmul(y), a, b, gradcheck=False)


def test_matmul_with_one_side_constant():
    # only the input that requires grad gets a gradient (the other GEMM is skipped)
    a = cr.tensor(randn(3, 4, seed=2), requires_grad=True)
    b = cr.tensor(randn(4, 5, seed=3))
    (a @ b).sum().backward()
    expected = torch.ones(3, 5, dtype=torch.float64) @ torch.from_numpy(b.detach().numpy()).T
    np.testing.assert_allclose(a.grad.detach().numpy(), expected.numpy())
    assert b.grad is None


def test_matmul_ndarray_operand():
    a, b = randn(3, 4, seed=4), randn(4, 2, seed=5)
    check_op(lambda x: x @ b, lambda x: x @ torch.from_numpy(b), a)
    check_op(lambda x: a @ x, lambda x: torch.from_numpy(a) @ x, b)


def test_linear_matches_torch():
    x, w, bias = randn(5, 3, seed=6), randn(4, 3, seed=7), randn(4, seed=8)
    check_op(F.linear, torch.nn.functional.linear, x, w, bias)
    check_op(F.linear, torch.nn.functional.linear, randn(2, 5, 3, seed=9), w)


@pytest.mark.parametrize(
    "sa,sb,inner",
    [((3, 4), (5, 6), "4 vs 5"), ((4,), (3,), "4 vs 3"), ((2, 3), (4,), "3 vs 4"), ((2, 3, 4), (2, 5, 6), "4 vs 5")],
)
def test_inner_dimension_mismatch_names_both_shapes(sa, sb, inner):
    with pytest.raises(RuntimeError, match="matmul") as info:  # torch: RuntimeError (tests/test_errors.py)
        cr.tensor(np.ones(sa)) @ cr.tensor(np.ones(sb))
    message = str(info.value)
    assert str(tuple(sa)) in message and str(tuple(sb)) in message and inner in message


def test_batch_mismatch_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"matmul.*\(2, 3, 4\).*\(3, 4, 5\).*batch"):
        cr.tensor(np.ones((2, 3, 4))) @ cr.tensor(np.ones((3, 4, 5)))


@pytest.mark.parametrize("a,b", [(np.ones(()), np.ones(3)), (np.ones(3), np.ones(())), (np.ones(()), np.ones(()))])
def test_zero_dim_operand_errors_clearly(a, b):
    with pytest.raises(RuntimeError, match=r"matmul.*at least 1 dimension.*\(\)"):
        cr.tensor(a) @ cr.tensor(b)


def test_python_scalar_operand_errors_clearly():
    # torch: TypeError for a Python number (tests/test_errors.py)
    with pytest.raises(TypeError, match=r"matmul.*at least 1 dimension"):
        cr.tensor(np.ones(3)) @ 2.0
    with pytest.raises(TypeError, match=r"matmul.*at least 1 dimension"):
        2.0 @ cr.tensor(np.ones(3))
