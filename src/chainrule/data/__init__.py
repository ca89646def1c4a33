"""Feeding data to models: datasets, samplers, the DataLoader, IDX (MNIST) files, MNIST and
Fashion-MNIST with torchvision's interface, image augmentation, and small ready-made datasets.

Mirrors ``torch.utils.data``: a *dataset* says what sample ``i`` is, a *sampler* says which
indices to visit in what order, and the :class:`DataLoader` groups samples into batches with a
collate function. Randomness (shuffling, splitting, augmentation) draws from chainrule's seeded
default generator unless a ``generator=`` is passed.
"""

from . import transforms
from .dataloader import DataLoader, default_collate, default_convert
from .dataset import (
    ConcatDataset,
    Dataset,
    Subset,
    TensorDataset,
    TransformDataset,
    random_split,
)
from .idx import load_idx_dataset, read_idx, write_idx
from .images import MNIST, FashionMNIST
from .imbalanced import (
    load_breast_cancer_imbalanced,
    load_digits_nine_vs_rest,
    make_imbalanced_classification,
)
from .samplers import (
    BalancedBatchSampler,
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)
from .sequences import AddingProblem, CopyTask, FirstTokenClassification  # long-range sequence tasks (issue 10)
from .toy import load_digits, make_moons, make_polynomial_regression, make_spirals

__all__ = [
    "BalancedBatchSampler",
    "BatchSampler",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "TransformDataset",
    "WeightedRandomSampler",
    "default_collate",
    "default_convert",
    "load_breast_cancer_imbalanced",
    "load_digits",
    "load_digits_nine_vs_rest",
    "load_idx_dataset",
    "make_imbalanced_classification",
    "make_moons",
    "make_polynomial_regression",
    "make_spirals",
    "random_split",
    "read_idx",
    "transforms",
    "write_idx",
    # long-range sequence tasks (issue 10)
    "AddingProblem",
    "CopyTask",
    "FirstTokenClassification",
    # image data sets (torchvision's interface)
    "FashionMNIST",
    "MNIST",
]
