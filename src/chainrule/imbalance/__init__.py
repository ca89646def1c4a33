"""Learning from imbalanced classes: resampling, re-weighting, leak-safe evaluation.

The sampler API follows imbalanced-learn (``fit_resample(X, y)``, the same
constructor arguments and ``sampling_strategy`` semantics), implemented in
NumPy.  See ``docs/imbalance.md`` for when to use which tool and why
resampling must only ever touch the training split.
"""

from .neighbors import kneighbors
from .pipeline import (
    ImbPipeline,
    ResampledTrainSplit,
    cross_val_score_resampled,
    resample_train_only,
    resampled_train_test_split,
)
from .resample import (
    BaseSampler,
    GaussianNoiseOverSampler,
    RandomOverSampler,
    RandomUnderSampler,
    TomekLinks,
    check_random_state,
)
from .smote import ADASYN, SMOTE, BorderlineSMOTE
from .split import (
    EvaluationSplit,
    mark_evaluation,
    stratified_kfold,
    stratified_train_test_indices,
)
from .strategy import check_sampling_strategy, class_counts
from .weights import compute_class_weight, compute_sample_weight

__all__ = [
    "ADASYN",
    "BaseSampler",
    "BorderlineSMOTE",
    "EvaluationSplit",
    "GaussianNoiseOverSampler",
    "ImbPipeline",
    "RandomOverSampler",
    "RandomUnderSampler",
    "ResampledTrainSplit",
    "SMOTE",
    "TomekLinks",
    "check_random_state",
    "check_sampling_strategy",
    "class_counts",
    "compute_class_weight",
    "compute_sample_weight",
    "cross_val_score_resampled",
    "kneighbors",
    "mark_evaluation",
    "resample_train_only",
    "resampled_train_test_split",
    "stratified_kfold",
    "stratified_train_test_indices",
]
