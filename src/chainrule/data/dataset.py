"""Map-style datasets: anything with ``__getitem__(index)`` and ``__len__``.

A dataset answers "what is sample *i*?" and nothing else; ordering, batching and shuffling
belong to samplers and the :class:`~chainrule.data.DataLoader`. That split (PyTorch's) lets the
same data be wrapped, split, concatenated or augmented by composing small objects.
"""

from __future__ import annotations

import bisect
import math
import numbers
import warnings
from collections.abc import Sequence

import numpy as np

import chainrule as cr

from ..random import get_generator

__all__ = [
    "ConcatDataset",
    "Dataset",
    "Subset",
    "TensorDataset",
    "TransformDataset",
    "random_split",
]


class Dataset:
    """Base class for map-style datasets. Subclasses implement ``__getitem__`` and ``__len__``.

    ``dataset_a + dataset_b`` concatenates, as in PyTorch.
    """

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __add__(self, other: Dataset) -> ConcatDataset:
        return ConcatDataset([self, other])


def _index_of(index, length: int, where: str) -> int:
    """Normalise an integer index (negative counts from the end) or raise a clear IndexError."""
    if not isinstance(index, (numbers.Integral, np.integer)) or isinstance(index, (bool, np.bool_)):
        raise TypeError(f"{where}: index must be an integer, got {type(index).__name__}")
    index = int(index)
    if not -length <= index < length:
        raise IndexError(f"{where}: index {index} is out of range for a dataset of length {length}")
    return index + length if index < 0 else index


def _as_tensor(value, where: str, position: int):
    if isinstance(value, cr.Tensor):
        return value
    try:
        array = np.asarray(value)
    except Exception:  # pragma: no cover - numpy raises many kinds here
        array = None
    if array is None or array.dtype.kind not in "fiub":
        raise TypeError(f"{where}: argument {position} must be a Tensor or a numeric array, got {type(value).__name__}")
    return cr.tensor(array, dtype=array.dtype)


class TensorDataset(Dataset):
    """Dataset wrapping tensors that share their first dimension: sample *i* is
    ``tuple(t[i] for t in tensors)``.

    NumPy arrays are accepted too and wrapped as Tensors (keeping their dtype); PyTorch accepts
    only tensors.
    """

    def __init__(self, *tensors) -> None:
        if not tensors:
            raise ValueError("TensorDataset: expected at least one tensor")
        converted = tuple(_as_tensor(t, "TensorDataset", i) for i, t in enumerate(tensors))
        for i, t in enumerate(converted):
            if len(t.shape) == 0:
                raise ValueError(
                    f"TensorDataset: tensor {i} is 0-d (a scalar); every tensor needs a first "
                    "dimension that indexes samples"
                )
        sizes = [t.shape[0] for t in converted]
        if any(s != sizes[0] for s in sizes):
            shapes = ", ".join(str(tuple(t.shape)) for t in converted)
            raise ValueError(
                f"TensorDataset: size mismatch between tensors: first dimensions must agree, got shapes {shapes}"
            )
        self.tensors = converted

    def __getitem__(self, index):
        index = _index_of(index, len(self), "TensorDataset")
        return tuple(t[index] for t in self.tensors)

    def __len__(self) -> int:
        return int(self.tensors[0].shape[0])

    def _fetch_batch(self, indices):
        """Fast path for the DataLoader: the default-collated batch, built with one fancy index
        per tensor instead of one Python call per sample. Returns exactly what
        ``default_collate([self[i] for i in indices])`` would."""
        idx = np.asarray(indices, dtype=np.int64)
        n = len(self)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            bad = idx[(idx < -n) | (idx >= n)][0]
            raise IndexError(f"TensorDataset: index {int(bad)} is out of range for a dataset of length {n}")
        return [cr.tensor(t._data[idx], dtype=t.dtype) for t in self.tensors]


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order (no copy is made)."""

    def __init__(self, dataset, indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices

    def __getitem__(self, index):
        if isinstance(index, list):
            return self.dataset[[self.indices[i] for i in index]]
        index = _index_of(index, len(self), "Subset")
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)

    def _fetch_batch(self, indices):
        inner = getattr(self.dataset, "_fetch_batch", None)
        if inner is None:
            return None
        n = len(self)
        for i in indices:
            if not -n <= i < n:
                raise IndexError(f"Subset: index {i} is out of range for a dataset of length {n}")
        return inner([self.indices[i] for i in indices])


class ConcatDataset(Dataset):
    """Several datasets read one after another, e.g. a training set plus extra collected data."""

    def __init__(self, datasets) -> None:
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: datasets should not be an empty iterable")
        self.cumulative_sizes = []
        total = 0
        for d in self.datasets:
            if not hasattr(d, "__len__"):
                raise TypeError(f"ConcatDataset: every dataset needs a length; {type(d).__name__} has no __len__")
            total += len(d)
            self.cumulative_sizes.append(total)

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index):
        index = _index_of(index, len(self), "ConcatDataset")
        which = bisect.bisect_right(self.cumulative_sizes, index)
        start = 0 if which == 0 else self.cumulative_sizes[which - 1]
        return self.datasets[which][index - start]


class TransformDataset(Dataset):
    """Applies ``transform`` to each sample's input as it is read, and ``target_transform`` (if
    given) to its target.

    For a tuple/list sample ``(x, y, ...)`` the transform applies to ``x`` (the first element)
    and the target transform to ``y`` (the second); any other sample is passed whole to
    ``transform``. Because the transform runs on every read, a random augmentation produces a
    *different* variant of each image every epoch: the network never sees exactly the same
    input twice, so it cannot simply memorise the training pixels (see
    :mod:`chainrule.data.transforms`). Wrap only the training split; evaluate on clean data.

    This is chainrule's counterpart of the ``transform=`` argument that torchvision datasets
    take; :class:`TensorDataset` itself takes no transform.
    """

    def __init__(self, dataset, transform=None, target_transform=None) -> None:
        for name, fn in (("transform", transform), ("target_transform", target_transform)):
            if fn is not None and not callable(fn):
                raise TypeError(f"TransformDataset: {name} must be callable or None, got {type(fn).__name__}")
        self.dataset = dataset
        self.transform = transform
        self.target_transform = target_transform

    def __getitem__(self, index):
        sample = self.dataset[index]
        if isinstance(sample, (tuple, list)):
            items = list(sample)
            if self.transform is not None and items:
                items[0] = self.transform(items[0])
            if self.target_transform is not None and len(items) > 1:
                items[1] = self.target_transform(items[1])
            return tuple(items) if isinstance(sample, tuple) else items
        return self.transform(sample) if self.transform is not None else sample

    def __len__(self) -> int:
        return len(self.dataset)


def _split_lengths(n: int, lengths) -> list[int]:
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split: lengths is empty; expected at least one length or fraction")
    for x in lengths:
        if not isinstance(x, (numbers.Real, np.number)) or isinstance(x, (bool, np.bool_)):
            raise TypeError(f"random_split: lengths must be numbers, got {x!r} in {lengths}")
    total = sum(lengths)
    # As in PyTorch, lengths summing to 1 are read as fractions (so [1] means "everything").
    fractional = math.isclose(total, 1) and total <= 1
    if not fractional and all(isinstance(x, (numbers.Integral, np.integer)) for x in lengths):
        for x in lengths:
            if x < 0:
                raise ValueError(f"random_split: lengths must be non-negative, got {lengths}")
        if total != n:
            raise ValueError(
                f"random_split: sum of input lengths ({total}) does not equal the length of the input dataset ({n})"
            )
        return [int(x) for x in lengths]
    if not math.isclose(total, 1) or total > 1:
        raise ValueError(
            f"random_split: lengths {lengths} are neither integers summing to the dataset length "
            f"({n}) nor fractions summing to 1"
        )
    sizes = []
    for i, frac in enumerate(lengths):
        if not 0 <= frac <= 1:
            raise ValueError(f"random_split: fraction at index {i} is not between 0 and 1, got {frac}")
        sizes.append(int(math.floor(n * frac)))
    # Hand the rows lost to flooring out one at a time, first split first (PyTorch's rule).
    for i in range(n - sum(sizes)):
        sizes[i % len(sizes)] += 1
    for i, size in enumerate(sizes):
        if size == 0:
            warnings.warn(f"random_split: length of split at index {i} is 0; this split will be empty", stacklevel=3)
    return sizes


def random_split(dataset, lengths, generator=None) -> list[Subset]:
    """Randomly split ``dataset`` into non-overlapping :class:`Subset` s.

    ``lengths`` are either integers summing to ``len(dataset)`` or fractions summing to 1; with
    fractions each split gets ``floor(n * fraction)`` samples and the remainder is dealt out
    round-robin starting with the first split, so ``[0.8, 0.2]`` of 11 gives sizes 9 and 2.

    A held-out split that the model never trains on is the only honest estimate of how it does
    on new data; making the split random (and seeded) avoids accidentally holding out a
    non-representative tail of a sorted file.
    """
    n = len(dataset)
    sizes = _split_lengths(n, lengths)
    gen = get_generator(generator, owner="random_split")
    perm = gen.permutation(n).tolist()
    out, offset = [], 0
    for size in sizes:
        out.append(Subset(dataset, perm[offset : offset + size]))
        offset += size
    return out
