"""Shape ops against PyTorch: reshape/view, transpose, permute, .T, expand, squeeze, unsqueeze,
flatten, indexing, gather, cat, stack, split, chunk and pad. Every case compares the forward
values and the input gradient with torch (float32 and float64) and gradchecks in float64."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF
from hypothesis import given, settings
from hypothesis import strategies as st
from optest import check_op, randn

import chainrule as cr
import chainrule.functional as F

DTYPES = [np.float64, np.float32]

# (case id, input shape, one function that both frameworks accept as written)
SAME_CODE = [
    ("reshape_minus1", (2, 3, 4), lambda x: x.reshape(4, -1)),
    ("reshape_tuple", (2, 3, 4), lambda x: x.reshape((6, 4))),
    ("reshape_to_scalar", (1, 1), lambda x: x.reshape(())),
    ("reshape_from_scalar", (), lambda x: x.reshape(1, 1)),
    ("reshape_empty", (0, 3), lambda x: x.reshape(3, 0)),
    ("view_minus1", (2, 3, 4), lambda x: x.view(-1)),
    ("view_list", (2, 3, 4), lambda x: x.view([3, -1, 2])),
    ("transpose", (2, 3, 4), lambda x: x.transpose(0, 2)),
    ("transpose_negative", (2, 3, 4), lambda x: x.transpose(-1, -3)),
    ("transpose_same_dim", (2, 3), lambda x: x.transpose(1, -1)),
    ("permute", (2, 3, 4), lambda x: x.permute(2, 0, 1)),
    ("permute_tuple_negative", (2, 3, 4), lambda x: x.permute((-1, 0, -2))),
    ("T", (3, 4), lambda x: x.T),
    ("mT", (2, 3, 4), lambda x: x.mT),
    ("expand", (3, 1), lambda x: x.expand(3, 4)),
    ("expand_minus1_new_leading", (3, 1), lambda x: x.expand(2, -1, 5)),
    ("expand_tuple", (1, 4), lambda x: x.expand((2, 3, 4))),
    ("expand_scalar", (), lambda x: x.expand(2, 3)),
    ("squeeze_all", (1, 3, 1, 2), lambda x: x.squeeze()),
    ("squeeze_dim", (1, 3, 1, 2), lambda x: x.squeeze(2)),
    ("squeeze_negative", (1, 3, 1, 2), lambda x: x.squeeze(-2)),
    ("squeeze_not_size1_noop", (1, 3, 1, 2), lambda x: x.squeeze(1)),
    ("squeeze_tuple", (1, 3, 1, 2), lambda x: x.squeeze((0, 1, 2))),
    ("unsqueeze_first", (3, 2), lambda x: x.unsqueeze(0)),
    ("unsqueeze_last", (3, 2), lambda x: x.unsqueeze(2)),
    ("unsqueeze_negative", (3, 2), lambda x: x.unsqueeze(-1)),
    ("unsqueeze_negative_first", (3, 2), lambda x: x.unsqueeze(-3)),
    ("flatten_all", (2, 3, 2, 2), lambda x: x.flatten()),
    ("flatten_start", (2, 3, 2, 2), lambda x: x.flatten(1)),
    ("flatten_range", (2, 3, 2, 2), lambda x: x.flatten(1, 2)),
    ("flatten_negative", (2, 3, 2, 2), lambda x: x.flatten(-3, -2)),
    ("flatten_one_dim", (2, 3, 2), lambda x: x.flatten(1, 1)),
    ("flatten_scalar", (), lambda x: x.flatten()),
    ("index_int", (4, 5), lambda x: x[1]),
    ("index_negative_ints", (4, 5), lambda x: x[-1, -2]),
    ("index_slice_steps", (6, 5), lambda x: x[1:6:2, ::3]),
    ("index_negative_slices", (4, 5), lambda x: x[-3:, :-1]),
    ("index_ellipsis", (2, 3, 4), lambda x: x[..., 1]),
    ("index_ellipsis_middle", (2, 3, 4), lambda x: x[1, ..., 1:]),
    ("index_none", (3, 4), lambda x: x[:, None, 1:]),
    ("index_ellipsis_none", (2, 3), lambda x: x[None, ..., None]),
    ("index_empty_slice", (4, 3), lambda x: x[3:1]),
    ("index_list_repeated", (4, 3), lambda x: x[[0, 0, 2, 0]]),
    ("index_column_list", (4, 3), lambda x: x[:, [0, 0, 2]]),
    ("index_list_and_slice", (4, 3), lambda x: x[[1, 3, 1], 1:3]),
    ("index_two_lists", (4, 3), lambda x: x[[0, 1, 1], [2, 2, 0]]),
    ("index_lists_around_slice", (3, 4, 2), lambda x: x[[0, 0], :, [1, 1]]),
    ("index_negative_list", (4, 3), lambda x: x[[-1, 0, -1]]),
    ("index_ellipsis_list", (2, 3, 4), lambda x: x[..., [3, 3, 0]]),
    ("index_int_and_list", (2, 3, 4), lambda x: x[1, [2, 2]]),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,shape,fn", SAME_CODE, ids=[c[0] for c in SAME_CODE])
def test_shape_op_matches_torch(name, shape, fn, dtype):
    check_op(fn, fn, randn(*shape, dtype=dtype, seed=3))


# The functional / top-level spellings map onto the same ops; check each one is wired right.
FUNCTIONAL = [
    ("F.reshape", (2, 6), lambda x: F.reshape(x, (3, -1)), lambda x: torch.reshape(x, (3, -1))),
    ("cr.reshape_keyword", (2, 6), lambda x: cr.reshape(x, shape=(4, 3)), lambda x: torch.reshape(x, shape=(4, 3))),
    ("cr.transpose", (2, 3, 4), lambda x: cr.transpose(x, -1, 0), lambda x: torch.transpose(x, -1, 0)),
    ("cr.permute", (2, 3, 4), lambda x: cr.permute(x, (1, 2, 0)), lambda x: torch.permute(x, (1, 2, 0))),
    ("cr.squeeze", (1, 3, 1), lambda x: cr.squeeze(x), lambda x: torch.squeeze(x)),
    ("cr.squeeze_dim", (1, 3, 1), lambda x: cr.squeeze(x, -1), lambda x: torch.squeeze(x, -1)),
    ("cr.unsqueeze", (3, 2), lambda x: cr.unsqueeze(x, 1), lambda x: torch.unsqueeze(x, 1)),
    ("cr.flatten", (2, 3, 2), lambda x: cr.flatten(x, 1), lambda x: torch.flatten(x, 1)),
    ("F.flatten", (2, 3, 2), lambda x: F.flatten(x, 0, 1), lambda x: torch.flatten(x, 0, 1)),
    ("view_as", (2, 6), lambda x: x.view_as(cr.zeros(3, 4)), lambda x: x.view_as(torch.zeros(3, 4))),
    ("expand_as", (3, 1), lambda x: x.expand_as(cr.zeros(2, 3, 4)), lambda x: x.expand_as(torch.zeros(2, 3, 4))),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,shape,ours,theirs", FUNCTIONAL, ids=[c[0] for c in FUNCTIONAL])
def test_functional_shape_ops_match_torch(name, shape, ours, theirs, dtype):
    check_op(ours, theirs, randn(*shape, dtype=dtype, seed=4))


# Index arrays and masks travel as arguments, so they are chainrule / torch tensors.
MASK_23 = np.array([[True, False, True], [False, False, True]])
ARRAY_INDEX = [
    ("int_array_repeated", (5, 3), np.array([4, 0, 4, 4]), lambda x, i: x[i]),
    ("int_array_2d", (5, 3), np.array([[1, 1], [0, 1]]), lambda x, i: x[i]),
    ("int_array_and_slice", (5, 3), np.array([2, 2, 0]), lambda x, i: x[i, 1:3]),
    ("slice_and_int_array", (3, 5), np.array([0, 0, 2]), lambda x, i: x[:, i]),
    ("negative_int_array", (5, 3), np.array([-1, 0, -1, -5]), lambda x, i: x[i]),
    ("int32_array", (5, 3), np.array([1, 1, 3], dtype=np.int32), lambda x, i: x[i]),
    ("bool_mask_full", (2, 3), MASK_23, lambda x, m: x[m]),
    ("bool_mask_leading", (2, 3, 4), MASK_23, lambda x, m: x[m]),
    ("bool_mask_rows_and_slice", (3, 4), np.array([True, False, True]), lambda x, m: x[m, 1:]),
    ("slice_and_bool_mask", (2, 3, 4), np.array([False, True, True]), lambda x, m: x[:, m]),
    ("bool_mask_all_false", (2, 3), np.zeros((2, 3), bool), lambda x, m: x[m]),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name,shape,index,fn", ARRAY_INDEX, ids=[c[0] for c in ARRAY_INDEX])
def test_getitem_with_index_tensors_matches_torch(name, shape, index, fn, dtype):
    check_op(fn, fn, randn(*shape, dtype=dtype, seed=5), index)


def test_getitem_repeated_indices_accumulate():
    x = cr.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    x[[0, 2, 0, 0]].sum().backward()
    np.testing.assert_array_equal(x.grad.detach().numpy(), [[3, 3], [0, 0], [1, 1]])
    y = cr.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    (y[:, [0, 0, 2]] * 2).sum().backward()
    np.testing.assert_array_equal(y.grad.detach().numpy(), [[4, 0, 2], [4, 0, 2]])


def test_getitem_with_mask_from_comparison():
    data = randn(3, 4, seed=6)
    check_op(lambda x: x[x > 0], lambda x: x[x > 0], data)


def test_getitem_out_of_range_names_getitem_and_shape():
    x = cr.zeros(3, 4)
    with pytest.raises(IndexError, match=r"getitem.*\(3, 4\)"):
        x[3]
    with pytest.raises(IndexError, match=r"getitem.*\(3, 4\)"):
        x[:, -5]
    with pytest.raises(IndexError, match=r"getitem.*\(3, 4\)"):
        x[[0, 7]]
    with pytest.raises(IndexError, match=r"getitem.*\(3, 4\)"):
        x[np.ones(4, bool)]


def test_getitem_float_index_is_rejected():
    with pytest.raises(IndexError, match="getitem"):
        cr.zeros(3)[cr.tensor([0.0, 1.0])]


def test_reshape_error_names_op_and_shapes():
    x = cr.zeros(2, 3)
    with pytest.raises(RuntimeError, match=r"reshape.*\[4, 2\].*size 6.*\(2, 3\)"):  # torch: RuntimeError
        x.reshape(4, 2)
    with pytest.raises(RuntimeError, match=r"view.*\[4, -1\].*size 6"):  # torch: RuntimeError
        x.view(4, -1)
    with pytest.raises(TypeError, match="reshape"):
        x.reshape(2.0, 3)


def test_dim_errors_name_the_op():
    x = cr.zeros(2, 3)
    with pytest.raises(IndexError, match="transpose"):
        x.transpose(0, 2)
    with pytest.raises(IndexError, match="unsqueeze"):
        x.unsqueeze(3)
    with pytest.raises(RuntimeError, match="permute"):  # torch: RuntimeError (tests/test_errors.py)
        x.permute(0, 0)
    with pytest.raises(RuntimeError, match="permute"):
        x.permute(0)
    with pytest.raises(ValueError, match=r"expand.*\(2, 3\)"):
        x.expand(2, 4)
    with pytest.raises(ValueError, match="flatten"):
        x.flatten(1, 0)


# ------------------------------------------------------------------------------ gather
GATHER = [
    ((3, 4), 1, np.array([[0, 0, 3], [1, 1, 1], [3, 2, 0]])),
    ((3, 4), 0, np.array([[2, 2, 2, 0], [0, 0, 1, 1]])),
    ((3, 4), -1, np.array([[3], [3], [0]])),
    ((2, 3, 4), 1, np.array([[[0, 2], [0, 2]], [[1, 1], [2, 0]]])),  # smaller than the input in dims 0 and 2
    ((3, 4), 1, np.array([[0, 0], [1, 3]])),  # fewer rows than the input
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,dim,index", GATHER)
def test_gather_matches_torch(shape, dim, index, dtype):
    x = randn(*shape, dtype=dtype, seed=7)
    check_op(lambda a, i: a.gather(dim, i), lambda a, i: a.gather(dim, i), x, index)
    check_op(lambda a, i: cr.gather(a, dim, i), lambda a, i: torch.gather(a, dim, i), x, index)


def test_gather_bad_index_errors():
    # every one a RuntimeError, as torch raises them (side by side in tests/test_errors.py)
    x = cr.zeros(3, 4)
    with pytest.raises(RuntimeError, match=r"gather.*\(3, 4\)"):
        x.gather(1, cr.tensor([[4], [0], [0]]))
    with pytest.raises(RuntimeError, match="gather"):
        x.gather(1, cr.tensor([[-1], [0], [0]]))  # torch rejects negative indices rather than wrapping
    with pytest.raises(RuntimeError, match="gather"):
        x.gather(1, cr.tensor(np.zeros((4, 1), np.int64)))  # more rows than the input has
    with pytest.raises(RuntimeError, match="gather"):
        x.gather(1, cr.tensor([[0.0], [0.0], [0.0]]))
    with pytest.raises(RuntimeError, match="gather"):
        x.gather(1, cr.tensor([0, 1]))


# ------------------------------------------------------------------------------ cat / stack
CAT = [
    ([(2, 3), (4, 3)], 0),
    ([(2, 3), (2, 0), (2, 1)], -1),
    ([(0, 3), (2, 3)], 0),
    ([(2, 1, 3), (2, 2, 3), (2, 1, 3)], 1),
    ([(3,)], 0),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shapes,dim", CAT)
def test_cat_matches_torch(shapes, dim, dtype):
    arrays = [randn(*s, dtype=dtype, seed=i) for i, s in enumerate(shapes)]
    check_op(lambda *xs: cr.cat(xs, dim=dim), lambda *xs: torch.cat(xs, dim=dim), *arrays)
    check_op(lambda *xs: F.concat(list(xs), dim), lambda *xs: torch.concat(xs, dim), *arrays)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "shape,count,dim", [((2, 3), 3, 0), ((2, 3), 2, -1), ((2, 3), 2, 1), ((), 3, 0), ((0, 2), 2, 1)]
)
def test_stack_matches_torch(shape, count, dim, dtype):
    arrays = [randn(*shape, dtype=dtype, seed=i) for i in range(count)]
    check_op(lambda *xs: cr.stack(xs, dim=dim), lambda *xs: torch.stack(xs, dim=dim), *arrays)


@pytest.mark.parametrize("dtype", DTYPES)
def test_cat_skips_legacy_empty_1d_tensor_like_torch(dtype):
    arrays = [
        np.zeros(0, dtype),
        randn(2, 3, dtype=dtype, seed=1),
        np.zeros(0, dtype),
        randn(1, 3, dtype=dtype, seed=2),
    ]
    check_op(lambda *xs: cr.cat(xs), lambda *xs: torch.cat(xs), *arrays)
    check_op(lambda *xs: cr.cat(xs), lambda *xs: torch.cat(xs), np.zeros(0, dtype), np.zeros(0, dtype))


def test_cat_and_stack_errors_name_the_op_and_shapes():
    with pytest.raises(ValueError, match=r"cat.*\(2, 3\).*\(2, 4\)"):
        cr.cat([cr.zeros(2, 3), cr.zeros(2, 4)], dim=0)
    with pytest.raises(ValueError, match="cat"):
        cr.cat([])
    with pytest.raises(IndexError, match="cat"):
        cr.cat([cr.zeros(2, 3)], dim=2)
    with pytest.raises(ValueError, match=r"stack.*\(2, 3\).*\(3, 2\)"):
        cr.stack([cr.zeros(2, 3), cr.zeros(3, 2)])
    with pytest.raises(IndexError, match="stack"):
        cr.stack([cr.zeros(2, 3)], dim=3)


# ------------------------------------------------------------------------------ split / chunk
SPLITS = [
    ((5, 4), 2, 0),
    ((3, 7), 3, 1),
    ((3, 7), 7, -1),
    ((3, 7), 10, 1),
    ((6, 2), [1, 3, 2], 0),
    ((2, 5), [0, 3, 2], -1),
    ((0, 3), 2, 0),
    ((0, 3), 0, 0),
    ((0, 3), [0, 0], 0),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,sizes,dim", SPLITS)
def test_split_matches_torch(shape, sizes, dim, dtype):
    x = randn(*shape, dtype=dtype, seed=8)
    check_op(lambda a: a.split(sizes, dim), lambda a: a.split(sizes, dim), x)
    check_op(lambda a: cr.split(a, sizes, dim=dim), lambda a: torch.split(a, sizes, dim=dim), x)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "shape,chunks,dim",
    [((5, 2), 3, 0), ((6, 2), 4, 0), ((2, 7), 2, -1), ((2, 3), 5, 1), ((4, 2), 4, 0), ((0, 3), 2, 0), ((3, 0), 3, 1)],
)
def test_chunk_matches_torch(shape, chunks, dim, dtype):
    x = randn(*shape, dtype=dtype, seed=9)
    out = check_op(lambda a: cr.chunk(a, chunks, dim), lambda a: torch.chunk(a, chunks, dim), x)
    assert len(out) == len(torch.chunk(torch.zeros(shape), chunks, dim))
    check_op(lambda a: a.chunk(chunks, dim=dim), lambda a: a.chunk(chunks, dim=dim), x)


def test_split_errors():
    x = cr.zeros(5, 2)
    with pytest.raises(ValueError, match=r"split.*\[2, 2\].*5"):
        x.split([2, 2])
    with pytest.raises(ValueError, match="split"):
        x.split(0)
    with pytest.raises(ValueError, match="split"):
        x.split([-1, 6])
    with pytest.raises(ValueError, match="chunk"):
        x.chunk(0)


def test_split_pieces_feed_one_gradient():
    x = cr.tensor(np.arange(6.0), requires_grad=True)
    a, b, c = x.split(2)
    (a * 1 + b * 2 + c * 3).sum().backward()
    np.testing.assert_array_equal(x.grad.detach().numpy(), [1, 1, 2, 2, 3, 3])


# ------------------------------------------------------------------------------ pad
PADS = [
    ((3, 4), (1, 2), 0.0),
    ((3, 4), (0, 0), 0.0),
    ((2, 3, 4), (1, 0, 2, 1), 0.0),
    ((2, 3, 4), (1, 1, 0, 2, 1, 0), -1.5),
    ((3, 4), (-1, 2), 0.0),
    ((3, 4), (-1, -1, 1, -2), 2.5),
    ((2, 3, 4), (2, -3, -1, 0, 0, 1), 0.0),
    ((5,), (2, 3), 1.0),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,pad,value", PADS)
def test_pad_matches_torch(shape, pad, value, dtype):
    check_op(
        lambda x: F.pad(x, pad, value=value), lambda x: TF.pad(x, pad, value=value), randn(*shape, dtype=dtype, seed=10)
    )


def test_pad_errors():
    with pytest.raises(ValueError, match="pad"):
        F.pad(cr.zeros(3, 4), (1, 2, 3))
    with pytest.raises(ValueError, match="pad"):
        F.pad(cr.zeros(3), (1, 1, 1, 1))
    with pytest.raises(ValueError, match=r"pad.*\(3, 4\)"):
        F.pad(cr.zeros(3, 4), (-3, -2))
    with pytest.raises(NotImplementedError, match="pad"):
        F.pad(cr.zeros(3, 4), (1, 1), mode="wrap")  # torch: "Unrecognised padding mode"


# ------------------------------------------------------------------------------ property test
@settings(max_examples=25, deadline=None)
@given(
    shape=st.lists(st.integers(1, 4), min_size=1, max_size=3),
    data=st.data(),
)
def test_random_permute_then_index_matches_torch(shape, data):
    perm = data.draw(st.permutations(range(len(shape))))
    permuted = [shape[p] for p in perm]
    index = np.array(data.draw(st.lists(st.integers(-permuted[0], permuted[0] - 1), min_size=1, max_size=6)))
    x = randn(*shape, seed=11)

    def fn(a, i):
        return a.permute(*perm)[i].reshape(-1)

    check_op(fn, fn, x, index)
