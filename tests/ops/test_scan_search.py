"""prod, amax/amin/aminmax, any/all, std_mean/var_mean, the scans (cumsum cumprod logcumsumexp
cummax cummin) and sorting (sort argsort topk) against PyTorch: zeros and ties in the gradients,
dims, keepdim, empty and 0-d inputs, non-contiguous inputs, dtypes and the errors torch raises."""

import numpy as np
import pytest
import torch
from optest import check_op, randn

import chainrule as cr

DTYPES = [np.float64, np.float32]
NAN = float("nan")
INF = float("inf")


def _both(fn):
    """The same call on both libraries: fn(lib, x, ...)."""
    return (lambda *a: fn(cr, *a)), (lambda *a: fn(torch, *a))


def _raises_like_torch(fn, *arrays):
    with pytest.raises(Exception) as theirs:
        fn(torch, *[torch.from_numpy(np.asarray(a)) for a in arrays])
    with pytest.raises(type(theirs.value)):
        fn(cr, *[cr.tensor(np.asarray(a)) for a in arrays])


# ---------------------------------------------------------------------------------------- prod
ZERO_CASES = [
    [[1.5, 2.0, -3.0], [0.5, 4.0, 2.0]],  # no zero
    [[1.5, 0.0, -3.0], [0.5, 4.0, 2.0]],  # one zero in one row
    [[0.0, 0.0, -3.0], [0.5, 0.0, 2.0]],  # two zeros in a row, one in the other
    [[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]],
]


@pytest.mark.parametrize("values", ZERO_CASES)
@pytest.mark.parametrize("dtype", DTYPES)
def test_prod_gradient_is_exact_with_zeros(values, dtype):
    x = np.array(values, dtype=dtype)
    check_op(*_both(lambda lib, t: lib.prod(t)), x)
    for dim in (0, 1, -1):
        check_op(*_both(lambda lib, t, dim=dim: lib.prod(t, dim)), x)
        check_op(*_both(lambda lib, t, dim=dim: t.prod(dim, keepdim=True)), x)
    check_op(*_both(lambda lib, t: lib.prod(t.T, 1)), x)  # a transposed view


@pytest.mark.parametrize("shape,dim", [((0, 3), 0), ((0, 3), 1), ((), 0), ((), None), ((1,), -1), ((2, 1, 3), 1)])
def test_prod_empty_and_small(shape, dim):
    x = randn(*shape, seed=1)
    if dim is None:
        check_op(*_both(lambda lib, t: lib.prod(t)), x)
    else:
        check_op(*_both(lambda lib, t: lib.prod(t, dim)), x)


def test_prod_dtypes():
    for values in ([1, 2, 3], [True, False], np.array([2, 3], dtype=np.int32)):
        theirs = torch.prod(torch.tensor(values))
        ours = cr.prod(cr.tensor(values))
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "") and ours.item() == theirs.item()
    x = randn(3, 4, dtype=np.float32, seed=2)
    check_op(
        lambda t: cr.prod(t, 1, dtype=cr.float64), lambda t: torch.prod(t, 1, dtype=torch.float64), x, gradcheck=False
    )


def test_prod_errors():
    x = randn(2, 3, seed=3)
    _raises_like_torch(lambda lib, t: lib.prod(t, (0, 1)), x)
    _raises_like_torch(lambda lib, t: lib.prod(t, 2), x)


# ------------------------------------------------------------------------------- amax / amin
@pytest.mark.parametrize("op", ["amax", "amin"])
@pytest.mark.parametrize("dim", [(), 0, -1, (0, 1), (1, -3), [2]])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_amax_amin_split_ties_evenly(op, dim, keepdim, dtype):
    x = np.array([[[1, 3, 3], [2, 0, 0]], [[3, 1, 0], [0, 2, 2]]], dtype=dtype)  # ties everywhere
    check_op(*_both(lambda lib, t: getattr(lib, op)(t, dim, keepdim)), x, gradcheck=False)
    check_op(*_both(lambda lib, t: getattr(t, op)(dim=dim, keepdim=keepdim)), x, gradcheck=False)
    check_op(*_both(lambda lib, t: getattr(lib, op)(t, dim, keepdim)), randn(2, 2, 3, seed=4))


def test_amax_nan_empty_int_and_0d():
    check_op(*_both(lambda lib, t: lib.amax(t, 1)), np.array([[1.0, NAN, NAN], [2.0, 1.0, 0.0]]), gradcheck=False)
    check_op(*_both(lambda lib, t: lib.amin(t, 0)), np.zeros((3, 0)), grad=False)
    check_op(*_both(lambda lib, t: lib.amax(t)), np.asarray(2.5))
    check_op(*_both(lambda lib, t: lib.amax(t, 0)), np.asarray(2.5))
    ours, theirs = cr.amax(cr.tensor([1, 5, 2]), 0), torch.amax(torch.tensor([1, 5, 2]), 0)
    assert ours.item() == theirs.item() and ours.dtype == cr.int64
    _raises_like_torch(lambda lib, t: lib.amax(t, 0), np.zeros((0, 3)))
    _raises_like_torch(lambda lib, t: lib.amin(t), np.zeros((0, 3)))
    _raises_like_torch(lambda lib, t: lib.amax(t, 2), np.zeros((2, 3)))


@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_aminmax(dim, keepdim):
    x = np.array([[1.0, 3.0, 3.0], [0.0, 0.0, 2.0]])
    kwargs = {"keepdim": keepdim} if dim is None else {"dim": dim, "keepdim": keepdim}
    out = check_op(*_both(lambda lib, t: lib.aminmax(t, **kwargs)), x, gradcheck=False)
    check_op(*_both(lambda lib, t: t.aminmax(**kwargs)), randn(3, 4, seed=5))
    result = cr.aminmax(cr.tensor(x), **kwargs)
    assert result.min is result[0] and result.max is result[1] and len(out) == 2


def test_aminmax_errors():
    _raises_like_torch(lambda lib, t: lib.aminmax(t), np.zeros((0, 3)))
    _raises_like_torch(lambda lib, t: lib.aminmax(t, dim=0), np.zeros((0, 3)))
    check_op(*_both(lambda lib, t: lib.aminmax(t, dim=1)), np.zeros((0, 3)), grad=False)


# ------------------------------------------------------------------------------------ any / all
@pytest.mark.parametrize("op", ["any", "all"])
@pytest.mark.parametrize("dim", [None, 0, 1, -1, (0, 1), (-1,), ()])
@pytest.mark.parametrize("keepdim", [False, True])
def test_any_all(op, dim, keepdim):
    for values in ([[1.0, 0.0, 2.0], [0.0, 0.0, 0.0]], [[True, True], [False, True]], np.zeros((0, 2))):
        if dim is None:
            call = lambda lib, t: getattr(lib, op)(t, keepdim=keepdim) if keepdim else getattr(lib, op)(t)  # noqa: E731
        else:
            call = lambda lib, t: getattr(t, op)(dim, keepdim)  # noqa: E731
        check_op(*_both(call), np.asarray(values), grad=False)
        assert getattr(cr, op)(cr.tensor(values)).dtype == cr.bool
    x = np.array([[1, 0], [0, 0]], dtype=np.uint8)
    assert cr.any(cr.tensor(x), 1).dtype == cr.uint8 and cr.any(cr.tensor(x), 1).tolist() == [1, 0]
    _raises_like_torch(lambda lib, t: getattr(lib, op)(t, 2), np.zeros((2, 3)))


# ---------------------------------------------------------------------------- std_mean / var_mean
@pytest.mark.parametrize("op", ["std_mean", "var_mean"])
@pytest.mark.parametrize("dim", [None, 0, (0, -1)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_std_var_mean(op, dim, dtype):
    x = randn(3, 4, dtype=dtype, seed=6)
    check_op(*_both(lambda lib, t: getattr(lib, op)(t, dim)), x)
    check_op(*_both(lambda lib, t: getattr(lib, op)(t, dim, keepdim=True, correction=0)), x)
    check_op(*_both(lambda lib, t: getattr(lib, op)(t, dim, False)), x)  # unbiased positionally
    check_op(*_both(lambda lib, t: getattr(lib, op)(t, False)), x)  # the unbiased-only overload


# -------------------------------------------------------------------------------------- scans
@pytest.mark.parametrize("op", ["cumsum", "cumprod", "logcumsumexp"])
@pytest.mark.parametrize("shape,dim", [((3, 4), 0), ((3, 4), 1), ((2, 3, 4), -1), ((5,), 0), ((), 0), ((0, 3), 0)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_scans(op, shape, dim, dtype):
    x = randn(*shape, dtype=dtype, seed=7)
    check_op(*_both(lambda lib, t: getattr(lib, op)(t, dim)), x)
    check_op(*_both(lambda lib, t: getattr(t, op)(dim)), x, gradcheck=False)
    if len(shape) >= 2:
        check_op(*_both(lambda lib, t: getattr(lib, op)(t, dim)), x.swapaxes(0, -1))  # non-contiguous


@pytest.mark.parametrize(
    "values",
    [
        [[2.0, 0.0, 3.0, 1.5], [1.0, 2.0, 0.5, -1.0]],
        [[0.0, 2.0, 0.0, 1.5], [0.0, 0.0, 0.0, 0.0]],
        [[1.5, -2.0, 3.0, 0.0], [2.0, 0.0, 0.5, 0.0]],
    ],
)
@pytest.mark.parametrize("dtype", DTYPES)
def test_cumprod_gradient_is_exact_with_zeros(values, dtype):
    x = np.array(values, dtype=dtype)
    check_op(*_both(lambda lib, t: lib.cumprod(t, 1)), x)
    check_op(*_both(lambda lib, t: lib.cumprod(t, 0)), x)


def test_logcumsumexp_extremes():
    x = np.array([[1000.0, -1000.0, 1000.0], [-INF, -INF, 0.0], [-INF, 2.0, -INF]])
    check_op(*_both(lambda lib, t: lib.logcumsumexp(t, 1)), x, gradcheck=False)
    _raises_like_torch(lambda lib, t: lib.logcumsumexp(t, 0), np.array([1, 2]))


def test_scan_dtypes_and_errors():
    for op in ("cumsum", "cumprod"):
        for values in ([1, 2, 3], [True, True, False], np.array([2, 3], dtype=np.int32)):
            theirs = getattr(torch, op)(torch.tensor(values), 0)
            ours = getattr(cr, op)(cr.tensor(values), 0)
            assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "") and ours.tolist() == theirs.tolist()
        _raises_like_torch(lambda lib, t, op=op: getattr(lib, op)(t, 2), np.zeros((2, 3)))
        _raises_like_torch(lambda lib, t, op=op: getattr(lib, op)(t, None), np.zeros((2, 3)))
    x = randn(3, 4, dtype=np.float32, seed=8)
    check_op(lambda t: cr.cumsum(t, 1, dtype=cr.float64), lambda t: torch.cumsum(t, 1, dtype=torch.float64), x)


def test_cumsum_in_place():
    ours = cr.tensor(randn(3, 4, seed=9), requires_grad=True)
    theirs = torch.tensor(ours.detach().numpy(), requires_grad=True)
    a, b = ours * 2, theirs * 2
    a.cumsum_(1).cumprod_(0)
    b.cumsum_(1).cumprod_(0)
    np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy())
    a.sum().backward()
    b.sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy())


@pytest.mark.parametrize("op", ["cummax", "cummin"])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("dtype", DTYPES)
def test_cummax_cummin_ties_latest_index(op, dim, dtype):
    x = np.array([[2, 1, 1, 3, 3], [0, 0, 2, 2, -1], [1, 2, 1, 0, 0]], dtype=dtype)
    check_op(*_both(lambda lib, t: getattr(lib, op)(t, dim)), x, gradcheck=False)
    check_op(*_both(lambda lib, t: tuple(getattr(t, op)(dim))), randn(3, 5, dtype=dtype, seed=10))
    out = getattr(cr, op)(cr.tensor(x), dim)
    assert out.indices.dtype == cr.int64 and out.values is out[0]


def test_cummax_nan_int_0d_empty():
    x = np.array([[2.0, NAN, 3.0, 1.0], [1.0, 0.0, NAN, NAN]])
    for op in ("cummax", "cummin"):
        check_op(*_both(lambda lib, t, op=op: getattr(lib, op)(t, 1)), x, gradcheck=False)
        check_op(*_both(lambda lib, t, op=op: getattr(lib, op)(t, 0)), np.asarray(1.5))
        check_op(*_both(lambda lib, t, op=op: getattr(lib, op)(t, 0)), np.zeros((0, 3)))
        check_op(*_both(lambda lib, t, op=op: getattr(lib, op)(t, 1)), np.array([[3, 1, 4, 1, 5]]), grad=False)
        _raises_like_torch(lambda lib, t, op=op: getattr(lib, op)(t, 2), np.zeros((2, 3)))


# ------------------------------------------------------------------------------------ sorting
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("descending", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_sort_stable_ties_and_nan(dim, descending, dtype):
    x = np.array([[2, 1, 2, NAN, 1], [0, 0, -1, 3, 0], [NAN, 1, NAN, 1, 2]], dtype=dtype)
    call = lambda lib, t: tuple(lib.sort(t, dim=dim, descending=descending, stable=True))  # noqa: E731
    check_op(*_both(call), x, gradcheck=False)
    check_op(*_both(lambda lib, t: lib.argsort(t, dim=dim, descending=descending, stable=True)), x, grad=False)
    check_op(*_both(lambda lib, t: t.argsort(dim=dim, descending=descending, stable=True)), x, grad=False)
    check_op(*_both(lambda lib, t: tuple(t.sort(dim, descending))), randn(3, 5, seed=11))
    check_op(*_both(lambda lib, t: lib.sort(t, dim).values), randn(4, 5, seed=12).T)  # non-contiguous


def test_sort_int_0d_empty_and_errors():
    check_op(*_both(lambda lib, t: tuple(lib.sort(t, descending=True))), np.array([3, 1, 2, 3]), grad=False)
    check_op(*_both(lambda lib, t: tuple(lib.sort(t))), np.asarray(1.5))
    check_op(*_both(lambda lib, t: tuple(lib.sort(t, 0))), np.zeros((0, 3)))
    check_op(*_both(lambda lib, t: lib.argsort(t)), np.asarray(1.5), grad=False)
    result = cr.sort(cr.tensor([2.0, 1.0]))
    assert result.values is result[0] and result.indices.dtype == cr.int64
    _raises_like_torch(lambda lib, t: lib.sort(t, 2), np.zeros((2, 3)))
    _raises_like_torch(lambda lib, t: lib.argsort(t, 2), np.zeros((2, 3)))


@pytest.mark.parametrize("k", [0, 1, 3, 5])
@pytest.mark.parametrize("dim", [1, -1, 0])
@pytest.mark.parametrize("largest", [True, False])
@pytest.mark.parametrize("dtype", DTYPES)
def test_topk(k, dim, largest, dtype):
    x = randn(5, 5, dtype=dtype, seed=13)
    check_op(*_both(lambda lib, t: tuple(lib.topk(t, k, dim, largest))), x)
    check_op(*_both(lambda lib, t: tuple(t.topk(k, dim=dim, largest=largest, sorted=True))), x.T, gradcheck=False)


def test_topk_edges_and_errors():
    check_op(*_both(lambda lib, t: tuple(lib.topk(t, 1))), np.asarray(2.5))
    check_op(*_both(lambda lib, t: tuple(lib.topk(t, 2))), np.array([[1.0, NAN, 3.0]]), gradcheck=False)
    check_op(*_both(lambda lib, t: tuple(lib.topk(t, 2))), np.array([4, 1, 7]), grad=False)
    result = cr.topk(cr.tensor([1.0, 3.0, 2.0]), 2)
    assert result.values.tolist() == [3.0, 2.0] and result.indices.tolist() == [1, 2]
    _raises_like_torch(lambda lib, t: lib.topk(t, 4), np.zeros(3))
    _raises_like_torch(lambda lib, t: lib.topk(t, -1), np.zeros(3))
    _raises_like_torch(lambda lib, t: lib.topk(t, 1, 2), np.zeros((2, 3)))


# ---------------------------------------------------------------------------- order statistics
@pytest.mark.parametrize("op", ["median", "nanmedian"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_median_all_splits_ties_evenly(op, dtype):
    for values in ([[3, 1, 2, 1], [2, 5, 1, 0]], [[1, 2, 2, 1]], [[NAN, 1, 0, 2]], [[NAN, NAN]], [[4]]):
        check_op(*_both(lambda lib, t: getattr(lib, op)(t)), np.array(values, dtype=dtype), gradcheck=False)
    check_op(*_both(lambda lib, t: getattr(t, op)()), randn(3, 5, dtype=dtype, seed=14))
    check_op(*_both(lambda lib, t: getattr(lib, op)(t)), randn(4, 3, seed=15).T)  # non-contiguous


@pytest.mark.parametrize("op", ["median", "nanmedian"])
@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
def test_median_dim(op, dim, keepdim):
    # tie-free inputs: torch's index among tied values is its selection algorithm's choice
    x = randn(4, 5, seed=16)
    check_op(*_both(lambda lib, t: tuple(getattr(lib, op)(t, dim, keepdim))), x)
    check_op(*_both(lambda lib, t: tuple(getattr(t, op)(dim=dim, keepdim=keepdim))), x.T, gradcheck=False)
    nan = np.array([[1.0, NAN, 3.0, 0.5], [2.0, 1.0, 0.0, -1.0]])
    check_op(*_both(lambda lib, t: tuple(getattr(lib, op)(t, 1, keepdim))), nan, gradcheck=False)
    all_nan = np.full((2, 4), NAN)  # which NaN's index torch returns is its selection's choice
    check_op(*_both(lambda lib, t: getattr(lib, op)(t, 1, keepdim).values), all_nan, grad=False)


def test_median_edges_and_errors():
    check_op(*_both(lambda lib, t: lib.median(t)), np.zeros((0, 3)))
    check_op(*_both(lambda lib, t: tuple(lib.median(t, 0))), np.asarray(1.5))
    check_op(*_both(lambda lib, t: tuple(lib.median(t, 1))), np.zeros((0, 3)))
    check_op(*_both(lambda lib, t: lib.median(t)), np.array([5, 1, 3, 2]), grad=False)
    result = cr.median(cr.tensor([[1.0, 3.0, 2.0]]), 1)
    assert result.values is result[0] and result.indices.tolist() == [2]
    _raises_like_torch(lambda lib, t: lib.median(t, 0), np.zeros((0, 3)))
    _raises_like_torch(lambda lib, t: lib.nanmedian(t, 2), np.zeros((2, 3)))


@pytest.mark.parametrize("k", [1, 2, 4])
@pytest.mark.parametrize("dim", [0, -1])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_kthvalue(k, dim, keepdim, dtype):
    x = randn(4, 4, dtype=dtype, seed=17)
    check_op(*_both(lambda lib, t: tuple(lib.kthvalue(t, k, dim, keepdim))), x)
    check_op(*_both(lambda lib, t: tuple(t.kthvalue(k, dim=dim, keepdim=keepdim))), x.T, gradcheck=False)


def test_kthvalue_nan_and_errors():
    x = np.array([[1.0, NAN, 2.0]])
    for k in (1, 2, 3):
        check_op(*_both(lambda lib, t, k=k: tuple(lib.kthvalue(t, k, 1))), x, gradcheck=False)
    check_op(*_both(lambda lib, t: tuple(lib.kthvalue(t, 1))), np.asarray(2.0))
    _raises_like_torch(lambda lib, t: lib.kthvalue(t, 4), np.zeros(3))
    _raises_like_torch(lambda lib, t: lib.kthvalue(t, 0), np.zeros(3))
    _raises_like_torch(lambda lib, t: lib.kthvalue(t, 1, 2), np.zeros((2, 3)))


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_mode_smallest_most_frequent_last_index(dim, keepdim, dtype):
    x = np.array([[1, 2, 2, 1, 3], [3, 3, 1, 1, 0], [5, 4, 4, 5, 4], [0, 1, 2, 3, 4]], dtype=dtype)
    check_op(*_both(lambda lib, t: tuple(lib.mode(t, dim, keepdim))), x, gradcheck=False)
    check_op(*_both(lambda lib, t: tuple(t.mode(dim, keepdim))), x.T, gradcheck=False)
    check_op(*_both(lambda lib, t: tuple(lib.mode(t, dim, keepdim))), randn(3, 4, dtype=dtype, seed=18))
    check_op(*_both(lambda lib, t: tuple(lib.mode(t))), np.array([[2, 7, 2, 7, 1]]), grad=False)
    _raises_like_torch(lambda lib, t: lib.mode(t, 2), np.zeros((2, 3)))


# --------------------------------------------------------------------------------- quantile
@pytest.mark.parametrize("interpolation", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("dim", [None, 0, 1, -1])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_quantile(interpolation, dim, keepdim, dtype):
    x = randn(4, 6, dtype=dtype, seed=19)
    q = np.array([0.13, 0.37, 0.61, 0.88], dtype=dtype)  # ranks off integers and halves: gradchecked
    for op in ("quantile", "nanquantile"):
        call = lambda lib, t, qq, op=op: getattr(lib, op)(t, qq, dim, keepdim, interpolation=interpolation)  # noqa: E731
        check_op(*_both(call), x, q)
        check_op(*_both(call), x, np.array([0.0, 1.0], dtype=dtype), gradcheck=False)
        check_op(*_both(call), x, np.asarray(0.37, dtype=dtype))
        check_op(*_both(lambda lib, t, op=op: getattr(t, op)(0.3, dim, keepdim, interpolation=interpolation)), x.T)


def test_quantile_nan_and_ties():
    x = np.array([[1.0, NAN, 2.0, 0.5, 2.0], [2.0, 2.0, 2.0, -1.0, 3.0], [NAN, NAN, NAN, NAN, NAN]])
    q = np.array([0.2, 0.5, 0.9])
    for op in ("quantile", "nanquantile"):
        for interpolation in ("linear", "nearest", "midpoint"):
            call = lambda lib, t, qq, op=op, i=interpolation: getattr(lib, op)(t, qq, 1, interpolation=i)  # noqa: E731
            check_op(*_both(call), x, q, grad=False)
    check_op(*_both(lambda lib, t: lib.quantile(t, 0.5)), np.asarray(2.0))
    check_op(*_both(lambda lib, t: lib.quantile(t, 0.5, 0)), np.asarray(2.0))


def test_quantile_errors():
    x = np.zeros((2, 3))
    _raises_like_torch(lambda lib, t: lib.quantile(t, 1.5), x)
    _raises_like_torch(lambda lib, t: lib.quantile(t, -0.1), x)
    _raises_like_torch(lambda lib, t: lib.quantile(t, 0.5), np.zeros(3, dtype=np.int64))
    _raises_like_torch(lambda lib, t: lib.quantile(t, 0.5), np.zeros((0, 3)))
    _raises_like_torch(lambda lib, t: lib.quantile(t, 0.5, 2), x)
    _raises_like_torch(lambda lib, t, q: lib.quantile(t, q), x, np.array([0.5], dtype=np.float32))
    _raises_like_torch(lambda lib, t, q: lib.quantile(t, q), x, np.full((2, 2), 0.5))
    _raises_like_torch(lambda lib, t: lib.quantile(t, 0.5, interpolation="cubic"), x)


# ------------------------------------------------------------------------------- nansum / nanmean
@pytest.mark.parametrize("op", ["nansum", "nanmean"])
@pytest.mark.parametrize("dim", [None, 0, 1, (0, 1), -1])
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_nansum_nanmean(op, dim, keepdim, dtype):
    x = np.array([[1.0, NAN, 2.0], [NAN, NAN, NAN], [0.5, -1.0, 3.0]], dtype=dtype)
    call = lambda lib, t: getattr(lib, op)(t, dim, keepdim) if dim is not None else getattr(lib, op)(t)  # noqa: E731
    check_op(*_both(call), x, gradcheck=False)
    check_op(*_both(lambda lib, t: getattr(t, op)(dim, keepdim)), randn(3, 4, dtype=dtype, seed=20).T)


def test_nansum_nanmean_dtypes():
    ours, theirs = cr.nansum(cr.tensor([1, 2, 3])), torch.nansum(torch.tensor([1, 2, 3]))
    assert ours.item() == theirs.item() and ours.dtype == cr.int64
    x = randn(3, 4, dtype=np.float32, seed=21)
    check_op(lambda t: cr.nansum(t, 1, dtype=cr.float64), lambda t: torch.nansum(t, 1, dtype=torch.float64), x)
    check_op(lambda t: cr.nanmean(t, dtype=cr.float64), lambda t: torch.nanmean(t, dtype=torch.float64), x)
    check_op(*_both(lambda lib, t: lib.nanmean(t, 0)), np.zeros((0, 3)))
    _raises_like_torch(lambda lib, t: lib.nanmean(t), np.array([1, 2]))


# ---------------------------------------------------------------------------------- search
def _same(ours, theirs):
    """Tensors (or tuples of them) equal to torch's in value, shape and dtype."""
    if isinstance(theirs, tuple):
        assert isinstance(ours, tuple) and len(ours) == len(theirs)
        for o, t in zip(ours, theirs):
            _same(o, t)
        return
    t = theirs.numpy()
    assert ours.shape == t.shape and ours.numpy().dtype == t.dtype, (ours, theirs)
    np.testing.assert_array_equal(ours.numpy(), t)


def _run_both(fn, *arrays):
    _same(fn(cr, *[cr.tensor(a) for a in arrays]), fn(torch, *[torch.from_numpy(np.asarray(a)) for a in arrays]))


NONZERO_INPUTS = [
    np.array([[1.0, 0.0, 2.0], [0.0, 3.0, 0.0]]),
    np.array([True, False, True]),
    np.asarray(5.0),
    np.asarray(0),
    np.zeros((0, 3)),
    np.zeros((2, 0, 3)),
    np.array([[[0, 1], [2, 0]], [[3, 0], [0, 0]]]),
]


@pytest.mark.parametrize("x", NONZERO_INPUTS, ids=range(len(NONZERO_INPUTS)))
def test_nonzero_and_count_nonzero(x):
    _run_both(lambda lib, t: lib.nonzero(t), x)
    _run_both(lambda lib, t: lib.nonzero(t, as_tuple=True), x)
    _run_both(lambda lib, t: t.nonzero(), x)
    _run_both(lambda lib, t: lib.count_nonzero(t), x)
    for dim in range(-x.ndim, x.ndim):
        _run_both(lambda lib, t, d=dim: lib.count_nonzero(t, dim=d), x)
        _run_both(lambda lib, t, d=dim: t.count_nonzero(d), x)
    if x.ndim >= 2:
        _run_both(lambda lib, t: lib.count_nonzero(t, dim=(0, -1)), x)
    _run_both(lambda lib, t: lib.nonzero(t), x.T.copy() if x.ndim else x)


def test_count_nonzero_errors():
    _raises_like_torch(lambda lib, t: lib.count_nonzero(t, 2), np.zeros((2, 3)))


@pytest.mark.parametrize(
    "shape,mask",
    [
        ((2, 3), [[True, False, True], [False, False, True]]),
        ((1, 3), [[True], [False]]),  # broadcast both ways: the input's rows are copies
        ((2, 3), [True, False, True]),
        ((3,), [False, False, False]),
        ((), True),
        ((0, 3), [True, False, True]),
    ],
)
@pytest.mark.parametrize("dtype", DTYPES)
def test_masked_select(shape, mask, dtype):
    x = randn(*shape, dtype=dtype, seed=22)
    check_op(*_both(lambda lib, t: lib.masked_select(t, lib.tensor(mask))), x)
    check_op(*_both(lambda lib, t: t.masked_select(lib.tensor(mask))), x, gradcheck=False)


def test_masked_select_errors():
    _raises_like_torch(lambda lib, t, m: lib.masked_select(t, m), np.zeros((2, 3)), np.array([1, 0, 1]))
    _raises_like_torch(lambda lib, t, m: lib.masked_select(t, m), np.zeros((2, 3)), np.zeros(4, dtype=bool))


UNIQUE_INPUTS = [
    np.array([3, 1, 2, 3, 1, 5]),
    np.array([[3.0, 1.0], [1.0, 2.0]]),
    np.array([NAN, 1.0, NAN]),
    np.array([True, False, True]),
    np.asarray(4),
    np.zeros(0),
]


@pytest.mark.parametrize("x", UNIQUE_INPUTS, ids=range(len(UNIQUE_INPUTS)))
@pytest.mark.parametrize("inverse", [False, True])
@pytest.mark.parametrize("counts", [False, True])
def test_unique(x, inverse, counts):
    if np.isnan(x).any() if x.dtype.kind == "f" else False:
        ours = cr.unique(cr.tensor(x), return_inverse=inverse, return_counts=counts)
        theirs = torch.unique(torch.from_numpy(x), return_inverse=inverse, return_counts=counts)
        ours, theirs = (ours, theirs) if isinstance(ours, tuple) else ((ours,), (theirs,))
        np.testing.assert_array_equal(ours[0].numpy(), theirs[0].numpy())  # NaNs kept apart
        return
    _run_both(lambda lib, t: lib.unique(t, return_inverse=inverse, return_counts=counts), x)
    _run_both(lambda lib, t: t.unique(sorted=True, return_inverse=inverse, return_counts=counts), x)


def test_unique_dim():
    x = np.array([[1, 2], [1, 2], [0, 5]])
    for dim in (0, 1, -1):
        _run_both(lambda lib, t, d=dim: lib.unique(t, dim=d, return_inverse=True, return_counts=True), x)
        _run_both(lambda lib, t, d=dim: lib.unique(t, dim=d), x)
    _raises_like_torch(lambda lib, t: lib.unique(t, dim=2), x)


def test_bincount():
    x = np.array([0, 1, 1, 3])
    _run_both(lambda lib, t: lib.bincount(t), x)
    _run_both(lambda lib, t: t.bincount(minlength=6), x)
    _run_both(lambda lib, t: lib.bincount(t, minlength=2), x)
    _run_both(lambda lib, t, w: lib.bincount(t, w), x, np.array([0.5, 1.0, 1.0, 2.0], dtype=np.float32))
    _run_both(lambda lib, t, w: lib.bincount(t, weights=w, minlength=6), x, np.array([0.5, 1.0, 1.0, 2.0]))
    _run_both(lambda lib, t: lib.bincount(t), np.zeros(0, dtype=np.int64))
    _raises_like_torch(lambda lib, t: lib.bincount(t), np.array([True, False, True]))
    _raises_like_torch(lambda lib, t: lib.bincount(t), np.array([-1, 2]))
    _raises_like_torch(lambda lib, t: lib.bincount(t), np.array([[1]]))
    _raises_like_torch(lambda lib, t: lib.bincount(t), np.array([1.0]))
    _raises_like_torch(lambda lib, t, w: lib.bincount(t, w), x, np.ones(3))


SEARCH_VALUES = [np.array([2.0, 0.0, 5.0, 2.5]), np.array([[2.0, 1.0], [3.0, 4.0]]), np.asarray(2.0), np.zeros(0)]


@pytest.mark.parametrize("values", SEARCH_VALUES, ids=range(len(SEARCH_VALUES)))
@pytest.mark.parametrize("how", [{}, {"right": True}, {"side": "right"}, {"side": "left"}, {"out_int32": True}])
def test_searchsorted(values, how):
    boundaries = np.array([1.0, 2.0, 2.0, 3.0])
    _run_both(lambda lib, s, v: lib.searchsorted(s, v, **how), boundaries, values)


def test_searchsorted_batched_sorter_and_errors():
    _run_both(
        lambda lib, s, v: lib.searchsorted(s, v), np.array([[1.0, 3.0], [2.0, 4.0]]), np.array([[2.0, 5.0], [3.0, 1.0]])
    )
    _run_both(lambda lib, s, v: lib.searchsorted(s, v, right=True), np.array([[1, 3], [2, 4]]), np.array([[3], [2]]))
    _run_both(
        lambda lib, s, v, i: lib.searchsorted(s, v, sorter=i),
        np.array([3.0, 1.0, 2.0]),
        np.array([2.0, 0.5]),
        np.array([1, 2, 0]),
    )
    _same(cr.searchsorted(cr.tensor([1.0, 2.0, 3.0]), 2.0), torch.searchsorted(torch.tensor([1.0, 2.0, 3.0]), 2.0))
    s, v = np.array([1.0, 2.0, 3.0]), np.array([2.0])
    _raises_like_torch(lambda lib, s, v: lib.searchsorted(s, v, right=True, side="left"), s, v)
    _raises_like_torch(lambda lib, s, v: lib.searchsorted(s, v, side="middle"), s, v)
    _raises_like_torch(lambda lib, s, v: lib.searchsorted(s, v), np.zeros((2, 3)), np.zeros((3, 2)))


# ------------------------------------------------------------------------- max(a, b), min(a, b)
@pytest.mark.parametrize("op", ["max", "min"])
@pytest.mark.parametrize("shapes", [((3, 4), (4,)), ((3, 1), (1, 4)), ((), (2, 3)), ((2, 3), (2, 3))])
@pytest.mark.parametrize("dtype", DTYPES)
def test_max_min_of_two_tensors_is_elementwise(op, shapes, dtype):
    a, b = randn(*shapes[0], dtype=dtype, seed=23), randn(*shapes[1], dtype=dtype, seed=24)
    check_op(*_both(lambda lib, x, y: getattr(lib, op)(x, y)), a, b)
    check_op(*_both(lambda lib, x, y: getattr(x, op)(y)), a, b, gradcheck=False)
    ties = np.array([1.0, 2.0, 3.0], dtype=dtype)
    check_op(*_both(lambda lib, x, y: getattr(lib, op)(x, y)), ties, ties.copy(), gradcheck=False)  # split 1/2


# ------------------------------------------------------------------------------- norms
MATRIX_ORDERS = ["fro", "nuc", INF, -INF, 1, -1, 2, -2]


@pytest.mark.parametrize("ord", MATRIX_ORDERS)
@pytest.mark.parametrize(
    "shape,dim", [((3, 4), (-2, -1)), ((4, 3), (1, 0)), ((2, 3, 4), (0, 2)), ((2, 1, 3, 2), (-1, 1))]
)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_matrix_norm(ord, shape, dim, keepdim, dtype):
    x = randn(*shape, dtype=dtype, seed=25)
    check_op(*_both(lambda lib, t: lib.linalg.matrix_norm(t, ord, dim, keepdim)), x)
    check_op(*_both(lambda lib, t: lib.linalg.norm(t, ord, dim, keepdim)), x, gradcheck=False)


def test_matrix_norm_ties_non_contiguous_and_dtype():
    ties = np.array([[1.0, -2.0], [2.0, 1.0], [0.5, 0.5]])  # two rows with the same |a| sum
    for ord in (INF, -INF, 1, -1):
        check_op(*_both(lambda lib, t, o=ord: lib.linalg.matrix_norm(t, o)), ties, gradcheck=False)
    check_op(*_both(lambda lib, t: lib.linalg.matrix_norm(t, "nuc")), randn(4, 3, seed=26).T)
    x = randn(3, 4, dtype=np.float32, seed=27)
    check_op(
        lambda t: cr.linalg.matrix_norm(t, dtype=cr.float64),
        lambda t: torch.linalg.matrix_norm(t, dtype=torch.float64),
        x,
        gradcheck=False,
    )
    check_op(*_both(lambda lib, t: lib.linalg.matrix_norm(t, "nuc")), np.zeros((0, 3)))


@pytest.mark.parametrize("dim", [None, (0, 1), (1, 2), (-1, 0)])
def test_torch_norm_nuc_and_inf(dim):
    x = randn(2, 3, 4, seed=28)
    if dim is not None:
        check_op(*_both(lambda lib, t: lib.norm(t, "nuc", dim=dim)), x)
        check_op(*_both(lambda lib, t: t.norm("nuc", dim, keepdim=True)), x)
    else:
        check_op(*_both(lambda lib, t: lib.norm(t, "nuc")), x[0])
        _raises_like_torch(lambda lib, t: lib.norm(t, "nuc"), x)
    for p in (INF, -INF, "fro"):
        check_op(*_both(lambda lib, t, p=p: lib.norm(t, p, dim=dim)), x)


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, t: lib.linalg.norm(t),
        lambda lib, t: lib.linalg.norm(t, dim=1),
        lambda lib, t: lib.linalg.norm(t, 3, dim=(1,)),
        lambda lib, t: lib.linalg.norm(t, dim=(0, 2), keepdim=True),
        lambda lib, t: lib.linalg.norm(t[0], INF),
        lambda lib, t: lib.linalg.norm(t[0, 0], INF),
        lambda lib, t: lib.linalg.norm(t[0], "nuc"),
        lambda lib, t: lib.linalg.vector_norm(t),
        lambda lib, t: lib.linalg.vector_norm(t, INF, dim=(0, 2)),
        lambda lib, t: lib.linalg.vector_norm(t, -INF, dim=-1, keepdim=True),
        lambda lib, t: lib.linalg.vector_norm(t, 0.5),
        lambda lib, t: lib.linalg.vector_norm(t, 1, dim=0),
    ],
)
def test_linalg_norm_and_vector_norm(call):
    check_op(*_both(call), randn(2, 3, 4, seed=29))


@pytest.mark.parametrize(
    "call",
    [
        lambda lib, t: lib.linalg.norm(t, 2),  # ord without dim on a 3-D input
        lambda lib, t: lib.linalg.matrix_norm(t[0, 0]),
        lambda lib, t: lib.linalg.matrix_norm(t, 3),
        lambda lib, t: lib.linalg.matrix_norm(t.int()),
        lambda lib, t: lib.linalg.vector_norm(t.int()),
        lambda lib, t: lib.linalg.norm(t, "fro", dim=1),
        lambda lib, t: lib.linalg.matrix_norm(t, dim=(1, 1)),
        lambda lib, t: lib.linalg.matrix_norm(t, dim=1),
        lambda lib, t: lib.norm(t, "nuc", dim=1),
        lambda lib, t: lib.linalg.matrix_norm(t, dim=(0, 3)),
    ],
)
def test_norm_errors(call):
    _raises_like_torch(call, np.ones((2, 3, 4)))
