"""Indexing against PyTorch: index tuples mixing ints, slices, None, ..., integer and boolean
tensors (shape, values and gradients), uint8 masks, and assignment with broadcastable values.

PyTorch applies ints (and 0-d integer tensors) first, as selects, and places the dims of the
index tensors by looking at the tensors alone; NumPy counts ints as advanced indices, so
x[1, :, 3:11:2, idx, 0:2] has a different shape there.
"""

import warnings

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule as cr

SHAPE = (4, 5, 6, 3)


@st.composite
def index_tuples(draw):
    """An index for a tensor of SHAPE: per dim an int, a slice, an integer tensor or a mask, with
    None and at most one ... sprinkled in (as torch tensors; converted for chainrule)."""
    items, dim = [], 0
    ellipsis_used = False
    while dim < len(SHAPE) and draw(st.integers(0, 5)) > 0:
        size = SHAPE[dim]
        choice = draw(st.sampled_from(["int", "slice", "tensor", "mask", "none", "ellipsis", "int0d"]))
        if choice == "none":
            items.append(None)
            continue
        if choice == "ellipsis":
            if not ellipsis_used:
                ellipsis_used = True
                items.append(Ellipsis)
                dim = len(SHAPE) - (draw(st.integers(0, len(SHAPE) - dim)))
            continue
        if choice == "int":
            items.append(draw(st.integers(-size, size - 1)))
        elif choice == "int0d":
            items.append(torch.tensor(draw(st.integers(-size, size - 1))))
        elif choice == "slice":
            start = draw(st.none() | st.integers(-size, size))
            stop = draw(st.none() | st.integers(-size, size))
            step = draw(st.none() | st.integers(1, 3))
            items.append(slice(start, stop, step))
        elif choice == "tensor":
            values = draw(st.lists(st.integers(-size, size - 1), min_size=2, max_size=2))
            items.append(torch.tensor(values))
        else:  # a mask with exactly two True, so that it broadcasts with the (2,) tensors
            chosen = draw(st.lists(st.integers(0, size - 1), min_size=2, max_size=2, unique=True))
            items.append(torch.tensor([i in chosen for i in range(size)]))
        dim += 1
    return tuple(items)


def _ours(index):
    return tuple(cr.tensor(i.numpy()) if isinstance(i, torch.Tensor) else i for i in index)


def _outcome(fn):
    try:
        return fn(), None
    except Exception as error:  # noqa: BLE001 - the exception type is what is compared
        return None, type(error)


@settings(max_examples=400, deadline=None)
@given(index=index_tuples(), seed=st.integers(0, 2**16))
def test_getitem_matches_torch(index, seed):
    data = np.random.default_rng(seed).standard_normal(SHAPE)
    theirs_x = torch.tensor(data, requires_grad=True)
    ours_x = cr.tensor(data, requires_grad=True)
    theirs, their_error = _outcome(lambda: theirs_x[index])
    ours, our_error = _outcome(lambda: ours_x[_ours(index)])
    if their_error is not None:
        assert our_error is not None, (index, tuple(theirs_x.shape))
        return
    if our_error is IndexError and theirs.numel() == 0:
        return  # torch skips the bounds check of an index tensor when the result is empty
    assert our_error is None, (index, our_error)
    assert tuple(ours.shape) == tuple(theirs.shape), index
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy())
    weights = np.random.default_rng(seed + 1).standard_normal(tuple(theirs.shape))
    (theirs * torch.tensor(weights)).sum().backward()
    (ours * cr.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours_x.grad.numpy(), theirs_x.grad.numpy())


@settings(max_examples=200, deadline=None)
@given(index=index_tuples(), seed=st.integers(0, 2**16), requires_grad=st.booleans())
def test_setitem_matches_torch(index, seed, requires_grad):
    rng = np.random.default_rng(seed)
    data = rng.standard_normal(SHAPE)
    theirs_x = torch.tensor(data)
    try:
        target_shape = tuple(theirs_x[index].shape)
    except Exception:  # noqa: BLE001 - invalid index; getitem's test covers it
        return
    value = rng.standard_normal(target_shape)
    theirs_value = torch.tensor(value, requires_grad=requires_grad)
    ours_value = cr.tensor(value, requires_grad=requires_grad)
    theirs_base = theirs_x.clone().requires_grad_(requires_grad) if requires_grad else theirs_x.clone()
    ours_base = cr.tensor(data, requires_grad=requires_grad)
    theirs_y = theirs_base * 1.0
    ours_y = ours_base * 1.0
    theirs_y[index] = theirs_value
    ours_y[_ours(index)] = ours_value
    np.testing.assert_allclose(ours_y.detach().numpy(), theirs_y.detach().numpy())
    if requires_grad:
        weights = rng.standard_normal(SHAPE)
        (theirs_y * torch.tensor(weights)).sum().backward()
        (ours_y * cr.tensor(weights)).sum().backward()
        np.testing.assert_allclose(ours_value.grad.numpy(), theirs_value.grad.numpy())
        np.testing.assert_allclose(ours_base.grad.numpy(), theirs_base.grad.numpy())


def test_ints_apart_from_an_index_tensor_keep_torch_layout():
    x = cr.tensor(np.arange(4 * 12 * 13 * 5 * 4.0).reshape(4, 12, 13, 5, 4))
    idx = [0, 2, 1]
    out = x[1, :, 3:11:2, cr.tensor(idx), 0:2]
    expected = torch.tensor(x.numpy())[1, :, 3:11:2, torch.tensor(idx), 0:2]
    assert tuple(out.shape) == tuple(expected.shape) == (12, 4, 3, 2)
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


def test_uint8_index_is_a_mask_with_torchs_deprecation_warning():
    x = cr.tensor(np.arange(12.0).reshape(3, 4))
    mask = cr.tensor([1, 0, 1], dtype=cr.uint8)
    with pytest.warns(UserWarning, match="uint8 is now deprecated"):
        out = x[mask]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = torch.arange(12.0).reshape(3, 4)[torch.tensor([1, 0, 1], dtype=torch.uint8)]
    np.testing.assert_array_equal(out.numpy(), expected.numpy())


@pytest.mark.parametrize(
    ("index", "value_shape"),
    [(1, (1,)), (1, (1, 1)), (1, (1, 3)), (slice(0, 2), (1, 3)), ((slice(None), 1), (1, 3)), ([0, 1], (1, 1))],
)
def test_setitem_with_a_broadcastable_value(index, value_shape):
    theirs = torch.zeros(3, 3)
    ours = cr.zeros(3, 3)
    value = np.arange(1.0, 1.0 + np.prod(value_shape), dtype=np.float32).reshape(value_shape)
    their_index = torch.tensor(index) if isinstance(index, list) else index
    theirs[their_index] = torch.tensor(value)
    ours[cr.tensor(index) if isinstance(index, list) else index] = cr.tensor(value)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_setitem_of_a_one_element_value_into_an_element():
    x = cr.zeros(3)
    x[1] = cr.tensor([3.0])
    np.testing.assert_array_equal(x.numpy(), [0.0, 3.0, 0.0])


def test_setitem_with_an_index_tensor_requires_the_same_dtype_as_torch():
    x = cr.zeros(3)
    with pytest.raises(RuntimeError, match="dtypes match"):
        x[cr.tensor([0, 1])] = cr.tensor([1.0, 2.0], dtype=cr.float64)
    x[cr.tensor([True, False, True])] = cr.tensor(2.0, dtype=cr.float64)  # masked_fill casts
    x[0:2] = cr.tensor([1, 2])  # copy_ into a view casts
    np.testing.assert_array_equal(x.numpy(), [1.0, 2.0, 2.0])


@pytest.mark.parametrize("value", [0.0, 2, "zero-d", "one-element"])
def test_setitem_of_one_value_under_a_uint8_mask_is_refused_as_torch(value):
    def make(lib):
        return {"zero-d": lib.tensor(2.0), "one-element": lib.tensor([1.0])}.get(value, value)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(RuntimeError, match="masked_fill_ only supports boolean masks"):
            torch.zeros(3)[torch.tensor([1, 0, 1], dtype=torch.uint8)] = make(torch)
        with pytest.raises(RuntimeError, match="masked_fill_ only supports boolean masks"):
            cr.zeros(3)[cr.tensor([1, 0, 1], dtype=cr.uint8)] = make(cr)


def test_setitem_of_values_under_a_uint8_mask_works_as_torch():
    x = cr.zeros(3)
    with pytest.warns(UserWarning, match="uint8"):
        x[cr.tensor([1, 0, 1], dtype=cr.uint8)] = cr.tensor([1.0, 2.0])
    np.testing.assert_array_equal(x.numpy(), [1.0, 0.0, 2.0])
