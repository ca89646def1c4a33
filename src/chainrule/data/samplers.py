"""Samplers decide *which* dataset indices are visited and in what order.

Keeping the order separate from the data (as ``torch.utils.data`` does) means one dataset can
be read sequentially for evaluation, shuffled for training, or re-weighted to over-sample a rare
class, without copying it. A sampler yields indices; a :class:`BatchSampler` groups them into
lists; the :class:`~chainrule.data.DataLoader` turns each list into a batch.

All randomness goes through a ``numpy.random.Generator``. When ``generator=None`` the sampler
asks for chainrule's default generator *each time it is iterated*, so ``chainrule.manual_seed``
called before an epoch fixes that epoch's order, and every new epoch draws a fresh permutation.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterator, Sequence

import numpy as np

from ..random import check_generator, get_generator

__all__ = [
    "BalancedBatchSampler",
    "BatchSampler",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
]


def _is_int(value) -> bool:
    return isinstance(value, (numbers.Integral, np.integer)) and not isinstance(value, (bool, np.bool_))


class Sampler:
    """Base class: subclasses implement ``__iter__`` (yielding indices) and usually ``__len__``."""

    def __init__(self, data_source=None) -> None:
        # Accepted and ignored, as in PyTorch, so subclasses may call super().__init__(data_source).
        pass

    def __iter__(self) -> Iterator[int]:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class SequentialSampler(Sampler):
    """Yields ``0, 1, ..., len(data_source) - 1``: the order for evaluation, where shuffling buys
    nothing and a fixed order makes results comparable."""

    def __init__(self, data_source) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


class RandomSampler(Sampler):
    """Yields the indices of ``data_source`` in a random order.

    Shuffling matters for SGD: consecutive batches drawn from a sorted dataset (all of class 0,
    then all of class 1) give gradients that pull the model back and forth instead of toward the
    optimum of the whole data set.

    Args:
        data_source: the dataset (only its ``len`` is used).
        replacement: draw ``num_samples`` indices independently (with repeats) instead of a
            permutation.
        num_samples: how many indices to yield per epoch; defaults to ``len(data_source)``.
            Without replacement and larger than the dataset, whole permutations are chained.
        generator: a ``numpy.random.Generator``; None uses chainrule's default generator.
    """

    def __init__(self, data_source, replacement: bool = False, num_samples: int | None = None, generator=None) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement should be a boolean value, got {replacement!r}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = num_samples
        self.generator = check_generator(generator, "RandomSampler")
        if num_samples is not None and (not _is_int(num_samples) or num_samples <= 0):
            raise ValueError(f"RandomSampler: num_samples should be a positive integer, got {num_samples!r}")

    @property
    def num_samples(self) -> int:
        # Read lazily: the dataset may change size between construction and iteration.
        return len(self.data_source) if self._num_samples is None else int(self._num_samples)

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        gen = get_generator(self.generator, owner="RandomSampler")
        count = self.num_samples
        if n == 0:
            return iter(())
        if self.replacement:
            return iter(gen.integers(0, n, size=count).tolist())
        chunks = [gen.permutation(n) for _ in range(count // n)]
        if count % n:
            chunks.append(gen.permutation(n)[: count % n])
        if not chunks:
            return iter(())
        return iter(np.concatenate(chunks).tolist())

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler):
    """Yields the given ``indices`` in a random order, e.g. to train on a fold of a dataset
    without building a :class:`~chainrule.data.Subset`."""

    def __init__(self, indices: Sequence[int], generator=None) -> None:
        self.indices = indices
        self.generator = check_generator(generator, "SubsetRandomSampler")

    def __iter__(self) -> Iterator[int]:
        gen = get_generator(self.generator, owner="SubsetRandomSampler")
        for i in gen.permutation(len(self.indices)).tolist():
            yield self.indices[i]

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler):
    """Yields indices ``0..len(weights)-1`` drawn with probability proportional to ``weights``.

    The classic use is class imbalance: give each sample the weight ``1 / count(its class)`` and
    every class is seen equally often per epoch, so the loss is no longer dominated by the
    majority class.

    Args:
        weights: 1-D sequence of non-negative, finite weights (need not sum to one).
        num_samples: how many indices to draw per epoch.
        replacement: with replacement (default) an index may repeat; without, each index is
            drawn at most once, which needs ``num_samples`` <= the number of non-zero weights.
        generator: a ``numpy.random.Generator``; None uses chainrule's default generator.
    """

    def __init__(self, weights, num_samples: int, replacement: bool = True, generator=None) -> None:
        if not _is_int(num_samples) or num_samples <= 0:
            raise ValueError(f"WeightedRandomSampler: num_samples should be a positive integer, got {num_samples!r}")
        if not isinstance(replacement, bool):
            raise ValueError(f"WeightedRandomSampler: replacement should be a boolean value, got {replacement!r}")
        raw = weights.data if hasattr(weights, "data") and not isinstance(weights, np.ndarray) else weights
        try:
            w = np.asarray(raw, dtype=np.float64)
        except (TypeError, ValueError):
            raise TypeError(
                f"WeightedRandomSampler: weights must be a 1-D sequence of numbers, got {type(weights).__name__}"
            ) from None
        if w.ndim != 1:
            raise ValueError(f"WeightedRandomSampler: weights should be a 1-D sequence, got shape {w.shape}")
        if w.size == 0:
            raise ValueError("WeightedRandomSampler: weights is empty; expected at least one weight")
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError(
                f"WeightedRandomSampler: weights must be finite and non-negative, got min {w.min()!r}, max {w.max()!r}"
            )
        if w.sum() <= 0:
            raise ValueError("WeightedRandomSampler: weights sum to zero; at least one must be positive")
        nonzero = int(np.count_nonzero(w))
        if not replacement and num_samples > nonzero:
            raise ValueError(
                f"WeightedRandomSampler: cannot draw num_samples={num_samples} without replacement "
                f"from only {nonzero} non-zero weights"
            )
        self.weights = w
        self.num_samples = int(num_samples)
        self.replacement = replacement
        self.generator = check_generator(generator, "WeightedRandomSampler")

    def __iter__(self) -> Iterator[int]:
        gen = get_generator(self.generator, owner="WeightedRandomSampler")
        p = self.weights / self.weights.sum()
        drawn = gen.choice(len(p), size=self.num_samples, replace=self.replacement, p=p)
        return iter(drawn.tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler):
    """Groups the indices of another sampler into lists of ``batch_size``.

    The last batch is shorter when the sampler's length is not a multiple of ``batch_size``;
    ``drop_last=True`` drops it, which keeps every batch the same size (useful when batch
    statistics, as in batch norm, would be noisy on a tiny final batch).
    """

    def __init__(self, sampler, batch_size: int, drop_last: bool) -> None:
        if not _is_int(batch_size) or batch_size <= 0:
            raise ValueError(
                f"BatchSampler: batch_size should be a positive integer value, got batch_size={batch_size!r}"
            )
        if not isinstance(drop_last, bool):
            raise ValueError(f"BatchSampler: drop_last should be a boolean value, got drop_last={drop_last!r}")
        self.sampler = sampler
        self.batch_size = int(batch_size)
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        batch: list[int] = []
        for index in self.sampler:
            batch.append(index)
            if len(batch) == self.batch_size:
                yield batch
                batch = []
        if batch and not self.drop_last:
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)
        if self.drop_last:
            return n // self.batch_size
        return (n + self.batch_size - 1) // self.batch_size


class BalancedBatchSampler(Sampler):
    """Yield batches (lists of indices) holding the same number of samples from every class.

    With a 1:99 class ratio a plain shuffled batch of 32 usually holds no minority sample at all,
    so the minority gradient arrives rarely and noisily. Drawing ``batch_size // n_classes`` per
    class (minority rows with replacement, majority rows without, reshuffled each epoch) puts
    every class in every batch: over-sampling done at the batch level, without copying data.
    ``num_batches`` defaults to enough batches to visit the majority class once per epoch.
    Pass it to ``DataLoader(dataset, batch_sampler=...)``.
    """

    def __init__(self, labels, batch_size, num_batches=None, generator=None):
        labels = np.asarray(getattr(labels, "data", labels))
        if labels.ndim != 1 or labels.size == 0:
            raise ValueError(f"BalancedBatchSampler: labels must be a non-empty 1-D array, got shape {labels.shape}")
        self.classes, inverse = np.unique(labels, return_inverse=True)
        if not _is_int(batch_size) or batch_size < len(self.classes):
            raise ValueError(
                f"BalancedBatchSampler: batch_size must be an int >= the number of classes "
                f"({len(self.classes)}), got {batch_size!r}"
            )
        self.per_class = int(batch_size) // len(self.classes)
        self.batch_size = self.per_class * len(self.classes)
        self.class_indices = [np.flatnonzero(inverse == k) for k in range(len(self.classes))]
        largest = max(len(ix) for ix in self.class_indices)
        self.num_batches = int(num_batches) if num_batches is not None else max(1, -(-largest // self.per_class))
        if self.num_batches <= 0:
            raise ValueError(f"BalancedBatchSampler: num_batches must be positive, got {num_batches}")
        self.generator = check_generator(generator, "BalancedBatchSampler")

    def __iter__(self):
        rng = get_generator(self.generator, owner="BalancedBatchSampler")
        needed = self.num_batches * self.per_class
        streams = []
        for ix in self.class_indices:
            # Cycle through fresh permutations so each row is used about equally often.
            reps = -(-needed // len(ix))
            streams.append(np.concatenate([rng.permutation(ix) for _ in range(reps)])[:needed])
        for b in range(self.num_batches):
            part = slice(b * self.per_class, (b + 1) * self.per_class)
            batch = np.concatenate([s[part] for s in streams])
            yield rng.permutation(batch).tolist()

    def __len__(self):
        return self.num_batches
