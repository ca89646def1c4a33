"""The vector p-norm (``linalg.Norm``, ``F.norm``) against ``torch.norm``: every order, dim and
keepdim, float32 and float64, gradcheck in float64, and PyTorch's gradient 0 at a zero vector and
on zero rows (where sqrt(sum(x * x)) would give 0/0 = nan)."""

import numpy as np
import pytest
import torch
from optest import check_op, randn

import chainrule as cr
import chainrule.functional as F
from chainrule.ops.linalg import Norm

INF = float("inf")
ORDERS = [2, 1, INF, -INF, 0.5, 1.5, 3, -1, "fro"]
DIMS = [
    ((5,), None),
    ((5,), 0),
    ((3, 4), None),
    ((3, 4), 0),
    ((3, 4), 1),
    ((3, 4), -1),
    ((3, 4), (0, 1)),
    ((2, 3, 4), (0, 2)),
    ((2, 3, 4), [-1, 0]),
    ((2, 3, 4), 1),
    ((), None),
    ((), 0),
]


def _norm_pair(p, dim, keepdim):
    return (lambda t: F.norm(t, p, dim, keepdim)), (lambda t: torch.norm(t, p, dim, keepdim))


@pytest.mark.parametrize("p", ORDERS)
@pytest.mark.parametrize("shape,dim", DIMS)
@pytest.mark.parametrize("keepdim", [False, True])
def test_norm_matches_torch(p, shape, dim, keepdim):
    if p == "fro" and isinstance(dim, (tuple, list)) and len(dim) > 2:
        pytest.skip("torch takes a matrix norm there")
    check_op(*_norm_pair(p, dim, keepdim), randn(*shape, seed=1))


@pytest.mark.parametrize("p", ORDERS)
@pytest.mark.parametrize("dim", [None, 1])
def test_norm_matches_torch_in_float32(p, dim):
    check_op(*_norm_pair(p, dim, False), randn(4, 6, dtype=np.float32, seed=2))


@pytest.mark.parametrize("p", [2, 1, INF, 0.5, 1.5, 3, "fro"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradient_at_the_zero_vector_is_zero(p, dtype):
    # not differentiable there; PyTorch picks the subgradient 0 (and so does gradcheck's central
    # difference, the norm being even)
    out = check_op(*_norm_pair(p, None, False), np.zeros(4, dtype))
    assert out[0].item() == 0
    x = cr.zeros(4, dtype=dtype, requires_grad=True)
    F.norm(x, p).backward()
    assert np.array_equal(x.grad.detach().numpy(), np.zeros(4))


@pytest.mark.parametrize("p", [2, 1, INF, -INF, 0.5, 1.5, 3, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_zero_rows_get_zero_gradient_the_others_x_over_n(p, keepdim):
    x = np.array([[0.0, 0.0, 0.0], [3.0, -4.0, 1.0], [0.0, 0.0, 0.0], [0.5, 2.0, -1.5]])
    gradcheck = p not in (-INF, -1)  # a zero entry of a nonzero row is a kink for these orders
    check_op(*_norm_pair(p, 1, keepdim), x, gradcheck=gradcheck)
    check_op(*_norm_pair(p, 0, keepdim), x.T.copy(), gradcheck=gradcheck)


def test_two_norm_gradient_values():
    x = cr.tensor(np.array([[0.0, 0.0], [3.0, 4.0]]), requires_grad=True)
    F.norm(x, dim=1).sum().backward()
    np.testing.assert_allclose(x.grad.detach().numpy(), [[0.0, 0.0], [0.6, 0.8]])


@pytest.mark.parametrize("p", [INF, -INF])
def test_inf_norm_splits_the_gradient_among_ties(p):
    x = np.array([[1.0, -3.0, 3.0], [2.0, 2.0, 2.0], [0.0, 0.0, 0.0]])
    check_op(*_norm_pair(p, 1, False), x, gradcheck=False)


def test_zero_norm_counts_nonzeros_and_has_no_gradient():
    x = np.array([[0.0, 1.5, -2.0], [0.0, 0.0, 0.0]])
    check_op(*_norm_pair(0, 1, False), x, grad=False)
    ours, theirs = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    F.norm(ours, 0).backward()
    torch.norm(theirs, 0).backward()
    assert ours.grad is None and theirs.grad is None


def test_nan_propagates_like_torch():
    x = np.array([[1.0, np.nan], [3.0, 4.0]])
    for p in (2, 1, INF, -INF, 3):
        check_op(*_norm_pair(p, 1, False), x, grad=False)


@pytest.mark.parametrize("p,dim", [(2, None), (2, 0), (1, 1), (3, 0), (INF, 1)])
def test_empty_inputs_like_torch(p, dim):
    check_op(*_norm_pair(p, dim, False), np.zeros((0, 3)), gradcheck=False)


def test_apply_signature_used_by_tensor_norm():
    x = cr.tensor(randn(3, 4, seed=3), requires_grad=True)
    out = Norm.apply(x, p=1, dim=(0, 1), keepdim=True)
    assert out.shape == (1, 1)
    np.testing.assert_allclose(out.detach().numpy(), np.abs(x.detach().numpy()).sum(keepdims=True))
    default = Norm.apply(x)
    np.testing.assert_allclose(default.item(), np.linalg.norm(x.detach().numpy()))


def _raised(fn):
    try:
        fn()
    except Exception as error:  # noqa: BLE001
        return error
    return None


@pytest.mark.parametrize(
    "case",
    [
        lambda lib: lib.norm(lib.tensor([[1, 2], [3, 4]])),  # integer input
        lambda lib: lib.norm(lib.tensor([True, False]), 1),
        lambda lib: lib.norm(lib.zeros(0, 3), INF),  # max of nothing
        lambda lib: lib.norm(lib.zeros(0, 3), -INF, dim=0),
        lambda lib: lib.norm(lib.ones(2, 3, 4), "fro", dim=(0, 1, 2)),  # a matrix norm in torch
        lambda lib: lib.norm(lib.ones(2, 3), "abc"),
        lambda lib: lib.norm(lib.ones(2, 3), 2, dim=2),  # dim out of range
    ],
)
def test_errors_like_torch(case):
    import chainrule.functional as ours_module

    class Ours:  # torch.norm's spelling, on chainrule
        norm = staticmethod(ours_module.norm)
        tensor, zeros, ones = staticmethod(cr.tensor), staticmethod(cr.zeros), staticmethod(cr.ones)

    theirs, ours = _raised(lambda: case(torch)), _raised(lambda: case(Ours))
    assert theirs is not None and ours is not None, (theirs, ours)
    assert type(ours) is type(theirs), f"torch raised {type(theirs).__name__}, chainrule {type(ours).__name__}: {ours}"
    assert str(ours).startswith("norm"), str(ours)


def test_nuclear_norm_and_bad_p():
    # 'nuc' itself is tested in tests/ops/test_scan_search.py
    assert abs(F.norm(cr.ones(2, 3), "nuc").item() - 6**0.5) < 1e-6
    with pytest.raises(TypeError, match="norm: p must be a number"):
        F.norm(cr.ones(3), [2])
