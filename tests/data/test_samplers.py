"""Samplers (which indices, in what order), checked against torch.utils.data."""

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import chainrule as cr
from chainrule.data import (
    BalancedBatchSampler,
    BatchSampler,
    DataLoader,
    RandomSampler,
    SequentialSampler,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
)


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
    loader = DataLoader(
        ds, batch_size=50, sampler=WeightedRandomSampler(weights, 4000, generator=np.random.default_rng(5))
    )
    labels = np.concatenate([b[1].detach().numpy() for b in loader])
    assert len(labels) == 4000 and 0.45 < labels.mean() < 0.55


def test_every_batch_is_balanced_and_majority_is_covered():
    labels = np.array([0] * 95 + [1] * 5)
    sampler = BalancedBatchSampler(labels, batch_size=10, generator=cr.random.Generator(0))
    batches = list(sampler)
    assert len(batches) == len(sampler) == 19  # ceil(95 / 5)
    for batch in batches:
        counts = np.bincount(labels[batch], minlength=2)
        assert counts.tolist() == [5, 5]
    majority_seen = {i for b in batches for i in b if labels[i] == 0}
    assert majority_seen == set(range(95))


def test_seeded_and_works_with_dataloader():
    labels = np.array([0, 0, 0, 0, 1, 1, 2])
    x = np.arange(7, dtype=np.float32)[:, None]
    first = list(BalancedBatchSampler(labels, 6, num_batches=3, generator=cr.random.Generator(5)))
    again = list(BalancedBatchSampler(labels, 6, num_batches=3, generator=cr.random.Generator(5)))
    assert first == again
    loader = DataLoader(
        TensorDataset(cr.tensor(x), cr.tensor(labels)), batch_sampler=BalancedBatchSampler(labels, 6, num_batches=2)
    )
    for _, yb in loader:
        assert np.bincount(yb.detach().numpy(), minlength=3).tolist() == [2, 2, 2]


def test_bad_arguments():
    with pytest.raises(ValueError, match="BalancedBatchSampler"):
        BalancedBatchSampler(np.array([0, 1, 2]), batch_size=2)
    with pytest.raises(ValueError, match="1-D"):
        BalancedBatchSampler(np.zeros((2, 2)), batch_size=4)
