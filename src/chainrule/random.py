"""Seeded randomness. Every random draw in chainrule (init, dropout masks, shuffling, augmentation,
synthetic data, resampling) goes through a ``numpy.random.Generator`` obtained from
:func:`get_generator`, so that ``manual_seed`` makes a whole run reproducible.

``None`` means the same thing wherever chainrule accepts a ``generator=`` or ``random_state=``:
chainrule's default generator, the stream that :func:`manual_seed` reseeds.
"""

from __future__ import annotations

from numbers import Integral

import numpy as np

__all__ = ["Generator", "check_generator", "default_generator", "get_generator", "manual_seed"]

_generator = np.random.default_rng(0)


def manual_seed(seed: int) -> np.random.Generator:
    """Reseed the default generator used wherever no explicit ``generator=`` is given."""
    global _generator
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool):
        raise TypeError(f"manual_seed: expected an int seed, got {type(seed).__name__}")
    _generator = np.random.default_rng(int(seed))
    return _generator


def default_generator() -> np.random.Generator:
    """chainrule's default generator as it is now (``manual_seed`` replaces it)."""
    return _generator


def Generator(seed: int | None = None) -> np.random.Generator:
    """A private generator, to pass as ``generator=`` when one stream must not disturb another.

    Like ``torch.Generator()``, an unseeded one starts from fresh OS entropy.
    """
    return np.random.default_rng(seed)


def get_generator(
    generator=None, *, owner: str | None = None, seeds: bool = False, error: type[Exception] = TypeError
) -> np.random.Generator:
    """Resolve a ``generator=`` or ``random_state=`` argument to a ``numpy.random.Generator``.

    The one place that decides what such an argument means:

    * ``None``: chainrule's default generator as it is at this call (the stream that
      :func:`manual_seed` reseeds). Objects that store ``None`` and resolve it at each use
      (samplers, transforms) therefore follow a ``manual_seed`` made after their construction.
    * a ``numpy.random.Generator``: returned as is; the caller's draws advance it.
    * with ``seeds=True`` only (scikit-learn's ``random_state=``): an int seeds a new generator,
      so the same int always gives the same output; a legacy ``numpy.random.RandomState`` seeds a
      new generator from one draw of its stream, so it is advanced and stays reproducible from
      its own seed.

    Args:
        generator: the argument to resolve.
        owner: the public function or class named first in error messages.
        seeds: also accept int seeds and ``RandomState`` objects (a ``random_state=`` argument);
            a ``generator=`` argument takes generator objects only, as in PyTorch.
        error: the exception type raised for an argument of another type: ``TypeError`` as
            PyTorch raises, or ``ValueError`` where scikit-learn's ``check_random_state`` owns
            the convention.

    Raises:
        error: ``generator`` is none of the accepted types.
        ValueError: a negative int seed.
    """
    if generator is None:
        return _generator
    if isinstance(generator, np.random.Generator):
        return generator
    prefix = f"{owner}: " if owner else ""
    if not seeds:
        raise error(
            f"{prefix}expected generator= to be a numpy.random.Generator (see chainrule.random.Generator) "
            f"or None, got {type(generator).__name__}"
        )
    if isinstance(generator, Integral) and not isinstance(generator, bool):
        if generator < 0:
            raise ValueError(f"{prefix}random_state must be a non-negative int seed, got {generator}")
        return np.random.default_rng(int(generator))
    if isinstance(generator, np.random.RandomState):
        return np.random.default_rng(generator.randint(0, 2**63 - 1, dtype=np.int64))
    raise error(
        f"{prefix}random_state should be None, an int seed or a numpy.random.Generator (or a legacy "
        f"numpy.random.RandomState), got {type(generator).__name__}"
    )


def check_generator(generator, owner: str):
    """Validate a ``generator=`` argument when an object is built, and return it unchanged.

    ``None`` stays ``None``: the object resolves it with :func:`get_generator` at each use, so
    every epoch draws from the default generator as ``manual_seed`` last left it.
    """
    if generator is not None:
        get_generator(generator, owner=owner)
    return generator
