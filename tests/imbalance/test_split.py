"""Stratified splitting: every class split in the same proportion."""

import numpy as np
import pytest
from imbalanced_blobs import counts

from chainrule import imbalance as ci


def test_stratified_splits():
    y = np.r_[np.zeros(90, int), np.ones(10, int)]
    tr, te = ci.stratified_train_test_indices(y, test_size=0.2, random_state=0)
    assert counts(y[te]) == {0: 18, 1: 2}
    folds = list(ci.stratified_kfold(y, 5, random_state=0))
    assert all(counts(y[test]) == {0: 18, 1: 2} for _, test in folds)
    assert np.array_equal(np.sort(np.concatenate([test for _, test in folds])), np.arange(100))
    with pytest.warns(UserWarning, match="least populated"):
        list(ci.stratified_kfold(np.r_[np.zeros(20, int), np.ones(2, int)], 3))
