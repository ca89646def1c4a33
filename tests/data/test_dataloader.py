"""DataLoader and default_collate, checked against torch.utils.data."""

import collections

import numpy as np
import pytest
import torch
import torch.utils.data as tud
from torch.utils.data import default_collate as torch_collate

import chainrule as cr
from chainrule.data import (
    BatchSampler,
    DataLoader,
    SequentialSampler,
    Subset,
    TensorDataset,
    TransformDataset,
    default_collate,
)


def _dataset(n=10):
    x = np.arange(n * 2, dtype=np.float32).reshape(n, 2)
    y = np.arange(n, dtype=np.int64)
    return TensorDataset(x, y), tud.TensorDataset(torch.from_numpy(x), torch.from_numpy(y))


@pytest.mark.parametrize("n", [1, 7, 10, 16])
@pytest.mark.parametrize("batch_size", [1, 3, 4, 16, 20])
@pytest.mark.parametrize("drop_last", [False, True])
def test_len_and_batch_shapes_match_torch(n, batch_size, drop_last):
    ours, theirs = _dataset(n)
    loader = DataLoader(ours, batch_size=batch_size, drop_last=drop_last)
    tloader = tud.DataLoader(theirs, batch_size=batch_size, drop_last=drop_last)
    assert len(loader) == len(tloader)
    batches, tbatches = list(loader), list(tloader)
    assert len(batches) == len(tbatches) == len(loader)
    for (x, y), (tx, ty) in zip(batches, tbatches):
        assert isinstance(x, cr.Tensor) and x.shape == tuple(tx.shape) and y.shape == tuple(ty.shape)
        np.testing.assert_array_equal(x.detach().numpy(), tx.numpy())
        np.testing.assert_array_equal(y.detach().numpy(), ty.numpy())


def test_batch_is_a_list_like_torch():
    ours, theirs = _dataset(4)
    batch = next(iter(DataLoader(ours, batch_size=2)))
    tbatch = next(iter(tud.DataLoader(theirs, batch_size=2)))
    assert type(batch) is type(tbatch) is list
    assert batch[0].dtype == np.float32 and batch[1].dtype == np.int64


Point = collections.namedtuple("Point", "x y")


def _structure(value):
    """Type/shape/dtype skeleton of a collated batch, comparable between libraries."""
    if isinstance(value, cr.Tensor):
        return ("tensor", tuple(value.shape), str(value.dtype))
    if isinstance(value, torch.Tensor):
        return ("tensor", tuple(value.shape), str(value.numpy().dtype))
    if isinstance(value, dict):
        return {k: _structure(v) for k, v in value.items()}
    if isinstance(value, Point):
        return ("Point", [_structure(v) for v in value])
    if isinstance(value, list):
        return [_structure(v) for v in value]
    return value


@pytest.mark.parametrize(
    "samples",
    [
        [(np.ones((2, 3), np.float32), 1, 0.5), (np.zeros((2, 3), np.float32), 2, 1.5)],
        [{"image": np.ones(4, np.float32), "label": 3}, {"image": np.zeros(4, np.float32), "label": 1}],
        [Point(1.0, np.int64(2)), Point(3.0, np.int64(4))],
        [[np.float32(1), True], [np.float32(2), False]],
        [("a", 1), ("b", 2)],
        [np.arange(3, dtype=np.float64), np.arange(3, dtype=np.float64)],
    ],
)
def test_default_collate_structure_matches_torch(samples):
    ours = default_collate(samples)
    theirs = torch_collate(samples)
    assert _structure(ours) == _structure(theirs)


def test_default_collate_values_and_tensors():
    t = [cr.tensor(np.full((2,), i, np.float32)) for i in range(3)]
    out = default_collate(t)
    np.testing.assert_array_equal(out.detach().numpy(), [[0, 0], [1, 1], [2, 2]])
    assert default_collate([1, 2, 3]).dtype == np.int64
    assert default_collate([1.0, 2.0]).dtype == np.float64


def test_default_collate_errors():
    with pytest.raises(
        RuntimeError, match=r"default_collate: cannot stack samples of different shapes \[\(2,\), \(3,\)\]"
    ):
        default_collate([np.zeros(2), np.zeros(3)])
    with pytest.raises(TypeError, match="default_collate: batch must contain .* found object"):
        default_collate([object(), object()])
    with pytest.raises(RuntimeError, match="equal size"):
        default_collate([(1, 2), (1,)])
    with pytest.raises(TypeError, match="cannot mix"):
        default_collate([np.zeros(2), [0.0, 0.0]])


def test_fast_path_equals_per_sample_collation():
    ds, _ = _dataset(23)
    sub = Subset(ds, list(range(22, -1, -2)))
    for source in (ds, sub):
        fast = list(DataLoader(source, batch_size=5))
        slow = list(DataLoader(source, batch_size=5, collate_fn=default_collate))
        assert len(fast) == len(slow)
        for a, b in zip(fast, slow):
            for ta, tb in zip(a, b):
                assert ta.dtype == tb.dtype and ta.shape == tb.shape
                np.testing.assert_array_equal(ta.detach().numpy(), tb.detach().numpy())


def test_shuffle_new_permutation_each_epoch_and_seeded():
    ds, _ = _dataset(40)
    loader = DataLoader(ds, batch_size=8, shuffle=True, generator=np.random.default_rng(0))
    epochs = [np.concatenate([y.detach().numpy() for _, y in loader]) for _ in range(3)]
    for order in epochs:
        assert sorted(order.tolist()) == list(range(40))
    assert not np.array_equal(epochs[0], epochs[1])
    assert not np.array_equal(epochs[0], np.arange(40))
    again = DataLoader(ds, batch_size=8, shuffle=True, generator=np.random.default_rng(0))
    np.testing.assert_array_equal(np.concatenate([y.detach().numpy() for _, y in again]), epochs[0])

    default = DataLoader(ds, batch_size=8, shuffle=True)
    cr.manual_seed(123)
    first = np.concatenate([y.detach().numpy() for _, y in default])
    cr.manual_seed(123)
    second = np.concatenate([y.detach().numpy() for _, y in default])
    np.testing.assert_array_equal(first, second)


def test_custom_collate_batch_sampler_and_unbatched():
    ds, _ = _dataset(10)
    loader = DataLoader(ds, batch_size=4, collate_fn=lambda items: len(items))
    assert list(loader) == [4, 4, 2]
    bs = BatchSampler(SequentialSampler(ds), batch_size=3, drop_last=True)
    loader = DataLoader(ds, batch_sampler=bs)
    assert len(loader) == 3 and [b[1].detach().numpy().tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]
    single = DataLoader(TransformDataset(ds, transform=lambda t: t.detach().numpy()), batch_size=None)
    assert len(single) == 10
    x0, y0 = next(iter(single))
    assert isinstance(x0, cr.Tensor) and x0.shape == (2,)
    sampled = DataLoader(ds, batch_size=2, sampler=[9, 8, 7])
    assert [b[1].detach().numpy().tolist() for b in sampled] == [[9, 8], [7]]


def test_loader_argument_errors():
    ds, _ = _dataset(4)
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(ds, shuffle=True, sampler=SequentialSampler(ds))
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(ds, batch_size=2, batch_sampler=BatchSampler(SequentialSampler(ds), 2, False))
    with pytest.raises(ValueError, match="batch_size should be a positive integer or None, got 0"):
        DataLoader(ds, batch_size=0)
    with pytest.raises(ValueError, match="mutually exclusive with drop_last"):
        DataLoader(ds, batch_size=None, drop_last=True)
    with pytest.raises(TypeError, match="generator="):
        DataLoader(ds, shuffle=True, generator=42)
