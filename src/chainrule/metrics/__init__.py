"""Classification metrics with scikit-learn's names, signatures and semantics.

Everything here is plain NumPy.  The functions are written to return the
same numbers as ``sklearn.metrics`` (and ``imblearn.metrics`` for
:func:`geometric_mean_score`) so that results reported with chainrule can
be compared directly with results reported with the usual Python stack; the
test-suite checks this against scikit-learn on randomly generated cases.

Why so many metrics for one confusion matrix?  Because under heavy class
imbalance the popular ones lie:

* **accuracy** rewards predicting the majority class: with 1 % positives a
  classifier that never says "positive" scores 99 %.  Prefer
  :func:`balanced_accuracy_score` (mean per-class recall), the
  :func:`matthews_corrcoef` or :func:`geometric_mean_score`, which all drop
  to chance level for such a degenerate classifier.
* **ROC-AUC** measures how well positives are ranked above negatives.  Its
  x-axis, the false-positive *rate*, divides by the (huge) number of
  negatives, so a classifier can flood the user with false alarms while
  moving the ROC curve barely at all.  **PR-AUC** (:func:`average_precision_score`)
  puts *precision* on the y-axis, i.e. it asks "of the things I flagged,
  how many were real?", which is what degrades when false alarms swamp a
  rare positive class.  Its chance level is the prevalence, not 0.5, so it
  is more honest about how hard the task is.

Layout (scikit-learn's): ``_classification`` (label metrics and ``log_loss``), ``_ranking``
(curves and areas from scores), ``_imbalanced`` (imbalanced-learn's metrics), ``_validation``
(input checks and :class:`UndefinedMetricWarning`), ``_encode`` (label encoding).

Scope: binary and multiclass targets (plus multilabel indicator matrices for
the ranking metrics ``roc_auc_score`` / ``average_precision_score``).  The
set-based metrics (precision, recall, F, confusion matrix, ...) do not
accept multilabel indicator targets and raise ``ValueError`` instead.
"""

from ._classification import (
    accuracy_score,
    balanced_accuracy_score,
    classification_report,
    confusion_matrix,
    f1_score,
    fbeta_score,
    log_loss,
    matthews_corrcoef,
    precision_recall_fscore_support,
    precision_score,
    recall_score,
)
from ._imbalanced import geometric_mean_score, sensitivity_specificity_support
from ._ranking import (
    auc,
    average_precision_score,
    precision_recall_curve,
    roc_auc_score,
    roc_curve,
)
from ._validation import UndefinedMetricWarning

__all__ = [
    "UndefinedMetricWarning",
    "accuracy_score",
    "auc",
    "average_precision_score",
    "balanced_accuracy_score",
    "classification_report",
    "confusion_matrix",
    "f1_score",
    "fbeta_score",
    "geometric_mean_score",
    "log_loss",
    "matthews_corrcoef",
    "precision_recall_curve",
    "precision_recall_fscore_support",
    "precision_score",
    "recall_score",
    "roc_auc_score",
    "roc_curve",
    "sensitivity_specificity_support",
]
