import numpy as np
import pytest
import torch
from optest import check_op, randn

import chainrule.functional as F


@pytest.mark.parametrize("x_shape", [(5, 3), (3,), (2, 4, 3), (0, 3)])
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_linear_matches_torch(x_shape, bias, dtype):
    x, w, b = randn(*x_shape, dtype=dtype, seed=0), randn(4, 3, dtype=dtype, seed=1), randn(4, dtype=dtype, seed=2)
    if bias:
        check_op(F.linear, torch.nn.functional.linear, x, w, b)
    else:
        check_op(F.linear, torch.nn.functional.linear, x, w)


def test_linear_shape_error_names_op():
    import chainrule as cr

    with pytest.raises(ValueError, match=r"linear: input of shape \(2, 5\).*weight of shape \(4, 3\)"):
        F.linear(cr.ones(2, 5), cr.ones(4, 3))
