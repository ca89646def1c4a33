"""chainrule.functional's own functions that are no single op: one_hot against PyTorch."""

import numpy as np
import pytest
import torch
import torch.nn.functional as TF

import chainrule as cr
import chainrule.functional as F


# ------------------------------------------------------------------------------ one_hot
@pytest.mark.parametrize("num_classes", [-1, 6])
@pytest.mark.parametrize("values", [[0, 3, 1, 3], [[2, 0], [1, 4]], [0]])
def test_one_hot_matches_torch(values, num_classes):
    ours = F.one_hot(cr.tensor(values), num_classes=num_classes)
    theirs = TF.one_hot(torch.tensor(values), num_classes=num_classes)
    assert ours.dtype == np.int64
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.numpy())


def test_one_hot_errors():
    with pytest.raises(ValueError, match=r"one_hot.*3.*num_classes=3"):
        F.one_hot(cr.tensor([0, 3]), num_classes=3)
    with pytest.raises(ValueError, match="one_hot.*-1"):
        F.one_hot(cr.tensor([0, -1]))
    with pytest.raises(TypeError, match="one_hot"):
        F.one_hot(cr.tensor([0.0, 1.0]))


def test_python_number_inputs_become_tensors_of_that_value_not_of_that_size():
    # Tensor(3) is three zeros (torch.Tensor's size form); a functional given the number 3 means 3.
    assert F.exp(3).item() == pytest.approx(torch.exp(torch.tensor(3)).item())
    assert F.exp(3).dtype == np.float32 and F.relu([1, -2]).tolist() == [1, 0]
    assert F.pow(2, 3).item() == 8 and F.pow(2, 3).dtype == np.int64
