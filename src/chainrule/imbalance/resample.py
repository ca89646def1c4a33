"""Sampler base class and the sampling methods that do not interpolate.

Every sampler follows imbalanced-learn's contract::

    X_res, y_res = sampler.fit_resample(X, y)

and is meant to be applied to **training data only** (see
:mod:`chainrule.imbalance.pipeline`).  After a call the sampler exposes
``sampling_strategy_`` (the resolved ``{class: n}`` dict) and, for methods
that only copy or drop rows, ``sample_indices_`` (the original row of every
output row).
"""

from __future__ import annotations

from numbers import Real

import numpy as np

from ..random import get_generator
from .neighbors import kneighbors
from .split import EvaluationSplit
from .strategy import check_sampling_strategy

__all__ = [
    "BaseSampler",
    "GaussianNoiseOverSampler",
    "RandomOverSampler",
    "RandomUnderSampler",
    "TomekLinks",
    "check_random_state",
]


def check_random_state(random_state, owner="check_random_state"):
    """Turn ``random_state`` into a ``np.random.Generator`` (scikit-learn's name for it).

    ``None`` is chainrule's default generator (reseeded by ``chainrule.manual_seed``); an int
    seeds a new generator (so the same int always gives the same output); a ``Generator`` is
    used as is (and advanced); a legacy ``RandomState`` seeds a new generator from its stream,
    so it is advanced too and remains reproducible from its seed. Anything else raises
    ``ValueError``, as scikit-learn does. See :func:`chainrule.random.get_generator`.
    """
    return get_generator(random_state, owner=owner, seeds=True, error=ValueError)


def _check_classification_y(owner, y, n_samples):
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y.ravel()
    if y.ndim != 1:
        raise ValueError(
            f"{owner}: y should be a 1d array of class labels, got an array of shape {y.shape} instead "
            "(multilabel / one-hot targets are not supported)."
        )
    if y.shape[0] != n_samples:
        raise ValueError(
            f"{owner}: Found input variables with inconsistent numbers of samples: [{n_samples}, {y.shape[0]}] "
            "(X rows, y length)."
        )
    if y.dtype.kind == "f":
        if not np.isfinite(y).all():
            raise ValueError(f"{owner}: Input y contains NaN or infinity.")
        if np.any(y != np.round(y)):
            raise ValueError(
                f"{owner}: Unknown label type: continuous. Samplers need class labels; "
                "maybe you are trying to fit a classifier on regression targets."
            )
    return y


class BaseSampler:
    """Common validation and bookkeeping for all samplers.

    Subclasses set ``_sampling_type`` ('over-sampling', 'under-sampling' or
    'clean-sampling'), ``_needs_numeric`` (the method computes with X, so it
    must be finite numbers) and implement ``_fit_resample(X, y)``.
    """

    _sampling_type = "over-sampling"
    _needs_numeric = True

    def __init__(self, sampling_strategy="auto"):
        self.sampling_strategy = sampling_strategy

    # -- public API --------------------------------------------------------
    def fit_resample(self, X, y):
        """Resample ``(X, y)``; returns new NumPy arrays ``(X_res, y_res)``."""
        X, y = self._check_X_y(X, y)
        self.sampling_strategy_ = check_sampling_strategy(
            self.sampling_strategy, y, self._sampling_type, owner=f"{type(self).__name__}.fit_resample"
        )
        self._validate_params()
        return self._fit_resample(X, y)

    def fit(self, X, y):
        """Validate inputs and resolve ``sampling_strategy_`` without resampling."""
        X, y = self._check_X_y(X, y)
        self.sampling_strategy_ = check_sampling_strategy(
            self.sampling_strategy, y, self._sampling_type, owner=f"{type(self).__name__}.fit"
        )
        self._validate_params()
        return self

    def get_params(self):
        """Constructor arguments, as a dict (for repr and cloning)."""
        return {name: getattr(self, name) for name in self._param_names()}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    # -- helpers -----------------------------------------------------------
    @classmethod
    def _param_names(cls):
        import inspect

        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def _validate_params(self):
        """Check constructor arguments (subclasses extend)."""

    @property
    def _owner(self):
        return f"{type(self).__name__}.fit_resample"

    def _check_X_y(self, X, y):
        owner = self._owner
        if isinstance(X, EvaluationSplit) or isinstance(y, EvaluationSplit):
            # Resampling evaluation data leaks it into training (duplicates
            # or interpolations of test points) and inflates every score.
            raise ValueError(
                f"{owner}: refusing to resample an evaluation split (X or y is an EvaluationSplit). "
                "Resample the training data only; see chainrule.imbalance.pipeline."
            )
        X = np.asarray(X)
        if X.ndim != 2:
            raise ValueError(
                f"{owner}: Expected 2D array, got {X.ndim}D array instead (shape {X.shape}). Reshape your data "
                "either using array.reshape(-1, 1) if your data has a single feature or array.reshape(1, -1) "
                "if it contains a single sample."
            )
        if X.shape[0] < 1:
            raise ValueError(
                f"{owner}: Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 is required."
            )
        if self._needs_numeric:
            if X.dtype.kind not in "fiub":
                raise ValueError(f"{owner}: X must be numeric for {type(self).__name__}, got dtype {X.dtype}.")
            if X.dtype.kind == "f" and not np.isfinite(X).all():
                raise ValueError(f"{owner}: Input X contains NaN or infinity.")
        y = _check_classification_y(owner, y, X.shape[0])
        return X, y


def _float_matrix(X):
    """Interpolating samplers need floats: integer/bool X becomes float64."""
    return X if X.dtype.kind == "f" else X.astype(np.float64)


def _bootstrap_with_noise(X, y, strategy, rng, scale_for_class):
    """Shared core of the duplicating over-samplers.

    For each class draws rows with replacement; ``scale_for_class(cls,
    class_rows)`` returns either None (plain duplicates) or the per-feature
    standard deviation of Gaussian jitter added to the duplicates.
    """
    n = X.shape[0]
    total = sum(strategy.values())
    X_out = np.empty((n + total,) + X.shape[1:], dtype=X.dtype)
    X_out[:n] = X
    y_out = np.empty(n + total, dtype=y.dtype)
    y_out[:n] = y
    indices = [np.arange(n)]
    start = n
    for cls, count in strategy.items():
        class_rows = np.flatnonzero(y == cls)
        picked = class_rows[rng.integers(0, class_rows.shape[0], size=count)]
        stop = start + count
        X_out[start:stop] = X[picked]
        scale = scale_for_class(cls, class_rows)
        if scale is not None and count:
            X_out[start:stop] += rng.standard_normal((count, X.shape[1])) * scale
        y_out[start:stop] = y[picked]
        indices.append(picked)
        start = stop
    return X_out, y_out, np.concatenate(indices)


class RandomOverSampler(BaseSampler):
    """Over-sample by drawing minority rows with replacement.

    With ``shrinkage`` (a float, or a ``{class: float}`` dict) the
    duplicates become a *smoothed bootstrap* (ROSE): each is moved by
    Gaussian noise with per-feature standard deviation

        shrinkage * h * std_class(feature),
        h = (4 / ((n_features + 2) * n_samples)) ** (1 / (n_features + 4)),

    where ``h`` is Silverman's rule-of-thumb bandwidth for a Gaussian kernel
    density estimate, ``n_samples`` is the total number of rows and
    ``std_class`` the per-feature (population) standard deviation of the
    class.  This is imbalanced-learn's formula.  Exact duplicates make a
    flexible model memorise the minority points; the noise turns them into
    draws from a kernel density estimate of the class instead.
    """

    _sampling_type = "over-sampling"

    def __init__(self, sampling_strategy="auto", random_state=None, shrinkage=None):
        super().__init__(sampling_strategy)
        self.random_state = random_state
        self.shrinkage = shrinkage

    @property
    def _needs_numeric(self):
        return self.shrinkage is not None

    def _shrinkage_per_class(self):
        owner = self._owner
        if self.shrinkage is None:
            return None
        if isinstance(self.shrinkage, Real) and not isinstance(self.shrinkage, bool):
            factors = {cls: float(self.shrinkage) for cls in self.sampling_strategy_}
        elif isinstance(self.shrinkage, dict):
            factors = dict(self.shrinkage)
            missing = [c for c in self.sampling_strategy_ if c not in factors]
            if missing:
                raise ValueError(
                    f"{owner}: `shrinkage` should contain a shrinkage factor for each class that will be resampled. "
                    f"The missing classes are: {missing!r}"
                )
        else:
            raise ValueError(f"{owner}: shrinkage must be None, a float >= 0 or a dict, got {self.shrinkage!r}.")
        for cls, factor in factors.items():
            if factor < 0:
                raise ValueError(f"{owner}: The shrinkage factor needs to be >= 0. Got {factor} for class {cls!r}.")
        return factors

    @staticmethod
    def bandwidth(n_samples, n_features):
        """Silverman's factor ``(4 / ((d + 2) n)) ** (1 / (d + 4))`` used by ``shrinkage``."""
        return (4 / ((n_features + 2) * n_samples)) ** (1 / (n_features + 4))

    def _fit_resample(self, X, y):
        rng = check_random_state(self.random_state, self._owner)
        factors = self._shrinkage_per_class()
        if factors is not None:
            X = _float_matrix(X)
            h = self.bandwidth(*X.shape)

            def scale(cls, rows):
                return factors[cls] * h * X[rows].std(axis=0)

        else:

            def scale(cls, rows):
                return None

        X_res, y_res, self.sample_indices_ = _bootstrap_with_noise(X, y, self.sampling_strategy_, rng, scale)
        return X_res, y_res


class GaussianNoiseOverSampler(BaseSampler):
    """Over-sample by duplicating rows and adding Gaussian jitter (chainrule's own).

    Each new row is a random row of its class plus noise drawn from
    ``N(0, (noise_std * s_j) ** 2)`` independently for every feature ``j``,
    where ``s_j`` is the class's (population) standard deviation of that
    feature.  ``noise_std`` is therefore a fraction of the class's own
    spread: 0.05 moves points by about 5 % of it, enough to stop a model
    from memorising exact duplicates while staying inside the class's
    region (features with zero spread in the class get no noise).  Unlike
    ``RandomOverSampler(shrinkage=...)`` the scale does not shrink with the
    number of samples.
    """

    _sampling_type = "over-sampling"

    def __init__(self, sampling_strategy="auto", random_state=None, noise_std=0.05):
        super().__init__(sampling_strategy)
        self.random_state = random_state
        self.noise_std = noise_std

    def _validate_params(self):
        if not isinstance(self.noise_std, Real) or isinstance(self.noise_std, bool) or not self.noise_std >= 0:
            raise ValueError(f"{self._owner}: noise_std must be a float >= 0, got {self.noise_std!r}.")

    def _fit_resample(self, X, y):
        rng = check_random_state(self.random_state, self._owner)
        X = _float_matrix(X)

        def scale(cls, rows):
            return self.noise_std * X[rows].std(axis=0)

        X_res, y_res, self.sample_indices_ = _bootstrap_with_noise(X, y, self.sampling_strategy_, rng, scale)
        return X_res, y_res


class RandomUnderSampler(BaseSampler):
    """Under-sample by keeping a random subset of each targeted class.

    Output rows are grouped by class in sorted label order; classes not in
    the strategy are kept whole.  Every output row is an original row
    (``sample_indices_`` says which).  With ``replacement=True`` the kept
    rows are drawn with replacement (a bootstrap of the class).
    """

    _sampling_type = "under-sampling"
    _needs_numeric = False

    def __init__(self, sampling_strategy="auto", random_state=None, replacement=False):
        super().__init__(sampling_strategy)
        self.random_state = random_state
        self.replacement = replacement

    def _fit_resample(self, X, y):
        rng = check_random_state(self.random_state, self._owner)
        kept = []
        for cls in np.unique(y):
            rows = np.flatnonzero(y == cls)
            key = cls.item() if hasattr(cls, "item") else cls
            if key in self.sampling_strategy_:
                rows = rows[
                    rng.choice(rows.shape[0], size=self.sampling_strategy_[key], replace=bool(self.replacement))
                ]
            kept.append(rows)
        self.sample_indices_ = np.concatenate(kept)
        return X[self.sample_indices_], y[self.sample_indices_]


class TomekLinks(BaseSampler):
    """Remove Tomek links: pairs of mutual nearest neighbours with different labels.

    Such pairs sit on the class boundary (or one of them is noise).
    Removing the member that belongs to a targeted class (default 'auto':
    every class except the minority) cleans the boundary without touching
    the minority.  ``sampling_strategy`` only selects classes; counts are
    not controllable.
    """

    _sampling_type = "clean-sampling"

    def __init__(self, sampling_strategy="auto"):
        super().__init__(sampling_strategy)

    @staticmethod
    def is_tomek(y, nearest, targeted):
        """Boolean mask of samples of ``targeted`` classes that are in a Tomek link."""
        y = np.asarray(y)
        partner_label_differs = y[nearest] != y
        mutual = nearest[nearest] == np.arange(y.shape[0])
        in_target = np.isin(y, list(targeted))
        return partner_label_differs & mutual & in_target

    def _fit_resample(self, X, y):
        nearest = kneighbors(X, 1)[:, 0]
        links = self.is_tomek(y, nearest, self.sampling_strategy_)
        self.sample_indices_ = np.flatnonzero(~links)
        return X[self.sample_indices_], y[self.sample_indices_]
