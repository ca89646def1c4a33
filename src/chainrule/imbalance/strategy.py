"""``sampling_strategy`` semantics, as imbalanced-learn defines them.

A sampler's ``sampling_strategy`` says *which* classes to resample and *to
what size*.  It is resolved against the class counts of ``y`` into a dict
``{class: number}``, whose meaning depends on the kind of sampler:

* over-sampling: number of samples **to add** to the class;
* under-sampling: number of samples **to keep** in the class;
* cleaning (e.g. Tomek links): only the keys matter, the classes allowed to
  lose samples.

Strings ('auto', 'minority', 'majority', 'not minority', 'not majority',
'all') equalise the chosen classes with the majority (over-sampling) or the
minority (under-sampling).  A float ``r`` (binary only) targets
``n_minority / n_majority == r`` after resampling.  A dict gives final
class sizes; a list (cleaning only) names the classes; a callable gets
``y`` and returns such a dict.  When several classes tie for majority or
minority, the first one in sorted label order is chosen.
"""

from __future__ import annotations

from collections import OrderedDict
from numbers import Real

import numpy as np

__all__ = ["SAMPLING_TYPES", "check_sampling_strategy", "class_counts"]

SAMPLING_TYPES = ("over-sampling", "under-sampling", "clean-sampling")
STRING_STRATEGIES = ("auto", "minority", "majority", "not minority", "not majority", "all")


def class_counts(y):
    """``{label: count}`` in sorted label order."""
    labels, counts = np.unique(y, return_counts=True)
    return dict(zip(labels.tolist(), counts.tolist()))


def _majority(stats):
    # max() keeps the first of tied keys, i.e. the smallest label.
    return max(stats, key=stats.get)


def _minority(stats):
    return min(stats, key=stats.get)


def _from_string(strategy, y, kind, owner):
    stats = class_counts(y)
    n_max, n_min = max(stats.values()), min(stats.values())
    if strategy == "auto":
        strategy = "not majority" if kind == "over-sampling" else "not minority"
    if strategy == "majority" and kind == "over-sampling":
        raise ValueError(f"{owner}: 'sampling_strategy'='majority' cannot be used with over-sampler.")
    if strategy == "minority" and kind != "over-sampling":
        raise ValueError(
            f"{owner}: 'sampling_strategy'='minority' cannot be used with under-sampler and clean-sampler."
        )
    selected = {
        "all": list(stats),
        "majority": [_majority(stats)],
        "minority": [_minority(stats)],
        "not majority": [c for c in stats if c != _majority(stats)],
        "not minority": [c for c in stats if c != _minority(stats)],
    }[strategy]
    if kind == "over-sampling":
        return {c: n_max - stats[c] for c in selected}
    return {c: n_min for c in selected}


def _from_dict(strategy, y, kind, owner):
    stats = class_counts(y)
    unknown = set(strategy) - set(stats)
    if unknown:
        raise ValueError(
            f"{owner}: The {unknown} target class is/are not present in the data (classes: {list(stats)})."
        )
    if any(n < 0 for n in strategy.values()):
        raise ValueError(
            f"{owner}: The number of samples in a class cannot be negative. 'sampling_strategy' contains some "
            f"negative value: {strategy}"
        )
    resolved = {}
    for cls, n in strategy.items():
        key = [c for c in stats if c == cls][0]  # use y's own label object
        if kind == "over-sampling":
            if n < stats[key]:
                raise ValueError(
                    f"{owner}: With over-sampling methods, the number of samples in a class should be greater or "
                    f"equal to the original number of samples. Originally, there is {stats[key]} samples and {n} "
                    f"samples are asked for class {key!r}."
                )
            resolved[key] = int(n - stats[key])
        elif kind == "under-sampling":
            if n > stats[key]:
                raise ValueError(
                    f"{owner}: With under-sampling methods, the number of samples in a class should be less or "
                    f"equal to the original number of samples. Originally, there is {stats[key]} samples and {n} "
                    f"samples are asked for class {key!r}."
                )
            resolved[key] = int(n)
        else:
            raise ValueError(
                f"{owner}: 'sampling_strategy' as a dict for cleaning methods is not supported. Please give a list "
                "of the classes to be targeted by the sampling."
            )
    return resolved


def _from_list(strategy, y, kind, owner):
    if kind != "clean-sampling":
        raise ValueError(f"{owner}: 'sampling_strategy' cannot be a list for samplers which are not cleaning methods.")
    stats = class_counts(y)
    unknown = set(strategy) - set(stats)
    if unknown:
        raise ValueError(
            f"{owner}: The {unknown} target class is/are not present in the data (classes: {list(stats)})."
        )
    n_min = min(stats.values())
    return {c: n_min for c in stats if c in set(strategy)}


def _from_float(ratio, y, kind, owner):
    stats = class_counts(y)
    if len(stats) != 2:
        raise ValueError(
            f'{owner}: "sampling_strategy" can be a float only when the type of target is binary '
            f"(got {len(stats)} classes). For multi-class, use a dict."
        )
    if kind == "over-sampling":
        majority = _majority(stats)
        resolved = {c: int(stats[majority] * ratio - n) for c, n in stats.items() if c != majority}
        if any(n <= 0 for n in resolved.values()):
            raise ValueError(
                f"{owner}: The specified ratio {ratio} required to remove samples from the minority class while "
                "trying to generate new samples. Please increase the ratio."
            )
        return resolved
    if kind == "under-sampling":
        minority = _minority(stats)
        resolved = {c: int(stats[minority] / ratio) for c in stats if c != minority}
        if any(n > stats[c] for c, n in resolved.items()):
            raise ValueError(
                f"{owner}: The specified ratio {ratio} required to generate new sample in the majority class while "
                "trying to remove samples. Please increase the ratio."
            )
        return resolved
    raise ValueError(f"{owner}: 'clean-sampling' methods do not let the user specify the sampling ratio.")


def check_sampling_strategy(sampling_strategy, y, sampling_type, owner="check_sampling_strategy"):
    """Resolve ``sampling_strategy`` against ``y`` into an ordered ``{class: n}`` dict."""
    if sampling_type not in SAMPLING_TYPES:
        raise ValueError(f"{owner}: 'sampling_type' should be one of {SAMPLING_TYPES}. Got {sampling_type!r} instead.")
    n_classes = np.unique(y).size
    if n_classes <= 1:
        raise ValueError(f"{owner}: The target 'y' needs to have more than 1 class. Got {n_classes} class instead")
    if isinstance(sampling_strategy, str):
        if sampling_strategy not in STRING_STRATEGIES:
            raise ValueError(
                f"{owner}: When 'sampling_strategy' is a string, it needs to be one of {STRING_STRATEGIES}. "
                f"Got {sampling_strategy!r} instead."
            )
        resolved = _from_string(sampling_strategy, y, sampling_type, owner)
    elif isinstance(sampling_strategy, dict):
        resolved = _from_dict(sampling_strategy, y, sampling_type, owner)
    elif isinstance(sampling_strategy, (list, tuple)):
        resolved = _from_list(sampling_strategy, y, sampling_type, owner)
    elif isinstance(sampling_strategy, Real) and not isinstance(sampling_strategy, bool):
        if not 0 < sampling_strategy <= 1:
            raise ValueError(
                f"{owner}: When 'sampling_strategy' is a float, it should be in the range (0, 1]. "
                f"Got {sampling_strategy} instead."
            )
        resolved = _from_float(sampling_strategy, y, sampling_type, owner)
    elif callable(sampling_strategy):
        resolved = _from_dict(sampling_strategy(y), y, sampling_type, owner)
    else:
        raise ValueError(
            f"{owner}: sampling_strategy must be a str, float, dict, list or callable, got {sampling_strategy!r}."
        )
    return OrderedDict(sorted(resolved.items()))
