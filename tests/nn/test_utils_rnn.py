"""chainrule.nn.utils.rnn against torch.nn.utils.rnn: packing, padding, their gradients, errors."""

import numpy as np
import pytest
import torch
from torch.nn.utils import rnn as torch_rnn

import chainrule as cr
from chainrule.nn.utils import (
    clip_grad_norm_,  # the package keeps the clip_grad names
    rnn,
)


def _sequences(lengths, features=2, seed=0):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal((n, features)) for n in lengths]
    return [cr.tensor(a, requires_grad=True) for a in arrays], [torch.tensor(a, requires_grad=True) for a in arrays]


def _backward_same_weights(ours, theirs, seed=1):
    w = np.random.default_rng(seed).standard_normal(tuple(theirs.shape))
    (ours * cr.tensor(w)).sum().backward()
    (theirs * torch.tensor(w)).sum().backward()


def _assert_packed_equal(ours, theirs):
    np.testing.assert_array_equal(ours.data.detach().numpy(), theirs.data.detach().numpy())
    np.testing.assert_array_equal(ours.batch_sizes.numpy(), theirs.batch_sizes.numpy())
    for a, b in ((ours.sorted_indices, theirs.sorted_indices), (ours.unsorted_indices, theirs.unsorted_indices)):
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("padding_side", ["right", "left"])
def test_pad_sequence_matches_torch_with_gradients(batch_first, padding_side):
    ours_in, theirs_in = _sequences([3, 5, 1])
    ours = rnn.pad_sequence(ours_in, batch_first=batch_first, padding_value=-2.0, padding_side=padding_side)
    theirs = torch_rnn.pad_sequence(theirs_in, batch_first=batch_first, padding_value=-2.0, padding_side=padding_side)
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    _backward_same_weights(ours, theirs)
    for o, t in zip(ours_in, theirs_in):
        np.testing.assert_array_equal(o.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("enforce_sorted,lengths", [(True, [5, 3, 3, 1]), (False, [3, 5, 1, 3]), (False, [2, 2, 2, 2])])
def test_pack_padded_sequence_matches_torch_with_gradients(batch_first, enforce_sorted, lengths):
    x = np.random.default_rng(2).standard_normal((4, 6, 3) if batch_first else (6, 4, 3))
    ours_x, theirs_x = cr.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    ours = rnn.pack_padded_sequence(ours_x, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
    theirs = torch_rnn.pack_padded_sequence(theirs_x, lengths, batch_first=batch_first, enforce_sorted=enforce_sorted)
    assert isinstance(ours, tuple) and ours._fields == theirs._fields
    _assert_packed_equal(ours, theirs)
    _backward_same_weights(ours.data, theirs.data)
    np.testing.assert_array_equal(ours_x.grad.numpy(), theirs_x.grad.numpy())


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("total_length", [None, 7])
def test_pad_packed_sequence_matches_torch_with_gradients(batch_first, total_length):
    ours_in, theirs_in = _sequences([2, 5, 4], seed=3)
    ours_packed = rnn.pack_sequence(ours_in, enforce_sorted=False)
    theirs_packed = torch_rnn.pack_sequence(theirs_in, enforce_sorted=False)
    _assert_packed_equal(ours_packed, theirs_packed)
    ours, ours_lengths = rnn.pad_packed_sequence(
        ours_packed, batch_first=batch_first, padding_value=0.5, total_length=total_length
    )
    theirs, theirs_lengths = torch_rnn.pad_packed_sequence(
        theirs_packed, batch_first=batch_first, padding_value=0.5, total_length=total_length
    )
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    np.testing.assert_array_equal(ours_lengths.numpy(), theirs_lengths.numpy())
    assert ours_lengths.dtype == np.int64
    _backward_same_weights(ours, theirs)
    for o, t in zip(ours_in, theirs_in):
        np.testing.assert_array_equal(o.grad.numpy(), t.grad.numpy())


def test_pack_sequence_sorted_and_unpack_unpad_round_trip():
    ours_in, theirs_in = _sequences([4, 2, 1], seed=4)
    ours = rnn.pack_sequence(ours_in)
    theirs = torch_rnn.pack_sequence(theirs_in)
    _assert_packed_equal(ours, theirs)
    assert ours.sorted_indices is None and ours.unsorted_indices is None
    for o, t, original in zip(rnn.unpack_sequence(ours), torch_rnn.unpack_sequence(theirs), ours_in):
        np.testing.assert_array_equal(o.detach().numpy(), t.detach().numpy())
        np.testing.assert_array_equal(o.detach().numpy(), original.detach().numpy())
    padded = rnn.pad_sequence(ours_in, batch_first=True)
    pieces = rnn.unpad_sequence(padded, cr.tensor([4, 2, 1]), batch_first=True)
    assert [tuple(p.shape) for p in pieces] == [(4, 2), (2, 2), (1, 2)]


def test_packed_sequence_is_a_namedtuple_with_inverse_indices():
    packed = rnn.PackedSequence(cr.tensor(np.zeros((3, 2))), cr.tensor([2, 1]), cr.tensor([1, 0]))
    data, batch_sizes, sorted_indices, unsorted_indices = packed
    assert unsorted_indices.tolist() == [1, 0]
    assert rnn.invert_permutation(cr.tensor([2, 0, 1])).tolist() == [1, 2, 0]
    assert packed.to(cr.float32).data.dtype == np.float32 and packed.float().batch_sizes.dtype == np.int64
    assert packed.to(cr.float64) is packed
    assert not packed.is_cuda


def test_errors_as_torch():
    x = np.zeros((5, 3, 2))
    cases = [
        ([2, 5, 3], True, "must be sorted in decreasing order when `enforce_sorted` is True"),
        ([5, 0, 3], False, "Length of all samples has to be greater than 0"),
        ([5, 3], True, r"Expected `len\(lengths\)` to be equal to batch_size, but got 2 \(batch_size=3\)"),
    ]
    for lengths, enforce_sorted, match in cases:
        with pytest.raises(RuntimeError):
            torch_rnn.pack_padded_sequence(torch.tensor(x), lengths, enforce_sorted=enforce_sorted)
        with pytest.raises(RuntimeError, match=match):
            rnn.pack_padded_sequence(cr.tensor(x), lengths, enforce_sorted=enforce_sorted)
    # torch packs garbage past the end here; we refuse, naming the length and the padded size
    with pytest.raises(RuntimeError, match="a sequence length of 6 is longer than the padded input, which has 5"):
        rnn.pack_padded_sequence(cr.tensor(x), [6, 5, 3])
    packed = rnn.pack_sequence([cr.tensor(np.zeros((3, 2)))])
    with pytest.raises(ValueError, match="Expected total_length to be at least"):
        rnn.pad_packed_sequence(packed, total_length=2)
    with pytest.raises(RuntimeError, match="empty list of sequences"):
        rnn.pad_sequence([])
    with pytest.raises(ValueError, match="padding_side"):
        rnn.pad_sequence([cr.tensor(np.zeros(2))], padding_side="middle")


def test_clip_grad_still_importable_from_the_package():
    p = cr.tensor(np.ones(4), requires_grad=True)
    (p * 10).sum().backward()
    assert float(clip_grad_norm_([p], 1.0)) == pytest.approx(20.0)
    assert cr.nn.utils.clip_grad_norm_ is clip_grad_norm_
    assert cr.nn.utils.rnn.pad_sequence is rnn.pad_sequence
