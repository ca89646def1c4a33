import numpy as np
import pytest
import torch

import chainrule as cr


def test_dtype_inference_follows_torch():
    assert cr.tensor([1.0, 2.0]).dtype == cr.float32 == torch.tensor([1.0]).numpy().dtype
    assert cr.tensor([1, 2]).dtype == cr.int64
    assert cr.tensor([True]).dtype == cr.bool_
    assert cr.tensor(np.zeros(2)).dtype == cr.float64  # NumPy arrays keep their dtype, as torch.tensor
    assert cr.tensor([1.0], dtype=cr.float64).dtype == cr.float64
    assert cr.tensor([1.0], dtype=np.float64).dtype == cr.float64
    assert cr.zeros(2, 3).dtype == cr.float32 and cr.zeros(2, 3).shape == (2, 3)
    assert cr.ones((2, 3), dtype=cr.float64).dtype == cr.float64


def test_tensor_copies_but_from_numpy_shares():
    a = np.zeros(3, dtype=np.float32)
    t, s = cr.tensor(a), cr.from_numpy(a)
    a[0] = 5
    assert t.detach().numpy()[0] == 0 and s.detach().numpy()[0] == 5


def test_python_scalars_on_either_side_keep_float32():
    x = cr.tensor([1.0, 2.0])
    for y in (x + 1, 1 + x, x * 2.5, 2.5 * x, x - 1, 1 - x, x / 2, 2 / x, x**2, 2**x, x + np.float64(1)):
        assert y.dtype == cr.float32
    np.testing.assert_allclose((1 - x).detach().numpy(), [0.0, -1.0])
    np.testing.assert_allclose((2 / x).detach().numpy(), [2.0, 1.0])


def test_comparisons_return_tensors_without_grad():
    x = cr.tensor([1.0, 2.0, 3.0], requires_grad=True)
    for mask in (x > 1, x >= 2, x < 3, x <= 1, x == 2, x != 2):
        assert isinstance(mask, cr.Tensor) and mask.dtype == cr.bool_ and not mask.requires_grad
    np.testing.assert_array_equal((x > 1.5).detach().numpy(), [False, True, True])


def test_factories_and_like():
    cr.manual_seed(3)
    a = cr.randn(2, 3)
    cr.manual_seed(3)
    b = cr.randn(2, 3)
    np.testing.assert_array_equal(a.detach().numpy(), b.detach().numpy())
    assert cr.rand(4).detach().numpy().min() >= 0
    np.testing.assert_array_equal(cr.arange(5).detach().numpy(), np.arange(5))
    assert cr.arange(0.0, 1.0, 0.25).dtype == cr.float32
    np.testing.assert_array_equal(cr.eye(3).detach().numpy(), np.eye(3))
    assert cr.full((2, 2), 7.0).detach().numpy().sum() == 28
    for f in (cr.zeros_like, cr.ones_like, cr.randn_like, cr.rand_like):
        assert f(a).shape == a.shape and f(a).dtype == a.dtype
    assert cr.full_like(a, 2).detach().numpy().sum() == 12


def test_item_numpy_detach_and_repr():
    x = cr.tensor([[1.5]], requires_grad=True)
    assert x.item() == 1.5
    with pytest.raises(RuntimeError, match="detach"):
        x.numpy()
    assert x.detach().numpy().shape == (1, 1)
    assert "requires_grad=True" in repr(x)
    assert "grad_fn" in repr(x * 2)
    with pytest.raises(ValueError, match="one-element"):
        cr.tensor([1.0, 2.0]).item()


def test_shape_mismatch_names_op_and_shapes():
    with pytest.raises(RuntimeError, match=r"add: shapes \(2, 3\) and \(4,\)"):  # as torch
        cr.ones(2, 3) + cr.ones(4)
    with pytest.raises(RuntimeError, match=r"mul: shapes \(2, 3\) and \(2,\)"):  # as torch
        cr.ones(2, 3) * cr.ones(2)
    with pytest.raises(RuntimeError, match=r"matmul: shapes \(2, 3\) and \(4, 5\)"):  # as torch
        cr.ones(2, 3) @ cr.ones(4, 5)
    with pytest.raises(TypeError, match="unsupported operand"):
        cr.ones(2) + "a"


def test_inplace_ops_on_leaves_need_no_grad():
    w = cr.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        w += 1
    with cr.no_grad():
        w -= 0.5
    np.testing.assert_allclose(w.detach().numpy(), [0.5, 1.5])
    assert w.requires_grad and w.is_leaf


def test_T_and_methods():
    x = cr.randn(2, 3, 4)
    assert x.T.shape == (4, 3, 2)
    assert x.sum(dim=-1).shape == (2, 3)
    assert x.max(dim=1).indices.dtype == cr.int64
    assert x.flatten(1).shape == (2, 12)
    assert len(x.split(1, dim=0)) == 2


def test_bad_construction_errors_are_clear():
    with pytest.raises(RuntimeError, match="randn: sizes must be non-negative"):
        cr.randn(-1)
    with pytest.raises(ValueError, match="rectangular"):
        cr.tensor([[1, 2], [3]])
    assert cr.randn(2, 3).permute(-1, 0).shape == (3, 2)


def test_subpackages_are_reachable_from_the_top_level():
    for name in ("nn", "optim", "data", "metrics", "imbalance", "train", "diagnostics", "functional"):
        assert hasattr(cr, name)


def test_pytorch_habits_work():
    import chainrule.functional as F
    import chainrule.nn.functional as NF

    x = cr.randn(2, 3, requires_grad=True)
    assert x.to("cpu") is x and x.cpu() is x and x.device == "cpu"
    assert x.to("cpu", dtype=cr.float64).dtype == cr.float64
    assert x.to(device="cpu").shape == (2, 3)
    with pytest.raises(ValueError, match="only the 'cpu' device"):
        x.to("cuda")
    assert NF.relu is F.relu and NF.cross_entropy is F.cross_entropy
    with cr.inference_mode():
        assert not (x * 2).requires_grad
    assert (x * 2).requires_grad


def test_conversion_methods_and_new_factories_match_torch():
    import torch

    pairs = [(cr.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0])), (cr.tensor([1, 2]), torch.tensor([1, 2]))]
    for ours, theirs in pairs:
        for make in [
            lambda t: t.half(),
            lambda t: t.float(),
            lambda t: t.double(),
            lambda t: t.long(),
            lambda t: t.int(),
            lambda t: t.bool(),
            lambda t: t.new_zeros(3),
            lambda t: t.new_zeros((2, 3)),
            lambda t: t.new_ones(2, dtype=t.dtype),
            lambda t: t.new_empty(2).zero_(),
            lambda t: t.new_full((2,), 3.5),
            lambda t: t.new_tensor([1, 2]),
        ]:
            a, b = make(ours), make(theirs)
            assert str(a.dtype) == str(b.dtype).removeprefix("torch."), (a.dtype, b.dtype)
            np.testing.assert_array_equal(a.numpy(), b.numpy())
        assert ours.type_as(cr.tensor([1])).dtype == cr.int64
    assert cr.tensor([1.0]).new_ones(2, requires_grad=True).requires_grad


@pytest.mark.parametrize("mode", ["trunc", "floor"])
@pytest.mark.parametrize("values", [[-7, 7, 6, -6], [-7.5, 7.5, 6.0, -6.0]])
@pytest.mark.parametrize("divisor", [2, -2, 2.5])
def test_div_rounding_mode_matches_torch(mode, values, divisor):
    import torch

    ours = cr.div(cr.tensor(values), divisor, rounding_mode=mode)
    theirs = torch.div(torch.tensor(values), divisor, rounding_mode=mode)
    assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_div_rounding_mode_errors_as_torch():
    with pytest.raises(RuntimeError, match="rounding_mode"):
        cr.tensor([1, 2]).div(2, rounding_mode="bad")
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        cr.tensor([1, 2]).div(0, rounding_mode="trunc")


def test_axis_alias_and_reduction_dtype():
    import torch

    data = np.arange(6.0).reshape(2, 3)
    x, t = cr.tensor(data), torch.tensor(data)
    for make in [
        lambda lib, v: v.sum(axis=1),
        lambda lib, v: lib.sum(v, axis=0),
        lambda lib, v: v.mean(axis=0, keepdim=True),
        lambda lib, v: lib.max(v, axis=0).values,
        lambda lib, v: v.min(axis=1).indices,
        lambda lib, v: v.argmax(axis=0),
        lambda lib, v: v.var(axis=0),
        lambda lib, v: v.std(axis=1),
        lambda lib, v: lib.logsumexp(v, axis=0),
        lambda lib, v: v.softmax(axis=0),
        lambda lib, v: lib.cat([v, v], axis=1),
        lambda lib, v: lib.stack([v, v], axis=1),
        lambda lib, v: v.unsqueeze(axis=0),
        lambda lib, v: v.any(axis=0),
        lambda lib, v: v.sum(dtype=lib.float32),
        lambda lib, v: lib.sum(v, 0, dtype=lib.int64),
        lambda lib, v: lib.mean(v.long(), dtype=lib.float32),
    ]:
        ours, theirs = make(cr, x), make(torch, t)
        assert str(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
        np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)
    with pytest.raises(TypeError):
        x.sum(0, axis=0)
    with pytest.raises(RuntimeError):
        cr.mean(x, dtype=cr.int64)


def test_no_grad_as_a_bare_decorator():
    @cr.no_grad
    def double(x):
        return x * 2

    @cr.enable_grad
    def triple(x):
        return x * 3

    x = cr.tensor([1.0], requires_grad=True)
    assert not double(x).requires_grad
    with cr.no_grad():
        assert triple(x).requires_grad
    assert (x * 2).requires_grad
