import numpy as np
import pytest

import chainrule as cr
from chainrule.data import BalancedBatchSampler, DataLoader, TensorDataset


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
    loader = DataLoader(TensorDataset(cr.tensor(x), cr.tensor(labels)),
                        batch_sampler=BalancedBatchSampler(labels, 6, num_batches=2))
    for xb, yb in loader:
        assert np.bincount(yb.detach().numpy(), minlength=3).tolist() == [2, 2, 2]


def test_bad_arguments():
    with pytest.raises(ValueError, match="BalancedBatchSampler"):
        BalancedBatchSampler(np.array([0, 1, 2]), batch_size=2)
    with pytest.raises(ValueError, match="1-D"):
        BalancedBatchSampler(np.zeros((2, 2)), batch_size=4)
