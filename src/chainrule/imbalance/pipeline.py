"""Leak-safe use of samplers: resample the training data, never the evaluation data.

Why it matters: if you over-sample and *then* split, a test point's
duplicate (random over-sampling) or a synthetic point interpolated between
it and its neighbour (SMOTE) lands in the training set.  The model is then
evaluated on points it has practically been trained on and the score is
inflated -- often dramatically for the minority class, which is exactly
the class you care about.  Under-sampling before the split has the mirror
problem: the test set no longer has the real class ratio, so precision and
every prevalence-dependent metric are wrong.

This module offers three ways to get it right:

* :func:`resampled_train_test_split` splits first (stratified) and
  resamples only the training part; the test arrays come back as
  read-only :class:`~chainrule.imbalance.split.EvaluationSplit` arrays that
  every sampler refuses.
* :class:`ImbPipeline` bundles a sampler with a training function: ``fit``
  resamples, ``predict`` / ``predict_proba`` / ``score`` never do.
* :func:`cross_val_score_resampled` re-fits an :class:`ImbPipeline` inside
  each fold, so every fold's held-out part stays untouched.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .split import EvaluationSplit, mark_evaluation, stratified_kfold, stratified_train_test_indices

__all__ = [
    "ImbPipeline",
    "ResampledTrainSplit",
    "cross_val_score_resampled",
    "resample_train_only",
    "resampled_train_test_split",
]


def _check_sampler(sampler, owner):
    if not callable(getattr(sampler, "fit_resample", None)):
        raise ValueError(f"{owner}: sampler must have a fit_resample(X, y) method, got {sampler!r}.")


def resample_train_only(sampler, X_train, y_train):
    """Resample a *training* split and return new arrays ``(X_res, y_res)``.

    Raises ``ValueError`` if given evaluation data (an
    :class:`EvaluationSplit`), e.g. the ``X_test`` of a
    :class:`ResampledTrainSplit`.
    """
    owner = "resample_train_only"
    _check_sampler(sampler, owner)
    if isinstance(X_train, EvaluationSplit) or isinstance(y_train, EvaluationSplit):
        raise ValueError(f"{owner}: refusing to resample an evaluation split; resample training data only.")
    return sampler.fit_resample(X_train, y_train)


@dataclass(frozen=True)
class ResampledTrainSplit:
    """Result of :func:`resampled_train_test_split`.

    ``X_train``/``y_train`` are resampled; ``X_test``/``y_test`` are the
    original rows, read-only and marked as evaluation data.
    ``train_indices``/``test_indices`` are row numbers in the input.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_test: EvaluationSplit
    y_test: EvaluationSplit
    train_indices: np.ndarray
    test_indices: np.ndarray

    def __iter__(self):
        # Allows ``X_tr, y_tr, X_te, y_te = resampled_train_test_split(...)``.
        return iter((self.X_train, self.y_train, self.X_test, self.y_test))


def resampled_train_test_split(X, y, sampler, *, test_size=0.25, random_state=None):
    """Stratified train/test split, then resample the training part only."""
    owner = "resampled_train_test_split"
    _check_sampler(sampler, owner)
    X = np.asarray(X)
    y = np.asarray(y)
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"{owner}: Found input variables with inconsistent numbers of samples: [{X.shape[0]}, {y.shape[0]}]."
        )
    train_idx, test_idx = stratified_train_test_indices(y, test_size=test_size, random_state=random_state)
    X_res, y_res = sampler.fit_resample(X[train_idx], y[train_idx])
    return ResampledTrainSplit(
        X_train=X_res,
        y_train=y_res,
        X_test=mark_evaluation(X[test_idx]),
        y_test=mark_evaluation(y[test_idx]),
        train_indices=train_idx,
        test_indices=test_idx,
    )


class ImbPipeline:
    """A sampler followed by a model, where only ``fit`` resamples.

    Args:
        sampler: an object with ``fit_resample(X, y)``, or None (no resampling).
        fit_fn: ``fit_fn(X, y) -> model`` trains on the resampled data; ``model`` is an object with
            ``predict`` (and optionally ``predict_proba`` / ``decision_function``) or a plain
            callable ``model(X) -> predictions``.

    ``predict``, ``predict_proba``, ``decision_function`` and ``score`` pass
    ``X`` straight to the model: there is deliberately no method that
    resamples anything but the data given to ``fit``.
    """

    def __init__(self, sampler, fit_fn):
        if sampler is not None:
            _check_sampler(sampler, "ImbPipeline")
        if not callable(fit_fn):
            raise ValueError(f"ImbPipeline: fit_fn must be callable fit_fn(X, y) -> model, got {fit_fn!r}.")
        self.sampler = sampler
        self.fit_fn = fit_fn

    def fit(self, X, y):
        """Resample ``(X, y)`` and train the model on the result."""
        if isinstance(X, EvaluationSplit) or isinstance(y, EvaluationSplit):
            raise ValueError("ImbPipeline.fit: refusing to train on an evaluation split.")
        if self.sampler is None:
            X_res, y_res = np.asarray(X), np.asarray(y)
        else:
            X_res, y_res = self.sampler.fit_resample(X, y)
        self.train_class_counts_ = dict(zip(*(a.tolist() for a in np.unique(y_res, return_counts=True))))
        self.model_ = self.fit_fn(X_res, y_res)
        return self

    def _model(self, owner):
        if not hasattr(self, "model_"):
            raise ValueError(f"ImbPipeline.{owner}: this pipeline is not fitted yet; call fit(X_train, y_train) first.")
        return self.model_

    def predict(self, X):
        """Predictions of the trained model on ``X`` (never resampled)."""
        model = self._model("predict")
        if hasattr(model, "predict"):
            return model.predict(X)
        if callable(model):
            return model(X)
        raise ValueError("ImbPipeline.predict: the model has no predict method and is not callable.")

    def predict_proba(self, X):
        """Class probabilities of the trained model on ``X`` (never resampled)."""
        model = self._model("predict_proba")
        if not hasattr(model, "predict_proba"):
            raise ValueError("ImbPipeline.predict_proba: the model has no predict_proba method.")
        return model.predict_proba(X)

    def decision_function(self, X):
        """Decision scores of the trained model on ``X`` (never resampled)."""
        model = self._model("decision_function")
        if not hasattr(model, "decision_function"):
            raise ValueError("ImbPipeline.decision_function: the model has no decision_function method.")
        return model.decision_function(X)

    def score(self, X, y, metric=None):
        """``metric(y, predict(X))``; default balanced accuracy, which is honest under imbalance."""
        if metric is None:
            from ..metrics import balanced_accuracy_score as metric
        return metric(np.asarray(y), self.predict(X))


def cross_val_score_resampled(pipeline, X, y, *, metric=None, n_splits=5, random_state=None, response="predict"):
    """Stratified k-fold scores of an :class:`ImbPipeline`, resampling inside each fold.

    For each fold the pipeline is re-fitted on the training folds (which
    its sampler resamples) and scored on the held-out fold as is.
    ``response`` picks what the metric receives: 'predict',
    'predict_proba' (probability of the last class for binary problems,
    the full matrix otherwise) or 'decision_function'.  Returns an array of
    ``n_splits`` scores.
    """
    owner = "cross_val_score_resampled"
    if not isinstance(pipeline, ImbPipeline):
        raise ValueError(f"{owner}: pipeline must be an ImbPipeline, got {type(pipeline).__name__}.")
    if response not in ("predict", "predict_proba", "decision_function"):
        raise ValueError(
            f"{owner}: response must be 'predict', 'predict_proba' or 'decision_function', got {response!r}."
        )
    if metric is None:
        from ..metrics import balanced_accuracy_score as metric
    X = np.asarray(X)
    y = np.asarray(y)
    scores = []
    for train_idx, test_idx in stratified_kfold(y, n_splits, random_state=random_state):
        pipeline.fit(X[train_idx], y[train_idx])
        X_test = mark_evaluation(X[test_idx])
        output = getattr(pipeline, response)(X_test)
        if response == "predict_proba":
            output = np.asarray(output)
            if output.ndim == 2 and output.shape[1] == 2:
                output = output[:, 1]
        scores.append(metric(y[test_idx], output))
    return np.asarray(scores, dtype=np.float64)
