"""Leak-safe evaluation: resample the training split only, never the evaluation data."""

import numpy as np
import pytest
from imbalanced_blobs import THREE, blobs, counts

from chainrule import imbalance as ci
from chainrule.imbalance import kneighbors


class OneNearestNeighbour:
    def __init__(self, X, y):
        self.X, self.y = np.asarray(X, dtype=np.float64), np.asarray(y)

    def predict(self, X):
        return self.y[kneighbors(self.X, 1, query=np.asarray(X))[:, 0]]


def test_resampled_split_refuses_to_resample_the_test_part():
    X, y = THREE
    split = ci.resampled_train_test_split(X, y, ci.SMOTE(random_state=0), test_size=0.25, random_state=0)
    X_tr, y_tr, X_te, y_te = split
    assert len(set(split.train_indices) & set(split.test_indices)) == 0
    assert len(split.train_indices) + len(split.test_indices) == len(y)
    np.testing.assert_array_equal(np.asarray(X_te), X[split.test_indices])
    assert len(set(counts(y_tr).values())) == 1  # training part balanced
    assert counts(y_te) == counts(y[split.test_indices])  # test part untouched
    for sampler in (ci.SMOTE(), ci.RandomOverSampler(), ci.RandomUnderSampler(), ci.TomekLinks()):
        with pytest.raises(ValueError, match="evaluation split"):
            sampler.fit_resample(X_te, y_te)
        with pytest.raises(ValueError, match="evaluation split"):
            sampler.fit_resample(X_te[:20], y_te[:20])  # slices keep the marker
    with pytest.raises(ValueError, match="evaluation split"):
        ci.resample_train_only(ci.SMOTE(), X_te, y_te)
    with pytest.raises(ValueError):
        X_te[0, 0] = 1.0  # read-only
    # Arithmetic on evaluation data gives plain arrays.
    assert type(X_te * 2) is np.ndarray


def test_imb_pipeline_resamples_only_in_fit():
    X, y = blobs([200, 20], n_features=2, sep=1.5, seed=2)

    calls = []

    class CountingSMOTE(ci.SMOTE):
        def fit_resample(self, X, y):
            calls.append(len(y))
            return super().fit_resample(X, y)

    pipe = ci.ImbPipeline(CountingSMOTE(random_state=0), OneNearestNeighbour)
    with pytest.raises(ValueError, match="not fitted"):
        pipe.predict(X)
    pipe.fit(X[:150], y[:150])
    assert calls == [150]
    assert len(set(pipe.train_class_counts_.values())) == 1
    pred = pipe.predict(X[150:])
    assert calls == [150] and pred.shape == (70,)
    assert 0 <= pipe.score(X[150:], y[150:]) <= 1
    scores = ci.cross_val_score_resampled(pipe, X, y, n_splits=4, random_state=0)
    assert scores.shape == (4,) and calls[1:] == [165, 165, 165, 165]


def test_resampling_before_split_inflates_scores():
    # The documented failure: over-sample, then split -> duplicates of test
    # points sit in the training set and a 1-NN looks perfect on them.
    from chainrule.metrics import recall_score

    X, y = blobs([400, 40], n_features=2, sep=0.5, seed=4)
    X_leak, y_leak = ci.RandomOverSampler(random_state=0).fit_resample(X, y)
    tr, te = ci.stratified_train_test_indices(y_leak, test_size=0.3, random_state=0)
    leaky = recall_score(y_leak[te], OneNearestNeighbour(X_leak[tr], y_leak[tr]).predict(X_leak[te]))
    honest = ci.cross_val_score_resampled(
        ci.ImbPipeline(ci.RandomOverSampler(random_state=0), OneNearestNeighbour),
        X,
        y,
        metric=recall_score,
        n_splits=3,
        random_state=0,
    ).mean()
    assert leaky > 0.9 > honest + 0.3
