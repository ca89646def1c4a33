"""DataLoader, default_collate and samplers, checked against torch.utils.data."""
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
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    TransformDataset,
    WeightedRandomSampler,
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
    with pytest.raises(RuntimeError, match=r"default_collate: cannot stack samples of different shapes \[\(2,\), \(3,\)\]"):
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


# ---------------------------------------------------------------- samplers


def test_sequential_random_subset_samplers():
    data = list(range(12))
    assert list(SequentialSampler(data)) == data
    rs = RandomSampler(data, generator=np.random.default_rng(1))
    assert len(rs) == 12 and sorted(rs) == data
    rs = RandomSampler(data, num_samples=30, generator=np.random.default_rng(1))
    drawn = list(rs)
    assert len(rs) == len(drawn) == 30
    assert sorted(drawn[:12]) == data and sorted(drawn[12:24]) == data  # chained permutations
    rs = RandomSampler(data, replacement=True, num_samples=200, generator=np.random.default_rng(1))
    drawn = list(rs)
    assert len(drawn) == 200 and set(drawn) <= set(data) and len(set(drawn)) == 12
    sub = SubsetRandomSampler([5, 7, 9], generator=np.random.default_rng(2))
    assert len(sub) == 3 and sorted(sub) == [5, 7, 9]
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        RandomSampler(data, num_samples=0)
    with pytest.raises(TypeError, match="replacement should be a boolean"):
        RandomSampler(data, replacement=1)


@pytest.mark.parametrize("n, batch_size", [(10, 3), (9, 3), (1, 5), (0, 2)])
@pytest.mark.parametrize("drop_last", [False, True])
def test_batch_sampler_matches_torch(n, batch_size, drop_last):
    ours = BatchSampler(SequentialSampler(range(n)), batch_size, drop_last)
    theirs = tud.BatchSampler(tud.SequentialSampler(range(n)), batch_size, drop_last)
    assert len(ours) == len(theirs)
    assert list(ours) == list(theirs)


def test_batch_sampler_errors():
    with pytest.raises(ValueError, match="batch_size should be a positive integer value, got batch_size=0"):
        BatchSampler([0, 1], 0, False)
    with pytest.raises(ValueError, match="drop_last should be a boolean"):
        BatchSampler([0, 1], 1, "no")


def test_weighted_sampler_frequencies_match_torch_within_bounds():
    weights = [1.0, 2.0, 3.0, 0.0, 4.0]
    n = 20000
    p = np.asarray(weights) / sum(weights)
    ours = np.bincount(list(WeightedRandomSampler(weights, n, generator=np.random.default_rng(0))), minlength=5)
    torch.manual_seed(0)
    theirs = np.bincount(list(tud.WeightedRandomSampler(weights, n)), minlength=5)
    sd = np.sqrt(n * p * (1 - p))
    for counts in (ours, theirs):
        assert counts[3] == 0
        assert np.all(np.abs(counts - n * p) <= 5 * sd + 1e-9)
    assert len(WeightedRandomSampler(weights, 7)) == 7


def test_weighted_sampler_without_replacement_and_errors():
    s = WeightedRandomSampler([1, 1, 5, 0, 1], 4, replacement=False, generator=np.random.default_rng(0))
    drawn = list(s)
    assert sorted(drawn) == [0, 1, 2, 4]
    with pytest.raises(ValueError, match="cannot draw num_samples=5 without replacement from only 4 non-zero"):
        WeightedRandomSampler([1, 1, 5, 0, 1], 5, replacement=False)
    with pytest.raises(ValueError, match="non-negative"):
        WeightedRandomSampler([1, -1], 2)
    with pytest.raises(ValueError, match="sum to zero"):
        WeightedRandomSampler([0, 0], 2)
    with pytest.raises(ValueError, match="1-D"):
        WeightedRandomSampler([[1, 2]], 2)
    with pytest.raises(ValueError, match="num_samples should be a positive integer"):
        WeightedRandomSampler([1, 2], 0)


def test_weighted_sampler_balances_classes_in_a_loader():
    y = np.array([0] * 90 + [1] * 10, dtype=np.int64)
    ds = TensorDataset(np.zeros((100, 1), np.float32), y)
    weights = 1.0 / np.bincount(y)[y]
    loader = DataLoader(ds, batch_size=50, sampler=WeightedRandomSampler(weights, 4000, generator=np.random.default_rng(5)))
    labels = np.concatenate([b[1].detach().numpy() for b in loader])
    assert len(labels) == 4000 and 0.45 < labels.mean() < 0.55
