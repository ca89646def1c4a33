"""F.embedding (ops/embedding.py) against PyTorch: lookups, repeated indices, padding_idx, errors."""

import numpy as np
import pytest
import torch.nn.functional as TF
from optest import check_op, randn

import chainrule as cr
import chainrule.functional as F

DTYPES = [np.float64, np.float32]


# ------------------------------------------------------------------------------ embedding
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("padding_idx", [None, 2, -1])
@pytest.mark.parametrize("indices", [np.array([[1, 2, 1, 5], [5, 5, 0, 2]]), np.array([3, 3, 3]), np.array(4)])
def test_embedding_matches_torch(indices, padding_idx, dtype):
    weight = randn(6, 3, dtype=dtype, seed=22)
    # the padding row's zero gradient is deliberately not the derivative, so only gradcheck without it
    check_op(
        lambda w, i: F.embedding(i, w, padding_idx=padding_idx),
        lambda w, i: TF.embedding(i, w, padding_idx=padding_idx),
        weight,
        indices,
        gradcheck=None if padding_idx is None else False,
    )


def test_embedding_accumulates_repeats_and_zeroes_padding_row():
    weight = cr.tensor(np.ones((4, 2)), requires_grad=True)
    F.embedding(cr.tensor([1, 1, 1, 3, 0, 0]), weight, padding_idx=0).sum().backward()
    np.testing.assert_array_equal(weight.grad.detach().numpy(), [[0, 0], [3, 3], [0, 0], [1, 1]])


def test_embedding_errors():
    weight = cr.zeros(4, 2)
    with pytest.raises(IndexError, match=r"embedding.*4.*4 embeddings"):
        F.embedding(cr.tensor([0, 4]), weight)
    with pytest.raises(TypeError, match="embedding"):
        F.embedding(cr.tensor([0.0]), weight)
