"""chainrule.creation: every factory against its torch twin. Each case is one piece of code run
with ``lib`` = chainrule and ``lib`` = torch; shape, dtype and requires_grad must agree, and the
values too wherever they are deterministic."""

import numpy as np
import pytest
import torch

import chainrule as cr

LIBS = pytest.mark.parametrize("lib", [cr, torch], ids=["chainrule", "torch"])


def values(t):
    return t.detach().numpy()


def assert_twins(ours, theirs, compare_values=True):
    assert isinstance(ours, cr.Tensor)
    assert tuple(ours.shape) == tuple(theirs.shape), f"shape {tuple(ours.shape)} != torch {tuple(theirs.shape)}"
    assert ours.dtype == values(theirs).dtype, f"dtype {ours.dtype} != torch {theirs.dtype}"
    assert ours.requires_grad == theirs.requires_grad
    if compare_values:
        np.testing.assert_allclose(values(ours), values(theirs), rtol=1e-6, atol=1e-7)


DETERMINISTIC = {
    "zeros(2, 3)": lambda lib: lib.zeros(2, 3),
    "zeros((2, 3))": lambda lib: lib.zeros((2, 3)),
    "zeros([2, 3])": lambda lib: lib.zeros([2, 3]),
    "zeros(0, 3)": lambda lib: lib.zeros(0, 3),
    "zeros(())": lambda lib: lib.zeros(()),
    "zeros(np.int64)": lambda lib: lib.zeros(np.int64(3)),
    "zeros float64": lambda lib: lib.zeros(2, dtype=lib.float64),
    "zeros int64": lambda lib: lib.zeros(2, 2, dtype=lib.int64),
    "ones(4)": lambda lib: lib.ones(4),
    "ones((1, 2, 3))": lambda lib: lib.ones((1, 2, 3)),
    "ones int32": lambda lib: lib.ones(3, dtype=lib.int32),
    "ones float16": lambda lib: lib.ones(2, dtype=lib.float16),
    "full float": lambda lib: lib.full((2, 3), 7.0),
    "full int": lambda lib: lib.full((2,), 7),
    "full bool": lambda lib: lib.full((2, 2), True),
    "full list size": lambda lib: lib.full([3], 0.5),
    "full 0-d": lambda lib: lib.full((), 2.0),
    "full empty": lambda lib: lib.full((0, 2), 1.0),
    "full int value as float64": lambda lib: lib.full((2,), 1, dtype=lib.float64),
    "full float value as int64": lambda lib: lib.full((2,), 2.7, dtype=lib.int64),
    "arange(5)": lambda lib: lib.arange(5),
    "arange(2, 8)": lambda lib: lib.arange(2, 8),
    "arange(2, 8, 3)": lambda lib: lib.arange(2, 8, 3),
    "arange(10, 0, -3)": lambda lib: lib.arange(10, 0, -3),
    "arange(0., 1., .25)": lambda lib: lib.arange(0.0, 1.0, 0.25),
    "arange(0, 1, 0.1)": lambda lib: lib.arange(0, 1, 0.1),
    "arange(1.5)": lambda lib: lib.arange(1.5),
    "arange(0)": lambda lib: lib.arange(0),
    "arange float64": lambda lib: lib.arange(5, dtype=lib.float64),
    "arange int32": lambda lib: lib.arange(1, 4, dtype=lib.int32),
    "linspace(0, 1, 5)": lambda lib: lib.linspace(0, 1, 5),
    "linspace(2, 3, 4)": lambda lib: lib.linspace(2, 3, 4),
    "linspace(-1, 1, 1)": lambda lib: lib.linspace(-1, 1, 1),
    "linspace(0, 10, 0)": lambda lib: lib.linspace(0, 10, 0),
    "linspace(1, 0, 3)": lambda lib: lib.linspace(1, 0, 3),
    "linspace float64": lambda lib: lib.linspace(0, 1, 7, dtype=lib.float64),
    "linspace int64": lambda lib: lib.linspace(0, 10, 5, dtype=lib.int64),
    "eye(3)": lambda lib: lib.eye(3),
    "eye(2, 4)": lambda lib: lib.eye(2, 4),
    "eye(4, 2)": lambda lib: lib.eye(4, 2),
    "eye(0)": lambda lib: lib.eye(0),
    "eye int64": lambda lib: lib.eye(3, dtype=lib.int64),
    "eye float64": lambda lib: lib.eye(2, 3, dtype=lib.float64),
    "zeros_like float32": lambda lib: lib.zeros_like(lib.ones(2, 3)),
    "zeros_like float64": lambda lib: lib.zeros_like(lib.ones(2, dtype=lib.float64)),
    "zeros_like int64": lambda lib: lib.zeros_like(lib.arange(4)),
    "zeros_like to float64": lambda lib: lib.zeros_like(lib.ones(2), dtype=lib.float64),
    "zeros_like transposed": lambda lib: lib.zeros_like(lib.ones(2, 3).T),
    "ones_like": lambda lib: lib.ones_like(lib.zeros(3, 1)),
    "ones_like int32": lambda lib: lib.ones_like(lib.zeros(2, dtype=lib.int32)),
    "ones_like 0-d": lambda lib: lib.ones_like(lib.zeros(())),
    "full_like": lambda lib: lib.full_like(lib.zeros(2, 2), 2.5),
    "full_like int keeps int": lambda lib: lib.full_like(lib.arange(3), 2.7),
    "full_like float64": lambda lib: lib.full_like(lib.zeros(2), 3, dtype=lib.float64),
    "tensor floats": lambda lib: lib.tensor([[1.0, 2.0], [3.0, 4.0]]),
    "tensor ints": lambda lib: lib.tensor([1, 2, 3]),
    "tensor bools": lambda lib: lib.tensor([True, False]),
    "tensor scalar": lambda lib: lib.tensor(3.5),
    "tensor dtype": lambda lib: lib.tensor([1, 2], dtype=lib.float64),
    "from_numpy float64": lambda lib: lib.from_numpy(np.arange(6.0).reshape(2, 3)),
    "from_numpy int32": lambda lib: lib.from_numpy(np.arange(3, dtype=np.int32)),
    "from_numpy bool": lambda lib: lib.from_numpy(np.array([True, False])),
    "from_numpy uint8": lambda lib: lib.from_numpy(np.arange(4, dtype=np.uint8)),
}


@pytest.mark.parametrize("make", DETERMINISTIC.values(), ids=DETERMINISTIC.keys())
def test_deterministic_factories_match_torch(make):
    assert_twins(make(cr), make(torch))


RANDOM = {
    "randn(2, 3)": lambda lib: lib.randn(2, 3),
    "randn((4,))": lambda lib: lib.randn((4,)),
    "randn float64": lambda lib: lib.randn(3, dtype=lib.float64),
    "randn(0, 2)": lambda lib: lib.randn(0, 2),
    "rand(4)": lambda lib: lib.rand(4),
    "rand float64": lambda lib: lib.rand(2, 2, dtype=lib.float64),
    "randint(0, 10, (3, 4))": lambda lib: lib.randint(0, 10, (3, 4)),
    "randint(-5, 5, size=(6,))": lambda lib: lib.randint(-5, 5, size=(6,)),
    "randint int32": lambda lib: lib.randint(0, 3, (2,), dtype=lib.int32),
    "randint 0-d": lambda lib: lib.randint(3, 4, ()),
    "randperm(6)": lambda lib: lib.randperm(6),
    "randperm(0)": lambda lib: lib.randperm(0),
    "randn_like": lambda lib: lib.randn_like(lib.zeros(2, 3)),
    "randn_like float64": lambda lib: lib.randn_like(lib.zeros(3, dtype=lib.float64)),
    "rand_like": lambda lib: lib.rand_like(lib.zeros(5)),
    "rand_like to float64": lambda lib: lib.rand_like(lib.zeros(2), dtype=lib.float64),
    "empty(2, 3)": lambda lib: lib.empty(2, 3),
    "empty float64": lambda lib: lib.empty((2,), dtype=lib.float64),
}


@pytest.mark.parametrize("make", RANDOM.values(), ids=RANDOM.keys())
def test_random_and_uninitialised_factories_match_torch_in_shape_and_dtype(make):
    assert_twins(make(cr), make(torch), compare_values=False)


def test_random_factories_draw_from_their_distributions():
    x = values(cr.rand(10_000))
    assert x.min() >= 0 and x.max() < 1 and abs(x.mean() - 0.5) < 0.02
    z = values(cr.randn(10_000))
    assert abs(z.mean()) < 0.05 and abs(z.std() - 1) < 0.05
    k = values(cr.randint(-2, 3, (10_000,)))
    assert set(np.unique(k)) == {-2, -1, 0, 1, 2}
    assert sorted(values(cr.randperm(50))) == list(range(50))
    assert values(cr.rand_like(cr.zeros(1000))).min() >= 0


def test_randint_with_one_bound_is_the_upper_bound():
    k = values(cr.randint(4, size=(1000,)))
    assert k.dtype == np.int64 and k.shape == (1000,) and set(np.unique(k)) == {0, 1, 2, 3}


def test_empty_is_zeroed():
    # torch.empty leaves memory uninitialised; chainrule's is zeros, so nothing stale leaks out.
    assert not values(cr.empty(3, 4)).any()


REQUIRES_GRAD = {
    "zeros": lambda lib: lib.zeros(2, requires_grad=True),
    "ones": lambda lib: lib.ones(2, 3, requires_grad=True),
    "empty": lambda lib: lib.empty(2, requires_grad=True),
    "full": lambda lib: lib.full((2,), 1.5, requires_grad=True),
    "randn": lambda lib: lib.randn(3, requires_grad=True),
    "rand": lambda lib: lib.rand(3, dtype=lib.float64, requires_grad=True),
    "arange": lambda lib: lib.arange(0.0, 2.0, 0.5, requires_grad=True),
    "linspace": lambda lib: lib.linspace(0, 1, 3, requires_grad=True),
    "eye": lambda lib: lib.eye(2, requires_grad=True),
    "zeros_like": lambda lib: lib.zeros_like(lib.ones(2), requires_grad=True),
    "ones_like": lambda lib: lib.ones_like(lib.ones(2), requires_grad=True),
    "full_like": lambda lib: lib.full_like(lib.ones(2), 3.0, requires_grad=True),
    "randn_like": lambda lib: lib.randn_like(lib.ones(2), requires_grad=True),
    "rand_like": lambda lib: lib.rand_like(lib.ones(2), requires_grad=True),
    "tensor": lambda lib: lib.tensor([1.0, 2.0], requires_grad=True),
}


@pytest.mark.parametrize("make", REQUIRES_GRAD.values(), ids=REQUIRES_GRAD.keys())
def test_requires_grad_makes_a_leaf_like_torch(make):
    ours, theirs = make(cr), make(torch)
    assert_twins(ours, theirs, compare_values=False)
    assert ours.requires_grad and ours.is_leaf and ours.grad is None and ours.grad_fn is None
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_array_equal(values(ours.grad), theirs.grad.numpy())


INTEGER_REQUIRES_GRAD = {
    "zeros int64": lambda lib: lib.zeros(2, dtype=lib.int64, requires_grad=True),
    "full int": lambda lib: lib.full((2,), 1, requires_grad=True),
    "arange ints": lambda lib: lib.arange(3, requires_grad=True),
    "tensor ints": lambda lib: lib.tensor([1, 2], requires_grad=True),
    "eye int64": lambda lib: lib.eye(2, dtype=lib.int64, requires_grad=True),
    "zeros_like int": lambda lib: lib.zeros_like(lib.arange(3), requires_grad=True),
}


@LIBS
@pytest.mark.parametrize("make", INTEGER_REQUIRES_GRAD.values(), ids=INTEGER_REQUIRES_GRAD.keys())
def test_integer_tensors_cannot_require_grad_like_torch(make, lib):
    with pytest.raises(RuntimeError, match="(?i)only .*floating point"):
        make(lib)


NEGATIVE_SIZES = {
    "zeros": lambda lib: lib.zeros(-1),
    "zeros tuple": lambda lib: lib.zeros((2, -3)),
    "ones": lambda lib: lib.ones(2, -1),
    "empty": lambda lib: lib.empty(-2),
    "full": lambda lib: lib.full((-1,), 1.0),
    "randn": lambda lib: lib.randn(-1, 2),
    "rand": lambda lib: lib.rand(-4),
}


@pytest.mark.parametrize("make", NEGATIVE_SIZES.values(), ids=NEGATIVE_SIZES.keys())
def test_negative_sizes_are_refused(make):
    with pytest.raises(RuntimeError, match=r"sizes must be non-negative, got \(.*-"):
        make(cr)
    with pytest.raises(RuntimeError):  # as torch
        make(torch)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.eye(-1),
        lambda lib: lib.eye(2, -1),
        lambda lib: lib.linspace(0, 1, -1),
        lambda lib: lib.randint(0, 5, (-1,)),
    ],
    ids=["eye", "eye columns", "linspace steps", "randint"],
)
def test_negative_counts_are_refused(make):
    with pytest.raises(RuntimeError, match="negative|non-negative|greater or equal to 0"):
        make(cr)
    with pytest.raises(RuntimeError):
        make(torch)


NON_INT_SIZES = {
    "zeros float": lambda lib: lib.zeros(2.5),
    "zeros tuple float": lambda lib: lib.zeros((2, 1.5)),
    "ones str": lambda lib: lib.ones("3"),
    "zeros bool": lambda lib: lib.zeros(True),
    "randn float": lambda lib: lib.randn(2.0),
    "full float size": lambda lib: lib.full((1.5,), 1.0),
}


@LIBS
@pytest.mark.parametrize("make", NON_INT_SIZES.values(), ids=NON_INT_SIZES.keys())
def test_non_integer_sizes_raise_type_error_like_torch(make, lib):
    with pytest.raises(TypeError):
        make(lib)


def test_size_messages_name_the_factory():
    with pytest.raises(TypeError, match=r"zeros: sizes must be ints, got \(2, 1\.5\)"):
        cr.zeros(2, 1.5)
    with pytest.raises(RuntimeError, match=r"ones: sizes must be non-negative, got \(2, -1\)"):
        cr.ones(2, -1)
    with pytest.raises(RuntimeError, match=r"full: sizes must be non-negative, got \(-1,\)"):
        cr.full((-1,), 0.0)


# ---------------------------------------------------------------------------- copies and sharing
@LIBS
def test_from_numpy_shares_memory_both_ways(lib):
    a = np.zeros((2, 3))
    t = lib.from_numpy(a)
    assert np.shares_memory(values(t), a)
    a[0, 1] = 5.0
    assert values(t)[0, 1] == 5.0
    t[1, 2] = 7.0
    assert a[1, 2] == 7.0
    t.add_(1.0)
    assert a[0, 0] == 1.0 and a[0, 1] == 6.0


@LIBS
def test_from_numpy_of_a_view_shares_the_view(lib):
    base = np.arange(12.0).reshape(3, 4)
    view = base[:, ::2].T
    t = lib.from_numpy(view)
    assert tuple(t.shape) == (2, 3)
    base[0, 2] = -1.0
    assert values(t)[1, 0] == -1.0


@LIBS
def test_from_numpy_keeps_the_array_dtype(lib):
    for dtype in (np.float16, np.float32, np.float64, np.int8, np.int32, np.int64, np.uint8, np.bool_):
        assert values(lib.from_numpy(np.zeros(2, dtype=dtype))).dtype == dtype


@LIBS
@pytest.mark.parametrize("wrong", [[1.0, 2.0], 3.0, "array"], ids=["list", "float", "str"])
def test_from_numpy_needs_an_ndarray(wrong, lib):
    with pytest.raises(TypeError):
        lib.from_numpy(wrong)


def test_from_numpy_message():
    with pytest.raises(TypeError, match="from_numpy: expected np.ndarray, got list"):
        cr.from_numpy([1.0])


def test_from_numpy_does_not_require_grad():
    t = cr.from_numpy(np.zeros(2))
    assert not t.requires_grad and t.is_leaf


@LIBS
def test_tensor_copies_an_ndarray(lib):
    for dtype in (np.float32, np.float64, np.int64):
        a = np.zeros(3, dtype=dtype)
        t = lib.tensor(a)
        assert not np.shares_memory(values(t), a)
        a[0] = 5
        assert values(t)[0] == 0
        t[1] = 4
        assert a[1] == 0


@LIBS
def test_tensor_copies_a_non_contiguous_view(lib):
    base = np.arange(6.0).reshape(2, 3)
    t = lib.tensor(base.T)
    np.testing.assert_array_equal(values(t), base.T)
    base[0, 0] = 100.0
    assert values(t)[0, 0] == 0.0


def test_tensor_copies_another_tensor():
    source = cr.zeros(3)
    t = cr.tensor(source)
    assert not np.shares_memory(values(t), values(source))
    source.add_(1.0)
    assert values(t).sum() == 0


def test_tensor_of_a_tensor_that_requires_grad_is_a_new_leaf():
    x = cr.tensor([1.0, 2.0], requires_grad=True)
    y = cr.tensor(x * 2)
    assert y.is_leaf and not y.requires_grad and y.grad_fn is None
    np.testing.assert_array_equal(values(y), [2.0, 4.0])
    assert cr.tensor(x, requires_grad=True).requires_grad


@LIBS
def test_tensor_with_a_dtype_converts_a_copy(lib):
    a = np.arange(3, dtype=np.int64)
    t = lib.tensor(a, dtype=lib.float32)
    assert values(t).dtype == np.float32
    a[0] = 9
    assert values(t)[0] == 0


@LIBS
def test_factories_return_independent_arrays(lib):
    a, b = lib.zeros(3), lib.zeros(3)
    a.add_(1.0)
    assert values(b).sum() == 0
    x = lib.ones(2)
    like = lib.zeros_like(x)
    assert not np.shares_memory(values(x), values(like))


# ------------------------------------------------------------------------- the default dtype
DEFAULT_DTYPE_FACTORIES = {
    "zeros": lambda lib: lib.zeros(2),
    "ones": lambda lib: lib.ones(2),
    "empty": lambda lib: lib.empty(2),
    "full float": lambda lib: lib.full((2,), 0.5),
    "full int": lambda lib: lib.full((2,), 1),
    "randn": lambda lib: lib.randn(2),
    "rand": lambda lib: lib.rand(2),
    "arange float": lambda lib: lib.arange(0.0, 1.0, 0.5),
    "arange int": lambda lib: lib.arange(3),
    "linspace": lambda lib: lib.linspace(0, 1, 3),
    "eye": lambda lib: lib.eye(2),
    "tensor floats": lambda lib: lib.tensor([1.0]),
    "tensor ints": lambda lib: lib.tensor([1]),
    "zeros_like float32 input": lambda lib: lib.zeros_like(lib.tensor(np.zeros(2, dtype=np.float32))),
    "randint": lambda lib: lib.randint(0, 2, (2,)),
}


@pytest.mark.usefixtures("float64_default")
@pytest.mark.parametrize("make", DEFAULT_DTYPE_FACTORIES.values(), ids=DEFAULT_DTYPE_FACTORIES.keys())
def test_factories_follow_the_default_dtype_like_torch(make):
    assert_twins(make(cr), make(torch), compare_values=False)


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.randperm(-1),
        lambda lib: lib.arange(5, 2),
        lambda lib: lib.arange(0, 5, 0),
        lambda lib: lib.eye(-1),
        lambda lib: lib.linspace(0, 1, -1),
        lambda lib: lib.randint(5, (-1,)),
        lambda lib: lib.randint(5, 5, (2,)),
    ],
    ids=["randperm", "arange bounds", "arange step 0", "eye", "linspace", "randint size", "randint empty range"],
)
def test_bad_creation_arguments_raise_runtime_error_as_torch(make):
    with pytest.raises(RuntimeError):
        make(torch)
    with pytest.raises(RuntimeError):
        make(cr)


def test_randint_accepts_torchs_high_and_size_signature():
    cr.manual_seed(0)
    for args, kwargs in [
        ((5, (6,)), {}),
        ((2, 5, (6,)), {}),
        ((5,), {"size": (6,)}),
        ((), {"low": 2, "high": 5, "size": (6,)}),
    ]:
        ours, theirs = cr.randint(*args, **kwargs), torch.randint(*args, **kwargs)
        assert tuple(ours.shape) == tuple(theirs.shape) == (6,)
        assert str(ours.dtype) == "int64"
        low = kwargs.get("low", args[0] if len(args) == 3 else 0)
        assert (ours.numpy() >= low).all() and (ours.numpy() < 5).all()
    with pytest.raises(TypeError):
        torch.randint(5, 6)
    with pytest.raises(TypeError):
        cr.randint(5, 6)


@pytest.mark.parametrize("name", ["zeros_like", "ones_like", "randn_like", "rand_like"])
def test_like_factories_take_dtype(name):
    x = cr.tensor([1.0, 2.0])
    out = getattr(cr, name)(x, dtype=cr.float64)
    assert out.dtype == cr.float64 and out.shape == (2,)
    assert cr.full_like(cr.tensor([1]), 2.5).dtype == cr.int64  # as torch: input's dtype


@pytest.mark.parametrize(
    "data",
    [
        [np.float64(1.0), 2.0],
        [[np.float64(1.0)], [2.0]],
        [np.float16(1.0), 2.0],
        [np.float32(1.0), 2.0],
        (np.float64(1), 2),
        [1.0, 2.0],
    ],
)
def test_tensor_of_numpy_floats_keeps_their_precision_as_torch(data):
    assert str(cr.tensor(data).dtype) == str(torch.tensor(data).dtype).removeprefix("torch.")


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.rand_like(lib.tensor([1])),
        lambda lib: lib.randn_like(lib.tensor([1.0]), dtype=lib.int64),
        lambda lib: lib.rand(2, dtype=lib.int64),
        lambda lib: lib.randn(2, dtype=lib.int32),
    ],
    ids=["rand_like int", "randn_like dtype int", "rand int", "randn int"],
)
def test_random_floats_into_an_integer_dtype_are_refused_as_torch(make):
    with pytest.raises(NotImplementedError):
        make(torch)
    with pytest.raises(NotImplementedError):
        make(cr)
