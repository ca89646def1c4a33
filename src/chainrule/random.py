"""Seeded randomness. Every random draw in chainrule (init, dropout masks, shuffling, augmentation)
goes through a ``numpy.random.Generator`` so that ``manual_seed`` makes a whole run reproducible."""
from __future__ import annotations

import numpy as np

_generator = np.random.default_rng(0)


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the default generator used wherever no explicit ``generator=`` is given."""
    global _generator
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"manual_seed: expected an int seed, got {type(seed).__name__}")
    _generator = np.random.default_rng(int(seed))
    return _generator


def default_generator() -> np.random.Generator:
    return _generator


def Generator(seed: int | None = None) -> np.random.Generator:
    """A private generator, to pass as ``generator=`` when one stream must not disturb another."""
    return np.random.default_rng(seed)


def get_generator(generator=None) -> np.random.Generator:
    if generator is None:
        return _generator
    if isinstance(generator, np.random.Generator):
        return generator
    raise TypeError(
        f"expected generator= to be a numpy.random.Generator (see chainrule.random.Generator), got "
        f"{type(generator).__name__}"
    )
