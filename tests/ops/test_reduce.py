"""Reductions (ops/reduce.py) against PyTorch: every dim form, keepdim, size-1 / empty / 0-d inputs,
ties, Bessel corrections and extreme inputs."""

import numpy as np
import pytest
import torch
from optest import check_op, randn

import chainrule as cr
import chainrule.functional as F

DTYPES = [np.float64, np.float32]

# (shape, dim) pairs: None, int, negative int, tuples (incl. negatives, unsorted), size-1 axes.
DIM_CASES = [
    ((3, 4), None),
    ((3, 4), 0),
    ((3, 4), 1),
    ((3, 4), -1),
    ((3, 4), (0, 1)),
    ((3, 4), (-1, 0)),
    ((2, 3, 4), (0, 2)),
    ((2, 3, 4), (-1, -3)),
    ((2, 3, 4), 1),
    ((2, 1, 4), 1),
    ((1, 1), None),
    ((5,), 0),
    ((5,), -1),
    ((2, 3, 4), [2, 1]),
    ((2, 3, 4), ()),
]


def _call(fn, dim, keepdim, **kw):
    if dim is None:
        return lambda t: fn(t, **kw) if not keepdim else fn(t, dim=None, keepdim=True, **kw)
    return lambda t: fn(t, dim, keepdim=keepdim, **kw)


@pytest.mark.parametrize("shape,dim", DIM_CASES)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("op", ["sum", "mean"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_sum_mean(op, shape, dim, keepdim, dtype):
    x = randn(*shape, dtype=dtype, seed=0)
    check_op(_call(getattr(F, op), dim, keepdim), _call(getattr(torch, op), dim, keepdim), x)
    check_op(
        _call(lambda t, *a, **k: getattr(t, op)(*a, **k), dim, keepdim),
        _call(lambda t, *a, **k: getattr(t, op)(*a, **k), dim, keepdim),
        x,
        gradcheck=False,
    )


@pytest.mark.parametrize("shape,dim", DIM_CASES)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_logsumexp(shape, dim, keepdim, dtype):
    if dim is None or dim == ():
        dim = tuple(range(len(shape)))  # torch.logsumexp needs dim; () is a torch bug, not a semantics
    x = randn(*shape, dtype=dtype, seed=1)
    check_op(lambda t: F.logsumexp(t, dim, keepdim), lambda t: torch.logsumexp(t, dim, keepdim), x)
    check_op(
        lambda t: t.logsumexp(dim, keepdim=keepdim), lambda t: t.logsumexp(dim, keepdim=keepdim), x, gradcheck=False
    )


@pytest.mark.parametrize("shape,dim", DIM_CASES)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("correction", [0, 1, 2])
@pytest.mark.parametrize("op", ["var", "std"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.filterwarnings("ignore:.*degrees of freedom:UserWarning")
def test_var_std(op, shape, dim, keepdim, correction, dtype):
    x = randn(*shape, dtype=dtype, seed=2)
    kept = int(np.prod([shape[d] for d in ([dim] if isinstance(dim, int) else (dim or range(len(shape))))]))
    # N - correction <= 0 gives inf/nan in both, and no finite numerical gradient
    gradcheck = None if kept - correction > 0 else False
    # torch's var/std backward takes dim=() as N = 1 while its forward reduces everything (a torch
    # bug); ours treats () exactly as "all dims", so compare with the explicit tuple.
    torch_dim = tuple(range(len(shape))) if dim == () else dim
    check_op(
        lambda t: getattr(F, op)(t, dim, keepdim=keepdim, correction=correction),
        lambda t: getattr(torch, op)(t, torch_dim, keepdim=keepdim, correction=correction),
        x,
        gradcheck=gradcheck,
    )


@pytest.mark.parametrize("unbiased", [True, False])
@pytest.mark.parametrize("op", ["var", "std"])
def test_var_std_unbiased_keyword_and_positional(op, unbiased):
    x = randn(3, 5, seed=3)
    check_op(
        lambda t: getattr(F, op)(t, 1, unbiased=unbiased), lambda t: getattr(torch, op)(t, 1, unbiased=unbiased), x
    )
    check_op(lambda t: getattr(t, op)(unbiased=unbiased), lambda t: getattr(t, op)(unbiased=unbiased), x)
    # torch's positional order is (dim, unbiased, keepdim): a bare bool after dim means unbiased
    check_op(lambda t: getattr(t, op)(1, unbiased), lambda t: getattr(t, op)(1, unbiased), x)
    check_op(lambda t: getattr(t, op)(0, unbiased, True), lambda t: getattr(t, op)(0, unbiased, True), x)
    check_op(lambda t: getattr(F, op)(t, 0, unbiased, True), lambda t: getattr(torch, op)(t, 0, unbiased, True), x)


@pytest.mark.parametrize("op", ["var", "std"])
def test_var_std_defaults_to_bessel(op):
    x = randn(4, 3, seed=4)
    check_op(lambda t: getattr(F, op)(t), lambda t: getattr(torch, op)(t), x)
    check_op(lambda t: getattr(t, op)(0), lambda t: getattr(t, op)(0), x)


def test_std_of_constant_has_zero_gradient_like_torch():
    # d sqrt(v)/dv is infinite at v = 0, but (x - mean) is 0 there too; torch defines the gradient 0.
    x = np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])
    check_op(lambda t: F.std(t, 1), lambda t: torch.std(t, 1), x, gradcheck=False)
    t = cr.tensor(x, requires_grad=True)
    F.std(t, 1).sum().backward()
    np.testing.assert_array_equal(t.grad.detach().numpy()[0], 0.0)


def _too_few_cases():
    # (x, dim, correction) with N - correction <= 0, N the number of elements reduced
    cases = []
    for x in (np.array([[1.0], [3.0]]), np.array([[1.0, 2.0, 3.0]]), np.array([[0.5]]), np.array([[2.0, 2.0]])):
        for dim in (None, 0, 1, (0, 1)):
            kept = x.size if dim is None else int(np.prod([x.shape[d] for d in np.atleast_1d(dim)]))
            cases += [(x, dim, c) for c in (1, 2, 3, 5) if kept <= c]
    return cases


@pytest.mark.parametrize("x,dim,correction", _too_few_cases())
@pytest.mark.parametrize("op", ["var", "std"])
@pytest.mark.filterwarnings("ignore:.*degrees of freedom:UserWarning")  # torch's warning; we compare only
def test_var_std_with_too_few_elements_match_torch(op, x, dim, correction):
    # N - correction <= 0: the value is nan (0/0) or inf; torch's gradient is inf/nan for a full
    # reduction but 2 (x - m) / (N - c) along dims (finite when N < c). Match every case.
    check_op(
        lambda t: getattr(F, op)(t, dim, correction=correction),
        lambda t: getattr(torch, op)(t, dim, correction=correction),
        x,
        gradcheck=False,
    )


def test_var_rejects_integer_input():
    with pytest.raises(RuntimeError, match="var"):  # as torch.var
        F.var(cr.tensor([1, 2, 3]))
    with pytest.raises(RuntimeError, match="mean"):  # as torch.mean
        F.mean(cr.tensor([1, 2, 3]))


# ------------------------------------------------------------------ max / min
@pytest.mark.parametrize("op", ["max", "min"])
@pytest.mark.parametrize("shape", [(3, 4), (5,), (), (1, 1), (2, 3, 4)])
@pytest.mark.parametrize("dtype", DTYPES)
def test_max_min_full(op, shape, dtype):
    x = randn(*shape, dtype=dtype, seed=5)
    check_op(getattr(F, op), getattr(torch, op), x)
    check_op(lambda t: getattr(t, op)(), lambda t: getattr(t, op)(), x, gradcheck=False)


@pytest.mark.parametrize("op", ["max", "min"])
@pytest.mark.parametrize(
    "shape,dim",
    [((3, 4), 0), ((3, 4), 1), ((3, 4), -1), ((2, 3, 4), -2), ((5,), 0), ((), 0), ((), -1), ((1, 4), 0), ((0, 3), 1)],
)
@pytest.mark.parametrize("keepdim", [False, True])
@pytest.mark.parametrize("dtype", DTYPES)
def test_max_min_dim(op, shape, dim, keepdim, dtype):
    x = randn(*shape, dtype=dtype, seed=6)
    out = check_op(lambda t: getattr(F, op)(t, dim, keepdim), lambda t: getattr(torch, op)(t, dim, keepdim), x)
    assert out[1].dtype == np.int64
    result = getattr(cr.tensor(x), op)(dim=dim, keepdim=keepdim)
    assert isinstance(result, tuple) and result.values is result[0] and result.indices is result[1]


@pytest.mark.parametrize("op", ["max", "min"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_max_min_ties(op, dtype):
    # full reduction: gradient split evenly among the tied extremes; along a dim: all of it goes
    # to the first extreme, whose index is returned.
    x = np.array([[1.0, 3.0, 3.0, -2.0], [-2.0, 0.0, -2.0, 3.0], [5.0, 5.0, 5.0, 5.0]], dtype=dtype)
    if op == "min":
        x = -x
    check_op(getattr(F, op), getattr(torch, op), x, gradcheck=False)
    for dim in (0, 1):
        check_op(lambda t, d=dim: getattr(F, op)(t, d), lambda t, d=dim: getattr(torch, op)(t, d), x, gradcheck=False)
    t = cr.tensor(x, requires_grad=True)
    getattr(F, op)(t).backward()
    assert t.grad.detach().numpy()[2].tolist() == [0.25] * 4 and (t.grad.detach().numpy()[:2] == 0).all()


def test_max_min_empty_dim_errors_and_other_dims_empty_ok():
    x = cr.tensor(np.zeros((0, 3)))
    with pytest.raises(IndexError, match="max.*size 0"):
        x.max(0)
    with pytest.raises(IndexError, match="min.*size 0"):
        x.min(dim=0)
    with pytest.raises(RuntimeError, match="max.*non-empty"):
        x.max()
    assert x.max(1).values.shape == (0,)


def test_max_dim_rejects_a_tuple_of_dims():
    with pytest.raises(TypeError, match="max.*single int"):
        cr.tensor(np.ones((2, 3))).max(dim=(0, 1))


def test_argmax_argmin_match_torch():
    x = np.array([[1.0, 3.0, 3.0], [4.0, -1.0, 4.0]])
    for dim in (None, 0, 1, -1):
        for keepdim in (False, True):
            for name in ("argmax", "argmin"):
                ours = getattr(cr.tensor(x), name)(dim=dim, keepdim=keepdim).detach().numpy()
                theirs = getattr(torch.from_numpy(x), name)(dim=dim, keepdim=keepdim).numpy()
                assert ours.shape == theirs.shape and (ours == theirs).all(), (name, dim, keepdim)


# ------------------------------------------------------------------ empty, size-1 and 0-d
@pytest.mark.parametrize(
    "shape,dim",
    [((0,), None), ((0,), 0), ((0, 3), 0), ((0, 3), 1), ((2, 0), 1), ((2, 0), None), ((2, 0, 3), (0, 1)), ((1, 0), -1)],
)
@pytest.mark.parametrize("keepdim", [False, True])
def test_reductions_over_empty(shape, dim, keepdim):
    # sum over nothing is 0, mean of nothing is nan, logsumexp of nothing is -inf: all as torch
    x = np.zeros(shape)
    check_op(_call(F.sum, dim, keepdim), _call(torch.sum, dim, keepdim), x)
    check_op(_call(F.mean, dim, keepdim), _call(torch.mean, dim, keepdim), x, gradcheck=False)
    lse_dim = tuple(range(len(shape))) if dim is None else dim
    check_op(
        lambda t: F.logsumexp(t, lse_dim, keepdim), lambda t: torch.logsumexp(t, lse_dim, keepdim), x, gradcheck=False
    )


def test_sum_of_empty_is_zero_and_mean_is_nan():
    assert F.sum(cr.tensor(np.zeros((0, 2)))).item() == 0.0
    assert np.isnan(F.mean(cr.tensor(np.zeros((0, 2)))).item())


@pytest.mark.parametrize("dim", [None, 0, -1, (0,), ()])
@pytest.mark.parametrize("keepdim", [False, True])
def test_zero_dim_tensor(dim, keepdim):
    x = np.asarray(1.7)
    for name in ("sum", "mean"):
        check_op(_call(getattr(F, name), dim, keepdim), _call(getattr(torch, name), dim, keepdim), x)
    if dim is not None and dim != ():
        check_op(lambda t: F.logsumexp(t, dim, keepdim), lambda t: torch.logsumexp(t, dim, keepdim), x)
        if not isinstance(dim, tuple):
            check_op(lambda t: F.max(t, dim, keepdim), lambda t: torch.max(t, dim, keepdim), x)
    check_op(F.max, torch.max, x)


# ------------------------------------------------------------------ stability
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "values", [[1000.0, 1000.0, -1000.0], [-1000.0, -1000.0, -999.0], [1e4, -1e4, 1e4 - 1], [-1e4, -1e4, -1e4]]
)
def test_logsumexp_extreme_inputs(values, dtype):
    x = np.array([values, [0.0, 1.0, 2.0]], dtype=dtype)
    with np.errstate(over="raise", invalid="raise"):
        out = check_op(lambda t: F.logsumexp(t, 1), lambda t: torch.logsumexp(t, 1), x, gradcheck=False)[0]
    assert np.isfinite(out.detach().numpy()).all()


def test_logsumexp_with_infinities_matches_torch():
    x = np.array([[-np.inf, -np.inf], [-np.inf, 0.0], [np.inf, 0.0]])
    check_op(lambda t: F.logsumexp(t, 1), lambda t: torch.logsumexp(t, 1), x, gradcheck=False)


def test_var_is_stable_for_large_offsets():
    # two-pass (centred) variance keeps the digits that E[x^2] - E[x]^2 would cancel
    x = 1e8 + randn(50, seed=7)
    check_op(F.var, torch.var, x, gradcheck=False)


# ------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    "name,call",
    [
        ("sum", lambda t: t.sum(2)),
        ("mean", lambda t: t.mean(-3)),
        ("var", lambda t: t.var(5)),
        ("std", lambda t: t.std(2)),
        ("logsumexp", lambda t: t.logsumexp(2)),
        ("max", lambda t: t.max(2)),
        ("min", lambda t: t.min(-3)),
        ("sum", lambda t: t.sum((0, 7))),
        ("argmax", lambda t: t.argmax(4)),
    ],
)
def test_bad_dim_raises_index_error_naming_the_op(name, call):
    with pytest.raises(IndexError, match=rf"^{name}.*range"):
        call(cr.tensor(np.ones((2, 3))))


def test_repeated_dim_raises():
    with pytest.raises(ValueError, match="sum.*twice"):
        cr.tensor(np.ones((2, 3))).sum((1, -1))


def test_var_unbiased_only_overload_and_conflicting_arguments():
    x = randn(6, seed=9)
    check_op(lambda t: t.var(False), lambda t: t.var(False), x)
    check_op(lambda t: t.std(True), lambda t: t.std(True), x)
    with pytest.raises(TypeError, match="var.*correction.*unbiased"):
        cr.tensor(x).var(0, correction=0, unbiased=True)


def test_integer_inputs_like_torch():
    x = np.array([[1, 0, 3], [2, 2, 1]], dtype=np.int32)
    for ours, theirs in [
        (lambda t: t.sum(), lambda t: t.sum()),
        (lambda t: t.sum(1), lambda t: t.sum(1)),
        (lambda t: F.logsumexp(t, 1), lambda t: torch.logsumexp(t, 1)),
        (lambda t: t.max(), lambda t: t.max()),
        (lambda t: t.max(1)[0], lambda t: t.max(1)[0]),
    ]:
        out, expected = ours(cr.tensor(x)), theirs(torch.from_numpy(x)).numpy()
        assert out.dtype == expected.dtype
        np.testing.assert_allclose(out.detach().numpy(), expected, rtol=1e-6)


@pytest.mark.parametrize(
    "ours,theirs",
    [
        (F.max, torch.max),
        (F.min, torch.min),
        (lambda t: F.max(t, 1), lambda t: torch.max(t, 1)),
        (lambda t: F.min(t, 0), lambda t: torch.min(t, 0)),
        (lambda t: F.logsumexp(t, 1), lambda t: torch.logsumexp(t, 1)),
        (F.sum, torch.sum),
        (lambda t: F.var(t, 1), lambda t: torch.var(t, 1)),
    ],
)
def test_nan_propagates_like_torch(ours, theirs):
    # a NaN is the max/min (values and index); full max/min share the gradient among the NaNs
    x = np.array([[1.0, np.nan, 3.0, np.nan], [0.0, 2.0, 2.0, 1.0]])
    check_op(ours, theirs, x, gradcheck=False)
