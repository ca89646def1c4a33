"""Variable-length batches for recurrent layers (``torch.nn.utils.rnn`` names and semantics).

A batch of sequences of different lengths is either *padded*, one (T, B, *) array whose rows
beyond a sequence's length hold ``padding_value``, or *packed*: a ``PackedSequence`` whose
``data`` (sum of lengths, *) lists, step by step, the entries of the sequences still running at
that step, longest sequence first, and whose ``batch_sizes[t]`` says how many there are. Packing
is what lets a recurrent layer stop each sequence at its own last step, so its final state is
the state after its true last element, not after the padding. ``sorted_indices`` is the
permutation that sorted the batch by decreasing length (None when it already was), and
``unsorted_indices`` its inverse, which puts results back in the caller's order.

Packing and padding are gathers and scatters of rows (``ops.recurrent.PaddedToPacked`` and
``PackedToPadded``), so gradients flow through them.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from ... import functional as F
from ...ops import recurrent
from ...tensor import Tensor, as_tensor_operand, unwrap_tensor

__all__ = [
    "PackedSequence",
    "invert_permutation",
    "pack_padded_sequence",
    "pack_sequence",
    "pad_packed_sequence",
    "pad_sequence",
    "unpack_sequence",
    "unpad_sequence",
]

_PackedSequenceFields = namedtuple("PackedSequence_", ["data", "batch_sizes", "sorted_indices", "unsorted_indices"])


def _indices(value):
    """An index argument (Tensor, array, list) as an int64 array, or None."""
    if value is None:
        return None
    return np.asarray(unwrap_tensor(value), dtype=np.int64)


def invert_permutation(permutation):
    """The inverse permutation (``unsorted_indices`` from ``sorted_indices``); None stays None."""
    if permutation is None:
        return None
    perm = _indices(permutation)
    inverse = np.empty_like(perm)
    inverse[perm] = np.arange(perm.size)
    return Tensor(inverse)


class PackedSequence(_PackedSequenceFields):
    """A packed batch of sequences, a namedtuple (data, batch_sizes, sorted_indices,
    unsorted_indices) as in PyTorch; build it with :func:`pack_padded_sequence` or
    :func:`pack_sequence` rather than by hand.

    Args:
        data: (sum of lengths, *) the entries, time step by time step.
        batch_sizes: (T,) int64, how many sequences run at each step (non-increasing).
        sorted_indices: the permutation that sorted the batch by decreasing length, or None.
        unsorted_indices: its inverse (computed from ``sorted_indices`` when None).
    """

    __slots__ = ()

    def __new__(cls, data, batch_sizes=None, sorted_indices=None, unsorted_indices=None):
        if batch_sizes is None:
            raise TypeError("PackedSequence: batch_sizes is required (use pack_padded_sequence or pack_sequence)")
        batch_sizes = Tensor(_indices(batch_sizes))
        if sorted_indices is not None:
            sorted_indices = Tensor(_indices(sorted_indices))
            unsorted_indices = (
                invert_permutation(sorted_indices) if unsorted_indices is None else Tensor(_indices(unsorted_indices))
            )
        return super().__new__(cls, data, batch_sizes, sorted_indices, unsorted_indices)

    def to(self, *args, **kwargs):
        """A PackedSequence with ``data.to(*args, **kwargs)``; the index tensors stay int64."""
        data = self.data.to(*args, **kwargs)
        if data is self.data:
            return self
        return type(self)(data, self.batch_sizes, self.sorted_indices, self.unsorted_indices)

    def double(self):
        return self.to(dtype=np.float64)

    def float(self):
        return self.to(dtype=np.float32)

    def cpu(self):
        return self

    @property
    def is_cuda(self) -> bool:
        return False

    def is_pinned(self) -> bool:
        return False


def pad_sequence(sequences, batch_first=False, padding_value=0.0, padding_side="right"):
    """Stack sequences of shapes (L_i, *) into (T, B, *) (or (B, T, *)), T = max L_i, filling the
    rest with ``padding_value`` after (``padding_side='right'``) or before ('left') each sequence.

    Args:
        sequences: a list of Tensors with equal trailing dims.
        batch_first: return (B, T, *) instead of (T, B, *).
        padding_value: the value of the padded entries.
        padding_side: 'right' or 'left'.
    """
    if padding_side not in ("left", "right"):
        raise ValueError(f"padding_side must be 'left' or 'right', got {padding_side!r}")
    if isinstance(sequences, Tensor):
        sequences = list(sequences.unbind(0))
    sequences = [as_tensor_operand("pad_sequence", s) for s in sequences]
    if not sequences:
        raise RuntimeError("pad_sequence: received an empty list of sequences")
    for s in sequences:
        if s.ndim < 1 or s.shape[1:] != sequences[0].shape[1:]:
            raise RuntimeError(
                f"pad_sequence: every sequence must have shape (L, *{tuple(sequences[0].shape[1:])}), "
                f"got shapes {[tuple(q.shape) for q in sequences]}"
            )
    lengths = np.array([s.shape[0] for s in sequences], dtype=np.int64)
    steps, batch = int(lengths.max()), len(sequences)
    seq = np.repeat(np.arange(batch), lengths)  # which sequence each concatenated row belongs to
    within = np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    if padding_side == "left":
        within = within + np.repeat(steps - lengths, lengths)
    positions = seq * steps + within if batch_first else within * batch + seq
    shape = (batch, steps) if batch_first else (steps, batch)
    return recurrent.PackedToPadded.apply(
        F.cat(sequences, 0), positions, steps=shape[0], batch=shape[1], padding_value=padding_value
    )


def _lengths(fn_name, lengths, batch, steps):
    lengths = _indices(lengths)
    if lengths.ndim != 1 or lengths.size != batch:
        raise RuntimeError(
            f"{fn_name}: Expected `len(lengths)` to be equal to batch_size, but got {lengths.size} (batch_size={batch})"
        )
    if lengths.size and lengths.min() <= 0:
        raise RuntimeError(
            f"{fn_name}: Length of all samples has to be greater than 0, but found an element in 'lengths' that "
            f"is <= 0 (lengths {lengths.tolist()})"
        )
    if lengths.size and lengths.max() > steps:
        raise RuntimeError(
            f"{fn_name}: a sequence length of {int(lengths.max())} is longer than the padded input, which has "
            f"{steps} time steps (lengths {lengths.tolist()})"
        )
    return lengths


def pack_padded_sequence(input, lengths, batch_first=False, enforce_sorted=True):
    """Pack a padded batch (T, B, *) (or (B, T, *)) whose sequence b has ``lengths[b]`` entries.

    Args:
        input: the padded batch.
        lengths: the length of each sequence (list, array or int64 Tensor), each in [1, T].
        batch_first: ``input`` is (B, T, *).
        enforce_sorted: require lengths in decreasing order (then ``sorted_indices`` is None);
            with False the batch is sorted here (stably) and the permutation is recorded.
    """
    input = as_tensor_operand("pack_padded_sequence", input)
    if input.ndim < 2:
        raise ValueError(
            f"pack_padded_sequence: expected an input with at least 2 dims, got shape {tuple(input.shape)}"
        )
    batch, steps = (input.shape[0], input.shape[1]) if batch_first else (input.shape[1], input.shape[0])
    lengths = _lengths("pack_padded_sequence", lengths, batch, steps)
    if enforce_sorted:
        if np.any(lengths[1:] > lengths[:-1]):
            raise RuntimeError(
                "pack_padded_sequence: `lengths` array must be sorted in decreasing order when `enforce_sorted` is "
                "True. You can pass `enforce_sorted=False` to pack_padded_sequence and/or pack_sequence to sidestep "
                f"this requirement if you do not need ONNX exportability. Got lengths {lengths.tolist()}"
            )
        sorted_indices = None
        order = np.arange(batch)
    else:
        order = np.argsort(-lengths, kind="stable")  # torch's sort(descending=True) keeps ties in order too
        sorted_indices = order
    sorted_lengths = lengths[order]
    batch_sizes = (sorted_lengths[None, :] > np.arange(int(sorted_lengths[0]))[:, None]).sum(axis=1)
    step, rank = np.nonzero(np.arange(batch)[None, :] < batch_sizes[:, None])  # packed order: time-major
    original = order[rank]
    positions = original * steps + step if batch_first else step * batch + original
    data = recurrent.PaddedToPacked.apply(input, positions)
    return PackedSequence(data, batch_sizes, sorted_indices, None)


def pad_packed_sequence(sequence, batch_first=False, padding_value=0.0, total_length=None):
    """Undo :func:`pack_padded_sequence`: return (padded, lengths) in the original batch order.

    Args:
        sequence: a PackedSequence.
        batch_first: return (B, T, *) instead of (T, B, *).
        padding_value: the value of the padded entries.
        total_length: pad to this many steps (at least the longest sequence), e.g. to match the
            input of a DataParallel-style split.
    """
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"pad_packed_sequence: expected a PackedSequence, got {type(sequence).__name__}")
    data, batch_sizes, sorted_indices, _ = sequence
    sizes = _indices(batch_sizes)
    longest = sizes.size
    steps = longest if total_length is None else int(total_length)
    if steps < longest:
        raise ValueError(
            "Expected total_length to be at least the length of the longest sequence in input, but got "
            f"total_length={total_length} and max sequence length being {longest}"
        )
    batch = int(sizes[0])
    order = np.arange(batch) if sorted_indices is None else _indices(sorted_indices)
    step, rank = np.nonzero(np.arange(batch)[None, :] < sizes[:, None])
    original = order[rank]
    positions = original * steps + step if batch_first else step * batch + original
    shape = (batch, steps) if batch_first else (steps, batch)
    padded = recurrent.PackedToPadded.apply(
        data, positions, steps=shape[0], batch=shape[1], padding_value=padding_value
    )
    sorted_lengths = (sizes[None, :] > np.arange(batch)[:, None]).sum(axis=1)
    lengths = np.empty(batch, dtype=np.int64)
    lengths[order] = sorted_lengths
    return padded, Tensor(lengths)


def pack_sequence(sequences, enforce_sorted=True):
    """Pack a list of sequences (L_i, *): ``pack_padded_sequence(pad_sequence(sequences), lengths)``."""
    lengths = [as_tensor_operand("pack_sequence", s).shape[0] for s in sequences]
    return pack_padded_sequence(pad_sequence(sequences), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences, lengths, batch_first=False):
    """Split a padded batch back into a list of sequences of the given lengths (differentiable)."""
    padded = as_tensor_operand("unpad_sequence", padded_sequences)
    if not batch_first:
        padded = padded.transpose(0, 1)  # (B, T, *)
    return [padded[b, : int(n)] for b, n in enumerate(_indices(lengths))]


def unpack_sequence(packed_sequences):
    """Split a PackedSequence back into the list of its sequences, in the original order."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
