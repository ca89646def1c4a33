"""The strict products and contractions of ops/linalg.py against PyTorch: bmm, mm, mv, dot, outer,
addmm, baddbmm, einsum, kron, cross and cdist. Each case compares forward values and gradients
with torch in float32 and float64 (gradchecking in float64), on contiguous and transposed inputs,
with empty dims, and checks that bad shapes raise torch's exception type."""

import numpy as np
import pytest
import torch
from optest import check_op, randn

import chainrule as cr
import chainrule.functional as F

DTYPES = [np.float64, np.float32]

# (name, shapes, one function both libraries accept, called as fn(lib, *tensors))
PRODUCTS = [
    ("mm", [(3, 4), (4, 2)], lambda m, a, b: m.mm(a, b)),
    ("mm_method", [(3, 4), (4, 2)], lambda m, a, b: a.mm(b)),
    ("mm_empty", [(0, 4), (4, 2)], lambda m, a, b: m.mm(a, b)),
    ("mm_empty_inner", [(3, 0), (0, 2)], lambda m, a, b: m.mm(a, b)),
    ("bmm", [(2, 3, 4), (2, 4, 5)], lambda m, a, b: m.bmm(a, b)),
    ("bmm_method", [(1, 3, 4), (1, 4, 1)], lambda m, a, b: a.bmm(b)),
    ("bmm_empty_batch", [(0, 3, 4), (0, 4, 5)], lambda m, a, b: m.bmm(a, b)),
    ("mv", [(3, 4), (4,)], lambda m, a, b: m.mv(a, b)),
    ("mv_method", [(1, 4), (4,)], lambda m, a, b: a.mv(b)),
    ("dot", [(4,), (4,)], lambda m, a, b: m.dot(a, b)),
    ("dot_empty", [(0,), (0,)], lambda m, a, b: a.dot(b)),
    ("outer", [(3,), (4,)], lambda m, a, b: m.outer(a, b)),
    ("outer_method", [(1,), (0,)], lambda m, a, b: a.outer(b)),
    ("addmm", [(3, 2), (3, 4), (4, 2)], lambda m, c, a, b: m.addmm(c, a, b)),
    ("addmm_broadcast_scaled", [(2,), (3, 4), (4, 2)], lambda m, c, a, b: m.addmm(c, a, b, beta=0.5, alpha=-2)),
    ("addmm_method", [(3, 1), (3, 4), (4, 2)], lambda m, c, a, b: c.addmm(a, b, alpha=3)),
    ("addmm_beta0", [(3, 2), (3, 4), (4, 2)], lambda m, c, a, b: m.addmm(c, a, b, beta=0)),
    ("baddbmm", [(2, 3, 5), (2, 3, 4), (2, 4, 5)], lambda m, c, a, b: m.baddbmm(c, a, b)),
    ("baddbmm_broadcast", [(3, 1), (2, 3, 4), (2, 4, 5)], lambda m, c, a, b: m.baddbmm(c, a, b, beta=2, alpha=0.5)),
    ("baddbmm_method", [(5,), (2, 3, 4), (2, 4, 5)], lambda m, c, a, b: c.baddbmm(a, b)),
    ("kron", [(2, 3), (3,)], lambda m, a, b: m.kron(a, b)),
    ("kron_3d", [(2, 3), (2, 1, 2)], lambda m, a, b: a.kron(b)),
    ("kron_vectors", [(2,), (3,)], lambda m, a, b: m.kron(a, b)),
    ("kron_scalar", [(), (2, 3)], lambda m, a, b: m.kron(a, b)),
    ("cross_dim", [(4, 3), (4, 3)], lambda m, a, b: m.cross(a, b, dim=1)),
    ("cross_broadcast", [(2, 1, 3), (1, 4, 3)], lambda m, a, b: m.cross(a, b, dim=-1)),
    ("cross_first_dim_of_3", [(2, 3, 3), (2, 3, 3)], lambda m, a, b: a.cross(b, dim=1)),
    ("cdist", [(3, 4), (5, 4)], lambda m, a, b: m.cdist(a, b)),
    ("cdist_batched", [(2, 3, 4), (2, 5, 4)], lambda m, a, b: m.cdist(a, b)),
    ("cdist_broadcast_batch", [(2, 1, 3, 4), (3, 5, 4)], lambda m, a, b: m.cdist(a, b)),
    ("cdist_p1", [(3, 4), (5, 4)], lambda m, a, b: m.cdist(a, b, p=1)),
    ("cdist_p3", [(3, 4), (5, 4)], lambda m, a, b: m.cdist(a, b, p=3.0)),
    ("cdist_p_half", [(3, 4), (5, 4)], lambda m, a, b: m.cdist(a, b, p=0.5)),
    ("cdist_inf", [(3, 4), (5, 4)], lambda m, a, b: m.cdist(a, b, p=float("inf"))),
    ("cdist_p0", [(3, 4), (5, 4)], lambda m, a, b: m.cdist(a, b, p=0)),
    ("cdist_empty", [(0, 4), (5, 4)], lambda m, a, b: m.cdist(a, b)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,shapes,fn", PRODUCTS, ids=[c[0] for c in PRODUCTS])
def test_product_matches_torch(name, shapes, fn, dtype):
    arrays = [randn(*s, dtype=dtype, seed=i) for i, s in enumerate(shapes)]
    check_op(lambda *t: fn(cr, *t), lambda *t: fn(torch, *t), *arrays)


@pytest.mark.parametrize("name,shapes,fn", PRODUCTS, ids=[c[0] for c in PRODUCTS])
def test_product_matches_torch_on_transposed_inputs(name, shapes, fn):
    arrays = [randn(*reversed(s), seed=i).T for i, s in enumerate(shapes)]
    check_op(lambda *t: fn(cr, *t), lambda *t: fn(torch, *t), *arrays)


def test_functional_spellings():
    a, b, c = randn(3, 4, seed=1), randn(4, 2, seed=2), randn(2, seed=3)
    check_op(F.mm, torch.mm, a, b, gradcheck=False)
    check_op(lambda x, y, z: F.addmm(z, x, y, beta=2), lambda x, y, z: torch.addmm(z, x, y, beta=2), a, b, c)
    check_op(F.mv, torch.mv, a, randn(4, seed=4), gradcheck=False)
    check_op(F.dot, torch.dot, c, c[::-1].copy(), gradcheck=False)
    check_op(F.outer, torch.outer, c, randn(3, seed=5), gradcheck=False)
    check_op(F.kron, torch.kron, a, b, gradcheck=False)
    check_op(F.cdist, torch.cdist, a, randn(2, 4, seed=6), gradcheck=False)
    check_op(F.bmm, torch.bmm, randn(2, 3, 4, seed=7), randn(2, 4, 1, seed=8), gradcheck=False)


def test_addmm_with_beta_zero_ignores_nan_in_input():
    for lib in (cr, torch):
        out = lib.addmm(lib.tensor([[float("nan")]]), lib.ones(1, 2), lib.ones(2, 1), beta=0)
        assert out.tolist() == [[2.0]]


def test_cross_without_dim_takes_the_first_dim_of_size_3():
    a, b = randn(3, 4, seed=1), randn(3, 4, seed=2)
    check_op(lambda x, y: cr.cross(x, y), lambda x, y: torch.cross(x, y, dim=0), a, b)
    check_op(lambda x, y: x.cross(y), lambda x, y: x.cross(y, dim=1), randn(2, 3, seed=3), randn(2, 3, seed=4))


def test_cdist_at_zero_distance_has_zero_gradient_like_torch():
    x = np.array([[0.0, 1.0], [2.0, 3.0]])
    for p in (2.0, 1.0, 3.0):
        check_op(
            lambda a, b, p=p: cr.cdist(a, b, p=p),
            lambda a, b, p=p: torch.cdist(a, b, p=p),
            x,
            x.copy(),
            gradcheck=False,
        )


# ------------------------------------------------------------------------------ einsum
EINSUM = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij,jk", [(3, 4), (4, 5)]),
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij->j", [(3, 3, 2)]),
    ("iji->ij", [(3, 2, 3)]),
    ("ij->", [(3, 4)]),
    ("ij->ji", [(3, 4)]),
    ("ij->j", [(3, 4)]),
    ("i,i->", [(3,), (3,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ij,ij->ij", [(3, 4), (3, 4)]),
    ("ij,k->ijk", [(2, 3), (4,)]),
    ("ijk,ik->j", [(2, 3, 4), (2, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("ab,bc,cd,de->ae", [(2, 3), (3, 2), (2, 4), (4, 2)]),
    ("...ij,...jk", [(2, 3, 4), (4, 5)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("...i,...i->...", [(2, 1, 3), (4, 3)]),
    ("i...->...", [(3, 2, 4)]),
    ("...->...", [()]),
    ("ba,ab->", [(3, 3), (3, 3)]),
    ("i j , j k -> i k", [(2, 3), (3, 2)]),
    ("ij,jk->ik", [(0, 4), (4, 5)]),
    ("Ab,bC->AC", [(2, 3), (3, 2)]),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("equation,shapes", EINSUM, ids=[e for e, _ in EINSUM])
def test_einsum_matches_torch(equation, shapes, dtype):
    arrays = [randn(*s, dtype=dtype, seed=i) for i, s in enumerate(shapes)]
    check_op(lambda *t: cr.einsum(equation, *t), lambda *t: torch.einsum(equation, *t), *arrays)


def test_einsum_takes_a_list_of_operands_and_transposed_inputs():
    a, b = randn(4, 3, seed=1).T, randn(5, 4, seed=2).T
    check_op(lambda x, y: F.einsum("ij,jk->ik", [x, y]), lambda x, y: torch.einsum("ij,jk->ik", [x, y]), a, b)


def test_einsum_gradient_is_one_einsum_per_operand():
    # the backward builds no Python loop over elements: one node for the whole contraction
    a = cr.tensor(randn(3, 4, seed=1), requires_grad=True)
    b = cr.tensor(randn(4, 5, seed=2), requires_grad=True)
    out = cr.einsum("ij,jk->ik", a, b)
    assert type(out.grad_fn).__name__ == "Einsum"
    out.sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), np.ones((3, 5)) @ b.detach().numpy().T)


EINSUM_ERRORS = [
    lambda m: m.einsum("ij,jk->ik", m.ones(2, 3), m.ones(2, 3)),
    lambda m: m.einsum("ij,jk->ik", m.ones(2, 3)),
    lambda m: m.einsum("ij->ii", m.ones(2, 2)),
    lambda m: m.einsum("ij->k", m.ones(2, 2)),
    lambda m: m.einsum("ijk->i", m.ones(2, 2)),
]


# ------------------------------------------------------------------------------ errors
ERRORS = EINSUM_ERRORS + [
    lambda m: m.mm(m.ones(3), m.ones(3, 3)),
    lambda m: m.mm(m.ones(3, 2), m.ones(3, 3)),
    lambda m: m.mm(m.ones(3, 3), m.ones(3, 3, dtype=m.float64)),
    lambda m: m.bmm(m.ones(3, 3), m.ones(3, 3)),
    lambda m: m.bmm(m.ones(2, 3, 3), m.ones(1, 3, 3)),
    lambda m: m.bmm(m.ones(2, 3, 4), m.ones(2, 3, 3)),
    lambda m: m.mv(m.ones(3, 2), m.ones(3)),
    lambda m: m.mv(m.ones(3), m.ones(3)),
    lambda m: m.dot(m.ones(3, 1), m.ones(3, 1)),
    lambda m: m.dot(m.ones(3), m.ones(2)),
    lambda m: m.outer(m.ones(3, 1), m.ones(2)),
    lambda m: m.addmm(m.ones(4, 3), m.ones(2, 3), m.ones(3, 3)),
    lambda m: m.baddbmm(m.ones(4, 3, 3), m.ones(2, 3, 3), m.ones(2, 3, 3)),
    lambda m: m.cross(m.ones(2, 4), m.ones(2, 4)),
    lambda m: m.cross(m.ones(3, 4), m.ones(3, 4), dim=1),
    lambda m: m.cross(m.ones(2, 3), m.ones(4, 3), dim=1),
    lambda m: m.cross(m.ones(2, 3), m.ones(3), dim=-1),
    lambda m: m.cdist(m.ones(3, 2), m.ones(3, 3)),
    lambda m: m.cdist(m.ones(3), m.ones(3)),
    lambda m: m.cdist(m.ones(3, 2), m.ones(3, 2), p=-1),
]


@pytest.mark.parametrize("case", ERRORS)
def test_errors_match_torch(case):
    with pytest.raises(Exception) as theirs:
        case(torch)
    with pytest.raises(type(theirs.value)):
        case(cr)


def test_mixed_dtypes_are_refused_like_torch():
    for case in (
        lambda m: m.einsum("ij,jk", m.ones(2, 2), m.ones(2, 2, dtype=m.float64)),
        lambda m: m.bmm(m.ones(1, 2, 2), m.ones(1, 2, 2, dtype=m.float64)),
    ):
        with pytest.raises(Exception) as theirs:
            case(torch)
        with pytest.raises(type(theirs.value)):
            case(cr)
