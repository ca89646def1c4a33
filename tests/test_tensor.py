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
    with pytest.raises(ValueError, match=r"add: shapes \(2, 3\) and \(4,\)"):
        cr.ones(2, 3) + cr.ones(4)
    with pytest.raises(ValueError, match=r"mul: shapes \(2, 3\) and \(2,\)"):
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
    with pytest.raises(ValueError, match="randn: sizes must be non-negative"):
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
