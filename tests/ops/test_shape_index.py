"""Shape and indexing ops added in issue 9 against PyTorch: repeat, repeat_interleave, tile, flip,
roll, movedim, swapaxes, narrow, unbind, unflatten, diagonal, diag, diag_embed, tril/triu (and
their indices), meshgrid, scatter / scatter_add / scatter_reduce, index_select / index_add /
index_copy / index_fill, take, take_along_dim, rot90, unfold and F.pad's reflect, replicate and
circular modes. Each case compares forward values and gradients with torch in float32 and
float64 (and gradchecks in float64); the view ops are also checked to be views, with in-place
writes through them seen by the base and giving torch's gradients."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from optest import check_op, randn

import chainrule as cr
import chainrule.functional as F

DTYPES = [np.float64, np.float32]


def _transposed(*shape, dtype=np.float64, seed=0):
    """A non-contiguous array of ``shape``: the transpose of a C-ordered one."""
    return randn(*reversed(shape), dtype=dtype, seed=seed).T


# (case id, input, one function both frameworks accept as written)
SAME_CODE = [
    ("repeat", (3, 4), lambda x: x.repeat(2, 1)),
    ("repeat_new_dims", (3, 4), lambda x: x.repeat(2, 1, 3)),
    ("repeat_tuple", (3,), lambda x: x.repeat((2, 2))),
    ("repeat_zero", (3, 4), lambda x: x.repeat(0, 2)),
    ("repeat_scalar", (), lambda x: x.repeat(3)),
    ("repeat_empty", (0, 2), lambda x: x.repeat(2, 3)),
    ("repeat_interleave_int", (3, 4), lambda x: x.repeat_interleave(2, dim=-1)),
    ("repeat_interleave_flat", (3, 4), lambda x: x.repeat_interleave(3)),
    ("tile_short", (2, 3, 4), lambda x: x.tile((2,))),
    ("tile_long", (3, 4), lambda x: x.tile((2, 1, 2))),
    ("flip", (2, 3, 4), lambda x: x.flip(0, -1)),
    ("flip_list", (2, 3, 4), lambda x: x.flip([1])),
    ("flip_empty_dims", (2, 3), lambda x: x.flip(())),
    ("fliplr", (2, 3, 4), lambda x: x.fliplr()),
    ("flipud", (5,), lambda x: x.flipud()),
    ("roll", (2, 3, 4), lambda x: x.roll((1, -2), (0, 2))),
    ("roll_flat", (3, 4), lambda x: x.roll(5)),
    ("roll_big_shift", (3, 4), lambda x: x.roll(-7, 1)),
    ("roll_empty", (0, 4), lambda x: x.roll(1, 1)),
    ("movedim", (2, 3, 4), lambda x: x.movedim(0, -1)),
    ("movedim_tuple", (2, 3, 4, 5), lambda x: x.movedim((0, 1), (3, 0))),
    ("moveaxis", (2, 3, 4), lambda x: x.moveaxis(-1, 0)),
    ("swapaxes", (2, 3, 4), lambda x: x.swapaxes(0, 2)),
    ("swapdims", (2, 3, 4), lambda x: x.swapdims(-1, 1)),
    ("narrow", (3, 5), lambda x: x.narrow(1, 1, 3)),
    ("narrow_negative_start", (3, 5), lambda x: x.narrow(-1, -2, 2)),
    ("narrow_empty", (3, 5), lambda x: x.narrow(0, 3, 0)),
    ("unbind", (3, 4), lambda x: x.unbind()),
    ("unbind_last", (2, 3, 4), lambda x: x.unbind(-1)),
    ("unflatten", (3, 12), lambda x: x.unflatten(1, (2, -1, 3))),
    ("unflatten_first", (6, 2), lambda x: x.unflatten(0, (3, 2))),
    ("diagonal", (3, 4), lambda x: x.diagonal()),
    ("diagonal_offset", (3, 4), lambda x: x.diagonal(2)),
    ("diagonal_negative_offset", (3, 4), lambda x: x.diagonal(-1)),
    ("diagonal_beyond", (3, 4), lambda x: x.diagonal(5)),
    ("diagonal_dims", (2, 3, 4), lambda x: x.diagonal(1, -1, 0)),
    ("diag_vector", (4,), lambda x: x.diag()),
    ("diag_vector_offset", (3,), lambda x: x.diag(-2)),
    ("diag_matrix", (3, 4), lambda x: x.diag(1)),
    ("diag_embed", (2, 3), lambda x: x.diag_embed()),
    ("diag_embed_dims", (2, 3), lambda x: x.diag_embed(-1, 0, 2)),
    ("tril", (4, 3), lambda x: x.tril()),
    ("tril_offset_batch", (2, 3, 4), lambda x: x.tril(-1)),
    ("triu", (4, 3), lambda x: x.triu(1)),
    ("triu_big_offset", (3, 3), lambda x: x.triu(-5)),
    ("rot90", (3, 4), lambda x: x.rot90()),
    ("rot90_k2", (3, 4), lambda x: x.rot90(2)),
    ("rot90_k3_dims", (2, 3, 4), lambda x: x.rot90(3, [2, 0])),
    ("rot90_negative_k", (2, 3, 4), lambda x: x.rot90(-1, (-1, -2))),
    ("rot90_k0", (3, 4), lambda x: x.rot90(4)),
    ("unfold", (3, 5), lambda x: x.unfold(1, 2, 1)),
    ("unfold_step", (2, 7, 3), lambda x: x.unfold(1, 3, 2)),
    ("unfold_gaps", (7,), lambda x: x.unfold(0, 2, 3)),
    ("unfold_whole", (3, 4), lambda x: x.unfold(-1, 4, 1)),
    ("unfold_size0", (3, 4), lambda x: x.unfold(1, 0, 1)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,shape,fn", SAME_CODE, ids=[c[0] for c in SAME_CODE])
def test_op_matches_torch(name, shape, fn, dtype):
    check_op(fn, fn, randn(*shape, dtype=dtype, seed=1))


@pytest.mark.parametrize("name,shape,fn", SAME_CODE, ids=[c[0] for c in SAME_CODE])
def test_op_matches_torch_on_a_transposed_input(name, shape, fn):
    check_op(fn, fn, _transposed(*shape, seed=2))


FUNCTIONAL = [
    ("repeat_interleave", lambda m, x: m.repeat_interleave(x, 2, dim=0)),
    ("tile", lambda m, x: m.tile(x, (2, 2))),
    ("flip", lambda m, x: m.flip(x, (0,))),
    ("fliplr", lambda m, x: m.fliplr(x)),
    ("flipud", lambda m, x: m.flipud(x)),
    ("roll", lambda m, x: m.roll(x, 1, 0)),
    ("movedim", lambda m, x: m.movedim(x, 1, 0)),
    ("moveaxis", lambda m, x: m.moveaxis(x, 1, 0)),
    ("swapaxes", lambda m, x: m.swapaxes(x, 0, 1)),
    ("swapdims", lambda m, x: m.swapdims(x, 0, 1)),
    ("narrow", lambda m, x: m.narrow(x, 0, 1, 2)),
    ("unbind", lambda m, x: m.unbind(x, 1)),
    ("unflatten", lambda m, x: m.unflatten(x, 1, (2, 2))),
    ("diagonal", lambda m, x: m.diagonal(x, 1)),
    ("diag", lambda m, x: m.diag(x)),
    ("diag_embed", lambda m, x: m.diag_embed(x, offset=1)),
    ("tril", lambda m, x: m.tril(x, 1)),
    ("triu", lambda m, x: m.triu(x, diagonal=-1)),
    ("rot90", lambda m, x: m.rot90(x, 1, [1, 0])),
]


@pytest.mark.parametrize("name,fn", FUNCTIONAL, ids=[c[0] for c in FUNCTIONAL])
def test_top_level_and_functional_spellings(name, fn):
    x = randn(3, 4, seed=3)
    check_op(lambda a: fn(cr, a), lambda a: fn(torch, a), x)
    check_op(lambda a: fn(F, a), lambda a: fn(torch, a), x, gradcheck=False)


def test_repeat_interleave_with_a_tensor_of_counts():
    counts = np.array([2, 0, 3])
    check_op(
        lambda x, r: cr.repeat_interleave(x, r, dim=0),
        lambda x, r: torch.repeat_interleave(x, r, dim=0),
        randn(3, 4),
        counts,
    )
    check_op(
        lambda x: x.repeat_interleave(cr.tensor([2]), 1),
        lambda x: x.repeat_interleave(torch.tensor([2]), 1),
        randn(3, 2),
    )
    check_op(lambda x: x.repeat_interleave(cr.tensor(3)), lambda x: x.repeat_interleave(torch.tensor(3)), randn(2, 2))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid_matches_torch(indexing, dtype):
    a, b, c = randn(3, dtype=dtype, seed=1), randn(4, dtype=dtype, seed=2), randn(2, dtype=dtype, seed=3)
    check_op(lambda *t: cr.meshgrid(*t, indexing=indexing), lambda *t: torch.meshgrid(*t, indexing=indexing), a, b, c)
    check_op(
        lambda x, y: cr.meshgrid([x, y], indexing=indexing),
        lambda x, y: torch.meshgrid([x, y], indexing=indexing),
        a,
        b,
    )
    check_op(lambda x: cr.meshgrid(x, indexing=indexing), lambda x: torch.meshgrid(x, indexing=indexing), a)
    scalar = np.asarray(1.5, dtype=dtype)
    check_op(
        lambda x, y: cr.meshgrid(x, y, indexing=indexing),
        lambda x, y: torch.meshgrid(x, y, indexing=indexing),
        scalar,
        b,
    )


def test_meshgrid_defaults_to_ij():
    grids = cr.meshgrid(cr.tensor([1.0, 2.0]), cr.tensor([3.0, 4.0, 5.0]))
    assert grids[0].shape == (2, 3) and grids[0]._base is not None


@pytest.mark.parametrize("row,col,offset", [(3, 4, 0), (4, 3, 1), (4, 4, -2), (3, 3, 5), (0, 3, 0), (3, 3, -5)])
def test_tril_and_triu_indices_match_torch(row, col, offset):
    for ours, theirs in ((cr.tril_indices, torch.tril_indices), (cr.triu_indices, torch.triu_indices)):
        got, expected = ours(row, col, offset), theirs(row, col, offset)
        assert got.dtype == np.int64 and got.shape == tuple(expected.shape)
        np.testing.assert_array_equal(got.numpy(), expected.numpy())


# ------------------------------------------------------------------------------ views
def _check_is_view(out, base):
    out = out if isinstance(out, (tuple, list)) else [out]
    for piece in out:
        assert piece._base is base and np.shares_memory(piece._data, base._data)


VIEWS = [
    ("narrow", lambda x: x.narrow(1, 1, 2)),
    ("diagonal", lambda x: x.diagonal(1)),
    ("movedim", lambda x: x.movedim(0, 1)),
    ("swapaxes", lambda x: x.swapaxes(0, 1)),
    ("unfold", lambda x: x.unfold(1, 2, 1)),
    ("unbind", lambda x: x.unbind(1)),
    ("unflatten", lambda x: x.unflatten(1, (2, 2))),
]


@pytest.mark.parametrize("name,fn", VIEWS, ids=[c[0] for c in VIEWS])
def test_view_ops_return_views(name, fn):
    base = cr.tensor(randn(3, 4, seed=4))
    out = fn(base)
    _check_is_view(out, base)
    base.add_(1.0)  # a write to the base shows through the view
    expected = fn(torch.from_numpy(base.numpy()))
    for o, e in zip(out if isinstance(out, tuple) else [out], expected if isinstance(expected, tuple) else [expected]):
        np.testing.assert_array_equal(o.numpy(), e.numpy())


# In-place writes through each view: the base sees them, and the gradients are torch's.
WRITES = [
    ("narrow", lambda y, b: y.narrow(1, 1, 2).mul_(b[:, :2])),
    ("diagonal", lambda y, b: y.diagonal().mul_(b[0, :3])),
    ("diagonal_offset", lambda y, b: y.diagonal(-1).add_(b[1, :2])),
    ("diagonal_of_transpose", lambda y, b: y.T.diagonal(1).copy_(b[2, :2])),
    ("movedim", lambda y, b: y.movedim(1, 0)[2].mul_(b[:, 0])),
    ("swapaxes", lambda y, b: y.swapaxes(0, 1).mul_(b.T)),
    ("unfold_disjoint", lambda y, b: y.unfold(1, 2, 2).mul_(b.unfold(1, 2, 2))),
    ("unfold_gaps", lambda y, b: y.unfold(1, 1, 3).mul_(b[:, :2, None])),
    ("unflatten", lambda y, b: y.unflatten(1, (2, 2))[:, 1].mul_(b[:, :2])),
    ("diagonal_then_setitem", lambda y, b: y.diagonal().__setitem__(1, b[0, 0])),
    ("tril_", lambda y, b: y.tril_(1)),
    ("triu_", lambda y, b: y[:, 1:].triu_()),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,write", WRITES, ids=[c[0] for c in WRITES])
def test_in_place_writes_through_views_match_torch(name, write, dtype):
    def fn(a, b):
        y = a * 1
        write(y, b)
        return y * a  # reads the written base

    check_op(fn, fn, randn(3, 4, dtype=dtype, seed=5), randn(3, 4, dtype=dtype, seed=6))


def test_unbind_pieces_cannot_be_written_in_place_like_torch():
    for lib in (cr, torch):
        y = lib.tensor(np.ones((2, 3)), requires_grad=True) * 1
        with pytest.raises(RuntimeError):
            y.unbind(0)[1].mul_(2)


def test_overlapping_unfold_cannot_be_written_in_place():
    # A deliberate difference: torch writes through overlapping windows, and each shared element
    # ends up multiplied once per window covering it (an order-dependent result, and autograd's
    # record of it is wrong). chainrule refuses, as it does for expand()ed tensors.
    y = cr.ones(2, 5) * 1
    with pytest.raises(RuntimeError, match="single memory location"):
        y.unfold(1, 3, 1).mul_(2)
    y.unfold(1, 2, 2).mul_(2)  # disjoint windows are fine
    assert y.tolist() == [[2.0, 2.0, 2.0, 2.0, 1.0]] * 2


def test_flip_and_roll_are_copies():
    x = cr.tensor(randn(3, 4, seed=7))
    for out in (x.flip(0), x.roll(1), x.repeat(1, 1), x.tril(), x.diag_embed(), x.rot90(), x.rot90(0), x.diag()):
        assert out._base is not x and not np.shares_memory(out._data, x._data)


# ------------------------------------------------------------------------------ scatter
SCATTER_INDEX = np.array([[0, 1, 2, 0], [2, 0, 1, 1]])  # no position written twice
REPEATED_INDEX = np.array([[0, 1, 2, 0], [0, 0, 2, 1], [0, 1, 2, 1]])


@pytest.mark.parametrize("dtype", DTYPES)
def test_scatter_matches_torch(dtype):
    x, src = randn(3, 4, dtype=dtype, seed=1), randn(2, 4, dtype=dtype, seed=2)
    check_op(lambda a, s, i: a.scatter(0, i, s), lambda a, s, i: a.scatter(0, i, s), x, src, SCATTER_INDEX)
    check_op(lambda a, i: a.scatter(0, i, -2.5), lambda a, i: a.scatter(0, i, -2.5), x, SCATTER_INDEX)
    check_op(lambda a, i: cr.scatter(a, 0, i, value=3), lambda a, i: torch.scatter(a, 0, i, value=3), x, SCATTER_INDEX)
    check_op(
        lambda a, s, i: F.scatter(a, -1, i, s),
        lambda a, s, i: torch.scatter(a, -1, i, s),
        x,
        src[:, :3],
        SCATTER_INDEX[:, [1, 2, 0]],
    )


def test_scatter_with_a_larger_src_reads_its_leading_block():
    # torch's own backward rejects a src larger than the index, so compare forward values here
    x, src = randn(3, 4, seed=1), randn(3, 5, seed=2)
    check_op(lambda a, s, i: a.scatter(0, i, s), lambda a, s, i: a.scatter(0, i, s), x, src, SCATTER_INDEX, grad=False)
    a, s = cr.tensor(x, requires_grad=True), cr.tensor(src, requires_grad=True)
    a.scatter(0, cr.tensor(SCATTER_INDEX), s).sum().backward()
    expected = np.zeros((3, 5))
    expected[:2, :4] = 1
    np.testing.assert_array_equal(s.grad.numpy(), expected)


@pytest.mark.parametrize("dtype", DTYPES)
def test_scatter_add_matches_torch(dtype):
    x, src = randn(3, 4, dtype=dtype, seed=1), randn(3, 4, dtype=dtype, seed=2)
    check_op(lambda a, s, i: a.scatter_add(0, i, s), lambda a, s, i: a.scatter_add(0, i, s), x, src, REPEATED_INDEX)
    check_op(
        lambda a, s, i: cr.scatter_add(a, 1, i, s),
        lambda a, s, i: torch.scatter_add(a, 1, i, s),
        x,
        src[:, :3],
        REPEATED_INDEX[:, :3],
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["sum", "prod", "mean", "amax", "amin"])
def test_scatter_reduce_matches_torch(reduce, include_self, dtype):
    x, src = randn(3, 4, dtype=dtype, seed=1), randn(3, 4, dtype=dtype, seed=2)

    def fn(a, s, i):
        return a.scatter_reduce(0, i, s, reduce, include_self=include_self)

    check_op(fn, fn, x, src, REPEATED_INDEX)
    check_op(
        lambda a, s, i: cr.scatter_reduce(a, 1, i, s, reduce, include_self=include_self),
        lambda a, s, i: torch.scatter_reduce(a, 1, i, s, reduce, include_self=include_self),
        x,
        src[:2, :3],
        REPEATED_INDEX[:2, :3],
    )


@pytest.mark.parametrize("include_self", [True, False])
@pytest.mark.parametrize("reduce", ["prod", "amax", "amin", "mean"])
def test_scatter_reduce_at_zeros_and_ties_matches_torch(reduce, include_self):
    # zeros in the product (one and several per position) and ties for the max / min
    x = np.array([[0.0, 1.0, 2.0, 2.0], [3.0, 0.0, 1.0, -1.0], [1.0, 1.0, 1.0, 1.0]])
    src = np.array([[0.0, 2.0, 2.0, 0.0], [0.0, 0.0, 1.0, 2.0], [3.0, 2.0, 1.0, 0.0]])

    def fn(a, s, i):
        return a.scatter_reduce(0, i, s, reduce, include_self=include_self)

    check_op(fn, fn, x, src, REPEATED_INDEX, gradcheck=False)


def test_scatter_in_place_variants_match_torch():
    x, src = randn(3, 4, seed=1), randn(3, 4, seed=2)
    variants = [
        lambda y, s, i: y.scatter_(0, i[:2], s[:2]),
        lambda y, s, i: y.scatter_(0, i[:2], 1.5),
        lambda y, s, i: y.scatter_add_(0, i, s),
        lambda y, s, i: y.scatter_reduce_(0, i, s, "amax", include_self=False),
        lambda y, s, i: y.scatter_reduce_(0, i, s, "prod"),
    ]
    for variant in variants:

        def fn(a, s, i, variant=variant):
            y = a * 1
            out = variant(y, s, i)
            assert out is y
            return y

        index = np.concatenate([SCATTER_INDEX, REPEATED_INDEX[:1]])
        check_op(fn, fn, x, src, index)


def test_scatter_errors_match_torch():
    cases = [
        lambda m: m.zeros(3, 4).scatter(0, m.zeros(1, 1), 1.0),  # float index
        lambda m: m.zeros(3, 4).scatter(0, m.tensor([[5]]), 1.0),
        lambda m: m.zeros(3, 4).scatter(0, m.tensor([[-1]]), 1.0),
        lambda m: m.zeros(3, 4).scatter(0, m.tensor([0]), 1.0),  # index of another rank
        lambda m: m.zeros(3, 4).scatter(0, m.zeros((5, 5), dtype=m.int64), m.ones(5, 5)),
        lambda m: m.zeros(3, 4).scatter(0, m.zeros((2, 2), dtype=m.int64), m.ones(1, 1)),
        lambda m: m.zeros(3, 4).scatter(0, m.zeros((1, 1), dtype=m.int64), m.ones(1, 1, dtype=m.float64)),
        lambda m: m.zeros(3, 4).scatter(2, m.zeros((1, 1), dtype=m.int64), 1.0),
        lambda m: m.zeros(3, 4).scatter_add(0, m.tensor([[3]]), m.ones(1, 1)),
        lambda m: m.zeros(3, 4).scatter_reduce(0, m.zeros((1, 1), dtype=m.int64), m.ones(1, 1), "foo"),
    ]
    for case in cases:
        _raises_like_torch(case)


def test_scatter_reduce_accepts_torchs_max_and_min_aliases():
    # torch's forward takes "max" / "min" for amax / amin (its backward then refuses them; ours does not)
    x, src = randn(3, 4, seed=1), randn(3, 4, seed=2)
    for alias in ("max", "min"):

        def fn(a, s, i, alias=alias):
            return a.scatter_reduce(0, i, s, alias)

        check_op(fn, fn, x, src, REPEATED_INDEX, grad=False)


def _raises_like_torch(case):
    with pytest.raises(Exception) as theirs:
        case(torch)
    with pytest.raises(type(theirs.value)):
        case(cr)


# ------------------------------------------------------------------------------ index ops
@pytest.mark.parametrize("dtype", DTYPES)
def test_index_ops_match_torch(dtype):
    x = randn(3, 4, dtype=dtype, seed=1)
    index = np.array([3, 0, 3])
    check_op(lambda a, i: a.index_select(1, i), lambda a, i: a.index_select(1, i), x, index)
    check_op(lambda a, i: cr.index_select(a, -2, i), lambda a, i: torch.index_select(a, -2, i), x, np.array([2, 2]))
    check_op(lambda a, i: a.index_select(0, i), lambda a, i: a.index_select(0, i), x, np.array(1))
    check_op(lambda a, i: a.index_select(0, i), lambda a, i: a.index_select(0, i), x, np.zeros(0, np.int64))
    check_op(lambda a, i: a.index_select(1, i), lambda a, i: a.index_select(1, i), x, index.astype(np.int32))
    source = randn(3, 3, dtype=dtype, seed=2)
    check_op(lambda a, s, i: a.index_add(1, i, s), lambda a, s, i: a.index_add(1, i, s), x, source, index)
    check_op(
        lambda a, s, i: cr.index_add(a, 1, i, s, alpha=-2),
        lambda a, s, i: torch.index_add(a, 1, i, s, alpha=-2),
        x,
        source,
        index,
    )
    copy_source, copy_index = randn(3, 2, dtype=dtype, seed=3), np.array([3, 1])
    check_op(lambda a, s, i: a.index_copy(1, i, s), lambda a, s, i: a.index_copy(1, i, s), x, copy_source, copy_index)
    check_op(
        lambda a, s, i: cr.index_copy(a, 1, i, s),
        lambda a, s, i: torch.index_copy(a, 1, i, s),
        x,
        copy_source,
        copy_index,
    )
    check_op(lambda a, i: a.index_fill(1, i, -1.5), lambda a, i: a.index_fill(1, i, -1.5), x, index)
    check_op(lambda a, i: a.index_fill(-1, i, -1.5), lambda a, i: a.index_fill(-1, i, -1.5), x, np.array([-1, 0]))
    value = np.asarray(2.5, dtype=dtype)
    check_op(
        lambda a, v, i: cr.index_fill(a, 0, i, v), lambda a, v, i: torch.index_fill(a, 0, i, v), x, value, index[:1] - 1
    )


def test_index_ops_on_transposed_input_match_torch():
    x = _transposed(3, 4, seed=4)
    check_op(lambda a, i: a.index_select(0, i), lambda a, i: a.index_select(0, i), x, np.array([2, 0, 2]))
    check_op(
        lambda a, s, i: a.index_add(0, i, s),
        lambda a, s, i: a.index_add(0, i, s),
        x,
        _transposed(2, 4),
        np.array([1, 1]),
    )


def test_index_in_place_variants_match_torch():
    x, source = randn(3, 4, seed=1), randn(3, 2, seed=2)
    variants = [
        lambda y, s: y.index_add_(1, _index(y, [3, 3]), s, alpha=3),
        lambda y, s: y.index_copy_(1, _index(y, [2, 0]), s),
        lambda y, s: y.index_fill_(0, _index(y, [1]), 7.0),
    ]
    for variant in variants:

        def fn(a, s, variant=variant):
            y = a * 1
            assert variant(y, s) is y
            return y * a

        check_op(fn, fn, x, source)


def _index(like, values):
    return (torch if isinstance(like, torch.Tensor) else cr).tensor(values)


@pytest.mark.parametrize("dtype", DTYPES)
def test_take_and_take_along_dim_match_torch(dtype):
    x = randn(3, 4, dtype=dtype, seed=1)
    check_op(lambda a, i: a.take(i), lambda a, i: a.take(i), x, np.array([[0, -1], [5, 5]]))
    check_op(
        lambda a, i: cr.take(a, i), lambda a, i: torch.take(a, i), _transposed(3, 4, dtype=dtype), np.array([1, 4, 11])
    )
    check_op(lambda a, i: a.take(i), lambda a, i: a.take(i), x, np.zeros((0, 2), np.int64))
    along = [
        (np.array([[0, 3], [1, 1], [2, 0]]), 1),
        (np.array([[0, 3]]), 1),  # broadcast over the rows
        (np.array([[2], [0], [1]]), -1),
        (np.array([[1, 2, 0, 0]]), 0),
        (np.array([0, 3, 11, 11]), None),
    ]
    for indices, dim in along:
        check_op(
            lambda a, i, dim=dim: cr.take_along_dim(a, i, dim),
            lambda a, i, dim=dim: torch.take_along_dim(a, i, dim),
            x,
            indices,
        )
        check_op(
            lambda a, i, dim=dim: a.take_along_dim(i, dim=dim),
            lambda a, i, dim=dim: a.take_along_dim(i, dim=dim),
            x,
            indices,
        )
    check_op(
        lambda a, i: cr.take_along_dim(a, i, 1),
        lambda a, i: torch.take_along_dim(a, i, 1),
        randn(1, 4),
        np.array([[0], [3]]),
    )


def test_index_errors_match_torch():
    cases = [
        lambda m: m.zeros(3, 4).index_select(0, m.zeros((1, 1), dtype=m.int64)),
        lambda m: m.zeros(3, 4).index_select(0, m.tensor([3])),
        lambda m: m.zeros(3, 4).index_select(0, m.tensor([-1])),
        lambda m: m.zeros(3, 4).index_select(0, m.tensor([0.0])),
        lambda m: m.zeros(3, 4).index_select(2, m.tensor([0])),
        lambda m: m.zeros(3, 4).index_add(0, m.tensor([0]), m.ones(2, 4)),
        lambda m: m.zeros(3, 4).index_add(0, m.tensor([3]), m.ones(1, 4)),
        lambda m: m.zeros(3, 4).index_add(0, m.tensor([-1]), m.ones(1, 4)),
        lambda m: m.zeros(3, 4).index_copy(0, m.tensor([-1]), m.ones(1, 4)),
        lambda m: m.zeros(3, 4).index_fill(0, m.tensor([0]), m.tensor([2.0])),
        lambda m: m.zeros(3, 4).take(m.tensor([12])),
        lambda m: m.zeros(3, 4).take(m.tensor([-13])),
        lambda m: m.take_along_dim(m.zeros(3, 4), m.tensor([0]), 1),
    ]
    for case in cases:
        _raises_like_torch(case)


# ------------------------------------------------------------------------------ F.pad modes
PADS = [
    ((2, 3, 4), (1, 2)),
    ((2, 3, 4), (2, 1, 1, -1)),
    ((1, 2, 3, 4), (1, 1, 2, 0)),
    ((2, 3, 4), (-1, 3)),
    ((2, 3, 4), (0, 0)),
    ((2, 5), (3, 2)),
    ((1, 2, 3, 3, 4), (1, 2, 2, 0, 1, 1)),
    ((2, 2, 3, 4), (3, 3, 2, 2, 1, 0)),
    ((2, 3, 4), (-2, -1)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape,pad", PADS)
def test_pad_modes_match_torch(shape, pad, mode, dtype):
    if mode == "reflect" and any(p >= n for p, n in zip(pad[::2] + pad[1::2], 2 * tuple(reversed(shape)))):
        pytest.skip("reflect padding must be smaller than the dim (tested in test_pad_mode_errors_match_torch)")
    if mode == "circular" and len(pad) == 6 and len(shape) == 4:
        pytest.skip("torch's circular 3-D padding wants a 5-D input")
    check_op(
        lambda x: F.pad(x, pad, mode=mode), lambda x: TF.pad(x, pad, mode=mode), randn(*shape, dtype=dtype, seed=1)
    )
    check_op(lambda x: F.pad(x, pad, mode), lambda x: TF.pad(x, pad, mode), _transposed(*shape, seed=2))


def test_pad_mode_errors_match_torch():
    cases = [
        lambda m: m.nn.functional.pad(m.ones(3, 4), (4, 4), mode="reflect"),
        lambda m: m.nn.functional.pad(m.ones(4), (1, 1), mode="reflect"),
        lambda m: m.nn.functional.pad(m.ones(3, 4), (1, 1, 1, 1), mode="replicate"),
        lambda m: m.nn.functional.pad(m.ones(2, 2, 3, 4), (1, 1), mode="circular"),
        lambda m: m.nn.functional.pad(m.ones(2, 3, 4), (5, 1), mode="circular"),
        lambda m: m.nn.functional.pad(m.ones(2, 3, 4), (1,), mode="reflect"),
        lambda m: m.nn.functional.pad(m.ones(2, 3, 4), (1, 1), mode="reflect", value=1.0),
        lambda m: m.nn.functional.pad(m.ones(2, 3, 4), (1, 1), mode="wrap"),
    ]
    for case in cases:
        _raises_like_torch(case)


# ------------------------------------------------------------------------------ errors
SHAPE_ERRORS = [
    lambda m: m.zeros(3, 4).repeat(2),
    lambda m: m.zeros(3, 4).repeat(2, -1),
    lambda m: m.repeat_interleave(m.zeros(3, 4), m.tensor([1, -1, 2]), dim=0),
    lambda m: m.repeat_interleave(m.zeros(3, 4), m.tensor([1, 2]), dim=0),
    lambda m: m.zeros(3, 4).flip(0, 0),
    lambda m: m.zeros(3, 4).flip(2),
    lambda m: m.fliplr(m.zeros(3)),
    lambda m: m.flipud(m.tensor(1.0)),
    lambda m: m.roll(m.zeros(3, 4), (1, 2), 0),
    lambda m: m.roll(m.zeros(3, 4), 1, (0, 1)),
    lambda m: m.movedim(m.zeros(3, 4), (0, 0), (1, 0)),
    lambda m: m.movedim(m.zeros(3, 4), (0, 1), (1,)),
    lambda m: m.movedim(m.zeros(3, 4), 2, 0),
    lambda m: m.zeros(3, 4).narrow(1, 3, 2),
    lambda m: m.zeros(3, 4).narrow(1, 0, -1),
    lambda m: m.zeros(3, 4).narrow(2, 0, 1),
    lambda m: m.zeros(3, 4).narrow(1, 5, 0),
    lambda m: m.zeros(3, 4).unbind(2),
    lambda m: m.zeros(3, 4).unflatten(1, (3, 3)),
    lambda m: m.zeros(3, 4).unflatten(1, (-1, 3)),
    lambda m: m.zeros(3, 4).diagonal(0, 0, 0),
    lambda m: m.zeros(3, 4).diagonal(0, 0, 2),
    lambda m: m.diag(m.zeros(2, 2, 2)),
    lambda m: m.tril(m.zeros(3)),
    lambda m: m.triu(m.zeros(3)),
    lambda m: m.meshgrid(m.zeros(2, 2), m.zeros(3), indexing="ij"),
    lambda m: m.meshgrid(m.zeros(2), m.zeros(3), indexing="foo"),
    lambda m: m.rot90(m.zeros(3, 4), 1, [0]),
    lambda m: m.rot90(m.zeros(3, 4), 1, [0, 0]),
    lambda m: m.rot90(m.zeros(3), 1, [0, 1]),
    lambda m: m.zeros(3, 4).unfold(1, 5, 1),
    lambda m: m.zeros(3, 4).unfold(1, 2, 0),
    lambda m: m.zeros(3, 4).unfold(2, 2, 1),
]


@pytest.mark.parametrize("case", SHAPE_ERRORS)
def test_errors_match_torch(case):
    _raises_like_torch(case)


INTEGER_INPUTS = [
    lambda m, x: x.repeat(2, 1),
    lambda m, x: x.flip(0),
    lambda m, x: x.roll(1, 1),
    lambda m, x: x.movedim(0, 1),
    lambda m, x: x.diagonal(),
    lambda m, x: x.tril(),
    lambda m, x: x.unfold(1, 2, 1),
    lambda m, x: x.index_select(1, m.tensor([0, 0])),
    lambda m, x: x.scatter_add(0, m.tensor([[1, 0, 1]]), m.tensor([[5, 6, 7]])),
    lambda m, x: x.scatter_reduce(0, m.tensor([[1, 0, 1]]), m.tensor([[5, 6, 7]]), "mean"),
    lambda m, x: x.index_fill(0, m.tensor([1]), 9),
    lambda m, x: m.nn.functional.pad(x[None].double(), (1, 2), mode="reflect"),
]


@pytest.mark.parametrize("fn", INTEGER_INPUTS)
def test_integer_inputs_keep_their_dtype_like_torch(fn):
    data = np.arange(6).reshape(2, 3)
    ours, theirs = fn(cr, cr.tensor(data)), fn(torch, torch.tensor(data))
    assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_in_place_index_ops_refuse_a_leaf_that_requires_grad_like_torch():
    for lib in (cr, torch):
        leaf = lib.zeros(3, 4, requires_grad=True)
        with pytest.raises(RuntimeError):
            leaf.index_fill_(0, lib.tensor([1]), 1.0)
        with pytest.raises(RuntimeError):
            leaf.scatter_(0, lib.tensor([[1]]), 1.0)


def test_unbind_pieces_of_a_tensor_without_grad_write_through_like_torch():
    # torch only forbids in-place writes to multi-output views when autograd would record them.
    results = []
    for lib in (cr, torch):
        y = lib.tensor(np.arange(6.0).reshape(2, 3))
        y.unbind(0)[1].mul_(2)
        results.append(y.numpy())
    np.testing.assert_array_equal(results[0], results[1])
