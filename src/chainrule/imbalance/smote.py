"""Interpolating over-samplers: SMOTE, Borderline-SMOTE and ADASYN.

All three create a synthetic sample as ``x + t * (x_nn - x)`` with ``t``
uniform in [0, 1): a point on the segment between a minority sample ``x``
and one of its ``k`` nearest neighbours ``x_nn``.  They differ in which
samples are used as ``x`` and how many children each gets:

* SMOTE: every sample of the class, uniformly;
* Borderline-SMOTE: only samples "in danger" (at least half, but not all,
  of their ``m`` nearest neighbours in the whole data set belong to other
  classes), i.e. the class boundary;
* ADASYN: every sample, with a number of children proportional to the
  fraction of other-class samples among its ``n_neighbors`` neighbours.

Interpolated rows are floating point; integer or boolean ``X`` is converted
to float64 (imbalanced-learn casts the interpolations back to the integer
dtype, truncating them off the segment).
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

from .neighbors import kneighbors
from .resample import BaseSampler, _float_matrix, check_random_state

__all__ = ["ADASYN", "BorderlineSMOTE", "SMOTE"]


def _check_positive_int(owner, name, value):
    if not isinstance(value, Integral) or isinstance(value, bool) or value < 1:
        raise ValueError(f"{owner}: {name} must be an integer >= 1, got {value!r}.")


def _check_enough(owner, name, k, n_available, what):
    # k neighbours of a sample, not counting the sample itself.
    if k + 1 > n_available:
        raise ValueError(
            f"{owner}: Expected n_neighbors <= n_samples_fit, but n_neighbors = {k + 1} "
            f"({name}={k} plus the sample itself), n_samples_fit = {n_available} ({what})."
        )


def _interpolate_into(out, base, neighbours, steps):
    """``out = base + steps * (neighbours - base)`` without extra temporaries."""
    np.subtract(neighbours, base, out=out)
    out *= steps
    out += base


class _Allocator:
    """Collects new rows into one preallocated output instead of repeated vstack."""

    def __init__(self, X, y, strategy):
        n = X.shape[0]
        total = int(sum(strategy.values()))
        self.X = np.empty((n + total, X.shape[1]), dtype=X.dtype)
        self.X[:n] = X
        self.y = np.empty(n + total, dtype=y.dtype)
        self.y[:n] = y
        self.stop = n

    def take(self, count, label):
        if self.stop + count > self.X.shape[0]:
            # ADASYN's rounding can overshoot the planned total slightly.
            extra = self.stop + count - self.X.shape[0]
            self.X = np.concatenate([self.X, np.empty((extra, self.X.shape[1]), dtype=self.X.dtype)])
            self.y = np.concatenate([self.y, np.empty(extra, dtype=self.y.dtype)])
        start, self.stop = self.stop, self.stop + count
        self.y[start : self.stop] = label
        return self.X[start : self.stop]

    def result(self):
        # Some classes may produce fewer rows than planned (Borderline-SMOTE
        # without danger samples, ADASYN rounding): trim the unused tail.
        return self.X[: self.stop], self.y[: self.stop]


class SMOTE(BaseSampler):
    """Synthetic Minority Over-sampling TEchnique (Chawla et al., 2002).

    For each class to over-sample, finds the ``k_neighbors`` nearest
    same-class neighbours of every sample (exact, blocked kNN over that
    class only), then creates each new sample by picking a (sample,
    neighbour) pair uniformly at random and a uniform point on the segment
    between them.  Unlike duplication this fills the space between minority
    samples, so a classifier sees a region rather than a few points.
    """

    _sampling_type = "over-sampling"

    def __init__(self, sampling_strategy="auto", random_state=None, k_neighbors=5):
        super().__init__(sampling_strategy)
        self.random_state = random_state
        self.k_neighbors = k_neighbors

    def _validate_params(self):
        _check_positive_int(self._owner, "k_neighbors", self.k_neighbors)

    def _fit_resample(self, X, y):
        owner = self._owner
        rng = check_random_state(self.random_state, owner)
        X = _float_matrix(X)
        k = int(self.k_neighbors)
        out = _Allocator(X, y, self.sampling_strategy_)
        for cls, n_new in self.sampling_strategy_.items():
            if n_new == 0:
                continue
            X_class = X[np.flatnonzero(y == cls)]
            _check_enough(owner, "k_neighbors", k, X_class.shape[0], f"samples of class {cls!r}")
            nn = kneighbors(X_class, k)
            pair = rng.integers(0, nn.size, size=n_new)
            rows, cols = np.divmod(pair, k)
            steps = rng.random((n_new, 1))
            _interpolate_into(out.take(n_new, cls), X_class[rows], X_class[nn[rows, cols]], steps)
        return out.result()


class BorderlineSMOTE(BaseSampler):
    """SMOTE restricted to the class boundary (Han et al., 2005).

    A sample is *in danger* when ``m/2 <= n_other < m`` of its
    ``m_neighbors`` nearest neighbours (in the whole data set) belong to
    other classes; samples surrounded only by other classes are treated as
    noise and skipped.  New samples are interpolated from danger samples
    only:

    * 'borderline-1': towards one of the ``k_neighbors`` nearest samples of
      the same class;
    * 'borderline-2': towards one of the ``k_neighbors`` nearest samples of
      any class; when that neighbour is of another class the step is
      shrunk to at most 0.5, so the new point stays on the minority side.

    If no sample of a class is in danger, nothing is generated for it.
    """

    _sampling_type = "over-sampling"

    def __init__(self, sampling_strategy="auto", random_state=None, k_neighbors=5, m_neighbors=10, kind="borderline-1"):
        super().__init__(sampling_strategy)
        self.random_state = random_state
        self.k_neighbors = k_neighbors
        self.m_neighbors = m_neighbors
        self.kind = kind

    def _validate_params(self):
        _check_positive_int(self._owner, "k_neighbors", self.k_neighbors)
        _check_positive_int(self._owner, "m_neighbors", self.m_neighbors)
        if self.kind not in ("borderline-1", "borderline-2"):
            raise ValueError(f"{self._owner}: kind must be 'borderline-1' or 'borderline-2', got {self.kind!r}.")

    def _fit_resample(self, X, y):
        owner = self._owner
        rng = check_random_state(self.random_state, owner)
        X = _float_matrix(X)
        k, m = int(self.k_neighbors), int(self.m_neighbors)
        out = _Allocator(X, y, self.sampling_strategy_)
        self.in_danger_indices = {}
        for cls, n_new in self.sampling_strategy_.items():
            if n_new == 0:
                continue
            class_rows = np.flatnonzero(y == cls)
            _check_enough(owner, "m_neighbors", m, X.shape[0], "samples in X")
            nn_m = kneighbors(X, m, query_indices=class_rows)
            n_other = np.sum(y[nn_m] != cls, axis=1)
            danger = (n_other >= m / 2) & (n_other < m)
            if not danger.any():
                continue
            danger_rows = class_rows[danger]
            self.in_danger_indices[cls] = danger_rows
            if self.kind == "borderline-1":
                X_class = X[class_rows]
                _check_enough(owner, "k_neighbors", k, X_class.shape[0], f"samples of class {cls!r}")
                nn = kneighbors(X_class, k, query_indices=np.flatnonzero(danger))
                pool, pool_labels = X_class, None
            else:
                _check_enough(owner, "k_neighbors", k, X.shape[0], "samples in X")
                nn = kneighbors(X, k, query_indices=danger_rows)
                pool, pool_labels = X, y
            pair = rng.integers(0, nn.size, size=n_new)
            rows, cols = np.divmod(pair, k)
            steps = rng.random((n_new, 1))
            neighbours = nn[rows, cols]
            if pool_labels is not None:
                # Towards another class: go at most half way.
                other = pool_labels[neighbours] != cls
                steps[other] *= rng.uniform(0.0, 0.5, size=(int(other.sum()), 1))
            _interpolate_into(out.take(n_new, cls), X[danger_rows][rows], pool[neighbours], steps)
        return out.result()


class ADASYN(BaseSampler):
    """ADAptive SYNthetic sampling (He et al., 2008).

    Each minority sample ``i`` gets ``round(r_i / sum(r) * n_new)``
    children, where ``r_i`` is the fraction of other-class samples among its
    ``n_neighbors`` nearest neighbours in the whole data set: harder,
    boundary samples get more synthetic neighbours.  Children are SMOTE
    interpolations towards same-class neighbours.  Because of the rounding,
    the number generated can differ slightly from the strategy's target.
    Raises ``RuntimeError`` when no minority sample has an other-class
    neighbour (the weights would be 0/0), like imbalanced-learn.
    """

    _sampling_type = "over-sampling"

    def __init__(self, sampling_strategy="auto", random_state=None, n_neighbors=5):
        super().__init__(sampling_strategy)
        self.random_state = random_state
        self.n_neighbors = n_neighbors

    def _validate_params(self):
        _check_positive_int(self._owner, "n_neighbors", self.n_neighbors)

    def _fit_resample(self, X, y):
        owner = self._owner
        rng = check_random_state(self.random_state, owner)
        X = _float_matrix(X)
        k = int(self.n_neighbors)
        out = _Allocator(X, y, self.sampling_strategy_)
        for cls, n_new in self.sampling_strategy_.items():
            if n_new == 0:
                continue
            class_rows = np.flatnonzero(y == cls)
            _check_enough(owner, "n_neighbors", k, X.shape[0], "samples in X")
            nn_all = kneighbors(X, k, query_indices=class_rows)
            ratio = np.sum(y[nn_all] != cls, axis=1) / k
            if not np.sum(ratio):
                raise RuntimeError(
                    f"{owner}: Not any neighbours of class {cls!r} belong to another class. This case will induce "
                    "a NaN case with a division by zero. ADASYN is not suited for this specific dataset. "
                    "Use SMOTE instead."
                )
            ratio /= np.sum(ratio)
            per_sample = np.rint(ratio * n_new).astype(np.int64)
            n_generated = int(per_sample.sum())
            if not n_generated:
                raise ValueError(f"{owner}: No samples will be generated with the provided ratio settings.")
            X_class = X[class_rows]
            _check_enough(owner, "n_neighbors", k, X_class.shape[0], f"samples of class {cls!r}")
            nn = kneighbors(X_class, k)
            rows = np.repeat(np.arange(class_rows.shape[0]), per_sample)
            cols = rng.integers(0, k, size=n_generated)
            steps = rng.random((n_generated, 1))
            _interpolate_into(out.take(n_generated, cls), X_class[rows], X_class[nn[rows, cols]], steps)
        return out.result()
