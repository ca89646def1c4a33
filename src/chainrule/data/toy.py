"""Small datasets for experiments that run in seconds on a CPU.

* :func:`load_digits` -- scikit-learn's 1,797 8x8 handwritten digits, ready as TensorDatasets.
  scikit-learn is needed for this loader only (``pip install "chainrule[datasets]"``).
* :func:`make_moons`, :func:`make_spirals` -- 2-D classification problems that no linear model
  can solve, so they show at a glance what a hidden layer buys.
* :func:`make_polynomial_regression` -- noisy samples of a random polynomial with its true
  coefficients, for watching under- and over-fitting as model capacity changes.

The generators are pure NumPy and seeded: ``random_state`` is an int seed, a
``numpy.random.Generator``, or None for chainrule's default generator (so
``chainrule.manual_seed`` fixes them too; see :func:`chainrule.random.get_generator`). They return NumPy arrays (X float32, class labels
int64) that :class:`~chainrule.data.TensorDataset` accepts directly.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

import chainrule as cr

from ..random import get_generator

__all__ = ["load_digits", "make_moons", "make_polynomial_regression", "make_spirals"]

_EXTRA_HINT = 'pip install "chainrule[datasets]"'


def _positive_int(value, name: str, where: str, minimum: int = 1) -> int:
    if not isinstance(value, (numbers.Integral, np.integer)) or isinstance(value, bool) or value < minimum:
        raise ValueError(f"{where}: {name} should be an integer >= {minimum}, got {value!r}")
    return int(value)


def _noise(noise, where: str) -> float:
    if noise is None:
        return 0.0
    if (
        not isinstance(noise, (numbers.Real, np.number))
        or isinstance(noise, bool)
        or not noise >= 0
        or not math.isfinite(noise)
    ):
        raise ValueError(f"{where}: noise should be None or a finite non-negative number, got {noise!r}")
    return float(noise)


def load_digits(split: str | None = None, test_size: float | int = 0.2, random_state=0, flatten: bool = True):
    """scikit-learn's handwritten digits (1,797 images of 8x8 pixels, classes 0-9).

    Pixels (originally 0-16) are scaled to float32 in [0, 1]; labels are int64.

    Args:
        split: ``None`` -> one :class:`TensorDataset` with all 1,797 samples;
            ``"train"`` or ``"test"`` -> that side of a stratified split;
            ``"both"`` -> the tuple ``(train, test)``.
        test_size: fraction (0 < f < 1) or count of samples held out for ``"test"``.
        random_state: seed of the split, so ``"train"`` and ``"test"`` requested in separate
            calls are complementary. The split is stratified (each digit appears in both
            halves in the same proportion) so a small test set is not accidentally short of a
            class. An int (or a ``RandomState``) goes to scikit-learn's ``train_test_split`` as
            is; None or a ``numpy.random.Generator`` supplies that seed, None meaning chainrule's
            default generator as everywhere else.
        flatten: images as 64-vectors (for MLPs) when True, as ``1 x 8 x 8`` channel-first
            images (for conv nets and image transforms) when False.
    """
    if split not in (None, "train", "test", "both"):
        raise ValueError(f"load_digits: split should be None, 'train', 'test' or 'both', got {split!r}")
    if not isinstance(flatten, bool):
        raise TypeError(f"load_digits: flatten should be a bool, got {flatten!r}")
    try:
        from sklearn.datasets import load_digits as _sk_load_digits
        from sklearn.model_selection import train_test_split
    except ImportError as exc:
        raise ImportError(
            f"load_digits needs scikit-learn, an optional dependency of chainrule: {_EXTRA_HINT}"
        ) from exc
    from .dataset import TensorDataset

    bunch = _sk_load_digits()
    x = np.asarray(bunch.data, dtype=np.float32) / np.float32(16.0)
    x = x if flatten else x.reshape(-1, 1, 8, 8)
    y = np.asarray(bunch.target, dtype=np.int64)

    def make(xs, ys):
        return TensorDataset(cr.tensor(np.ascontiguousarray(xs), dtype=np.float32), cr.tensor(ys, dtype=np.int64))

    if split is None:
        return make(x, y)
    n = len(y)
    if isinstance(test_size, bool) or not isinstance(test_size, (numbers.Real, np.number)):
        raise ValueError(f"load_digits: test_size should be a fraction or a count, got {test_size!r}")
    if isinstance(test_size, (numbers.Integral, np.integer)):
        if not 10 <= test_size <= n - 10:
            raise ValueError(
                f"load_digits: an integer test_size must be between 10 and {n - 10} (one sample per "
                f"class on each side of the stratified split), got {test_size}"
            )
    elif not 0 < test_size < 1:
        raise ValueError(f"load_digits: a fractional test_size must be strictly between 0 and 1, got {test_size}")
    if random_state is None or isinstance(random_state, np.random.Generator):
        random_state = int(get_generator(random_state, owner="load_digits").integers(2**32))
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=test_size, random_state=random_state, stratify=y)
    train, test = make(x_tr, y_tr), make(x_te, y_te)
    return {"train": train, "test": test, "both": (train, test)}[split]


def make_moons(n_samples=100, *, shuffle: bool = True, noise: float | None = None, random_state=None):
    """Two interleaving half circles, as ``sklearn.datasets.make_moons``.

    ``n_samples`` is the total (the outer moon, class 0, gets ``n // 2``) or a pair
    ``(n_outer, n_inner)``. ``noise`` is the standard deviation of Gaussian noise added to the
    points. Returns ``X`` (n, 2) float32 and ``y`` (n,) int64. Without noise and shuffling the
    points are exactly scikit-learn's; the random draws differ (NumPy Generator, not
    RandomState).
    """
    where = "make_moons"
    if isinstance(n_samples, (tuple, list)):
        if len(n_samples) != 2:
            raise ValueError(f"{where}: n_samples as a pair should be (n_outer, n_inner), got {n_samples!r}")
        n_out = _positive_int(n_samples[0], "n_samples[0]", where, minimum=0)
        n_in = _positive_int(n_samples[1], "n_samples[1]", where, minimum=0)
    else:
        total = _positive_int(n_samples, "n_samples", where)
        n_out = total // 2
        n_in = total - n_out
    sigma = _noise(noise, where)
    rng = get_generator(random_state, owner=where, seeds=True)
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    outer = np.stack([np.cos(t_out), np.sin(t_out)], axis=1)
    inner = np.stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5], axis=1)
    x = np.concatenate([outer, inner]).reshape(-1, 2)
    y = np.concatenate([np.zeros(n_out, np.int64), np.ones(n_in, np.int64)])
    if shuffle:
        order = rng.permutation(len(y))
        x, y = x[order], y[order]
    if sigma > 0:
        x = x + rng.normal(0.0, sigma, size=x.shape)
    return x.astype(np.float32), y


def make_spirals(
    n_samples: int = 100,
    n_classes: int = 2,
    noise: float | None = None,
    random_state=None,
    *,
    turns: float = 1.0,
    shuffle: bool = True,
):
    """``n_classes`` interleaved spiral arms in the plane, one per class.

    Each arm starts near the origin and winds ``turns`` revolutions out to radius 1; the arms are
    rotated ``360 / n_classes`` degrees apart. Samples are shared out as evenly as possible (the
    first ``n_samples % n_classes`` classes get one extra). ``noise`` is the standard deviation
    of Gaussian noise on the coordinates (~0.05-0.2 is interesting). Returns ``X`` (n, 2)
    float32 and ``y`` (n,) int64.

    Telling the arms apart needs a boundary that winds with them: a linear model is at chance,
    a small MLP succeeds, which makes this the standard demonstration of hidden layers.
    """
    where = "make_spirals"
    n = _positive_int(n_samples, "n_samples", where)
    k = _positive_int(n_classes, "n_classes", where, minimum=2)
    if n < k:
        raise ValueError(f"{where}: n_samples ({n}) should be at least n_classes ({k}) so every class has a sample")
    if not isinstance(turns, (numbers.Real, np.number)) or isinstance(turns, bool) or not turns > 0:
        raise ValueError(f"{where}: turns should be a positive number, got {turns!r}")
    sigma = _noise(noise, where)
    rng = get_generator(random_state, owner=where, seeds=True)
    xs, ys = [], []
    for c in range(k):
        m = n // k + (1 if c < n % k else 0)
        r = np.arange(1, m + 1, dtype=np.float64) / m  # (0, 1]: no point sits ambiguously at the origin
        theta = 2 * np.pi * (turns * r + c / k)
        xs.append(np.stack([r * np.cos(theta), r * np.sin(theta)], axis=1))
        ys.append(np.full(m, c, dtype=np.int64))
    x, y = np.concatenate(xs), np.concatenate(ys)
    if shuffle:
        order = rng.permutation(n)
        x, y = x[order], y[order]
    if sigma > 0:
        x = x + rng.normal(0.0, sigma, size=x.shape)
    return x.astype(np.float32), y


def make_polynomial_regression(
    n_samples: int = 100, degree: int = 3, noise: float | None = 0.1, random_state=None, *, x_range=(-1.0, 1.0)
):
    """Noisy samples of a random polynomial ``y = sum_k coef[k] * x**k + noise * N(0, 1)``.

    ``x`` is drawn uniformly from ``x_range``; the ``degree + 1`` true coefficients are standard
    normal, lowest power first (``np.polynomial.polynomial.polyval`` order). Returns
    ``(x, y, coef)``: ``x`` and ``y`` float32 of shape (n, 1) -- the shape a ``Linear(1, 1)``
    model consumes and produces -- and ``coef`` float64 of shape (degree + 1,).

    Fitting polynomials of lower, equal and higher degree than ``degree`` to the same points is
    the textbook picture of under-fitting, a good fit, and over-fitting the noise.
    """
    where = "make_polynomial_regression"
    n = _positive_int(n_samples, "n_samples", where)
    d = _positive_int(degree, "degree", where, minimum=0)
    sigma = _noise(noise, where)
    if not (isinstance(x_range, (tuple, list)) and len(x_range) == 2 and x_range[0] < x_range[1]):
        raise ValueError(f"{where}: x_range should be a (low, high) pair with low < high, got {x_range!r}")
    rng = get_generator(random_state, owner=where, seeds=True)
    coef = rng.standard_normal(d + 1)
    x = rng.uniform(float(x_range[0]), float(x_range[1]), size=(n, 1))
    y = np.polynomial.polynomial.polyval(x, coef)
    if sigma > 0:
        y = y + rng.normal(0.0, sigma, size=y.shape)
    return x.astype(np.float32), y.astype(np.float32), coef
