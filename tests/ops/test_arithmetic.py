import numpy as np
import pytest
import torch

import chainrule as cr
from optest import check_op, randn

BINARY = [
    ("add", lambda a, b: a + b),
    ("sub", lambda a, b: a - b),
    ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b),
]
SHAPES = [((3, 4), (3, 4)), ((3, 4), (4,)), ((2, 1, 4), (3, 1)), ((), (2, 3)), ((0, 3), (3,)), ((1,), (5, 1))]


@pytest.mark.parametrize("name,fn", BINARY)
@pytest.mark.parametrize("sa,sb", SHAPES)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_binary_matches_torch(name, fn, sa, sb, dtype):
    b = randn(*sb, dtype=dtype, seed=1)
    if name == "div":
        b = np.where(np.abs(b) < 0.5, 1.5, b).astype(dtype)
    check_op(fn, fn, randn(*sa, dtype=dtype, seed=0), b)
