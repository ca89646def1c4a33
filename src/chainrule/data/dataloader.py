"""The DataLoader: a dataset, a sampler and a collate function, iterated one batch at a time.

Training on mini-batches rather than one sample or the whole set is a trade: a batch averages
away enough gradient noise to take a useful step, yet is small enough to take many steps per
pass over the data (and the leftover noise helps SGD escape sharp minima). The loader makes that
batching, plus per-epoch shuffling, a one-liner, with PyTorch's arguments and semantics.
"""

from __future__ import annotations

import collections.abc
import numbers

import numpy as np

import chainrule as cr

from ..random import check_generator
from .samplers import BatchSampler, RandomSampler, SequentialSampler, _is_int

__all__ = ["DataLoader", "default_collate", "default_convert"]


def _stack(arrays, where: str):
    shapes = {a.shape for a in arrays}
    if len(shapes) > 1:
        raise RuntimeError(
            f"{where}: cannot stack samples of different shapes {sorted(shapes)} into a batch; "
            "resize/pad them to one shape or pass a custom collate_fn"
        )
    stacked = np.stack(arrays)
    return cr.tensor(stacked, dtype=stacked.dtype)


def default_collate(batch):
    """Merge a list of samples into a batch, recursing into the samples' structure.

    * Tensors, NumPy arrays and NumPy scalars are stacked along a new first axis into a Tensor.
    * Python ints become an int64 Tensor, Python floats a float64 Tensor, bools a bool Tensor
      (as in PyTorch, which also gives float64 here).
    * strings and bytes are returned as they came (the list, or the tuple of one field).
    * a mapping is collated key by key; a namedtuple field by field; any other sequence
      (including a tuple) position by position into a **list**, as PyTorch does, so the usual
      ``for x, y in loader`` unpacking works.
    """
    if not isinstance(batch, collections.abc.Sequence) or isinstance(batch, (str, bytes)):
        raise TypeError(f"default_collate: expected a list of samples, got {type(batch).__name__}")
    if len(batch) == 0:
        raise ValueError("default_collate: cannot collate an empty batch")
    elem = batch[0]
    if isinstance(elem, cr.Tensor):
        return _stack([b._data for b in _same_kind(batch, cr.Tensor)], "default_collate")
    if isinstance(elem, (np.ndarray, np.generic)) and not isinstance(elem, (np.str_, np.bytes_)):
        return _collate_arrays(batch)
    if isinstance(elem, (bool, np.bool_)):
        return cr.tensor(np.asarray(batch, dtype=np.bool_), dtype=np.bool_)
    if isinstance(elem, numbers.Integral):
        return cr.tensor(np.asarray(batch, dtype=np.int64), dtype=np.int64)
    if isinstance(elem, numbers.Real):
        return cr.tensor(np.asarray(batch, dtype=np.float64), dtype=np.float64)
    if isinstance(elem, (str, bytes)):
        return batch
    if isinstance(elem, collections.abc.Mapping):
        out = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            return type(elem)(out)
        except TypeError:
            return out
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):  # namedtuple
        return type(elem)(*(default_collate(field) for field in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        return _collate_sequences(batch)
    raise TypeError(
        "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or lists; "
        f"found {type(elem).__name__}"
    )


def _collate_arrays(batch):
    """NumPy arrays and scalars of numbers stacked into one Tensor."""
    arrays = [np.asarray(b) for b in _same_kind(batch, (np.ndarray, np.generic))]
    for a in arrays:
        if a.dtype.kind not in "fiub":
            raise TypeError(
                f"default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
                f"lists; found a numpy array of dtype {a.dtype}"
            )
    return _stack(arrays, "default_collate")


def _collate_sequences(batch):
    """Equal-length sequences collated position by position; a tuple gives a list, as in PyTorch."""
    elem = batch[0]
    size = len(elem)
    if any(len(sample) != size for sample in batch):
        raise RuntimeError(
            "default_collate: each element in list of batch should be of equal size, got "
            f"lengths {sorted({len(sample) for sample in batch})}"
        )
    columns = [default_collate(column) for column in zip(*batch)]
    if isinstance(elem, tuple):
        return columns
    try:
        return type(elem)(columns)
    except TypeError:
        return columns


def _same_kind(batch, kind):
    for sample in batch:
        if not isinstance(sample, kind):
            raise TypeError(
                f"default_collate: cannot mix {type(batch[0]).__name__} and {type(sample).__name__} in one batch"
            )
    return batch


def default_convert(data):
    """Used instead of collation when automatic batching is off (``batch_size=None``): converts
    NumPy arrays to Tensors, recursing into mappings and sequences; everything else is returned
    unchanged."""
    if isinstance(data, cr.Tensor):
        return data
    if isinstance(data, np.ndarray):
        if data.dtype.kind not in "fiub":
            return data
        return cr.tensor(data, dtype=data.dtype)
    if isinstance(data, np.generic) and np.asarray(data).dtype.kind in "fiub":
        return cr.tensor(np.asarray(data), dtype=data.dtype)
    if isinstance(data, collections.abc.Mapping):
        out = {k: default_convert(v) for k, v in data.items()}
        try:
            return type(data)(out)
        except TypeError:
            return out
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            return type(data)([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


class DataLoader:
    """Iterate over ``dataset`` in batches.

    Args:
        dataset: a map-style dataset (``__getitem__`` and ``__len__``).
        batch_size: samples per batch; ``None`` turns automatic batching off, so the loader
            yields single samples (passed through ``collate_fn``, default :func:`default_convert`).
        shuffle: visit the samples in a new random order every epoch (a :class:`RandomSampler`).
        sampler: a custom order of indices; mutually exclusive with ``shuffle``.
        batch_sampler: yields whole lists of indices; mutually exclusive with ``batch_size``,
            ``shuffle``, ``sampler`` and ``drop_last``.
        collate_fn: turns a list of samples into a batch; default :func:`default_collate`.
        drop_last: drop the final, smaller batch when ``len(dataset)`` is not a multiple of
            ``batch_size``.
        generator: the ``numpy.random.Generator`` used by the shuffling sampler; None uses
            chainrule's default generator, read at the start of each epoch, so
            ``chainrule.manual_seed(s)`` before iterating reproduces that epoch's order.

    Everything runs in the calling process: there is no ``num_workers``. Per-sample
    augmentation belongs to the dataset (:class:`~chainrule.data.TransformDataset`), as in
    torchvision, not to the loader.
    """

    def __init__(
        self,
        dataset,
        batch_size: int | None = 1,
        shuffle: bool | None = False,
        sampler=None,
        batch_sampler=None,
        collate_fn=None,
        drop_last: bool = False,
        generator=None,
    ) -> None:
        if not hasattr(dataset, "__getitem__"):
            raise TypeError(f"DataLoader: dataset must support indexing (__getitem__), got {type(dataset).__name__}")
        if shuffle is None:
            shuffle = False
        if not isinstance(shuffle, bool):
            raise TypeError(f"DataLoader: shuffle should be a boolean value, got {shuffle!r}")
        if not isinstance(drop_last, bool):
            raise TypeError(f"DataLoader: drop_last should be a boolean value, got {drop_last!r}")
        if batch_size is not None and (not _is_int(batch_size) or batch_size <= 0):
            raise ValueError(f"DataLoader: batch_size should be a positive integer or None, got {batch_size!r}")
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(f"DataLoader: collate_fn must be callable, got {type(collate_fn).__name__}")
        check_generator(generator, "DataLoader")

        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "DataLoader: batch_sampler option is mutually exclusive with batch_size, "
                    "shuffle, sampler, and drop_last"
                )
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError(
                "DataLoader: batch_size=None option disables auto-batching and is mutually exclusive with drop_last"
            )

        if sampler is None:
            if shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        elif not hasattr(sampler, "__iter__"):
            raise TypeError(f"DataLoader: sampler must be iterable, got {type(sampler).__name__}")
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.dataset = dataset
        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        self._default_collate = collate_fn is None
        if collate_fn is None:
            collate_fn = default_collate if batch_sampler is not None else default_convert
        self.collate_fn = collate_fn

    @property
    def _auto_collation(self) -> bool:
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def __iter__(self):
        dataset = self.dataset
        if not self._auto_collation:
            for index in self.sampler:
                yield self.collate_fn(dataset[index])
            return
        # Fast path: TensorDataset (and Subsets of it) build a default-collated batch with one
        # fancy index per tensor instead of len(batch) Python-level __getitem__ calls.
        fetch = getattr(dataset, "_fetch_batch", None) if self._default_collate else None
        for indices in self.batch_sampler:
            if fetch is not None:
                batch = fetch(list(indices))
                if batch is not None:
                    yield batch
                    continue
            yield self.collate_fn([dataset[i] for i in indices])

    def __len__(self) -> int:
        sampler = self._index_sampler
        if not hasattr(sampler, "__len__"):
            raise TypeError(f"DataLoader: cannot take len(): its {type(sampler).__name__} has no __len__")
        return len(sampler)

    def __repr__(self) -> str:
        return (
            f"DataLoader(dataset={type(self.dataset).__name__} of {len(self.dataset) if hasattr(self.dataset, '__len__') else '?'}, "
            f"batch_size={self.batch_size}, sampler={type(self.sampler).__name__}, drop_last={self.drop_last})"
        )
